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
                      SummaryCommand.self, ValidateCommand.self, StatusCommand.self, RefineCommand.self]
    )

    /// Like ArgumentParser's `main()`, except that usage errors (unknown option, missing value,
    /// which the parser reports with EX_USAGE = 64) get the project's convention for bad input:
    /// one line on stderr and exit status 2. Arguments must be UTF-8: Swift would decode other
    /// bytes of a path to U+FFFD, silently naming another file, so they are refused (exit 2).
    static func main() {
        for i in 1..<Int(CommandLine.argc) {
            guard let p = CommandLine.unsafeArgv[i], String(validatingCString: p) == nil else { continue }
            printErrorLine("argument \(i) is not valid UTF-8 (vaesweep takes paths and values as UTF-8 text); rename the file or directory")
            Foundation.exit(ExitStatus.badInput)
        }
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
