// The human-readable report and the flat records (JSON lines) of a Validation.
import Foundation
import VAETheory

extension Validation {
    /// Verdict counts as "agree 12, marginal 1, …" (only non-zero counts, in code order).
    public static func countsLine(_ c: [Verdict: Int]) -> String {
        let parts = Verdict.allCases.compactMap { v -> String? in
            guard let k = c[v], k > 0 else { return nil }
            return "\(v.name) \(k)"
        }
        return parts.isEmpty ? "none" : parts.joined(separator: ", ")
    }

    /// The verdict summary lines (shared by `validate` and `summary`): per observable and per phase
    /// counts, the fraction agreeing, and the `worst` points by |z| with their numbers.
    public func verdictLines(worst k: Int = 5) -> [String] {
        let f = { (v: Double) in formatNumber(v) }
        var o: [String] = []
        if !hasSimulation { return ["no simulations in the file: nothing to validate"] }
        if singleN {
            o.append("only one N (\(nValues.first.map(String.init) ?? "?")): no finite-size extrapolation is possible; "
                     + "z = (seed mean − N = ∞ theory)/s_N per point, biased in the overlearning phase (MODEL §5)")
        } else {
            o.append("finite-size fits q̄_N = q_∞ + a/√N (+ b/N with ≥ 4 N) over N = "
                     + nValues.map(String.init).joined(separator: ", ") + "; z = (q_∞ − theory)/se(q_∞)")
        }
        o.append("verdicts (|z| < 2 agree, < 3 marginal, else disagree; critical BBP window, first-order coexistence, λ = 0 & α < 1 apart):")
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
        let all = counts()
        let decided = (all[.agree] ?? 0) + (all[.marginal] ?? 0) + (all[.disagree] ?? 0)
        if decided > 0 {
            o.append(String(format: "  overall: %.1f %% agree, %.2f %% disagree of %d decided (a correct theory gives ≈ 95 %% and ≈ 0.3 %%)",
                            100 * Double(all[.agree] ?? 0) / Double(decided), 100 * Double(all[.disagree] ?? 0) / Double(decided), decided))
        }
        let w = worst(k)
        if !w.isEmpty {
            o.append("  largest |z|:")
            for p in w {
                var line = "    \(p.quantity.displayName) at α = \(f(p.alpha)), β = \(f(p.beta)), λ = \(f(p.lambda))"
                    + " (\(p.phase?.name ?? "?")): z = \(String(format: "%.2f", p.z)), theory \(f(p.theory))"
                if let fit = p.fit {
                    line += ", q_∞ = \(f(fit.qInf)) ± \(f(fit.seInf))"
                    if fit.dof > 0 { line += ", χ²/dof = \(f(fit.chi2PerDof))" }
                } else if let s = p.sizes.last(where: { $0.seeds >= 2 }) {
                    line += ", N = \(s.n) mean \(f(s.mean)) ± \(f(s.se))"
                }
                line += " → \(p.verdict.name)" + (p.biased ? " (biased)" : "")
                o.append(line)
            }
        }
        return o
    }

    /// The full `vaesweep validate` report.
    public func text(worst k: Int = 10) -> String {
        var o = ["vaesweep validate: \(path)",
                 "model: ρ = \(formatNumber(rho)), η = \(formatNumber(eta)); grid \(alpha.count) α × \(beta.count) β × \(lam.count) λ"
                    + (flagsFromFile ? "; flags from the file" : "; flags recomputed (file has no theory_flags/sim_flags)")]
        o += verdictLines(worst: k)
        return o.joined(separator: "\n") + "\n"
    }

    /// One flat record per (point, observable) (kind "point"), for JSON lines.
    public func records() -> [SummaryRecord] {
        points.map { p in
            var r: SummaryRecord = [("kind", .string("point")), ("quantity", .string(p.quantity.rawValue)),
                                    ("alpha", .double(p.alpha)), ("beta", .double(p.beta)), ("lam", .double(p.lambda)),
                                    ("phase", .string(p.phase?.name ?? "")), ("theory", .double(p.theory)),
                                    ("verdict", .string(p.verdict.name)), ("z", .double(p.z))]
            r.append(("q_inf", .double(p.qInf))); r.append(("se_inf", .double(p.seInf)))
            r.append(("chi2_dof", .double(p.chi2PerDof))); r.append(("dof", .int(p.fit?.dof ?? -1)))
            if let f = p.fit {
                r.append(("fit_a", .double(f.coefficients[1])))
                if f.coefficients.count > 2 { r.append(("fit_b", .double(f.coefficients[2]))) }
                r.append(("fit_N", .string(f.nValues.map(String.init).joined(separator: ","))))
            }
            for s in p.sizes {
                r.append(("mean_N\(s.n)", .double(s.mean))); r.append(("se_N\(s.n)", .double(s.se)))
                r.append(("seeds_N\(s.n)", .int(s.seeds)))
            }
            if !p.perNZ.isEmpty {
                for (s, z) in zip(p.sizes, p.perNZ) { r.append(("z_N\(s.n)", .double(z))) }
                r.append(("biased", .bool(p.biased)))
            }
            r.append(("reason", .string(p.reason)))
            return r
        }
    }
}
