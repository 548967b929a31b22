// Data of one simulation point: the spiked-covariance sample of MODEL.md §1, its sample
// covariance C (built by blocked dsyrk) and C's full eigendecomposition, shared by every (β, λ).
// The `exact` solver needs only the top of the spectrum: `build(..., solver: .exact)` takes the
// path of TopSpectrum.swift (same samples, no C, no full eigen-solve). The bidiagonal model
// (MODEL.md §8) is built in Bidiagonal.swift; `build(..., solver:, dataModel:)` routes.
import Foundation
import LinearAlgebra

/// The spike W* (|W*|² = N): all ones (the published experiments) or i.i.d. Gaussian rescaled.
public enum Spike: String, CaseIterable, Sendable { case ones, gaussian }

/// What keys the random streams of one data set, besides its parameter VALUES (MODEL.md §6,
/// stream version 2): the root seed and the replicate id. The streams of a data set are a pure
/// function of (root seed, α bit pattern, N, replicate), never of grid positions or the rank, so a
/// point's numbers do not depend on which grid it sits in.
public struct DataKey: Hashable, Sendable {
    /// The version of the keying below and of the deviates (Random.swift); stored in results files
    /// as `stream_version`. Bump it when any stream derivation changes (points of different
    /// versions are never mixed). 3: Box–Muller by BoxMuller.swift instead of libm.
    public static let streamVersion = 3

    /// The root seed of the study (`simulation.seed`).
    public var rootSeed: UInt64
    /// Replicate id (the `seed` coordinate of a results file).
    public var replicate: Int
    /// The key of replicate `replicate` under root seed `rootSeed`.
    public init(rootSeed: UInt64 = 1, replicate: Int = 0) {
        self.rootSeed = rootSeed; self.replicate = replicate
    }

    /// The stream for `purpose` of the data set (α, N) of this key (and extra words, e.g. the β and
    /// λ bit patterns of an initialisation).
    public func stream(_ purpose: StreamPurpose, alpha: Double, n: Int, _ extra: [UInt64] = []) -> GaussianStream {
        let words = [purpose.rawValue, alpha.bitPattern, UInt64(bitPattern: Int64(n)),
                     UInt64(bitPattern: Int64(replicate))] + extra
        return GaussianStream(rootSeed: rootSeed, stream: streamID(words))
    }
}

/// A simulation that cannot run, with what kind of problem it is.
public struct SimulationError: Error, CustomStringConvertible {
    /// The category of a `SimulationError` (bad input vs. a data set that cannot serve the request).
    public enum Kind: Sendable {
        /// A parameter outside its domain (α ≤ 0, β ≤ 0, …): bad input.
        case invalidParameter
        /// Given data that do not fit (a replayed matrix or weights of the wrong shape, non-finite values).
        case invalidData
        /// A request this data set cannot serve (a full-spectrum solver on a top-only data set).
        case unsupported
    }
    /// What kind of problem it is.
    public let kind: Kind
    /// The message, naming the parameter or the data at fault.
    public let description: String
    /// An error with message `d`, of kind `kind` (by default a parameter out of its domain).
    public init(_ d: String, kind: Kind = .invalidParameter) { description = d; self.kind = kind }
}

/// One explicit sample with the FULL spectrum of C and the spike's projections (gd, adam, exact;
/// replay). The exact path's top pair alone is a ``TopPairSpectrum``.
public struct SampleSpectrum: TrainingData {
    /// The dimension N.
    public let n: Int
    /// Number of samples P = round(α N).
    public let p: Int
    /// α as requested (grid value); the loss uses the effective P/N (`alphaEffective`).
    public let alpha: Double
    /// The signal strength ρ the samples were drawn with.
    public let rho: Double
    /// The noise strength η the samples were drawn with.
    public let eta: Double
    /// The kind of spike W*.
    public let spike: Spike
    /// The key of the data set's random streams.
    public let key: DataKey
    /// Eigenvalues ℓ₁ ≥ ℓ₂ ≥ … of C (length N).
    public let values: [Double]
    /// Eigenvector j of C at `vectors[j*n ..< (j+1)*n]` (row j of Uᵀ, row-major).
    public let vectors: [Double]
    /// ω_j = v_j · w*, w* = W*/√N (so Σ ω_j² = 1).
    public let spikeOverlaps: [Double]
    /// The spike W* itself (|W*|² = N).
    public let spikeVector: [Double]
    /// C itself (row-major, both triangles), kept unless `keepCovariance: false` (Adam uses it).
    public let covariance: [Double]?
    /// tr C / N.
    public let traceOverN: Double
    /// Seconds spent generating the samples + dsyrk, and in the eigen-solve (+ projections).
    public let secondsCovariance: Double
    /// Seconds in the eigen-solve and the spike projections.
    public let secondsEigen: Double
    /// Explicit data.
    public var dataModel: DataModel { .explicit }

