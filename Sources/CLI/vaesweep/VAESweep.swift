import ArgumentParser
import Foundation
import ResultsFile
import Sweep

@main
struct VAESweep: ParsableCommand {
    static let version = Provenance.toolVersion
    static let configuration = CommandConfiguration(
        commandName: "vaesweep",
        abstract: "Theory-versus-simulation sweeps of the high-dimensional linear β-VAE.",
        version: version,
        subcommands: [TheoryCommand.self, SimulateCommand.self, RunCommand.self, MergeCommand.self, PlotCommand.self,
                      SummaryCommand.self, ValidateCommand.self]
    )

    /// Like ArgumentParser's `main()`, except that usage errors (unknown option, missing value,
    /// which the parser reports with EX_USAGE = 64) get the project's convention for bad input:
    /// one line on stderr and exit status 2.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                let first = message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
                printErrorLine(first.hasPrefix("Error: ") ? String(first.dropFirst(7)) : first)
                Foundation.exit(ExitStatus.badInput)
            }
            exit(withError: error)
        }
    }
}
