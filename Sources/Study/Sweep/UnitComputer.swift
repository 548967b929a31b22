// Computing one work item into its payload (pure: no MPI, no I/O). The same item gives the same
// bits on any rank and in any grid: the data stream is keyed by (root seed, α, N, replicate id)
// VALUES and each pair's initialisation by the data key and (β, λ) (MODEL.md §6).
import Foundation
import ResultsFile
import VAESimulation
import VAETheory

/// Values per point in a work item's payload.
public enum PayloadLayout {
    /// 11 observables, phase, metastable (0/1), flags.
    public static let theory = Quantity.count + 3
    /// 11 observables, phase, steps, gradient norm, seconds, status, flags.
    public static let simulation = Quantity.count + 6
    /// Payload values per point of an item of kind `k`.
    public static func width(_ k: WorkItem.Kind) -> Int { k == .theory ? theory : simulation }
}

/// Computes work items into payloads on any rank (see the file header): theory points with
/// `Theory.solve`, simulated data sets with VAESimulation.
public struct UnitComputer: Sendable {
    /// The grid whose indices the work items use.
    public let grid: Grid
    /// Fault injection for tests of failure handling: the data sets of these α values fail as if
    /// their sample could not be built (`VAESWEEP_INJECT_FAILURE=α[,α…]`; never set in production).
    let injectedFailures: Set<UInt64>

    /// A computer for `grid`; reads the test-only `VAESWEEP_INJECT_FAILURE` from the environment.
    public init(grid: Grid) {
        self.grid = grid
        let env = ProcessInfo.processInfo.environment["VAESWEEP_INJECT_FAILURE"] ?? ""
        injectedFailures = Set(env.split(separator: ",").compactMap { Double($0)?.bitPattern })
    }

    /// The training options of every simulated point: the spec's solver, tolerance and step limit.
    public var trainingOptions: TrainingOptions {
        TrainingOptions(solver: grid.spec.solver, tolerance: grid.spec.tolerance, maxSteps: grid.spec.maxSteps)
    }

    /// The payload of `item` (`PayloadLayout` values per point, in the item's index order).
    public func compute(_ item: WorkItem) -> [Double] {
        item.kind == .simulation ? simulate(item) : theory(item.indices)
    }

    /// A theory point's payload; its flags (MODEL.md §4): first-order coexistence, λ = 0 null space.
    func theoryPoint(alpha: Double, beta: Double, lambda: Double) -> [Double] {
        let spec = grid.spec
        do {
            let input = try TheoryInput(alpha: alpha, beta: beta, lambda: lambda, rho: spec.rho, eta: spec.eta)
            let r = Theory.solve(input)
            return r.observables.values + [Double(r.observables.phase.rawValue), r.metastable ? 1 : 0,
                                           Double(PointFlags.theory(r).rawValue)]
        } catch {
            // The spec is validated against the same domains, so this is unreachable in a sweep;
            // keep the payload well-formed anyway (NaN observables, unknown phase).
            return [Double](repeating: .nan, count: Quantity.count) + [-1, -1, 0]
        }
    }

    func theory(_ indices: [Int]) -> [Double] {
        let spec = grid.spec
        var out: [Double] = []
        out.reserveCapacity(indices.count * PayloadLayout.theory)
        for t in indices {
            let (a, b, l) = grid.theoryCoordinates(t)
            out += theoryPoint(alpha: spec.alpha[a], beta: spec.beta[b], lambda: spec.lambda[l])
        }
        return out
    }

    func simulate(_ item: WorkItem) -> [Double] {
        let spec = grid.spec
        let (a, n, r) = grid.simulationUnit(item.unit)
        let alpha = spec.alpha[a], nn = spec.N[n]
        let pairs = item.indices.map { (beta: spec.beta[$0 / grid.nLambda], lambda: spec.lambda[$0 % grid.nLambda]) }
        var out: [Double] = []
        out.reserveCapacity(pairs.count * PayloadLayout.simulation)
        do {
            if injectedFailures.contains(alpha.bitPattern) { throw SimulationError("injected failure (VAESWEEP_INJECT_FAILURE)", kind: .injectedFault) }
            let key = DataKey(rootSeed: spec.rootSeed, replicate: spec.seedIDs[r])
            let data = try DataSet.build(alpha: alpha, n: nn, rho: spec.rho, eta: spec.eta,
                                         spike: spec.spike, key: key, solver: spec.solver)
            let options = trainingOptions
            for pair in pairs {
                do {
                    let res = try Trainer.train(data, beta: pair.beta, lambda: pair.lambda, options: options)
                    let ok = res.converged && res.finiteLoss && res.observables.values.allSatisfy { $0.isFinite }
                    // critical BBP window at this N, first-order coexistence at the sample's ℓ₁,
                    // λ = 0 null space, not converged (MODEL.md §4, §5)
                    let flags = data.flags(res)
                    out += res.observables.values
                    out += [Double(res.observables.phase.rawValue), Double(res.steps), res.gradNorm, res.seconds,
                            Double((ok ? PointStatus.ok : PointStatus.failed).rawValue), Double(flags.rawValue)]
                } catch {
                    out += UnitComputer.failedPoint
                }
            }
        } catch {
            out = Array(repeating: UnitComputer.failedPoint, count: pairs.count).flatMap { $0 }
        }
        return out
    }

    /// A point whose training threw: no values, status failed.
    static let failedPoint: [Double] = [Double](repeating: .nan, count: Quantity.count)
        + [-1, -1, .nan, .nan, Double(PointStatus.failed.rawValue), 0]
}
