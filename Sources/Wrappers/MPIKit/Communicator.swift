// Communicators and typed messages, in the spirit of mpi4py's `Comm` and rsmpi's `Communicator`:
// rank and size on a value, collectives as methods, buffers typed by `MPIScalar`. Handles stay
// inside this module (Open MPI's are pointers, MPICH's are integers); only MPI_SOURCE and
// MPI_TAG are read from a status, counts come from MPI_Get_count.
internal import CMPI
import Foundation

/// An MPI datatype for one of the `MPIScalar` element types (opaque: the handle stays inside
/// MPIKit).
public struct MPIDatatype: Sendable, Equatable {
    enum Kind: Sendable, Equatable { case double, int64, byte }
    let kind: Kind

    /// MPI_DOUBLE.
    public static let double = MPIDatatype(kind: .double)
    /// MPI_INT64_T.
    public static let int64 = MPIDatatype(kind: .int64)
    /// MPI_BYTE.
    public static let byte = MPIDatatype(kind: .byte)

    var handle: MPI_Datatype {
        switch kind {
        case .double: CMPI_DOUBLE()
        case .int64: CMPI_INT64()
        case .byte: CMPI_BYTE()
        }
    }
}

/// Element types that travel through MPI as a fixed MPI datatype.
public protocol MPIScalar {
    /// The MPI datatype of one element.
    static var mpiDatatype: MPIDatatype { get }
}
/// Doubles travel as MPI_DOUBLE.
extension Double: MPIScalar { public static var mpiDatatype: MPIDatatype { .double } }
/// `Int` (64-bit) travels as MPI_INT64_T.
extension Int: MPIScalar { public static var mpiDatatype: MPIDatatype { .int64 } }
/// Bytes travel as MPI_BYTE.
extension UInt8: MPIScalar { public static var mpiDatatype: MPIDatatype { .byte } }

/// What a non-blocking probe found: the sender, the tag and the message length in elements.
public struct ProbeStatus: Equatable, Sendable {
    /// The sending rank.
    public let source: Int
    /// The message tag.
    public let tag: Int
    /// The number of elements of the probed type.
    public let count: Int
    /// Creates a status (for comparisons in tests).
    public init(source: Int, tag: Int, count: Int) {
        self.source = source
        self.tag = tag
        self.count = count
    }
}

/// A communicator (rsmpi's `Communicator`, mpi4py's `Comm`): a group of processes with ranks
/// 0..<size. Valid while the `MPIEnvironment` that produced it is alive.
public struct Communicator: @unchecked Sendable {
    // Sendable: a handle is an immutable name for an MPI object (a pointer to a predefined object
    // in Open MPI, an integer in MPICH); which threads may call MPI is the environment's concern.
    let handle: MPI_Comm

    init(handle: MPI_Comm) { self.handle = handle }

    /// MPI_COMM_WORLD. Prefer `MPIEnvironment.world`; only valid while MPI is initialised.
    public static var world: Communicator { Communicator(handle: CMPI_COMM_WORLD()) }

    /// This process's rank in the communicator.
    public var rank: Int { var r: Int32 = 0; MPI_Comm_rank(handle, &r); return Int(r) }
    /// The number of processes in the communicator.
    public var size: Int { var s: Int32 = 0; MPI_Comm_size(handle, &s); return Int(s) }
    /// Whether this process is rank 0.
    public var isRoot: Bool { rank == 0 }

    /// Wildcard source for `receive` / `probe` (MPI_ANY_SOURCE).
    public static let anySource = Int(MPI_ANY_SOURCE)
    /// Wildcard tag for `receive` / `probe` (MPI_ANY_TAG).
    public static let anyTag = Int(MPI_ANY_TAG)

    /// Block until every process of the communicator has called it.
    public func barrier() throws { try check(MPI_Barrier(handle), "MPI_Barrier") }

    /// Abort every process of the communicator with `code` (does not return).
    public func abort(_ code: Int32) -> Never {
        MPI_Abort(handle, code)
        exit(code)
    }

    // MARK: broadcast

    /// Broadcast an array from `root`; on other ranks the argument is ignored and the root's
    /// array is returned (length travels first, so receivers need not know it).
    public func broadcast<T: MPIScalar>(_ value: [T], root: Int = 0) throws -> [T] {
        var count = rank == root ? value.count : 0
        try check(MPI_Bcast(&count, 1, CMPI_INT64(), Int32(root), handle), "MPI_Bcast(count)")
        var buffer = rank == root ? value : [T](unsafeUninitializedCapacity: count) { _, n in n = count }
        if count > 0 {
            try buffer.withUnsafeMutableBytes { p in
                try check(MPI_Bcast(p.baseAddress, Int32(count), T.mpiDatatype.handle, Int32(root), handle), "MPI_Bcast")
            }
        }
        return buffer
    }

