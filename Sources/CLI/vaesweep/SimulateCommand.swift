import ArgumentParser
import Foundation
import VAESimulation
import VAETheory

/// `vaesweep simulate`: train the linear β-VAE on one simulated data set per seed.
///
/// Every option is taken as a String and validated here, so a bad value gives one line naming the
/// option and exit code 2 (not argument-parser's 64). `--beta`, `--lambda` and `--seed` accept
/// comma-separated lists: every (seed, β, λ) combination is run, the data built once per seed and
/// shared by all (β, λ). The random stream is keyed by (root seed, α index, N index, seed) with
/// α index = N index = 0 here; a sweep keys by the grid indices of α and N instead, so a sweep
/// point and `simulate` with the same numbers do not share data unless both indices are 0.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate (train) the linear β-VAE on a spiked-covariance sample and print its observables.")

    @Option(parsing: .unconditional, help: "Sample complexity α = P/N (> 0).") var alpha: String?
    @Option(parsing: .unconditional, help: "β (> 0); a comma-separated list runs each value.") var beta: String?
    @Option(parsing: .unconditional, help: "Weight decay λ (≥ 0); comma-separated list allowed.") var lambda: String?
    @Option(name: .customLong("n"), parsing: .unconditional, help: "Dimension N (integer ≥ 1).") var n: String?
    @Option(parsing: .unconditional, help: "Replicate (seed) index, integer ≥ 0; comma-separated list allowed.") var seed: String = "0"
    @Option(name: .customLong("root-seed"), parsing: .unconditional, help: "Root seed of the random stream (unsigned 64-bit).") var rootSeed: String = "1"
    @Option(parsing: .unconditional, help: "Signal strength ρ (≥ 0).") var rho: String = "1"
    @Option(parsing: .unconditional, help: "Noise strength η (> 0).") var eta: String = "1"
    @Option(parsing: .unconditional, help: "Spike W*: ones | gaussian.") var spike: String = "ones"
    @Option(parsing: .unconditional, help: "Solver: gd (default; L-BFGS gradient training in C's eigenbasis) | adam (published) | exact.")
    var solver: String = "gd"
    @Option(parsing: .unconditional, help: "Stop when the relative gradient norm is below this (default 1e-9 gd, 1e-6 adam).") var tolerance: String?
    @Option(name: .customLong("max-steps"), parsing: .unconditional, help: "Maximum optimiser steps (default 100000 gd, 10000 adam).") var maxSteps: String?
    @Flag(help: "One JSON object per line.") var json = false

    // `parsing: .unconditional` so that a negative number (e.g. `--rho -1`) reaches our own
    // validation (exit 2) instead of being taken for an option by argument-parser (exit 64).
    func run() throws {
        func required(_ v: String?, _ name: String) -> String {
            guard let v = v else { fail("--\(name): missing (required)") }
            return v
        }
        func double(_ s: String, _ name: String, _ ok: (Double) -> Bool, _ what: String) -> Double {
            guard let x = Double(s.trimmingCharacters(in: .whitespaces)), x.isFinite, ok(x) else {
                fail("--\(name): invalid value '\(s)' (expected \(what))")
            }
            return x
        }
        func doubles(_ s: String, _ name: String, _ ok: (Double) -> Bool, _ what: String) -> [Double] {
            let parts = s.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return parts.map { double($0, name, ok, what) }
        }
        func integer(_ s: String, _ name: String, _ range: ClosedRange<Int>) -> Int {
            guard let x = Int(s.trimmingCharacters(in: .whitespaces)), range.contains(x) else {
                fail("--\(name): invalid value '\(s)' (expected an integer in \(range.lowerBound)...\(range.upperBound))")
            }
            return x
        }

        let alpha = double(required(self.alpha, "alpha"), "alpha", { $0 > 0 && $0 <= 1e4 }, "a number in (0, 1e4]")
        let betas = doubles(required(beta, "beta"), "beta", { $0 > 0 && $0 <= 1e4 }, "numbers in (0, 1e4]")
        let lambdas = doubles(required(lambda, "lambda"), "lambda", { $0 >= 0 && $0 <= 1e4 }, "numbers in [0, 1e4]")
        let n = integer(required(self.n, "n"), "n", 1...20_000)
        let seeds = seed.split(separator: ",", omittingEmptySubsequences: false).map { integer(String($0), "seed", 0...Int(Int32.max)) }
        guard let root = UInt64(rootSeed.trimmingCharacters(in: .whitespaces)) else {
            fail("--root-seed: invalid value '\(rootSeed)' (expected an unsigned 64-bit integer)")
        }
        let rho = double(rho, "rho", { $0 >= 0 && $0 <= 1e6 }, "a number in [0, 1e6]")
        let eta = double(eta, "eta", { $0 > 0 && $0 <= 1e6 }, "a number in (0, 1e6]")
        guard let spikeKind = Spike(rawValue: spike) else { fail("--spike: invalid value '\(spike)' (expected ones | gaussian)") }
        guard let solverKind = Solver(rawValue: solver) else { fail("--solver: invalid value '\(solver)' (expected gd | adam | exact)") }
        let tol = tolerance.map { double($0, "tolerance", { $0 >= 0 && $0 < 1 }, "a number in [0, 1)") }
        let steps = maxSteps.map { integer($0, "max-steps", 0...1_000_000_000) }
        let p = DataSet.sampleCount(alpha: alpha, n: n)
        if Double(p) * Double(n) > 4e9 { fail("--alpha: α N² = \(Double(p) * Double(n)) is too large for one run") }

        let options = TrainingOptions(solver: solverKind, tolerance: tol, maxSteps: steps)
        var pairs: [(beta: Double, lambda: Double)] = []
        for b in betas { for l in lambdas { pairs.append((b, l)) } }

        for s in seeds {
            let key = DataKey(rootSeed: root, replicate: s)
            let data: SampleSpectrum
            let results: [SimulationResult]
            do {
                data = try DataSet.build(alpha: alpha, n: n, rho: rho, eta: eta, spike: spikeKind, key: key,
                                         keepCovariance: solverKind == .adam)
                results = try Trainer.train(data, pairs: pairs, options: options)
            } catch {
                fail("simulation failed: \(error)", code: 1)
            }
            for r in results {
                let o = r.observables
                if json {
                    var j = JSONObject()
                    j.add(o)
                    j.add("steps", r.steps); j.add("grad_norm", r.gradNorm); j.add("converged", r.converged)
                    j.add("seconds", r.seconds)
                    j.add("alpha", alpha); j.add("beta", r.beta); j.add("lambda", r.lambda); j.add("rho", rho); j.add("eta", eta)
                    j.add("n", n); j.add("seed", s); j.add("solver", solverKind.rawValue)
                    j.add("spike", spikeKind.rawValue); j.add("root_seed", "\(root)")
                    print(j.line)
                } else {
                    func f(_ x: Double) -> String { String(format: "%.6g", x) }
                    print("α=\(f(alpha)) β=\(f(r.beta)) λ=\(f(r.lambda)) ρ=\(f(rho)) η=\(f(eta)) N=\(n) seed=\(s) solver=\(solverKind.rawValue)")
                    print("  phase \(o.phase.name)   eps_g \(f(o.epsG))")
                    print("  m \(f(o.m))  d \(f(o.d))  Q \(f(o.Q))  E \(f(o.E))  R \(f(o.R))  D \(f(o.D))")
                    print("  rate train \(f(o.rateTrain)) test \(f(o.rateTest))   distortion train \(f(o.distTrain)) test \(f(o.distTest))")
                    print("  steps \(r.steps)  grad_norm \(f(r.gradNorm))  converged \(r.converged)  seconds \(f(r.seconds))")
                }
            }
        }
    }
}
