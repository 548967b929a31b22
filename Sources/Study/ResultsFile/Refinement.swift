// The record a refinement (`vaesweep refine`) keeps in its results file, beside the points: the
// rounds table, every planned action with its rule and numbers, the round that computed each
// point, the plan text, and the options. State lives only here: a drained refine resumes from
// the file alone (a round whose row is pending is finished from its stored actions).
//
// Layout (netCDF-4 / HDF5, next to the point variables):
//   coordinates: round (int64, 0 = the input file's points), action (int64, 0 … A − 1)
//   rounds (round): round_complete, round_actions_precision/_window/_boundary, round_points_simulated,
//     round_points_theory, round_cost_estimate (reference core-seconds, the budget's currency),
//     round_core_seconds, round_wall_seconds and round_load_balance (measured; not reproducible), round_agree,
//     round_marginal, round_disagree, round_undecided, round_apart ((point, observable) counts
//     after the round; −1 while pending)
//   actions (action): action_round, action_rule (flag_values), action_alpha, action_beta,
//     action_lambda, action_N (−1: theory only), action_replicates (replicates at that N after the
//     action), action_cost, action_se, action_target_se (precision actions; NaN otherwise)
//   points: theory_round (alpha, beta, lam), sim_round (alpha, beta, lam, N, seed): the round that
//     computed the point (0 the input file, −1 not computed)
//   root attributes: refine_options, refine_first_round, refine_finished, refine_base, refine_plan
import Foundation
import HDF5Kit

/// A refinement's record (see the file header).
public struct Refinement: Sendable, Equatable {
    /// Why a point was planned (the `action_rule` codes).
    public enum Rule: Int8, CaseIterable, Sendable {
        /// More replicates or a larger N where se(q∞) exceeds its target.
        case precision = 0
        /// Larger N for a point reported apart because of a finite-N window.
        case window = 1
        /// Bracketing the continuous collapse boundary β_c(α).
        case collapseBoundary = 2
        /// Bracketing the first-order boundary β_eq(α) (simulated outside the coexistence region).
        case firstOrderBoundary = 3
        /// Bracketing the BBP threshold in α.
        case bbp = 4
        /// Bracketing the optimal β of ε_g.
        case optimalBeta = 5

        /// The CF flag meaning.
        public var name: String {
            switch self {
            case .precision: return "precision"
            case .window: return "window"
            case .collapseBoundary: return "collapse_boundary"
            case .firstOrderBoundary: return "first_order_boundary"
            case .bbp: return "bbp_threshold"
            case .optimalBeta: return "optimal_beta"
            }
        }
        /// Whether the rule is one of the boundary rules.
        public var isBoundary: Bool { self != .precision && self != .window }
    }

    /// One round of the rounds table.
    public struct Round: Sendable, Equatable {
        /// The round number (0: the input file).
        public var round: Int
        /// Whether every planned point of the round has a result.
        public var complete: Bool
        /// Actions by rule: precision, window, boundary (all boundary rules).
        public var precisionActions = 0, windowActions = 0, boundaryActions = 0
        /// Simulated and theory points computed in the round (round 0: those of the input file).
        public var simulatedPoints = 0, theoryPoints = 0
        /// The cost model's estimate of the round (reference core-seconds; what the budget is charged).
        public var costEstimate = 0.0
        /// Measured core-seconds (wall × ranks) and wall seconds (NaN for round 0; not reproducible).
        public var coreSeconds = Double.nan, wallSeconds = Double.nan
        /// Σ busy / (ranks × wall) of the round's (last) run (NaN for round 0; not reproducible).
        public var loadBalance = Double.nan
        /// (point, observable) verdict counts after the round (−1 while pending).
        public var agree = -1, marginal = -1, disagree = -1, undecided = -1, apart = -1
        /// A round with only its number and completeness set.
        public init(round: Int, complete: Bool) { self.round = round; self.complete = complete }

        /// Equal in every field, doubles by bit pattern (NaN equals NaN: round 0's timings).
        public static func == (l: Round, r: Round) -> Bool {
            [l.round, l.precisionActions, l.windowActions, l.boundaryActions, l.simulatedPoints, l.theoryPoints,
             l.agree, l.marginal, l.disagree, l.undecided, l.apart]
                == [r.round, r.precisionActions, r.windowActions, r.boundaryActions, r.simulatedPoints, r.theoryPoints,
                    r.agree, r.marginal, r.disagree, r.undecided, r.apart]
                && l.complete == r.complete
                && [l.costEstimate, l.coreSeconds, l.wallSeconds, l.loadBalance].map(\.bitPattern)
                == [r.costEstimate, r.coreSeconds, r.wallSeconds, r.loadBalance].map(\.bitPattern)
        }
    }

