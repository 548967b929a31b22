// Validation of the N = ∞ theory by finite-N simulations: the recipe of MODEL.md §7 (steps 1–7),
// point by point and observable by observable. Recipe version 2 (`Validation.recipeVersion`).
//
// Per grid point (α, β, λ) and observable q:
// 1. Per-N statistics over the usable replicates (status ok, finite): q̄_N and s_N² = var(ddof 1)/n_N
//    (floored at 1e-12), compared at the sample's own α: q̃_N = q̄_N − [q_th(P/N) − q_th(α)],
//    P = round(αN), both theory values from the engine (`Theory.solve`).
// 2. Usable N: n_N ≥ 2 and not in a window at that N (evaluated at P/N):
//    - the critical BBP window of MODEL.md §5 (`sim_flags` when the file has them, else the formula);
//    - for the θ-dependent observables (m, ε_g, rate_test, dist_test) that window widened by
//      `RecipeOptions.bbpWideningBelow` / `…Above` (chosen by calibration; the report says which);
//    - the collapse-boundary window |β − β_b(P/N)| < 3 |dβ_b/dℓ₁| σ_N (β_b the phase boundary along
//      β, dβ_b/dℓ₁ from the theory, σ_N the spread of ℓ̂₁: `Theory.topEigenvalueSpread`).
//    Fewer than 2 usable N: reported apart, as `excluded_critical_window` when every dropped N was
//    in the §5 window, else `excluded_window`; never a disagreement.
// 3. Ansatz by the theory's phase (Ansatz.swift); collapsed points are not extrapolated.
// 4. Least squares with a-priori weights n_N·N (FiniteSizeFit); var(q∞) = Σ c_N² s_N² and Welch ν
//    (FiniteSizeEstimate); χ²/dof reported, never used to inflate se.
// 5. Overlearning with ≤ 3 usable N: refit on {1, N^(−ω₂)}, add (q∞ − q∞′)² to var(q∞).
// 6. z = (q∞ − q_th)/se, p = 2 P(t_ν > |z|) (StudentT): agree p > 0.0455, marginal p > 0.0027, else
//    disagree. Undecided (unless disagree) where se exceeds the distance to the nearest other
//    phase's prediction. Apart: first-order coexistence (§4), λ = 0 with α < 1 for the test rate
//    and distortion (V's null-space part, §4), the windows of step 2.
// 7. Counts by observable, phase and α group (ValidationReport.swift).
// A file with ONE N cannot be extrapolated: q̃_N against the N = ∞ theory with ν = n − 1, marked
// biased in the overlearning phase (a finite-N offset is expected there, MODEL.md §5).
import Foundation
import ResultsFile
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

/// The validation of a whole results file (MODEL.md §7).
public struct Validation: Sendable {
    /// The version of the recipe (stored as `recipe_version` in validation files): 1 the N^(−1/2)
    /// recipe with 1/s² weights and χ² inflation; 2 MODEL.md §7 as rewritten (this file).
    public static let recipeVersion = 2
    /// The observables validated, in report order (the only list of validated names).
    public static let quantities: [Quantity] = [.epsG, .m, .Q, .rateTest, .distTest]
    /// Observables affected by the λ = 0, α < 1 null-space caveat (functions of V: E, d).
    public static let nullSpaceQuantities: Set<Quantity> = [.rateTest, .distTest]
    /// Observables that depend on the sample overlap θ̂ (the BBP window is widened for them).
    public static let thetaDependent: Set<Quantity> = [.m, .epsG, .rateTest, .distTest]

