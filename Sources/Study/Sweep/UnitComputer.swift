// Computing one work unit into its payload (pure: no MPI, no I/O). The same unit gives the same
// bits on any rank: the data stream is keyed by (root seed, α index, N index, replicate) and
// each pair's initialisation by the data key and (β, λ).
import Foundation
import ResultsFile
import VAESimulation
import VAETheory

public struct UnitComputer: Sendable {
    public let grid: Grid
    public init(grid: Grid) { self.grid = grid }

    public var trainingOptions: TrainingOptions {
        TrainingOptions(solver: grid.spec.solver, tolerance: grid.spec.tolerance, maxSteps: grid.spec.maxSteps)
    }

    /// The payload of unit `id` (see `PayloadLayout`).
    public func compute(_ id: Int) -> [Double] {
        grid.isSimulationUnit(id) ? simulate(id) : theory(id - grid.simulationUnits)
    }

    func theory(_ block: Int) -> [Double] {
        let spec = grid.spec
        var out: [Double] = []
        let range = grid.theoryRange(block)
        out.reserveCapacity(range.count * PayloadLayout.theory)
        for t in range {
            let (a, b, l) = grid.theoryCoordinates(t)
            do {
                let input = try TheoryInput(alpha: spec.alpha[a], beta: spec.beta[b], lambda: spec.lambda[l],
                                            rho: spec.rho, eta: spec.eta)
                let r = Theory.solve(input)
                out += r.observables.values
                out += [Double(r.observables.phase.rawValue), r.metastable ? 1 : 0]
            } catch {
                // The spec is validated against the same domains, so this is unreachable in a sweep;
                // keep the payload well-formed anyway (NaN observables, unknown phase).
                out += [Double](repeating: .nan, count: Quantity.count) + [-1, -1]
            }
        }
        return out
    }

    func simulate(_ u: Int) -> [Double] {
        let spec = grid.spec
        let (a, n, r) = grid.simulationUnit(u)
        let pairs = spec.beta.flatMap { b in spec.lambda.map { l in (beta: b, lambda: l) } }
        var out: [Double] = []
        out.reserveCapacity(pairs.count * PayloadLayout.simulation)
        do {
            let key = DataKey(rootSeed: spec.rootSeed, replicate: spec.seedIDs[r])
            let data = try DataSet.build(alpha: spec.alpha[a], n: spec.N[n], rho: spec.rho, eta: spec.eta,
                                         spike: spec.spike, key: key, keepCovariance: spec.solver == .adam)
            let options = trainingOptions
            for pair in pairs {
                do {
                    let res = try Trainer.train(data, beta: pair.beta, lambda: pair.lambda, options: options)
                    let ok = res.converged && res.finiteLoss && res.observables.values.allSatisfy { $0.isFinite }
                    out += res.observables.values
                    out += [Double(res.observables.phase.rawValue), Double(res.steps), res.gradNorm, res.seconds,
                            Double((ok ? PointStatus.ok : PointStatus.failed).rawValue)]
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
        + [-1, -1, .nan, .nan, Double(PointStatus.failed.rawValue)]
}
