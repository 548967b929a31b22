// MPIKit's one error type. MPI_COMM_WORLD is switched to MPI_ERRORS_RETURN when the environment
// starts, so a failing call returns a code that surfaces here as a thrown `MPIError` instead of
// aborting the job; `check` is the one place that turns a return code into an error.
internal import CMPI

/// A failed MPI operation: which routine, and why.
public struct MPIError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// An MPI routine returned this error code.
        case call(code: Int32)
        /// MPI granted a lower thread-support level than the program requires.
        case threadLevel(required: ThreadLevel, provided: ThreadLevel)
        /// MPI was already initialised (one `MPIEnvironment` per process) or already finalised
        /// (MPI cannot be restarted).
        case lifetime(String)
    }

    /// The MPI routine (with context, e.g. "MPI_Send(to 2, tag 7)").
    public let routine: String
    /// What went wrong.
    public let kind: Kind

    /// Creates an error for `routine`.
    public init(routine: String, kind: Kind) {
        self.routine = routine
        self.kind = kind
    }

    /// The MPI error code (MPI_ERR_OTHER for errors not returned by a routine).
    public var code: Int32 {
        if case let .call(code) = kind { return code }
        return Int32(MPI_ERR_OTHER)
    }

    /// One line: the routine and MPI's own error string (or the thread levels).
    public var description: String {
        switch kind {
        case let .call(code):
            var buf = [CChar](repeating: 0, count: Int(MPI_MAX_ERROR_STRING) + 1)
            var len: Int32 = 0
            MPI_Error_string(code, &buf, &len)
            return "\(routine) failed: \(MPIText.string(buf, len)) (code \(code))"
        case let .threadLevel(required, provided):
            return "\(routine): MPI provides thread level \(provided), this program needs at least \(required)"
        case let .lifetime(text):
            return "\(routine): \(text)"
        }
    }
}

/// Throws an `MPIError` unless `code` is MPI_SUCCESS.
@inline(__always)
func check(_ code: Int32, _ routine: @autoclosure () -> String) throws {
    if code != MPI_SUCCESS { throw MPIError(routine: routine(), kind: .call(code: code)) }
}

/// Strings that MPI writes into a caller's buffer with a separate length.
enum MPIText {
    static func string(_ buf: [CChar], _ len: Int32) -> String {
        String(decoding: buf.prefix(Int(max(0, len))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