    /// A spectrum given directly (synthetic spectra in tests; `DataSet.build` for real samples).
    public init(n: Int, p: Int, alpha: Double, rho: Double, eta: Double, spike: Spike, key: DataKey,
                values: [Double], vectors: [Double], spikeOverlaps: [Double], spikeVector: [Double],
                covariance: [Double]?, traceOverN: Double, secondsCovariance: Double, secondsEigen: Double) {
        self.n = n; self.p = p; self.alpha = alpha; self.rho = rho; self.eta = eta; self.spike = spike
        self.key = key; self.values = values; self.vectors = vectors; self.spikeOverlaps = spikeOverlaps
        self.spikeVector = spikeVector; self.covariance = covariance; self.traceOverN = traceOverN
        self.secondsCovariance = secondsCovariance; self.secondsEigen = secondsEigen
    }

    /// ℓ₁, the top eigenvalue of C.
    public var ell1: Double { values[0] }
    /// θ = |v₁ · w*|, the sample overlap of the top eigenvector with the spike.
    public var theta: Double { abs(spikeOverlaps[0]) }
    /// Relative top eigen-gap (ℓ₁ − ℓ₂)/ℓ₁ (1 when N = 1).
    public var relativeGap: Double { n > 1 ? (values[0] - values[1]) / values[0] : 1 }

    /// gd, adam or exact on the full spectrum (Trainer.swift).
    public func solve(beta: Double, lambda: Double, options: TrainingOptions) throws -> SimulationResult {
        switch options.solver {
        case .exact: return Trainer.exact(self, beta: beta, lambda: lambda)
        case .gd: return Trainer.lbfgs(self, beta: beta, lambda: lambda, options: options)
        case .adam: return Trainer.adam(self, beta: beta, lambda: lambda, options: options)
        }
    }
}

/// Building data sets (`SampleSpectrum`) from the random streams, and their cost and memory estimates.
public enum DataSet {
    /// P = round(α N) (at least 1).
    public static func sampleCount(alpha: Double, n: Int) -> Int { max(1, Int((alpha * Double(n)).rounded())) }

    /// The spike W* of this data key (|W*|² = N).
    public static func spikeVector(alpha: Double, n: Int, spike: Spike, key: DataKey) -> [Double] {
        switch spike {
        case .ones:
            return [Double](repeating: 1, count: n)
        case .gaussian:
            var w = key.stream(.spike, alpha: alpha, n: n).normals(row: 0, count: n)
            let norm2 = w.reduce(0) { $0 + $1 * $1 }
            let s = (Double(n) / norm2).squareRoot()
            for i in 0..<n { w[i] *= s }
            return w
        }
    }

    /// Fill rows `first ..< first + rows` of the sample matrix X (row μ = x^μ) into `out`.
    /// Row μ uses deviates 0 (c^μ) and 1…N (n^μ) of row μ of the `samples` stream.
    static func fillRows(first: Int, rows: Int, n: Int, rho: Double, eta: Double, spike wStar: [Double],
                         stream: GaussianStream, scratch: UnsafeMutablePointer<Double>,
                         into out: UnsafeMutablePointer<Double>) {
        let a = (rho / Double(n)).squareRoot(), s = eta.squareRoot()
        for r in 0..<rows {
            stream.fill(row: UInt64(first + r), into: scratch, count: n + 1)
            let c = a * scratch[0]
            let row = out + r * n
            for i in 0..<n { row[i] = c * wStar[i] + s * scratch[i + 1] }
        }
    }

