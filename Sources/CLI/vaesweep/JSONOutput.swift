import Foundation
import Statistics
import VAETheory

/// A JSON object whose keys keep their insertion order (one object per output line).
/// Doubles print with Swift's shortest round-trip representation, so a reader recovers the
/// exact binary value; non-finite doubles print as `null`.
struct JSONObject {
    private var fields: [(String, String)] = []

    mutating func add(_ key: String, _ value: Double) {
        fields.append((key, value.isFinite ? "\(value)" : "null"))
    }
    mutating func add(_ key: String, _ value: Int) { fields.append((key, "\(value)")) }
    mutating func add(_ key: String, _ value: Bool) { fields.append((key, value ? "true" : "false")) }
    mutating func add(_ key: String, _ value: String) { fields.append((key, JSONObject.quote(value))) }

    /// The observables under their standard keys (`m` … `dist_test`), then `phase` by name.
    mutating func add(_ o: Observables) {
        for q in Quantity.allCases { add(q.rawValue, o[q]) }
        add("phase", o.phase.name)
    }

    var line: String { "{" + fields.map { "\(JSONObject.quote($0.0)): \($0.1)" }.joined(separator: ", ") + "}" }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}

/// One JSON line of a flat record (summary, validation).
func jsonLine(_ record: SummaryRecord) -> String {
    var o = JSONObject()
    for (key, value) in record {
        switch value {
        case let .double(v): o.add(key, v)
        case let .int(v): o.add(key, v)
        case let .string(v): o.add(key, v)
        case let .bool(v): o.add(key, v)
        }
    }
    return o.line
}
