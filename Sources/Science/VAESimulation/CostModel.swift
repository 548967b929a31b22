// Cost and memory estimates of one simulation unit (a data set and its (β, λ) pairs), for the
// sweep's scheduling (most expensive first), its --dry-run report and its memory pre-check.
//
// Units: CPU seconds on one core of the reference machine (this project's build box, shared,
// OpenBLAS 0.3.21: dgemm/dsyrk ≈ 10 GFLOP/s, dsyevd(N) ≈ 2.2e-10 N³ s, one Philox + Box–Muller
// normal written into X ≈ 25 ns, the exact path's Krylov products at ≈ 6 GB/s, as measured by
// `vaesweep-bench largen`), so costs of different solvers are comparable; only ratios matter to
// the scheduler. All arithmetic is in Double: no overflow for any N, α (a 10⁷ × 10⁷ grid point is
// just a big number).
// The estimates are pure functions of the parameters: the exact path's choice between block
// Lanczos and dsyevr uses the same model, so it never depends on the machine.
import Foundation

/// Cost (reference-machine CPU seconds) and peak-memory estimates of a simulation unit (see the file header).
public enum CostModel {
    /// Seconds per flop of level-3 BLAS (dgemm/dsyrk of the gd path), per generated normal deviate,
    /// per flop of the full dsyevd (∝ N³).
    static let gemmFlop = 1 / 10e9
    static let normal = 25e-9
    static let fullEigenCubic = 2.2e-10
    /// The exact path's dense alternative (fitted to `vaesweep-bench largen` method timings,
    /// OpenBLAS 0.3.21 Zen kernels, one core): dsyrk of the small-side Gram matrix per big·s² and
    /// dsyevr of its top pair per s³.
    static let denseGram = 2.5e-11
    static let topEigenCubic = 1.5e-10
    /// The Krylov products (RowKernels, SSE2): seconds per flop, and the bandwidth at which they
    /// stream X from memory; per block product an overhead beyond the product (orthogonalisation,
    /// Rayleigh–Ritz) of `krylovOverhead` of it plus `krylovPerDimension` seconds per unit of s.
    static let kernelFlop = 1 / 8e9
    static let streamBytesPerSecond = 6e9
    static let krylovOverhead = 0.15
    static let krylovPerDimension = 0.5e-6
    /// Memory bandwidth of the gd path's memory-bound passes.
    static let bytesPerSecond = 8e9
    /// The bidiagonal model (fitted to `vaesweep-bench bidiagonal`, one core, CPU seconds): per χ
    /// variable (two Philox blocks + Box–Muller + Marsaglia–Tsang, T formed in place; 62 ns
    /// measured), per element of a Sturm pass over T (one division chain; 7 ns), per element and
    /// pass of the leading block's bisection (two chains, with the twisted vectors; ~10 ns), per
    /// L-BFGS step per unit of N (two products by T, the two-loop recursion over 10 pairs, the line
    /// search; 95–103 ns), and L-BFGS steps per (β, λ) pair per predicted Krylov block product
    /// (the same gap-driven convergence: measured 2.5–7.5 at N = 10⁵, 58–1664 steps for α = 16 … 0.5).
    static let chiVariable = 62e-9
    static let sturmElement = 7e-9
    static let sturmPairElement = 10e-9
    static let lbfgsStepPerN = 100e-9
    static let lbfgsStepsPerProduct = 5.0

    /// Predicted block products of the exact path's block Lanczos at (α, N, ρ, η): from the
    /// predicted top gap relative to the bulk width (MODEL.md §4 BBP formulas; below BBP and in
    /// the window the gap to λ_{b+1} at the bulk edge, ∝ N^(−2/3)), convergence factor
    /// exp(−2√g) per product, calibrated on measured counts.
    public static func predictedBlockProducts(alpha: Double, n: Int, rho: Double = 1, eta: Double = 1) -> Double {
        let p = Double(DataSet.sampleCount(alpha: alpha, n: n)), nd = Double(n)
        let gamma = nd / p, sg = gamma.squareRoot(), kappa = rho / eta
        let edge = eta * (1 + sg) * (1 + sg), lo = eta * (1 - sg) * (1 - sg)
        let edgeGap = 4 * edge * pow(min(nd, p), -2.0 / 3.0)
        var gap = edgeGap
        if kappa > sg { gap = max(gap, eta * (1 + kappa) * (1 + gamma / kappa) - edge) }
        let g = gap / max(edge - lo, 1e-12)
        let digits = log(1 / DataSet.krylovVectorAccuracy) + 0.5 * log(min(nd, p))
        return min(min(nd, p) / Double(DataSet.krylovBlockSize), 2 + 0.85 * digits / (2 * g.squareRoot()))
    }

