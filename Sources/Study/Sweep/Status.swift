// `vaesweep status PATH`: a running (or stopped, or drained) sweep seen from any node that sees
// the file system, without taking its lock and without writing anything. The journal
// (`PATH.journal`, append-only, checksummed, keyed by value) says which points are finished; its
// clock records (one a second at most) give the rate of the last minutes; the grid (rebuilt from
// the journal's canonical spec) and the cost model give what is left and an ETA; `PATH.lock` says
// who holds the output. A record being written at that moment (a torn tail) is skipped silently;
// a damaged record in the middle is reported as the run itself would report it.
import Foundation
import ResultsFile
import VAESimulation

/// The state of a sweep on `PATH` (see the file header).
public struct SweepStatus: Sendable {
    /// What is on disk.
    public enum State: String, Sendable {
        /// A journal and a live lock holder (or one whose liveness cannot be known from here).
        case running
        /// A journal, a drained run's `PATH.partial` and no live holder: resume it with --resume.
        case drained
        /// A journal, no partial file and no live holder: the run ended abnormally (or failed points wait for --retry-failed).
        case stopped
        /// Only the results file: the sweep is finished.
        case finished
    }
    /// The output path asked about.
    public var path: String
    /// What is on disk.
    public var state: State
    /// The grid (rebuilt from the journal's canonical spec, or from the finished file's).
    public var grid: Grid
    /// The points: with a result, failed (status 2), still to compute, all.
    public var pointsDone: Int, pointsFailed: Int, pointsRemaining: Int, pointsTotal: Int
    /// Of the points with a result, those copied from --reuse files.
    public var pointsReused: Int
    /// Per N: simulated points with a result, failed, of all.
    public var perN: [(n: Int, done: Int, failed: Int, total: Int)]
    /// Points recorded per second over the last `rateWindow` seconds of records (nil: too few clock marks).
    public var rate: Double?
    /// The span of records the rate is measured over (s).
    public var rateWindow: Double
    /// Estimated seconds to finish: the cost model's remaining cost at the recent rate of cost
    /// (nil when unknown; 0 when nothing is left).
    public var etaSeconds: Double?
    /// The lock holder ("host H, pid P") and whether it is alive (nil: cannot be known from this host).
    public var holder: String?, holderAlive: Bool?
    /// Seconds since the journal (or file) was last written.
    public var lastWriteAge: Double?
    /// Failed points with their reasons (at most 20).
    public var failures: [(point: String, reason: String)]
    /// A damaged journal record in the middle (as the run's resume would report it); nil when intact.
    public var damage: String?
    /// The study so far (finished points; the rest at their fill values), for provisional verdicts.
    public var data: ResultsData

    /// Read the sweep on `path`. Throws `Refusal` (exit 2) when there is no sweep there or the
    /// journal is not a vaesweep journal.
    public static func read(path: String, now: Date = Date()) throws -> SweepStatus {
        let journalPath = path + ".journal", partialPath = path + ".partial"
        let fm = FileManager.default
        guard fm.fileExists(atPath: journalPath) else {
            guard fm.fileExists(atPath: path) else {
                throw Refusal("no sweep at '\(path)': neither '\(journalPath)' nor '\(path)' exists")
            }
            return try finished(path: path, now: now)
        }
        let contents: Journal.Contents
        do { contents = try Journal.read(path: journalPath) } catch { throw Refusal("\(error)") }
        let spec: SweepSpec
        do { spec = try SweepSpec(canonical: contents.canonicalSpec) } catch {
            throw Refusal("'\(journalPath)' has an unreadable spec: \(error)")
        }
        let grid = try Grid(spec: spec)
        let store = ResultStore(grid: grid)
        var damage: String? = nil
        for r in contents.records {
            do { try store.apply(record: r.values, kind: r.kind, reused: r.reused) } catch {
                damage = "a record has values outside the schema; it and the records after it would be dropped by --resume"
                break
            }
        }
        if damage == nil, let d = contents.damage, !contents.tornTail {
            damage = d + (contents.droppedAfterDamage > 0 ? "; \(contents.droppedAfterDamage) intact record(s) after it would be dropped" : "")
                + " (--resume computes their points again)"
        }
        let (holder, alive) = lockHolder(path + ".lock")
        let state: State = alive == true || (alive == nil && holder != nil) ? .running
            : (fm.fileExists(atPath: partialPath) ? .drained : .stopped)
        var s = summary(path: path, state: state, grid: grid, data: store.data, reused: store.reusedTheory + store.reusedSim)
        s.holder = holder; s.holderAlive = alive
        s.damage = damage
        s.lastWriteAge = modificationAge(journalPath, now: now)
        (s.rate, s.rateWindow, s.etaSeconds) = rate(contents, grid: grid, store: store, now: now)
        return s
    }

    /// A finished results file: its counts (no journal, no rate).
    static func finished(path: String, now: Date) throws -> SweepStatus {
        let data: ResultsData
        do { data = try ResultsData.read(path: path) } catch { throw Refusal("\(error)") }
        guard let canonical = data.attributes.specCanonical, let spec = try? SweepSpec(canonical: canonical) else {
            throw Refusal("'\(path)' is not a results file of a sweep (no canonical spec)")
        }
        let grid = try Grid(spec: spec)
        var s = summary(path: path, state: .finished, grid: grid, data: data,
                        reused: Int(data.attributes.int(RootKey.pointsReused) ?? 0))
        s.lastWriteAge = modificationAge(path, now: now)
        s.etaSeconds = s.pointsRemaining == 0 ? 0 : nil
        return s
    }

