// The `vaesweep summary` report as text and as flat records (JSON lines).
import Foundation
import VAETheory

extension Summary {
    // MARK: text

    /// The human-readable report.
    public func text() -> String {
        let f = { (v: Double) in formatNumber(v) }
        var o: [String] = []
        o.append("vaesweep summary: \(path)")
        o.append("model: ρ = \(f(rho)), η = \(f(eta)); ρ + η = \(f(rho + eta))")
        o.append("grid:")
        for c in coordinates {
            let range = c.count > 1 ? "\(f(c.min)) … \(f(c.max)), \(c.spacing)" : f(c.min)
            o.append("  \(c.name.padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(c.count).leftPad(4))  (\(range))")
        }
        var comp: [String] = []
        if let done = pointsDone, let total = pointsTotal, total > 0 {
            comp.append("points_done \(done)/\(total) (\(String(format: "%.1f", 100 * Double(done) / Double(total))) %)")
        }
        if let sc = statusCounts {
            let total = sc.values.reduce(0, +)
            comp.append("runs ok \(sc[1] ?? 0), failed \(sc[2] ?? 0), not run \(sc[0] ?? 0) of \(total)")
        }
        comp.append("theory \(theoryFinite)/\(theoryTotal) points")
        if !hasSimulation { comp.append("theory-only file (no simulations)") }
        o.append("completion: " + comp.joined(separator: "; "))
        if let c = completeness, let k = c.refinedRounds {
            o.append("refined study: \(k) round\(k == 1 ? "" : "s") after the input, \(c.done) of the grid's \(c.total) points computed "
                     + "(theory and simulated; sparse by design: the cells not run were never planned)")
            if c.isPartial { o.append("unfinished refinement: " + c.reasons.joined(separator: "; ")) }
        } else if let c = completeness, c.isPartial {
            o.append("partial file: " + c.reasons.joined(separator: "; "))
        }
        if let r = refinement {
            o.append("")
            o += refinementLines(r)
        }
        if let v = validation {
            o.append("")
            o.append("validation (MODEL.md §7; details: vaesweep validate):")
            o += v.verdictLines(worst: 5).map { "  " + $0 }
        }
        o.append("")
        let alphaMax = coordinates.first(where: { $0.name == "alpha" })?.max ?? .nan
        o.append("claims at the largest α = \(f(alphaMax)) (α → ∞ statements; exact to grid resolution as defined below; undecided where the grid cannot test them):")
        o.append("  collapse threshold β_c = ρ + η = \(f(rho + eta)) [holds if ρ + η lies between the largest non-collapsed β and the next grid β]")
        for c in thresholds {
            let br = "[\(c.below.map(f) ?? "below grid"), \(c.above.map(f) ?? "beyond grid")]"
            var line = "    λ = \(f(c.lambda)), \(c.source): threshold in \(br) → "
                + (c.undecided.map { "undecided (\($0))" } ?? (c.holds ? "holds" : "does not hold"))
            if let i = c.interpolated { line += "; Q → 0 extrapolation \(f(i))" }
            if c.engine.isFinite { line += "; engine β_c(α) = \(f(c.engine))" }
            o.append(line)
        }
        if thresholds.isEmpty { o.append("    (no phase data at the largest α)") }
        o.append("  optimal β = η = \(f(eta)) [holds if the grid argmin of ε_g is the grid β nearest η]")
        for c in optimalBetas {
            var line = "    λ = \(f(c.lambda)), \(c.source): argmin β = \(f(c.argmin)) (ε_g = \(f(c.minEpsG)); neighbours \(c.neighbours.0.map(f) ?? "—"), \(c.neighbours.1.map(f) ?? "—")) → "
                + (c.undecided.map { "undecided (\($0))" } ?? (c.holds ? "holds" : "does not hold"))
            if let i = c.interpolated { line += "; interpolated (\(c.interpolation)) \(f(i))" }
            if c.engine.isFinite { line += "; engine β*(α) = \(f(c.engine))" }
            o.append(line)
        }
        if optimalBetas.isEmpty { o.append("    (no ε_g data at the largest α)") }
        o.append("  RD points vs the Gaussian-source curve R(D) = ½ log((ρ+η)/D): excess rate R − R(D) in nats (→ 0 as α → ∞, ≥ 0 at finite α)")
        for r in rdDistances {
            o.append("    λ = \(f(r.lambda)), \(r.source): max |Δ| \(f(r.maxAbs)), mean \(f(r.mean)), min \(f(r.min)) over \(r.points) β")
        }
        if rdDistances.isEmpty { o.append("    (no rate/distortion data at the largest α)") }
        return o.joined(separator: "\n") + "\n"
    }

