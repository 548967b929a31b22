// The Student-t tail of MODEL.md §7 step 6, p = 2 P(t_ν > |z|), for any real ν > 0.
//
// P(t_ν > t) = ½ I_x(ν/2, ½) with x = ν/(ν + t²) (t ≥ 0), I the regularised incomplete beta
// function. I_x(a, b) is evaluated by its continued fraction (modified Lentz), on the side where it
// converges fast (x < (a + 1)/(a + b + 2), else through I_x(a, b) = 1 − I_{1−x}(b, a), with 1 − x
// formed as t²/(ν + t²) so that no digits are lost for small t). The prefactor
// x^a (1 − x)^b / (a B(a, b)) is taken in logs; ln B(a, b) for large a uses the Stirling difference
// ln Γ(a + b) − ln Γ(a) directly (lgamma of two numbers ~1e6 apart would cancel ~10 digits). Above
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
        // x = ν/(ν + t²), 1 − x = t²/(ν + t²), both formed without cancellation
        let x = nu / (nu + t2), y = t2 / (nu + t2)
        return 0.5 * incompleteBeta(a: nu / 2, b: 0.5, x: x, oneMinusX: y)
    }

    /// The two-sided p = 2 P(t_ν > |z|) of MODEL.md §7 step 6 (≤ 1).
    public static func twoSidedP(_ z: Double, nu: Double) -> Double {
        guard !z.isNaN, !nu.isNaN else { return .nan }
        return min(1, 2 * sf(abs(z), nu: nu))
    }

    /// The regularised incomplete beta function I_x(a, b) (a, b > 0, 0 ≤ x ≤ 1), with 1 − x given
    /// separately (`oneMinusX`) when the caller has it more accurately than 1 − x.
    public static func incompleteBeta(a: Double, b: Double, x: Double, oneMinusX: Double? = nil) -> Double {
        let y = oneMinusX ?? (1 - x)
        guard a > 0, b > 0, x >= 0, y >= 0, !x.isNaN else { return .nan }
        if x == 0 { return 0 }
        if y == 0 { return 1 }
        // ln of x^a y^b / B(a, b)
        let logFront = a * log(x) + b * log(y) - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - exp(logFront) * continuedFraction(a: b, b: a, x: y) / b
    }

    /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), accurate also for a ≫ b (or b ≫ a).
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        let big = max(a, b), small = min(a, b)
        if big < 1e5 { return lgamma(a) + lgamma(b) - lgamma(a + b) }
        // ln Γ(big + small) − ln Γ(big) by Stirling: (big − ½) ln(1 + small/big) + small ln(big + small)
        // − small + [φ(big + small) − φ(big)], φ(z) = 1/(12z) − 1/(360z³) + 1/(1260z⁵)
        func phi(_ z: Double) -> Double { let z2 = z * z; return (1 / 12.0 - (1 / 360.0 - 1 / (1260.0 * z2)) / z2) / z }
        let s = big + small
        let diff = (big - 0.5) * log1p(small / big) + small * log(s) - small + (phi(s) - phi(big))
        return lgamma(small) - diff
    }

    /// The continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz).
    static func continuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300, eps = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...20_000 {
            let md = Double(m), m2 = 2 * md
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
