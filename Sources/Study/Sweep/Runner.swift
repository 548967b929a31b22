// The MPI sweep: rank 0 coordinates (on its main thread) AND computes (on a worker thread);
// every other rank computes. Units are handed out dynamically in `Grid.unitOrder()` (most
// expensive first); results stream back to rank 0 in chunks, go into the journal at once, and
// are written to one HDF5 file at the end (temporary name, then rename).
//
// Only the main thread of each rank calls MPI (MPI_THREAD_FUNNELED).
//
// Exit codes: 0 complete; 2 bad input (before MPI); 3 interrupted by SIGTERM/SIGUSR1 (partial
// file `PATH.partial` + journal `PATH.journal` written; rerun with --resume); 1 other failure.
import Foundation
import ResultsFile
import MPIKit

/// Set by the SIGTERM/SIGUSR1 handler; read by the coordinator loop.
nonisolated(unsafe) var interruptRequested: sig_atomic_t = 0

public enum ExitStatus {
    public static let complete: Int32 = 0
    public static let failure: Int32 = 1
    public static let badInput: Int32 = 2
    public static let interrupted: Int32 = 3
}

public struct RunOptions: Sendable {
    public var outputPath: String
    public var resume = false
    public var retryFailed = false
    public var quiet = false
    public var progressInterval = 2.0
    public init(outputPath: String) { self.outputPath = outputPath }

    public var temporaryPath: String { outputPath + ".tmp" }
    public var partialPath: String { outputPath + ".partial" }
    public var journalPath: String { outputPath + ".journal" }
}

/// Everything checked before MPI starts: the spec, the output location and, for --resume, that
/// the journal belongs to the same spec. Throws `SpecError` (exit 2).
public func preflight(spec: SweepSpec, options: RunOptions) throws {
    let fm = FileManager.default
    let out = URL(fileURLWithPath: options.outputPath)
    let dir = out.deletingLastPathComponent().path
    var isDir: ObjCBool = false
    guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
        throw SpecError("output.path", "directory '\(dir)' does not exist")
    }
    guard fm.isWritableFile(atPath: dir) else { throw SpecError("output.path", "directory '\(dir)' is not writable") }
    let journalExists = fm.fileExists(atPath: options.journalPath)
    if options.resume || options.retryFailed {
        if journalExists {
            let (canonical, _, _) = try Journal.read(path: options.journalPath)
            if canonical != spec.canonical {
                let old = Set(canonical.split(separator: "\n")), new = spec.canonical.split(separator: "\n")
                let differing = new.first { !old.contains($0) }.map { String($0.split(separator: " ").first ?? "") } ?? "spec"
                throw SpecError("resume", "the spec differs from the one that started '\(options.journalPath)' (first difference: \(differing)); use the original spec or remove the journal")
            }
        }
    } else if journalExists {
        throw SpecError("output.path", "unfinished sweep found ('\(options.journalPath)'): pass --resume to continue it, or remove it to start over")
    }
}

/// Message tags between ranks.
enum Tag {
    static let hello = 1, resultPart = 2, resultEnd = 3, work = 4, stop = 5
}

/// Largest message, in doubles (512 KiB): results travel in chunks of at most this size.
let maxMessageDoubles = 65_536

/// The compute thread of rank 0: takes one unit at a time, posts its payload.
final class LocalWorker: @unchecked Sendable {
    private let cond = NSCondition()
    private var job: Int? = nil
    private var result: (Int, [Double])? = nil
    private var finished = false
    private let computer: UnitComputer

    init(computer: UnitComputer) {
        self.computer = computer
        let t = Thread { [unowned self] in self.loop() }
        t.stackSize = 16 << 20
        t.start()
    }

    private func loop() {
        while true {
            cond.lock()
            while job == nil && !finished { cond.wait() }
            if finished && job == nil { cond.unlock(); return }
            let id = job!
            cond.unlock()
            let payload = computer.compute(id)
            cond.lock()
            job = nil
            result = (id, payload)
            cond.broadcast()
            cond.unlock()
        }
    }

    func submit(_ id: Int) {
        cond.lock(); job = id; cond.broadcast(); cond.unlock()
    }

