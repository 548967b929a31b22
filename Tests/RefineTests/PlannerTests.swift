// The planner: a pure function of the file and the options, blind to the replicates' means (so to
// z), with a variance model checked against closed forms, a budget it never exceeds, and seed
// choices a drained round finds again.
import Foundation
import Refine
import ResultsFile
import Statistics
import TestSupport
import VAETheory
import XCTest

final class PlannerTests: XCTestCase {
    /// The small study, made once for the suite.
    static let small: String = {
        let dir = try! temporaryDirectory("planner")
        return try! Fixtures.study(Fixtures.smallSpec, in: dir)
    }()

    func plan(_ d: ResultsData, _ o: RefineOptions, budget: Double? = nil) throws -> RoundPlan {
        try Planner.plan(data: d, validation: Validation.compute(d), options: o, round: 1,
                         budgetLeft: budget ?? o.budgetSeconds, boundaries: true)
    }

    /// The same file gives the same plan, read twice or planned twice; and the plan has every rule.
    func testPlanIsAFunctionOfTheFile() throws {
        var o = RefineOptions(budgetCoreHours: 1)
        o.targetSE = 0.02
        let a = try plan(try ResultsData.read(path: PlannerTests.small), o)
        let b = try plan(try ResultsData.read(path: PlannerTests.small), o)
        XCTAssertEqual(a.actions, b.actions)
        XCTAssertEqual(a.lines, b.lines)
        XCTAssertEqual(a.axes, b.axes)
        for rule: Refinement.Rule in [.precision, .window, .collapseBoundary, .optimalBeta, .bbp] {
            XCTAssertTrue(a.actions.contains { $0.rule == rule }, "no \(rule) action in \(a.lines)")
        }
        XCTAssertGreaterThan(a.cost, 0)
        XCTAssertLessThanOrEqual(a.cost, o.budgetSeconds)
    }

    /// Two files that differ only in the replicates' means (every value at a (point, N) shifted by
    /// its own constant: spreads unchanged, z and verdicts changed) give the same plan.
    func testPrecisionRuleIgnoresTheMeans() throws {
        let d = try ResultsData.read(path: PlannerTests.small)
        var shifted = d
        var rng = TestRNG(state: 7)
        for q in Quantity.allCases {
            guard var v = shifted[sim: q] else { continue }
            for a in d.alpha.indices { for b in d.beta.indices { for l in d.lam.indices { for n in d.N.indices {
                let c = 0.2 * rng.uniform()   // per (point, N, observable)
                for s in d.seeds.indices { v[d.simIndex(a, b, l, n, s)] += c }
            } } } }
            shifted[sim: q] = v
        }
        var o = RefineOptions(budgetCoreHours: 1)
        o.targetSE = 0.015
        let v0 = Validation.compute(d), v1 = Validation.compute(shifted)
        // the shift is visible to the verdicts (else this test could not fail) …
        XCTAssertNotEqual(v0.points.map(\.z.bitPattern), v1.points.map(\.z.bitPattern))
        XCTAssertGreaterThan(v1.counts()[.disagree] ?? 0, v0.counts()[.disagree] ?? 0)
        // … and not to the plan
        let p0 = try plan(d, o), p1 = try plan(shifted, o)
        XCTAssertTrue(p0.actions.contains { $0.rule == .precision })
        // the same actions; se(q∞) the same up to rounding (var(x + c) is var(x) only in exact arithmetic)
        XCTAssertEqual(p0.actions.count, p1.actions.count)
        for (x, y) in zip(p0.actions, p1.actions) {
            var y2 = y
            y2.se = x.se
            XCTAssertEqual(x, y2)
            if x.se.isFinite { XCTAssertEqual(y.se, x.se, accuracy: 1e-9 * x.se) } else { XCTAssertEqual(x.se.isNaN, y.se.isNaN) }
        }
        XCTAssertEqual(p0.lines, p1.lines)
    }

    /// The variance model against closed forms: uniform replicate growth by k divides it by k; two
    /// N fitted on {1, 1/N} give q∞ = (N₂q₂ − N₁q₁)/(N₂ − N₁) whatever the weights; the collapsed
    /// ansatz uses the largest N alone.
    func testVarianceModelClosedForms() throws {
        let design = [(n: 250, reps: 5), (n: 500, reps: 5), (n: 1000, reps: 5)]
        for ansatz: Ansatz in [.learning, .overlearningEdge, .overlearningOverlap, .composed] {
            let v = try XCTUnwrap(VarianceModel.variance(design, ansatz: ansatz))
            let v4 = try XCTUnwrap(VarianceModel.variance(design.map { ($0.n, 4 * $0.reps) }, ansatz: ansatz))
            XCTAssertEqual(v4 / v, 0.25, accuracy: 1e-12, "\(ansatz)")
        }
        let (n1, n2) = (1000.0, 4000.0), (r1, r2) = (5.0, 20.0)
        let c1 = -n1 / (n2 - n1), c2 = n2 / (n2 - n1)
        let expected = c1 * c1 / n1 / r1 + c2 * c2 / n2 / r2   // σ² ∝ 1/N in the learning phase
        let v = try XCTUnwrap(VarianceModel.variance([(1000, 5), (4000, 20)], ansatz: .learning))
        XCTAssertEqual(v, expected, accuracy: 1e-15 * expected + 1e-18)
        let vc = try XCTUnwrap(VarianceModel.variance(design, ansatz: .collapsedLargestN))
        XCTAssertEqual(vc, 1.0 / 1000 / 5, accuracy: 1e-18)
        // below BBP Q's spread falls as N^(−2/3): the exponent of the model
        let ve = try XCTUnwrap(VarianceModel.variance([(1000, 5)], ansatz: .collapsedLargestN))
        XCTAssertEqual(VarianceModel.spreadExponent(.overlearningEdge), 2.0 / 3.0)
        XCTAssertEqual(ve, pow(1000, -1.0) / 5, accuracy: 1e-18)
    }

