// Error types of the sweep layer. The exit code follows from the type: bad input and refusals
// exit 2 (nothing started), I/O and protocol failures exit 1.
import Foundation
import ResultsFile

/// An error that knows the process exit status it means.
public protocol ExitCoded: Error, CustomStringConvertible {
    /// The status the process exits with when this error ends it (see `ExitStatus`).
    var exitStatus: Int32 { get }
}

/// A problem with the spec (or with how it is used), naming the key. Exit 2.
public struct SpecError: ExitCoded, Equatable {
    /// The spec key the problem is about (empty when it concerns no single key).
    public let key: String
    /// What is wrong with it, as shown to the user.
    public let message: String
    /// A problem with spec key `key` (pass "" when no single key is at fault).
    public init(_ key: String, _ message: String) {
        self.key = key
        self.message = message
    }
    /// "key: message", or just the message when `key` is empty.
    public var description: String { key.isEmpty ? message : "\(key): \(message)" }
    /// Always `ExitStatus.badInput` (2).
    public var exitStatus: Int32 { ExitStatus.badInput }
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

/// The messaging between ranks broke its protocol (an unknown tag, a malformed work item). Exit 1.
public struct ProtocolError: ExitCoded {
    /// What broke the protocol (which rank, which message).
    public let description: String
    /// A protocol failure described by `d`.
    public init(_ d: String) { description = d }
    /// Always `ExitStatus.failure` (1).
    public var exitStatus: Int32 { ExitStatus.failure }
}

/// A journal that cannot be written or read is an I/O failure: exit 1.
extension JournalError: ExitCoded { public var exitStatus: Int32 { ExitStatus.failure } }
/// A grid too large to index is bad input: exit 2.
extension GridSizeError: ExitCoded { public var exitStatus: Int32 { ExitStatus.badInput } }

/// The process exit statuses of vaesweep (see the header of Runner.swift).
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
