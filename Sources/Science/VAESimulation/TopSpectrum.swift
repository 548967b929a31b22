// The exact solver's data path (issue 15): only the top of C's spectrum, without C.
//
// The `exact` minimiser needs ℓ₁ and ω₁ = v₁·w* (MODEL.md §4; ℓ₂ is kept for the gap and the
// near-degeneracy flag, tr C/N for completeness). Building C costs P N² and its eigen-solve N³; the
// top pair from the P × N sample matrix X itself costs 4 P N per vector and a few dozen block
// products. The samples are the same rows `DataSet.fillRows` gives the gd path (same stream, same
// bits); X is stored once (P N doubles).
//
// Side: for α ≥ 1 the operator is C v = Xᵀ(X v)/P on R^N, one read of X per product
// (RowKernels.gramTimes: the rows stay in cache between x·v and the update); for α < 1 it is
// G u = X(Xᵀ u)/P on R^P (the P × P side, the same non-zero spectrum, two reads), and
// v₁ = Xᵀu₁/‖Xᵀu₁‖. The first product is fused with the generation of X (no extra pass).
// Products are memory-bound (X is read at ≈ 6 GB/s here), not flop-bound, with up to 2 vectors;
// with 4 the SSE2 arithmetic costs 1.6× more per product and saves only ~3 % of the products
// above BBP (N = 4000, α = 4: 34 → 35 products), so the block size is 2: still a block, so a
// near-degenerate top pair converges together (it costs ~25 % more products than size 4 there).
// Method: block Lanczos (BlockLanczos.swift), block size 2, start block from the data key's
// `krylovStart` stream (on the N side its first vector is w*, which overlaps v₁ above BBP), or
// dsyevr on the formed Gram matrix when the cost model says that is cheaper (small N) or when the
// Krylov basis reaches its cap without passing the residual test (fallback).
// Near-degenerate tops (below BBP the top gap is ~N^(−2/3)): the block holds the pair, both values
// converge; θ is determined only to ‖r₁‖/gap, reported as `overlapErrorBound`; when that exceeds
// 1e-9 (relative gap ≲ 1e-5) `nearDegenerate` is set. Inside an (almost) degenerate pair every
// vector of span{v₁, v₂} is a minimiser direction up to the gap: Q, E, R, D, train rate and train
// distortion are unaffected, m, d, ε_g and the test quantities depend on the direction chosen
// (the Ritz vector of the larger Ritz value, as dsyevd picks its own); ω₂ is reported so that the
// pair's overlap √(ω₁² + ω₂²) is available.
import Foundation
import LinearAlgebra

/// How the top of the spectrum of one data set was obtained (exact path).
public struct TopSpectrumInfo: Sendable {
    /// The eigensolvers of the exact path (the raw value is the name reported).
    public enum Method: String, Sendable {
        /// Block Lanczos on the sample matrix.
        case blockLanczos = "block_lanczos"
        /// dsyevr on the formed Gram matrix (chosen by the cost model).
        case dense = "dsyevr"
        /// dsyevr after block Lanczos failed its residual test within the basis cap.
        case fallback = "dsyevr_fallback"
    }
    /// Which eigensolver produced the top pair.
    public var method: Method
    /// True when the P × P side G = X Xᵀ/P was used (α < 1).
    public var sampleSide: Bool
    /// Block size and block products of the Krylov method (0 for dense).
    public var blockSize: Int
    /// Operator applications to blocks of the Krylov method (0 for dense).
    public var blockProducts: Int
    /// Full reads of X made by the eigensolver after generation (the generation pass excluded).
    public var passes: Int
    /// Residual norms ‖C y − θ y‖ of the top two Ritz pairs (0 for dense: LAPACK's own accuracy).
    public var residuals: [Double]
    /// Bound on |θ − θ_true| from the residuals (Davis–Kahan), or ε ℓ₁/gap for dense.
    public var overlapErrorBound: Double
    /// ℓ₁ − ℓ₂ is not resolved well enough to fix v₁ to 1e-9 (see the file header).
    public var nearDegenerate: Bool
    /// Seconds generating the samples (with the fused first product) and in the eigensolver.
    public var secondsSamples: Double
    /// Seconds in the eigensolver (after generation).
    public var secondsEigen: Double
}

