// The symmetric tridiagonal T = BᵀB/P of the bidiagonal model (MODEL.md §8) and its top eigenpair
// in O(N), in plain Swift arithmetic (deterministic: the same bits on every machine).
//
// Eigenvalues: Sturm counts (number of negative pivots of T − σI, LAPACK's pivmin guard) and
// bisection to full precision (interval ≤ 2ε|λ|), the top two in lock-step (two independent
// division chains per pass). Eigenvectors: the twisted factorisation of T − λI (Dhillon–Parlett;
// LAPACK dlar1v): forward pivots D⁺, backward pivots D⁻, twist k = argmin |γ_k|, γ_k = D⁺_k + D⁻_k −
// (a_k − λ); z_k = 1 and z outward by the ratios −b/D, so (T − λI) z = γ_k e_k and the decaying tail
// of z is computed with relative accuracy (no round-off floor in the tail).
//
// Truncation (MODEL.md §8 allows it only where it moves no observable by more than 1e-12; tested in
// TridiagonalTests). The top eigenvector lives in the first O(N^(1/3)) coordinates below BBP and
// decays geometrically (ratio 1/x, x = κ√α) above it. So the pair is solved on the leading m × m block
// T_m (m from `initialBlock`, ×4 until accepted) and the block's vectors ṽ (zero-padded) are judged on
// the whole T:
//   * tail test: the coupling residual r_t = |b_{m−1} ṽ_{m−1}| of ṽ on T must be ≤ 1e-15 (ℓ̂₁ − ℓ̂₂)
//     for both vectors: the truncation then moves θ by ≤ 1e-15 (Davis–Kahan) and ℓ₁ by ≤ r_t²/gap
//     (measured: 0, bit for bit, in TridiagonalTests; r_t ~ 1e-100 at N ~ 10⁵–10⁶);
//   * one Sturm count over ALL of T at σ₂ = ℓ̂₂ + 0.1 (ℓ̂₁ − ℓ̂₂) must find exactly one eigenvalue
//     above σ₂. With the residual bound (an eigenvalue of T within r of ℓ̂₁ > σ₂) this proves that
//     ℓ̂₁ approximates THE top eigenvalue of T (none was missed) and that ℓ₂(T) ≤ σ₂, i.e. the gap
//     is ≥ ℓ̂₁ − σ₂ − slack (slack 8ε ℓ̂₁: the count is exact for a T perturbed by a few ulps).
// Then sin∠(ṽ₁, v₁) ≤ (r₁ + r_t)/gap = `overlapErrorBound`; the pair is flagged near-degenerate when
// that exceeds 1e-9, as on the explicit exact path. A pair closer than 1e-9 ℓ̂₁ cannot be resolved
// at all: the tail test then uses 1e-9 ℓ̂₁ for the gap and the count only certifies ℓ₁ (no eigenvalue
// of T above ℓ̂₁ + r), the pair being flagged. A block that fails a test grows; m = s is the
// untruncated solve (no count needed: the gap comes from the bisection of T itself). Cost at
// N = 10⁸: the block (m ≈ 1.5·10⁴) ~0.1 s, the one count over T ~0.7 s (bench `bidiagonal`).
import Foundation

/// A symmetric tridiagonal matrix (diagonal a, off-diagonal b).
public struct Tridiagonal: Sendable {
    /// a_0 … a_{s−1}.
    public let diagonal: [Double]
    /// b_0 … b_{s−2} (b_i = T_{i,i+1}).
    public let offDiagonal: [Double]
    /// s.
    public var dimension: Int { diagonal.count }

    /// T from its diagonal (length s ≥ 1) and off-diagonal (length s − 1).
    public init(diagonal: [Double], offDiagonal: [Double]) {
        precondition(!diagonal.isEmpty && offDiagonal.count == diagonal.count - 1,
                     "Tridiagonal: diagonal \(diagonal.count), off-diagonal \(offDiagonal.count) entries")
        self.diagonal = diagonal; self.offDiagonal = offDiagonal
    }

