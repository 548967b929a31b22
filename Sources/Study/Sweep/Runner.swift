// The sweep: rank 0 coordinates (on its main thread) AND computes (on a worker thread); every
// other rank computes. Work items are handed out most expensive first; results stream back in
// chunks, go into the journal at once, and are written to one HDF5 file at the end (a fresh
// temporary name, then rename). Only the main thread of each rank calls MPI (FUNNELED).
//
// Exit codes: 0 complete (or nothing to do); 2 bad input or a refusal (before MPI starts);
// 3 drained by SIGTERM/SIGUSR1/SIGINT (partial file `PATH.partial` + journal `PATH.journal`
// written; rerun with --resume); 1 other failure.
import Foundation
import MPIKit
import ResultsFile
import Synchronization

/// Drain requests: SIGTERM, SIGUSR1 and the first SIGINT set it; a second SIGINT aborts at once.
let drainSignals = Atomic<Int>(0)
let interruptSignals = Atomic<Int>(0)

/// The command-line options of `vaesweep run` that concern the sweep itself.
public struct RunOptions: Sendable {
    /// Where the results file is written (`PATH`); the partial file and journal are named after it.
    public var outputPath: String
    /// --resume: continue from the journal `PATH.journal`.
    public var resume = false
    /// --retry-failed: with the journal, recompute the simulated points that failed.
    public var retryFailed = false
    /// --quiet: no progress or status lines (errors and drain messages are still printed).
    public var quiet = false
    /// Seconds between progress lines.
    public var progressInterval = 2.0
    /// Results files whose finished points are copied instead of computed.
    public var reuse: [String] = []
    /// Replace an existing results file of another sweep.
    public var overwrite = false
    /// Start even when the memory estimate exceeds what the node has.
    public var force = false
    /// Options for writing to `outputPath`, everything else at its default.
    public init(outputPath: String) { self.outputPath = outputPath }

    /// Where an interrupted run writes its results: `PATH.partial`.
    public var partialPath: String { outputPath + ".partial" }
    /// The journal of finished work: `PATH.journal`.
    public var journalPath: String { outputPath + ".journal" }
}

/// The compute thread of rank 0 (`ThreadRuntime`'s local worker): takes one work item at a time,
/// posts its payload and the wall seconds it took. Its thread is joined by `shutdown()` (called on
/// every path out of the coordinator).
final class LocalWorker: LocalComputing, Sendable {
    private struct State {
        var job: WorkItem?
        var result: LocalResult?
        var finished = false
    }
    private final class Shared: Sendable { let state = Mutex(State()) }
    private let shared = Shared()
    private let jobPosted = DispatchSemaphore(value: 0)
    private let resultPosted = DispatchSemaphore(value: 0)
    private let exited = DispatchSemaphore(value: 0)

    init(compute: @escaping @Sendable (WorkItem) -> [Double]) {
        let t = Thread { [shared, jobPosted, resultPosted, exited] in
            while true {
                jobPosted.wait()
                let (job, done) = shared.state.withLock { ($0.job, $0.finished) }
                guard let job else { if done { break } else { continue } }
                let t0 = monotonicSeconds()
                let payload = compute(job)
                let seconds = monotonicSeconds() - t0
                shared.state.withLock { $0.job = nil; $0.result = LocalResult(item: job, payload: payload, seconds: seconds) }
                resultPosted.signal()
            }
            exited.signal()
        }
        t.stackSize = 16 << 20
        t.start()
    }

    func submit(_ item: WorkItem) {
        shared.state.withLock { $0.job = item }
        jobPosted.signal()
    }

    /// A finished result, waiting up to `timeout` seconds for one. Each result is posted with one
    /// semaphore signal after it is stored, and taken only by consuming that signal.
    func take(timeout: Double) -> LocalResult? {
        guard resultPosted.wait(timeout: .now() + max(0, timeout)) == .success else { return nil }
        return shared.state.withLock { s in defer { s.result = nil }; return s.result }
    }

    /// Stop the thread after its current item and join it.
    func shutdown() {
        shared.state.withLock { $0.finished = true }
        jobPosted.signal()
        exited.wait()
    }
}

/// What the coordinator ended with.
public struct CoordinatorOutcome {
    /// Whether every point of the grid has a result (false when drained).
    public var complete: Bool
    /// Processor names of rank 0 and of every rank that said hello (may repeat).
    public var hosts: [String]
    /// Points computed in this run (not counting those known at its start).
    public var pointsComputed: Int
    /// Work items computed in this run.
    public var itemsComputed = 0
    /// Seconds each rank spent computing this run's items (index: rank; rank 0's is its worker
    /// thread's), as the ranks measured them and sent them with each result.
    public var busySeconds: [Double] = []
    /// Seconds from the coordinator's start until every rank was stopped (the runtime's clock).
    public var wallSeconds = 0.0

