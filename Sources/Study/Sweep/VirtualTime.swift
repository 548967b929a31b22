// The in-memory network on a virtual clock: the sibling of `InMemoryNetwork` (Transport.swift) for
// measuring the schedule at thousands of ranks on one core. Rank 0 runs the REAL coordinator
// (`Coordinator.run`, with this network as both its transport and its runtime); every other rank,
// and rank 0's own compute thread, is simulated: an item takes the seconds `Model.seconds` gives
// it (the cost model's prediction, with noise if wanted) and returns `Model.payload` in the
// messages `Coordinator.resultMessages` makes (the worker's own chunking code).
//
// How virtual time advances (one clock, `now`, in seconds from the start):
//   - A message is delivered `latency` + its bytes / `bandwidth` after it is sent; a worker starts
//     an item when the work arrives and sends its result when the item's seconds are over.
//   - The coordinator's own work advances the clock by the thread CPU time it really spends
//     between two calls into this network (`CoordinatorTime.measured`: store, journal, progress;
//     the simulation's own bookkeeping is excluded), or not at all (`.none`, for exact tests);
//     every message rank 0 sends or receives adds `messageOverhead` (the MPI call the simulation
//     replaces). With `sharedCore` this time also delays the item rank 0's
//     own compute thread is working on (the two threads share rank 0's core).
//   - The coordinator's waits are its real ones: `sleep(s)` and `take(timeout:)` return after the
//     timeout (or, for `take`, when rank 0's own item is done), so a message waits to be seen
//     exactly as long as under MPI. Runs of idle loop iterations in which nothing can change (no
//     message can be due) are skipped in one step to the iteration that would see the next
//     message; a test hook hold or drain decided inside such a run is seen at that iteration.
// Single-threaded: the coordinator, its "threads" and the workers all run on the caller's thread.
import Foundation
import ResultsFile

/// A sweep network on a virtual clock (see the file header): rank 0's transport and runtime.
public final class VirtualNetwork: SweepTransport, CoordinatorRuntime {
    /// How the coordinator's own work advances the clock.
    public enum CoordinatorTime: Sendable {
        /// Not at all (exact, hand-computable schedules).
        case none
        /// By the thread CPU time it really spends between two calls into the network.
        case measured
    }

    /// What the simulated ranks do and what messages cost.
    public struct Model {
        /// Seconds an item's computation takes on any rank (must be finite and ≥ 0).
        public var seconds: (WorkItem) -> Double
        /// The payload a rank returns for an item (records `ResultStore.apply` accepts).
        public var payload: (WorkItem) -> [Double]
        /// One-way latency of a message (seconds).
        public var latency = 5e-6
        /// Bytes per second of a message's transfer.
        public var bandwidth = 5e9
        /// Rank 0's time per message it sends or receives (the MPI call itself).
        public var messageOverhead = 2e-6
        /// How the coordinator's own work advances the clock.
        public var coordinatorTime = CoordinatorTime.measured
        /// Whether rank 0's compute thread shares a core with the coordinator.
        public var sharedCore = true
        /// Largest result message in doubles (as `Coordinator.work`'s `chunk`).
        public var chunk = maxMessageDoubles
        /// When the workers' hellos are due (seconds from the coordinator's start). 0: sent while
        /// rank 0 prepared the sweep (read the spec, the journal, reused files), as under MPI.
        public var helloTime = 0.0
        /// A model with these item times and payloads and the default costs above.
        public init(seconds: @escaping (WorkItem) -> Double, payload: @escaping (WorkItem) -> [Double]) {
            self.seconds = seconds; self.payload = payload
        }
    }

    /// One item as it ran: which rank, when the work was sent, when it started and ended.
    public struct Assignment: Equatable, Sendable {
        /// The rank that computed it (0: rank 0's own thread).
        public var rank: Int
        /// The item.
        public var item: WorkItem
        /// When the coordinator handed it out, when the rank started it and when it was done.
        public var sent: Double, start: Double, end: Double
        /// An assignment of `item` to `rank` with these times.
        public init(rank: Int, item: WorkItem, sent: Double, start: Double, end: Double) {
            self.rank = rank; self.item = item; self.sent = sent; self.start = start; self.end = end
        }
    }