    /// y[0..<s] = T x[0..<s].
    @inline(__always)
    func times(_ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>) {
        let s = dimension
        diagonal.withUnsafeBufferPointer { a in offDiagonal.withUnsafeBufferPointer { b in
            if s == 1 { y[0] = a[0] * x[0]; return }
            y[0] = a[0] * x[0] + b[0] * x[1]
            for i in 1..<(s - 1) { y[i] = b[i - 1] * x[i - 1] + a[i] * x[i] + b[i] * x[i + 1] }
            y[s - 1] = b[s - 2] * x[s - 2] + a[s - 1] * x[s - 1]
        } }
    }

    /// xᵀ T x over the first s coordinates.
    func quadraticForm(_ x: UnsafePointer<Double>) -> Double {
        let s = dimension
        var q = 0.0, o = 0.0
        diagonal.withUnsafeBufferPointer { a in offDiagonal.withUnsafeBufferPointer { b in
            for i in 0..<s { q += a[i] * x[i] * x[i] }
            for i in 0..<(s - 1) { o += b[i] * x[i] * x[i + 1] }
        } }
        return q + 2 * o
    }

    /// The pivot guard (LAPACK dstebz): smallest normal × max(1, max b²).
    var pivmin: Double {
        var m = 1.0
        for b in offDiagonal { m = max(m, b * b) }
        return Double.leastNormalMagnitude * m
    }

    /// Number of eigenvalues of the leading m × m block below σ₁ and below σ₂ (one pass, two chains).
    func countsBelow(_ s1: Double, _ s2: Double, size m: Int, pivmin: Double) -> (Int, Int) {
        var c1 = 0, c2 = 0
        diagonal.withUnsafeBufferPointer { a in offDiagonal.withUnsafeBufferPointer { b in
            var q1 = a[0] - s1, q2 = a[0] - s2
            if abs(q1) < pivmin { q1 = -pivmin }
            if abs(q2) < pivmin { q2 = -pivmin }
            c1 = q1 < 0 ? 1 : 0; c2 = q2 < 0 ? 1 : 0
            var i = 1
            while i < m {
                let b2 = b[i - 1] * b[i - 1], ai = a[i]
                q1 = (ai - s1) - b2 / q1
                q2 = (ai - s2) - b2 / q2
                if abs(q1) < pivmin { q1 = -pivmin }
                if abs(q2) < pivmin { q2 = -pivmin }
                c1 &+= q1 < 0 ? 1 : 0; c2 &+= q2 < 0 ? 1 : 0
                i += 1
            }
        } }
        return (c1, c2)
    }

    /// Number of eigenvalues of the whole T above σ (one Sturm pass).
    public func countAbove(_ sigma: Double) -> Int {
        dimension - countsBelow(sigma, sigma, size: dimension, pivmin: pivmin).0
    }

    /// The eigenvalues of the leading m × m block at positions m − 1 and m − 2 (ascending, i.e.
    /// the largest and second largest; the second equals the first when m = 1), by bisection in
    /// lock-step to intervals ≤ 2ε|λ|.
    func topTwoEigenvalues(size m: Int, pivmin: Double) -> (Double, Double) {
        var lo = Double.infinity, hi = -Double.infinity
        diagonal.withUnsafeBufferPointer { a in offDiagonal.withUnsafeBufferPointer { b in
            for i in 0..<m {
                let r = (i > 0 ? abs(b[i - 1]) : 0) + (i < m - 1 ? abs(b[i]) : 0)
                lo = min(lo, a[i] - r); hi = max(hi, a[i] + r)
            }
        } }
        let w = 2 * Double.ulpOfOne * max(abs(lo), abs(hi)) + 2 * pivmin
        lo -= w; hi += w
        let t1 = m - 1, t2 = max(m - 2, 0)
        var lo1 = lo, hi1 = hi, lo2 = lo, hi2 = hi
        func done(_ l: Double, _ h: Double) -> Bool {
            let mid = 0.5 * (l + h)
            return h - l <= 2 * Double.ulpOfOne * max(abs(l), abs(h)) + pivmin || mid <= l || mid >= h
        }
        var k = 0
        while k < 200 {
            let d1 = done(lo1, hi1), d2 = done(lo2, hi2)
            if d1 && d2 { break }
            let m1 = 0.5 * (lo1 + hi1), m2 = 0.5 * (lo2 + hi2)
            let (c1, c2) = countsBelow(m1, m2, size: m, pivmin: pivmin)
            if !d1 { if c1 > t1 { hi1 = m1 } else { lo1 = m1 } }
            if !d2 { if c2 > t2 { hi2 = m2 } else { lo2 = m2 } }
            k += 1
        }
        return (0.5 * (lo1 + hi1), 0.5 * (lo2 + hi2))
    }

