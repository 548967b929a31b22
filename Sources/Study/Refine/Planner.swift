// One round's plan: a pure function of the results file (its points and its refinement record)
// and the options. Three rules propose groups of actions (each rule in its own file):
//   1. precision (PrecisionRule.swift): where se(q∞) exceeds its target, more replicates or a
//      larger N, whichever the variance model says buys more per core-second;
//   2. boundaries (BoundaryRules.swift, the session's first round only): theory brackets and
//      simulations on both sides of β_c / β_eq, the optimal β and the BBP threshold;
//   3. windows (WindowRule.swift): points reported apart because of a finite-N window get the
//      smallest larger N that leaves it.
// The groups are then taken in that order (precision by efficiency, windows by cost) while the
// round's budget lasts; a group is all or nothing. Every choice becomes an action with its rule
// and numbers and a line of plan text.
import Foundation
import ResultsFile
import Statistics
import VAESimulation
import VAETheory

/// One round's plan (see the file header).
public struct RoundPlan: Sendable {
    /// The round number.
    public var round: Int
    /// The actions, in plan order.
    public var actions: [Refinement.Action]
    /// The study's axes grown by the plan's new values.
    public var axes: StudyAxes
    /// The plan in words, each line "round K: …".
    public var lines: [String]
    /// The cost model's estimate of the round (reference core-seconds).
    public var cost: Double
    /// Simulated points the plan computes.
    public var simulatedPoints: Int
    /// Needs the plan leaves unmet (budget, caps, nothing that helps).
    public var unmet: Int
    /// Whether the plan computes nothing.
    public var isEmpty: Bool { actions.isEmpty }
}

/// A point of the study (α, β, λ) by value.
struct PointKey: Hashable, Comparable {
    let alpha: Double, beta: Double, lambda: Double
    static func < (l: PointKey, r: PointKey) -> Bool { (l.alpha, l.beta, l.lambda) < (r.alpha, r.beta, r.lambda) }
}

/// What a rule proposes: actions that only make sense together.
struct ActionGroup {
    /// One planned (point, N) with the replicates it should have there afterwards (N = −1: a
    /// theory-only insertion of the point's new coordinate value).
    struct Item { let point: PointKey; let n: Int; let replicates: Int }
    let rule: Refinement.Rule
    let items: [Item]
    /// Larger first (precision: ln(var ratio) per reference second; windows: −cost).
    let priority: Double
    /// se and target of a precision group (NaN otherwise).
    var se = Double.nan, target = Double.nan
    /// The plan line (without the round prefix and the cost).
    let text: String
    /// New coordinate values the group adds (α, β).
    var newAlpha: [Double] = [], newBeta: [Double] = []
}

/// Builds one round's plan (see the file header).
public enum Planner {
    /// The plan of round `round`, spending at most `budgetLeft` reference core-seconds.
    /// `boundaries`: run the boundary rules (the session's first round of a study without them).
    public static func plan(data: ResultsData, validation: Validation, options: RefineOptions, round: Int,
                            budgetLeft: Double, boundaries: Bool) throws -> RoundPlan {
        let context = try PlanContext(data: data, validation: validation, options: options)
        var groups: [ActionGroup] = []
        var notes: [String] = []
        let precision = context.precisionGroups(notes: &notes)
        groups += precision.sorted { $0.priority != $1.priority ? $0.priority > $1.priority : $0.items[0].point < $1.items[0].point }
        if boundaries { groups += context.boundaryGroups(notes: &notes) }
        let windows = context.windowGroups(notes: &notes)
        groups += windows.sorted { $0.priority != $1.priority ? $0.priority > $1.priority : $0.items[0].point < $1.items[0].point }
        return context.assemble(groups, round: round, budgetLeft: budgetLeft, notes: notes)
    }

    /// The replicate ids a (point, N) gets: of `axis` (ascending), the first ids not yet `done`
    /// until done + chosen = `replicates` (so a drained round's remaining points are found again
    /// from the file: the chosen ids are a prefix of the not-done ones).
    public static func chooseSeeds(done: Set<Int>, axis: [Int], replicates: Int) -> [Int] {
        var need = replicates - done.count
        var out: [Int] = []
        for s in axis where need > 0 && !done.contains(s) { out.append(s); need -= 1 }
        return out
    }

