// The finite-size ansatz table of MODEL.md §7 step 3: the exponents (ω₁, ω₂) of the seed mean's
// approach to its N = ∞ value, by the theory's phase and the observable.
//
//   phase          observable                 ansatz
//   learning       every one                  q_N = q∞ + a N^(−1) + b N^(−3/2)
//   overlearning   Q, rate_test, dist_test    q_N = q∞ + a N^(−2/3) + b N^(−1)     (Tracy–Widom shift of ℓ̂₁)
//   overlearning   m                          q_N = q∞ + a N^(−1/2) + b N^(−5/6)   (N θ̂² → c = O(1))
//   overlearning   ε_g                        not fitted: ε_g∞ = ρ − 2√ρ m∞ + Q∞ (composed)
//   collapsed      every one                  not extrapolated: q̃ at the largest usable N
// The basis is {1, N^(−ω₁)} with 2–3 usable N and {1, N^(−ω₁), N^(−ω₂)} with ≥ 4. The raw values of
// `Ansatz` are the codes stored in the validation file (`ansatz_<q>`, CF flag_values/flag_meanings).
import Foundation
import VAETheory

/// Which finite-size model a (point, observable) was extrapolated with (MODEL.md §7 step 3).
public enum Ansatz: Int8, CaseIterable, Sendable {
    /// No estimate (excluded, no data, too few N).
    case none = -1
    /// Learning phase: exponents (1, 3/2).
    case learning = 0
    /// Overlearning, Q / rate_test / dist_test: exponents (2/3, 1).
    case overlearningEdge = 1
    /// Overlearning, m: exponents (1/2, 5/6).
    case overlearningOverlap = 2
    /// Overlearning, ε_g: composed from m∞ and Q∞ (each with its own ansatz).
    case composed = 3
    /// Collapsed: not extrapolated (q̃ at the largest usable N, se = s_N, ν = n − 1).
    case collapsedLargestN = 4
    /// A file with one N: no extrapolation possible (q̃ at that N against N = ∞, biased).
    case singleN = 5

    /// The CF flag meaning of this code.
    public var name: String {
        switch self {
        case .none: return "none"
        case .learning: return "learning_N^-1_N^-3/2"
        case .overlearningEdge: return "overlearning_N^-2/3_N^-1"
        case .overlearningOverlap: return "overlearning_N^-1/2_N^-5/6"
        case .composed: return "composed_eps_g_from_m_and_Q"
        case .collapsedLargestN: return "collapsed_largest_N"
        case .singleN: return "single_N_no_extrapolation"
        }
    }

    /// (ω₁, ω₂) of a fitted ansatz; nil for the others.
    public var exponents: (Double, Double)? {
        switch self {
        case .learning: return (1, 1.5)
        case .overlearningEdge: return (2.0 / 3.0, 1)
        case .overlearningOverlap: return (0.5, 5.0 / 6.0)
        default: return nil
        }
    }

    /// The ansatz of observable `q` in theory phase `phase` (MODEL.md §7 step 3).
    public static func of(quantity q: Quantity, phase: Phase) -> Ansatz {
        switch phase {
        case .learning: return .learning
        case .collapsed: return .collapsedLargestN
        case .overlearning:
            switch q {
            case .m: return .overlearningOverlap
            case .epsG: return .composed
            default: return .overlearningEdge
            }
        }
    }

    /// The basis exponents for `usable` values of N: [0, ω₁] with 2–3, [0, ω₁, ω₂] with ≥ 4.
    public func basis(usable: Int) -> [Double]? {
        guard let (w1, w2) = exponents else { return nil }
        return usable >= 4 ? [0, w1, w2] : [0, w1]
    }

    /// The misspecification guard's basis (MODEL.md §7 step 5): [0, ω₂].
    public var guardBasis: [Double]? {
        guard let (_, w2) = exponents else { return nil }
        return [0, w2]
    }

    /// Whether the misspecification guard applies: overlearning with ≤ 3 usable N.
    public func needsGuard(usable: Int) -> Bool {
        (self == .overlearningEdge || self == .overlearningOverlap || self == .composed) && usable <= 3
    }
}