    /// The eigenvector of the leading m × m block for the eigenvalue approximation λ by the twisted
    /// factorisation: unit z (length m), and |γ_k|/‖z‖ = ‖(T_m − λI) z‖ (its residual).
    func twistedVector(lambda: Double, size m: Int, pivmin: Double) -> (z: [Double], residual: Double) {
        if m == 1 { return ([1], abs(diagonal[0] - lambda)) }
        var dp = [Double](repeating: 0, count: m), dm = dp, z = dp
        var twist = 0, best = Double.infinity
        diagonal.withUnsafeBufferPointer { a in offDiagonal.withUnsafeBufferPointer { b in
            dp[0] = a[0] - lambda
            if abs(dp[0]) < pivmin { dp[0] = -pivmin }
            for i in 1..<m {
                var q = (a[i] - lambda) - b[i - 1] * b[i - 1] / dp[i - 1]
                if abs(q) < pivmin { q = -pivmin }
                dp[i] = q
            }
            dm[m - 1] = a[m - 1] - lambda
            if abs(dm[m - 1]) < pivmin { dm[m - 1] = -pivmin }
            for i in stride(from: m - 2, through: 0, by: -1) {
                var q = (a[i] - lambda) - b[i] * b[i] / dm[i + 1]
                if abs(q) < pivmin { q = -pivmin }
                dm[i] = q
            }
            for k in 0..<m {
                let g = abs(dp[k] + dm[k] - (a[k] - lambda))
                if g < best { best = g; twist = k }
            }
            z[twist] = 1
            var i = twist - 1
            while i >= 0 { z[i] = -(b[i] / dp[i]) * z[i + 1]; i -= 1 }
            for i in (twist + 1)..<m { z[i] = -(b[i - 1] / dm[i]) * z[i - 1] }
        } }
        var nrm = 0.0
        for v in z { nrm += v * v }
        nrm = nrm.squareRoot()
        let inv = 1 / nrm
        for i in 0..<m { z[i] *= inv }
        return (z, best * inv)
    }
}

/// How the top pair of a bidiagonal data set was obtained (see Tridiagonal.swift).
public struct TridiagonalTopInfo: Sendable {
    /// s, the dimension of T (N for P ≥ N, P + 1 for P < N).
    public var dimension: Int
    /// m, the leading block the pair was solved on (m = s: no truncation).
    public var leadingBlock: Int
    /// Blocks tried (each ×4 the previous).
    public var attempts: Int
    /// Sturm passes over the whole T (0 when m = s).
    public var fullPasses: Int
    /// ‖T_m ṽ₁ − ℓ̂₁ ṽ₁‖ (round-off residual of the block's top vector).
    public var residual: Double
    /// |b_{m−1} ṽ₁,_{m−1}|, the truncation residual of ṽ₁ on the whole T (0 when m = s).
    public var truncationResidual: Double
    /// Proven lower bound on ℓ₁(T) − ℓ₂(T) (0 when not resolved).
    public var gapLowerBound: Double
    /// Bound on sin∠(ṽ₁, v₁): (residual + truncation residual)/gap (∞ when the gap is not resolved).
    public var overlapErrorBound: Double
    /// The bound exceeds `DataSet.nearDegenerateThreshold` (1e-9): θ is not fixed by the gap.
    public var nearDegenerate: Bool
    /// Seconds drawing the χ variables and forming T, and in the eigen-solve.
    public var secondsSamples: Double
    /// Seconds in the eigen-solve (bisection, vectors, the verifying Sturm count).
    public var secondsEigen: Double
}

extension Tridiagonal {
    /// Block size the top-pair solve starts from: 512 + 32 ⌈s^(1/3)⌉ (below BBP the vector lives in
    /// O(N^(1/3)) coordinates), at most s. Integer arithmetic (no libm: the same block everywhere).
    public static func initialBlock(dimension s: Int) -> Int {
        min(s, 512 + 32 * ceilCubeRoot(s))
    }

