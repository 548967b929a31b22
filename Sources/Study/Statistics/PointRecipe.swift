// One grid point through the recipe of MODEL.md §7 (see Validation.swift's header for the steps):
// what is derived once per point (theory at each N's own P/N, the phase, the windows of step 2,
// the other phases' predictions) and the validation of one observable.
import Foundation
import ResultsFile
import VAESimulation
import VAETheory

extension Validation {
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
                let p = DataSet.sampleCount(alpha: input.alpha, n: s.n)
                let alphaEff = Double(p) / Double(s.n)
                var sh: [Quantity: Double] = [:]
                if let base, let at = (alphaEff == input.alpha ? base : solve(alphaEff)) {
                    // the additive correction q_th(α) − q_th(P/N) of every replicate (step 1)
                    for q in Validation.quantities { sh[q] = (base[q] ?? .nan) - (at[q] ?? .nan) }
                }
                shift.append(sh)
                let w = Validation.windows(n: s.n, alpha: input.alpha, beta: input.beta, lambda: input.lambda,
                                           rho: rho, eta: eta, options: options, criticalFromFile: s.criticalFromFile)
                critical.append(w.critical)
                widened.append(w.widened)
                collapse.append(w.collapse)
            }
        }
    }

    /// The windows of step 2 at system size `n` for the point (α, β, λ), evaluated at the sample's
    /// own P/N: §5's critical BBP window (the file's flag when given), the widened BBP window of
    /// the θ-dependent observables (outside §5's), the collapse-boundary window. Theory only: the
    /// same for any data (what `vaesweep refine` uses to pick an N that leaves a window).
    public static func windows(n: Int, alpha: Double, beta: Double, lambda: Double, rho: Double, eta: Double,
                               options: RecipeOptions, criticalFromFile: Bool? = nil) -> (critical: Bool, widened: Bool, collapse: Bool) {
        let p = DataSet.sampleCount(alpha: alpha, n: n)
        let alphaEff = Double(p) / Double(n)
        let crit = criticalFromFile ?? FiniteNPhase.isCritical(n: n, alpha: alphaEff, rho: rho, eta: eta)
        let widened = !crit && inWidenedBBPWindow(n: n, alpha: alphaEff, rho: rho, eta: eta,
                                                  below: options.bbpWideningBelow, above: options.bbpWideningAbove)
        let collapse = inCollapseBoundaryWindow(n: n, p: p, beta: beta, lambda: lambda, rho: rho, eta: eta, sigmas: options.collapseSigmas)
        return (crit, widened, collapse)
    }

    /// The exclusion of observable `q` at size `n` from the windows alone (`windows`; no replicate count).
    public static func windowExclusion(_ q: Quantity, n: Int, alpha: Double, beta: Double, lambda: Double, rho: Double, eta: Double,
                                       options: RecipeOptions = .standard) -> SizeExclusion {
        let w = windows(n: n, alpha: alpha, beta: beta, lambda: lambda, rho: rho, eta: eta, options: options)
        var ex: SizeExclusion = []
        if w.critical { ex.insert(.criticalWindow) }
        if w.widened && thetaDependent.contains(q) { ex.insert(.widenedBBPWindow) }
        if w.collapse { ex.insert(.collapseBoundary) }
        return ex
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
                                verdict: .noData, biased: false, reason: "",
                                alternativeDistance: alternativeDistance(theory: t, alternatives: ctx.alternatives[q] ?? []))
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
        p.alternativeDistance = alternativeDistance(theory: p.theory, alternatives: ctx.alternatives[p.quantity] ?? [])
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
        if se > alternativeDistance(theory: theory, alternatives: alternatives) { return .undecided }
        return v
    }

    /// The distance from the theory value to the nearest other phase's prediction (+∞ when there
    /// is none): se above it leaves the point undecided. Theory only.
    static func alternativeDistance(theory: Double, alternatives: [Double]) -> Double {
        alternatives.map { abs($0 - theory) }.filter { $0 > 1e-12 * max(1, abs(theory)) }.min() ?? .infinity
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
}