    /// A finished result, waiting up to `timeout` seconds for one.
    func take(timeout: Double) -> (Int, [Double])? {
        cond.lock()
        defer { cond.unlock() }
        if result == nil && timeout > 0 { _ = cond.wait(until: Date(timeIntervalSinceNow: timeout)) }
        let r = result
        result = nil
        return r
    }

    func shutdown() { cond.lock(); finished = true; cond.broadcast(); cond.unlock() }
}

public enum SweepRunner {
    /// Install the drain handlers (SIGTERM, SIGUSR1) on this rank.
    public static func installSignalHandlers() {
        signal(SIGTERM) { _ in interruptRequested = 1 }
        signal(SIGUSR1) { _ in interruptRequested = 1 }
    }

    /// Run the sweep on `comm` (collective: every rank calls it). Returns the exit status, the
    /// same on every rank.
    public static func run(spec: SweepSpec, options: RunOptions, comm: Communicator) throws -> Int32 {
        let grid = Grid(spec: spec)
        let computer = UnitComputer(grid: grid)
        installSignalHandlers()
        var code: Int32
        if comm.rank == 0 {
            do {
                code = try coordinate(grid: grid, computer: computer, options: options, comm: comm)
            } catch {
                FileHandle.standardError.write(Data("vaesweep: error: \(error)\n".utf8))
                comm.abort(ExitStatus.failure)
            }
        } else {
            try work(computer: computer, comm: comm)
            code = 0
        }
        code = Int32(try comm.broadcast(Int(code), root: 0))
        return code
    }

    // MARK: worker ranks

    static func work(computer: UnitComputer, comm: Communicator) throws {
        let host = MPI.processorName()
        try comm.send([Double(interruptRequested)] + host.utf8.map { Double($0) }, to: 0, tag: Tag.hello)
        while true {
            let (msg, _, tag) = try comm.receive(Double.self, from: 0)
            if tag == Tag.stop { return }
            let id = Int(msg[0])
            let payload = computer.compute(id)
            var start = 0
            repeat {
                let end = min(payload.count, start + maxMessageDoubles)
                try comm.send(Array(payload[start..<end]), to: 0, tag: Tag.resultPart)
                start = end
            } while start < payload.count
            try comm.send([Double(id), Double(interruptRequested)], to: 0, tag: Tag.resultEnd)
        }
    }

    // MARK: rank 0

