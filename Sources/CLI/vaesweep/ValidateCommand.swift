import Statistics
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

    @Option(name: .long, help: "Expert: the BBP-window widening factors B[,A] below and above BBP (default \(formatNumber(RecipeOptions.standard.bbpWideningBelow)),\(formatNumber(RecipeOptions.standard.bbpWideningAbove)); one number: both).")
    var bbpWidening: DoubleList?

    @Option(name: .long, help: "Expert, with --calibrate: validate the same synthetic sweeps under each widening B:A (or F for both) of this comma-separated list and print the expected fractions per choice (the study that chooses the default).")
    var scanWidening: String?

    /// "B:A,F,…" → (below, above) pairs.
    static func parseScan(_ s: String) -> [(Double, Double)]? {
        var out: [(Double, Double)] = []
        for part in s.split(separator: ",") {
            let f = part.split(separator: ":").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(f.count), f.allSatisfy({ $0 != nil && $0!.isFinite && $0! >= 1 }) else { return nil }
            out.append((f[0]!, f.count == 2 ? f[1]! : f[0]!))
        }
        return out.isEmpty ? nil : out
    }

    func validate() throws {
        if let s = scanWidening {
            if calibrate < 1 { throw ValidationError("--scan-widening: needs --calibrate K") }
            if ValidateCommand.parseScan(s) == nil { throw ValidationError("--scan-widening: expected B:A or F entries, numbers ≥ 1, comma-separated") }
        }
        if worst < 0 { throw ValidationError("--worst: \(worst) must be ≥ 0") }
        if calibrate < 0 { throw ValidationError("--calibrate: \(calibrate) must be ≥ 0") }
        if let j = jobs, j < 1 { throw ValidationError("--jobs: \(j) must be ≥ 1") }
        if let w = bbpWidening, !((1...2).contains(w.values.count) && w.values.allSatisfy({ $0.isFinite && $0 >= 1 })) {
            throw ValidationError("--bbp-widening: expected B or B,A with numbers ≥ 1")
        }
    }

    func run() throws {
        let data: ResultsData
        do { data = try ResultsData.read(path: results) } catch { throw report(error) }
        if !data.hasSimulation { warn("\(results) holds no simulations: nothing to validate") }
        var options = RecipeOptions.standard
        if let w = bbpWidening { options.bbpWideningBelow = w.values[0]; options.bbpWideningAbove = w.values.last! }
        if let scan = scanWidening.flatMap(ValidateCommand.parseScan), data.hasSimulation {
            let opts = scan.map { RecipeOptions(bbpWideningBelow: $0.0, bbpWideningAbove: $0.1, collapseSigmas: options.collapseSigmas) }
            let results = try runCalibration(data, sweeps: calibrate, optionsList: opts, jobs: jobs)
            for (o, c) in zip(opts, results) {
                var v = Validation.compute(data, options: o)
                v.calibration = c
                if json {
                    for r in v.records() where r.contains(where: { $0.key == "kind" && $0.value == .string("calibration") }) {
                        print(jsonLine([("bbp_widening_below", .double(o.bbpWideningBelow)), ("bbp_widening_above", .double(o.bbpWideningAbove))] + r))
                    }
                } else {
                    print("BBP widening \(o.wideningDescription):")
                    for line in v.calibrationLines() { print("  " + line) }
                    for q in Statistics.Validation.quantities {
                        let key = "quantity:" + q.rawValue, t = c.totals(key), n = t.reduce(0, +)
                        guard n > 0 else { continue }
                        print(String(format: "    %-10@ expected agree %.1f %%, marginal %.1f %%, disagree %.2f %% of %d", q.rawValue as NSString,
                                     100 * Double(t[0]) / Double(n), 100 * Double(t[1]) / Double(n), 100 * Double(t[2]) / Double(n), n))
                    }
                }
            }
            return
        }
        var v = Validation.compute(data, options: options)
        if calibrate > 0 && data.hasSimulation {
            v.calibration = try runCalibration(data, sweeps: calibrate, options: options, jobs: jobs)
        }
        if let out {
            do {
                try SafeFile.checkTarget(out, role: "--out")
                try ValidationFile.write(v, to: out, replacing: overwrite)
            } catch {
                throw report(error)
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
    try runCalibration(data, sweeps: sweeps, optionsList: [options], jobs: jobs)[0]
}

/// The same for several recipe options on the same synthetic sweeps.
func runCalibration(_ data: ResultsData, sweeps: Int, optionsList: [RecipeOptions], jobs: Int?) throws -> [CalibrationResult] {
    let workers = jobs ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
    // the synthetic sweeps run in parallel threads: one BLAS thread each
    BLAS.setThreads(1)   // the explicit sampler's dense path depends on the thread count: one, as a sweep runs
    let predicted = Calibration.predictedSecondsPerSweep(data) * Double(sweeps) / Double(min(workers, sweeps))
    FileHandle.standardError.write(Data(String(format: "vaesweep: calibrating with %d synthetic sweeps (%d at once; predicted ≈ %.0f s)\n",
                                               sweeps, min(workers, sweeps), predicted).utf8))
    do {
        // a progress line at every tenth of the sweeps (not one per sweep: hundreds take seconds)
        let step = max(1, sweeps / 10)
        return try Calibration.run(like: data, sweeps: sweeps, optionsList: optionsList, jobs: workers, progress: { done in
            guard done % step == 0 || done == sweeps else { return }
            FileHandle.standardError.write(Data("vaesweep: calibration sweep \(done)/\(sweeps) done\n".utf8))
        })
    } catch {
        throw report(CommandFailure.failure("calibration failed: \(error)"))
    }
}
