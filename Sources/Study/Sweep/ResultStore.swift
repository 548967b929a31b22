// Rank 0's in-memory copy of every result of the grid (a `ResultsData`, the results-file module's
// table type), filled by work items (by grid index), by points copied from reused files and by
// journal records (both by coordinate value, through `ResultsData.merge`); and what is still
// missing, as work items.
import Foundation
import ResultsFile
import VAETheory

/// Rank 0's results of the whole grid in memory, with which points are done (see the file header).
/// Not thread-safe: used by the coordinator's main thread only.
public final class ResultStore {
    /// The grid the store holds results for.
    public let grid: Grid
    /// The results so far (unfinished points hold their fields' fill values).
    public private(set) var data: ResultsData
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
        data = .empty(axes: StudyAxes(alpha: s.alpha, beta: s.beta, lam: s.lambda, N: s.simulate ? s.N : [],
                                      seeds: s.simulate ? s.seedIDs : []), rho: s.rho, eta: s.eta)
    }

    /// Theory plus simulated points that have a result (failed simulated points count as done).
    public var pointsDone: Int { theoryDoneCount + simDoneCount }
    /// All points of the grid (`Grid.pointsTotal`), or, after `expect`, the points done then plus
    /// those of the work expected.
    public var pointsTotal: Int { expectedTotal ?? grid.pointsTotal }
    private var expectedTotal: Int?
    /// Count only `work` as still to do (a refine's round computes a few points of its grid):
    /// `pointsTotal` and `isComplete` then refer to the points done now plus those of `work`.
    public func expect(_ work: [WorkItem]) { expectedTotal = pointsDone + work.reduce(0) { $0 + $1.points } }
    /// Whether every point has a result (some simulated ones may have failed).
    public var isComplete: Bool { pointsDone == pointsTotal }
    /// Simulated points whose status is `failed`.
    public var failedPoints: Int { data.status?.lazy.filter { $0 == PointStatus.failed.rawValue }.count ?? 0 }

    private func count(_ c: MergeCount) {
        theoryDoneCount += c.addedTheory
        simDoneCount += c.addedSimulation
    }

    // MARK: work items (by grid index)

    /// The flat index in `data` of point `k` of `item`.
    func flatIndex(_ item: WorkItem, _ k: Int) -> Int {
        item.kind == .theory ? item.indices[k] : grid.simulationIndex(unit: item.unit, pair: item.indices[k])
    }

    /// Store the payload of `item` (replacing earlier results of the same points). Throws
    /// `RecordError` (nothing stored) when the payload is not `item.points` records the field table admits.
    public func apply(_ item: WorkItem, payload: [Double]) throws {
        let w = item.kind.fieldCount
        guard payload.count == item.points * w else {
            throw RecordError("payload of \(payload.count) values for \(item.points) points, expected \(item.points * w)")
        }
        for k in 0..<item.points {
            let row = payload[(k * w)..<((k + 1) * w)]
            switch item.kind {
            case .theory: try TheoryRecord.validate(row)
            case .simulation: try SimulationRecord.validate(row)
            }
        }
        let added = data.storeReplacing(item.kind, at: (0..<item.points).map { flatIndex(item, $0) }, rows: payload[...])
        var c = MergeCount()
        if item.kind == .theory { c.addedTheory = added } else { c.addedSimulation = added }
        count(c)
    }

    // MARK: value-keyed records (the journal)

    /// `item`'s finished points as a self-describing record (`PointBatch` layout): per point its
    /// coordinate VALUES and then its payload, so a record stays meaningful when the grid changes
    /// (resume after a spec change).
    public func record(_ item: WorkItem, payload: [Double]) -> [Double] {
        let w = item.kind.fieldCount, s = grid.spec
        var out: [Double] = []
        out.reserveCapacity(item.points * (w + item.kind.coordinateCount))
        // (one value at a time: no temporary array per point on rank 0's per-result path)
        for (k, idx) in item.indices.enumerated() {
            switch item.kind {
            case .theory:
                let (a, b, l) = grid.theoryCoordinates(idx)
                out.append(s.alpha[a]); out.append(s.beta[b]); out.append(s.lambda[l])
            case .simulation:
                let (a, n, r) = grid.simulationUnit(item.unit)
                out.append(s.alpha[a]); out.append(s.beta[idx / grid.nLambda]); out.append(s.lambda[idx % grid.nLambda])
                out.append(Double(s.N[n])); out.append(Double(s.seedIDs[r]))
            }
            out.append(contentsOf: payload[(k * w)..<((k + 1) * w)])
        }
        return out
    }

    /// Apply a record made by `record(_:payload:)` (possibly for another grid): points on this
    /// grid are stored (a later record replaces an earlier one), others ignored; `reused` points
    /// (copied from a --reuse file by the run that journaled them) count as reused. Throws
    /// `RecordError` (nothing applied) when the record is malformed. Returns the points stored.
    @discardableResult
    public func apply(record values: [Double], kind: PointKind, reused: Bool = false) throws -> Int {
        let c = try data.merge(PointBatch(kind: kind, values: values), onConflict: .replace)
        count(c)
        if reused { reusedTheory += c.addedTheory; reusedSim += c.addedSimulation }
        return c.stored
    }

    /// The points at flat indices `indices` of `kind` as journal records (`PointBatch` layout) of
    /// at most `chunk` points each.
    public func records(_ kind: PointKind, _ indices: [Int], chunk: Int = 4096) -> [[Double]] {
        let s = grid.spec
        var out: [[Double]] = []
        var i = 0
        while i < indices.count {
            var values: [Double] = []
            for idx in indices[i..<min(indices.count, i + chunk)] {
                switch kind {
                case .theory:
                    let (a, b, l) = grid.theoryCoordinates(idx)
                    values += [s.alpha[a], s.beta[b], s.lambda[l]]
                    data.theoryRecord(at: idx).encode(into: &values)
                case .simulation:
                    let (t, n, r) = grid.simulationCoordinates(idx)
                    let (a, b, l) = grid.theoryCoordinates(t)
                    values += [s.alpha[a], s.beta[b], s.lambda[l], Double(s.N[n]), Double(s.seedIDs[r])]
                    data.simRecord(at: idx).encode(into: &values)
                }
            }
            out.append(values)
            i += chunk
        }
        return out
    }

    // MARK: reuse

    /// Copy every point of this grid that `other` holds finished (theory: computed; simulation:
    /// status ok) and this store does not have yet. The caller has checked the settings
    /// (`StudySettings`): `theory`/`simulation` say which kinds may be copied. Returns the counts
    /// and the flat indices of the points copied (for the journal).
    @discardableResult
    public func copy(from other: ResultsData, theory: Bool, simulation: Bool)
        -> (theory: Int, simulation: Int, copied: (theory: [Int], simulation: [Int])) {
        let before = (theory: (0..<data.theoryCount).map { data.isDone(.theory, $0) },
                      simulation: (0..<data.simCount).map { data.isDone(.simulation, $0) })
        // keepExisting never conflicts
        guard let c = try? data.merge(from: other, theory: theory, simulation: simulation && grid.simulationPoints > 0,
                                      statuses: [.ok], onConflict: .keepExisting) else { return (0, 0, ([], [])) }
        count(c)
        reusedTheory += c.addedTheory; reusedSim += c.addedSimulation
        let t = (0..<data.theoryCount).filter { !before.theory[$0] && data.isDone(.theory, $0) }
        let s = (0..<data.simCount).filter { !before.simulation[$0] && data.isDone(.simulation, $0) }
        return (c.addedTheory, c.addedSimulation, (t, s))
    }

    /// Take every finished point of `other` (ok or failed: a refine never recomputes a failure)
    /// as this store's own, not as reused ones (a refine's rounds grow one study). The caller has
    /// checked that `other` is the same study.
    public func preload(_ other: ResultsData) throws {
        count(try data.merge(from: other, theory: true, simulation: other.hasSimulation && grid.simulationPoints > 0,
                             statuses: [.ok, .failed], onConflict: .keepExisting))
    }

    /// Mark failed simulated points as not run (for --retry-failed). Returns how many.
    @discardableResult
    public func resetFailed() -> Int {
        guard let st = data.status else { return 0 }
        var k = 0
        for i in st.indices where st[i] == PointStatus.failed.rawValue {
            data.setSim(.empty, at: i)
            k += 1
        }
        simDoneCount -= k
        return k
    }

    // MARK: what is left

    /// The work still to do: every data set with at least one pair not run (only those pairs),
    /// most expensive first, then blocks of at most `grid.theoryBlock` missing theory points.
    /// `simulating`: only these flat simulation indices (nil: every one; a refine's round plans a few).
    public func remainingWork(simulating only: Set<Int>? = nil) -> [WorkItem] {
        var items: [WorkItem] = []
        if data.axes.simulates {
            for u in grid.unitsByCost() {
                let pairs = (0..<grid.pairsPerUnit).filter {
                    let i = grid.simulationIndex(unit: u, pair: $0)
                    return !data.isDone(.simulation, i) && (only?.contains(i) ?? true)
                }
                if !pairs.isEmpty { items.append(WorkItem(kind: .simulation, unit: u, indices: pairs)) }
            }
        }
        var block: [Int] = []
        for t in 0..<grid.theoryPoints where !data.isDone(.theory, t) {
            block.append(t)
            if block.count == grid.theoryBlock { items.append(WorkItem(kind: .theory, unit: -1, indices: block)); block = [] }
        }
        if !block.isEmpty { items.append(WorkItem(kind: .theory, unit: -1, indices: block)) }
        return items
    }
}