    /// One planned action: simulate (α, β, λ) at N up to `replicates` replicates (or, N = −1, a
    /// theory-only insertion).
    public struct Action: Sendable, Equatable {
        /// The round that planned it.
        public var round: Int
        /// The rule.
        public var rule: Rule
        /// The point.
        public var alpha: Double, beta: Double, lambda: Double
        /// The system size (−1: theory only).
        public var n: Int
        /// Replicates (done, ok or failed) the point has at N once the action is carried out.
        public var replicates: Int
        /// The cost model's marginal estimate (reference core-seconds).
        public var cost: Double
        /// Precision actions: se(q∞) of the worst observable before, and its target (NaN otherwise).
        public var se: Double, targetSE: Double
        /// An action (see the properties).
        public init(round: Int, rule: Rule, alpha: Double, beta: Double, lambda: Double, n: Int, replicates: Int,
                    cost: Double, se: Double = .nan, targetSE: Double = .nan) {
            self.round = round; self.rule = rule; self.alpha = alpha; self.beta = beta; self.lambda = lambda
            self.n = n; self.replicates = replicates; self.cost = cost; self.se = se; self.targetSE = targetSE
        }

        /// Equal in every field, doubles by bit pattern (NaN equals NaN: the fields' fill value).
        public static func == (l: Action, r: Action) -> Bool {
            l.round == r.round && l.rule == r.rule && l.n == r.n && l.replicates == r.replicates
                && [l.alpha, l.beta, l.lambda, l.cost, l.se, l.targetSE].map(\.bitPattern)
                == [r.alpha, r.beta, r.lambda, r.cost, r.se, r.targetSE].map(\.bitPattern)
        }
    }

    /// The rounds, 0 first.
    public var rounds: [Round]
    /// Every action of every round, in plan order.
    public var actions: [Action]
    /// Per theory point of the study: the round that computed it (−1: not computed).
    public var theoryRound: [Int8]
    /// Per simulated point: the round that computed it (−1: not run).
    public var simRound: [Int8]
    /// The options of the latest refine session, canonical text ("budget_core_hours = …; …").
    public var options: String
    /// The first round of the latest session (its budget and round limit count from here).
    public var firstRound: Int
    /// Why the latest session stopped ("" while it is still going).
    public var finished: String
    /// The input file of the first session ("PATH (vaesweep VERSION, commit …)") and its canonical spec.
    public var base: String
    /// The plan of each round in words, one line per action or note, each line "round K: …".
    public var plan: [String]

    /// A record (see the properties).
    public init(rounds: [Round], actions: [Action], theoryRound: [Int8], simRound: [Int8], options: String,
                firstRound: Int, finished: String, base: String, plan: [String]) {
        self.rounds = rounds; self.actions = actions; self.theoryRound = theoryRound; self.simRound = simRound
        self.options = options; self.firstRound = firstRound; self.finished = finished; self.base = base; self.plan = plan
    }

    /// The highest round number (0 with no refinement round yet).
    public var lastRound: Int { rounds.last?.round ?? 0 }
    /// The pending round (planned, not finished), if any.
    public var pendingRound: Round? { rounds.last.flatMap { $0.complete ? nil : $0 } }
    /// The actions of round `k`.
    public func actions(ofRound k: Int) -> [Action] { actions.filter { $0.round == k } }

    /// The per-point round arrays carried over to new axes (every value of `old` is on `new`):
    /// points new to the axes are −1.
    public func remapped(from old: StudyAxes, to new: StudyAxes) -> Refinement {
        var r = self
        let map = StudyAxes.positionMap(from: old, to: new)
        r.theoryRound = Array(repeating: -1, count: new.theoryCount)
        r.simRound = Array(repeating: -1, count: new.simCount)
        for a in old.alpha.indices { for b in old.beta.indices { for l in old.lam.indices {
            let t0 = old.theoryIndex(a, b, l)
            let (a1, b1, l1) = (map.alpha[a], map.beta[b], map.lam[l])
            r.theoryRound[new.theoryIndex(a1, b1, l1)] = theoryRound[t0]
            guard old.simulates else { continue }
            for n in old.N.indices { for s in old.seeds.indices {
                r.simRound[new.simIndex(a1, b1, l1, map.n[n], map.seed[s])] = simRound[old.simIndex(a, b, l, n, s)]
            } }
        } } }
        return r
    }

    // MARK: schema

