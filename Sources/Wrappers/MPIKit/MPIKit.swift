// MPIKit: a small, safe Swift surface over Open MPI, in the spirit of mpi4py and rsmpi:
// `MPI.initialize()` once, then a `Communicator` value with rank/size and typed collectives.
//
// Errors: MPI_COMM_WORLD is switched to MPI_ERRORS_RETURN at initialisation, so a failing call
// returns a code that surfaces here as a thrown `MPIError` instead of aborting the job.
import CMPI
import Foundation

/// A failed MPI call: the routine and MPI's own error string.
public struct MPIError: Error, CustomStringConvertible {
    public let routine: String
    public let code: Int32
    public var description: String {
        var buf = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
        var len: Int32 = 0
        MPI_Error_string(code, &buf, &len)
        let text = String(decoding: buf.prefix(Int(len)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(routine) failed: \(text) (code \(code))"
    }
}

@inline(__always)
func check(_ code: Int32, _ routine: @autoclosure () -> String) throws {
    if code != MPI_SUCCESS { throw MPIError(routine: routine(), code: code) }
}

/// Process-wide MPI state.
public enum MPI {
    /// Initialise MPI once (guarded with MPI_Initialized; calling again is a no-op), asking for
    /// MPI_THREAD_FUNNELED: other threads may exist and compute, only the main thread calls MPI.
    /// Returns the world communicator.
    @discardableResult
    public static func initialize() throws -> Communicator {
        var flag: Int32 = 0
        MPI_Initialized(&flag)
        if flag == 0 {
            var finalized: Int32 = 0
            MPI_Finalized(&finalized)
            if finalized != 0 { throw MPIError(routine: "MPI_Init (after MPI_Finalize)", code: Int32(MPI_ERR_OTHER)) }
            var provided: Int32 = 0
            try check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
            MPI_Comm_set_errhandler(CMPI_COMM_WORLD(), CMPI_ERRORS_RETURN())
        }
        return Communicator.world
    }

    /// True between a successful `initialize()` and `finalize()`.
    public static var isInitialized: Bool {
        var flag: Int32 = 0, fin: Int32 = 0
        MPI_Initialized(&flag); MPI_Finalized(&fin)
        return flag != 0 && fin == 0
    }

    /// Finalise MPI if it is initialised and not yet finalised.
    public static func finalize() {
        if isInitialized { MPI_Finalize() }
    }

    /// Seconds since an arbitrary point in the past (MPI_Wtime).
    public static func wallTime() -> Double { MPI_Wtime() }

    /// The name of this processor (host).
    public static func processorName() -> String {
        var buf = [CChar](repeating: 0, count: Int(MPI_MAX_PROCESSOR_NAME) + 1)
        var len: Int32 = 0
        MPI_Get_processor_name(&buf, &len)
        return String(decoding: buf.prefix(Int(len)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The MPI library's version string (e.g. "Open MPI v4.1.4, ...").
    public static func libraryVersion() -> String {
        var buf = [CChar](repeating: 0, count: Int(MPI_MAX_LIBRARY_VERSION_STRING) + 1)
        var len: Int32 = 0
        MPI_Get_library_version(&buf, &len)
        return String(decoding: buf.prefix(Int(len)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Element types that travel through MPI as a fixed MPI datatype.
public protocol MPIScalar {
    static var mpiDatatype: MPI_Datatype { get }
}
extension Double: MPIScalar { public static var mpiDatatype: MPI_Datatype { CMPI_DOUBLE() } }
extension Int: MPIScalar { public static var mpiDatatype: MPI_Datatype { CMPI_INT64() } }
extension UInt8: MPIScalar { public static var mpiDatatype: MPI_Datatype { CMPI_BYTE() } }

/// What a non-blocking probe found: the sender, the tag and the message length in elements.
public struct ProbeStatus: Equatable {
    public let source: Int
    public let tag: Int
    public let count: Int
    public init(source: Int, tag: Int, count: Int) {
        self.source = source
        self.tag = tag
        self.count = count
    }
}

/// A communicator (rsmpi's `Communicator`, mpi4py's `Comm`).
public struct Communicator {
    public let handle: MPI_Comm

    /// MPI_COMM_WORLD. Only valid after `MPI.initialize()`.
    public static var world: Communicator { Communicator(handle: CMPI_COMM_WORLD()) }

    public var rank: Int { var r: Int32 = 0; MPI_Comm_rank(handle, &r); return Int(r) }
    public var size: Int { var s: Int32 = 0; MPI_Comm_size(handle, &s); return Int(s) }
    public var isRoot: Bool { rank == 0 }

    /// Wildcards for `receive` / `probe`.
    public static let anySource = Int(MPI_ANY_SOURCE)
    public static let anyTag = Int(MPI_ANY_TAG)

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
        try check(MPI_Bcast(&count, 1, Int.mpiDatatype, Int32(root), handle), "MPI_Bcast(count)")
        var buffer = rank == root ? value : [T](unsafeUninitializedCapacity: count) { _, n in n = count }
        if count > 0 {
            try buffer.withUnsafeMutableBytes { p in
                try check(MPI_Bcast(p.baseAddress, Int32(count), T.mpiDatatype, Int32(root), handle), "MPI_Bcast")
            }
        }
        return buffer
    }

    /// Broadcast one scalar.
    public func broadcast<T: MPIScalar>(_ value: T, root: Int = 0) throws -> T {
        try broadcast([value], root: root)[0]
    }

    /// Broadcast raw bytes (e.g. an encoded spec).
    public func broadcast(bytes: [UInt8], root: Int = 0) throws -> [UInt8] { try broadcast(bytes, root: root) }

    /// Broadcast a string (UTF-8).
    public func broadcast(_ string: String, root: Int = 0) throws -> String {
        String(decoding: try broadcast(Array(string.utf8), root: root), as: UTF8.self)
    }

    // MARK: point to point

    /// Blocking send of an array to `dest` with `tag`.
    public func send<T: MPIScalar>(_ data: [T], to dest: Int, tag: Int = 0) throws {
        try data.withUnsafeBytes { p in
            try check(MPI_Send(p.baseAddress, Int32(data.count), T.mpiDatatype, Int32(dest), Int32(tag), handle),
                      "MPI_Send(to \(dest), tag \(tag))")
        }
    }

    /// Blocking receive of an array of any length; returns the data with its source and tag.
    public func receive<T: MPIScalar>(_ type: T.Type = T.self, from source: Int = Communicator.anySource,
                                      tag: Int = Communicator.anyTag) throws -> (data: [T], source: Int, tag: Int) {
        var status = MPI_Status()
        try check(MPI_Probe(Int32(source), Int32(tag), handle, &status), "MPI_Probe")
        var count: Int32 = 0
        try check(MPI_Get_count(&status, T.mpiDatatype, &count), "MPI_Get_count")
        var buffer = [T](unsafeUninitializedCapacity: Int(count)) { _, n in n = Int(count) }
        let src = status.MPI_SOURCE, tg = status.MPI_TAG
        try buffer.withUnsafeMutableBytes { p in
            try check(MPI_Recv(p.baseAddress, count, T.mpiDatatype, src, tg, handle, CMPI_STATUS_IGNORE()),
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
        try check(MPI_Get_count(&status, T.mpiDatatype, &count), "MPI_Get_count")
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
