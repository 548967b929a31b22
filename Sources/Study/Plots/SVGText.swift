// Text and number formatting for the SVG figures: escaping, pixel coordinates, compact labels.
import Foundation
import Statistics

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