    /// The flat simulation indices (on `data`'s axes) of the points `actions` still have to
    /// compute: per simulated action its `chooseSeeds`.
    public static func plannedPoints(_ actions: [Refinement.Action], in data: ResultsData) -> [Int] {
        guard data.axes.simulates else { return [] }
        let ax = AxisIndex(data.alpha), bx = AxisIndex(data.beta), lx = AxisIndex(data.lam), nx = AxisIndex(data.N)
        var out = Set<Int>()
        for act in actions where act.n > 0 {
            guard let a = ax[act.alpha], let b = bx[act.beta], let l = lx[act.lambda], let n = nx[act.n] else {
                preconditionFailure("a planned point is not on the study's axes")
            }
            let done = Set(data.seeds.indices.filter { data.isDone(.simulation, data.simIndex(a, b, l, n, $0)) }.map { data.seeds[$0] })
            let sx = AxisIndex(data.seeds)
            for s in chooseSeeds(done: done, axis: data.seeds, replicates: act.replicates) {
                out.insert(data.simIndex(a, b, l, n, sx[s]!))
            }
        }
        return out.sorted()
    }
}

/// Everything a rule reads, derived once per round.
struct PlanContext {
    let data: ResultsData
    let validation: Validation
    let options: RefineOptions
    let settings: StudySettings.Simulation
    let rho: Double, eta: Double
    let ladder: NLadder
    let lattice: Lattice
    let baseCost: PlanCost
    let alphaIx: AxisIndex, betaIx: AxisIndex, lamIx: AxisIndex, nIx: AxisIndex
    /// Seed ids the plan may use: the axis, then new ids above it (up to --max-replicates of them).
    let seedPool: [Int]

    init(data: ResultsData, validation: Validation, options: RefineOptions) throws {
        guard let sim = try data.settings().simulation, let solver = sim.solver, let model = sim.dataModel,
              data.axes.simulates else {
            throw Refusal("refine: the results file holds no simulations to refine (a theory-only study)")
        }
        self.data = data; self.validation = validation; self.options = options; settings = sim
        rho = data.rho; eta = data.eta
        ladder = NLadder(axis: data.N, cap: options.nCap(model))
        lattice = Lattice(delta: options.resolution)
        baseCost = PlanCost(solver: solver, dataModel: model, rho: rho, eta: eta, adamSteps: Int(sim.maxSteps))
        alphaIx = AxisIndex(data.alpha); betaIx = AxisIndex(data.beta); lamIx = AxisIndex(data.lam); nIx = AxisIndex(data.N)
        let top = data.seeds.max() ?? -1
        seedPool = data.seeds + (0..<options.maxReplicates).map { top + 1 + $0 }
    }

    /// The validation of observable `q` at grid position (a, b, l).
    func point(_ a: Int, _ b: Int, _ l: Int, _ q: Quantity) -> PointValidation {
        let qi = Validation.quantities.firstIndex(of: q)!
        return validation.points[((a * data.beta.count + b) * data.lam.count + l) * Validation.quantities.count + qi]
    }

    /// Replicate ids with a result (ok or failed) at (point, N) (none for a point or N not on the axes).
    func doneSeeds(_ p: PointKey, n: Int) -> Set<Int> {
        guard let a = alphaIx[p.alpha], let b = betaIx[p.beta], let l = lamIx[p.lambda], let k = nIx[n] else { return [] }
        return Set(data.seeds.indices.filter { data.isDone(.simulation, data.simIndex(a, b, l, k, $0)) }.map { data.seeds[$0] })
    }

    /// The ids an item would compute.
    func seeds(for item: ActionGroup.Item) -> [Int] {
        Planner.chooseSeeds(done: doneSeeds(item.point, n: item.n), axis: seedPool, replicates: item.replicates)
    }

    /// The cost of `items` on its own (no sharing with other groups).
    func standaloneCost(_ items: [ActionGroup.Item]) -> Double {
        var c = baseCost
        for it in items where it.n > 0 { c.add(alpha: it.point.alpha, n: it.n, seeds: seeds(for: it)) }
        return c.total
    }

