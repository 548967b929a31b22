// Draws from the exact finite-N law of one data set (MODEL.md §8) for the calibration of the
// validation recipe (MODEL.md §7 step 8), and the exact minimiser's observables for a draw.
//
// A converged minimiser depends on its data only through (ℓ̂₁, v̂₁·w*, P) (MODEL.md §4, §7), so a
// sampler returns the top of the spectrum (`TopPairSpectrum`, as the sweep's exact solver takes it).
// `ExactLaw.exactPoints` turns a draw into the observables, finite-N phase, flags and status of each
// (β, λ) EXACTLY as the sweep's `exact` solver computes them (`Trainer.train(…, solver: .exact)`
// and `flags`) — no formula re-derived. The standard sampler is the bidiagonal model (MODEL.md §8,
// O(N) per draw); the explicit-data sampler is kept for tests of the equality of the two.
import Foundation
import VAESimulation
import VAETheory

/// A source of independent draws of the top of C's spectrum (ℓ̂₁, ℓ̂₂, v̂₁·w*, tr C/N, P) for data
/// sets (α, N, replicate) of one study (ρ, η and the stream root are properties of the sampler).
public protocol ExactLawSampler: Sendable {
    /// One draw for the data set (α, N, replicate), as the `exact` solver takes it.
    func sample(alpha: Double, n: Int, replicate: Int) throws -> TopPairSpectrum
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
    public func sample(alpha: Double, n: Int, replicate: Int) throws -> TopPairSpectrum {
        try DataSet.buildTop(alpha: alpha, n: n, rho: rho, eta: eta, spike: spike,
                             key: DataKey(rootSeed: rootSeed, replicate: replicate))
    }
    public var description: String { "explicit data (DataSet.buildTop, the exact solver's data path)" }
}

/// The exact law without the data matrix (MODEL.md §8): the top pair of the bidiagonal model's T,
/// O(N) per draw (`DataSet.buildBidiagonalTop`, the sweep's bidiagonal exact path).
public struct BidiagonalSampler: ExactLawSampler {
    /// Signal and noise strengths and the stream root.
    public var rho: Double, eta: Double, rootSeed: UInt64
    /// A sampler of the given study and root seed.
    public init(rho: Double, eta: Double, rootSeed: UInt64) { self.rho = rho; self.eta = eta; self.rootSeed = rootSeed }
    public func sample(alpha: Double, n: Int, replicate: Int) throws -> TopPairSpectrum {
        try DataSet.buildBidiagonalTop(alpha: alpha, n: n, rho: rho, eta: eta, key: DataKey(rootSeed: rootSeed, replicate: replicate))
    }
    public var description: String { "the bidiagonal model (MODEL.md §8: the exact finite-N law, O(N) per draw)" }
}

/// The exact finite-N law as the calibration uses it.
public enum ExactLaw {
    /// The sampler of the calibration for study (ρ, η) under root seed `rootSeed`: the bidiagonal
    /// model (the exact law of any data model's exact minimiser, in O(N)).
    public static func standardSampler(rho: Double, eta: Double, spike: Spike, rootSeed: UInt64) -> any ExactLawSampler {
        BidiagonalSampler(rho: rho, eta: eta, rootSeed: rootSeed)
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

    /// The exact minimiser's result at every (β, λ) of `pairs` on one draw (nil: training threw).
    public static func exactPoints(_ data: TopPairSpectrum, pairs: [(beta: Double, lambda: Double)]) -> [Point?] {
        let options = TrainingOptions(solver: .exact)
        return pairs.map { pair in
            guard let r = try? Trainer.train(data, beta: pair.beta, lambda: pair.lambda, options: options) else { return nil }
            let ok = r.converged && r.finiteLoss && r.observables.values.allSatisfy { $0.isFinite }
            return Point(observables: r.observables, flags: data.flags(r), ok: ok)
        }
    }
}
