// Rank 0's in-memory copy of every result of the grid (a `ResultsData`, the results-file module's
// in-memory form), filled by work items, by points copied from reused files, and by journal
// records; and what is still missing, as work items.
import Foundation
import ResultsFile
import VAETheory

/// A journal record or reused point that is not what the schema allows.
public struct PayloadError: Error, CustomStringConvertible {
    /// What is wrong with the payload or record.
    public let description: String
    init(_ d: String) { description = d }
}

/// Rank 0's results of the whole grid in memory, with which points are done (see the file header).
/// Not thread-safe: used by the coordinator's main thread only.
public final class ResultStore {
    /// The grid the store holds results for.
    public let grid: Grid
    /// The results so far, in the results file's layout (unfinished points hold NaN / not-run codes).
    public private(set) var data: ResultsData
    /// Which theory points have a result (simulated points: `status` ≠ not run).
    public private(set) var theoryDone: [Bool]
    /// Theory points that have a result.
    public private(set) var theoryDoneCount = 0
    /// Simulated points whose status is not `notRun` (ok or failed).
    public private(set) var simDoneCount = 0
    /// Points copied from `--reuse` files (not computed by this output's runs).
    public private(set) var reusedTheory = 0
    /// Simulated points copied from `--reuse` files.
    public private(set) var reusedSim = 0

    /// An empty store for `grid`: every theory point missing, every simulated point not run.
    public init(grid: Grid) {
        self.grid = grid
        let s = grid.spec
        data = .empty(alpha: s.alpha, beta: s.beta, lam: s.lambda, N: s.simulate ? s.N : [],
                      seeds: s.simulate ? s.seedIDs : [], rho: s.rho, eta: s.eta)
        theoryDone = [Bool](repeating: false, count: grid.theoryPoints)
    }

    /// Theory plus simulated points that have a result (failed simulated points count as done).
    public var pointsDone: Int { theoryDoneCount + simDoneCount }
    /// All points of the grid (`Grid.pointsTotal`).
    public var pointsTotal: Int { grid.pointsTotal }
    /// Whether every point has a result (some simulated ones may have failed).
    public var isComplete: Bool { pointsDone == pointsTotal }
    /// Simulated points whose status is `failed`.
    public var failedPoints: Int { data.status?.lazy.filter { $0 == PointStatus.failed.rawValue }.count ?? 0 }

    // MARK: writing one point

    private func setTheory(_ t: Int, _ v: ArraySlice<Double>) {
        var i = v.startIndex
        for q in Quantity.names { data.theory[q]![t] = v[i]; i += 1 }
        data.theoryPhase![t] = Int8(v[i]); data.theoryMetastable![t] = Int8(v[i + 1]); data.theoryFlags![t] = UInt8(v[i + 2])
        if !theoryDone[t] { theoryDone[t] = true; theoryDoneCount += 1 }
    }

    private func setSim(_ s: Int, _ v: ArraySlice<Double>) {
        var i = v.startIndex
        for q in Quantity.names { data.sim[q]![s] = v[i]; i += 1 }
        data.simPhase![s] = Int8(v[i])
        data.sim[SimExtra.steps]![s] = v[i + 1]
        data.sim[SimExtra.gradNorm]![s] = v[i + 2]
        data.sim[SimExtra.seconds]![s] = v[i + 3]
        let wasDone = data.status![s] != PointStatus.notRun.rawValue
        data.status![s] = Int8(v[i + 4])
        data.simFlags![s] = UInt8(v[i + 5])
        let isDone = data.status![s] != PointStatus.notRun.rawValue
        simDoneCount += (isDone ? 1 : 0) - (wasDone ? 1 : 0)
    }

    /// Check one point's payload against the schema (codes in range, integers integral).
    static func validate(_ v: ArraySlice<Double>, kind: WorkItem.Kind) throws {
        let c = v.startIndex + Quantity.count
        func code(_ x: Double, _ range: ClosedRange<Double>, _ what: String) throws {
            guard x.isFinite, x == x.rounded(), range.contains(x) else { throw PayloadError("\(what) \(x) out of range") }
        }
        switch kind {
        case .theory:
            try code(v[c], -1...2, "phase"); try code(v[c + 1], -1...1, "metastable"); try code(v[c + 2], 0...255, "flags")
        case .simulation:
            try code(v[c], -1...2, "phase"); try code(v[c + 1], -1...9.0e15, "steps")
            try code(v[c + 4], 0...2, "status"); try code(v[c + 5], 0...255, "flags")
        }
    }