    /// "α=…, β=…, λ=…".
    static func describe(_ p: PointKey) -> String {
        "α=\(formatNumber(p.alpha, significant: 10)), β=\(formatNumber(p.beta, significant: 10)), λ=\(formatNumber(p.lambda, significant: 10))"
    }

    // MARK: assembly

    func assemble(_ groups: [ActionGroup], round: Int, budgetLeft: Double, notes: [String]) -> RoundPlan {
        var cost = baseCost
        var actions: [Refinement.Action] = []
        var lines: [String] = []
        var unmet = 0
        var taken: [ActionGroup.Item] = []
        var seen = Set<[UInt64]>()   // (point, N) already planned this round: the first rule keeps it
        var alphas = Set(data.alpha.map(\.bitPattern)), betas = Set(data.beta.map(\.bitPattern))
        var nAlpha = data.alpha.count, nBeta = data.beta.count
        let nLam = data.lam.count
        var usedSeeds = Set(data.seeds)
        var simulated = 0
        for g in groups {
            let items = g.items.filter { !seen.contains([$0.point.alpha.bitPattern, $0.point.beta.bitPattern, $0.point.lambda.bitPattern, UInt64(bitPattern: Int64($0.n))]) }
            guard !items.isEmpty else { continue }
            var trial = cost
            let newA = g.newAlpha.filter { !alphas.contains($0.bitPattern) }, newB = g.newBeta.filter { !betas.contains($0.bitPattern) }
            let theoryAdded = (nAlpha + Set(newA.map(\.bitPattern)).count) * (nBeta + Set(newB.map(\.bitPattern)).count) * nLam - nAlpha * nBeta * nLam
            trial.addTheory(theoryAdded)
            var perItem: [Double] = []
            for it in items {
                let before = trial.total
                if it.n > 0 { trial.add(alpha: it.point.alpha, n: it.n, seeds: seeds(for: it)) }
                perItem.append(trial.total - before)
            }
            let groupCost = trial.total - cost.total
            guard trial.total <= budgetLeft else {
                unmet += 1
                lines.append("round \(round): not affordable (\(String(format: "%.3g", groupCost)) core-s, \(String(format: "%.3g", budgetLeft - cost.total)) left): \(g.rule.name): \(g.text)")
                continue
            }
            cost = trial
            for x in newA { alphas.insert(x.bitPattern) }
            for x in newB { betas.insert(x.bitPattern) }
            nAlpha = alphas.count; nBeta = betas.count
            let theoryShare = items.isEmpty ? 0 : Double(theoryAdded) * PlanCost.theoryPoint / Double(items.count)
            for (it, c) in zip(items, perItem) {
                seen.insert([it.point.alpha.bitPattern, it.point.beta.bitPattern, it.point.lambda.bitPattern, UInt64(bitPattern: Int64(it.n))])
                let chosen = it.n > 0 ? seeds(for: it) : []
                usedSeeds.formUnion(chosen)
                simulated += chosen.count
                actions.append(Refinement.Action(round: round, rule: g.rule, alpha: it.point.alpha, beta: it.point.beta,
                                                 lambda: it.point.lambda, n: it.n, replicates: it.replicates,
                                                 cost: c + theoryShare, se: g.se, targetSE: g.target))
                taken.append(it)
            }
            lines.append("round \(round): \(g.rule.name): \(g.text) (\(String(format: "%.3g", groupCost)) core-s)")
        }
        lines += notes.map { "round \(round): \($0)" }
        var axes = data.axes
        axes.alpha = (Set(data.alpha.map(\.bitPattern)).union(alphas)).map(Double.init(bitPattern:)).sorted()
        axes.beta = (Set(data.beta.map(\.bitPattern)).union(betas)).map(Double.init(bitPattern:)).sorted()
        axes.N = Set(data.N + taken.filter { $0.n > 0 }.map(\.n)).sorted()
        axes.seeds = usedSeeds.sorted()
        return RoundPlan(round: round, actions: actions, axes: axes, lines: lines, cost: cost.total,
                         simulatedPoints: simulated, unmet: unmet + notes.filter { $0.hasPrefix("unmet") }.count)
    }
}
