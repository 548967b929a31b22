// Text and number formatting for the SVG figures: escaping, pixel coordinates, compact labels.
import Foundation

// MARK: - Text and numbers

/// Escape text for use in SVG character data and attribute values.
public func svgEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(c)
        }
    }
    return out
}

/// `v` with binary noise removed (12 significant digits): 0.6000000000000001 → 0.6.
func cleaned(_ v: Double) -> Double { v == 0 ? 0 : (Double(String(format: "%.12g", v)) ?? v) }

/// A coordinate for SVG output: two decimals, no trailing zeros.
public func px(_ v: Double) -> String {
    let r = (v * 100).rounded() / 100
    if r == r.rounded() { return String(Int(r)) }
    var s = String(format: "%.2f", r)
    while s.hasSuffix("0") { s.removeLast() }
    return s
}

/// A compact human label for a number: "0.5", "12", "1e-4", "2.5e6".
public func formatNumber(_ v: Double, significant: Int = 4) -> String {
    guard v.isFinite else { return v.isNaN ? "NaN" : (v > 0 ? "∞" : "−∞") }
    if v == 0 { return "0" }
    let a = abs(v)
    if a >= 1e5 || a < 1e-3 {
        var s = String(format: "%.\(max(0, significant - 1))e", v)
        // "2.500e+06" -> "2.5e6"
        let parts = s.split(separator: "e")
        var mant = String(parts[0])
        if mant.contains(".") {
            while mant.hasSuffix("0") { mant.removeLast() }
            if mant.hasSuffix(".") { mant.removeLast() }
        }
        let exp = Int(parts[1]) ?? 0
        s = mant + "e" + String(exp)
        return s
    }
    var s = String(format: "%.\(significant)g", v)
    if s.contains("e") { s = String(format: "%.6f", v) }
    if s.contains(".") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    return s
}