    /// The results file, its model parameters and grid.
    public var path: String
    /// The study's ρ and η.
    public var rho: Double, eta: Double
    /// The file's α, β and λ coordinates.
    public var alpha: [Double], beta: [Double], lam: [Double]
    /// System sizes of the file (ascending).
    public var nValues: [Int]
    /// Whether the file holds one N only (no extrapolation possible).
    public var singleN: Bool
    /// Whether the file holds simulations at all.
    public var hasSimulation: Bool
    /// Flags came from the file (`theory_flags`/`sim_flags`) rather than being recomputed.
    public var flagsFromFile: Bool
    /// The recipe's constants.
    public var options: RecipeOptions
    /// Every (point, observable), points in (α, β, λ) row-major order, observables in `quantities` order.
    public var points: [PointValidation]
    /// The calibration of this design, when one was run or read (`Calibration`).
    public var calibration: CalibrationResult?

    /// Validate every grid point of `d`.
    public static func compute(_ d: ResultsData, options: RecipeOptions = .standard) -> Validation {
        let nOrder = d.N.indices.sorted { d.N[$0] < d.N[$1] }
        let single = d.hasSimulation && d.N.count == 1
        var out: [PointValidation] = []
        out.reserveCapacity(d.theoryCount * quantities.count)
        for a in d.alpha.indices { for b in d.beta.indices { for l in d.lam.indices {
            let input = readPoint(d, a, b, l, nOrder: nOrder)
            let ctx = PointContext(input, rho: d.rho, eta: d.eta, options: options)
            for q in quantities {
                out.append(validate(q, input, ctx, a: a, b: b, l: l, singleN: single, rho: d.rho))
            }
        } } }
        return Validation(path: d.path, rho: d.rho, eta: d.eta, alpha: d.alpha, beta: d.beta, lam: d.lam,
                          nValues: nOrder.map { d.N[$0] }, singleN: single, hasSimulation: d.hasSimulation,
                          flagsFromFile: flagsFromFile(d), options: options, points: out, calibration: nil)
    }

    /// The recipe at one point given directly (the same code `compute` runs per grid point): one
    /// `PointValidation` per observable of `quantities`, with grid indices 0. `singleN`: the file
    /// holds one N (no extrapolation).
    public static func point(_ input: PointInput, rho: Double, eta: Double, options: RecipeOptions = .standard,
                             singleN: Bool = false) -> [PointValidation] {
        let ctx = PointContext(input, rho: rho, eta: eta, options: options)
        return quantities.map { validate($0, input, ctx, a: 0, b: 0, l: 0, singleN: singleN, rho: rho) }
    }

    /// What the recipe derives once per grid point: theory at each N's own P/N, the phase, the
    /// other phases' predictions and the windows of step 2.
    struct PointContext {
        /// The engine's observables at α (by name; empty when the engine cannot solve the point).
        var engine: [Quantity: Double] = [:]
        /// The additive correction q_th(α) − q_th(P/N) per N (ascending, as the input's sizes) and observable.
        var shift: [[Quantity: Double]] = []
        /// The theory phase (file, else engine).
        var phase: Phase?
        /// Other phases' predictions per observable.
        var alternatives: [Quantity: [Double]] = [:]
        /// Per N: §5 critical, widened BBP window (outside §5's), collapse-boundary window.
        var critical: [Bool] = [], widened: [Bool] = [], collapse: [Bool] = []
        /// The BBP widening in use.
        var widening: RecipeOptions