    /// Seconds of the two ways to get the top pair on the exact path (samples not included).
    static func exactComponents(alpha: Double, n: Int, rho: Double, eta: Double) -> (krylov: Double, dense: Double) {
        let p = Double(DataSet.sampleCount(alpha: alpha, n: n)), nd = Double(n)
        let s = min(nd, p), big = max(nd, p), b = Double(DataSet.krylovBlockSize)
        let d = predictedBlockProducts(alpha: alpha, n: n, rho: rho, eta: eta)
        let readsPerProduct = p < nd ? 2.0 : 1.0
        let product = max(4 * p * nd * b * kernelFlop, readsPerProduct * 8 * p * nd / streamBytesPerSecond)
        let krylov = d * (product * (1 + krylovOverhead) + s * krylovPerDimension) + pow(d * b, 3) * topEigenCubic / 4
        let dense = big * s * s * denseGram + s * s * s * topEigenCubic
        return (krylov, dense)
    }

    /// Seconds to generate the P (N + 1) normal deviates of one data set.
    static func samples(alpha: Double, n: Int) -> Double {
        Double(DataSet.sampleCount(alpha: alpha, n: n)) * Double(n + 1) * normal
    }

    /// s, the dimension of T under the bidiagonal model (N for P ≥ N, else P + 1 ≤ N).
    static func tridiagonalDimension(alpha: Double, n: Int) -> Int {
        let p = DataSet.sampleCount(alpha: alpha, n: n)
        return p >= n ? n : p + 1
    }

    /// Seconds of one bidiagonal data set: 2s χ variables + the top pair (bisection of the two top
    /// eigenvalues on the leading block to ~55 passes, twisted vectors, one Sturm pass over T).
    static func bidiagonalData(alpha: Double, n: Int) -> Double {
        let st = tridiagonalDimension(alpha: alpha, n: n)
        let s = Double(st), m = Double(Tridiagonal.initialBlock(dimension: st))
        return 2 * s * chiVariable + 55 * m * sturmPairElement + 6 * m * sturmElement + (m < s ? s * sturmElement : 0)
    }
}

extension DataSet {
    /// Estimated cost (reference seconds, see CostModel.swift) of one simulation unit: the data
    /// set for `solver` plus `pairs` (β, λ) trainings. `exact`: samples + top pair (the cheaper of
    /// block Lanczos and dsyevr, as the exact path chooses); `gd`: samples + dsyrk + dsyevd + L-BFGS
    /// in the eigenbasis (≈ 2000 steps of O(N)) per pair; `adam`: the same data set + `maxSteps`
    /// steps of O(N²) per pair. Overflow-safe (Double throughout).
    /// Under the bidiagonal model (`dataModel: .bidiagonal`): the χ variables + the top pair of T
    /// (`exact`), + the L-BFGS steps (∝ the predicted Krylov products) of O(N) per pair (`gd`);
    /// `adam` is refused there (+∞).
    public static func estimatedCost(alpha: Double, n: Int, solver: Solver, pairs: Int = 1, rho: Double = 1,
                                     eta: Double = 1, adamSteps: Int = TrainingOptions.defaultMaxSteps(.adam),
                                     dataModel: DataModel = .explicit) -> Double {
        let p = Double(sampleCount(alpha: alpha, n: n)), nd = Double(n), np = Double(max(0, pairs))
        if dataModel == .bidiagonal {
            let data = CostModel.bidiagonalData(alpha: alpha, n: n)
            switch solver {
            case .exact: return data + np * 2e-6
            case .gd:
                let steps = CostModel.lbfgsStepsPerProduct * CostModel.predictedBlockProducts(alpha: alpha, n: n, rho: rho, eta: eta)
                return data + np * steps * CostModel.lbfgsStepPerN * nd
            case .adam: return .infinity
            }
        }
        let gen = CostModel.samples(alpha: alpha, n: n)
        switch solver {
        case .exact:
            let c = CostModel.exactComponents(alpha: alpha, n: n, rho: rho, eta: eta)
            return gen + min(c.krylov, c.dense) + np * 2e-6 * (1 + nd / 1e4)
        case .gd, .adam:
            let full = gen + p * nd * nd * CostModel.gemmFlop + nd * nd * nd * CostModel.fullEigenCubic
            // per pair: two projections into the eigenbasis (2 N² reads) + ~2000 L-BFGS steps of ~60 N flops
            let gdPair = 2 * 8 * nd * nd / CostModel.bytesPerSecond + 2000 * 60 * nd * 1e-9
            if solver == .gd { return full + np * gdPair }
            let adamPair = Double(max(0, adamSteps)) * 8 * nd * nd / CostModel.bytesPerSecond + gdPair
            return full + np * adamPair
        }
    }