    /// Counts, per N, failures of `data` on `grid`.
    static func summary(path: String, state: State, grid: Grid, data: ResultsData, reused: Int) -> SweepStatus {
        var done = 0, failed = 0
        for t in 0..<data.theoryCount where data.isDone(.theory, t) { done += 1 }
        var perN = grid.spec.simulate ? grid.spec.N.map { (n: $0, done: 0, failed: 0, total: 0) } : []
        var failures: [(String, String)] = []
        if data.axes.simulates, let status = data.status {
            for i in 0..<data.simCount {
                let (t, n, r) = grid.simulationCoordinates(i)
                perN[n].total += 1
                guard status[i] != PointStatus.notRun.rawValue else { continue }
                done += 1; perN[n].done += 1
                guard status[i] == PointStatus.failed.rawValue else { continue }
                failed += 1; perN[n].failed += 1
                if failures.count < 20 {
                    let (a, b, l) = grid.theoryCoordinates(t)
                    let s = grid.spec
                    let point = "α=\(s.alpha[a]), β=\(s.beta[b]), λ=\(s.lambda[l]), N=\(s.N[n]), seed=\(s.seedIDs[r])"
                    failures.append((point, reason(data.simRecord(at: i))))
                }
            }
        }
        let total = grid.pointsTotal
        return SweepStatus(path: path, state: state, grid: grid, pointsDone: done, pointsFailed: failed,
                           pointsRemaining: total - done, pointsTotal: total, pointsReused: reused, perN: perN,
                           rate: nil, rateWindow: 0, etaSeconds: nil, holder: nil, holderAlive: nil, lastWriteAge: nil,
                           failures: failures, damage: nil, data: data)
    }

    /// Why a failed point failed, from its record.
    static func reason(_ r: SimulationRecord) -> String {
        guard let steps = r.steps else { return "training threw, or the data set could not be built (no result)" }
        if r.flags.contains(.notConverged) {
            return "not converged within \(steps) steps (gradient norm \(String(format: "%.3g", r.gradNorm)))"
        }
        return "a non-finite loss or observable after \(steps) steps"
    }

    /// The lock file's holder text, and whether that process is alive when it runs on this host
    /// (nil: another host, or no lock file). Reads the file only: never takes the lock (a probe
    /// lock could make a starting run refuse its output as "in use").
    static func lockHolder(_ lockPath: String) -> (String?, Bool?) {
        guard let text = try? String(contentsOfFile: lockPath, encoding: .utf8) else { return (nil, nil) }
        let holder = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !holder.isEmpty else { return (nil, false) }   // released files keep their text; empty: never held
        // "host NAME, pid PID"
        let parts = holder.components(separatedBy: ", pid ")
        guard parts.count == 2, parts[0].hasPrefix("host "), let pid = Int32(parts[1]) else { return (holder, nil) }
        let host = String(parts[0].dropFirst("host ".count))
        var buf = [UInt8](repeating: 0, count: 256)
        gethostname(&buf, buf.count - 1)
        let me = String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
        guard host == me else { return (holder, nil) }
        // alive: the process exists and is a vaesweep (a recycled pid would be another program)
        guard kill(pid, 0) == 0 || errno == EPERM else { return (holder, false) }
        let cmd = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
        return (holder, cmd.contains("vaesweep"))
    }

    static func modificationAge(_ path: String, now: Date) -> Double? {
        guard let m = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date else { return nil }
        return max(0, now.timeIntervalSince(m))
    }

    /// The rate of points over the records of the last five minutes (by their clock marks) and
    /// an ETA: the cost model's cost of what is left over the cost recorded in that window per second.
    static func rate(_ c: Journal.Contents, grid: Grid, store: ResultStore, now: Date) -> (Double?, Double, Double?) {
        let remainingCost = store.remainingWork().reduce(0.0) { $0 + cost(of: $1, grid: grid) }
        if store.isComplete { return (nil, 0, 0) }
        guard let last = c.clock.last else { return (nil, 0, nil) }
        let windowStart = last.time - 300
        guard let first = c.clock.first(where: { $0.time >= windowStart }) else { return (nil, 0, nil) }
        let records = c.records[first.recordsBefore...].filter { !$0.reused }
        let span = max(now.timeIntervalSince1970, last.time) - first.time
        guard span > 0, !records.isEmpty else { return (nil, span, nil) }
        let points = records.reduce(0) { $0 + $1.values.count / ($1.kind.coordinateCount + $1.kind.fieldCount) }
        let recordedCost = records.reduce(0.0) { $0 + cost(of: $1, grid: grid) }
        let eta = recordedCost > 0 ? remainingCost / (recordedCost / span)
            : Double(store.pointsTotal - store.pointsDone) / (Double(points) / span)
        return (Double(points) / span, span, eta)
    }

    /// The cost-model cost of a work item (theory points cost nothing next to data sets).
    static func cost(of item: WorkItem, grid: Grid) -> Double {
        guard item.kind == .simulation else { return 0 }
        let (a, n, _) = grid.simulationUnit(item.unit)
        return grid.cost(alpha: a, n: n) * Double(item.points) / Double(max(1, grid.pairsPerUnit))
    }

    /// The cost of the points of a journal record (by their coordinate values).
    static func cost(of r: Journal.Record, grid: Grid) -> Double {
        guard r.kind == .simulation, grid.pairsPerUnit > 0 else { return 0 }
        let w = r.kind.coordinateCount + r.kind.fieldCount
        let ax = AxisIndex(grid.spec.alpha), nx = AxisIndex(grid.spec.N)
        var total = 0.0
        for k in 0..<(r.values.count / w) {
            guard let a = ax[r.values[k * w]], let n = nx[Int(r.values[k * w + 3])] else { continue }
            total += grid.cost(alpha: a, n: n) / Double(grid.pairsPerUnit)
        }
        return total
    }
}