/// The P × N sample matrix X of one data set (row μ = x^μ, row-major), the same rows as the gd path.
public struct SampleMatrix: Sendable {
    /// Number of samples P.
    public let p: Int
    /// The dimension N.
    public let n: Int
    /// The samples, P × N row-major (row μ is x^μ).
    public let x: [Double]
    /// Σ_μ |x^μ|² / (P N) = tr C / N.
    public let traceOverN: Double

    /// Rows per block of the fused N-side product (≈ 512 KiB of X per block, so it stays in L2).
    public static func productBlockRows(n: Int) -> Int { max(8, min(512, 65_536 / max(1, n))) }

    /// Generate X (and, fused, `startProduct` = A·start for the block `start` when given: C·start
    /// on the N side if `start` is b × N, Xᵀ-products U X on the P side if b × P).
    static func generate(alpha: Double, n: Int, rho: Double, eta: Double, spike wStar: [Double], key: DataKey,
                         startN: [Double]? = nil, startP: [Double]? = nil) -> (SampleMatrix, fusedN: [Double]?, fusedP: [Double]?) {
        let p = DataSet.sampleCount(alpha: alpha, n: n)
        var x = [Double](repeating: 0, count: p * n)
        var scratch = [Double](repeating: 0, count: n + 1)
        let stream = key.stream(.samples, alpha: alpha, n: n)
        let rb = productBlockRows(n: n)
        let bN = (startN?.count ?? 0) / n, bP = (startP?.count ?? 0) / max(1, p)
        var zN = [Double](repeating: 0, count: bN * n)      // C·startN
        var tP = [Double](repeating: 0, count: bP * n)      // startP · X (b × N)
        let uT = bP > 0 ? transposed(startP!, rows: bP, cols: p) : []   // startP as P × b
        var trace = 0.0
        let invP = 1 / Double(p)
        x.withUnsafeMutableBufferPointer { xp in
            scratch.withUnsafeMutableBufferPointer { sp in
                var first = 0
                while first < p {
                    let rows = min(rb, p - first)
                    let blk = xp.baseAddress! + first * n
                    DataSet.fillRows(first: first, rows: rows, n: n, rho: rho, eta: eta, spike: wStar, stream: stream,
                                     scratch: sp.baseAddress!, into: blk)
                    trace += sumOfSquares(blk, count: rows * n)
                    let xb = UnsafeBufferPointer(start: blk, count: rows * n)
                    if bN > 0 {
                        startN!.withUnsafeBufferPointer { v in zN.withUnsafeMutableBufferPointer { zp in
                            RowKernels.gramTimes(xb, rows: rows, n: n, v, count: bN, alpha: invP, accumulate: true, into: zp)
                        } }
                    }
                    if bP > 0 {
                        uT.withUnsafeBufferPointer { u in tP.withUnsafeMutableBufferPointer { tp in
                            RowKernels.rowCombine(xb, rows: rows, n: n, UnsafeBufferPointer(rebasing: u[(first * bP)...]), count: bP,
                                                  alpha: 1, accumulate: true, into: tp)
                        } }
                    }
                    first += rows
                }
            }
        }
        let sm = SampleMatrix(p: p, n: n, x: x, traceOverN: trace / (Double(p) * Double(n)))
        var fusedP: [Double]? = nil
        if bP > 0 {
            // Finish G·startP = (startP X) Xᵀ / P (one read of X).
            var z = [Double](repeating: 0, count: bP * p)
            z.withUnsafeMutableBufferPointer { sm.timesTranspose(tP, rows: bP, into: $0, alpha: invP) }
            fusedP = z
        }
        return (sm, bN > 0 ? zN : nil, fusedP)
    }

    /// The plain sample matrix (for timing the generation floor and for tests).
    public static func generate(alpha: Double, n: Int, rho: Double, eta: Double, spike: Spike, key: DataKey) -> SampleMatrix {
        let w = DataSet.spikeVector(alpha: alpha, n: n, spike: spike, key: key)
        return generate(alpha: alpha, n: n, rho: rho, eta: eta, spike: w, key: key).0
    }

    /// out (rows × P) = alpha · T Xᵀ for T rows × N (one read of X).
    func timesTranspose(_ t: [Double], rows: Int, into out: UnsafeMutableBufferPointer<Double>, alpha: Double) {
        var y = [Double](repeating: 0, count: p * rows)   // P × rows
        x.withUnsafeBufferPointer { xp in t.withUnsafeBufferPointer { tp in y.withUnsafeMutableBufferPointer { yp in
            RowKernels.rowDots(xp, rows: p, n: n, tp, count: rows, alpha: alpha, into: yp)
        } } }
        for k in 0..<rows { for mu in 0..<p { out[k * p + mu] = y[mu * rows + k] } }
    }

