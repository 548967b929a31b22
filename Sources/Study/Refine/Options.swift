// The options of `vaesweep refine` that determine its plans: the budget, the round limit, the
// precision target, the boundary resolution and the caps on N and replicates. With the results
// file they fix every round's plan (a plan is a pure function of the two), so they are stored in
// the file (`refine_options`) and a `--resume` must give the same ones.
import Foundation
import ResultsFile
import VAESimulation
import VAETheory

/// A bad refine option, naming it. Exit 2.
public struct RefineOptionError: ExitCoded, Equatable {
    /// The option ("--budget", …).
    public let option: String
    /// What is wrong.
    public let message: String
    /// "OPTION: MESSAGE".
    public var description: String { "\(option): \(message)" }
    /// Always 2.
    public var exitStatus: Int32 { ExitStatus.badInput }
    init(_ option: String, _ message: String) { self.option = option; self.message = message }
}

/// The plan-determining options of a refine (see the file header).
public struct RefineOptions: Sendable, Equatable {
    /// --budget: core-hours of the cost model's estimate (reference core-seconds / 3600) the
    /// session may spend; the input file's own points are not charged.
    public var budgetCoreHours: Double
    /// --rounds: refinement rounds in this session (1 … 100).
    public var rounds: Int = 4
    /// --target-se: the se(q∞) every decided (point, observable) should reach (nil: only the
    /// undecided are chased, to half the distance to the nearest other phase's prediction).
    public var targetSE: Double? = nil
    /// --resolution: relative width δ of the brackets inserted around each boundary (β_c, β_eq,
    /// the optimal β, the BBP threshold in α), 1e-4 … 0.5.
    public var resolution: Double = 0.02
    /// --max-n: the largest N a refine may simulate (nil: 8 000 with explicit data, 10⁶ under the
    /// bidiagonal model; capped by N's domain for the data model).
    public var maxN: Int? = nil
    /// --max-replicates: the most replicates per (point, N) (2 … 10 000).
    public var maxReplicates: Int = 100
    /// Replicates may grow at most this factor per round (a se estimated from few replicates is
    /// itself uncertain: step towards the target, look again).
    public static let replicateGrowth = 4.0

    /// Options with a budget and the defaults above.
    public init(budgetCoreHours: Double) { self.budgetCoreHours = budgetCoreHours }

    /// The budget in reference core-seconds.
    public var budgetSeconds: Double { budgetCoreHours * 3600 }

    /// Every option in its domain, or `RefineOptionError` naming the first one that is not.
    public func validate() throws {
        guard budgetCoreHours.isFinite, budgetCoreHours > 0, budgetCoreHours <= 1e9 else {
            throw RefineOptionError("--budget", "must be a number of core-hours in (0, 1e9] (got \(budgetCoreHours))")
        }
        guard (1...100).contains(rounds) else { throw RefineOptionError("--rounds", "must be in 1 … 100 (got \(rounds))") }
        if let t = targetSE, !(t.isFinite && t > 0) {
            throw RefineOptionError("--target-se", "must be a positive number (got \(t))")
        }
        guard resolution.isFinite, resolution >= 1e-4, resolution <= 0.5 else {
            throw RefineOptionError("--resolution", "must be in [1e-4, 0.5] (got \(resolution))")
        }
        if let n = maxN, !(2...Domains.maxN).contains(n) {
            throw RefineOptionError("--max-n", "must be in 2 … \(Domains.maxN) (got \(n))")
        }
        guard (2...10_000).contains(maxReplicates) else {
            throw RefineOptionError("--max-replicates", "must be in 2 … 10000 (got \(maxReplicates))")
        }
    }

    /// The N cap for a data model: --max-n, else 8 000 explicit / 10⁶ bidiagonal, never above what
    /// the model admits (`Domains`).
    public func nCap(_ model: DataModel) -> Int {
        let limit = model == .bidiagonal ? Domains.maxN : Domains.maxExplicitN
        return min(maxN ?? (model == .bidiagonal ? 1_000_000 : 8_000), limit)
    }

    /// The canonical text stored as `refine_options` (every value exactly).
    public var canonical: String {
        [
            "budget_core_hours = \(budgetCoreHours)", "rounds = \(rounds)",
            "target_se = \(targetSE.map { "\($0)" } ?? "none")", "resolution = \(resolution)",
            "max_n = \(maxN.map(String.init) ?? "default")", "max_replicates = \(maxReplicates)",
        ].joined(separator: "; ")
    }

    /// The first option in which `canonical` text `other` differs from these (nil: the same).
    public func firstDifference(from other: String) -> (option: String, theirs: String, mine: String)? {
        func parse(_ s: String) -> [(String, String)] {
            s.components(separatedBy: "; ").compactMap { part in
                let kv = part.components(separatedBy: " = ")
                return kv.count == 2 ? (kv[0], kv[1]) : nil
            }
        }
        let mine = parse(canonical), theirs = Dictionary(parse(other), uniquingKeysWith: { a, _ in a })
        for (k, v) in mine where theirs[k] != v {
            return ("--" + k.replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: "-core-hours", with: ""),
                    theirs[k] ?? "absent", v)
        }
        return nil
    }
}
