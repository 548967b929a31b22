import Analysis
import ArgumentParser
import Foundation
import LinearAlgebra
import Sweep
import ResultsFile

/// `vaesweep validate RESULTS.h5 [--json] [--out FILE.h5] [--calibrate K]`: MODEL.md §7's
/// finite-size extrapolation and agreement verdicts for every grid point, optionally calibrated
/// against synthetic sweeps of the same design drawn from the exact finite-N law.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate the N = ∞ theory with the simulations of a results file (finite-size fits, t-tests, verdicts).",
        discussion: """
            For every (α, β, λ) and each of eps_g, m, Q, rate_test, dist_test (MODEL.md §7, recipe 2): per-N \
            replicate means compared at the sample's own P/N; the N usable for the fit (≥ 2 replicates, outside \
            the critical BBP window, the BBP window widened for m, eps_g, rate_test, dist_test, and the \
            collapse-boundary window); the ansatz by the theory's phase (learning N^-1, N^-3/2; overlearning \
            N^-2/3, N^-1 for Q, rate_test, dist_test and N^-1/2, N^-5/6 for m, eps_g composed from m and Q; \
            collapsed not extrapolated); least squares with weights n_N·N; var(q∞) = Σ c_N² s_N² and Welch ν; \
            the misspecification guard; p = 2 P(t_ν > |z|): agree p > 0.0455, marginal p > 0.0027, else \
            disagree; undecided when se(q∞) exceeds the distance to another phase's prediction; reported apart: \
            the critical BBP window, fewer than 2 usable N ("window"), first-order coexistence, λ = 0 with \
            α < 1 (test rate and distortion). With one N no extrapolation is possible: that N's mean against \
            N = ∞ with ν = n − 1, biased in the overlearning phase. \
            --calibrate K: draw K synthetic sweeps of the same design (α, β, λ, N, replicate pattern, ρ, η) from \
            the exact finite-N law under other root seeds, validate them with the same code, and print the \
            expected agree / marginal / disagree fractions per phase beside the observed ones (stored in --out \
            for `summary --calibration`). --json: one object per (point, observable) (and per calibrated phase). \
            --out: the validation as a netCDF/HDF5 file with dims (alpha, beta, lam[, N]), readable by xarray \
            (a new file: an existing path is refused unless --overwrite).
            """)

    @Argument(help: "Results file written by `vaesweep run`.")
    var results: String

    @Flag(name: .long, help: "One JSON object per (point, observable) instead of the report.")
    var json = false

    @Option(name: .long, help: "Also write the fits and verdicts to this new HDF5 file.")
    var out: String?

    @Flag(help: "With --out: replace an existing file (through a fresh temporary file and a rename).")
    var overwrite = false

    @Option(name: .long, help: "How many of the largest |z| to list.")
    var worst: Int = 10

    @Option(name: .long, help: "Calibrate with K synthetic sweeps of this design from the exact finite-N law (0: none).")
    var calibrate: Int = 0

    @Option(name: .long, help: "Synthetic sweeps run at once during --calibrate (default: the number of cores).")
    var jobs: Int?

    @Option(name: .long, help: "Expert: the BBP-window widening factor of the recipe (default \(RecipeOptions.standard.bbpWidening); for calibrating the factor itself).")
    var bbpWidening: Double?

    func validate() throws {
        if worst < 0 { throw ValidationError("--worst: \(worst) must be ≥ 0") }
        if calibrate < 0 { throw ValidationError("--calibrate: \(calibrate) must be ≥ 0") }
        if let j = jobs, j < 1 { throw ValidationError("--jobs: \(j) must be ≥ 1") }
        if let w = bbpWidening, !(w.isFinite && w >= 1) { throw ValidationError("--bbp-widening: \(w) must be a number ≥ 1") }
    }

    func run() throws {
        let data: ResultsData
        do { data = try ResultsData.read(path: results) } catch { throw ValidationError("\(error)") }
        if !data.hasSimulation { warn("\(results) holds no simulations: nothing to validate") }
        var options = RecipeOptions.standard
        if let w = bbpWidening { options.bbpWidening = w }
        var v = Validation.compute(data, options: options)
        if calibrate > 0 && data.hasSimulation {
            v.calibration = try runCalibration(data, sweeps: calibrate, options: options, jobs: jobs)
        }
        if let out {
            do {
                if overwrite {
                    try SafeOutput.checkTarget(out, role: "--out")
                    try SafeOutput.replace(out) { tmp in try ValidationFile.write(v, to: tmp) }
                } else {
                    try ValidationFile.write(v, to: out)
                }
            } catch let e as Refusal {
                throw ValidationError(e.description)
            } catch let e as ValidationFileError {
                if e.isBadInput { throw ValidationError(e.description) }
                throw runtimeFailure(e.description)
            }
        }
        if json {
            for r in v.records() { print(jsonLine(r)) }
        } else {
            print(v.text(worst: worst), terminator: "")
            if let out { print("wrote \(out)") }
        }
    }
}

/// Run a calibration of `data`'s design with progress on stderr; a failure is a runtime error (exit 1).
func runCalibration(_ data: ResultsData, sweeps: Int, options: RecipeOptions, jobs: Int?) throws -> CalibrationResult {
    let workers = jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
    // the synthetic sweeps run in parallel threads: one BLAS thread each
    if min(workers, sweeps) > 1 { BLAS.setThreads(1) }
    let predicted = Calibration.predictedSecondsPerSweep(data) * Double(sweeps) / Double(min(workers, sweeps))
    FileHandle.standardError.write(Data(String(format: "vaesweep: calibrating with %d synthetic sweeps (%d at once; predicted ≈ %.0f s)\n",
                                               sweeps, min(workers, sweeps), predicted).utf8))
    do {
        return try Calibration.run(like: data, sweeps: sweeps, options: options, jobs: workers, progress: { done in
            FileHandle.standardError.write(Data("vaesweep: calibration sweep \(done)/\(sweeps) done\n".utf8))
        })
    } catch {
        throw runtimeFailure("calibration failed: \(error)")
    }
}