    // MARK: records

    /// The same content as flat records (one JSON object each): kinds "grid", "coordinate",
    /// "refinement" and "refinement_round" (a refined study only), "verdicts", "threshold",
    /// "optimal_beta", "rd_distance".
    public func records() -> [SummaryRecord] {
        var out: [SummaryRecord] = []
        var g: SummaryRecord = [("kind", .string("grid")), ("path", .string(path)), ("rho", .double(rho)), ("eta", .double(eta))]
        for c in coordinates { g.append(("n_" + c.name, .int(c.count))) }
        if let v = pointsDone { g.append(("points_done", .int(v))) }
        if let v = pointsTotal { g.append(("points_total", .int(v))) }
        if let sc = statusCounts {
            g.append(("runs_ok", .int(sc[1] ?? 0))); g.append(("runs_failed", .int(sc[2] ?? 0))); g.append(("runs_not_run", .int(sc[0] ?? 0)))
        }
        g.append(("theory_points", .int(theoryFinite))); g.append(("theory_total", .int(theoryTotal)))
        g.append(("has_simulation", .bool(hasSimulation)))
        out.append(g)
        for c in coordinates {
            out.append([("kind", .string("coordinate")), ("name", .string(c.name)), ("count", .int(c.count)),
                        ("min", .double(c.min)), ("max", .double(c.max)), ("spacing", .string(c.spacing))])
        }
        if let r = refinement { out += refinementRecords(r) }
        if let v = validation {
            for q in Validation.quantities {
                let c = v.counts(quantity: q)
                var rec: SummaryRecord = [("kind", .string("verdicts")), ("quantity", .string(q.rawValue))]
                for verdict in Verdict.allCases { rec.append((verdict.name, .int(c[verdict] ?? 0))) }
                rec.append(("agree_fraction", .double(v.agreeFraction(quantity: q))))
                rec.append(("single_N", .bool(v.singleN)))
                out.append(rec)
            }
            out += v.records().filter { r in r.contains { $0.key == "kind" && $0.value == .string("calibration") } }
        }
        for c in thresholds {
            out.append([("kind", .string("threshold")), ("lam", .double(c.lambda)), ("source", .string(c.source)),
                        ("alpha", .double(c.alpha)), ("expected", .double(c.expected)),
                        ("below", .double(c.below ?? .nan)), ("above", .double(c.above ?? .nan)), ("holds", .bool(c.holds)),
                        ("status", .string(c.undecided == nil ? (c.holds ? "holds" : "does_not_hold") : "undecided")),
                        ("undecided_reason", .string(c.undecided ?? "")),
                        ("interpolated", .double(c.interpolated ?? .nan)), ("engine", .double(c.engine))])
        }
        for c in optimalBetas {
            out.append([("kind", .string("optimal_beta")), ("lam", .double(c.lambda)), ("source", .string(c.source)),
                        ("alpha", .double(c.alpha)), ("expected", .double(c.expected)), ("argmin", .double(c.argmin)),
                        ("min_eps_g", .double(c.minEpsG)), ("neighbour_below", .double(c.neighbours.0 ?? .nan)),
                        ("neighbour_above", .double(c.neighbours.1 ?? .nan)), ("holds", .bool(c.holds)),
                        ("status", .string(c.undecided == nil ? (c.holds ? "holds" : "does_not_hold") : "undecided")),
                        ("undecided_reason", .string(c.undecided ?? "")),
                        ("interpolated", .double(c.interpolated ?? .nan)), ("interpolation", .string(c.interpolation)),
                        ("engine", .double(c.engine))])
        }
        for r in rdDistances {
            out.append([("kind", .string("rd_distance")), ("lam", .double(r.lambda)), ("source", .string(r.source)),
                        ("alpha", .double(r.alpha)), ("points", .int(r.points)), ("max_abs_excess_rate", .double(r.maxAbs)),
                        ("mean_excess_rate", .double(r.mean)), ("min_excess_rate", .double(r.min))])
        }
        return out
    }
}

extension String {
    /// The string right-aligned in `n` characters (unchanged when it is longer).
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
