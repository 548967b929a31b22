// The messaging between the coordinator (rank 0) and the workers, behind a small protocol so the
// coordinator can be driven in memory, without mpirun (cf. swift-nio's EmbeddedChannel).
//
// Conversation: a worker sends `hello` (its host name, and whether it was already asked to
// drain); the coordinator answers each hello or result with `work` or `stop`; a worker answers
// each `work` with its payload in `resultPart` chunks of at most `maxMessageDoubles` values and a
// closing `resultEnd` (which carries the seconds the item took: the ranks' busy times, for the
// load balance, are gathered with the results). `VirtualNetwork` (VirtualTime.swift) is the
// in-memory network on a virtual clock, with simulated workers.
import Foundation
import MPIKit
import Synchronization

/// One message of the sweep protocol.
public enum SweepMessage: Equatable, Sendable {
    /// Worker → coordinator, first message: the worker's processor name, and whether it was already
    /// asked to drain.
    case hello(host: String, interrupted: Bool)
    /// Coordinator → worker: compute this item.
    case work(WorkItem)
    /// Coordinator → worker: no more work; return.
    case stop
    /// Worker → coordinator: the next chunk (at most `maxMessageDoubles` values) of the current item's payload.
    case resultPart([Double])
    /// Worker → coordinator: the payload is complete; `interrupted` says whether a drain was
    /// requested, `seconds` how long the worker computed the item (wall seconds).
    case resultEnd(interrupted: Bool, seconds: Double)
}

/// A way to exchange `SweepMessage`s between the ranks of one sweep.
public protocol SweepTransport: AnyObject {
    /// This endpoint's rank (the coordinator is rank 0).
    var rank: Int { get }
    /// Number of ranks, the coordinator included.
    var size: Int { get }
    /// Send `message` to rank `destination`.
    func send(_ message: SweepMessage, to destination: Int) throws
    /// The next pending message from any rank, without blocking (nil when none).
    func poll() throws -> (source: Int, message: SweepMessage)?
    /// Wait for the next message from `source`.
    func receive(from source: Int) throws -> SweepMessage
}

/// Largest message, in doubles (512 KiB): results travel in chunks of at most this size.
public let maxMessageDoubles = 65_536

// MARK: - MPI

/// The sweep protocol over an MPI communicator: one tag per message kind; host names travel as
/// bytes, work items as `[Int]`, results as `[Double]`, a result's end as `[interrupted, seconds]`.
public final class MPITransport: SweepTransport {
    enum Tag {
        static let hello = 1, resultPart = 2, resultEnd = 3, work = 4, stop = 5
    }
    let comm: Communicator
    let grid: Grid
    /// This process's rank in `comm`.
    public var rank: Int { comm.rank }
    /// Number of ranks in `comm`.
    public var size: Int { comm.size }

    /// The protocol over `comm`; received work items are checked against `grid`.
    public init(comm: Communicator, grid: Grid) {
        self.comm = comm
        self.grid = grid
    }

    /// Send `message` to rank `d` (blocking MPI send; throws the MPI error).
    public func send(_ message: SweepMessage, to d: Int) throws {
        switch message {
        case let .hello(host, interrupted): try comm.send([interrupted ? 1 : 0] + Array(host.utf8), to: d, tag: Tag.hello)
        case let .work(item): try comm.send(item.encoded, to: d, tag: Tag.work)
        case .stop: try comm.send([Int](), to: d, tag: Tag.stop)
        case let .resultPart(values): try comm.send(values, to: d, tag: Tag.resultPart)
        case let .resultEnd(interrupted, seconds): try comm.send([interrupted ? 1 : 0, seconds], to: d, tag: Tag.resultEnd)
        }
    }

