// Computing one work item into its payload (pure: no MPI, no I/O). The same item gives the same
// bits on any rank and in any grid: the data stream is keyed by (root seed, α, N, replicate id)
// VALUES and each pair's initialisation by the data key and (β, λ) (MODEL.md §6). A payload is the
// item's points' records, each encoded by its field table (Records.swift), in the item's index order.
import Foundation
import ResultsFile
import VAESimulation
import VAETheory

/// Computes work items into payloads on any rank (see the file header): theory points with
/// `Theory.solve`, simulated data sets with VAESimulation.
public struct UnitComputer: Sendable {
    /// The grid whose indices the work items use.
    public let grid: Grid
    /// Test hooks (`TestHooks`; none in production).
    let hooks: TestHooks

    /// A computer for `grid` with the given test hooks.
    public init(grid: Grid, hooks: TestHooks = TestHooks()) {
        self.grid = grid
        self.hooks = hooks
    }

    /// The training options of every simulated point: the spec's solver, tolerance and step limit.
    public var trainingOptions: TrainingOptions {
        TrainingOptions(solver: grid.spec.solver, tolerance: grid.spec.tolerance, maxSteps: grid.spec.maxSteps)
    }

    /// The payload of `item`: its points' encoded records, in the item's index order.
    public func compute(_ item: WorkItem) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(item.points * item.kind.fieldCount)
        switch item.kind {
        case .theory: for r in theoryRecords(item.indices) { r.encode(into: &out) }
        case .simulation: for r in simulate(item) { r.encode(into: &out) }
        }
        return out
    }

    /// The records of theory points `indices` (flat theory indices). The spec's values lie in the
    /// theory's domain (`Domains`, checked when the spec is parsed), so every point is solvable.
    public func theoryRecords(_ indices: [Int]) -> [TheoryRecord] {
        let spec = grid.spec
        return indices.map { t in
            let (a, b, l) = grid.theoryCoordinates(t)
            guard let input = try? TheoryInput(alpha: spec.alpha[a], beta: spec.beta[b], lambda: spec.lambda[l],
                                               rho: spec.rho, eta: spec.eta) else {
                preconditionFailure("a spec value outside the theory's domain reached the sweep")
            }
            return TheoryRecord(Theory.solve(input))
        }
    }

    /// The records of the (β, λ) pairs of data set `item.unit`; a data set that cannot be built
    /// fails all its pairs, a pair whose training throws fails alone.
    public func simulate(_ item: WorkItem) -> [SimulationRecord] {
        let spec = grid.spec
        let (a, n, r) = grid.simulationUnit(item.unit)
        let alpha = spec.alpha[a], nn = spec.N[n]
        let pairs = item.indices.map { (beta: spec.beta[$0 / grid.nLambda], lambda: spec.lambda[$0 % grid.nLambda]) }
        do {
            if hooks.failingAlphas.contains(alpha.bitPattern) { throw InjectedFailure(description: "failure injected by \(TestHooks.variable)") }
            let key = DataKey(rootSeed: spec.rootSeed, replicate: spec.seedIDs[r])
            let data = try DataSet.build(alpha: alpha, n: nn, rho: spec.rho, eta: spec.eta,
                                         spike: spec.spike, key: key, solver: spec.solver, dataModel: spec.dataModel)
            let options = trainingOptions
            return pairs.map { pair in
                guard let res = try? Trainer.train(data, beta: pair.beta, lambda: pair.lambda, options: options) else {
                    return .failed
                }
                let ok = res.converged && res.finiteLoss && res.observables.values.allSatisfy { $0.isFinite }
                // critical BBP window at this N, first-order coexistence at the sample's ℓ₁,
                // λ = 0 null space, not converged (MODEL.md §4, §5)
                return SimulationRecord(values: QuantityValues(res.observables), phase: res.observables.phase, steps: res.steps,
                                        gradNorm: res.gradNorm, seconds: res.seconds, status: ok ? .ok : .failed,
                                        flags: data.flags(res))
            }
        } catch {
            return Array(repeating: .failed, count: pairs.count)
        }
    }
}