    /// Broadcast one scalar from `root`.
    public func broadcast<T: MPIScalar>(_ value: T, root: Int = 0) throws -> T {
        try broadcast([value], root: root)[0]
    }

    /// Broadcast raw bytes (e.g. an encoded spec) from `root`.
    public func broadcast(bytes: [UInt8], root: Int = 0) throws -> [UInt8] { try broadcast(bytes, root: root) }

    /// Broadcast a string (UTF-8) from `root`.
    public func broadcast(_ string: String, root: Int = 0) throws -> String {
        String(decoding: try broadcast(Array(string.utf8), root: root), as: UTF8.self)
    }

    // MARK: point to point

    /// Blocking send of an array to `dest` with `tag`.
    public func send<T: MPIScalar>(_ data: [T], to dest: Int, tag: Int = 0) throws {
        try data.withUnsafeBytes { p in
            try check(MPI_Send(p.baseAddress, Int32(data.count), T.mpiDatatype.handle, Int32(dest), Int32(tag), handle),
                      "MPI_Send(to \(dest), tag \(tag))")
        }
    }

    /// Blocking receive of an array of any length; returns the data with its source and tag.
    public func receive<T: MPIScalar>(_ type: T.Type = T.self, from source: Int = Communicator.anySource,
                                      tag: Int = Communicator.anyTag) throws -> (data: [T], source: Int, tag: Int) {
        var status = MPI_Status()
        try check(MPI_Probe(Int32(source), Int32(tag), handle, &status), "MPI_Probe")
        var count: Int32 = 0
        try check(MPI_Get_count(&status, T.mpiDatatype.handle, &count), "MPI_Get_count")
        var buffer = [T](unsafeUninitializedCapacity: Int(count)) { _, n in n = Int(count) }
        let src = status.MPI_SOURCE, tg = status.MPI_TAG
        try buffer.withUnsafeMutableBytes { p in
            try check(MPI_Recv(p.baseAddress, count, T.mpiDatatype.handle, src, tg, handle, CMPI_STATUS_IGNORE()),
                      "MPI_Recv(from \(src), tag \(tg))")
        }
        return (buffer, Int(src), Int(tg))
    }

    /// Non-blocking probe: a pending message's source, tag and element count, or nil.
    public func probe<T: MPIScalar>(_ type: T.Type = T.self, from source: Int = Communicator.anySource,
                                    tag: Int = Communicator.anyTag) throws -> ProbeStatus? {
        var status = MPI_Status()
        var flag: Int32 = 0
        try check(MPI_Iprobe(Int32(source), Int32(tag), handle, &flag, &status), "MPI_Iprobe")
        guard flag != 0 else { return nil }
        var count: Int32 = 0
        try check(MPI_Get_count(&status, T.mpiDatatype.handle, &count), "MPI_Get_count")
        return ProbeStatus(source: Int(status.MPI_SOURCE), tag: Int(status.MPI_TAG), count: Int(count))
    }

    // MARK: collectives

    /// Gather variable-length arrays of doubles on `root` (MPI_Gatherv). Returns, on the root,
    /// one array per rank in rank order; on other ranks an empty array.
    public func gatherv(_ data: [Double], root: Int = 0) throws -> [[Double]] {
        let n = size
        var myCount = Int32(data.count)
        var counts = [Int32](repeating: 0, count: rank == root ? n : 0)
        try check(MPI_Gather(&myCount, 1, CMPI_INT32(), &counts, 1, CMPI_INT32(), Int32(root), handle), "MPI_Gather(counts)")
        var displs = [Int32](repeating: 0, count: counts.count)
        var total: Int32 = 0
        for i in 0..<counts.count { displs[i] = total; total += counts[i] }
        var recv = [Double](repeating: 0, count: Int(total))
        try data.withUnsafeBufferPointer { sp in
            try recv.withUnsafeMutableBufferPointer { rp in
                try check(MPI_Gatherv(sp.baseAddress, myCount, CMPI_DOUBLE(), rp.baseAddress, counts, displs,
                                      CMPI_DOUBLE(), Int32(root), handle), "MPI_Gatherv")
            }
        }
        guard rank == root else { return [] }
        return (0..<n).map { Array(recv[Int(displs[$0])..<Int(displs[$0] + counts[$0])]) }
    }

    /// Sum of a double over all ranks, on every rank.
    public func allReduceSum(_ value: Double) throws -> Double {
        var v = value, r = 0.0
        try check(MPI_Allreduce(&v, &r, 1, CMPI_DOUBLE(), CMPI_SUM(), handle), "MPI_Allreduce")
        return r
    }

    /// Maximum of an integer over all ranks, on every rank.
    public func allReduceMax(_ value: Int) throws -> Int {
        var v = value, r = 0
        try check(MPI_Allreduce(&v, &r, 1, CMPI_INT64(), CMPI_MAX(), handle), "MPI_Allreduce")
        return r
    }
}
