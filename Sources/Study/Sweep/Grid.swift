// Grid arithmetic: flat indices ↔ grid coordinates computed on the fly (no per-point tables), and
// the work units handed out to ranks.
//
// Theory points: (α, β, λ), flat t = (a·nβ + b)·nλ + l.
// Simulation points: (α, β, λ, N, seed), flat s = (t·nN + n)·nS + r.
// Work units, in the order they are handed out:
//   - one simulation unit per data set (α, N, replicate), all its (β, λ) pairs trained on the same
//     sample covariance; sorted most expensive first (cost ∝ P·N² + N³, P = round(αN));
//   - then theory blocks of `theoryBlock` consecutive theory points (cheap; they fill the tail).
import Foundation
import ResultsFile

public struct Grid: Sendable {
    public let spec: SweepSpec
    public var nAlpha: Int { spec.alpha.count }
    public var nBeta: Int { spec.beta.count }
    public var nLambda: Int { spec.lambda.count }
    public var nN: Int { spec.simulate ? spec.N.count : 0 }
    public var nSeeds: Int { spec.simulate ? spec.seeds : 0 }

    public var theoryPoints: Int { nAlpha * nBeta * nLambda }
    public var simulationPoints: Int { theoryPoints * nN * nSeeds }
    public var pairsPerUnit: Int { nBeta * nLambda }
    public var simulationUnits: Int { nAlpha * nN * nSeeds }
    /// Theory points per theory unit.
    public let theoryBlock: Int
    public var theoryUnits: Int { (theoryPoints + theoryBlock - 1) / theoryBlock }
    public var unitCount: Int { simulationUnits + theoryUnits }

    public init(spec: SweepSpec, theoryBlock: Int = 4096) {
        self.spec = spec
        self.theoryBlock = theoryBlock
    }

    // MARK: indices

    public func theoryIndex(alpha a: Int, beta b: Int, lambda l: Int) -> Int { (a * nBeta + b) * nLambda + l }
    public func theoryCoordinates(_ t: Int) -> (alpha: Int, beta: Int, lambda: Int) {
        (t / (nBeta * nLambda), (t / nLambda) % nBeta, t % nLambda)
    }
    public func simulationIndex(theory t: Int, n: Int, seed r: Int) -> Int { (t * nN + n) * nSeeds + r }

    /// The data set of simulation unit `u`.
    public func simulationUnit(_ u: Int) -> (alpha: Int, n: Int, replicate: Int) {
        (u / (nN * nSeeds), (u / nSeeds) % nN, u % nSeeds)
    }

    /// Theory unit `k` covers theory points `range`.
    public func theoryRange(_ k: Int) -> Range<Int> {
        (k * theoryBlock)..<min(theoryPoints, (k + 1) * theoryBlock)
    }

    public func isSimulationUnit(_ id: Int) -> Bool { id < simulationUnits }

    /// Relative cost of a data set: P·N² (covariance) + N³ (eigen-decomposition).
    public func cost(alpha a: Int, n: Int) -> Double {
        let nn = Double(spec.N[n])
        let p = max(1, (spec.alpha[a] * nn).rounded())
        return p * nn * nn + nn * nn * nn
    }

    /// Points in unit `id` (for progress).
    public func points(inUnit id: Int) -> Int {
        isSimulationUnit(id) ? pairsPerUnit : theoryRange(id - simulationUnits).count
    }

    /// All unit ids in hand-out order: simulation units by decreasing cost (ties by id), then the
    /// theory blocks in order.
    public func unitOrder() -> [Int] {
        var sim = Array(0..<simulationUnits)
        if !sim.isEmpty {
            // cost depends on (α, N) only: sort once per (α, N) pair, then expand the replicates
            var pairs: [(cost: Double, a: Int, n: Int)] = []
            pairs.reserveCapacity(nAlpha * nN)
            for a in 0..<nAlpha { for n in 0..<nN { pairs.append((cost(alpha: a, n: n), a, n)) } }
            pairs.sort { $0.cost != $1.cost ? $0.cost > $1.cost : ($0.a, $0.n) < ($1.a, $1.n) }
            sim.removeAll(keepingCapacity: true)
            for p in pairs { for r in 0..<nSeeds { sim.append((p.a * nN + p.n) * nSeeds + r) } }
        }
        return sim + (0..<theoryUnits).map { simulationUnits + $0 }
    }

    /// Share of the estimated simulation cost per N (for --dry-run).
    public func costShareByN() -> [(n: Int, share: Double)] {
        guard nN > 0 else { return [] }
        var byN = [Double](repeating: 0, count: nN)
        for a in 0..<nAlpha { for n in 0..<nN { byN[n] += cost(alpha: a, n: n) } }
        let total = byN.reduce(0, +)
        return (0..<nN).map { (spec.N[$0], byN[$0] / total) }
    }
}