    /// Lattice brackets contain their value with the resolution asked; the ladder doubles to the cap.
    func testLatticeAndLadder() {
        let l = Lattice(delta: 0.02)
        for x in [0.0123, 0.5, 1.0, 1.7999, 2.65656, 37.5] {
            let b = l.bracket(x)
            XCTAssertLessThan(b.lo, x); XCTAssertGreaterThan(b.hi, x)
            XCTAssertLessThanOrEqual(b.hi / b.lo, x == 1 ? 1.02 * 1.02 * (1 + 1e-9) : 1.02 * (1 + 1e-9), "\(x)")
            XCTAssertEqual(l.value(b.kLo), b.lo)
        }
        XCTAssertEqual(l.value(0), 1)
        XCTAssertEqual(NLadder(axis: [250, 500, 1000], cap: 8000).values, [250, 500, 1000, 2000, 4000, 8000])
        XCTAssertEqual(NLadder(axis: [300, 700], cap: 5000).values, [300, 700, 1400, 2800])
        XCTAssertEqual(NLadder(axis: [300, 700], cap: 5000).above(700), [1400, 2800])
    }

    /// The seeds an action picks are a prefix of the ids not done: after part of them are done (a
    /// drained round), the same rule picks exactly the rest.
    func testChosenSeedsAreFoundAgainAfterADrain() {
        var rng = TestRNG(state: 3)
        for _ in 0..<200 {
            let axis = Array(0..<30)
            let done0 = Set(axis.filter { _ in rng.uniform() < -0.4 })
            let r = done0.count + 1 + Int((rng.uniform() + 1) * 6)
            let chosen = Planner.chooseSeeds(done: done0, axis: axis, replicates: r)
            XCTAssertEqual(chosen.count, r - done0.count)
            let part = Set(chosen.filter { _ in rng.uniform() < 0 })
            let again = Planner.chooseSeeds(done: done0.union(part), axis: axis, replicates: r)
            XCTAssertEqual(again, chosen.filter { !part.contains($0) })
        }
    }

    /// The budget bounds the plan: a plan costs at most what is left; with less than its cheapest
    /// group left it is empty and says what it left unmet.
    func testBudgetBoundsThePlan() throws {
        let d = try ResultsData.read(path: PlannerTests.small)
        var o = RefineOptions(budgetCoreHours: 1)
        o.targetSE = 0.01
        let full = try plan(d, o)
        for fraction in [0.5, 0.1, 0.01] {
            let budget = full.cost * fraction
            let p = try plan(d, o, budget: budget)
            XCTAssertLessThanOrEqual(p.cost, budget)
            XCTAssertGreaterThan(p.unmet, 0)
            XCTAssertTrue(p.lines.contains { $0.contains("not affordable") })
        }
        let none = try plan(d, o, budget: 1e-9)
        XCTAssertTrue(none.isEmpty)
        XCTAssertGreaterThan(none.unmet, 0)
    }

    /// With no target a plan chases only points whose se exceeds half the distance to another
    /// phase's prediction, and each precision action's se and target say so.
    func testPrecisionTargets() throws {
        let d = try ResultsData.read(path: PlannerTests.small)
        let v = Validation.compute(d)
        let o = RefineOptions(budgetCoreHours: 1)
        let p = try plan(d, o)
        for act in p.actions where act.rule == .precision {
            XCTAssertGreaterThan(act.se, act.targetSE)
            let pvs = v.points.filter { $0.alpha == act.alpha && $0.beta == act.beta && $0.lambda == act.lambda }
            XCTAssertTrue(pvs.contains { abs($0.alternativeDistance / 2 - act.targetSE) < 1e-15 }, "\(act)")
        }
        var tight = o
        tight.targetSE = 1e-4
        let pt = try plan(d, tight)
        XCTAssertGreaterThan(pt.actions.filter { $0.rule == .precision }.count, p.actions.filter { $0.rule == .precision }.count)
        var loose = o
        loose.targetSE = 1e3
        XCTAssertEqual(try plan(d, loose).actions.filter { $0.rule == .precision }.count, p.actions.filter { $0.rule == .precision }.count)
    }

    /// Window actions take the point out of every window at the N they choose (theory only).
    func testWindowActionsLeaveTheWindows() throws {
        let d = try ResultsData.read(path: PlannerTests.small)
        let p = try plan(d, RefineOptions(budgetCoreHours: 1))
        let windows = p.actions.filter { $0.rule == .window }
        XCTAssertFalse(windows.isEmpty)
        for act in windows {
            for q in Validation.quantities {
                XCTAssertEqual(Validation.windowExclusion(q, n: act.n, alpha: act.alpha, beta: act.beta, lambda: act.lambda,
                                                          rho: 1, eta: 1), [], "\(act)")
            }
            XCTAssertGreaterThan(act.n, 1000)
        }
    }
}