    /// out (rows × N) = U X for U rows × P (one read of X).
    func leftTimes(_ u: UnsafeBufferPointer<Double>, rows: Int, into out: UnsafeMutableBufferPointer<Double>) {
        let uT = transposed(Array(u.prefix(rows * p)), rows: rows, cols: p)
        x.withUnsafeBufferPointer { xp in uT.withUnsafeBufferPointer { up in
            RowKernels.rowCombine(xp, rows: p, n: n, up, count: rows, alpha: 1, accumulate: false, into: out)
        } }
    }

    /// C·V = Xᵀ(X Vᵀ)/P for a block V (rows × N, row-major), one read of X (RowKernels.gramTimes).
    public func covarianceTimes(_ v: UnsafeBufferPointer<Double>, rows b: Int, into z: UnsafeMutableBufferPointer<Double>) {
        precondition(v.count >= b * n && z.count >= b * n, "covarianceTimes: block must be \(b)×\(n)")
        x.withUnsafeBufferPointer { xp in
            RowKernels.gramTimes(xp, rows: p, n: n, v, count: b, alpha: 1 / Double(p), accumulate: false, into: z)
        }
    }

    /// G·U = X(Xᵀ Uᵀ)/P for a block U (rows × P), two reads of X.
    public func outerGramTimes(_ u: UnsafeBufferPointer<Double>, rows b: Int, into z: UnsafeMutableBufferPointer<Double>) {
        precondition(u.count >= b * p && z.count >= b * p, "outerGramTimes: block must be \(b)×\(p)")
        var t = [Double](repeating: 0, count: b * n)
        t.withUnsafeMutableBufferPointer { leftTimes(u, rows: b, into: $0) }
        timesTranspose(t, rows: b, into: z, alpha: 1 / Double(p))
    }
}

/// Σ x_i² in a fixed order (two two-lane partial sums, so the adds are not one serial chain).
func sumOfSquares(_ x: UnsafePointer<Double>, count: Int) -> Double {
    var a = SIMD2<Double>(), b = SIMD2<Double>(), i = 0
    while i + 4 <= count {
        let u = SIMD2(x[i], x[i + 1]), v = SIMD2(x[i + 2], x[i + 3])
        a += u * u; b += v * v
        i += 4
    }
    var t = (a + b).sum()
    while i < count { t += x[i] * x[i]; i += 1 }
    return t
}

/// The cols × rows transpose of a row-major rows × cols matrix.
func transposed(_ a: [Double], rows: Int, cols: Int) -> [Double] {
    var t = [Double](repeating: 0, count: rows * cols)
    for r in 0..<rows { for c in 0..<cols { t[c * rows + r] = a[r * cols + c] } }
    return t
}

extension DataSet {
    /// Block size of the exact path's block Lanczos.
    public static let krylovBlockSize = 2
    /// Accuracy asked of v₁ (sin of the angle); θ is then good to about this (10× inside the 1e-9
    /// the tests ask against the full eigendecomposition).
    public static let krylovVectorAccuracy = 1e-10
    /// A top pair whose overlap bound exceeds this is flagged near-degenerate.
    public static let nearDegenerateThreshold = 1e-9

    /// Which eigen-method the exact path uses for (α, N, ρ, η): a pure function of the parameters
    /// (so a point's numbers never depend on the machine). True = block Lanczos, false = dsyevr.
    public static func exactUsesKrylov(alpha: Double, n: Int, rho: Double = 1, eta: Double = 1) -> Bool {
        let c = CostModel.exactComponents(alpha: alpha, n: n, rho: rho, eta: eta)
        return c.krylov < c.dense
    }

    /// Basis cap of the block Lanczos: a generous multiple (3×) of the predicted size, at least 16
    /// blocks, at most s = min(N, P). The one definition (the exact path and its memory estimate use it).
    public static func krylovMaxBasis(alpha: Double, n: Int, rho: Double = 1, eta: Double = 1) -> Int {
        let p = sampleCount(alpha: alpha, n: n), s = min(n, p), b = krylovBlockSize
        let d = CostModel.predictedBlockProducts(alpha: alpha, n: n, rho: rho, eta: eta)
        return min(s, max(16 * b, Int((3 * d).rounded(.up)) * b))
    }

