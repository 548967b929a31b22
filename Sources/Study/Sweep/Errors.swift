// Error types of the sweep layer. The exit code follows from the type (`ExitCoded`, ResultsFile):
// bad input and refusals exit 2 (nothing started), I/O and protocol failures exit 1.
import Foundation
import ResultsFile

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
