// The study layer's error vocabulary: which errors end the process with which exit status, and
// the one choke point where a failed POSIX call becomes a typed error carrying its path.
import Foundation

/// An error that knows the process exit status it means.
public protocol ExitCoded: Error, CustomStringConvertible {
    /// The status the process exits with when this error ends it (see `ExitStatus`).
    var exitStatus: Int32 { get }
}

/// The process exit statuses of vaesweep.
public enum ExitStatus {
    /// 0: the sweep is complete (or there was nothing to do).
    public static let complete: Int32 = 0
    /// 1: an I/O, MPI or protocol failure, or any error that does not say otherwise.
    public static let failure: Int32 = 1
    /// 2: bad input or a refusal, before anything was started or written.
    public static let badInput: Int32 = 2
    /// 3: drained by a signal; `PATH.partial` and the journal were written (rerun with --resume).
    public static let interrupted: Int32 = 3

    /// The exit status an error means (1 for errors that do not say).
    public static func of(_ error: Error) -> Int32 { (error as? ExitCoded)?.exitStatus ?? failure }
}

/// A refusal to start that protects the user's files or machine (an existing output, a lock held
/// by another run, a grid too large for memory, a reused file of other settings). Exit 2.
public struct Refusal: ExitCoded, Equatable {
    /// The one-line reason shown to the user, including what to do instead.
    public let description: String
    /// A refusal with user-facing reason `d`.
    public init(_ d: String) { description = d }
    /// Always `ExitStatus.badInput` (2): nothing was started.
    public var exitStatus: Int32 { ExitStatus.badInput }
}

/// A failed system call on a file: what was attempted, on which path, and the errno.
public struct FileSystemError: ExitCoded, Equatable {
    /// What was attempted ("create", "open", "write", "sync", "rename", "lock", …).
    public let operation: String
    /// The path it was attempted on (for a rename: "FROM' to 'TO").
    public let path: String
    /// The system error number.
    public let code: Int32
    /// A failure of `operation` on `path` with error number `code`.
    public init(_ operation: String, _ path: String, code: Int32) { self.operation = operation; self.path = path; self.code = code }
    /// The system's message for `code` (strerror).
    public var reason: String { String(cString: strerror(code)) }
    /// "cannot OPERATION 'PATH': REASON".
    public var description: String { "cannot \(operation) '\(path)': \(reason)" }
    /// An I/O failure: exit 1.
    public var exitStatus: Int32 { ExitStatus.failure }
}

/// The one place where POSIX return codes become errors (cf. swift-system's `Errno`).
public enum SystemCall {
    /// Run `body` (a system call returning −1 on failure, retried on EINTR) and return its result,
    /// or throw `FileSystemError(operation, path, errno)`.
    @discardableResult
    public static func check(_ operation: String, _ path: String, _ body: () -> Int32) throws -> Int32 {
        while true {
            let r = body()
            if r != -1 { return r }
            if errno == EINTR { continue }
            throw FileSystemError(operation, path, code: errno)
        }
    }

    /// `check` for calls returning a byte count (`write`, `read`).
    @discardableResult
    public static func check(_ operation: String, _ path: String, _ body: () -> Int) throws -> Int {
        while true {
            let r = body()
            if r != -1 { return r }
            if errno == EINTR { continue }
            throw FileSystemError(operation, path, code: errno)
        }
    }
}

extension ResultsError: ExitCoded {
    /// A missing file, a file that is not HDF5 or does not follow the schema: bad input (2), the
    /// user named the wrong file; a read that failed part-way: an I/O failure (1).
    public var exitStatus: Int32 { kind == .io ? ExitStatus.failure : ExitStatus.badInput }
}

extension MergeConflict: ExitCoded {
    /// Two inputs disagree on a point: a refusal (2).
    public var exitStatus: Int32 { ExitStatus.badInput }
}

extension RecordError: ExitCoded {
    /// A malformed point record (a payload or journal record): a protocol failure (1).
    public var exitStatus: Int32 { ExitStatus.failure }
}
