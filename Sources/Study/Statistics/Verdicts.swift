// The values the validation recipe produces (MODEL.md §7): the verdict codes, why an N is not
// usable, the recipe's constants, per-N statistics and the validation of one observable at one
// point. The recipe itself: Validation.swift (the whole file) and PointRecipe.swift (one point).
import Foundation
import ResultsFile
import VAESimulation
import VAETheory

/// The verdict of one (point, observable) (MODEL.md §7). Raw values are the codes stored in
/// `verdict_<q>` (CF `flag_values` / `flag_meanings`).
public enum Verdict: Int8, CaseIterable, Sendable {
    case noData = -1, agree = 0, marginal = 1, disagree = 2, undecided = 3
    case excludedCritical = 4, excludedFirstOrder = 5, excludedNullSpace = 6, excludedWindow = 7

    /// The CF flag meaning of this code.
    public var name: String {
        switch self {
        case .noData: return "no_data"
        case .agree: return "agree"
        case .marginal: return "marginal"
        case .disagree: return "disagree"
        case .undecided: return "undecided"
        case .excludedCritical: return "excluded_critical_window"
        case .excludedFirstOrder: return "excluded_first_order"
        case .excludedNullSpace: return "excluded_null_space"
        case .excludedWindow: return "excluded_window"
        }
    }

    /// Whether the point is reported apart (never counted as agreement or disagreement).
    public var isExcluded: Bool {
        self == .excludedCritical || self == .excludedFirstOrder || self == .excludedNullSpace || self == .excludedWindow
    }

    /// Whether the verdict is a decided one (agree, marginal, disagree).
    public var isDecided: Bool { self == .agree || self == .marginal || self == .disagree }

    /// p above which a point agrees: the two-sided normal tail at |z| = 2 (0.0455).
    public static let agreeP = erfc(2 / 2.0.squareRoot())
    /// p at or below which a point disagrees: the two-sided normal tail at |z| = 3 (0.0027).
    public static let disagreeP = erfc(3 / 2.0.squareRoot())

    /// The verdict of a two-sided p-value by MODEL.md §7 step 6.
    public static func of(p: Double) -> Verdict {
        guard !p.isNaN else { return .undecided }
        return p > agreeP ? .agree : (p > disagreeP ? .marginal : .disagree)
    }
}

/// Why an N is not usable for a (point, observable) (MODEL.md §7 step 2); empty = usable.
public struct SizeExclusion: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Fewer than 2 usable replicates.
    public static let fewReplicates = SizeExclusion(rawValue: 1)
    /// In the critical BBP window of MODEL.md §5 at this N.
    public static let criticalWindow = SizeExclusion(rawValue: 2)
    /// In the widened BBP window of the θ-dependent observables (outside §5's).
    public static let widenedBBPWindow = SizeExclusion(rawValue: 4)
    /// In the collapse-boundary window |β − β_b| < 3 |dβ_b/dℓ₁| σ_N.
    public static let collapseBoundary = SizeExclusion(rawValue: 8)

    /// Every bit with its CF name (`flag_masks` / `flag_meanings` of `size_status_<q>`).
    public static let all: [(SizeExclusion, String)] = [
        (.fewReplicates, "fewer_than_2_replicates"), (.criticalWindow, "critical_bbp_window"),
        (.widenedBBPWindow, "widened_bbp_window"), (.collapseBoundary, "collapse_boundary_window"),
    ]
}

/// The tunable constants of the recipe (MODEL.md §7 step 2).
public struct RecipeOptions: Sendable, Equatable {
    /// Factors by which the §5 BBP window is widened for the θ-dependent observables, per edge
    /// (in x = κ/√γ about 1): below BBP the window 1 − w < x becomes 1 − f w < x, above it
    /// x < 1 + u becomes x < 1 + f u. Chosen by calibration (README "Validating the theory",
    /// `validate --calibrate K --scan-widening`): below ×2 (at 40 replicates the §5 edge lets
    /// N(1 − x)³ down to 1 through, and α = 0.5, 0.6 then show 10 % marginal and 3 % disagreeing
    /// (point, observable) pairs for m and ε_g; ×2 asks N(1 − x)³ > 8); above ×1.2 (the §5 edge
    /// already asks N(x − 1)³ > 4.5(1 + κ)²; α = 2, 2.5 are calibrated there at N = 500 … 1000, and
    /// MODEL §7's α = 1.25, x = 1.118, stays apart up to N ≈ 1.9·10⁴, against 1.1·10⁴ unwidened).
    public var bbpWideningBelow: Double = 2
    /// See `bbpWideningBelow`.
    public var bbpWideningAbove: Double = 1.2
    /// Half-width of the collapse-boundary window in standard deviations of β_b(ℓ̂₁).
    public var collapseSigmas: Double = 3
    /// The recipe as MODEL.md §7 prescribes it, with the calibrated widening.
    public static let standard = RecipeOptions()
    /// Options with the given constants.
    public init(bbpWideningBelow: Double = 2, bbpWideningAbove: Double = 1.2, collapseSigmas: Double = 3) {
        self.bbpWideningBelow = bbpWideningBelow; self.bbpWideningAbove = bbpWideningAbove; self.collapseSigmas = collapseSigmas
    }
    /// "×B below, ×A above BBP".
    public var wideningDescription: String { "×\(formatNumber(bbpWideningBelow)) below, ×\(formatNumber(bbpWideningAbove)) above BBP" }
}

