import ArgumentParser
import Foundation
import Analysis
import ResultsFile

/// `vaesweep summary RESULTS.h5 [--json]`: grid and completion, validation verdict counts, the study's claims.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "A short report on a results file: grid and completion, validation verdicts, the study's claims.",
        discussion: """
            Verdicts are those of `vaesweep validate` (MODEL.md §7: finite-size extrapolation, z-scores), as counts \
            per observable and per theory phase with the largest |z|. \
            Claims are checked at the largest α of the grid: the collapse threshold versus ρ + η (holds when \
            ρ + η lies between the largest non-collapsed β and the next grid β), the β minimising ε_g versus η \
            (holds when the grid argmin is the grid β nearest η), and the excess rate of the test RD points over \
            the Gaussian-source curve R(D) = ½ log((ρ+η)/D). Interpolated estimates are reported alongside. \
            The run's load balance (Σ busy / (ranks × wall), the file's load_balance and busy_seconds) closes the report. \
            With --json, one JSON object per line, each with a "kind" field (grid, coordinate, verdicts, threshold, \
            optimal_beta, rd_distance, load_balance).
            """)

    @Argument(help: "Results file written by `vaesweep run`.")
    var results: String

    @Flag(name: .long, help: "Print the report as JSON lines.")
    var json = false

    func run() throws {
        let data: ResultsData
        do { data = try ResultsData.read(path: results) } catch { throw report(error) }
        for w in PartialFile.warnings(data) { warn(w) }
        let summary = Summary.compute(data)
        if json {
            for record in summary.records() { print(jsonLine(record)) }
            if let record = LoadBalanceReport.record(data) { print(jsonLine(record)) }
        } else {
            print(summary.text(), terminator: "")
            if let line = LoadBalanceReport.line(data) { print("\n" + line) }
        }
    }
}
