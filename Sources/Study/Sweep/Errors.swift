// Error types of the sweep layer. The exit code follows from the type: bad input and refusals
// exit 2 (nothing started), I/O and protocol failures exit 1.
import Foundation
import ResultsFile

/// An error that knows the process exit status it means.
public protocol ExitCoded: Error, CustomStringConvertible {
    var exitStatus: Int32 { get }
}

/// A problem with the spec (or with how it is used), naming the key. Exit 2.
public struct SpecError: ExitCoded, Equatable {
    public let key: String
    public let message: String
    public init(_ key: String, _ message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { key.isEmpty ? message : "\(key): \(message)" }
    public var exitStatus: Int32 { ExitStatus.badInput }
}

/// A refusal to start that protects the user's files or machine (an existing output, a lock held
/// by another run, a grid too large for memory, a reused file of other settings). Exit 2.
public struct Refusal: ExitCoded, Equatable {
    public let description: String
    public init(_ d: String) { description = d }
    public var exitStatus: Int32 { ExitStatus.badInput }
}

/// The messaging between ranks broke its protocol (an unknown tag, a malformed work item). Exit 1.
public struct ProtocolError: ExitCoded {
    public let description: String
    public init(_ d: String) { description = d }
    public var exitStatus: Int32 { ExitStatus.failure }
}

extension JournalError: ExitCoded { public var exitStatus: Int32 { ExitStatus.failure } }
extension GridSizeError: ExitCoded { public var exitStatus: Int32 { ExitStatus.badInput } }

public enum ExitStatus {
    public static let complete: Int32 = 0
    public static let failure: Int32 = 1
    public static let badInput: Int32 = 2
    public static let interrupted: Int32 = 3

    /// The exit status an error means (1 for errors that do not say).
    public static func of(_ error: Error) -> Int32 { (error as? ExitCoded)?.exitStatus ?? failure }
}
