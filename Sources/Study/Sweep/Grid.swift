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
    /// Whether the item is a data set of simulated pairs or a block of theory points (the raw
    /// value is the item's first encoded integer).
    public var kind: PointKind
    /// Simulation: the data set index u; theory: −1.
    public var unit: Int
    /// Simulation: pair indices p = b·nλ + l (ascending); theory: flat theory indices (ascending).
    public var indices: [Int]

    /// An item of `kind` for data set `unit` (−1 for theory) holding `indices` (no check against a grid).
    public init(kind: PointKind, unit: Int, indices: [Int]) {
        self.kind = kind; self.unit = unit; self.indices = indices
    }

    /// The wire form `[kind.rawValue, unit] + indices`, read back by `init?(encoded:grid:)`.
    public var encoded: [Int] { [kind.rawValue, unit] + indices }

    /// Decode and check against `grid` (nil for anything malformed or out of range).
    public init?(encoded e: [Int], grid: Grid) {
        guard e.count >= 3, let k = PointKind(rawValue: e[0]) else { return nil }
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
    /// The message naming which product of axis lengths is too large.
    public let description: String
}

/// The sweep's grid: axis lengths, point counts and the flat-index arithmetic of the file header
/// (theory t, simulation s, data set u, pair p), all computed on the fly from the spec.
public struct Grid: Sendable {
    /// The spec whose axes the grid indexes.
    public let spec: SweepSpec
    /// Number of α values.
    public var nAlpha: Int { spec.alpha.count }
    /// Number of β values.
    public var nBeta: Int { spec.beta.count }
    /// Number of λ values.
    public var nLambda: Int { spec.lambda.count }
    /// Number of N values (0 when the spec does not simulate).
    public var nN: Int { spec.simulate ? spec.N.count : 0 }
    /// Replicates (seeds) per (α, N) data set (0 when the spec does not simulate).
    public var nSeeds: Int { spec.simulate ? spec.seeds : 0 }

    /// nα·nβ·nλ: the theory points.
    public let theoryPoints: Int
    /// nα·nβ·nλ·nN·nSeeds: the simulated points (0 when the spec does not simulate).
    public let simulationPoints: Int
    /// (β, λ) pairs trained on each data set: nβ·nλ.
    public var pairsPerUnit: Int { nBeta * nLambda }
    /// Data sets (α, N, replicate).
    public let simulationUnits: Int
    /// Theory points per theory work item.
    public let theoryBlock: Int
    /// Theory plus simulated points: what `ResultStore.pointsTotal` counts towards.
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

    /// Flat theory index t = (a·nβ + b)·nλ + l of grid positions (a, b, l); no range check.
    public func theoryIndex(alpha a: Int, beta b: Int, lambda l: Int) -> Int { (a * nBeta + b) * nLambda + l }
    /// Grid positions (a, b, l) of flat theory index `t` (the inverse of `theoryIndex`).
    public func theoryCoordinates(_ t: Int) -> (alpha: Int, beta: Int, lambda: Int) {
        (t / (nBeta * nLambda), (t / nLambda) % nBeta, t % nLambda)
    }
    /// Flat simulation index s = (t·nN + n)·nSeeds + r of theory point `t`, N position `n`, replicate `r`.
    public func simulationIndex(theory t: Int, n: Int, seed r: Int) -> Int { (t * nN + n) * nSeeds + r }
    /// Grid positions (theory point t, N position n, replicate r) of flat simulation index `s`.
    public func simulationCoordinates(_ s: Int) -> (theory: Int, n: Int, replicate: Int) {
        (s / (nN * nSeeds), (s / nSeeds) % nN, s % nSeeds)
    }
    /// Flat data set index u = (a·nN + n)·nSeeds + r of α position `a`, N position `n`, replicate `r`.
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
                              rho: spec.rho, eta: spec.eta, adamSteps: spec.maxSteps ?? TrainingOptions.defaultMaxSteps(.adam),
                              dataModel: spec.dataModel)
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

// MARK: - the order work is handed out in

extension Grid {
    /// Rank 0's own seconds per point of a result it records (check, store, journal): measured
    /// 0.6 µs per simulated point and about as much per theory point (`vaesweep-bench scale`),
    /// rounded up.
    public static let recordSecondsPerPoint = 1e-6
    /// Estimated seconds of one theory point (measured 0.4 µs on average over the large grid of
    /// `vaesweep-bench scale`, rounded up).
    public static let theoryPointSeconds = 1e-6

    /// Estimated seconds of `item`: the cost model for its data set and pairs, or its theory points.
    public func estimatedSeconds(_ item: WorkItem) -> Double {
        guard item.kind == .simulation else { return Double(item.points) * Grid.theoryPointSeconds }
        let (a, n, _) = simulationUnit(item.unit)
        return DataSet.estimatedCost(alpha: spec.alpha[a], n: spec.N[n], solver: spec.solver, pairs: item.points,
                                     rho: spec.rho, eta: spec.eta,
                                     adamSteps: spec.maxSteps ?? TrainingOptions.defaultMaxSteps(.adam), dataModel: spec.dataModel)
    }

    /// The order `work` (most expensive first, as `ResultStore.remainingWork` makes it) is handed
    /// out in on `ranks` ranks. Items so small that `ranks` ranks finishing them would give rank 0
    /// more to record than it can (cost < 2 · ranks · points · `recordSecondsPerPoint`), and small
    /// against the sweep (cost < Σ cost / (20 · ranks)), are spread evenly among the others
    /// instead of all coming last: at the end of a sweep handed out strictly most expensive first,
    /// 4 096 ranks finished such items faster than rank 0 could record them, and waited
    /// (`vaesweep-bench scale`). The others keep their order, so the sweep still ends with its
    /// smallest remaining items; every item is handed out once, and what each computes is the same.
    public func handOutOrder(_ work: [WorkItem], ranks: Int) -> [WorkItem] {
        let costs = work.map(estimatedSeconds)
        let total = costs.reduce(0, +), r = Double(max(1, ranks))
        var big: [WorkItem] = [], small: [WorkItem] = []
        for (item, c) in zip(work, costs) {
            let filler = c < 2 * r * Double(item.points) * Grid.recordSecondsPerPoint && c < total / (20 * r)
            if filler { small.append(item) } else { big.append(item) }
        }
        guard !big.isEmpty, !small.isEmpty else { return work }
        // small item i goes after big item ⌊(i + 1) · B / (S + 1)⌋: evenly, never first or last
        var out: [WorkItem] = []
        out.reserveCapacity(work.count)
        var i = 0
        for (j, item) in big.enumerated() {
            out.append(item)
            while i < small.count, (i + 1) * big.count / (small.count + 1) == j {
                out.append(small[i])
                i += 1
            }
        }
        out += small[i...]
        return out
    }
}