        init(_ input: PointInput, rho: Double, eta: Double, options: RecipeOptions) {
            widening = options
            func solve(_ alpha: Double) -> [Quantity: Double]? {
                guard let i = try? TheoryInput(alpha: alpha, beta: input.beta, lambda: input.lambda, rho: rho, eta: eta) else { return nil }
                let o = Theory.solve(i).observables
                return Dictionary(uniqueKeysWithValues: Quantity.allCases.map { ($0, o[$0]) })
            }
            let base = solve(input.alpha)
            engine = base ?? [:]
            phase = input.phase
            if phase == nil, let i = try? TheoryInput(alpha: input.alpha, beta: input.beta, lambda: input.lambda, rho: rho, eta: eta) {
                phase = Theory.solve(i).observables.phase
            }
            alternatives = Validation.alternativePredictions(alpha: input.alpha, beta: input.beta, lambda: input.lambda,
                                                             rho: rho, eta: eta, phase: phase)
            for s in input.sizes {
                let p = DataSetSize.sampleCount(alpha: input.alpha, n: s.n)
                let alphaEff = Double(p) / Double(s.n)
                var sh: [Quantity: Double] = [:]
                if let base, let at = (alphaEff == input.alpha ? base : solve(alphaEff)) {
                    // the additive correction q_th(α) − q_th(P/N) of every replicate (step 1)
                    for q in Validation.quantities { sh[q] = (base[q] ?? .nan) - (at[q] ?? .nan) }
                }
                shift.append(sh)
                let crit = s.criticalFromFile ?? FiniteNPhase.isCritical(n: s.n, alpha: alphaEff, rho: rho, eta: eta)
                critical.append(crit)
                widened.append(!crit && Validation.inWidenedBBPWindow(n: s.n, alpha: alphaEff, rho: rho, eta: eta,
                                                                      below: options.bbpWideningBelow, above: options.bbpWideningAbove))
                collapse.append(Validation.inCollapseBoundaryWindow(n: s.n, p: p, beta: input.beta, lambda: input.lambda,
                                                                    rho: rho, eta: eta, sigmas: options.collapseSigmas))
            }
        }
    }

    /// MODEL.md §5's BBP window widened about x = 1 by `below` on its lower and `above` on its upper
    /// edge (1, 1: §5's).
    public static func inWidenedBBPWindow(n: Int, alpha: Double, rho: Double, eta: Double, below: Double, above: Double) -> Bool {
        let x = FiniteNPhase.bbpRatio(alpha: alpha, rho: rho, eta: eta)
        let w = FiniteNPhase.criticalWindow(n: n, rho: rho, eta: eta)
        return x > 1 - below * (1 - w.lower) && x < 1 + above * (w.upper - 1)
    }

    /// MODEL.md §7 step 2's collapse-boundary window at (N, P): |β − β_b(P/N)| < k |dβ_b/dℓ₁| σ_N,
    /// with β_b the phase boundary along β at the N = ∞ ℓ₁ of α = P/N.
    public static func inCollapseBoundaryWindow(n: Int, p: Int, beta: Double, lambda: Double, rho: Double, eta: Double,
                                                sigmas: Double) -> Bool {
        let alpha = Double(p) / Double(n)
        let ell1 = Theory.spectrum(alpha: alpha, rho: rho, eta: eta).ell1
        let t = Theory.transition(ell1: ell1, alpha: alpha, lambda: lambda)
        guard t.kind != .none, t.boundary > 0 else { return false }
        let slope = Theory.boundarySlope(ell1: ell1, alpha: alpha, lambda: lambda)
        let sigma = Theory.topEigenvalueSpread(n: n, p: p, rho: rho, eta: eta)
        return abs(beta - t.boundary) < sigmas * abs(slope) * sigma
    }

