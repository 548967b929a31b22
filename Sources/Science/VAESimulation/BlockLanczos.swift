// Top eigenpairs of a symmetric operator by block Lanczos with full reorthogonalisation and
// explicit Rayleigh–Ritz (the exact solver's path, issue 15; no restarts: the basis grows until
// the residual test passes or `maxBasis` is reached, then the caller falls back to dsyevr).
//
// Storage: every block of b vectors is b × s row-major (vector j contiguous), so the operator
// and all projections are dgemm calls. The basis Q (m × s) and A Q (m × s) are kept, so
//   H = Q A Qᵀ (m × m, built one column block per step),
//   Ritz pairs (θᵢ, yᵢ = sᵢᵀ Q) from H's top eigenpairs (dsyevr),
//   TRUE residuals rᵢ = ‖sᵢᵀ (A Q) − θᵢ yᵢ‖ (not the Lanczos estimate), at no extra operator cost.
//
// Stopping rule (residual based). With θ₁ ≥ θ₂ the top Ritz values, g = θ₁ − θ₂ − r₂ (a lower
// bound for the distance of θ₁ to the rest of the spectrum once θ₂ has converged to r₂):
//   r₁ ≤ max(accuracy · g, floor)  and  r₂ ≤ max(0.1 · (θ₁ − θ₂), floor),
// floor = `floorFactor` · ε · θ₁ · √s, what round-off in A·y allows. Then (Kahan) |θ₁ − λ₁| ≤ r₁
// and (Davis–Kahan) sin∠(y₁, v₁) ≤ r₁ / g, reported as `vectorErrorBound`.
// Near-degenerate tops: the block (b ≥ 2) holds the whole top pair, so the pair converges at the
// rate set by the gap to λ_{b+1}, not by λ₁ − λ₂; when λ₁ − λ₂ is below the resolution both values
// are returned with their residuals and the caller flags the pair (see `TopSpectrumInfo`).
import Foundation
import LinearAlgebra

/// Outcome of ``BlockLanczos/top(dimension:start:firstProduct:maxBasis:accuracy:floorFactor:replacement:apply:)``.
public struct BlockLanczosResult: Sendable {
    /// Top Ritz values, descending (as many as the block size, at most the basis size).
    public var values: [Double]
    /// Ritz vectors, row-major (vector i at `vectors[i*s ..< (i+1)*s]`, unit length).
    public var vectors: [Double]
    /// True residual norms ‖A yᵢ − θᵢ yᵢ‖.
    public var residuals: [Double]
    /// Operator applications to blocks (the start block included; fused products count too).
    public var blockProducts: Int
    /// Final basis size.
    public var basisSize: Int
    /// Rayleigh–Ritz steps performed.
    public var ritzSteps: Int
    /// Whether the residual test passed (else the result is the best available, not converged).
    public var converged: Bool
    /// Bound on sin∠(y₁, v₁): r₁ / (θ₁ − θ₂ − r₂) (∞ when that gap is not resolved).
    public var vectorErrorBound: Double
}

/// Block Krylov (Lanczos) eigensolver for the top eigenpairs of a symmetric operator, used by the
/// exact path (TopSpectrum.swift).
public enum BlockLanczos {
    /// The operator: for a `rows` × s row-major block (one vector per row), writes A applied to each row into `out` (same shape).
    public typealias Operator = (_ block: UnsafeBufferPointer<Double>, _ rows: Int, _ out: UnsafeMutableBufferPointer<Double>) -> Void

