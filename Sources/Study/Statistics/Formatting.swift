// Number formatting and grid-spacing facts shared by the reports (and the figures, which import this module).
import Foundation

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

/// Whether a coordinate grid is geometric (log-spaced): positive, ≥ 3 points, nearly constant
/// ratios and not nearly constant differences; or positive and spanning more than 1.5 decades
/// unevenly.
public func isLogSpaced(_ values: [Double]) -> Bool {
    let v = values.filter { $0.isFinite }.sorted()
    guard v.count >= 3, let first = v.first, first > 0, let last = v.last, last > first else { return false }
    var ratios: [Double] = [], diffs: [Double] = []
    for i in 1..<v.count { ratios.append(v[i] / v[i - 1]); diffs.append(v[i] - v[i - 1]) }
    let rSpread = (ratios.max()! - ratios.min()!) / ratios.min()!
    let dSpread = (diffs.max()! - diffs.min()!) / max(diffs.min()!, 1e-300)
    if rSpread < 0.02 && dSpread > 0.02 { return true }
    if dSpread < 0.02 { return false }
    return log10(last / first) > 1.5
}