    /// The validation of observable `q` at one point.
    static func validate(_ q: Quantity, _ input: PointInput, _ ctx: PointContext, a: Int, b: Int, l: Int,
                         singleN: Bool, rho: Double) -> PointValidation {
        let t = input.theory[q] ?? .nan
        let composedKeys: [Quantity] = [.m, .Q]
        // per-N samples of q (and of m, Q for a composed ε_g), with the shifts of step 1
        var samples: [ReplicateSample] = []
        var sizes: [SizeStats] = []
        var anySim = false
        for (k, s) in input.sizes.enumerated() {
            var vals: [Quantity: [Double]] = [:]
            for key in [q] + composedKeys { if let v = s.values[key] { vals[key] = v } }
            let sample = ReplicateSample(n: s.n, values: vals, shift: ctx.shift.indices.contains(k) ? ctx.shift[k] : [:])
            let st = sample.stats(q)
            if st.count > 0 { anySim = true }
            var ex: SizeExclusion = []
            if st.count < 2 { ex.insert(.fewReplicates) }
            if ctx.critical[k] { ex.insert(.criticalWindow) }
            if ctx.widened[k] && thetaDependent.contains(q) { ex.insert(.widenedBBPWindow) }
            if ctx.collapse[k] { ex.insert(.collapseBoundary) }
            samples.append(sample)
            sizes.append(SizeStats(n: s.n, seeds: st.count, mean: st.mean, shift: -(sample.shift[q] ?? 0),
                                   se: st.s2.squareRoot(), exclusion: ex))
        }
        var p = PointValidation(quantity: q, a: a, b: b, l: l, alpha: input.alpha, beta: input.beta, lambda: input.lambda,
                                theory: t, phase: ctx.phase, sizes: sizes, ansatz: .none, fit: nil, components: [:],
                                estimate: nil, guardQInf: .nan, chi2: .nan, dof: 0, z: .nan, p: .nan,
                                verdict: .noData, biased: false, reason: "")
        guard anySim else { p.reason = "no simulated replicates"; return p }
        guard t.isFinite else { p.verdict = .undecided; p.reason = "no theory value"; return p }
        if input.flags.contains(.firstOrderCoexistence) {
            p.verdict = .excludedFirstOrder; p.reason = "first-order coexistence (MODEL §4)"; return p
        }
        if input.flags.contains(.nullSpace) && nullSpaceQuantities.contains(q) {
            p.verdict = .excludedNullSpace; p.reason = "λ = 0, α < 1: V's null-space part is free (MODEL §4)"; return p
        }
        let eligible = sizes.indices.filter { !sizes[$0].exclusion.contains(.fewReplicates) }
        let usable = sizes.indices.filter { sizes[$0].usable }
        let dropped = eligible.filter { !sizes[$0].usable }
        func describeDropped() -> String {
            var parts: [String] = []
            for (bit, words) in [(SizeExclusion.criticalWindow, "critical BBP window"),
                                 (.widenedBBPWindow, "BBP window widened (\(ctx.widening.wideningDescription))"),
                                 (.collapseBoundary, "collapse-boundary window")] {
                let ns = dropped.filter { sizes[$0].exclusion.contains(bit) }.map { String(sizes[$0].n) }
                if !ns.isEmpty { parts.append("N = " + ns.joined(separator: ", ") + " in the " + words) }
            }
            return parts.joined(separator: "; ")
        }
        guard let phase = ctx.phase else { p.verdict = .undecided; p.reason = "no theory phase"; return p }

        if singleN {
            guard let k = eligible.last else { p.verdict = .undecided; p.reason = "fewer than 2 replicates"; return p }
            if !sizes[k].usable {
                p.verdict = sizes[k].exclusion.subtracting(.criticalWindow).isEmpty ? .excludedCritical : .excludedWindow
                p.reason = describeDropped() + " (one N: nothing else to compare)"
                return p
            }
            guard let e = FiniteSizeEstimate.linear(constant: 0, samples: [samples[k]], weights: [[q: 1]]) else {
                p.verdict = .undecided; p.reason = "fewer than 2 replicates"; return p
            }
            p.ansatz = .singleN
            p.estimate = e
            p.biased = phase == .overlearning
            p.reason = "one N: no extrapolation, q̃ at N = \(sizes[k].n) against N = ∞" + (p.biased ? "; biased (overlearning, MODEL §5)" : "")
            finish(&p, ctx: ctx)
            return p
        }
        if eligible.count < 2 {
            p.verdict = .undecided; p.reason = "fewer than 2 values of N with ≥ 2 replicates"; return p
        }
        if usable.count < 2 {
            let onlyCritical = dropped.allSatisfy { sizes[$0].exclusion.subtracting(.criticalWindow).isEmpty }
            p.verdict = onlyCritical ? .excludedCritical : .excludedWindow
            p.reason = "fewer than 2 usable N: " + describeDropped() + " (MODEL §7 step 2)"
            return p
        }
        if !dropped.isEmpty { p.reason = describeDropped() + ": dropped" }
        let use = usable.map { samples[$0] }
        let ansatz = Ansatz.of(quantity: q, phase: phase)
        p.ansatz = ansatz
        switch ansatz {
        case .collapsedLargestN:
            p.estimate = FiniteSizeEstimate.linear(constant: 0, samples: [use.last!], weights: [[q: 1]])
            p.reason += (p.reason.isEmpty ? "" : "; ") + "collapsed: not extrapolated, q̃ at N = \(use.last!.n)"
        case .composed:
            let mA = Ansatz.overlearningOverlap, qA = Ansatz.overlearningEdge
            guard let (fm, _) = FiniteSizeEstimate.fitted(.m, samples: use, exponents: mA.basis(usable: use.count)!),
                  let (fq, _) = FiniteSizeEstimate.fitted(.Q, samples: use, exponents: qA.basis(usable: use.count)!) else {
                p.verdict = .undecided; p.reason += (p.reason.isEmpty ? "" : "; ") + "m or Q cannot be fitted"; return p
            }
            let sr = rho.squareRoot()
            let w = zip(fm.interceptRow, fq.interceptRow).map { [Quantity.m: -2 * sr * $0, .Q: $1] }
            guard var e = FiniteSizeEstimate.linear(constant: rho, samples: use, weights: w) else {
                p.verdict = .undecided; p.reason += (p.reason.isEmpty ? "" : "; ") + "fewer than 2 replicates with both m and Q"; return p
            }
            p.components = [.m: fm, .Q: fq]
            let vm = use.map { $0.stats(.m) }, vq = use.map { $0.stats(.Q) }
            p.chi2 = fm.chi2(values: vm.map(\.mean), variances: vm.map(\.s2)) + fq.chi2(values: vq.map(\.mean), variances: vq.map(\.s2))
            p.dof = fm.dof + fq.dof
            if ansatz.needsGuard(usable: use.count),
               let (gm, _) = FiniteSizeEstimate.fitted(.m, samples: use, exponents: mA.guardBasis!),
               let (gq, _) = FiniteSizeEstimate.fitted(.Q, samples: use, exponents: qA.guardBasis!) {
                p.guardQInf = rho - 2 * sr * gm.qInf + gq.qInf
                e.guardVariance = (e.qInf - p.guardQInf) * (e.qInf - p.guardQInf)
            }
            p.estimate = e
        default:
            guard let basis = ansatz.basis(usable: use.count), let (f, e0) = FiniteSizeEstimate.fitted(q, samples: use, exponents: basis) else {
                p.verdict = .undecided; p.reason += (p.reason.isEmpty ? "" : "; ") + "singular fit"; return p
            }
            var e = e0
            p.fit = f
            let st = use.map { $0.stats(q) }
            p.chi2 = f.chi2(values: st.map(\.mean), variances: st.map(\.s2))
            p.dof = f.dof
            if ansatz.needsGuard(usable: use.count), let (g, _) = FiniteSizeEstimate.fitted(q, samples: use, exponents: ansatz.guardBasis!) {
                p.guardQInf = g.qInf
                e.guardVariance = (e.qInf - g.qInf) * (e.qInf - g.qInf)
            }
            p.estimate = e
        }
        finish(&p, ctx: ctx)
        return p
    }

