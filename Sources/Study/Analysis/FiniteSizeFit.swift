// The finite-size extrapolation of MODEL.md §7: a weighted least-squares fit of seed means q̄_N
// against N, q̄_N = q_∞ + a N^(−1/2) (2 or 3 values of N) or q_∞ + a N^(−1/2) + b N^(−1) (≥ 4),
// with weights 1/s_N² (s_N floored at `FiniteSizeFit.seFloor`).
//
// Solved by Householder QR of the weighted design matrix (never the normal equations, whose
// condition number is the square of the design's); the covariance of the coefficients is
// (R^T R)^(−1) = R^(−1) R^(−T). se(q_∞) is √cov₀₀, inflated by √(χ²/dof) when χ²/dof > 1.
import Foundation

/// One weighted finite-size fit (MODEL.md §7).
public struct FiniteSizeFit: Sendable, Equatable {
    /// The smallest standard error used as a weight: the solvers' numerical resolution (MODEL.md §7).
    public static let seFloor = 1e-6

    /// Fitted coefficients [q_∞, a] or [q_∞, a, b] (basis 1, N^(−1/2), N^(−1)).
    public var coefficients: [Double]
    /// Covariance of the coefficients from the fit, (AᵀWA)⁻¹, NOT inflated.
    public var covariance: [[Double]]
    /// Weighted residual sum of squares χ² = Σ (q̄_N − fit)² / s_N².
    public var chi2: Double
    /// Degrees of freedom: number of N values minus number of coefficients.
    public var dof: Int
    /// The N values that entered the fit.
    public var nValues: [Int]

    /// q_∞, the N → ∞ intercept.
    public var qInf: Double { coefficients[0] }
    /// χ²/dof (NaN when dof = 0: an exact fit).
    public var chi2PerDof: Double { dof > 0 ? chi2 / Double(dof) : .nan }
    /// se(q_∞): √cov₀₀, times √(χ²/dof) when χ²/dof > 1 (MODEL.md §7).
    public var seInf: Double {
        let base = covariance[0][0].squareRoot()
        let r = chi2PerDof
        return r.isFinite && r > 1 ? base * r.squareRoot() : base
    }

    /// Number of coefficients for `count` values of N: 2 for 2–3 values, 3 for ≥ 4 (MODEL.md §7).
    public static func parameterCount(forNValues count: Int) -> Int { count >= 4 ? 3 : 2 }

    /// The design-matrix row of one N: [1, N^(−1/2)] or [1, N^(−1/2), N^(−1)].
    public static func basis(_ n: Int, parameters: Int) -> [Double] {
        let x = 1 / Double(n).squareRoot()
        return parameters == 3 ? [1, x, x * x] : [1, x]
    }

    /// Fit seed means `mean` with standard errors `se` at system sizes `n` (equal lengths, distinct
    /// N). Nil with fewer than 2 values, non-finite input or a singular design.
    public static func fit(n: [Int], mean: [Double], se: [Double]) -> FiniteSizeFit? {
        let k = n.count
        guard k >= 2, mean.count == k, se.count == k, Set(n).count == k,
              n.allSatisfy({ $0 > 0 }), mean.allSatisfy(\.isFinite), se.allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        let p = parameterCount(forNValues: k)
        // weighted rows: A_i / s_i, y_i / s_i
        var A = (0..<k).map { i in basis(n[i], parameters: p).map { $0 / max(se[i], seFloor) } }
        var y = (0..<k).map { mean[$0] / max(se[$0], seFloor) }
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
        // R is A[0..<p][0..<p] (upper triangular); back-substitute R c = (Qᵀy)[0..<p]
        let scale = (0..<p).map { abs(A[$0][$0]) }.max() ?? 0
        guard (0..<p).allSatisfy({ abs(A[$0][$0]) > 1e-13 * scale }) else { return nil }
        var c = [Double](repeating: 0, count: p)
        for i in stride(from: p - 1, through: 0, by: -1) {
            var s = y[i]
            for j in (i + 1)..<p { s -= A[i][j] * c[j] }
            c[i] = s / A[i][i]
        }
        // χ² = |residual part of Qᵀy|²
        var chi2 = 0.0
        for i in p..<k { chi2 += y[i] * y[i] }
        // R⁻¹ (upper triangular), then cov = R⁻¹ R⁻ᵀ
        var Rinv = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for col in 0..<p {
            for i in stride(from: col, through: 0, by: -1) {
                var s = i == col ? 1.0 : 0.0
                for j in (i + 1)..<(col + 1) { s -= A[i][j] * Rinv[j][col] }
                Rinv[i][col] = s / A[i][i]
            }
        }
        var cov = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for i in 0..<p { for j in 0..<p {
            var s = 0.0
            for m in max(i, j)..<p { s += Rinv[i][m] * Rinv[j][m] }
            cov[i][j] = s
        } }
        return FiniteSizeFit(coefficients: c, covariance: cov, chi2: chi2, dof: k - p, nValues: n)
    }
}
