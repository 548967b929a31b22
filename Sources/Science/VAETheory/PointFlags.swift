// Per-point caveat flags (MODEL.md §4, §5, §7), stored in results files as the uint8 bit fields
// `theory_flags` and `sim_flags` with CF `flag_masks` / `flag_meanings`. A flagged point is
// reported apart in validation, never counted as a disagreement.

/// Caveats attached to one grid point.
public struct PointFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
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