    /// What happened, per rank and on rank 0.
    public struct Statistics: Sendable {
        /// Seconds each rank computed (rank 0: its compute thread, delays by the coordinator included).
        public var busy: [Double]
        /// Items each rank computed.
        public var items: [Int]
        /// When each rank finished its last item (0: none).
        public var lastEnd: [Double]
        /// When each rank other than 0 received `stop` (nil: never).
        public var stoppedAt: [Double?]
        /// Seconds of the coordinator's own code (measured thread CPU; 0 under `.none`).
        public var coordinatorSeconds = 0.0
        /// Seconds of rank 0's modelled message costs.
        public var messageSeconds = 0.0
        /// Messages rank 0 received and sent.
        public var received = 0, sent = 0
        /// Seconds of every item handed out, and of the largest (by `Model.seconds`).
        public var itemSeconds = 0.0, largestItem = 0.0
    }

    /// The simulation's parameters.
    public let model: Model
    /// Rank 0 (the coordinator's endpoint).
    public let rank = 0
    /// Number of ranks, rank 0 included.
    public let size: Int
    /// Every item handed out, in order.
    public private(set) var schedule: [Assignment] = []
    /// Per-rank and rank-0 figures so far.
    public private(set) var statistics: Statistics

    private var clock = 0.0
    private var events = EventQueue()
    private var ready: [Bool]
    private var local: (item: WorkItem, start: Double, end: Double, index: Int)?
    private var lastLeave: UInt64?

    /// `size` ranks (rank 0 included); every other rank's hello is due at `model.helloTime`.
    public init(size: Int, model: Model) {
        precondition(size >= 1, "a network has at least rank 0")
        self.size = size
        self.model = model
        ready = Array(repeating: false, count: size)
        statistics = Statistics(busy: Array(repeating: 0, count: size), items: Array(repeating: 0, count: size),
                                lastEnd: Array(repeating: 0, count: size), stoppedAt: Array(repeating: nil, count: size))
        for r in 1..<max(1, size) {
            let m = SweepMessage.hello(host: "virtual\(r)", interrupted: false)
            events.push(time: model.helloTime, source: r, message: m)
        }
    }

    // MARK: the clock

    /// Account for the coordinator's work since the last call into the network.
    private func enter() {
        guard case .measured = model.coordinatorTime else { return }
        let c = threadCPUNanoseconds()
        if let l = lastLeave, c > l {
            let s = Double(c - l) * 1e-9
            statistics.coordinatorSeconds += s
            spend(s)
        }
    }

    private func leave() {
        if case .measured = model.coordinatorTime { lastLeave = threadCPUNanoseconds() }
    }

    /// Rank 0 busy for `s` seconds: the clock advances, and its own item is delayed when it shares the core.
    private func spend(_ s: Double) {
        clock += s
        if model.sharedCore, local != nil { local!.end += s }
    }

    private func message(_ m: SweepMessage) {
        statistics.messageSeconds += model.messageOverhead
        spend(model.messageOverhead)
    }

    private func bytes(_ m: SweepMessage) -> Double {
        switch m {
        case let .hello(host, _): return Double(1 + host.utf8.count)
        case let .work(item): return Double(8 * (2 + item.indices.count))
        case .stop: return 0
        case let .resultPart(values): return Double(8 * values.count)
        case .resultEnd: return 16
        }
    }

    /// The clock as it stands (the caller's own time since its last call into the network not
    /// yet counted): after `Coordinator.run` returns, the virtual makespan.
    public var virtualTime: Double { clock }

    /// The virtual time (seconds since the start).
    public var now: Double {
        enter(); defer { leave() }
        return clock
    }

    /// The first loop-iteration end at or after the next message, waiting `step` at a time from
    /// `clock` (∞ when no message is on its way).
    private func firstWakeAfterNextMessage(step: Double) -> Double {
        guard let t = events.first?.time else { return .infinity }
        guard step > 0 else { return clock }
        if t <= clock + step { return clock + step }
        var wake = clock + ((t - clock) / step).rounded(.up) * step
        if wake < t { wake += step }
        return wake
    }

    /// Idle for `seconds` (idle iterations before the next message are skipped together).
    public func sleep(_ seconds: Double) {
        enter(); defer { leave() }
        let wake = firstWakeAfterNextMessage(step: seconds)
        clock = wake.isFinite ? wake : clock + max(0, seconds)
    }

    // MARK: rank 0's own worker

    private final class LocalWorker: LocalComputing {
        unowned let network: VirtualNetwork
        init(_ network: VirtualNetwork) { self.network = network }
        func submit(_ item: WorkItem) { network.submitLocal(item) }
        func take(timeout: Double) -> LocalResult? { network.takeLocal(timeout: timeout) }
        func shutdown() {}
    }

    /// Rank 0's simulated compute thread (`compute` is not called: items take `Model.seconds`).
    public func startLocalWorker(compute: @escaping @Sendable (WorkItem) -> [Double]) -> LocalComputing {
        enter(); defer { leave() }
        return LocalWorker(self)
    }