    /// z, p and the verdict of a point with an estimate (step 6).
    static func finish(_ p: inout PointValidation, ctx: PointContext) {
        guard let e = p.estimate else { p.verdict = .undecided; return }
        p.z = (e.qInf - p.theory) / e.se
        p.p = StudentT.twoSidedP(p.z, nu: e.nu)
        p.verdict = decide(p: p.p, se: e.se, theory: p.theory, alternatives: ctx.alternatives[p.quantity] ?? [])
        if p.verdict == .undecided {
            p.reason += (p.reason.isEmpty ? "" : "; ") + "se(q∞) exceeds the distance to the nearest other phase's prediction"
        }
    }

    /// The verdict of a p-value, "undecided" (unless disagree) when se exceeds the distance to
    /// another phase's prediction.
    static func decide(p: Double, se: Double, theory: Double, alternatives: [Double]) -> Verdict {
        let v = Verdict.of(p: p)
        if v == .disagree || v == .undecided { return v }
        let dist = alternatives.map { abs($0 - theory) }.filter { $0 > 1e-12 * max(1, abs(theory)) }.min()
        if let dist, se > dist { return .undecided }
        return v
    }

    /// Other phases' predictions of each observable at the point: the collapsed point's values for a
    /// non-collapsed theory phase; every non-zero stationary point's for a collapsed one.
    static func alternativePredictions(alpha: Double, beta: Double, lambda: Double, rho: Double, eta: Double,
                                       phase: Phase?) -> [Quantity: [Double]] {
        guard let phase else { return [:] }
        let (ell1, theta2) = Theory.spectrum(alpha: alpha, rho: rho, eta: eta)
        var sols: [ScalarSolution] = []
        if phase == .collapsed {
            sols = ScalarEquations.stationaryPoints(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda).filter { !$0.isCollapsed }
        } else {
            sols = [ScalarSolution(a: 0, b: 0, D: 1, loss: 0)]
        }
        var out: [Quantity: [Double]] = [:]
        for s in sols {
            let o = Theory.observables(a: s.a, b: s.b, D: s.D, ell1: ell1, theta2: theta2, rho: rho, eta: eta)
            for q in quantities { out[q, default: []].append(o[q]) }
        }
        return out
    }

