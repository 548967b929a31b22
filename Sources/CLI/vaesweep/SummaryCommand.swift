import ArgumentParser
import Foundation
import Statistics
import ResultsFile

/// `vaesweep summary RESULTS.h5 [--json] [--calibrate K | --calibration VALIDATION.h5]`: grid and
/// completion, validation verdict counts with the calibrated expectation of a correct theory, the
/// study's claims.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "A short report on a results file: grid and completion, validation verdicts, the study's claims.",
        discussion: """
            Verdicts are those of `vaesweep validate` (MODEL.md §7: finite-size extrapolation, t-tests), as counts \
            per observable, per theory phase and per α group, with the points reported apart and the largest |z|. \
            Beside them, what a CORRECT theory gives for this design (MODEL.md §7 step 8): from --calibration \
            FILE (a `validate --calibrate K --out FILE` of the same results file; refused for another design), \
            else from --calibrate K synthetic sweeps drawn here from the exact finite-N law (default \
            \(Calibration.defaultSweeps), skipped with a note when predicted to take more than \
            \(Int(Calibration.summaryBudgetSeconds)) s; 0: none). \
            Claims are checked at the largest α of the grid: the collapse threshold versus ρ + η (holds when \
            ρ + η lies between the largest non-collapsed β and the next grid β), the β minimising ε_g versus η \
            (holds when the grid argmin is the grid β nearest η), and the excess rate of the test RD points over \
            the Gaussian-source curve R(D) = ½ log((ρ+η)/D); "undecided" where the grid cannot test a claim (η or \
            ρ + η beyond the grid's β, fewer than 3 β, an unbracketed minimum). Interpolated estimates are \
            reported alongside. A refined study (`vaesweep refine`) gets a refinement section: why its latest \
            session stopped (or "unfinished" for a pending round), its options and base, and the rounds table \
            (actions by rule, points computed, the cost estimate the budget is charged, measured core-seconds, \
            verdict counts after each round); its cells not run are by design, so it is never called partial. \
            The run's load balance (Σ busy / (ranks × wall), the file's load_balance and busy_seconds) closes \
            the report. With --json, one JSON object per line, each with a "kind" field (grid, coordinate, \
            refinement, refinement_round, verdicts, calibration, threshold, optimal_beta, rd_distance, load_balance).
            """)

    @Argument(help: "Results file written by `vaesweep run`.")
    var results: String

    @Flag(name: .long, help: "Print the report as JSON lines.")
    var json = false

    @Option(name: .long, help: "Synthetic sweeps for the calibrated expectation (default \(Calibration.defaultSweeps), within a time budget; 0: none).")
    var calibrate: Int?

    @Option(name: .long, help: "Reuse the calibration stored in this validation file (`validate --calibrate K --out FILE`).")
    var calibration: String?

    @Option(name: .long, help: "Synthetic sweeps run at once (default: the number of cores).")
    var jobs: Int?

    func validate() throws {
        if let k = calibrate, k < 0 { throw ValidationError("--calibrate: \(k) must be ≥ 0") }
        if calibrate != nil && calibration != nil { throw ValidationError("--calibrate and --calibration: give one of them") }
        if let j = jobs, j < 1 { throw ValidationError("--jobs: \(j) must be ≥ 1") }
    }

    func run() throws {
        let data: ResultsData
        do { data = try ResultsData.read(path: results) } catch { throw report(error) }
        for w in PartialFile.warnings(data) { warn(w) }
        var cal: CalibrationResult? = nil
        if data.hasSimulation {
            if let path = calibration {
                let stored: CalibrationResult?
                do { stored = try ValidationFile.readCalibration(path: path) } catch { throw ValidationError("\(error)") }
                guard let stored else { throw ValidationError("--calibration: '\(path)' holds no calibration (write one with `vaesweep validate \(results) --calibrate K --out FILE`)") }
                guard stored.design == Calibration.fingerprint(data) else {
                    throw ValidationError("--calibration: '\(path)' was calibrated for another design or recipe (not \(results) with recipe \(Statistics.Validation.recipeVersion))")
                }
                cal = stored
            } else {
                let k = calibrate ?? Calibration.defaultSweeps
                let workers = jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
                let predicted = Calibration.predictedSecondsPerSweep(data) * Double(k) / Double(max(1, min(workers, k)))
                if k > 0 && (calibrate != nil || predicted <= Calibration.summaryBudgetSeconds) {
                    cal = try runCalibration(data, sweeps: k, options: .standard, jobs: jobs)
                } else if k > 0 {
                    warn(String(format: "calibration skipped: %d synthetic sweeps of this design are predicted to take ≈ %.0f s; "
                                + "run `vaesweep validate %@ --calibrate K --out V.h5` and `summary --calibration V.h5`, or pass --calibrate K",
                                k, predicted, results))
                }
            }
        }
        let summary = Summary.compute(data, calibration: cal)
        if json {
            for record in summary.records() { print(jsonLine(record)) }
            if let record = LoadBalanceReport.record(data) { print(jsonLine(record)) }
        } else {
            print(summary.text(), terminator: "")
            if let line = LoadBalanceReport.line(data) { print("\n" + line) }
        }
    }
}