    /// Σ busy / (ranks × wall): 1 when every rank computed all the time; NaN when this run
    /// computed nothing.
    public var loadBalance: Double {
        guard itemsComputed > 0, wallSeconds > 0, !busySeconds.isEmpty else { return .nan }
        return busySeconds.reduce(0, +) / (Double(busySeconds.count) * wallSeconds)
    }
}

/// Rank 0's loop over a transport: hands out `work`, records results into the store and the
/// journal, computes on its own thread meanwhile. Testable in memory (`InMemoryNetwork`), and at
/// thousands of ranks on a virtual clock (`VirtualNetwork`, set as both transport and runtime).
public struct Coordinator {
    /// How rank 0 talks to the other ranks.
    public let transport: SweepTransport
    /// Where results go (also the source of `pointsDone` for progress).
    public let store: ResultStore
    /// Where each finished item is appended before the next is handed out (nil: none).
    public var journal: Journal?
    /// Computes a work item's payload on rank 0's own worker thread.
    public var compute: @Sendable (WorkItem) -> [Double]
    /// Polled before each item is handed out; true stops handing out work (a drain).
    public var interrupted: () -> Bool
    /// Rank 0's processor name, the first of the outcome's `hosts`.
    public var host: String
    /// Receives progress lines (nil: silent).
    public var log: ((String) -> Void)?
    /// Minimum seconds between progress lines.
    public var progressInterval = 2.0
    /// Test hook (`TestHooks`): given the number of items handed out so far, whether to hand out
    /// no more for now (the sweep waits, still draining on request). Always false in production.
    public var hold: (Int) -> Bool = { _ in false }
    /// The clock, idle waits and rank 0's compute thread (CoordinatorRuntime.swift): real ones in
    /// production; a `VirtualNetwork` runs this same code on a virtual clock.
    public var runtime: CoordinatorRuntime = ThreadRuntime()

    /// Seconds the coordinator waits at a time for rank 0's own result while other ranks are
    /// active (and sleeps when it has nothing to do): the longest a message waits to be seen.
    /// (Tests on the virtual clock set a power of two, so that their schedules are exact in binary.)
    public var pollInterval = 0.002
    /// Seconds it waits at a time for its own result when no other rank is active.
    public var localOnlyWait = 0.5

    /// A coordinator over `transport` with the given store, journal and local compute.
    public init(transport: SweepTransport, store: ResultStore, journal: Journal?, host: String,
                compute: @escaping @Sendable (WorkItem) -> [Double], interrupted: @escaping () -> Bool) {
        self.transport = transport; self.store = store; self.journal = journal; self.host = host
        self.compute = compute; self.interrupted = interrupted
    }

