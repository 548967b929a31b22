// Grid arithmetic: flat indices ↔ grid coordinates computed on the fly (no per-point tables), and
// the work items handed out to ranks. Coordinates are the spec's values, ascending.
//
// Theory points: (α, β, λ), flat t = (a·nβ + b)·nλ + l.
// Simulation points: (α, β, λ, N, seed), flat s = (t·nN + n)·nS + r.
// Data sets (α, N, replicate): flat u = (a·nN + n)·nS + r; each trains its (β, λ) pairs, flat
// pair index p = b·nλ + l, on one sample covariance.
import Foundation
import ResultsFile
import VAESimulation

/// One piece of work: a data set with the (β, λ) pairs still to train on it, or a block of theory
/// points. Travels between ranks as `[Int]` (`encoded`).
public struct WorkItem: Equatable, Sendable {
    public enum Kind: Int, Sendable { case simulation = 0, theory = 1 }
    public var kind: Kind
    /// Simulation: the data set index u; theory: −1.
    public var unit: Int
    /// Simulation: pair indices p = b·nλ + l (ascending); theory: flat theory indices (ascending).
    public var indices: [Int]

    public init(kind: Kind, unit: Int, indices: [Int]) {
        self.kind = kind; self.unit = unit; self.indices = indices
    }

    public var encoded: [Int] { [kind.rawValue, unit] + indices }

    /// Decode and check against `grid` (nil for anything malformed or out of range).
    public init?(encoded e: [Int], grid: Grid) {
        guard e.count >= 3, let k = Kind(rawValue: e[0]) else { return nil }
        let idx = Array(e[2...])
        switch k {
        case .simulation:
            guard e[1] >= 0, e[1] < grid.simulationUnits, idx.allSatisfy({ $0 >= 0 && $0 < grid.pairsPerUnit }) else { return nil }
        case .theory:
            guard e[1] == -1, idx.allSatisfy({ $0 >= 0 && $0 < grid.theoryPoints }) else { return nil }
        }
        self.init(kind: k, unit: e[1], indices: idx)
    }

    /// Points in this item.
    public var points: Int { indices.count }
}

/// A grid too large to index (the counts overflow, or exceed what any machine could hold).
public struct GridSizeError: Error, CustomStringConvertible {
    public let description: String
}

public struct Grid: Sendable {
    public let spec: SweepSpec
    public var nAlpha: Int { spec.alpha.count }
    public var nBeta: Int { spec.beta.count }
    public var nLambda: Int { spec.lambda.count }
    public var nN: Int { spec.simulate ? spec.N.count : 0 }
    public var nSeeds: Int { spec.simulate ? spec.seeds : 0 }

    public let theoryPoints: Int
    public let simulationPoints: Int
    public var pairsPerUnit: Int { nBeta * nLambda }
    /// Data sets (α, N, replicate).
    public let simulationUnits: Int
    /// Theory points per theory work item.
    public let theoryBlock: Int
    public var pointsTotal: Int { theoryPoints + simulationPoints }

    /// Largest number of points a grid may have (a 2⁴⁰-point grid is already 100 TB of results).
    public static let maxPoints = 1 << 40

    /// Throws `GridSizeError` when the point counts overflow or exceed `maxPoints`.
    public init(spec: SweepSpec, theoryBlock: Int = 4096) throws {
        self.spec = spec
        self.theoryBlock = theoryBlock
        func product(_ xs: [Int], _ what: String) throws -> Int {
            var p = 1
            for x in xs {
                let (r, o) = p.multipliedReportingOverflow(by: x)
                guard !o, r <= Grid.maxPoints else {
                    let exact = xs.map(Double.init).reduce(1, *)
                    throw GridSizeError(description: String(format: "grid: %@ = %.3g points, more than the %.3g a sweep can index",
                                                            what, exact, Double(Grid.maxPoints)))
                }
                p = r
            }
            return p
        }
        let n = spec.simulate ? spec.N.count : 0, s = spec.simulate ? spec.seeds : 0
        theoryPoints = try product([spec.alpha.count, spec.beta.count, spec.lambda.count], "α × β × λ")
        simulationPoints = try product([spec.alpha.count, spec.beta.count, spec.lambda.count, n, s], "α × β × λ × N × seeds")
        simulationUnits = try product([spec.alpha.count, n, s], "α × N × seeds")
        _ = try product([theoryPoints + simulationPoints], "all points")
    }

    // MARK: indices

    public func theoryIndex(alpha a: Int, beta b: Int, lambda l: Int) -> Int { (a * nBeta + b) * nLambda + l }
    public func theoryCoordinates(_ t: Int) -> (alpha: Int, beta: Int, lambda: Int) {
        (t / (nBeta * nLambda), (t / nLambda) % nBeta, t % nLambda)
    }
    public func simulationIndex(theory t: Int, n: Int, seed r: Int) -> Int { (t * nN + n) * nSeeds + r }
    public func unitIndex(alpha a: Int, n: Int, seed r: Int) -> Int { (a * nN + n) * nSeeds + r }

    /// The data set of simulation unit `u` (grid positions).
    public func simulationUnit(_ u: Int) -> (alpha: Int, n: Int, replicate: Int) {
        (u / (nN * nSeeds), (u / nSeeds) % nN, u % nSeeds)
    }

    /// Flat simulation index of pair `p` of unit `u`.
    public func simulationIndex(unit u: Int, pair p: Int) -> Int {
        let (a, n, r) = simulationUnit(u)
        return simulationIndex(theory: theoryIndex(alpha: a, beta: p / nLambda, lambda: p % nLambda), n: n, seed: r)
    }

    /// Estimated cost (CPU seconds on the reference machine) of a data set of (α, N) with all its
    /// (β, λ) pairs and the spec's solver: `exact` needs only the top of the spectrum (block
    /// Krylov on the samples), gd/adam the full eigendecomposition (`DataSet.estimatedCost`).
    public func cost(alpha a: Int, n: Int) -> Double {
        DataSet.estimatedCost(alpha: spec.alpha[a], n: spec.N[n], solver: spec.solver, pairs: pairsPerUnit,
                              rho: spec.rho, eta: spec.eta, adamSteps: spec.maxSteps ?? TrainingOptions.defaultMaxSteps(.adam))
    }

    /// Share of the estimated simulation cost per N (for --dry-run).
    public func costShareByN() -> [(n: Int, share: Double)] {
        guard nN > 0 else { return [] }
        var byN = [Double](repeating: 0, count: nN)
        for a in 0..<nAlpha { for n in 0..<nN { byN[n] += cost(alpha: a, n: n) } }
        let total = byN.reduce(0, +)
        return (0..<nN).map { (spec.N[$0], byN[$0] / total) }
    }

    /// Data set indices by decreasing cost (ties by index): the order work is handed out in.
    public func unitsByCost() -> [Int] {
        guard simulationUnits > 0 else { return [] }
        var pairs: [(cost: Double, a: Int, n: Int)] = []
        pairs.reserveCapacity(nAlpha * nN)
        for a in 0..<nAlpha { for n in 0..<nN { pairs.append((cost(alpha: a, n: n), a, n)) } }
        pairs.sort { $0.cost != $1.cost ? $0.cost > $1.cost : ($0.a, $0.n) < ($1.a, $1.n) }
        var out: [Int] = []
        out.reserveCapacity(simulationUnits)
        for p in pairs { for r in 0..<nSeeds { out.append(unitIndex(alpha: p.a, n: p.n, seed: r)) } }
        return out
    }
}
