import Analysis
import ArgumentParser
import Foundation
import Sweep
import ResultsFile

/// `vaesweep validate RESULTS.h5 [--json] [--out FILE.h5]`: MODEL.md §7's finite-size
/// extrapolation and agreement verdicts for every grid point.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate the N = ∞ theory with the simulations of a results file (finite-size fits, z-scores, verdicts).",
        discussion: """
            For every (α, β, λ) and each of eps_g, m, Q, rate_test, dist_test (MODEL.md §7): seed means and \
            standard errors s_N = sd/√seeds per N (floored at 1e-6), the weighted fit q_∞ + a/√N (2–3 N) or \
            q_∞ + a/√N + b/N (≥ 4 N), se(q_∞) inflated by √(χ²/dof) when > 1, z = (q_∞ − theory)/se(q_∞) and a \
            verdict: agree (|z| < 2), marginal (< 3), disagree, undecided (no fit, or se(q_∞) larger than the \
            distance to another phase's prediction), or excluded (critical BBP window, first-order coexistence, \
            λ = 0 with α < 1 for the test observables). With one N no extrapolation is possible: z of that N's \
            mean against N = ∞, biased in the overlearning phase. --json: one object per (point, observable). \
            --out: the fits and verdicts as a netCDF/HDF5 file with dims (alpha, beta, lam), readable by xarray \
            (a new file: an existing path is refused).
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

    func validate() throws {
        if worst < 0 { throw ValidationError("--worst: \(worst) must be ≥ 0") }
    }

    func run() throws {
        let data: ResultsData
        do { data = try ResultsData.read(path: results) } catch { throw report(error) }
        if !data.hasSimulation { warn("\(results) holds no simulations: nothing to validate") }
        let v = Validation.compute(data)
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