    /// Hand out `work` in order (to rank 0's worker thread and every other rank of `transport`) until it
    /// is done or `interrupted()`, recording each result; then stop every rank. Throws `ProtocolError`
    /// for a bad or unexpected message, and journal and transport errors.
    public func run(work: [WorkItem]) throws -> CoordinatorOutcome {
        var next = 0
        var hosts = [host]
        var stopping = false
        var remoteActive = transport.size - 1
        var partial: [Int: [Double]] = [:]
        var assigned: [Int: WorkItem] = [:]
        var busy = [Double](repeating: 0, count: max(1, transport.size))
        let local = runtime.startLocalWorker(compute: compute)
        defer { local.shutdown() }
        var localBusy = false
        let pointsAtStart = store.pointsDone
        var computed = 0, itemsComputed = 0
        let t0 = runtime.now
        var lastProgress = -Double.infinity

        func record(_ item: WorkItem, _ payload: [Double], from rank: Int, seconds: Double) throws {
            do { try store.apply(item, payload: payload) } catch {
                throw ProtocolError("rank \(rank) returned a bad result: \(error)")
            }
            try journal?.append(kind: item.kind, values: store.record(item, payload: payload))
            computed += item.points
            itemsComputed += 1
            if seconds.isFinite, seconds >= 0 { busy[rank] += seconds }
        }
        /// The next item; nil when there is none or a drain was asked for; `held` when a test hook
        /// holds the queue (the asker waits in `parked`/`localWaiting` until it is released or drained).
        var held = false
        var holdLogged = false
        var drainLogged = false
        func nextItem() -> WorkItem? {
            if interrupted() { stopping = true }
            if stopping && !drainLogged {
                drainLogged = true
                log?("drain requested: no new work is handed out; finishing the items in flight")
            }
            held = false
            guard !stopping, next < work.count else { return nil }
            if hold(next) {
                if !held && !holdLogged { log?("work held by \(TestHooks.variable) after \(next) items"); holdLogged = true }
                held = true
                return nil
            }
            defer { next += 1 }
            return work[next]
        }
        var parked: [Int] = []          // ranks waiting for work while the queue is held
        var localWaiting = false        // rank 0's worker waiting likewise
        func progress(force: Bool = false, final: Bool = false) {
            guard let log else { return }
            let now = runtime.now
            guard force || now - lastProgress >= progressInterval else { return }
            lastProgress = now
            let elapsed = now - t0
            let done = store.pointsDone, total = store.pointsTotal
            let rate = Double(done - pointsAtStart) / max(elapsed, 1e-9)
            let left = Double(total - done) / max(rate, 1e-9)
            let eta = done == total ? "0s" : (rate > 0 ? SweepRunner.duration(left) : "?")
            var line = String(format: "items %d/%d, points %d/%d (%.1f%%), %.1f points/s, elapsed %@, ETA %@",
                              min(next, work.count), work.count, done, total,
                              100 * Double(done) / Double(max(1, total)), rate, SweepRunner.duration(elapsed), eta)
            if final {
                var o = CoordinatorOutcome(complete: false, hosts: [], pointsComputed: computed)
                o.itemsComputed = itemsComputed; o.busySeconds = busy; o.wallSeconds = elapsed
                line += ", " + SweepRunner.loadBalanceText(o)
            }
            log(line)
        }
        func feedLocal() {
            if let item = nextItem() { local.submit(item); localBusy = true; localWaiting = false } else { localWaiting = held }
        }
        func feedRemote(_ src: Int) throws {
            if let item = nextItem() {
                try transport.send(.work(item), to: src)
                assigned[src] = item
            } else if held {
                parked.append(src)
            } else {
                try transport.send(.stop, to: src)
                remoteActive -= 1
            }
        }
        func takeLocal(timeout: Double) throws -> Bool {
            guard localBusy, let r = local.take(timeout: timeout) else { return false }
            try record(r.item, r.payload, from: 0, seconds: r.seconds)
            localBusy = false
            feedLocal()
            return true
        }

        // Rank 0's own thread shares its core with this loop, so it is the slowest worker: it
        // starts once the hellos already waiting have taken the most expensive items (the first
        // time no message is pending), not with the most expensive item itself.
        var localStarted = false
        func startLocal() { localStarted = true; feedLocal() }
        if remoteActive == 0 { startLocal() }
        while !localStarted || localBusy || remoteActive > 0 || localWaiting {
            if localWaiting { feedLocal() }
            if !parked.isEmpty {
                let waiting = parked
                parked = []
                for src in waiting { try feedRemote(src) }
            }
            var didSomething = try takeLocal(timeout: 0)
            if remoteActive > 0, let (src, msg) = try transport.poll() {
                didSomething = true
                switch msg {
                case let .hello(h, wasInterrupted):
                    if wasInterrupted { stopping = true }
                    hosts.append(h)
                case let .resultPart(values):
                    partial[src, default: []] += values
                    continue
                case let .resultEnd(wasInterrupted, seconds):
                    guard let item = assigned.removeValue(forKey: src) else {
                        throw ProtocolError("rank \(src) sent a result it was not asked for")
                    }
                    try record(item, partial.removeValue(forKey: src) ?? [], from: src, seconds: seconds)
                    if wasInterrupted { stopping = true }
                case .work, .stop:
                    throw ProtocolError("rank \(src) sent a coordinator message (\(msg))")
                }
                try feedRemote(src)
            }
            if !localStarted && !didSomething { startLocal(); continue }
            progress()
            if !didSomething {
                // Nothing from the other ranks: wait briefly on the local worker (or, when it has
                // nothing to do, just sleep) instead of spinning on a core the workers need.
                if localBusy {
                    _ = try takeLocal(timeout: remoteActive > 0 ? pollInterval : localOnlyWait)
                } else {
                    runtime.sleep(pollInterval)
                }
            }
        }
        let wall = runtime.now - t0
        progress(force: true, final: true)
        var outcome = CoordinatorOutcome(complete: store.isComplete, hosts: hosts, pointsComputed: computed)
        outcome.itemsComputed = itemsComputed
        outcome.busySeconds = busy
        outcome.wallSeconds = wall
        return outcome
    }

