// The MPI lifetime as a value, after rsmpi's `Universe` (src/environment.rs): creating an
// `MPIEnvironment` initialises MPI with a requested thread level and fails if less is granted;
// the environment finalises MPI when it is finalised explicitly, when `MPIEnvironment.run`'s body
// returns or throws, or at the latest when the value is released. MPI can be initialised once per
// process and never again after finalisation; both misuses are thrown, not aborted.
internal import CMPI
import Foundation

/// MPI's thread-support levels, in increasing order of what they allow.
public enum ThreadLevel: Int, Comparable, Sendable, CustomStringConvertible {
    /// One thread only.
    case single = 0
    /// Several threads; only the main thread calls MPI.
    case funneled = 1
    /// Several threads call MPI, never at the same time.
    case serialized = 2
    /// Any thread calls MPI at any time.
    case multiple = 3

    /// Orders by capability (`single` < `funneled` < `serialized` < `multiple`).
    public static func < (a: ThreadLevel, b: ThreadLevel) -> Bool { a.rawValue < b.rawValue }

    /// The MPI constant's name, e.g. "MPI_THREAD_FUNNELED".
    public var description: String {
        ["MPI_THREAD_SINGLE", "MPI_THREAD_FUNNELED", "MPI_THREAD_SERIALIZED", "MPI_THREAD_MULTIPLE"][rawValue]
    }

    var mpiValue: Int32 { CMPI_THREAD_LEVEL(Int32(rawValue)) }

    init(mpiValue: Int32) {
        self = ThreadLevel.allCases.last { $0.mpiValue <= mpiValue } ?? .single
    }

    static let allCases: [ThreadLevel] = [.single, .funneled, .serialized, .multiple]
}

/// MPI for the lifetime of this value (rsmpi's `Universe`). Create one per process, on the main
/// thread; MPI is finalised exactly once: by `finalize()`, at the end of `run`, or when released.
///
///     try MPIEnvironment.run(threading: .funneled) { mpi in
///         try work(on: mpi.world)
///     }   // MPI_Finalize here, whether `work` returned or threw
///
/// A rank that throws out of `run` while its peers still wait for a message from it leaves them
/// waiting inside `MPI_Finalize`: tell them first (a protocol message), or `abort` the job.
public final class MPIEnvironment {
    /// The thread-support level MPI granted (at least the one requested).
    public let threadLevel: ThreadLevel
    /// All processes of the job (MPI_COMM_WORLD), with errors returned rather than fatal.
    public let world: Communicator
    private var finalized = false

    /// Initialise MPI asking for `required` thread support (the sweep runner computes on helper
    /// threads and calls MPI from the main thread only: `.funneled`). Throws if MPI is already
    /// initialised or finalised, or grants less than `required` (then MPI is finalised again).
    public init(threading required: ThreadLevel = .funneled) throws {
        var initialized: Int32 = 0, finalizedFlag: Int32 = 0
        MPI_Initialized(&initialized)
        MPI_Finalized(&finalizedFlag)
        if finalizedFlag != 0 {
            throw MPIError(routine: "MPI_Init_thread", kind: .lifetime("MPI was already finalised; it cannot be restarted"))
        }
        if initialized != 0 {
            throw MPIError(routine: "MPI_Init_thread", kind: .lifetime("MPI is already initialised (one MPIEnvironment per process)"))
        }
        var provided: Int32 = 0
        try check(MPI_Init_thread(nil, nil, required.mpiValue, &provided), "MPI_Init_thread(\(required))")
        let granted = ThreadLevel(mpiValue: provided)
        if granted < required {
            MPI_Finalize()
            throw MPIError(routine: "MPI_Init_thread", kind: .threadLevel(required: required, provided: granted))
        }
        threadLevel = granted
        world = Communicator(handle: CMPI_COMM_WORLD())
        try check(MPI_Comm_set_errhandler(world.handle, CMPI_ERRORS_RETURN()), "MPI_Comm_set_errhandler")
    }

    /// Create an environment, run `body` with it, and finalise MPI when `body` returns or throws.
    /// `body`'s error is rethrown after finalisation; after a normal return, a failing
    /// MPI_Finalize is thrown.
    public static func run<R>(threading required: ThreadLevel = .funneled,
                              _ body: (MPIEnvironment) throws -> R) throws -> R {
        let environment = try MPIEnvironment(threading: required)
        let result: R
        do {
            result = try body(environment)
        } catch {
            try? environment.finalize()
            throw error
        }
        try environment.finalize()
        return result
    }

    /// Whether this environment has finalised MPI.
    public var isFinalized: Bool { finalized }

    /// Finalise MPI now (idempotent: later calls and the release do nothing).
    public func finalize() throws {
        guard !finalized else { return }
        finalized = true
        try check(MPI_Finalize(), "MPI_Finalize")
    }

    deinit { if !finalized { MPI_Finalize() } }
}

/// Process-wide MPI facts and utilities that need no communicator.
public enum MPI {
    /// True while MPI is initialised and not yet finalised (an `MPIEnvironment` is alive).
    public static var isInitialized: Bool {
        var flag: Int32 = 0, fin: Int32 = 0
        MPI_Initialized(&flag)
        MPI_Finalized(&fin)
        return flag != 0 && fin == 0
    }

    /// Seconds since an arbitrary point in the past (MPI_Wtime).
    public static func wallTime() -> Double { MPI_Wtime() }

    /// The name of this processor (host), as MPI reports it.
    public static func processorName() -> String {
        var buf = [CChar](repeating: 0, count: Int(MPI_MAX_PROCESSOR_NAME) + 1)
        var len: Int32 = 0
        MPI_Get_processor_name(&buf, &len)
        return MPIText.string(buf, len)
    }

    /// The full MPI_Get_library_version string of the library loaded at run time, e.g.
    /// "Open MPI v4.1.4, package: Debian OpenMPI, ..." or "MPICH Version: 4.0.2 ...".
    /// Callable before initialisation and after finalisation.
    public static func libraryVersion() -> String {
        var buf = [CChar](repeating: 0, count: Int(MPI_MAX_LIBRARY_VERSION_STRING) + 1)
        var len: Int32 = 0
        MPI_Get_library_version(&buf, &len)
        return MPIText.string(buf, len).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The MPI family whose headers this binary was compiled against: "openmpi" or "mpich"
    /// (the MPICH ABI family: MPICH, Intel MPI, MVAPICH, Cray MPICH). Fixed at build time
    /// (`make build MPI=...`, VAESWEEP_MPI in Package.swift).
    public static let buildFamily: String = String(cString: CMPI_BUILD_FAMILY())

    /// The implementation and version of the compile-time headers, e.g. "Open MPI 4.1.4" or
    /// "MPICH 4.0.2".
    public static let buildDescription: String = String(cString: CMPI_BUILD_DESCRIPTION())

    /// The MPI standard version the headers implement, e.g. "3.1" (MPI_VERSION.MPI_SUBVERSION).
    public static let standardVersion: String = "\(MPI_VERSION).\(MPI_SUBVERSION)"
}