    static func coordinate(grid: Grid, computer: UnitComputer, options: RunOptions, comm: Communicator) throws -> Int32 {
        let startTime = Provenance.isoNow()
        let gitCommit = Provenance.gitCommit()
        let store = ResultStore(grid: grid)
        let journal: Journal
        if (options.resume || options.retryFailed), FileManager.default.fileExists(atPath: options.journalPath) {
            let (_, records, valid) = try Journal.read(path: options.journalPath)
            for r in records { try store.apply(unit: r.unit, payload: r.payload) }
            if options.retryFailed { for u in store.unitsWithFailures() { store.reset(unit: u) } }
            journal = try Journal.reopen(path: options.journalPath, validLength: valid)
            if !options.quiet {
                log("resuming: \(store.unitsDone)/\(grid.unitCount) units already done (\(records.count) journal records)")
            }
        } else {
            journal = try Journal.create(path: options.journalPath, canonicalSpec: grid.spec.canonical)
        }

        let order = grid.unitOrder().filter { !store.unitDone[$0] }
        var next = 0
        let totalPoints = store.pointsTotal
        var pointsDone = store.pointsDone
        let pointsAtStart = pointsDone
        var hosts = [MPI.processorName()]
        var stopping = false
        var remoteActive = comm.size - 1
        var partial: [Int: [Double]] = [:]
        let local = LocalWorker(computer: computer)
        var localBusy = false
        let t0 = Date()
        var lastProgress = Date.distantPast

        func record(_ id: Int, _ payload: [Double]) throws {
            try store.apply(unit: id, payload: payload)
            try journal.append(unit: id, payload: payload)
            pointsDone += grid.points(inUnit: id)
        }
        func nextUnit() -> Int? {
            if interruptRequested != 0 { stopping = true }
            guard !stopping, next < order.count else { return nil }
            defer { next += 1 }
            return order[next]
        }
        func progress(force: Bool = false) {
            guard !options.quiet, force || Date().timeIntervalSince(lastProgress) >= options.progressInterval else { return }
            lastProgress = Date()
            let elapsed = Date().timeIntervalSince(t0)
            let rate = Double(pointsDone - pointsAtStart) / max(elapsed, 1e-9)
            let left = Double(totalPoints - pointsDone) / max(rate, 1e-9)
            let eta = pointsDone == totalPoints ? "0s" : (rate > 0 ? duration(left) : "?")
            log(String(format: "units %d/%d, points %d/%d (%.1f%%), %.1f points/s, elapsed %@, ETA %@",
                       store.unitsDone, grid.unitCount, pointsDone, totalPoints,
                       100 * Double(pointsDone) / Double(max(1, totalPoints)), rate, duration(elapsed), eta))
        }

        if let id = nextUnit() { local.submit(id); localBusy = true }
        while localBusy || remoteActive > 0 {
            var didSomething = false
            if let (id, payload) = local.take(timeout: 0) {
                try record(id, payload)
                localBusy = false
                if let id = nextUnit() { local.submit(id); localBusy = true }
                didSomething = true
            }
            if remoteActive > 0, let st = try comm.probe(Double.self) {
                let (msg, src, tag) = try comm.receive(Double.self, from: st.source, tag: st.tag)
                didSomething = true
                switch tag {
                case Tag.hello:
                    if msg.first ?? 0 != 0 { stopping = true }
                    hosts.append(String(decoding: msg.dropFirst().map { UInt8($0) }, as: UTF8.self))
                case Tag.resultPart:
                    partial[src, default: []] += msg
                    continue
                case Tag.resultEnd:
                    try record(Int(msg[0]), partial.removeValue(forKey: src) ?? [])
                    if msg[1] != 0 { stopping = true }
                default:
                    throw SpecError("mpi", "unexpected message tag \(tag) from rank \(src)")
                }
                if let id = nextUnit() {
                    try comm.send([Double(id)], to: src, tag: Tag.work)
                } else {
                    try comm.send([Double](), to: src, tag: Tag.stop)
                    remoteActive -= 1
                }
            }
            progress()
            if !didSomething {
                // Nothing from MPI: wait briefly on the local worker instead of spinning.
                if let (id, payload) = local.take(timeout: remoteActive > 0 ? 0.002 : 0.5) {
                    try record(id, payload)
                    localBusy = false
                    if let id = nextUnit() { local.submit(id); localBusy = true }
                }
            }
        }
        local.shutdown()
        progress(force: true)

        let complete = store.unitsDone == grid.unitCount
        let attrs = Provenance.attributes(spec: grid.spec, ranks: comm.size, hosts: hosts, start: startTime,
                                          end: Provenance.isoNow(), pointsDone: pointsDone, pointsTotal: totalPoints,
                                          complete: complete, gitCommit: gitCommit)
        let target = complete ? options.outputPath : options.partialPath
        let tmp = target + ".tmp"
        do {
            try store.write(to: tmp, attributes: attrs)
            _ = try? FileManager.default.removeItem(atPath: target)
            try FileManager.default.moveItem(atPath: tmp, toPath: target)
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        }
        if complete {
            try? FileManager.default.removeItem(atPath: options.partialPath)
            let failed = store.failedPoints
            if failed == 0 {
                try? FileManager.default.removeItem(atPath: options.journalPath)
            } else if !options.quiet {
                log("\(failed) simulated points failed (status 2); `--resume --retry-failed` recomputes them")
            }
            if !options.quiet { log("wrote \(target)") }
            return ExitStatus.complete
        }
        log("interrupted: wrote partial results to \(target) (\(pointsDone)/\(totalPoints) points); rerun with --resume to finish")
        return ExitStatus.interrupted
    }

    static func log(_ s: String) {
        FileHandle.standardError.write(Data("[vaesweep] \(s)\n".utf8))
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", (t % 3600) / 60))m" }
        if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t)s"
    }
}