    /// The data set for `solver` under `dataModel`. Explicit: the exact path (top of the spectrum
    /// only, ``TopPairSpectrum``) for `.exact`, the full spectrum without C for `.gd`, with C for
    /// `.adam` (the samples are bit-identical in all three). Bidiagonal (MODEL.md §8): the top pair
    /// of T for `.exact`, T itself (``TridiagonalSample``) for `.gd`; `.adam` throws (kind
    /// `.unsupported`: Adam is not rotation-equivariant). This is the entry point for a sweep unit:
    /// `Trainer.train(DataSet.build(..., solver: s, dataModel: d), pairs:, options:)` with
    /// `options.solver == s`.
    public static func build(alpha: Double, n: Int, rho: Double = 1, eta: Double = 1, spike: Spike = .ones,
                             key: DataKey, solver: Solver, dataModel: DataModel = .explicit) throws -> any TrainingData {
        switch (dataModel, solver) {
        case (.explicit, .exact): return try buildTop(alpha: alpha, n: n, rho: rho, eta: eta, spike: spike, key: key)
        case (.explicit, .gd): return try build(alpha: alpha, n: n, rho: rho, eta: eta, spike: spike, key: key, keepCovariance: false)
        case (.explicit, .adam): return try build(alpha: alpha, n: n, rho: rho, eta: eta, spike: spike, key: key, keepCovariance: true)
        case (.bidiagonal, .exact): return try buildBidiagonalTop(alpha: alpha, n: n, rho: rho, eta: eta, spike: spike, key: key)
        case (.bidiagonal, .gd): return try buildBidiagonal(alpha: alpha, n: n, rho: rho, eta: eta, spike: spike, key: key)
        case (.bidiagonal, .adam): throw DataModel.adamRefusal
        }
    }

