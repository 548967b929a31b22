// Test-side statistics for the bidiagonal-model suites: two-sample Kolmogorov–Smirnov (statistic
// and asymptotic p-value), Fisher's combination, and scipy through python3 for cross-checks.
import Foundation
import TestSupport
import XCTest

/// Two-sample KS statistic D = sup |F₁ − F₂| (ties handled: both ECDFs stepped past equal values).
func ksStatistic(_ a: [Double], _ b: [Double]) -> Double {
    let x = a.sorted(), y = b.sorted()
    var i = 0, j = 0, d = 0.0
    let n = Double(x.count), m = Double(y.count)
    while i < x.count && j < y.count {
        let v = min(x[i], y[j])
        while i < x.count && x[i] == v { i += 1 }
        while j < y.count && y[j] == v { j += 1 }
        d = max(d, abs(Double(i) / n - Double(j) / m))
    }
    return d
}

/// The Kolmogorov distribution's survival function Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}
/// (scipy.stats.kstwobign.sf); for small λ the dual Jacobi form √(2π)/λ Σ e^{−(2k−1)²π²/(8λ²)}.
func kolmogorovSurvival(_ lambda: Double) -> Double {
    if lambda <= 0 { return 1 }
    if lambda < 1 {
        var s = 0.0
        for k in 1...8 { let t = Double(2 * k - 1) * Double.pi / lambda; s += exp(-t * t / 8) }
        return 1 - (2 * Double.pi).squareRoot() / lambda * s
    }
    var s = 0.0
    for k in 1...100 { let t = 2 * Double(k * k) * lambda * lambda; s += (k % 2 == 1 ? 1 : -1) * exp(-t) }
    return min(1, max(0, 2 * s))
}

/// Two-sample KS test: D and the asymptotic p-value Q(√(n m/(n + m)) D).
func ksTest(_ a: [Double], _ b: [Double]) -> (d: Double, p: Double) {
    let d = ksStatistic(a, b)
    let en = Double(a.count) * Double(b.count) / Double(a.count + b.count)
    return (d, kolmogorovSurvival(en.squareRoot() * d))
}

/// Fisher's method: X = −2 Σ ln pᵢ ~ χ²_{2k} for independent p-values; its survival
/// e^{−X/2} Σ_{j<k} (X/2)^j/j! (exact for even degrees of freedom).
func fisherCombined(_ ps: [Double]) -> (statistic: Double, p: Double) {
    let x = -2 * ps.reduce(0) { $0 + log(max($1, 1e-300)) }
    var term = 1.0, sum = 1.0
    if ps.count > 1 { for j in 1..<ps.count { term *= (x / 2) / Double(j); sum += term } }
    return (x, min(1, exp(-x / 2) * sum))
}

/// Runs python3 -c `script`; returns stdout (fails the test with stderr on a non-zero exit).
func python3(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let r = try runProcess("/usr/bin/env", ["python3", "-c", script])
    XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
    return r.stdout
}

/// Writes `values` as raw little-endian float64 to a fresh temporary file; returns its path.
func writeFloat64(_ values: [Double], tag: String) throws -> String {
    let dir = try temporaryDirectory(tag)
    let path = dir.appendingPathComponent("values.f8").path
    let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
    try data.write(to: URL(fileURLWithPath: path))
    return path
}

/// Wall-clock seconds of `body` printed with `tag` (the suites report their own run time).
func timed<T>(_ tag: String, _ body: () throws -> T) rethrows -> T {
    let t0 = Date()
    let r = try body()
    print(String(format: "[time] %@: %.2f s", tag, Date().timeIntervalSince(t0)))
    return r
}
