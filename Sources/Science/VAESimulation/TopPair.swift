// The top pair of C alone (ℓ₁, ℓ₂, ω₁, ω₂, tr C/N): what the `exact` solver needs (MODEL.md §4).
// From explicit data (TopSpectrum.swift: block Lanczos or dsyevr on X) or from the bidiagonal model
// (Bidiagonal.swift: the top pair of T). No eigenvectors, no padding.
//
// The exact minimiser is W = a√N v₁, V = b√N v₁ (a, b, D of ScalarEquations.minimiser at the
// sample's ℓ₁ and the effective α = P/N). Its observables, loss and gradient norm are computed with
// the arithmetic of the full-spectrum path (SampleSpectrum.observables / trainDistortion /
// EigenObjective) restricted to the one non-zero coordinate: the other coordinates contribute exact
// zeros there, so both give the same bits (TopPairTests checks it against a zero-padded spectrum).
import Foundation
import VAETheory

/// How a top pair was obtained.
public enum TopPairSource: Sendable {
    /// Explicit data: block Lanczos or dsyevr on the sample matrix (TopSpectrum.swift).
    case krylov(TopSpectrumInfo)
    /// The bidiagonal model: bisection and a twisted factorisation on T (Tridiagonal.swift).
    case tridiagonal(TridiagonalTopInfo)
}

/// The top of C's spectrum of one data set (either data model), for the `exact` solver.
public struct TopPairSpectrum: TrainingData {
    /// The dimension N.
    public let n: Int
    /// Number of samples P = round(α N).
    public let p: Int
    /// α as requested (grid value).
    public let alpha: Double
    /// The signal strength ρ.
    public let rho: Double
    /// The noise strength η.
    public let eta: Double
    /// The kind of spike W* (irrelevant to the law under bidiagonal).
    public let spike: Spike
    /// The key of the data set's random streams.
    public let key: DataKey
    /// How the data set was drawn.
    public let dataModel: DataModel
    /// ℓ₁ ≥ ℓ₂ (one value when C has a single eigenpair to offer, min(N, P) = 1 or N = 1).
    public let values: [Double]
    /// The signed overlaps ω_j = v_j · w* of the same eigenvectors (first components under bidiagonal).
    public let spikeOverlaps: [Double]
    /// tr C / N.
    public let traceOverN: Double
    /// How the pair was obtained.
    public let source: TopPairSource

    /// A top pair given directly (the builders; tests).
    public init(n: Int, p: Int, alpha: Double, rho: Double, eta: Double, spike: Spike, key: DataKey,
                dataModel: DataModel, values: [Double], spikeOverlaps: [Double], traceOverN: Double, source: TopPairSource) {
        precondition(!values.isEmpty && values.count <= 2 && spikeOverlaps.count == values.count,
                     "TopPairSpectrum: \(values.count) values, \(spikeOverlaps.count) overlaps")
        self.n = n; self.p = p; self.alpha = alpha; self.rho = rho; self.eta = eta; self.spike = spike
        self.key = key; self.dataModel = dataModel; self.values = values; self.spikeOverlaps = spikeOverlaps
        self.traceOverN = traceOverN; self.source = source
    }

    /// ℓ₁.
    public var ell1: Double { values[0] }
    /// θ = |ω₁|.
    public var theta: Double { abs(spikeOverlaps[0]) }
    /// (ℓ₁ − ℓ₂)/ℓ₁ (1 without a second value).
    public var relativeGap: Double { values.count > 1 && n > 1 ? (values[0] - values[1]) / values[0] : 1 }
    /// The explicit path's record (nil under bidiagonal).
    public var krylov: TopSpectrumInfo? { if case let .krylov(i) = source { return i }; return nil }
    /// The bidiagonal path's record (nil for explicit data).
    public var tridiagonal: TridiagonalTopInfo? { if case let .tridiagonal(i) = source { return i }; return nil }
    /// ℓ₁ − ℓ₂ does not fix v₁ to 1e-9 (θ and the θ-dependent observables are then not determined).
    public var nearDegenerate: Bool {
        switch source { case let .krylov(i): return i.nearDegenerate; case let .tridiagonal(i): return i.nearDegenerate }
    }
    /// Bound on |θ − θ_true|.
    public var overlapErrorBound: Double {
        switch source { case let .krylov(i): return i.overlapErrorBound; case let .tridiagonal(i): return i.overlapErrorBound }
    }
    /// Seconds generating the data (samples, or χ variables and T) and in the eigen-solve.
    public var seconds: (samples: Double, eigen: Double) {
        switch source {
        case let .krylov(i): return (i.secondsSamples, i.secondsEigen)
        case let .tridiagonal(i): return (i.secondsSamples, i.secondsEigen)
        }
    }