    /// Variable names of the refinement tables (the `round` and `action` dimensions).
    public enum Name {
        public static let round = "round", action = "action"
        public static let theoryRound = "theory_round", simRound = "sim_round"
        /// Attributes.
        public static let options = "refine_options", firstRound = "refine_first_round", finished = "refine_finished"
        public static let base = "refine_base", plan = "refine_plan"
        /// Measured timings: not reproducible between two refines of the same input.
        public static let notReproducible: Set<String> = ["round_core_seconds", "round_wall_seconds", "round_load_balance"]
    }

    /// The rounds table's columns: name, long name, units, value.
    static let roundColumns: [(name: String, longName: String, units: String, value: @Sendable (Round) -> Double)] = [
        ("round_complete", "whether every planned point of the round has a result (1/0)", "1", { $0.complete ? 1 : 0 }),
        ("round_actions_precision", "actions of the precision rule", "1", { Double($0.precisionActions) }),
        ("round_actions_window", "actions of the window rule", "1", { Double($0.windowActions) }),
        ("round_actions_boundary", "actions of the boundary rules", "1", { Double($0.boundaryActions) }),
        ("round_points_simulated", "simulated points computed in the round", "1", { Double($0.simulatedPoints) }),
        ("round_points_theory", "theory points computed in the round", "1", { Double($0.theoryPoints) }),
        ("round_cost_estimate", "cost model estimate of the round (what the budget is charged)", "reference core-seconds", { $0.costEstimate }),
        ("round_core_seconds", "measured wall time times ranks", "s", { $0.coreSeconds }),
        ("round_wall_seconds", "measured wall time", "s", { $0.wallSeconds }),
        ("round_load_balance", "busy seconds / (ranks x wall) of the round's last run", "1", { $0.loadBalance }),
        ("round_agree", "(point, observable) pairs that agree after the round", "1", { Double($0.agree) }),
        ("round_marginal", "(point, observable) pairs marginal after the round", "1", { Double($0.marginal) }),
        ("round_disagree", "(point, observable) pairs that disagree after the round", "1", { Double($0.disagree) }),
        ("round_undecided", "(point, observable) pairs undecided after the round", "1", { Double($0.undecided) }),
        ("round_apart", "(point, observable) pairs reported apart after the round", "1", { Double($0.apart) }),
    ]
    /// Float columns of the rounds table (the others are int64).
    static let roundFloatColumns: Set<String> = ["round_cost_estimate", "round_core_seconds", "round_wall_seconds", "round_load_balance"]

    /// Write the tables into an open results file whose coordinates are already written.
    func write(_ f: HDF5File, axes: StudyAxes) throws {
        guard theoryRound.count == axes.theoryCount, simRound.count == (axes.simulates ? axes.simCount : 0) else {
            throw ResultsError("refinement: point rounds of \(theoryRound.count)/\(simRound.count) values for axes of \(axes.theoryCount)/\(axes.simCount) points")
        }
        func scale(_ name: String, _ count: Int, _ longName: String) throws -> HDF5Dataset {
            let ds = try f.createDataset(name, of: Int64.self, shape: [count], fill: -1)
            if count > 0 { try ds.write((0..<count).map { Int64($0) }) }
            try ds.makeDimensionScale(name: name)
            try ds.setAttribute("long_name", longName)
            try ds.setAttribute("units", "1")
            return ds
        }
        let roundScale = try scale(Name.round, rounds.count, "refinement round (0: the input file)")
        try roundScale.write(rounds.map { Int64($0.round) })
        let actionScale = try scale(Name.action, actions.count, "planned action")
        func column(_ name: String, _ values: [Double], scale: HDF5Dataset, float: Bool, longName: String, units: String?,
                    flags: (values: [Int8], meanings: String)? = nil) throws {
            let ds: HDF5Dataset
            if let flags {
                ds = try f.createDataset(name, of: Int8.self, shape: [values.count], fill: -1)
                if !values.isEmpty { try ds.write(values.map { Int8($0) }) }
                try ds.setAttribute("_FillValue", Int8(-1))
                try ds.setAttribute("flag_values", flags.values)
                try ds.setAttribute("flag_meanings", flags.meanings)
            } else if float {
                ds = try f.createDataset(name, of: Double.self, shape: [values.count], fill: .nan)
                if !values.isEmpty { try ds.write(values) }
                try ds.setAttribute("_FillValue", Double.nan)
            } else {
                ds = try f.createDataset(name, of: Int64.self, shape: [values.count], fill: -1)
                if !values.isEmpty { try ds.write(values.map { Int64($0) }) }
                try ds.setAttribute("_FillValue", Int64(-1))
            }
            try ds.setAttribute("long_name", longName)
            if let units { try ds.setAttribute("units", units) }
            try ds.attach(scale: scale, to: 0)
        }
        for c in Refinement.roundColumns {
            try column(c.name, rounds.map(c.value), scale: roundScale, float: Refinement.roundFloatColumns.contains(c.name),
                       longName: c.longName, units: c.units)
        }
        let rules = Rule.allCases
        for (name, longName, units, float, value) in Refinement.actionColumns {
            try column(name, actions.map(value), scale: actionScale, float: float, longName: longName, units: units,
                       flags: name == "action_rule" ? (rules.map(\.rawValue), rules.map(\.name).joined(separator: " ")) : nil)
        }
        // the round that computed each point
        let scales = try [Variable.alpha, Variable.beta, Variable.lambda, Variable.N, Variable.seed].prefix(axes.simulates ? 5 : 3)
            .map { try f.openDataset($0) }
        func pointRounds(_ name: String, _ values: [Int8], shape: [Int], longName: String) throws {
            let ds = try f.createDataset(name, of: Int8.self, shape: shape, fill: -1,
                                         options: DatasetOptions(chunks: ResultsWriter.chunks(shape), gzipLevel: 4))
            try ds.write(values)
            try ds.setAttribute("_FillValue", Int8(-1))
            try ds.setAttribute("long_name", longName)
            for axis in 0..<shape.count { try ds.attach(scale: scales[axis], to: axis) }
        }
        try pointRounds(Name.theoryRound, theoryRound, shape: axes.theoryShape, longName: "refinement round that computed the theory point (0: input file, -1: not computed)")
        if axes.simulates {
            try pointRounds(Name.simRound, simRound, shape: axes.simShape, longName: "refinement round that computed the simulated point (0: input file, -1: not run)")
        }
        try f.setAttribute(Name.options, options)
        try f.setAttribute(Name.firstRound, Int64(firstRound))
        try f.setAttribute(Name.finished, finished)
        try f.setAttribute(Name.base, base)
        try f.setAttribute(Name.plan, plan.joined(separator: "\n"))
    }

