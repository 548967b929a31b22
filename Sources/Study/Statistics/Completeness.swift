// Whether a results file is complete: a `.partial` file (a drained run), a file whose simulation
// variables (`sim_*`, `status`) are missing although it has N and seed coordinates, or fewer points
// done than planned. `plot` and `summary` warn on stderr, and the figures' subtitle says
// "partial: K of M points".
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

    /// The subtitle fragment for figures ("partial: K of M points"), nil for a complete file.
    public var subtitle: String? { isPartial ? "partial: \(done) of \(total) points" : nil }

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
        if done < total { reasons.append("\(done) of \(total) points done") }
        self.done = done
        self.total = total
        self.reasons = reasons
    }

    /// One warning line per reason, naming the file (empty for a complete file).
    public func warnings(path: String) -> [String] {
        isPartial ? ["\(path) is partial: " + reasons.joined(separator: "; ")] : []
    }
}

/// Warnings for a partial results file (used by the CLI's `plot` and `summary`).
public enum PartialFile {
    /// One warning line naming `d.path` when it is partial (empty otherwise).
    public static func warnings(_ d: ResultsData) -> [String] { Completeness(d).warnings(path: d.path) }
}