    func receive(source: Int, tag: Int) throws -> SweepMessage {
        switch tag {
        case Tag.hello:
            let b = try comm.receive(UInt8.self, from: source, tag: tag).data
            return .hello(host: String(decoding: b.dropFirst(), as: UTF8.self), interrupted: (b.first ?? 0) != 0)
        case Tag.work:
            let e = try comm.receive(Int.self, from: source, tag: tag).data
            guard let item = WorkItem(encoded: e, grid: grid) else {
                throw ProtocolError("malformed work item from rank \(source): \(e.prefix(8))")
            }
            return .work(item)
        case Tag.stop:
            _ = try comm.receive(Int.self, from: source, tag: tag)
            return .stop
        case Tag.resultPart:
            return .resultPart(try comm.receive(Double.self, from: source, tag: tag).data)
        case Tag.resultEnd:
            let e = try comm.receive(Double.self, from: source, tag: tag).data
            guard e.count == 2 else { throw ProtocolError("malformed result end from rank \(source): \(e.prefix(4))") }
            return .resultEnd(interrupted: e[0] != 0, seconds: e[1])
        default:
            throw ProtocolError("unexpected message tag \(tag) from rank \(source)")
        }
    }

    /// Probe for a message from any rank; nil when none is pending. Throws `ProtocolError` for an
    /// unknown tag or a malformed work item.
    public func poll() throws -> (source: Int, message: SweepMessage)? {
        guard let st = try comm.probe(UInt8.self) else { return nil }
        return (st.source, try receive(source: st.source, tag: st.tag))
    }

    /// Wait for the next message from `source` (probing every 0.2 ms until one is there).
    public func receive(from source: Int) throws -> SweepMessage {
        while true {
            if let st = try comm.probe(UInt8.self, from: source) { return try receive(source: st.source, tag: st.tag) }
            usleep(200)
        }
    }
}

// MARK: - In memory

/// Mailboxes for `size` in-process ranks; `endpoint(rank)` is one rank's transport. Thread-safe:
/// each rank may run on its own thread.
public final class InMemoryNetwork: Sendable {
    /// Number of in-process ranks.
    public let size: Int
    private let boxes: Mutex<[[(source: Int, message: SweepMessage)]]>
    private let arrivals: [DispatchSemaphore]

    /// A network of `size` empty mailboxes.
    public init(size: Int) {
        self.size = size
        boxes = Mutex(Array(repeating: [], count: size))
        arrivals = (0..<size).map { _ in DispatchSemaphore(value: 0) }
    }

    /// The transport of rank `rank` (each call makes a new endpoint on the same mailboxes).
    public func endpoint(_ rank: Int) -> InMemoryTransport { InMemoryTransport(rank: rank, network: self) }

    func post(_ m: SweepMessage, from s: Int, to d: Int) {
        boxes.withLock { $0[d].append((s, m)) }
        arrivals[d].signal()
    }

    func take(for rank: Int, from source: Int?) -> (source: Int, message: SweepMessage)? {
        boxes.withLock { b in
            guard let i = b[rank].firstIndex(where: { source == nil || $0.source == source }) else { return nil }
            return b[rank].remove(at: i)
        }
    }

    func wait(_ rank: Int) { arrivals[rank].wait() }
}

/// One rank's end of an `InMemoryNetwork`.
public final class InMemoryTransport: SweepTransport, Sendable {
    /// This endpoint's rank.
    public let rank: Int
    let network: InMemoryNetwork
    /// Number of ranks of the network.
    public var size: Int { network.size }
    init(rank: Int, network: InMemoryNetwork) {
        self.rank = rank
        self.network = network
    }
    /// Post `message` into rank `d`'s mailbox; throws `ProtocolError` when there is no rank `d`.
    public func send(_ message: SweepMessage, to d: Int) throws {
        guard d >= 0, d < size else { throw ProtocolError("no rank \(d)") }
        network.post(message, from: rank, to: d)
    }
    /// The oldest pending message from any rank, or nil.
    public func poll() throws -> (source: Int, message: SweepMessage)? { network.take(for: rank, from: nil) }
    /// Block until a message from `source` arrives and take the oldest one.
    public func receive(from source: Int) throws -> SweepMessage {
        while true {
            if let m = network.take(for: rank, from: source) { return m.message }
            network.wait(rank)
        }
    }
}