    // MARK: counts

    /// Count of verdicts for observable `q` (all when nil), optionally restricted to a theory phase
    /// and to one α.
    public func counts(quantity q: Quantity? = nil, phase: Phase? = nil, alpha: Double? = nil) -> [Verdict: Int] {
        var c: [Verdict: Int] = [:]
        for p in points where (q == nil || p.quantity == q) && (phase == nil || p.phase == phase) && (alpha == nil || p.alpha == alpha) {
            c[p.verdict, default: 0] += 1
        }
        return c
    }

    /// Fraction of the decided points (agree + marginal + disagree) that agree.
    public func agreeFraction(quantity q: Quantity? = nil, phase: Phase? = nil) -> Double {
        let c = counts(quantity: q, phase: phase)
        let decided = (c[.agree] ?? 0) + (c[.marginal] ?? 0) + (c[.disagree] ?? 0)
        return decided > 0 ? Double(c[.agree] ?? 0) / Double(decided) : .nan
    }

    /// The α values (file order) with at least one disagreeing (point, observable): the α groups of
    /// MODEL.md §7 step 7 (all (β, λ) at one α share their data sets).
    public var disagreeingAlphaGroups: [Double] {
        alpha.filter { a in points.contains { $0.alpha == a && $0.verdict == .disagree } }
    }

    /// The `k` non-excluded points with the largest |z|, largest first.
    public func worst(_ k: Int, quantity q: Quantity? = nil) -> [PointValidation] {
        Array(points.filter { (q == nil || $0.quantity == q) && $0.z.isFinite && !$0.verdict.isExcluded }
            .sorted { abs($0.z) > abs($1.z) }.prefix(k))
    }
}

/// P = round(α N), as the data sets use it (DataSet.sampleCount; repeated here so that the analysis
/// needs no simulation module for it).
enum DataSetSize {
    static func sampleCount(alpha: Double, n: Int) -> Int { max(1, Int((alpha * Double(n)).rounded())) }
}