    /// The actions table's columns: name, long name, units, float, value.
    static let actionColumns: [(String, String, String?, Bool, @Sendable (Action) -> Double)] = [
        ("action_round", "round that planned the action", "1", false, { Double($0.round) }),
        ("action_rule", "rule that planned the action", nil, false, { Double($0.rule.rawValue) }),
        ("action_alpha", "α of the point", "1", true, { $0.alpha }),
        ("action_beta", "β of the point", "1", true, { $0.beta }),
        ("action_lambda", "λ of the point", "1", true, { $0.lambda }),
        ("action_N", "system size simulated (-1: theory only)", "1", false, { Double($0.n) }),
        ("action_replicates", "replicates at that N once the action is carried out", "1", false, { Double($0.replicates) }),
        ("action_cost", "cost model estimate of the action (marginal)", "reference core-seconds", true, { $0.cost }),
        ("action_se", "precision: se(q∞) of the worst observable before the action", "1", true, { $0.se }),
        ("action_target_se", "precision: the target se of that observable", "1", true, { $0.targetSE }),
    ]

    /// What a refine must know of an existing output before it starts, cheaply (root attributes and
    /// the rounds' completeness only; the same answer on every rank): its options, why its latest
    /// session stopped ("" while going), whether a round is pending. Nil when the file holds no
    /// refinement. Throws `ResultsError` for a file that cannot be read.
    public static func readStatus(path: String) throws -> (options: String, finished: String, pending: Bool)? {
        let f = try ResultsData.open(path)
        defer { try? f.close() }
        guard f.contains(Name.round), f.hasAttribute(Name.options), f.contains("round_complete") else { return nil }
        let complete = try f.openDataset("round_complete").read(Int64.self)
        return (try f.stringAttribute(Name.options), f.hasAttribute(Name.finished) ? try f.stringAttribute(Name.finished) : "",
                complete.last.map { $0 != 1 } ?? false)
    }

