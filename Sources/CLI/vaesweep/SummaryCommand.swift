import ArgumentParser
import Foundation
import Analysis
import ResultsFile

/// `vaesweep summary RESULTS.h5 [--json]`: grid and completion, gaps per N, the study's claims.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "A short report on a results file: grid and completion, theory–simulation gaps, the study's claims.",
        discussion: """
            Claims are checked at the largest α of the grid: the collapse threshold versus ρ + η (holds when \
            ρ + η lies between the largest non-collapsed β and the next grid β), the β minimising ε_g versus η \
            (holds when the grid argmin is the grid β nearest η), and the excess rate of the test RD points over \
            the Gaussian-source curve R(D) = ½ log((ρ+η)/D). Interpolated estimates are reported alongside. \
            With --json, one JSON object per line, each with a "kind" field (grid, coordinate, gap, threshold, \
            optimal_beta, rd_distance).
            """)

    @Argument(help: "Results file written by `vaesweep run`.")
    var results: String

    @Flag(name: .long, help: "Print the report as JSON lines.")
    var json = false

    func run() throws {
        let data: ResultsData
        do { data = try ResultsData.read(path: results) } catch { fail("\(error)") }
        let summary = Summary.compute(data)
        if json {
            for record in summary.records() {
                var o = JSONObject()
                for (key, value) in record {
                    switch value {
                    case let .double(v): o.add(key, v)
                    case let .int(v): o.add(key, v)
                    case let .string(v): o.add(key, v)
                    case let .bool(v): o.add(key, v)
                    }
                }
                print(o.line)
            }
        } else {
            print(summary.text(), terminator: "")
        }
    }
}
