// Refine benchmark (`vaesweep-bench refine`, in `make bench`): from a coarse grid, `vaesweep refine`
// (mpirun -np 2) to a stated goal, against the uniform grid that reaches the same goal.
//
// Goal: every (point, observable) of the coarse grid that the refine brought to a decided verdict
// with se(q∞) ≤ min(X, half the distance to another phase's prediction) — those reported apart in
// the coarse grid's finite-N windows included — and β_c(α) (or β_eq) bracketed by theory points
// within a relative δ at every (α, λ) whose boundary lies inside the β range (5 λ).
// The uniform grid: the coarse α and λ, β on the δ-lattice over the β range (so every boundary is
// bracketed within δ), and ONE design (N set, replicates) for every point: the cheapest of the
// candidates (the coarse N plus 0 … 12 doublings, 5 … 100 replicates) under which every goal pair
// has ≥ 2 N outside its windows and a predicted se within its target — predicted by the refine's
// own variance model from the refined file's se and design. Its cost is the cost model's
// (reference core-seconds: the refine's currency), so the ratio is a cost-model estimate,
// computed in this run, of what refining saves. The refine's own cost includes what it spent on
// needs it could not meet (at the caps), so the comparison leans towards the uniform grid.
import Foundation
import Refine
import ResultsFile
import Statistics
import Sweep
import TestSupport
import VAESimulation
import VAETheory

