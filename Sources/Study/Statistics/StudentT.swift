// The Student-t tail of MODEL.md §7 step 6, p = 2 P(t_ν > |z|), for any real ν > 0.
//
// P(t_ν > t) = ½ I_x(ν/2, ½) with x = ν/(ν + t²) (t ≥ 0), I the regularised incomplete beta
// function. I_x(a, b) is evaluated by its continued fraction (modified Lentz), on the side where it
// converges fast (x < (a + 1)/(a + b + 2), else through I_x(a, b) = 1 − I_{1−x}(b, a), with 1 − x
// formed as t²/(ν + t²) so that no digits are lost for small t). The prefactor
// x^a (1 − x)^b / (a B(a, b)) is taken in logs (ln x as log1p(−(1 − x)) near x = 1); ln B(a, b) for
// a > 50 uses the Stirling difference ln Γ(a + b) − ln Γ(a) directly (lgamma of two large numbers
// would cancel: 1e-10 relative at ν = 1e5; the series' error is below 1e-15 there). Above
// ν = 1e7 the normal tail ½ erfc(t/√2) is used (its relative error there is below t⁴/(4ν) ≈ 1e-6
// at t = 7). Checked against scipy.stats.t.sf to 1e-12 relative (AnalysisTests).
import Foundation

/// Student-t tail probabilities (MODEL.md §7 step 6).
public enum StudentT {
    /// P(t_ν > t) for real ν > 0 (ν = +∞: the normal tail). NaN for NaN input or ν ≤ 0.
    public static func sf(_ t: Double, nu: Double) -> Double {
        guard t.isFinite || t.isInfinite, !t.isNaN, nu > 0 else { return .nan }
        if t.isInfinite { return t > 0 ? 0 : 1 }
        if t < 0 { return 1 - sf(-t, nu: nu) }
        if t == 0 { return 0.5 }
        if nu > 1e7 { return 0.5 * erfc(t / 2.0.squareRoot()) }
        let t2 = t * t
        // x = ν/(ν + t²), 1 − x = t²/(ν + t²), both formed without cancellation; the continued
        // fraction gets them in extended precision (with a = ν/2 ≫ 1 the result is sensitive to the
        // relative error of 1 − x, which rounding x to a Double would make ~1e-16/(1 − x))
        let x = nu / (nu + t2), y = t2 / (nu + t2)
        let ne = Extended(nu), te = Extended(t) * Extended(t)
        return 0.5 * incompleteBeta(a: nu / 2, b: 0.5, x: x, y: y, xe: ne / (ne + te), ye: te / (ne + te))
    }

    #if arch(x86_64) || arch(i386)
    /// The extended precision of the continued fraction (x86: the 64-bit-mantissa Float80).
    typealias Extended = Float80
    static let extendedEps: Extended = 1e-19
    #else
    typealias Extended = Double
    static let extendedEps: Extended = 1e-16
    #endif

    /// The two-sided p = 2 P(t_ν > |z|) of MODEL.md §7 step 6 (≤ 1).
    public static func twoSidedP(_ z: Double, nu: Double) -> Double {
        guard !z.isNaN, !nu.isNaN else { return .nan }
        return min(1, 2 * sf(abs(z), nu: nu))
    }

    /// The regularised incomplete beta function I_x(a, b) (a, b > 0, 0 ≤ x ≤ 1), with 1 − x given
    /// separately (`oneMinusX`) when the caller has it more accurately than 1 − x.
    public static func incompleteBeta(a: Double, b: Double, x: Double, oneMinusX: Double? = nil) -> Double {
        let y = oneMinusX ?? (1 - x)
        return incompleteBeta(a: a, b: b, x: x, y: y, xe: Extended(x), ye: Extended(y))
    }

    /// I_x(a, b) with x and y = 1 − x also given in extended precision (for the continued fraction).
    static func incompleteBeta(a: Double, b: Double, x: Double, y: Double, xe: Extended, ye: Extended) -> Double {
        guard a > 0, b > 0, x >= 0, y >= 0, !x.isNaN else { return .nan }
        if x == 0 { return 0 }
        if y == 0 { return 1 }
        // ln of x^a y^b / B(a, b); ln x = log1p(−y) when y is small (x near 1), and vice versa
        let lx = y < 0.5 ? log1p(-y) : log(x), ly = x < 0.5 ? log1p(-x) : log(y)
        let logFront = a * lx + b * ly - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * Double(lentz(Extended(a), Extended(b), xe, eps: extendedEps)) / a
        }
        return 1 - exp(logFront) * Double(lentz(Extended(b), Extended(a), ye, eps: extendedEps)) / b
    }

    /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), accurate also for a ≫ b (or b ≫ a).
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        let big = max(a, b), small = min(a, b)
        if big < 50 { return lgamma(a) + lgamma(b) - lgamma(a + b) }
        // ln Γ(big + small) − ln Γ(big) by Stirling: (big − ½) ln(1 + small/big) + small ln(big + small)
        // − small + [φ(big + small) − φ(big)], φ(z) = 1/(12z) − 1/(360z³) + 1/(1260z⁵)
        func phi(_ z: Double) -> Double { let z2 = z * z; return (1 / 12.0 - (1 / 360.0 - 1 / (1260.0 * z2)) / z2) / z }
        let s = big + small
        let diff = (big - 0.5) * log1p(small / big) + small * log(s) - small + (phi(s) - phi(big))
        return lgamma(small) - diff
    }

    /// The continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz), in the
    /// extended precision where the platform has it: with a ≫ 1 and x near the switch-over point it
    /// needs ~√a terms.
    static func lentz<T: BinaryFloatingPoint>(_ a: T, _ b: T, _ x: T, eps: T) -> T {
        let tiny: T = 1e-300
        let qab = a + b, qap = a + 1, qam = a - 1
        var c: T = 1
        var d: T = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...100_000 {
            let md = T(m), m2 = 2 * md
            var aa = md * (b - md) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + md) * (qab + md) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < eps { break }
        }
        return h
    }
}