    /// Estimated peak memory (bytes) of one data set for `solver` plus its training, on one rank
    /// (the process's own baseline, ~30 MB, not included). `exact`: X (8 P N) + the Krylov basis
    /// and its products (2 · 8 s m_max) + the projected matrix, or X + the Gram matrix and dsyevr's
    /// copy-free workspace on the dense/fallback path (whichever is larger); `gd`: C (overwritten by
    /// its eigenvectors) + dsyevd's workspace 2N² + 6N + 1 (3 · 8 N², the in-place eigen-solve);
    /// `adam`: gd + the kept C. Under the bidiagonal model: T (16 s, B turned into T in place) + the
    /// leading block's work arrays (`exact`), + the L-BFGS state and the result, 2·10 + 14 vectors of
    /// 2N + 1, and the start (`gd`; measured 60 MB beyond the process at N = 10⁵); `adam` is refused
    /// there (+∞). Overflow-safe (Double throughout).
    public static func estimatedPeakBytes(alpha: Double, n: Int, solver: Solver, rho: Double = 1, eta: Double = 1,
                                          dataModel: DataModel = .explicit) -> Double {
        let p = Double(sampleCount(alpha: alpha, n: n)), nd = Double(n), s = min(p, nd)
        if dataModel == .bidiagonal {
            let sInt = CostModel.tridiagonalDimension(alpha: alpha, n: n), st = Double(sInt)
            let m = min(st, 4 * Double(Tridiagonal.initialBlock(dimension: sInt)))   // one growth of the leading block
            let data = 16 * st + 8 * 5 * m
            switch solver {
            case .exact: return data
            case .gd: return data + 8 * (2 * 10 + 14) * (2 * nd + 1) + 8 * 4 * nd
            case .adam: return .infinity
            }
        }
        let vectorsO = 8 * 12 * (nd + p)   // spike, unit spike, scratch rows, values/overlaps arrays, …
        switch solver {
        case .exact:
            let x = 8 * p * nd
            let b = Double(krylovBlockSize)
            let mMax = Double(krylovMaxBasis(alpha: alpha, n: n, rho: rho, eta: eta))
            let krylov = 8 * (2 * s * mMax + 2 * mMax * mMax + 8 * b * max(nd, p))
            let dense = 8 * (s * s + 2 * s + 36 * s)
            return x + max(krylov, dense) + vectorsO
        case .gd, .adam:
            let blockRows = max(1, min(p, max(64, Double((1 << 21) / max(1, n)))))
            let eig = 8 * (nd * nd + 2 * nd * nd + 6 * nd + 1) + 4 * (3 + 5 * nd)
            let perPair = 8 * 6 * (2 * nd + 1) + 8 * 2 * 10 * (2 * nd + 1)   // L-BFGS memory (10 pairs) + work vectors
            let base = eig + 8 * blockRows * nd + vectorsO + perPair
            return solver == .gd ? base : base + 8 * nd * nd + 8 * 12 * nd
        }
    }
}