    /// Store the payload of `item` (replacing earlier results of the same points).
    public func apply(_ item: WorkItem, payload: [Double]) throws {
        let w = PayloadLayout.width(item.kind)
        guard payload.count == item.points * w else {
            throw PayloadError("payload of \(payload.count) values for \(item.points) points, expected \(item.points * w)")
        }
        for k in 0..<item.points { try ResultStore.validate(payload[(k * w)..<((k + 1) * w)], kind: item.kind) }
        for (k, idx) in item.indices.enumerated() {
            let v = payload[(k * w)..<((k + 1) * w)]
            switch item.kind {
            case .theory: setTheory(idx, v)
            case .simulation: setSim(grid.simulationIndex(unit: item.unit, pair: idx), v)
            }
        }
    }

    // MARK: value-keyed records (the journal)

    /// Coordinate values per point in a record: (α, β, λ) for theory, (α, β, λ, N, seed) for simulation.
    public static func coordinateCount(_ k: WorkItem.Kind) -> Int { k == .theory ? 3 : 5 }

    /// `item`'s finished points as a self-describing record: per point its coordinate VALUES and
    /// then its payload, so a record stays meaningful when the grid changes (resume after a spec
    /// change).
    public func record(_ item: WorkItem, payload: [Double]) -> [Double] {
        let w = PayloadLayout.width(item.kind), s = grid.spec
        var out: [Double] = []
        out.reserveCapacity(item.points * (w + ResultStore.coordinateCount(item.kind)))
        for (k, idx) in item.indices.enumerated() {
            switch item.kind {
            case .theory:
                let (a, b, l) = grid.theoryCoordinates(idx)
                out += [s.alpha[a], s.beta[b], s.lambda[l]]
            case .simulation:
                let (a, n, r) = grid.simulationUnit(item.unit)
                out += [s.alpha[a], s.beta[idx / grid.nLambda], s.lambda[idx % grid.nLambda], Double(s.N[n]), Double(s.seedIDs[r])]
            }
            out += payload[(k * w)..<((k + 1) * w)]
        }
        return out
    }

    /// Apply a record made by `record(_:payload:)` (possibly for another grid): points on this
    /// grid are stored, others ignored. Throws `PayloadError` (nothing applied) when the record is
    /// malformed. Returns the number of points stored.
    @discardableResult
    public func apply(record values: [Double], kind: WorkItem.Kind) throws -> Int {
        let c = ResultStore.coordinateCount(kind), w = c + PayloadLayout.width(kind)
        guard values.count % w == 0 else { throw PayloadError("record of \(values.count) values is not a whole number of points") }
        var targets: [(Int, ArraySlice<Double>)] = []
        let ix = indexes
        for k in 0..<(values.count / w) {
            let p = values[(k * w)..<((k + 1) * w)]
            let b = p.startIndex
            try ResultStore.validate(p[(b + c)...], kind: kind)
            guard let a = ix.alpha[p[b]], let bb = ix.beta[p[b + 1]], let l = ix.lambda[p[b + 2]] else { continue }
            let t = grid.theoryIndex(alpha: a, beta: bb, lambda: l)
            if kind == .theory { targets.append((t, p[(b + c)...])); continue }
            guard p[b + 3] == p[b + 3].rounded(), p[b + 4] == p[b + 4].rounded(), abs(p[b + 3]) < 1e15, abs(p[b + 4]) < 1e15 else {
                throw PayloadError("N or seed not an integer")
            }
            guard let n = ix.n[Int(p[b + 3])], let r = ix.seed[Int(p[b + 4])] else { continue }
            targets.append((grid.simulationIndex(theory: t, n: n, seed: r), p[(b + c)...]))
        }
        for (i, v) in targets { kind == .theory ? setTheory(i, v) : setSim(i, v) }
        return targets.count
    }

    struct Indexes { let alpha, beta, lambda, n, seed: AxisIndex }
    private lazy var indexes = Indexes(alpha: AxisIndex(grid.spec.alpha), beta: AxisIndex(grid.spec.beta),
                                       lambda: AxisIndex(grid.spec.lambda), n: AxisIndex(grid.spec.N),
                                       seed: AxisIndex(grid.spec.seedIDs))

    // MARK: reuse

