// The root attributes of a results file, as one typed value: what `ResultsData` carries, what the
// writer writes (schema order first, then any others by name) and what the reader returns.
import Foundation

/// A root attribute value.
public enum AttributeValue: Equatable, Sendable, CustomStringConvertible {
    case double(Double), int(Int64), string(String)
    /// A 1-D float64 array (e.g. `busy_seconds`, one value per rank).
    case doubles([Double])
    /// The value as text (Swift's shortest round-trip form for doubles; arrays comma-separated), as
    /// shown in messages.
    public var description: String {
        switch self {
        case let .double(x): return "\(x)"
        case let .int(x): return "\(x)"
        case let .string(s): return s
        case let .doubles(xs): return xs.map { "\($0)" }.joined(separator: ",")
        }
    }
}

/// The root attributes of a study (settings, provenance, bookkeeping), keyed by `RootKey`.
public struct RootAttributes: Equatable, Sendable {
    /// Every attribute, by name.
    public var values: [String: AttributeValue]

    /// Attributes from a dictionary (or none).
    public init(_ values: [String: AttributeValue] = [:]) { self.values = values }
    /// Attributes from a list (a later key wins).
    public init(_ list: [(String, AttributeValue)]) { values = Dictionary(list, uniquingKeysWith: { $1 }) }

    /// The attribute `key`.
    public subscript(_ key: String) -> AttributeValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// A string attribute (nil when absent or of another kind).
    public func string(_ key: String) -> String? { if case let .string(s)? = values[key] { return s }; return nil }
    /// An integer attribute (a double holding an integer counts).
    public func int(_ key: String) -> Int64? {
        switch values[key] {
        case let .int(i)?: return i
        case let .double(x)?: return x == x.rounded() ? Int64(exactly: x) : nil
        default: return nil
        }
    }
    /// A float64 array attribute (a scalar number counts as one value).
    public func doubles(_ key: String) -> [Double]? {
        switch values[key] {
        case let .doubles(xs)?: return xs
        case let .double(x)?: return [x]
        case let .int(i)?: return [Double(i)]
        default: return nil
        }
    }
    /// A numeric attribute.
    public func double(_ key: String) -> Double? {
        switch values[key] { case let .double(x)?: return x; case let .int(i)?: return Double(i); default: return nil }
    }

    /// ρ and η of the study.
    public var rho: Double? { double(RootKey.rho) }
    /// The noise strength η.
    public var eta: Double? { double(RootKey.eta) }
    /// `points_done`, `points_total`, `points_failed`.
    public var pointsDone: Int? { int(RootKey.pointsDone).map(Int.init) }
    /// `points_total`.
    public var pointsTotal: Int? { int(RootKey.pointsTotal).map(Int.init) }
    /// `points_failed`.
    public var pointsFailed: Int? { int(RootKey.pointsFailed).map(Int.init) }
    /// `complete` = 1.
    public var isComplete: Bool { int(RootKey.complete) == 1 }
    /// The canonical spec the file was computed from.
    public var specCanonical: String? { string(RootKey.specCanonical) }
    /// "PATH (vaesweep VERSION, commit COMMIT)" of a file read from `path`.
    public func origin(path: String) -> String {
        "\(path) (vaesweep \(string(RootKey.toolVersion) ?? "?"), commit \(string(RootKey.gitCommit) ?? "?"))"
    }

    /// The result-determining settings; throws `ResultsError` when ρ or η is missing.
    public func settings() throws -> StudySettings { try StudySettings(attributes: values) }

    /// In writing order: the schema's keys (`RootKey.kinds`) first, then any others by name.
    public var ordered: [(String, AttributeValue)] {
        let known = Set(RootKey.kinds.map { $0.key })
        return RootKey.kinds.compactMap { k in values[k.key].map { (k.key, $0) } }
            + values.filter { !known.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