func runRefineBenchmark() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vaesweep-bench-refine-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }   // this benchmark's own temporary directory
    // gd, the default solver (every (β, λ) pair trains: extra β cost), on the exact-law data; N ≤ 4000
    // for both the refine and the uniform grid
    let target = 0.02, delta = 0.02, maxN = 4000
    let spec = """
    [grid]
    alpha = [0.5, 1.5, 2.0, 4.0, 8.0]
    beta = [0.5, 1.0, 1.5, 2.0, 3.0]
    lambda = [0.01, 0.1, 0.5, 1.0, 2.0]
    N = [250, 500, 1000]
    seeds = 5

    [simulation]
    solver = "gd"
    data = "bidiagonal"
    """
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vaesweep").path
    let specPath = dir.appendingPathComponent("coarse.toml").path
    try spec.write(toFile: specPath, atomically: true, encoding: .utf8)
    let coarse = dir.appendingPathComponent("coarse.h5").path, refined = dir.appendingPathComponent("refined.h5").path
    func vaesweep(_ args: [String]) throws -> Double {
        let p = makeProcess("/usr/bin/mpirun", ["-np", "2", "--oversubscribe", "--bind-to", "none", exe] + args + ["--quiet"])
        let t0 = Date()
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError("vaesweep \(args[0]) failed (exit \(p.terminationStatus))") }
        return Date().timeIntervalSince(t0)
    }
    let tCoarse = try vaesweep(["run", specPath, "--output", coarse])
    let tRefine = try vaesweep(["refine", coarse, "--output", refined, "--budget", "1", "--target-se", "\(target)",
                                "--resolution", "\(delta)", "--rounds", "8", "--max-n", "\(maxN)"])
    let base = try ResultsData.read(path: coarse), final = try ResultsData.read(path: refined)
    guard let rf = final.refinement, let sim = try base.settings().simulation, let solver = sim.solver, let model = sim.dataModel else {
        throw BenchError("the refined file has no refinement record")
    }
    let v0 = Validation.compute(base), v1 = Validation.compute(final)

    // the goal, checked on the refined study
    let finalIx = (AxisIndex(final.alpha), AxisIndex(final.beta), AxisIndex(final.lam))
    func finalPoint(_ p: PointValidation) -> PointValidation? {
        guard let a = finalIx.0[p.alpha], let b = finalIx.1[p.beta], let l = finalIx.2[p.lambda] else { return nil }
        return v1.points[((a * final.beta.count + b) * final.lam.count + l) * Validation.quantities.count + Validation.quantities.firstIndex(of: p.quantity)!]
    }
    // the goal pairs: the coarse grid's (point, observable) pairs the refine brought to a decided
    // verdict within their target
    func targetOf(_ p: PointValidation) -> Double { min(target, p.alternativeDistance / 2) }
    func seStat(_ p: PointValidation) -> Double { p.estimate?.statisticalVariance.squareRoot() ?? .infinity }
    let goal = v0.points.compactMap(finalPoint).filter { $0.verdict.isDecided && seStat($0) <= targetOf($0) }
    let coarseDecided = v0.points.filter { $0.verdict.isDecided && seStat($0) <= targetOf($0) }.count
    var brackets = 0, bracketed = 0
    for a in base.alpha { for l in base.lam {
        let t = Theory.transition(alpha: a, lambda: l, rho: base.rho, eta: base.eta)
        guard t.kind != .none, t.boundary > base.beta.first!, t.boundary < base.beta.last! else { continue }
        brackets += 1
        if let lo = final.beta.last(where: { $0 < t.boundary }), let hi = final.beta.first(where: { $0 >= t.boundary }), hi / lo <= (1 + delta) * (1 + 1e-9) {
            bracketed += 1
        }
    } }
    let refineCost = rf.rounds.dropFirst().reduce(0) { $0 + $1.costEstimate }
    let refineMeasured = rf.rounds.dropFirst().reduce(0) { $0 + ($1.coreSeconds.isFinite ? $1.coreSeconds : 0) }
    let baseCost = rf.rounds.first?.costEstimate ?? .nan
    print(String(format: "refine: coarse grid %d points (%d simulated), %.1f s wall (np 2); refine %d rounds, %.1f s wall (np 2)",
                 base.theoryCount, base.simCount, tCoarse, rf.rounds.count - 1, tRefine))
    print("refine: stopped: \(rf.finished)")
    print(String(format: "refine: goal: %d of the coarse grid's %d (point, observable) pairs decided with se(q∞) <= min(%.3g, distance to another phase / 2) (%d before refining); β_c bracketed within δ = %.3g at %d of %d (α, λ)",
                 goal.count, v0.points.count, target, coarseDecided, delta, bracketed, brackets))
    for (name, v) in [("coarse", v0), ("refined", v1)] {
        let c = v.counts()
        print(String(format: "refine: verdicts %@: agree %d, marginal %d, disagree %d, undecided %d, apart %d", name,
                     c[.agree] ?? 0, c[.marginal] ?? 0, c[.disagree] ?? 0, c[.undecided] ?? 0,
                     c.filter { $0.key.isExcluded }.reduce(0) { $0 + $1.value }))
    }

    // the uniform grid reaching the same goal
    let betaCount = Int((log(base.beta.last! / base.beta.first!) / log1p(delta)).rounded(.up)) + 1
    let ladder = NLadder(axis: base.N, cap: maxN).values
    let baseN = base.N.sorted()
    var best: (cost: Double, ns: [Int], reps: Int)? = nil
    var worstPredicted = Double.infinity
    let doublings = ladder.filter { $0 > baseN.last! }
    for extra in 0...doublings.count {
        let ns = baseN + doublings.prefix(extra)
        for reps in [5, 10, 20, 40, 80, 100] {
            // every goal pair needs 2 N outside its windows and its predicted se within its target
            var worst = 0.0
            for p in goal {
                let free = ns.filter { n in
                    Validation.windowExclusion(p.quantity, n: n, alpha: p.alpha, beta: p.beta, lambda: p.lambda,
                                               rho: base.rho, eta: base.eta).isEmpty
                }
                guard free.count >= 2 else { worst = .infinity; break }
                let used = p.sizes.filter(\.usable).map { (n: $0.n, reps: $0.seeds) }
                let single = p.ansatz == .collapsedLargestN || p.ansatz == .singleN
                let d0 = single ? [used.last!] : used
                let d1 = single ? [(n: free.last!, reps: reps)] : free.map { (n: $0, reps: reps) }
                guard let m0 = VarianceModel.variance(d0, ansatz: p.ansatz), let m1 = VarianceModel.variance(d1, ansatz: p.ansatz) else { continue }
                worst = max(worst, seStat(p) * (m1 / m0).squareRoot() / targetOf(p))
            }
            worstPredicted = min(worstPredicted, worst)
            guard worst <= 1 else { continue }
            let cost = PlanCostEstimate(solver: solver, model: model, rho: base.rho, eta: base.eta, adamSteps: Int(sim.maxSteps))
            let total = base.alpha.reduce(0.0) { acc, a in
                acc + ns.reduce(0.0) { $0 + Double(reps) * cost.unit(alpha: a, n: $1, pairs: betaCount * base.lam.count) }
            }
            if best.map({ total < $0.cost }) ?? true { best = (total, ns, reps) }
        }
    }
    if let b = best {
        let refineTotal = baseCost + refineCost
        print(String(format: "refine: uniform grid reaching the goal: %d α × %d β (δ-lattice) × %d λ, N = %@, %d replicates: %.4g reference core-s (cost model)",
                     base.alpha.count, betaCount, base.lam.count, b.ns.map(String.init).joined(separator: ", "), b.reps, b.cost))
        print(String(format: "refine: coarse grid + refine rounds: %.4g + %.4g = %.4g reference core-s (measured rounds: %.4g core-s); ratio uniform / refine = %.1fx (aim >= 5x)",
                     baseCost, refineCost, refineTotal, refineMeasured, b.cost / refineTotal))
    } else {
        print(String(format: "refine: no uniform design up to N = %d and 100 replicates reaches the goal (best: worst se / target = %.3g): the ratio is unbounded",
                     ladder.last ?? 0, worstPredicted))
    }
}

/// The cost model per (α, N) data set with `pairs` pairs (reference core-seconds).
struct PlanCostEstimate {
    let solver: Solver, model: DataModel, rho: Double, eta: Double, adamSteps: Int
    func unit(alpha: Double, n: Int, pairs: Int) -> Double {
        DataSet.estimatedCost(alpha: alpha, n: n, solver: solver, pairs: pairs, rho: rho, eta: eta, adamSteps: adamSteps, dataModel: model)
    }
}
