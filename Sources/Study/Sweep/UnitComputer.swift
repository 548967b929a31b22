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
    public static func width(_ k: WorkItem.Kind) -> Int { k == .theory ? theory : simulation }
}

public struct UnitComputer: Sendable {
    public let grid: Grid
    /// Fault injection for tests of failure handling: the data sets of these α values fail as if
    /// their sample could not be built (`VAESWEEP_INJECT_FAILURE=α[,α…]`; never set in production).
    let injectedFailures: Set<UInt64>

    public init(grid: Grid) {
        self.grid = grid
        let env = ProcessInfo.processInfo.environment["VAESWEEP_INJECT_FAILURE"] ?? ""
        injectedFailures = Set(env.split(separator: ",").compactMap { Double($0)?.bitPattern })
    }

    public var trainingOptions: TrainingOptions {
        TrainingOptions(solver: grid.spec.solver, tolerance: grid.spec.tolerance, maxSteps: grid.spec.maxSteps)
    }

    /// The payload of `item` (`PayloadLayout` values per point, in the item's index order).
    public func compute(_ item: WorkItem) -> [Double] {
        item.kind == .simulation ? simulate(item) : theory(item.indices)
    }

    /// Caveat flags of a theory point (MODEL.md §4): first-order coexistence (another local
    /// minimum, the stable collapsed point or the non-zero one, coexists with the global
    /// minimum), λ = 0 with α < 1 (null space of C).
    static func theoryFlags(alpha: Double, lambda: Double, metastable: Bool) -> PointFlags {
        var f: PointFlags = []
        if metastable { f.insert(.firstOrderCoexistence) }
        if lambda == 0 && alpha < 1 { f.insert(.nullSpace) }
        return f
    }

    /// Caveat flags of a simulated point: those of its theory point, the critical BBP window of
    /// MODEL.md §5 at this N, and non-convergence.
    static func simulationFlags(theory: PointFlags, n: Int, alpha: Double, rho: Double, eta: Double,
                                converged: Bool) -> PointFlags {
        var f = theory
        let kappa = rho / eta, x = kappa * alpha.squareRoot(), nn = Double(n)
        let w = pow(nn, -1.0 / 3.0)
        if x > 1 - w && x < 1 + pow(4.5 * (1 + kappa) * (1 + kappa) / nn, 1.0 / 3.0) { f.insert(.criticalWindow) }
        if !converged { f.insert(.notConverged) }
        return f
    }

    func theoryPoint(alpha: Double, beta: Double, lambda: Double) -> (payload: [Double], flags: PointFlags) {
        let spec = grid.spec
        do {
            let input = try TheoryInput(alpha: alpha, beta: beta, lambda: lambda, rho: spec.rho, eta: spec.eta)
            let r = Theory.solve(input)
            let flags = UnitComputer.theoryFlags(alpha: alpha, lambda: lambda, metastable: r.metastable)
            return (r.observables.values + [Double(r.observables.phase.rawValue), r.metastable ? 1 : 0, Double(flags.rawValue)], flags)
        } catch {
            // The spec is validated against the same domains, so this is unreachable in a sweep;
            // keep the payload well-formed anyway (NaN observables, unknown phase).
            return ([Double](repeating: .nan, count: Quantity.count) + [-1, -1, 0], [])
        }
    }

    func theory(_ indices: [Int]) -> [Double] {
        let spec = grid.spec
        var out: [Double] = []
        out.reserveCapacity(indices.count * PayloadLayout.theory)
        for t in indices {
            let (a, b, l) = grid.theoryCoordinates(t)
            out += theoryPoint(alpha: spec.alpha[a], beta: spec.beta[b], lambda: spec.lambda[l]).payload
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
            if injectedFailures.contains(alpha.bitPattern) { throw SimulationError("injected failure (VAESWEEP_INJECT_FAILURE)") }
            let key = DataKey(rootSeed: spec.rootSeed, replicate: spec.seedIDs[r])
            let data = try DataSet.build(alpha: alpha, n: nn, rho: spec.rho, eta: spec.eta,
                                         spike: spec.spike, key: key, keepCovariance: spec.solver == .adam)
            let options = trainingOptions
            for pair in pairs {
                do {
                    let res = try Trainer.train(data, beta: pair.beta, lambda: pair.lambda, options: options)
                    let ok = res.converged && res.finiteLoss && res.observables.values.allSatisfy { $0.isFinite }
                    let th = theoryPoint(alpha: alpha, beta: pair.beta, lambda: pair.lambda).flags
                    let flags = UnitComputer.simulationFlags(theory: th, n: nn, alpha: alpha, rho: spec.rho, eta: spec.eta,
                                                             converged: res.converged)
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