    /// The refinement record of an open results file, or nil when the file has none.
    static func read(_ f: HDF5File, axes: StudyAxes, path: String) throws -> Refinement? {
        guard f.contains(Name.round), f.hasAttribute(Name.options) else { return nil }
        func column(_ name: String, count: Int) throws -> [Double] {
            guard f.contains(name) else { throw ResultsError("results file '\(path)': refinement variable '\(name)' is missing") }
            let ds = try f.openDataset(name)
            guard ds.shape == [count] else { throw ResultsError("results file '\(path)': '\(name)' has shape \(ds.shape), expected [\(count)]") }
            if count == 0 { return [] }
            switch name {
            case "action_rule": return try ds.read(Int8.self).map(Double.init)
            case _ where roundFloatColumns.contains(name) || actionColumns.contains(where: { $0.0 == name && $0.3 }):
                return try ds.read(Double.self)
            default: return try ds.read(Int64.self).map(Double.init)
            }
        }
        let roundIDs = try f.openDataset(Name.round).read(Int64.self).map(Int.init)
        let nr = roundIDs.count
        var cols: [String: [Double]] = [:]
        for c in roundColumns {
            // (a diagnostic added after the first refine files: absent is unmeasured)
            if c.name == "round_load_balance" && !f.contains(c.name) { cols[c.name] = Array(repeating: .nan, count: nr); continue }
            cols[c.name] = try column(c.name, count: nr)
        }
        var rounds: [Round] = []
        for i in 0..<nr {
            var r = Round(round: roundIDs[i], complete: cols["round_complete"]![i] == 1)
            func v(_ k: String) -> Int { Int(cols[k]![i]) }
            r.precisionActions = v("round_actions_precision"); r.windowActions = v("round_actions_window")
            r.boundaryActions = v("round_actions_boundary")
            r.simulatedPoints = v("round_points_simulated"); r.theoryPoints = v("round_points_theory")
            r.costEstimate = cols["round_cost_estimate"]![i]
            r.coreSeconds = cols["round_core_seconds"]![i]; r.wallSeconds = cols["round_wall_seconds"]![i]
            r.loadBalance = cols["round_load_balance"]![i]
            r.agree = v("round_agree"); r.marginal = v("round_marginal"); r.disagree = v("round_disagree")
            r.undecided = v("round_undecided"); r.apart = v("round_apart")
            rounds.append(r)
        }
        let na = f.contains(Name.action) ? try f.openDataset(Name.action).shape.first ?? 0 : 0
        var ac: [String: [Double]] = [:]
        for c in actionColumns { ac[c.0] = try column(c.0, count: na) }
        var actions: [Action] = []
        for i in 0..<na {
            guard let rule = Rule(rawValue: Int8(ac["action_rule"]![i])) else {
                throw ResultsError("results file '\(path)': action_rule holds \(ac["action_rule"]![i]), not a rule code")
            }
            actions.append(Action(round: Int(ac["action_round"]![i]), rule: rule, alpha: ac["action_alpha"]![i],
                                  beta: ac["action_beta"]![i], lambda: ac["action_lambda"]![i], n: Int(ac["action_N"]![i]),
                                  replicates: Int(ac["action_replicates"]![i]), cost: ac["action_cost"]![i],
                                  se: ac["action_se"]![i], targetSE: ac["action_target_se"]![i]))
        }
        func pointRounds(_ name: String, shape: [Int]) throws -> [Int8] {
            guard f.contains(name) else { throw ResultsError("results file '\(path)': refinement variable '\(name)' is missing") }
            let ds = try f.openDataset(name)
            guard ds.shape == shape else { throw ResultsError("results file '\(path)': '\(name)' has shape \(ds.shape), expected \(shape)") }
            return try ds.read(Int8.self)
        }
        let theoryRound = try pointRounds(Name.theoryRound, shape: axes.theoryShape)
        let simRound = axes.simulates ? try pointRounds(Name.simRound, shape: axes.simShape) : []
        func string(_ k: String) throws -> String { f.hasAttribute(k) ? try f.stringAttribute(k) : "" }
        let first = f.hasAttribute(Name.firstRound) ? Int(try f.attribute(Name.firstRound, as: Int64.self).first ?? 1) : 1
        let planText = try string(Name.plan)
        return Refinement(rounds: rounds, actions: actions, theoryRound: theoryRound, simRound: simRound,
                          options: try string(Name.options), firstRound: first, finished: try string(Name.finished),
                          base: try string(Name.base),
                          plan: planText.isEmpty ? [] : planText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }
}

extension StudyAxes {
    /// Positions on `new` of every value of `old` (each must be there: axes only grow).
    public static func positionMap(from old: StudyAxes, to new: StudyAxes) -> (alpha: [Int], beta: [Int], lam: [Int], n: [Int], seed: [Int]) {
        func map(_ o: [Double], _ n: [Double]) -> [Int] {
            let ix = AxisIndex(n)
            return o.map { v in
                guard let p = ix[v] else { preconditionFailure("axis value \(v) missing from the grown axes") }
                return p
            }
        }
        return (map(old.alpha, new.alpha), map(old.beta, new.beta), map(old.lam, new.lam),
                map(old.N.map(Double.init), new.N.map(Double.init)), map(old.seeds.map(Double.init), new.seeds.map(Double.init)))
    }
}
