// The finite-size least-squares fit of MODEL.md §7 step 4: per-N values q̃_N fitted by
// q̃_N = Σ_j β_j N^(−e_j) (e₀ = 0, so β₀ = q∞) with A-PRIORI weights w_N = n_N · N (not 1/s_N²:
// weights estimated from the same few replicates correlate with the values).
//
// Solved by Householder QR of the weighted design √w A (never the normal equations, whose condition
// number is the square of the design's). The fit is linear in the data: β = G Aᵀ W q̃ with
// G = (AᵀWA)⁻¹ = R⁻¹R⁻ᵀ, so q∞ = Σ_N c_N q̃_N with the intercept row c_N = Σ_j G₀ⱼ A_Nj w_N. The
// statistics of q∞ (variance Σ c_N² s_N², Welch–Satterthwaite ν) are built from c (FiniteSizeEstimate).
import Foundation

/// One weighted finite-size fit (MODEL.md §7 step 4).
public struct FiniteSizeFit: Sendable, Equatable {
    /// The smallest standard error of a per-N mean: s_N² is floored at seFloor² (the solvers'
    /// numerical resolution, MODEL.md §7 step 1).
    public static let seFloor = 1e-6

    /// Basis exponents e_j (basis functions N^(−e_j)); e₀ = 0 is the intercept q∞.
    public var exponents: [Double]
    /// Fitted coefficients β_j (β₀ = q∞).
    public var coefficients: [Double]
    /// The intercept row c_N: q∞ = Σ_N c_N q̃_N (Σ c_N = 1).
    public var interceptRow: [Double]
    /// The N values of the fit.
    public var nValues: [Int]
    /// The weights w_N used.
    public var weights: [Double]

    /// q∞, the N → ∞ intercept.
    public var qInf: Double { coefficients[0] }
    /// Degrees of freedom of the fit: number of N minus number of coefficients.
    public var dof: Int { nValues.count - coefficients.count }

    /// The fitted curve at N (any N > 0, also between and beyond the fitted ones).
    public func value(at n: Double) -> Double {
        zip(coefficients, exponents).reduce(0) { $0 + $1.0 * pow(n, -$1.1) }
    }

    /// χ² = Σ (q̃_N − fit_N)² / s_N² with the given squared standard errors (floored at seFloor²).
    public func chi2(values: [Double], variances: [Double]) -> Double {
        var s = 0.0
        for (i, n) in nValues.enumerated() {
            let r = values[i] - value(at: Double(n))
            s += r * r / max(variances[i], FiniteSizeFit.seFloor * FiniteSizeFit.seFloor)
        }
        return s
    }

    /// The a-priori weight of a per-N mean over `replicates` replicates at size `n`: n_N · N.
    public static func weight(n: Int, replicates: Int) -> Double { Double(replicates) * Double(n) }

    /// Weighted least squares of `values` at sizes `n` on the basis N^(−e) for e in `exponents`
    /// (e₀ must be 0), with weights `weights` (> 0). Nil with fewer N than coefficients, repeated
    /// N, non-finite input or a singular design.
    public static func fit(n: [Int], values: [Double], weights: [Double], exponents: [Double]) -> FiniteSizeFit? {
        let k = n.count, p = exponents.count
        guard p >= 1, exponents[0] == 0, k >= p, values.count == k, weights.count == k, Set(n).count == k,
              n.allSatisfy({ $0 > 0 }), values.allSatisfy(\.isFinite), weights.allSatisfy({ $0 > 0 && $0.isFinite }) else { return nil }
        let design = (0..<k).map { i in exponents.map { pow(Double(n[i]), -$0) } }
        let sw = weights.map { $0.squareRoot() }
        var A = (0..<k).map { i in design[i].map { $0 * sw[i] } }
        var y = (0..<k).map { values[$0] * sw[$0] }
        // Householder QR, in place: A = Q R, y ← Qᵀ y
        for j in 0..<p {
            var norm = 0.0
            for i in j..<k { norm += A[i][j] * A[i][j] }
            norm = norm.squareRoot()
            guard norm > 0 else { return nil }
            let alpha = A[j][j] > 0 ? -norm : norm
            var v = [Double](repeating: 0, count: k)
            for i in j..<k { v[i] = A[i][j] }
            v[j] -= alpha
            var vv = 0.0
            for i in j..<k { vv += v[i] * v[i] }
            guard vv > 0 else { continue }
            for c in j..<p {
                var s = 0.0
                for i in j..<k { s += v[i] * A[i][c] }
                let f = 2 * s / vv
                for i in j..<k { A[i][c] -= f * v[i] }
            }
            var s = 0.0
            for i in j..<k { s += v[i] * y[i] }
            let f = 2 * s / vv
            for i in j..<k { y[i] -= f * v[i] }
        }
        // R = A[0..<p][0..<p]; back-substitute R β = (Qᵀy)[0..<p]
        let scale = (0..<p).map { abs(A[$0][$0]) }.max() ?? 0
        guard (0..<p).allSatisfy({ abs(A[$0][$0]) > 1e-12 * scale }) else { return nil }
        var beta = [Double](repeating: 0, count: p)
        for i in stride(from: p - 1, through: 0, by: -1) {
            var s = y[i]
            for j in (i + 1)..<p { s -= A[i][j] * beta[j] }
            beta[i] = s / A[i][i]
        }
        // G = R⁻¹ R⁻ᵀ, first row only is needed: G₀ⱼ = Σ_m Rinv[0][m] Rinv[j][m]
        var Rinv = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for col in 0..<p {
            for i in stride(from: col, through: 0, by: -1) {
                var s = i == col ? 1.0 : 0.0
                for j in (i + 1)..<(col + 1) { s -= A[i][j] * Rinv[j][col] }
                Rinv[i][col] = s / A[i][i]
            }
        }
        let g0 = (0..<p).map { j in (j..<p).reduce(0.0) { $0 + Rinv[0][$1] * Rinv[j][$1] } }
        let c = (0..<k).map { i in weights[i] * (0..<p).reduce(0.0) { $0 + g0[$1] * design[i][$1] } }
        return FiniteSizeFit(exponents: exponents, coefficients: beta, interceptRow: c, nValues: n, weights: weights)
    }
}