    /// Only `exact`: gd needs the full spectrum (explicit) or T (bidiagonal); Adam needs explicit data.
    public func solve(beta: Double, lambda: Double, options: TrainingOptions) throws -> SimulationResult {
        switch (options.solver, dataModel) {
        case (.exact, _):
            return Trainer.exactTopPair(ell1: ell1, omega1: spikeOverlaps[0], n: n, alpha: alphaEffective, rho: rho, eta: eta,
                                        beta: beta, lambda: lambda)
        case (.adam, .bidiagonal):
            throw DataModel.adamRefusal
        case (let s, .explicit):
            throw SimulationError("solver \(s.rawValue) needs the full spectrum; this data set holds only its top (built for exact): use DataSet.build(..., solver: .\(s.rawValue))", kind: .unsupported)
        case (let s, .bidiagonal):
            throw SimulationError("solver \(s.rawValue) needs T; this bidiagonal data set holds only its top pair (built for exact): use DataSet.build(..., solver: .\(s.rawValue), dataModel: .bidiagonal)", kind: .unsupported)
        }
    }
}

extension Trainer {
    /// The exact minimiser on a top pair (see the file header): `Trainer.exact` + `finish` of the
    /// full-spectrum path, restricted to coordinate 0 with the same operations in the same order
    /// (sums start at +0 as the loops do, so a −0 product becomes +0 as there).
    static func exactTopPair(ell1 l1: Double, omega1 o: Double, n: Int, alpha: Double, rho: Double, eta: Double,
                             beta: Double, lambda: Double) -> SimulationResult {
        let sol = ScalarEquations.minimiser(ell1: l1, alpha: alpha, beta: beta, lambda: lambda).best
        let mu = lambda / alpha
        let a = sol.a, b = sol.b, th = log(sol.D)
        // EigenObjective.evaluate at x = [a, 0…, b, 0…, θ].
        let Q = 0.0 + a * a, E = 0.0 + b * b, S = 0.0 + l1 * b * b, K = 0.0 + l1 * a * b
        let D = exp(th)
        let A = S + D + mu, bq = Q + beta
        let gw = A * a - l1 * b
        let gv = (bq * l1 + mu) * b - l1 * a
        let gt = 0.5 * (bq * D - beta)
        let f = -K + 0.5 * (Q + beta) * (S + D) - 0.5 * beta * th + 0.5 * mu * (Q + E)
        // EigenObjective.gradNorm.
        let g2 = (0.0 + gw * gw) + gv * gv
        let gD = gt / exp(th)
        let gn = (g2 + gD * gD).squareRoot()
        // SampleSpectrum.observables / trainDistortion at ŵ = a e₁, v̂ = b e₁.
        let m = 0.0 + a * o, d = 0.0 + b * o, R = 0.0 + a * b
        var distTrain = max(l1, 0)
        if Q > 0 {
            let norm = Q.squareRoot(), inv = 1 / norm
            let u = a * inv, r = u - norm * b
            let ta = 0.0 + max(l1 - l1, 0) * u * u
            let tb = 0.0 + max(l1, 0) * r * r
            distTrain = ta + tb + Q * D
        }
        let obs = assembleObservables(m: m, d: d, Q: Q, E: E, R: R, S: S, D: D, distTrain: distTrain,
                                      n: n, alpha: alpha, rho: rho, eta: eta)
        let scale = l1 + beta + mu
        return SimulationResult(observables: obs, steps: 0, gradNorm: gn, relativeGradNorm: gn / scale,
                                converged: f.isFinite, seconds: 0, finiteLoss: f.isFinite, loss: f,
                                beta: beta, lambda: lambda, solver: .exact)
    }
}

extension DataSet {
    /// Only the top of the spectrum (the explicit exact path, ``buildTop(alpha:n:rho:eta:spike:key:method:maxBasis:)``):
    /// ℓ₁, ℓ₂ and the signed overlap v₁·w*. Enough for the `exact` minimiser.
    public static func topSpectrum(alpha: Double, n: Int, rho: Double = 1, eta: Double = 1, spike: Spike = .ones,
                                   key: DataKey) throws -> (ell1: Double, ell2: Double, overlap: Double, p: Int) {
        let d = try buildTop(alpha: alpha, n: n, rho: rho, eta: eta, spike: spike, key: key)
        return (d.values[0], d.values.count > 1 ? d.values[1] : d.values[0], d.spikeOverlaps[0], d.p)
    }
}