    /// ⌈s^(1/3)⌉ for s ≥ 0, exactly (binary search on integer cubes).
    public static func ceilCubeRoot(_ s: Int) -> Int {
        func cubeAtLeast(_ r: Int) -> Bool {
            let (r2, o1) = r.multipliedReportingOverflow(by: r)
            let (r3, o2) = r2.multipliedReportingOverflow(by: r)
            return o1 || o2 || r3 >= s
        }
        var lo = 0, hi = 1 << 21   // (2^21)^3 > Int.max ≥ s
        while lo < hi { let mid = (lo + hi) / 2; if cubeAtLeast(mid) { hi = mid } else { lo = mid + 1 } }
        return lo
    }

    /// The top pair of T (see the file header): ℓ̂₁, ℓ̂₂, the first components ω₁, ω₂ of their
    /// (unit) eigenvectors, and how they were obtained. `initialBlock` nil = `initialBlock(dimension:)`;
    /// pass `dimension` to solve on the whole T (the untruncated reference).
    public func topPair(initialBlock: Int? = nil) -> (values: [Double], firstComponents: [Double], info: TridiagonalTopInfo) {
        let s = dimension, eps = Double.ulpOfOne, piv = pivmin
        var m = max(1, min(s, initialBlock ?? Tridiagonal.initialBlock(dimension: s)))
        var attempts = 0, passes = 0
        while true {
            attempts += 1
            let (l1, l2) = topTwoEigenvalues(size: m, pivmin: piv)
            let v1 = twistedVector(lambda: l1, size: m, pivmin: piv)
            let floor = 4 * eps * abs(l1)
            let r1 = max(v1.residual, floor)
            if m == 1 {
                let info = TridiagonalTopInfo(dimension: s, leadingBlock: 1, attempts: attempts, fullPasses: 0, residual: r1,
                                              truncationResidual: 0, gapLowerBound: .infinity, overlapErrorBound: 0,
                                              nearDegenerate: false, secondsSamples: 0, secondsEigen: 0)
                return ([l1], [v1.z[0]], info)
            }
            let v2 = twistedVector(lambda: l2, size: m, pivmin: piv)
            let gapBlock = l1 - l2
            // A pair closer than 1e-9 ℓ₁ cannot fix v₁ to 1e-9 whatever is done (flagged below):
            // the block then only has to certify ℓ₁ (no eigenvalue of T above ℓ̂₁ + r).
            let unresolved = !(gapBlock > 1e-9 * abs(l1))
            var rt = 0.0, gap = 0.0
            if m < s {
                let bEnd = abs(offDiagonal[m - 1])
                rt = bEnd * abs(v1.z[m - 1])
                let rt2 = bEnd * abs(v2.z[m - 1])
                if max(rt, rt2) > 1e-15 * max(gapBlock, 1e-9 * abs(l1)) {
                    m = min(s, 4 * m); continue
                }
                passes += 1
                if unresolved {
                    if countAbove(l1 + r1 + rt + 8 * eps * abs(l1)) != 0 { m = min(s, 4 * m); continue }
                    gap = 0
                } else {
                    // One Sturm count over all of T: exactly one eigenvalue above σ₂.
                    let sigma2 = l2 + 0.1 * gapBlock
                    if countAbove(sigma2) != 1 { m = min(s, 4 * m); continue }
                    gap = l1 - sigma2 - 8 * eps * abs(l1)
                }
            } else {
                // Untruncated: the two bisection values are each good to ~2ε|λ| (+ the count's slack).
                gap = gapBlock - 16 * eps * abs(l1)
            }
            let bound = gap > r1 + rt ? min(1, (r1 + rt) / gap) : Double.infinity
            let info = TridiagonalTopInfo(dimension: s, leadingBlock: m, attempts: attempts, fullPasses: passes, residual: r1,
                                          truncationResidual: rt, gapLowerBound: max(gap, 0), overlapErrorBound: bound,
                                          nearDegenerate: !(bound <= DataSet.nearDegenerateThreshold),
                                          secondsSamples: 0, secondsEigen: 0)
            return ([l1, l2], [v1.z[0], v2.z[0]], info)
        }
    }
}
