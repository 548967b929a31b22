// Whether a results file is complete: a `.partial` file (a drained run), a file whose simulation
// variables (`sim_*`, `status`) are missing although it has N and seed coordinates, or fewer points
// done than planned. `plot` and `summary` warn on stderr, and the figures' subtitle says
// "partial: K of M points".
//
// A refined study (`vaesweep refine`) is sparse by design: most of its (α, β, λ, N, seed) cells are
// never planned, so fewer points done than the grid holds is no reason there. It is unfinished
// when its last round is pending (a drained refine) or when no session stop was recorded (drained
// or killed between rounds); the subtitle then says "unfinished refinement: …", otherwise
// "refined: K rounds, P of M points (sparse by design)" (or "partial: REASONS" for another reason).
import Foundation
import ResultsFile
import VAETheory

/// The completeness of a results file.
public struct Completeness: Sendable, Equatable {
    /// Points done and planned (simulated replicates for a simulation file, theory points otherwise).
    public var done: Int
    /// Points planned (`points_total`, else the array size).
    public var total: Int
    /// Why the file counts as partial (empty: complete).
    public var reasons: [String]
    /// Whether any reason applies.
    public var isPartial: Bool { !reasons.isEmpty }
    /// A refined study: its rounds after the input (round 0); nil for a file without a refinement.
    public var refinedRounds: Int?
    /// An unfinished refined study: what is unfinished ("round K pending", "stopped between
    /// rounds"); nil for a finished refinement or a file without one.
    public var unfinishedRefinement: String?

    /// The subtitle fragment for figures: "partial: K of M points" for a partial file, for a refined
    /// study "unfinished refinement: …" or "refined: K rounds, P of M points (sparse by design)";
    /// nil for a complete file without a refinement.
    public var subtitle: String? {
        guard let k = refinedRounds else { return isPartial ? "partial: \(done) of \(total) points" : nil }
        if let u = unfinishedRefinement { return "unfinished refinement: " + u }
        if isPartial { return "partial: " + reasons.joined(separator: "; ") }
        return "refined: \(k) round\(k == 1 ? "" : "s"), \(done) of \(total) points (sparse by design)"
    }

    /// Assess `d`.
    public init(_ d: ResultsData) {
        let hasSimCoords = !d.N.isEmpty && !d.seeds.isEmpty
        let total = d.pointsTotal ?? (hasSimCoords ? d.simCount : d.theoryCount)
        var done: Int
        if let p = d.pointsDone {
            done = p
        } else if let c = d.statusCounts() {
            done = c[PointStatus.ok.rawValue] ?? 0
        } else if hasSimCoords, let eps = d[sim: .epsG] {
            done = eps.filter(\.isFinite).count
        } else if hasSimCoords {
            done = 0
        } else {
            done = (d[theory: .epsG] ?? []).filter(\.isFinite).count
        }
        var reasons: [String] = []
        if d.path.hasSuffix(".partial") { reasons.append("a .partial file (an interrupted run)") }
        if hasSimCoords {
            let missing = Quantity.allCases.filter { d[sim: $0] == nil }.map { Variable.sim($0) }
            if missing.count == Quantity.count {
                reasons.append("no sim_* variables")
            } else if !missing.isEmpty {
                reasons.append("missing " + missing.joined(separator: ", "))
            }
            if d.status == nil { reasons.append("no status variable") }
        }
        if let r = d.refinement {
            refinedRounds = r.rounds.filter { $0.round > 0 }.count
            if let k = r.pendingRound?.round {
                unfinishedRefinement = "round \(k) pending"
                reasons.append("refinement round \(k) is pending (a drained refine; finish it with `vaesweep refine … --resume`)")
            } else if r.finished.isEmpty {
                unfinishedRefinement = "stopped between rounds"
                reasons.append("the refine stopped between rounds without finishing (drained or killed; continue with `vaesweep refine … --resume`)")
            }
        } else if done < total {
            reasons.append("\(done) of \(total) points done")
        }
        self.done = done
        self.total = total
        self.reasons = reasons
    }

    /// One warning line naming the file and every reason (empty for a complete file); a refined
    /// study is "an unfinished refinement", never "partial".
    public func warnings(path: String) -> [String] {
        guard isPartial else { return [] }
        return ["\(path) is \(refinedRounds == nil ? "partial" : "an unfinished refinement"): " + reasons.joined(separator: "; ")]
    }
}

/// Warnings for a partial results file (used by the CLI's `plot` and `summary`).
public enum PartialFile {
    /// One warning line naming `d.path` when it is partial (empty otherwise).
    public static func warnings(_ d: ResultsData) -> [String] { Completeness(d).warnings(path: d.path) }
}