    /// Top eigenpairs of the symmetric s × s operator `apply` (maps a rows × s block to A·block).
    /// The block size b is the number of rows of `start`. `firstProduct`, when given, is A·start
    /// already computed (e.g. fused with the generation of the data). `replacement(i)` gives a fresh
    /// deterministic vector (length s) when the Krylov block loses rank. Deterministic.
    public static func top(dimension s: Int, start: [Double], firstProduct: [Double]? = nil, maxBasis: Int,
                           accuracy: Double = 1e-11, floorFactor: Double = 8,
                           replacement: (Int) -> [Double], apply: Operator) -> BlockLanczosResult {
        let b = start.count / max(1, s)
        precondition(s >= 1 && b >= 1 && start.count == b * s, "BlockLanczos: start block must be b × \(s), got \(start.count) elements")
        precondition(firstProduct == nil || firstProduct!.count == start.count,
                     "BlockLanczos: firstProduct has \(firstProduct?.count ?? 0) elements, start \(start.count)")
        let mMax = max(b, min(maxBasis, s))
        var Q = [Double](repeating: 0, count: mMax * s)
        var AQ = [Double](repeating: 0, count: mMax * s)
        var H = [Double](repeating: 0, count: mMax * mMax)
        var blockProducts = 0, ritzSteps = 0, replacementCount = 0
        func nextReplacement() -> [Double] { replacementCount += 1; return replacement(replacementCount - 1) }

        // Start block: orthonormalise; the same row operations on A·start keep curA = A·cur.
        var cur = start
        var curA: [Double]
        if let fp = firstProduct { curA = fp } else {
            curA = [Double](repeating: 0, count: b * s)
            cur.withUnsafeBufferPointer { c in curA.withUnsafeMutableBufferPointer { apply(c, b, $0) } }
        }
        blockProducts += 1
        orthonormaliseRows(&cur, tracking: &curA, rows: b, s: s, basis: Q, count: 0,
                           replacement: nextReplacement, apply: apply, products: &blockProducts)
        var m = 0
        var result = BlockLanczosResult(values: [], vectors: [], residuals: [], blockProducts: 0, basisSize: 0,
                                        ritzSteps: 0, converged: false, vectorErrorBound: .infinity)
        var history: [(m: Int, r1: Double)] = []
        var nextCheck = 0
        while true {
            // Append the block and its product.
            let m0 = m
            for i in 0..<(b * s) { Q[m0 * s + i] = cur[i]; AQ[m0 * s + i] = curA[i] }
            m += b
            // New column block of H: H[0..<m, m0..<m] = Q[0..<m] · (A Q_new)ᵀ, mirrored.
            var hc = [Double](repeating: 0, count: m * b)
            Q.withUnsafeBufferPointer { q in curA.withUnsafeBufferPointer { a in hc.withUnsafeMutableBufferPointer { h in
                BLAS.gemm(transA: false, transB: true, m: m, n: b, k: s, alpha: 1, a: q, lda: s, b: a, ldb: s,
                          beta: 0, c: h, ldc: b)
            } } }
            for i in 0..<m {
                for j in 0..<b {
                    H[i * mMax + m0 + j] = hc[i * b + j]
                    H[(m0 + j) * mMax + i] = hc[i * b + j]
                }
            }
            for i in 0..<b {   // diagonal block: average the two triangles (round-off asymmetry)
                for j in (i + 1)..<b {
                    let x = 0.5 * (hc[(m0 + i) * b + j] + hc[(m0 + j) * b + i])
                    H[(m0 + i) * mMax + m0 + j] = x; H[(m0 + j) * mMax + m0 + i] = x
                }
            }

            // Rayleigh–Ritz when scheduled (or when the basis is full).
            let full = m + b > mMax
            if m >= nextCheck || full {
                ritzSteps += 1
                let k = min(b, m)
                var hm = [Double](repeating: 0, count: m * m)
                for i in 0..<m { for j in 0..<m { hm[i * m + j] = H[i * mMax + j] } }
                guard let eig = try? LAPACK.symmetricTopEigenDestroying(&hm, n: m, k: k) else { break }
                // Ritz vectors Y = S Q and A Y = S (A Q) (k × s).
                var Y = [Double](repeating: 0, count: k * s), AY = Y
                eig.vectors.withUnsafeBufferPointer { sv in
                    Q.withUnsafeBufferPointer { q in Y.withUnsafeMutableBufferPointer { y in
                        BLAS.gemm(transA: false, transB: false, m: k, n: s, k: m, alpha: 1, a: sv, lda: m, b: q, ldb: s,
                                  beta: 0, c: y, ldc: s) } }
                    AQ.withUnsafeBufferPointer { q in AY.withUnsafeMutableBufferPointer { y in
                        BLAS.gemm(transA: false, transB: false, m: k, n: s, k: m, alpha: 1, a: sv, lda: m, b: q, ldb: s,
                                  beta: 0, c: y, ldc: s) } }
                }
                var res = [Double](repeating: 0, count: k)
                Y.withUnsafeMutableBufferPointer { y in AY.withUnsafeBufferPointer { ay in
                    for i in 0..<k {
                        var r2 = 0.0, y2 = 0.0
                        let th = eig.values[i]
                        for t in 0..<s { let d = ay[i * s + t] - th * y[i * s + t]; r2 += d * d; y2 += y[i * s + t] * y[i * s + t] }
                        res[i] = r2.squareRoot()
                        let inv = 1 / y2.squareRoot()   // unit length exactly (Q orthonormal to round-off)
                        for t in 0..<s { y[i * s + t] *= inv }
                    }
                } }
                let t1 = eig.values[0], r1 = res[0]
                let floor = floorFactor * Double.ulpOfOne * abs(t1) * Double(s).squareRoot()
                var ok: Bool, bound: Double
                if k >= 2 {
                    let raw = t1 - eig.values[1], g = raw - res[1]
                    ok = r1 <= max(accuracy * g, floor) && res[1] <= max(0.1 * raw, floor)
                    bound = g > 0 ? min(1, r1 / g) : .infinity
                    // Stagnation at round-off: accept when r₁ stopped falling close to the floor.
                    if !ok, let last = history.last, r1 <= 100 * floor, r1 > 0.5 * last.r1, res[1] <= max(0.1 * raw, 100 * floor) {
                        ok = true
                    }
                } else {
                    ok = r1 <= floor
                    bound = r1 <= floor ? r1 / max(abs(t1), .leastNormalMagnitude) : .infinity
                }
                result = BlockLanczosResult(values: eig.values, vectors: Y, residuals: res, blockProducts: blockProducts,
                                            basisSize: m, ritzSteps: ritzSteps, converged: ok, vectorErrorBound: bound)
                if ok || full { break }
                // Schedule the next check: extrapolate the geometric decrease of r₁ per basis vector
                // and check at 70 % of the predicted distance (at least one block, at most 8 later).
                let target = max(accuracy * max(k >= 2 ? t1 - eig.values[1] : t1, 0), floor)
                var step = b
                if let last = history.last, last.r1 > r1, r1 > 0 {
                    let rate = log(last.r1 / r1) / Double(m - last.m)
                    let need = log(r1 / max(target, .leastNormalMagnitude)) / rate
                    if need.isFinite, need > 0 { step = b * max(1, min(Int(0.7 * need) / b, 8)) }
                }
                history.append((m, r1))
                nextCheck = m + step
            }
            // Next block: A·Q_new orthogonalised against the basis and within itself, then A·(it).
            cur = curA
            var none: [Double] = []
            orthonormaliseRows(&cur, tracking: &none, rows: b, s: s, basis: Q, count: m,
                               replacement: nextReplacement, apply: apply, products: &blockProducts)
            curA = [Double](repeating: 0, count: b * s)
            cur.withUnsafeBufferPointer { c in curA.withUnsafeMutableBufferPointer { apply(c, b, $0) } }
            blockProducts += 1
        }
        result.blockProducts = blockProducts
        return result
    }