    /// The exact path: samples → top two eigenpairs of C (block Lanczos on X, or dsyevr) → ℓ₁, ℓ₂,
    /// ω₁, ω₂, tr C/N (one pair when min(N, P) = 1). Only the exact solver can use it.
    /// `method` forces block Lanczos or dsyevr (tests, benchmarks); nil = the cost model's choice.
    /// `maxBasis` overrides the Krylov basis cap (tests of the fallback).
    public static func buildTop(alpha: Double, n: Int, rho: Double = 1, eta: Double = 1, spike: Spike = .ones,
                                key: DataKey, method: TopSpectrumInfo.Method? = nil, maxBasis: Int? = nil) throws -> TopPairSpectrum {
        guard n >= 1 else { throw SimulationError("n must be ≥ 1") }
        guard alpha > 0, alpha.isFinite else { throw SimulationError("alpha must be > 0") }
        guard rho >= 0, rho.isFinite, eta > 0, eta.isFinite else { throw SimulationError("need rho ≥ 0, eta > 0") }
        let p = sampleCount(alpha: alpha, n: n)
        let w = spikeVector(alpha: alpha, n: n, spike: spike, key: key)
        let invSqrtN = 1 / Double(n).squareRoot()
        let unit = w.map { $0 * invSqrtN }
        let sampleSide = p < n
        let s = min(n, p)
        let useKrylov = (method.map { $0 == .blockLanczos } ?? exactUsesKrylov(alpha: alpha, n: n, rho: rho, eta: eta))
            && s > 3 * krylovBlockSize
        let b = krylovBlockSize
        let startStream = key.stream(.krylovStart, alpha: alpha, n: n)
        var start: [Double] = []
        if useKrylov {
            for j in 0..<b { start += startStream.normals(row: UInt64(j), count: s) }
            if !sampleSide { for i in 0..<n { start[i] = unit[i] } }   // w* as the first start vector
        }
        let t0 = Date()
        let (xm, fusedN, fusedP) = SampleMatrix.generate(alpha: alpha, n: n, rho: rho, eta: eta, spike: w, key: key,
                                                          startN: useKrylov && !sampleSide ? start : nil,
                                                          startP: useKrylov && sampleSide ? start : nil)
        let t1 = Date()
        var method = TopSpectrumInfo.Method.dense
        var values: [Double] = [], vecs: [Double] = [], residuals: [Double] = [0, 0]
        var products = 0, passes = sampleSide && useKrylov ? 1 : 0, bound = 0.0
        let k = min(2, s)
        if useKrylov {
            let r = BlockLanczos.top(dimension: s, start: start, firstProduct: sampleSide ? fusedP : fusedN,
                                     maxBasis: maxBasis ?? krylovMaxBasis(alpha: alpha, n: n, rho: rho, eta: eta),
                                     accuracy: krylovVectorAccuracy,
                                     replacement: { i in startStream.normals(row: UInt64(b + i), count: s) },
                                     apply: { blk, rows, out in
                                         if sampleSide { xm.outerGramTimes(blk, rows: rows, into: out) }
                                         else { xm.covarianceTimes(blk, rows: rows, into: out) }
                                     })
            products = r.blockProducts
            passes += (r.blockProducts - 1) * (sampleSide ? 2 : 1)
            if r.converged {
                method = .blockLanczos
                values = Array(r.values.prefix(k)); vecs = Array(r.vectors.prefix(k * s))
                residuals = Array(r.residuals.prefix(k)); bound = r.vectorErrorBound
            } else {
                method = .fallback
            }
        }
        if method != .blockLanczos {
            // dsyevr on the Gram matrix of the small side (C built exactly as the gd path builds it).
            var g: [Double]
            if sampleSide {
                g = [Double](repeating: 0, count: p * p)
                xm.x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { gp in
                    BLAS.syrkOuter(xp, rows: p, n: n, alpha: 1 / Double(p), beta: 0, into: gp) } }
                BLAS.symmetrizeUpper(&g, n: p)
            } else {
                g = gramLikeCovariance(xm)
            }
            passes += 1
            let eig = try LAPACK.symmetricTopEigenDestroying(&g, n: s, k: k)
            values = eig.values; vecs = eig.vectors
            let gap = k > 1 ? values[0] - values[1] : values[0]
            bound = gap > 0 ? min(1, 64 * Double.ulpOfOne * Double(s).squareRoot() * values[0] / gap) : .infinity
        }
        // Overlaps with w*: directly on the N side; v = Xᵀu/‖Xᵀu‖ on the P side.
        var omega = [Double](repeating: 0, count: k)
        if sampleSide {
            var t = [Double](repeating: 0, count: k * n)
            vecs.withUnsafeBufferPointer { u in t.withUnsafeMutableBufferPointer { xm.leftTimes(u, rows: k, into: $0) } }
            passes += 1
            for j in 0..<k {
                var nn = 0.0, d = 0.0
                for i in 0..<n { nn += t[j * n + i] * t[j * n + i]; d += t[j * n + i] * unit[i] }
                omega[j] = d / nn.squareRoot()
            }
        } else {
            for j in 0..<k { var d = 0.0; for i in 0..<n { d += vecs[j * n + i] * unit[i] }; omega[j] = d }
        }
        let t2 = Date()
        let info = TopSpectrumInfo(method: method, sampleSide: sampleSide, blockSize: useKrylov ? b : 0, blockProducts: products,
                                   passes: passes, residuals: residuals, overlapErrorBound: bound,
                                   nearDegenerate: !(bound <= nearDegenerateThreshold),
                                   secondsSamples: t1.timeIntervalSince(t0), secondsEigen: t2.timeIntervalSince(t1))
        return TopPairSpectrum(n: n, p: p, alpha: alpha, rho: rho, eta: eta, spike: spike, key: key, dataModel: .explicit,
                               values: Array(values.prefix(k)), spikeOverlaps: omega, traceOverN: xm.traceOverN,
                               source: .krylov(info))
    }

    /// C from stored rows with the same row blocks and dsyrk calls as ``covariance(alpha:n:rho:eta:spike:key:blockElements:)``
    /// (so the dense exact path sees the very C of the gd path).
    static func gramLikeCovariance(_ xm: SampleMatrix, blockElements: Int = 1 << 21) -> [Double] {
        let n = xm.n, p = xm.p
        let blockRows = max(1, min(p, max(64, blockElements / n)))
        var c = [Double](repeating: 0, count: n * n)
        xm.x.withUnsafeBufferPointer { xp in c.withUnsafeMutableBufferPointer { cp in
            var first = 0
            while first < p {
                let rows = min(blockRows, p - first)
                BLAS.syrkGram(UnsafeBufferPointer(rebasing: xp[(first * n)..<((first + rows) * n)]), rows: rows, n: n,
                              alpha: 1 / Double(p), beta: first == 0 ? 0 : 1, into: cp)
                first += rows
            }
        } }
        BLAS.symmetrizeUpper(&c, n: n)
        return c
    }
}
