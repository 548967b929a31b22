// The command line's one error reporter. Every failure a command meets goes through `report`:
// one line "vaesweep: error: …" on stderr and the exit status the error means — 2 for bad input
// and refusals (nothing was started: a spec or option out of its domain, a missing or wrong file,
// a file that would be clobbered), 1 for a failure part-way (an unreadable file, an I/O or MPI
// error) — see `ExitStatus`. Usage errors the argument parser finds itself (an unknown option, a
// `ValidationError` from `validate()`) get the same one-line form and status 2 in `VAESweep.main`.
import ArgumentParser
import Foundation
import ResultsFile
import VAETheory

/// Bad input named by the theory's domain table: exit 2.
extension DomainError: ExitCoded {
    /// Always 2: a value outside its domain is bad input.
    public var exitStatus: Int32 { ExitStatus.badInput }
}

/// A failure message of our own, with the exit status it means.
struct CommandFailure: ExitCoded {
    let description: String
    let exitStatus: Int32
    /// Bad input or a refusal (2).
    static func badInput(_ message: String) -> CommandFailure { CommandFailure(description: message, exitStatus: ExitStatus.badInput) }
    /// A failure part-way (1).
    static func failure(_ message: String) -> CommandFailure { CommandFailure(description: message, exitStatus: ExitStatus.failure) }
}

/// Print one error line for `error` (unless `quiet`: other ranks than launch rank 0 stay silent)
/// and return the `ExitCode` to throw: the status the error means (1 for errors that do not say).
func report(_ error: Error, quiet: Bool = false) -> ExitCode {
    if let code = error as? ExitCode { return code }
    if !quiet { printErrorLine("\(error)") }
    return ExitCode(ExitStatus.of(error))
}

/// "vaesweep: error: MESSAGE" on stderr, the message cut to its first line.
func printErrorLine(_ message: String) {
    let first = message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? message
    FileHandle.standardError.write(Data(("vaesweep: error: " + first + "\n").utf8))
}

/// Print a warning line on stderr.
func warn(_ message: String) {
    FileHandle.standardError.write(Data(("vaesweep: warning: " + message + "\n").utf8))
}