    private func submitLocal(_ item: WorkItem) {
        enter(); defer { leave() }
        precondition(local == nil, "rank 0's worker was given an item while computing one")
        let s = itemSeconds(item)
        local = (item, clock, clock + s, schedule.count)
        schedule.append(Assignment(rank: 0, item: item, sent: clock, start: clock, end: clock + s))
    }

    private func takeLocal(timeout: Double) -> LocalResult? {
        enter(); defer { leave() }
        guard let job = local else {
            clock += max(0, timeout)
            return nil
        }
        if job.end > clock {
            guard timeout > 0 else { return nil }
            // the waits of `timeout` until one sees rank 0's result or ends after the next message
            let wake = firstWakeAfterNextMessage(step: timeout)
            guard job.end <= wake else { clock = wake; return nil }
            clock = job.end
        }
        local = nil
        schedule[job.index].end = job.end
        statistics.busy[0] += job.end - job.start
        statistics.items[0] += 1
        statistics.lastEnd[0] = job.end
        return LocalResult(item: job.item, payload: model.payload(job.item), seconds: job.end - job.start)
    }

    private func itemSeconds(_ item: WorkItem) -> Double {
        let s = model.seconds(item)
        precondition(s.isFinite && s >= 0, "an item's virtual time must be finite and >= 0, got \(s)")
        statistics.itemSeconds += s
        statistics.largestItem = max(statistics.largestItem, s)
        return s
    }

    // MARK: the transport

    /// Rank 0 sends `work` or `stop` to a simulated rank. Throws `ProtocolError` for any other
    /// message, an unknown rank, or work for a rank that has not asked for it (still computing,
    /// or stopped): a coordinator that breaks the protocol is caught here.
    public func send(_ m: SweepMessage, to d: Int) throws {
        enter(); defer { leave() }
        guard d >= 1, d < size else { throw ProtocolError("no virtual rank \(d)") }
        guard ready[d] else { throw ProtocolError("virtual rank \(d) got \(m) without having asked for work") }
        message(m)
        statistics.sent += 1
        ready[d] = false
        let arrival = clock + model.latency + bytes(m) / model.bandwidth
        switch m {
        case let .work(item):
            let s = itemSeconds(item)
            let end = arrival + s
            schedule.append(Assignment(rank: d, item: item, sent: clock, start: arrival, end: end))
            statistics.busy[d] += s
            statistics.items[d] += 1
            statistics.lastEnd[d] = end
            var t = end
            for r in Coordinator.resultMessages(model.payload(item), chunk: model.chunk, seconds: s, interrupted: false) {
                t += bytes(r) / model.bandwidth
                events.push(time: t + model.latency, source: d, message: r)
            }
        case .stop:
            statistics.stoppedAt[d] = arrival
        default:
            throw ProtocolError("rank 0 sent a worker's message (\(m)) to virtual rank \(d)")
        }
    }

    /// The next message due by now, if any.
    public func poll() throws -> (source: Int, message: SweepMessage)? {
        enter(); defer { leave() }
        guard let e = events.first, e.time <= clock else { return nil }
        events.pop()
        message(e.message)
        statistics.received += 1
        switch e.message {
        case .hello, .resultEnd: ready[e.source] = true
        default: break
        }
        return (e.source, e.message)
    }

    /// Not part of rank 0's side of the protocol (the workers are simulated): throws.
    public func receive(from source: Int) throws -> SweepMessage {
        throw ProtocolError("the coordinator of a virtual network does not receive from a given rank")
    }
}

/// Messages on their way to rank 0, by delivery time (ties in sending order): a binary heap.
private struct EventQueue {
    struct Event { var time: Double; var seq: Int; var source: Int; var message: SweepMessage }
    private var heap: [Event] = []
    private var seq = 0

    var first: Event? { heap.first }

    private func less(_ a: Event, _ b: Event) -> Bool { a.time != b.time ? a.time < b.time : a.seq < b.seq }

    mutating func push(time: Double, source: Int, message: SweepMessage) {
        heap.append(Event(time: time, seq: seq, source: source, message: message))
        seq += 1
        var i = heap.count - 1
        while i > 0 {
            let p = (i - 1) / 2
            guard less(heap[i], heap[p]) else { break }
            heap.swapAt(i, p)
            i = p
        }
    }

    mutating func pop() {
        guard !heap.isEmpty else { return }
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, less(heap[l], heap[m]) { m = l }
            if r < heap.count, less(heap[r], heap[m]) { m = r }
            guard m != i else { break }
            heap.swapAt(i, m)
            i = m
        }
    }
}

/// CPU time of the calling thread, in nanoseconds.
func threadCPUNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