    /// The messages a worker returns `payload` in: `resultPart`s of at most `chunk` values (at
    /// least one, possibly empty), then `resultEnd` with whether a drain was requested and the
    /// seconds the computation took. (`work` sends them; `VirtualNetwork`'s simulated workers too.)
    public static func resultMessages(_ payload: [Double], chunk: Int, seconds: Double, interrupted: Bool) -> [SweepMessage] {
        var out: [SweepMessage] = []
        var start = 0
        repeat {
            let end = min(payload.count, start + max(1, chunk))
            out.append(.resultPart(Array(payload[start..<end])))
            start = end
        } while start < payload.count
        out.append(.resultEnd(interrupted: interrupted, seconds: seconds))
        return out
    }

    /// A worker rank's loop: hello, then compute every `work` until `stop`.
    public static func work(transport: SweepTransport, host: String, chunk: Int = maxMessageDoubles,
                            compute: (WorkItem) -> [Double], interrupted: () -> Bool) throws {
        try transport.send(.hello(host: host, interrupted: interrupted()), to: 0)
        while true {
            switch try transport.receive(from: 0) {
            case .stop:
                return
            case let .work(item):
                let t0 = monotonicSeconds()
                let payload = compute(item)
                let seconds = monotonicSeconds() - t0
                for m in resultMessages(payload, chunk: chunk, seconds: seconds, interrupted: interrupted()) {
                    try transport.send(m, to: 0)
                }
            case let other:
                throw ProtocolError("rank \(transport.rank) got an unexpected message from the coordinator: \(other)")
            }
        }
    }
}

/// Running a prepared sweep on MPI, and the drain signals.
public enum SweepRunner {
    /// Whether a drain was requested (SIGTERM, SIGUSR1, SIGINT).
    public static var drainRequested: Bool { drainSignals.load(ordering: .relaxed) != 0 }

    /// Install the drain handlers on this rank: SIGTERM, SIGUSR1 and SIGINT drain (finish the
    /// work in flight, write `PATH.partial` and the journal, exit 3); a second SIGINT (Ctrl-C
    /// twice) ends the process at once with 130.
    public static func installSignalHandlers() {
        signal(SIGTERM) { _ in drainSignals.add(1, ordering: .relaxed) }
        signal(SIGUSR1) { _ in drainSignals.add(1, ordering: .relaxed) }
        signal(SIGINT) { _ in
            if interruptSignals.add(1, ordering: .relaxed).newValue >= 2 { _exit(130) }
            drainSignals.add(1, ordering: .relaxed)
        }
    }

    /// Run the prepared sweep on `comm` (collective: every rank calls it). Returns the exit
    /// status, the same on every rank.
    public static func run(_ plan: SweepPlan, comm: Communicator) throws -> Int32 {
        let computer = UnitComputer(grid: plan.grid, hooks: plan.hooks)
        let transport = MPITransport(comm: comm, grid: plan.grid)
        let host = MPI.processorName()
        var code: Int32
        if comm.rank == 0 {
            do {
                code = try plan.coordinate(transport: transport, host: host, ranks: comm.size,
                                           compute: { computer.compute($0) }, interrupted: { drainRequested })
            } catch {
                log("error: \(error)")
                comm.abort(ExitStatus.of(error))
            }
        } else {
            do {
                try Coordinator.work(transport: transport, host: host, compute: { computer.compute($0) },
                                     interrupted: { drainRequested })
            } catch {
                log("rank \(comm.rank): error: \(error)")
                comm.abort(ExitStatus.of(error))
            }
            code = 0
        }
        return Int32(try comm.broadcast(Int(code), root: 0))
    }

    /// One "[vaesweep] …" line on stderr (a multi-line message, e.g. a library's error, is joined
    /// with "; " so every message stays one line).
    public static func log(_ s: String) {
        let line = s.split(separator: "\n", omittingEmptySubsequences: true).joined(separator: "; ")
        FileHandle.standardError.write(Data("[vaesweep] \(line)\n".utf8))
    }

    /// "load balance 0.93 (busy 37.2 s of 4 ranks × 10.0 s)" for an outcome (the last progress
    /// line; the file records the same as `load_balance` and `busy_seconds`).
    public static func loadBalanceText(_ o: CoordinatorOutcome) -> String {
        let lb = o.loadBalance
        guard lb.isFinite else { return "load balance: nothing computed" }
        return String(format: "load balance %.2f (busy %.1f s of %d ranks × %.1f s)",
                      lb, o.busySeconds.reduce(0, +), o.busySeconds.count, o.wallSeconds)
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "?" }
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", (t % 3600) / 60))m" }
        if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t)s"
    }
}
