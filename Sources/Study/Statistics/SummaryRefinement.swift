// The refinement section of `vaesweep summary` for a refined study (`vaesweep refine`): why the
// latest session stopped (or that it is unfinished: a pending round, or no stop recorded), its
// options and base, and the rounds table (round 0 is the input file) with the actions by rule,
// the points computed, the cost model's estimate (what the budget is charged), the measured
// core-seconds and the verdict counts after each round.
import Foundation
import ResultsFile

extension Summary {
    /// Why the latest refine session stopped: "stopped: REASON", or "unfinished: …" for a pending
    /// round or a session that recorded no stop.
    static func refinementStop(_ r: Refinement) -> String {
        if let p = r.pendingRound {
            return "unfinished: pending round \(p.round) (a drained refine; finish it with `vaesweep refine … --resume`)"
        }
        if r.finished.isEmpty {
            return "unfinished: the refine stopped after round \(r.lastRound) without recording why (drained or killed between rounds; continue with `vaesweep refine … --resume`)"
        }
        return "stopped: " + r.finished
    }

    /// The rounds table, one header line then one line per round, right-aligned columns; a count
    /// that is still pending (−1) and an unmeasured time (NaN, round 0) print as "—".
    static func refinementTable(_ r: Refinement) -> [String] {
        func count(_ v: Int) -> String { v < 0 ? "—" : String(v) }
        func seconds(_ v: Double) -> String { v.isFinite ? formatNumber(v) : "—" }
        let columns: [(String, (Refinement.Round) -> String)] = [
            ("round", { String($0.round) }), ("complete", { $0.complete ? "yes" : "no" }),
            ("precision", { String($0.precisionActions) }), ("window", { String($0.windowActions) }),
            ("boundary", { String($0.boundaryActions) }),
            ("simulated", { String($0.simulatedPoints) }), ("theory", { String($0.theoryPoints) }),
            ("cost est.", { formatNumber($0.costEstimate) }), ("core-s", { seconds($0.coreSeconds) }),
            ("agree", { count($0.agree) }), ("marginal", { count($0.marginal) }), ("disagree", { count($0.disagree) }),
            ("undecided", { count($0.undecided) }), ("apart", { count($0.apart) }),
        ]
        let cells = r.rounds.map { row in columns.map { $0.1(row) } }
        let widths = columns.indices.map { c in cells.reduce(columns[c].0.count) { max($0, $1[c].count) } }
        func line(_ values: [String]) -> String { values.indices.map { values[$0].leftPad(widths[$0]) }.joined(separator: "  ") }
        return [line(columns.map(\.0))] + cells.map(line)
    }

    /// The report's refinement section.
    func refinementLines(_ r: Refinement) -> [String] {
        var o = ["refinement (vaesweep refine; round 0 is the input file):", "  " + Summary.refinementStop(r)]
        o.append("  options: " + (r.options.isEmpty ? "—" : r.options))
        let base = r.base.split(separator: "\n", omittingEmptySubsequences: false)
        o.append("  base: " + (base.first.map(String.init) ?? "—"))
        o += base.dropFirst().map { "        " + $0 }
        o.append("  rounds (actions per rule; points computed; cost est.: the cost model's reference core-seconds, "
                 + "charged to the budget; core-s: measured; (point, observable) verdicts after the round):")
        o += Summary.refinementTable(r).map { "    " + $0 }
        return o
    }

    /// The refinement as records: one "refinement" (the session) and one "refinement_round" per
    /// round (verdict counts −1 while pending, as in the file; unmeasured times null).
    func refinementRecords(_ r: Refinement) -> [SummaryRecord] {
        var session: SummaryRecord = [("kind", .string("refinement")),
                                      ("rounds", .int(r.rounds.filter { $0.round > 0 }.count)),
                                      ("last_round", .int(r.lastRound)), ("first_round", .int(r.firstRound)),
                                      ("pending_round", .int(r.pendingRound?.round ?? -1)),
                                      ("unfinished", .bool(r.pendingRound != nil || r.finished.isEmpty)),
                                      ("finished", .string(r.finished)), ("stop", .string(Summary.refinementStop(r))),
                                      ("actions", .int(r.actions.count)), ("options", .string(r.options)), ("base", .string(r.base))]
        if let c = completeness {
            session.append(("points_computed", .int(c.done)))
            session.append(("points_total", .int(c.total)))
        }
        return [session] + r.rounds.map { row in
            [("kind", .string("refinement_round")), ("round", .int(row.round)), ("complete", .bool(row.complete)),
             ("actions_precision", .int(row.precisionActions)), ("actions_window", .int(row.windowActions)),
             ("actions_boundary", .int(row.boundaryActions)),
             ("points_simulated", .int(row.simulatedPoints)), ("points_theory", .int(row.theoryPoints)),
             ("cost_estimate", .double(row.costEstimate)), ("core_seconds", .double(row.coreSeconds)),
             ("wall_seconds", .double(row.wallSeconds)),
             ("agree", .int(row.agree)), ("marginal", .int(row.marginal)), ("disagree", .int(row.disagree)),
             ("undecided", .int(row.undecided)), ("apart", .int(row.apart))]
        }
    }
}