/// Statistics of one observable at one (point, N).
public struct SizeStats: Sendable, Equatable {
    /// System size N.
    public var n: Int
    /// Usable replicates (status ok, finite value).
    public var seeds: Int
    /// q̃_N: the replicate mean compared at the sample's own P/N (MODEL.md §7 step 1).
    public var mean: Double
    /// The correction q_th(P/N) − q_th(α) subtracted from the raw mean.
    public var shift: Double
    /// s_N = sd/√seeds (ddof 1), NOT floored (NaN with fewer than 2 seeds).
    public var se: Double
    /// Why this N is not usable (empty: usable).
    public var exclusion: SizeExclusion
    /// In the critical BBP window of MODEL.md §5 at this N.
    public var critical: Bool { exclusion.contains(.criticalWindow) }
    /// Usable for the fit.
    public var usable: Bool { exclusion.isEmpty }
}

/// The validation of one observable at one grid point.
public struct PointValidation: Sendable {
    /// The observable (`Validation.quantities`).
    public var quantity: Quantity
    /// Grid indices of the point.
    public var a: Int, b: Int, l: Int
    /// The point's α, β and λ values.
    public var alpha: Double, beta: Double, lambda: Double
    /// The N = ∞ theory value compared against (the file's).
    public var theory: Double
    /// The theory phase at the point (nil when not known).
    public var phase: Phase?
    /// Per-N statistics (every N of the file, ascending).
    public var sizes: [SizeStats]
    /// The finite-size model used.
    public var ansatz: Ansatz
    /// The fit of this observable (nil: not fitted — composed, collapsed, single N, apart, no data).
    public var fit: FiniteSizeFit?
    /// The component fits of a composed ε_g: "m" and "Q".
    public var components: [Quantity: FiniteSizeFit]
    /// The estimate q∞ with its variance and ν (nil when none).
    public var estimate: FiniteSizeEstimate?
    /// q∞′ of the misspecification guard's refit (NaN when the guard did not apply).
    public var guardQInf: Double
    /// χ² of the fit(s) against s_N² and its degrees of freedom (composed: summed over m and Q).
    public var chi2: Double, dof: Int
    /// z = (q∞ − theory)/se(q∞).
    public var z: Double
    /// p = 2 P(t_ν > |z|).
    public var p: Double
    /// The verdict (MODEL.md §7 step 6).
    public var verdict: Verdict
    /// Single-N comparison in the overlearning phase (expected finite-N bias, MODEL.md §5).
    public var biased: Bool
    /// Why the verdict is what it is, in words (empty for a plain test verdict).
    public var reason: String
    /// The distance from the theory value to the nearest other phase's prediction (+∞: none), a
    /// theory quantity: se(q∞) above it leaves the point undecided (step 6).
    public var alternativeDistance: Double = .infinity

    /// q∞ (NaN without an estimate).
    public var qInf: Double { estimate?.qInf ?? .nan }
    /// se(q∞) (NaN without an estimate).
    public var seInf: Double { estimate?.se ?? .nan }
    /// Welch–Satterthwaite ν (NaN without an estimate).
    public var nu: Double { estimate?.nu ?? .nan }
    /// χ²/dof (NaN when dof = 0 or no fit).
    public var chi2PerDof: Double { dof > 0 ? chi2 / Double(dof) : .nan }
    /// The N values used.
    public var usableN: [Int] { sizes.filter(\.usable).map(\.n) }
    /// Single-N file: z of each N (empty otherwise).
    public var perNZ: [Double] { ansatz == .singleN ? [z] : [] }
}
