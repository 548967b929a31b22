// The budget's currency: the cost model's reference core-seconds (CostModel.swift), so a plan is
// a pure function of the file and the options (measured seconds vary from run to run and are only
// reported). Costs are marginal: all (β, λ) at one α share their data sets, so a planned data set
// (α, N, replicate) is charged once per round however many pairs it trains, and each pair adds
// its training.
import Foundation
import VAESimulation

/// The cost model of a study's simulations, with the data sets planned so far this round.
struct PlanCost {
    let solver: Solver, dataModel: DataModel, rho: Double, eta: Double, adamSteps: Int
    /// Reference seconds per theory point (`make bench`: ≥ 10⁵ points/s; first-order points cost more).
    static let theoryPoint = 2e-5

    private struct Key: Hashable { let alpha: UInt64, n: Int, seed: Int }
    private var planned: Set<Key> = []
    private var cache: [Key: (data: Double, pair: Double)] = [:]
    /// What the planned data sets and pairs cost so far.
    private(set) var total = 0.0

    init(solver: Solver, dataModel: DataModel, rho: Double, eta: Double, adamSteps: Int) {
        self.solver = solver; self.dataModel = dataModel; self.rho = rho; self.eta = eta; self.adamSteps = adamSteps
    }

    /// (data set, one pair) seconds at (α, N).
    mutating func unit(alpha: Double, n: Int) -> (data: Double, pair: Double) {
        let k = Key(alpha: alpha.bitPattern, n: n, seed: -1)
        if let c = cache[k] { return c }
        let d = DataSet.estimatedCost(alpha: alpha, n: n, solver: solver, pairs: 0, rho: rho, eta: eta,
                                      adamSteps: adamSteps, dataModel: dataModel)
        let p = DataSet.estimatedCost(alpha: alpha, n: n, solver: solver, pairs: 1, rho: rho, eta: eta,
                                      adamSteps: adamSteps, dataModel: dataModel) - d
        cache[k] = (d, p)
        return (d, p)
    }

    /// The marginal cost of training one more pair at (α, N) on each of the replicates `seeds`.
    mutating func marginal(alpha: Double, n: Int, seeds: [Int]) -> Double {
        let u = unit(alpha: alpha, n: n)
        var c = 0.0
        for s in seeds {
            c += u.pair
            if !planned.contains(Key(alpha: alpha.bitPattern, n: n, seed: s)) { c += u.data }
        }
        return c
    }

    /// Plan one more pair at (α, N) on each of `seeds`; returns its marginal cost.
    @discardableResult
    mutating func add(alpha: Double, n: Int, seeds: [Int]) -> Double {
        let c = marginal(alpha: alpha, n: n, seeds: seeds)
        for s in seeds { planned.insert(Key(alpha: alpha.bitPattern, n: n, seed: s)) }
        total += c
        return c
    }

    /// Charge `points` theory points.
    mutating func addTheory(_ points: Int) { total += Double(points) * PlanCost.theoryPoint }

    /// Data sets planned so far.
    var dataSets: Int { planned.count }
}
