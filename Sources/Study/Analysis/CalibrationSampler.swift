// Draws from the exact finite-N law of one data set (MODEL.md §8) for the calibration of the
// validation recipe (MODEL.md §7 step 8), and the exact minimiser's observables for a draw.
//
// A converged minimiser depends on its data only through (ℓ̂₁, v̂₁·w*, P) (MODEL.md §4, §7), so a
// sampler returns exactly that (and tr C/N). `ExactLaw.exactPoint` turns a draw into the
// observables, finite-N phase, flags and status of one (β, λ) EXACTLY as the sweep's `exact` solver
// computes them: the draw becomes a top-of-spectrum `SampleSpectrum` (like `DataSet.buildTop`'s) and
// goes through `Trainer.train(…, solver: .exact)` and `SampleSpectrum.flags` — no formula re-derived.
//
// Plugging in another sampler (the bidiagonal model of MODEL.md §8, O(N) per draw) is the ONE line
// in `ExactLaw.standardSampler`.
import Foundation
import VAESimulation
import VAETheory

/// A source of independent draws of (ℓ̂₁, v̂₁·w*, tr C/N, P) for data sets (α, N, replicate) of one
/// study (ρ, η and the stream root are properties of the sampler).
public protocol ExactLawSampler: Sendable {
    /// One draw for the data set (α, N, replicate): the top eigenvalue ℓ̂₁ of C, the signed overlap
    /// v̂₁·w* of its eigenvector with the spike, tr C/N, and P = round(αN).
    func sample(alpha: Double, n: Int, replicate: Int) throws -> (ell1: Double, overlap: Double, traceOverN: Double, p: Int)
    /// One line saying what the sampler is (printed with the calibration).
    var description: String { get }
}

/// The exact law by explicit data: `DataSet.buildTop` (the sweep's exact path) on the samples of
/// root seed `rootSeed`. Cost O(P N) memory and O(P N · iterations) time per draw.
public struct ExplicitDataSampler: ExactLawSampler {
    /// Signal and noise strengths, the spike shape (irrelevant to the law) and the stream root.
    public var rho: Double, eta: Double, spike: Spike, rootSeed: UInt64
    /// A sampler of the given study and root seed.
    public init(rho: Double, eta: Double, spike: Spike = .ones, rootSeed: UInt64) {
        self.rho = rho; self.eta = eta; self.spike = spike; self.rootSeed = rootSeed
    }
    public func sample(alpha: Double, n: Int, replicate: Int) throws -> (ell1: Double, overlap: Double, traceOverN: Double, p: Int) {
        let d = try DataSet.buildTop(alpha: alpha, n: n, rho: rho, eta: eta, spike: spike,
                                     key: DataKey(rootSeed: rootSeed, replicate: replicate))
        return (d.ell1, d.spikeOverlaps[0], d.traceOverN, d.p)
    }
    public var description: String { "explicit data (DataSet.buildTop, the exact solver's data path)" }
}

/// The exact finite-N law as the calibration uses it.
public enum ExactLaw {
    /// The sampler of the calibration for study (ρ, η, spike) under root seed `rootSeed`.
    /// THE place to plug in the bidiagonal sampler of MODEL.md §8 (same protocol).
    public static func standardSampler(rho: Double, eta: Double, spike: Spike, rootSeed: UInt64) -> any ExactLawSampler {
        ExplicitDataSampler(rho: rho, eta: eta, spike: spike, rootSeed: rootSeed)
    }

    /// The outcome of the exact minimiser at one (β, λ) on one draw, as a sweep records it.
    public struct Point: Sendable {
        /// The MODEL.md §3 observables (finite-N phase included).
        public var observables: Observables
        /// The simulated point's flags (critical window, first-order at the sample's ℓ̂₁, null space).
        public var flags: PointFlags
        /// Status ok (converged, finite) — as `UnitComputer` decides it.
        public var ok: Bool
    }

    /// The spectrum of a draw in the form the exact solver takes (top pair only, like `buildTop`).
    public static func spectrum(_ draw: (ell1: Double, overlap: Double, traceOverN: Double, p: Int),
                                alpha: Double, n: Int, rho: Double, eta: Double) -> SampleSpectrum {
        var values = [Double](repeating: 0, count: n), omega = [Double](repeating: 0, count: n)
        values[0] = draw.ell1; omega[0] = draw.overlap
        return SampleSpectrum(n: n, p: draw.p, alpha: alpha, rho: rho, eta: eta, spike: .ones, key: DataKey(),
                              values: values, vectors: [], spikeOverlaps: omega, spikeVector: [], covariance: nil,
                              traceOverN: draw.traceOverN, secondsCovariance: 0, secondsEigen: 0, eigenpairCount: 1)
    }

    /// The exact minimiser's result at every (β, λ) of `pairs` on one spectrum (nil: training threw).
    public static func exactPoints(_ data: SampleSpectrum, pairs: [(beta: Double, lambda: Double)]) -> [Point?] {
        let options = TrainingOptions(solver: .exact)
        return pairs.map { pair in
            guard let r = try? Trainer.train(data, beta: pair.beta, lambda: pair.lambda, options: options) else { return nil }
            let ok = r.converged && r.finiteLoss && r.observables.values.allSatisfy { $0.isFinite }
            return Point(observables: r.observables, flags: data.flags(r), ok: ok)
        }
    }
}