    /// The whole P × N sample matrix (row-major). Only for the published-method baseline and tests.
    public static func sampleMatrix(alpha: Double, n: Int, rho: Double, eta: Double, spike: Spike,
                                    key: DataKey) -> [Double] {
        let p = sampleCount(alpha: alpha, n: n)
        let w = spikeVector(alpha: alpha, n: n, spike: spike, key: key)
        var x = [Double](repeating: 0, count: p * n)
        var scratch = [Double](repeating: 0, count: n + 1)
        let stream = key.stream(.samples, alpha: alpha, n: n)
        x.withUnsafeMutableBufferPointer { xp in
            scratch.withUnsafeMutableBufferPointer { sp in
                fillRows(first: 0, rows: p, n: n, rho: rho, eta: eta, spike: w, stream: stream,
                         scratch: sp.baseAddress!, into: xp.baseAddress!)
            }
        }
        return x
    }

    /// Sample covariance C = (1/P) Σ_μ x^μ x^μᵀ, built by dsyrk over blocks of at most
    /// `blockElements` numbers, so the P × N matrix is never held at once.
    public static func covariance(alpha: Double, n: Int, rho: Double, eta: Double, spike: Spike,
                                  key: DataKey, blockElements: Int = 1 << 21) -> [Double] {
        let p = sampleCount(alpha: alpha, n: n)
        let w = spikeVector(alpha: alpha, n: n, spike: spike, key: key)
        let stream = key.stream(.samples, alpha: alpha, n: n)
        let blockRows = max(1, min(p, max(64, blockElements / n)))
        var c = [Double](repeating: 0, count: n * n)
        var block = [Double](repeating: 0, count: blockRows * n)
        var scratch = [Double](repeating: 0, count: n + 1)
        var first = 0
        c.withUnsafeMutableBufferPointer { cp in
            block.withUnsafeMutableBufferPointer { bp in
                scratch.withUnsafeMutableBufferPointer { sp in
                    while first < p {
                        let rows = min(blockRows, p - first)
                        fillRows(first: first, rows: rows, n: n, rho: rho, eta: eta, spike: w, stream: stream,
                                 scratch: sp.baseAddress!, into: bp.baseAddress!)
                        BLAS.syrkGram(UnsafeBufferPointer(bp), rows: rows, n: n, alpha: 1 / Double(p),
                                      beta: first == 0 ? 0 : 1, into: cp)
                        first += rows
                    }
                }
            }
        }
        BLAS.symmetrizeUpper(&c, n: n)
        return c
    }

    /// Build the data set of one (α, N, replicate): samples → C (blocked dsyrk) → all eigenpairs
    /// (dsyevd) → spike projections. Deterministic for a given key.
    public static func build(alpha: Double, n: Int, rho: Double = 1, eta: Double = 1, spike: Spike = .ones,
                             key: DataKey, keepCovariance: Bool = true) throws -> SampleSpectrum {
        guard n >= 1 else { throw SimulationError("n must be ≥ 1") }
        guard alpha > 0, alpha.isFinite else { throw SimulationError("alpha must be > 0") }
        guard rho >= 0, rho.isFinite, eta > 0, eta.isFinite else { throw SimulationError("need rho ≥ 0, eta > 0") }
        let t0 = Date()
        var c = covariance(alpha: alpha, n: n, rho: rho, eta: eta, spike: spike, key: key)
        let t1 = Date()
        var tr = 0.0
        for i in 0..<n { tr += c[i * n + i] }
        // Eigenvectors overwrite C unless C is kept (peak n² + dsyevd's 2n² workspace).
        var vectors: [Double]
        var kept: [Double]? = nil
        if keepCovariance { kept = c; vectors = c } else { vectors = c }
        c = []
        let values = try LAPACK.symmetricEigenInPlace(&vectors, n: n)
        let w = spikeVector(alpha: alpha, n: n, spike: spike, key: key)
        let invSqrtN = 1 / Double(n).squareRoot()
        let unit = w.map { $0 * invSqrtN }
        let omega = BLAS.matvec(vectors, rows: n, cols: n, unit)
        let t2 = Date()
        return SampleSpectrum(n: n, p: sampleCount(alpha: alpha, n: n), alpha: alpha, rho: rho, eta: eta,
                              spike: spike, key: key, values: values, vectors: vectors,
                              spikeOverlaps: omega, spikeVector: w, covariance: kept,
                              traceOverN: tr / Double(n),
                              secondsCovariance: t1.timeIntervalSince(t0), secondsEigen: t2.timeIntervalSince(t1))
    }
}