    /// Copy every point of this grid that `other` holds finished (theory: computed; simulation:
    /// status ok) and this store does not have yet. The caller has checked the settings
    /// (`StudySettings`): `theory`/`simulation` say which kinds may be copied.
    @discardableResult
    public func copy(from other: ResultsData, theory: Bool, simulation: Bool) -> (theory: Int, simulation: Int) {
        let ax = (AxisIndex(other.alpha), AxisIndex(other.beta), AxisIndex(other.lam))
        let s = grid.spec
        let am = s.alpha.map { ax.0[$0] }, bm = s.beta.map { ax.1[$0] }, lm = s.lambda.map { ax.2[$0] }
        var nt = 0, ns = 0
        if theory, let ph = other.theoryPhase {
            for a in 0..<grid.nAlpha { guard let oa = am[a] else { continue }
                for b in 0..<grid.nBeta { guard let ob = bm[b] else { continue }
                    for l in 0..<grid.nLambda { guard let ol = lm[l] else { continue }
                        let t = grid.theoryIndex(alpha: a, beta: b, lambda: l), o = other.theoryIndex(oa, ob, ol)
                        guard !theoryDone[t], (0...2).contains(ph[o]) else { continue }
                        for q in Quantity.names { data.theory[q]![t] = other.theory[q]?[o] ?? .nan }
                        data.theoryPhase![t] = ph[o]
                        data.theoryMetastable![t] = other.theoryMetastable?[o] ?? -1
                        data.theoryFlags![t] = other.theoryFlags?[o] ?? 0
                        theoryDone[t] = true; theoryDoneCount += 1; nt += 1
                    }
                }
            }
        }
        if simulation, grid.simulationPoints > 0, let st = other.status, other.hasSimulation {
            let nIx = AxisIndex(other.N), sIx = AxisIndex(other.seeds)
            let nm = s.N.map { nIx[$0] }, rm = s.seedIDs.map { sIx[$0] }
            for a in 0..<grid.nAlpha { guard let oa = am[a] else { continue }
                for b in 0..<grid.nBeta { guard let ob = bm[b] else { continue }
                    for l in 0..<grid.nLambda { guard let ol = lm[l] else { continue }
                        let t = grid.theoryIndex(alpha: a, beta: b, lambda: l)
                        for n in 0..<grid.nN { guard let on = nm[n] else { continue }
                            for r in 0..<grid.nSeeds { guard let or = rm[r] else { continue }
                                let i = grid.simulationIndex(theory: t, n: n, seed: r), o = other.simIndex(oa, ob, ol, on, or)
                                guard data.status![i] == PointStatus.notRun.rawValue, st[o] == PointStatus.ok.rawValue else { continue }
                                for q in Quantity.names + SimExtra.names { data.sim[q]![i] = other.sim[q]?[o] ?? .nan }
                                data.simPhase![i] = other.simPhase?[o] ?? -1
                                data.simFlags![i] = other.simFlags?[o] ?? 0
                                data.status![i] = st[o]
                                simDoneCount += 1; ns += 1
                            }
                        }
                    }
                }
            }
        }
        reusedTheory += nt; reusedSim += ns
        return (nt, ns)
    }

    /// Mark failed simulated points as not run (for --retry-failed). Returns how many.
    @discardableResult
    public func resetFailed() -> Int {
        guard var st = data.status else { return 0 }
        var k = 0
        for i in st.indices where st[i] == PointStatus.failed.rawValue {
            st[i] = PointStatus.notRun.rawValue
            for q in Quantity.names + SimExtra.names { data.sim[q]![i] = .nan }
            data.simPhase![i] = -1; data.simFlags![i] = 0
            k += 1
        }
        data.status = st
        simDoneCount -= k
        return k
    }

    // MARK: what is left

    /// The work still to do: every data set with at least one pair not run (only those pairs),
    /// most expensive first, then blocks of at most `grid.theoryBlock` missing theory points.
    public func remainingWork() -> [WorkItem] {
        var items: [WorkItem] = []
        if let st = data.status {
            for u in grid.unitsByCost() {
                let pairs = (0..<grid.pairsPerUnit).filter { st[grid.simulationIndex(unit: u, pair: $0)] == PointStatus.notRun.rawValue }
                if !pairs.isEmpty { items.append(WorkItem(kind: .simulation, unit: u, indices: pairs)) }
            }
        }
        var block: [Int] = []
        for t in 0..<grid.theoryPoints where !theoryDone[t] {
            block.append(t)
            if block.count == grid.theoryBlock { items.append(WorkItem(kind: .theory, unit: -1, indices: block)); block = [] }
        }
        if !block.isEmpty { items.append(WorkItem(kind: .theory, unit: -1, indices: block)) }
        return items
    }
}