    /// Orthonormalise the `rows` vectors of `x` (rows × s) against the first `count` rows of `basis`
    /// (two classical Gram–Schmidt passes with dgemm) and among themselves (MGS, twice). When
    /// `tracking` is non-empty (the start block only) the same row operations are applied to it
    /// (it holds A·x). A vector that loses more than 1 − 1e-8 of its norm is replaced by a fresh
    /// `replacement()` vector, orthogonalised the same way.
    static func orthonormaliseRows(_ x: inout [Double], tracking ax: inout [Double], rows: Int, s: Int, basis: [Double], count: Int,
                                   replacement: () -> [Double], apply: Operator, products: inout Int) {
        let withA = !ax.isEmpty
        precondition(!withA || count == 0, "orthonormaliseRows: A-tracking only for the start block")
        func projectOut(_ v: inout [Double], rowsV: Int) {
            guard count > 0 else { return }
            for _ in 0..<2 {
                var c = [Double](repeating: 0, count: rowsV * count)
                basis.withUnsafeBufferPointer { q in v.withUnsafeBufferPointer { vp in c.withUnsafeMutableBufferPointer { cp in
                    BLAS.gemm(transA: false, transB: true, m: rowsV, n: count, k: s, alpha: 1, a: vp, lda: s, b: q, ldb: s,
                              beta: 0, c: cp, ldc: count) } } }
                basis.withUnsafeBufferPointer { q in c.withUnsafeBufferPointer { cp in v.withUnsafeMutableBufferPointer { vp in
                    BLAS.gemm(transA: false, transB: false, m: rowsV, n: s, k: count, alpha: -1, a: cp, lda: count, b: q, ldb: s,
                              beta: 1, c: vp, ldc: s) } } }
            }
        }
        var before = [Double](repeating: 0, count: rows)
        for i in 0..<rows { var t = 0.0; for j in 0..<s { t += x[i * s + j] * x[i * s + j] }; before[i] = t.squareRoot() }
        projectOut(&x, rowsV: rows)
        var i = 0, attempts = 0
        while i < rows {
            x.withUnsafeMutableBufferPointer { xp in
                for _ in 0..<2 {
                    for j in 0..<i {
                        var c = 0.0
                        for t in 0..<s { c += xp[j * s + t] * xp[i * s + t] }
                        for t in 0..<s { xp[i * s + t] -= c * xp[j * s + t] }
                        if withA { for t in 0..<s { ax[i * s + t] -= c * ax[j * s + t] } }
                    }
                }
            }
            var nrm = 0.0
            for t in 0..<s { nrm += x[i * s + t] * x[i * s + t] }
            nrm = nrm.squareRoot()
            if !(nrm > 1e-8 * before[i]) || nrm == 0 {
                attempts += 1
                precondition(attempts < 100, "BlockLanczos: cannot extend the basis (dimension \(s) exhausted)")
                var v = replacement()
                precondition(v.count == s, "BlockLanczos: replacement vector has length \(v.count), need \(s)")
                projectOut(&v, rowsV: 1)
                before[i] = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                for t in 0..<s { x[i * s + t] = v[t] }
                if withA {
                    var av = [Double](repeating: 0, count: s)
                    v.withUnsafeBufferPointer { vp in av.withUnsafeMutableBufferPointer { apply(vp, 1, $0) } }
                    products += 1
                    for t in 0..<s { ax[i * s + t] = av[t] }
                }
                continue
            }
            let inv = 1 / nrm
            for t in 0..<s { x[i * s + t] *= inv }
            if withA { for t in 0..<s { ax[i * s + t] *= inv } }
            i += 1
        }
    }
}
