// Per-point caveat flags (MODEL.md §4, §5, §7), stored in results files as the uint8 bit fields
// `theory_flags` and `sim_flags` with CF `flag_masks` / `flag_meanings`. A flagged point is
// reported apart in validation, never counted as a disagreement.

/// Caveats attached to one grid point.
public struct PointFlags: OptionSet, Hashable, Sendable {
    /// The bits: 1 critical window, 2 first-order coexistence, 4 null space, 8 not converged.
    public let rawValue: UInt8
    /// Flags from their bits (unknown bits are kept).
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Inside the critical BBP window of MODEL.md §5: no sample-based phase label can match the
    /// N = ∞ phase, and convergence in N is slower than 1/√N.
    public static let criticalWindow = PointFlags(rawValue: 1)
    /// First-order coexistence (MODEL.md §4): a non-zero minimum and the stable collapsed point
    /// coexist, max(β_c, 0) < β < β_s.
    public static let firstOrderCoexistence = PointFlags(rawValue: 2)
    /// λ = 0 with α < 1 (MODEL.md §4): V's null-space part is free; test observables carry a caveat.
    public static let nullSpace = PointFlags(rawValue: 4)
    /// The training did not converge (simulation only).
    public static let notConverged = PointFlags(rawValue: 8)

    /// Every flag with its CF name, in bit order (`flag_masks` / `flag_meanings`).
    public static let all: [(flag: PointFlags, name: String)] = [
        (.criticalWindow, "critical_bbp_window"),
        (.firstOrderCoexistence, "first_order_coexistence"),
        (.nullSpace, "lambda0_null_space"),
        (.notConverged, "not_converged"),
    ]
}

extension PointFlags {
    /// Flags of an N = ∞ theory point (no critical window at N = ∞):
    /// * firstOrderCoexistence — a non-zero minimum coexists with the stable collapsed point, i.e.
    ///   max(β_c, 0) < β < β_s in the first-order region (MODEL.md §4); read from the exact
    ///   stationary points (`metastable`: two local minima), which is that interval
    ///   (`Transition.coexistence`; the tests check the two agree);
    /// * nullSpace — λ = 0 with α < 1.
    public static func theory(_ result: TheoryResult) -> PointFlags {
        var f: PointFlags = []
        if result.metastable { f.insert(.firstOrderCoexistence) }
        if result.input.lambda == 0 && result.input.alpha < 1 { f.insert(.nullSpace) }
        return f
    }

    /// The same from the parameters (solves the theory point).
    public static func theory(alpha: Double, beta: Double, lambda: Double, rho: Double, eta: Double) -> PointFlags {
        let ell1 = Theory.spectrum(alpha: alpha, rho: rho, eta: eta).ell1
        var f: PointFlags = []
        if ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda).metastable {
            f.insert(.firstOrderCoexistence)
        }
        if lambda == 0 && alpha < 1 { f.insert(.nullSpace) }
        return f
    }

    /// Flags of one simulated point (one sample of size N, P = αN, trained at (β, λ)):
    /// * criticalWindow — the BBP window of MODEL.md §5 (`FiniteNPhase.isCritical`);
    /// * firstOrderCoexistence — the scalar problem with this SAMPLE's top eigenvalue `ell1` has two
    ///   local minima. The sample's ℓ₁ (not the population's) decides it because it is exact for
    ///   this landscape: every local minimum of the finite-N loss is collapsed or lies along v₁
    ///   with the scalars of MODEL.md §4 at the empirical ℓ₁, so this says whether gradient
    ///   training from a random start may legitimately stop in the non-global minimum. (The N = ∞
    ///   statement is the theory flag of the same (α, β, λ).)
    /// * nullSpace — λ = 0 with P < N (C singular);
    /// * notConverged — the training did not reach its tolerance.
    /// `alpha` is the EFFECTIVE P/N (as for the phase label).
    public static func simulation(n: Int, alpha: Double, beta: Double, lambda: Double, rho: Double, eta: Double,
                                  ell1: Double, converged: Bool) -> PointFlags {
        var f: PointFlags = []
        if FiniteNPhase.isCritical(n: n, alpha: alpha, rho: rho, eta: eta) { f.insert(.criticalWindow) }
        if ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda).metastable {
            f.insert(.firstOrderCoexistence)
        }
        if lambda == 0 && alpha < 1 { f.insert(.nullSpace) }
        if !converged { f.insert(.notConverged) }
        return f
    }
}
