// The human-readable report and the flat records (JSON lines) of a Validation: counts by
// observable, by theory phase and per α group (MODEL.md §7 step 7), the points reported apart with
// their reasons, and the calibrated expectation of a correct theory (MODEL.md §7 step 8) when the
// validation carries a calibration.
import Foundation
import VAETheory

extension Validation {
    /// Observables' display names.

    /// Verdict counts as "agree 12, marginal 1, …" (only non-zero counts, in code order).
    public static func countsLine(_ c: [Verdict: Int]) -> String {
        let parts = Verdict.allCases.compactMap { v -> String? in
            guard let k = c[v], k > 0 else { return nil }
            return "\(v.name) \(k)"
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// agree / marginal / disagree percentages of counts `c` ("—" without decided points).
    static func percentages(_ c: [Int]) -> String {
        let d = c.reduce(0, +)
        guard d > 0 else { return "—" }
        return String(format: "%.1f / %.1f / %.2f %%", 100 * Double(c[0]) / Double(d), 100 * Double(c[1]) / Double(d), 100 * Double(c[2]) / Double(d))
    }

    /// [agree, marginal, disagree] of this validation for a phase key of `CalibrationResult.phaseKeys`.
    func decidedCounts(_ key: String) -> [Int] {
        let c = counts(phase: key == "all" ? nil : Phase(name: key))
        return [c[.agree] ?? 0, c[.marginal] ?? 0, c[.disagree] ?? 0]
    }

    /// The one-line description of the recipe.
    var recipeLine: String {
        "finite-size extrapolation (MODEL §7, recipe \(Validation.recipeVersion)) over N = " + nValues.map(String.init).joined(separator: ", ")
            + ": ansatz by theory phase (learning N^-1, N^-3/2; overlearning Q, rate, dist N^-2/3, N^-1 and m N^-1/2, N^-5/6, "
            + "ε_g composed from m∞ and Q∞; collapsed: the largest usable N), weights n_N·N, Welch ν, p = 2 P(t_ν > |z|); "
            + "BBP window widened \(options.wideningDescription) for m, ε_g, rate_test, dist_test"
    }

    /// The verdict summary lines (shared by `validate` and `summary`): per observable, per phase and
    /// per α group counts, the reported-apart classes with their reasons (every point when
    /// `listApart`), the expectation of a correct theory, and the `worst` points by |z|.
    public func verdictLines(worst k: Int = 5, listApart: Bool = false) -> [String] {
        let f = { (v: Double) in formatNumber(v) }
        var o: [String] = []
        if !hasSimulation { return ["no simulations in the file: nothing to validate"] }
        if singleN {
            o.append("only one N (\(nValues.first.map(String.init) ?? "?")): no finite-size extrapolation is possible; "
                     + "z = (q̃_N − N = ∞ theory)/s_N per point with ν = n − 1, biased in the overlearning phase (MODEL §5)")
        } else {
            o.append(recipeLine)
        }
        o.append("verdicts (p > 0.0455 agree, > 0.0027 marginal, else disagree; undecided: se larger than the distance to another phase's prediction):")
        for q in Validation.quantities {
            let c = counts(quantity: q)
            let frac = agreeFraction(quantity: q)
            o.append("  \(q.displayName.padding(toLength: 9, withPad: " ", startingAt: 0)) "
                     + Validation.countsLine(c) + (frac.isFinite ? String(format: "; %.1f %% of decided agree", 100 * frac) : ""))
        }
        o.append("  by theory phase (all observables):")
        for ph in [Phase.learning, .overlearning, .collapsed] {
            let c = counts(phase: ph)
            guard !c.isEmpty else { continue }
            let frac = agreeFraction(phase: ph)
            o.append("    \(ph.name.padding(toLength: 12, withPad: " ", startingAt: 0)) " + Validation.countsLine(c)
                     + (frac.isFinite ? String(format: "; %.1f %% agree", 100 * frac) : "")
                     + (singleN && ph == .overlearning ? " (biased: finite-N offset expected)" : ""))
        }
        // α groups (MODEL §7 step 7)
        let groups = disagreeingAlphaGroups
        let tested = alpha.filter { a in points.contains { $0.alpha == a && $0.verdict.isDecided } }
        if groups.isEmpty {
            o.append("  α groups (all (β, λ) at one α share their data sets): no disagreement in any of the \(tested.count) tested groups")
        } else {
            let list = groups.map { a in "α = \(f(a)) (\(counts(alpha: a)[.disagree] ?? 0))" }.joined(separator: ", ")
            o.append("  α groups with disagreements: \(groups.count) of \(tested.count): " + list
                     + (groups.count == 1 ? " — one group: weak evidence (one unlucky set of samples moves its verdicts together)"
                                          : " — ≥ 2 groups: strong evidence against the theory"))
        }
        // reported apart, with reasons
        let apart = points.filter { $0.verdict.isExcluded }
        if !apart.isEmpty {
            o.append("  reported apart (never counted as agreement or disagreement): \(apart.count)")
            var byReason: [(Verdict, String, [PointValidation])] = []
            for p in apart {
                let key = Validation.reasonClass(p.reason)
                if let i = byReason.firstIndex(where: { $0.0 == p.verdict && $0.1 == key }) { byReason[i].2.append(p) } else { byReason.append((p.verdict, key, [p])) }
            }
            for (v, reason, pts) in byReason {
                o.append("    \(v.name) ×\(pts.count): \(reason)")
                if listApart {
                    for p in pts {
                        o.append("      \(p.quantity.displayName) at α = \(f(p.alpha)), β = \(f(p.beta)), λ = \(f(p.lambda)): \(p.reason)")
                    }
                }
            }
        }
        let all = decidedCounts("all")
        let decided = all.reduce(0, +)
        if decided > 0 {
            o.append(String(format: "  overall: %.1f %% agree, %.2f %% disagree of %d decided", 100 * Double(all[0]) / Double(decided),
                            100 * Double(all[2]) / Double(decided), decided))
            o += expectationLines()
        }
        let w = worst(k)
        if !w.isEmpty {
            o.append("  largest |z|:")
            for p in w {
                var line = "    \(p.quantity.displayName) at α = \(f(p.alpha)), β = \(f(p.beta)), λ = \(f(p.lambda))"
                    + " (\(p.phase?.name ?? "?")): z = \(String(format: "%.2f", p.z)), p = \(formatNumber(p.p, significant: 2)), ν = \(String(format: "%.1f", p.nu)), theory \(f(p.theory))"
                line += ", q∞ = \(f(p.qInf)) ± \(f(p.seInf)) [\(p.ansatz.name); N = \(p.usableN.map(String.init).joined(separator: ","))]"
                if p.dof > 0 { line += ", χ²/dof = \(f(p.chi2PerDof))" }
                line += " → \(p.verdict.name)" + (p.biased ? " (biased)" : "")
                o.append(line)
            }
        }
        return o
    }

    /// A reason without its point-specific N lists, for grouping ("N = 250, 500 in the …" → "N in the …").
    static func reasonClass(_ r: String) -> String {
        var s = r
        while let range = s.range(of: #"N = [0-9, ]+ in"#, options: .regularExpression) { s.replaceSubrange(range, with: "N in") }
        return s
    }

    /// What a correct theory gives for this design (the calibration), or that it was not calibrated.
    func expectationLines() -> [String] {
        guard let c = calibration else {
            return ["  a correct theory gives: not calibrated for this design (run `vaesweep validate FILE --calibrate K`; "
                    + "MODEL §7.8 measured 97.4 / 2.5 / 0.12 % agree / marginal / disagree for the default design only)"]
        }
        let a = c.fraction(0), m = c.fraction(1), dis = c.fraction(2)
        let t = c.totals()
        func pm(_ x: (value: Double, se: Double), _ digits: Int) -> String {
            let fmt = "%.\(digits)f"
            return String(format: fmt, 100 * x.value) + (x.se.isFinite ? " ± " + String(format: fmt, 100 * x.se) : "")
        }
        var line = "  a correct theory gives (calibrated, \(c.sweeps) synthetic sweeps of this design from the exact finite-N law): "
            + "agree \(pm(a, 1)), marginal \(pm(m, 1)), disagree \(pm(dis, 2)) %"
        if t[2] == 0 {
            line += String(format: " (none seen: ≤ %.2f %% at 95 %%)", 100 * CalibrationResult.upperBound(count: 0, total: t.reduce(0, +)))
        }
        let g = c.groupDisagreementProbability
        var line2 = String(format: "    P(an α group has ≥ 1 disagreement) = %.1f %%, P(≥ 1 such group in a sweep) = %.0f %%, P(≥ 2) = %.0f %%",
                           100 * g, 100 * c.sweepProbability(atLeast: 1), 100 * c.sweepProbability(atLeast: 2))
        if c.sweeps < 30 { line2 += " (K = \(c.sweeps): rough; more sweeps sharpen it)" }
        return [line, line2]
    }

    /// The calibration table of `validate --calibrate`: expected fractions per phase beside the
    /// observed ones, and the α-group chances.
    public func calibrationLines() -> [String] {
        guard let c = calibration else { return [] }
        var o = ["calibration: \(c.sweeps) synthetic sweeps of this design drawn from the exact finite-N law by \(c.sampler); "
                 + "recipe \(c.recipeVersion), BBP widening ×\(formatNumber(c.bbpWideningBelow)) below, ×\(formatNumber(c.bbpWideningAbove)) above; \(String(format: "%.0f", c.seconds)) s"]
        o.append("  phase         expected agree / marginal / disagree (± se between sweeps)        observed")
        for key in CalibrationResult.phaseKeys {
            let t = c.totals(key)
            guard t.reduce(0, +) > 0 || decidedCounts(key).reduce(0, +) > 0 else { continue }
            let a = c.fraction(0, phase: key), m = c.fraction(1, phase: key), d = c.fraction(2, phase: key)
            func s(_ x: (value: Double, se: Double), _ digits: Int) -> String {
                x.value.isFinite ? String(format: "%.\(digits)f", 100 * x.value) + (x.se.isFinite ? String(format: " ± %.\(digits)f", 100 * x.se) : "") : "—"
            }
            let exp = "\(s(a, 1)) / \(s(m, 1)) / \(s(d, 2)) %"
            let obs = Validation.percentages(decidedCounts(key)) + " of \(decidedCounts(key).reduce(0, +))"
            o.append("  " + key.padding(toLength: 13, withPad: " ", startingAt: 0) + exp.padding(toLength: 50, withPad: " ", startingAt: 0)
                     + "  " + obs + "  (\(t.reduce(0, +)) decided in the sweeps)")
        }
        o.append(String(format: "  α groups: P(a group has ≥ 1 disagreement) = %.2f %%; P(≥ 1 disagreeing group in a sweep) = %.1f %%, P(≥ 2) = %.1f %%",
                        100 * c.groupDisagreementProbability, 100 * c.sweepProbability(atLeast: 1), 100 * c.sweepProbability(atLeast: 2))
                 + "; observed: \(disagreeingAlphaGroups.count) disagreeing of \(alpha.filter { a in points.contains { $0.alpha == a && $0.verdict.isDecided } }.count)")
        return o
    }

    /// The full `vaesweep validate` report (every reported-apart point listed with its reason).
    public func text(worst k: Int = 10) -> String {
        var o = ["vaesweep validate: \(path)",
                 "model: ρ = \(formatNumber(rho)), η = \(formatNumber(eta)); grid \(alpha.count) α × \(beta.count) β × \(lam.count) λ"
                    + (flagsFromFile ? "; flags from the file" : "; flags recomputed (file has no theory_flags/sim_flags)")]
        o += verdictLines(worst: k, listApart: true)
        if calibration != nil { o.append(""); o += calibrationLines() }
        return o.joined(separator: "\n") + "\n"
    }

    /// One flat record per (point, observable) (kind "point"), for JSON lines; with a calibration
    /// also one record of kind "calibration" per phase key.
    public func records() -> [SummaryRecord] {
        var out: [SummaryRecord] = points.map { p in
            var r: SummaryRecord = [("kind", .string("point")), ("quantity", .string(p.quantity.rawValue)),
                                    ("alpha", .double(p.alpha)), ("beta", .double(p.beta)), ("lam", .double(p.lambda)),
                                    ("phase", .string(p.phase?.name ?? "")), ("theory", .double(p.theory)),
                                    ("verdict", .string(p.verdict.name)), ("z", .double(p.z)), ("p", .double(p.p)), ("nu", .double(p.nu))]
            r.append(("q_inf", .double(p.qInf))); r.append(("se_inf", .double(p.seInf)))
            r.append(("guard_variance", .double(p.estimate?.guardVariance ?? .nan)))
            r.append(("chi2_dof", .double(p.chi2PerDof))); r.append(("dof", .int(p.dof)))
            r.append(("ansatz", .string(p.ansatz.name)))
            r.append(("usable_N", .string(p.usableN.map(String.init).joined(separator: ","))))
            if let f = p.fit {
                r.append(("fit_coefficients", .string(f.coefficients.map { "\($0)" }.joined(separator: ","))))
                r.append(("fit_exponents", .string(f.exponents.map { "\($0)" }.joined(separator: ","))))
            }
            for s in p.sizes {
                r.append(("mean_N\(s.n)", .double(s.mean))); r.append(("se_N\(s.n)", .double(s.se)))
                r.append(("seeds_N\(s.n)", .int(s.seeds))); r.append(("excluded_N\(s.n)", .int(Int(s.exclusion.rawValue))))
            }
            if p.ansatz == .singleN { r.append(("biased", .bool(p.biased))) }
            r.append(("reason", .string(p.reason)))
            return r
        }
        if let c = calibration {
            for key in c.keys {
                let t = c.totals(key)
                var r: SummaryRecord = [("kind", .string("calibration")), ("phase", .string(key)), ("sweeps", .int(c.sweeps))]
                for (i, name) in ["agree", "marginal", "disagree"].enumerated() {
                    let fr = c.fraction(i, phase: key)
                    r.append(("expected_\(name)", .double(fr.value))); r.append(("expected_\(name)_se", .double(fr.se)))
                    r.append(("count_\(name)", .int(t[i])))
                }
                let obs = CalibrationResult.phaseKeys.contains(key) ? decidedCounts(key) : [-1, -1, -1]
                for (i, name) in ["agree", "marginal", "disagree"].enumerated() { r.append(("observed_\(name)", .int(obs[i]))) }
                r.append(("p_group_disagree", .double(c.groupDisagreementProbability)))
                r.append(("p_sweep_one_group", .double(c.sweepProbability(atLeast: 1))))
                r.append(("p_sweep_two_groups", .double(c.sweepProbability(atLeast: 2))))
                out.append(r)
            }
        }
        return out
    }
}
