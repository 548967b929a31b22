// Phase and Observables of the linear β-VAE (MODEL.md §3).

/// The phase of a (theory or exact) minimiser. Theory rule: collapsed if Q == 0 (a == 0),
/// else learning if m > 0 (θ² > 0), else overlearning. Finite-N rule: `FiniteNPhase` (MODEL.md §5).
public enum Phase: Int8, Sendable, CaseIterable {
    case collapsed = 0, overlearning = 1, learning = 2

    /// "collapsed", "overlearning", "learning"
    public var name: String {
        switch self {
        case .collapsed: return "collapsed"
        case .overlearning: return "overlearning"
        case .learning: return "learning"
        }
    }

    /// Inverse of `name` (nil for an unknown string).
    public init?(name: String) {
        guard let p = Phase.allCases.first(where: { $0.name == name }) else { return nil }
        self = p
    }
}

/// Order parameters and derived observables of MODEL.md §3 (representative with m ≥ 0).
public struct Observables: Sendable, Equatable {
    /// m = W·W*/N, d = V·W*/N, Q = |W|²/N, E = |V|²/N, R = W·V/N, D = encoder variance.
    public var m, d, Q, E, R, D: Double
    /// ε_g = ρ − 2√ρ m + Q.
    public var epsG: Double
    /// Rate (nats/sample) ½ (s + D − log D − 1), train (s = VᵀCV/N) and test (s = ηE + ρd²).
    public var rateTrain, rateTest: Double
    /// Distortion (MODEL.md §3), the mean reconstruction error in excess of what no rank-one
    /// reconstruction can remove: train in excess of tr C − ℓ₁, ℓ₁ − 2WᵀCV/N + Q(VᵀCV/N + D) ≥ 0
    /// (ℓ₁(1 − ab)² + a²D at the minimiser); test in excess of (N−1)η, i.e. on the one-dimensional
    /// source w*·x: ρ + η − 2(ηR + ρmd) + Q(ηE + ρd² + D).
    public var distTrain, distTest: Double
    /// The phase: the N = ∞ rule of `Phase` for theory points, the finite-N rule (`FiniteNPhase`) for simulated ones.
    public var phase: Phase

    /// Observables from their values (no consistency check).
    public init(m: Double, d: Double, Q: Double, E: Double, R: Double, D: Double,
                epsG: Double, rateTrain: Double, rateTest: Double,
                distTrain: Double, distTest: Double, phase: Phase) {
        self.m = m; self.d = d; self.Q = Q; self.E = E; self.R = R; self.D = D
        self.epsG = epsG; self.rateTrain = rateTrain; self.rateTest = rateTest
        self.distTrain = distTrain; self.distTest = distTest; self.phase = phase
    }

    /// The numeric observables in `Quantity.allCases` order.
    public var values: [Double] { Quantity.allCases.map { self[$0] } }
}
