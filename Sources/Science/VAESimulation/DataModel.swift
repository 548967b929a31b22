// The two data models (MODEL.md §1, §8) and what every kind of data set offers the trainer.
//
// Kinds of data set (each a `TrainingData`; `Trainer.train` accepts any of them):
//   SampleSpectrum     explicit data, the full eigendecomposition of C (gd, adam, exact; Replay)
//   TopPairSpectrum    the top pair of C only (exact): explicit data (block Lanczos / dsyevr on X)
//                      or the bidiagonal model (the top pair of T)
//   TridiagonalSample  the bidiagonal model with T kept (gd in T's coordinates, exact)
import Foundation
import VAETheory

/// How a data set is drawn (a result-determining setting, MODEL.md §6).
public enum DataModel: String, CaseIterable, Sendable {
    /// The P × N Gaussian sample matrix X of MODEL.md §1 (every solver).
    case explicit
    /// The exact finite-N law of MODEL.md §8: the bidiagonal B (2N independent χ variables) and
    /// T = BᵀB/P, O(N) time and memory (exact and gd; Adam needs explicit data).
    case bidiagonal

    /// Throws (kind `.unsupported`) for a solver this data model cannot serve: Adam under bidiagonal.
    public func check(solver: Solver) throws {
        if self == .bidiagonal && solver == .adam { throw DataModel.adamRefusal }
    }

    /// The one-line refusal of Adam under the bidiagonal model.
    static var adamRefusal: SimulationError {
        SimulationError("solver adam needs data model explicit: Adam is not rotation-equivariant (per-coordinate step sizes), so training in the bidiagonal model's rotated coordinates does not have the law of training on X", kind: .unsupported)
    }
}

/// One data set ready for training (see the file header for the kinds). Use `Trainer.train`.
public protocol TrainingData: Sendable {
    /// The dimension N.
    var n: Int { get }
    /// Number of samples P = round(α N).
    var p: Int { get }
    /// α as requested (grid value; the streams are keyed by it).
    var alpha: Double { get }
    /// The signal strength ρ.
    var rho: Double { get }
    /// The noise strength η.
    var eta: Double { get }
    /// The kind of spike W* (irrelevant to the law under bidiagonal, recorded as given).
    var spike: Spike { get }
    /// The key of the data set's random streams.
    var key: DataKey { get }
    /// How the data set was drawn.
    var dataModel: DataModel { get }
    /// ℓ₁, the top eigenvalue of C.
    var ell1: Double { get }
    /// θ = |v₁ · w*|.
    var theta: Double { get }
    /// tr C / N.
    var traceOverN: Double { get }
    /// (ℓ₁ − ℓ₂)/ℓ₁ (1 when there is no second eigenvalue).
    var relativeGap: Double { get }
    /// Train one (β, λ) pair with `options.solver` from its random start; throws `SimulationError`
    /// (kind `.unsupported`) for a solver this data set cannot serve. Called by `Trainer.train`,
    /// which checks the arguments and times the call: call that instead.
    func solve(beta: Double, lambda: Double, options: TrainingOptions) throws -> SimulationResult
}

extension TrainingData {
    /// P/N, the α the loss and the finite-N phase rule use (differs from `alpha` by the rounding of P).
    public var alphaEffective: Double { Double(p) / Double(n) }

    /// The MODEL.md §4/§5 caveat flags of a point trained on this sample at (β, λ)
    /// (``PointFlags/simulation(n:alpha:beta:lambda:rho:eta:ell1:converged:)`` with the effective
    /// α = P/N and this sample's ℓ₁).
    public func flags(beta: Double, lambda: Double, converged: Bool) -> PointFlags {
        PointFlags.simulation(n: n, alpha: alphaEffective, beta: beta, lambda: lambda, rho: rho, eta: eta,
                              ell1: ell1, converged: converged)
    }

    /// ``flags(beta:lambda:converged:)`` of a training result on this sample.
    public func flags(_ r: SimulationResult) -> PointFlags {
        flags(beta: r.beta, lambda: r.lambda, converged: r.converged)
    }
}

/// The observables of MODEL.md §3 from the sums every solver path computes (the arithmetic of the
/// explicit path, shared so that all paths give the same numbers from the same sums): m, d (before
/// the m ≥ 0 flip), Q, E, R, S = VᵀCV/N, D and the train distortion.
@inline(__always)
func assembleObservables(m m0: Double, d d0: Double, Q: Double, E: Double, R: Double, S: Double, D: Double,
                         distTrain: Double, n: Int, alpha: Double, rho: Double, eta: Double) -> Observables {
    var m = m0, d = d0
    if m < 0 { m = -m; d = -d }
    let epsG = rho - 2 * rho.squareRoot() * m + Q
    let sTest = eta * E + rho * d * d
    let kl = D - log(D) - 1
    let rateTrain = 0.5 * (S + kl), rateTest = 0.5 * (sTest + kl)
    let distTest = rho + eta - 2 * (eta * R + rho * m * d) + Q * (sTest + D)
    let phase = FiniteNPhase.classify(m: m, Q: Q, n: n, alpha: alpha, rho: rho, eta: eta)
    return Observables(m: m, d: d, Q: Q, E: E, R: R, D: D, epsG: epsG, rateTrain: rateTrain,
                       rateTest: rateTest, distTrain: distTrain, distTest: distTest, phase: phase)
}
