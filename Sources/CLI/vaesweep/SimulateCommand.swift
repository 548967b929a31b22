import ResultsFile
import ArgumentParser
import Foundation
import VAESimulation
import VAETheory

/// `vaesweep simulate`: train the linear β-VAE on one simulated data set per seed, or (with
/// `--data`) replay a published run on a given data matrix from given initial weights.
///
/// `--beta`, `--lambda` and `--seed` accept comma-separated lists: every (seed, β, λ) combination is
/// run, the data built once per seed and shared by all (β, λ). The data stream is keyed by the
/// VALUES (root seed, α, N, seed), as in a sweep, so a sweep point and `simulate` with the same
/// numbers train on the same sample.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate (train) the linear β-VAE on a spiked-covariance sample, or replay a run on given data, and print its observables.",
        discussion: """
            Domain (shared with `theory` and a spec): \(Domain.describe("alpha", .alpha)), \(Domain.describe("beta", .beta)), \
            \(Domain.describe("lambda", .lambda)), \(Domain.describe("rho", .rho)), \(Domain.describe("eta", .eta)), \
            n in 2 … \(Domains.maxExplicitN) with explicit data (P·N ≤ 4e9) or 2 … \(Domains.maxN) with --data-model bidiagonal, P = round(αN) ≥ 2.
            Replay: --data X.npy (P × N, float32/float64, C order) [--spike WSTAR.npy] [--init-decoder W0.npy \
            --init-encoder V0.npy] [--init-variance D0] --solver adam --adam-variable D|logD --steps K [--history EVERY]: \
            exactly K full-batch Adam steps (lr 1e-3) from the given weights (default: this tool's random start \
            for --root-seed/--seed, D0 = 1); `D` updates D itself, clamped at 1e-8 (the published parametrisation), \
            `logD` updates log D. Observables every EVERY steps (kind "history") and at the end (kind "result"), \
            with the exact minimiser of the same sample (its own ℓ₁ and θ) as exact_<q>.
            Bad input: one error line naming the option or file, exit code 2.
            """)

    // `parsing: .unconditional` so that a negative number (e.g. `--rho -1`) reaches validate()
    // instead of being taken for an option.
    @Option(parsing: .unconditional, help: "Sample complexity α = P/N (required without --data).") var alpha: Double?
    @Option(parsing: .unconditional, help: "β (> 0); a comma-separated list runs each value.") var beta: DoubleList
    @Option(parsing: .unconditional, help: "Weight decay λ (≥ 0); comma-separated list allowed.") var lambda: DoubleList
    @Option(name: .customLong("n"), parsing: .unconditional, help: "Dimension N (required without --data).") var n: Int?
    @Option(parsing: .unconditional, help: "Replicate (seed) id, integer ≥ 0; comma-separated list allowed.") var seed = IntList([0])
    @Option(name: .customLong("root-seed"), parsing: .unconditional, help: "Root seed of the random stream (unsigned 64-bit).") var rootSeed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Signal strength ρ (≥ 0).") var rho: Double = 1
    @Option(parsing: .unconditional, help: "Noise strength η (> 0).") var eta: Double = 1
    @Option(parsing: .unconditional, help: "Spike W*: ones | gaussian, or a .npy file of length N (with --data).")
    var spike = SpikeChoice.kind(.ones)
    @Option(parsing: .unconditional, help: "Solver: gd (default; L-BFGS gradient training in C's eigenbasis) | adam (published) | exact.")
    var solver: Solver = .gd
    @Option(name: .customLong("data-model"), parsing: .unconditional,
            help: "How the data set is drawn: explicit (the P × N samples; default) | bidiagonal (the exact finite-N law without them, MODEL.md §8: N up to 1e8; exact and gd only).")
    var dataModel: DataModel = .explicit
    @Option(parsing: .unconditional, help: "Stop when the relative gradient norm is below this (default 1e-9 gd, 1e-6 adam); with --data only the converged flag uses it.")
    var tolerance: Double?
    @Option(name: .customLong("max-steps"), parsing: .unconditional, help: "Maximum optimiser steps (default 100000 gd, 10000 adam; not with --data).")
    var maxSteps: Int?

    @Option(parsing: .unconditional, help: "Replay: the P × N data matrix (.npy, float32/float64, C order).") var data: String?
    @Option(name: .customLong("init-decoder"), parsing: .unconditional, help: "Replay: initial decoder W0 (.npy, N × 1 or N).")
    var initDecoder: String?
    @Option(name: .customLong("init-encoder"), parsing: .unconditional, help: "Replay: initial encoder V0 (.npy, 1 × N or N).")
    var initEncoder: String?
    @Option(name: .customLong("init-variance"), parsing: .unconditional, help: "Replay: initial encoder variance D0 (> 0; default 1).")
    var initVariance: Double?
    @Option(name: .customLong("adam-variable"), parsing: .unconditional, help: "Replay: the variable Adam updates, D (published, clamped) | logD.")
    var adamVariable: AdamVariable = .logD
    @Option(parsing: .unconditional, help: "Replay: the number of Adam steps (default 10000).") var steps: Int?
    @Option(parsing: .unconditional, help: "Replay: print the observables every EVERY steps.") var history: Int?
    @Flag(help: "One JSON object per line.") var json = false

    var isReplay: Bool { data != nil }

    func validate() throws {
        try Domain.check("beta", beta.values, .beta)
        try Domain.check("lambda", lambda.values, .lambda)
        try Domain.check("rho", [rho], .rho)
        try Domain.check("eta", [eta], .eta)
        try Domain.check("seed", seed.values, .seed)
        if let t = tolerance { try Domain.check("tolerance", [t], .tolerance) }
        if let s = maxSteps { try Domain.check("max-steps", [s], .maxSteps) }
        if isReplay {
            if alpha != nil { throw ValidationError("--alpha: not allowed with --data (α = P/N of the data matrix)") }
            if n != nil { throw ValidationError("--n: not allowed with --data (N is the data matrix's second dimension)") }
            if maxSteps != nil { throw ValidationError("--max-steps: not allowed with --data (use --steps)") }
            if dataModel != .explicit { throw ValidationError("--data-model: a replay trains on the given data matrix (explicit)") }
            guard solver == .adam else { throw ValidationError("--solver: replay with --data needs --solver adam") }
            if case .kind(.gaussian) = spike { throw ValidationError("--spike: with --data give W* as a .npy file (or ones)") }
            if (initDecoder == nil) != (initEncoder == nil) {
                throw ValidationError(initDecoder == nil ? "--init-decoder: needed with --init-encoder" : "--init-encoder: needed with --init-decoder")
            }
            if let d = initVariance, !(d > 0 && d.isFinite) { throw ValidationError("--init-variance: \(d) must be a finite number > 0") }
            if let s = steps { try Domain.check("steps", [s], .steps) }
            if let h = history, h < 1 { throw ValidationError("--history: \(h) must be ≥ 1") }
        } else {
            guard let alpha else { throw ValidationError("--alpha: missing (required without --data)") }
            guard let n else { throw ValidationError("--n: missing (required without --data)") }
            try Domain.check("alpha", [alpha], .alpha)
            do {
                try Domains.checkN(n, explicit: dataModel == .explicit, field: "--n")
                try Domains.checkSampleCount(alpha: alpha, n: n, field: "--alpha")
            } catch let e as DomainError { throw ValidationError(e.description) }
            do { try dataModel.check(solver: solver) } catch { throw ValidationError("--solver: \(error)") }
            if dataModel == .explicit, Double(DataSet.sampleCount(alpha: alpha, n: n)) * Double(n) > Domains.maxExplicitSamplesTimesN {
                throw ValidationError("--alpha: P·N = \(Double(DataSet.sampleCount(alpha: alpha, n: n)) * Double(n)) is too large for one run (limit \(Domains.maxExplicitSamplesTimesN))")
            }
            for (name, given) in [("data", data != nil), ("init-decoder", initDecoder != nil), ("init-encoder", initEncoder != nil),
                                  ("init-variance", initVariance != nil), ("steps", steps != nil), ("history", history != nil)] where given {
                throw ValidationError("--\(name): only with --data (replay)")
            }
            if case let .file(f) = spike { throw ValidationError("--spike: a file (\(f)) only with --data") }
        }
    }

    func run() throws {
        if isReplay { try replay(); return }
        guard let alpha, let n, case let .kind(spikeKind) = spike else { throw ValidationError("--alpha: missing") }
        let options = TrainingOptions(solver: solver, tolerance: tolerance, maxSteps: maxSteps)
        var pairs: [(beta: Double, lambda: Double)] = []
        for b in beta.values { for l in lambda.values { pairs.append((b, l)) } }
        for s in seed.values {
            let key = DataKey(rootSeed: rootSeed, replicate: s)
            let results: [SimulationResult]
            do {
                let data = try DataSet.build(alpha: alpha, n: n, rho: rho, eta: eta, spike: spikeKind, key: key,
                                             solver: solver, dataModel: dataModel)
                results = try Trainer.train(data, pairs: pairs, options: options)
            } catch {
                throw report(CommandFailure.failure("simulation failed: \(error)"))
            }
            for r in results {
                let o = r.observables
                if json {
                    var j = JSONObject()
                    j.add(o)
                    j.add("steps", r.steps); j.add("grad_norm", r.gradNorm); j.add("converged", r.converged)
                    j.add("seconds", r.seconds)
                    j.add("alpha", alpha); j.add("beta", r.beta); j.add("lambda", r.lambda); j.add("rho", rho); j.add("eta", eta)
                    j.add("n", n); j.add("seed", s); j.add("solver", solver.rawValue); j.add("data_model", dataModel.rawValue)
                    j.add("spike", spikeKind.rawValue); j.add("root_seed", "\(rootSeed)")
                    print(j.line)
                } else {
                    print("α=\(f6(alpha)) β=\(f6(r.beta)) λ=\(f6(r.lambda)) ρ=\(f6(rho)) η=\(f6(eta)) N=\(n) seed=\(s) solver=\(solver.rawValue)")
                    printObservables(o)
                    print("  steps \(r.steps)  grad_norm \(f6(r.gradNorm))  converged \(r.converged)  seconds \(f6(r.seconds))")
                }
            }
        }
    }

    // MARK: replay

    /// Read a .npy file given to `--option`; a problem is a usage error naming the option and file.
    static func readNPY(_ option: String, _ path: String) throws -> NPYArray {
        do { return try NPY.read(path: path) } catch { throw ValidationError("--\(option): \(error)") }
    }

    /// A vector of length `n` from a .npy of shape (n,), (n, 1) or (1, n) as `allowed` says.
    static func vector(_ option: String, _ path: String, n: Int, allowed: [[Int]]) throws -> [Double] {
        let a = try readNPY(option, path)
        guard allowed.contains(a.shape) else {
            let want = allowed.map { "(" + $0.map(String.init).joined(separator: ", ") + ($0.count == 1 ? ",)" : ")") }.joined(separator: " or ")
            throw ValidationError("--\(option): \(path): shape \(a.shape) does not fit, expected \(want) with N = \(n) from --data")
        }
        guard a.values.allSatisfy(\.isFinite) else { throw ValidationError("--\(option): \(path): non-finite value") }
        return a.values
    }

    func replay() throws {
        let path = data!
        let x = try Self.readNPY("data", path)
        guard x.shape.count == 2, x.shape[0] >= 1, x.shape[1] >= 1 else {
            throw ValidationError("--data: \(path): shape \(x.shape), expected a 2-D P × N matrix")
        }
        let p = x.shape[0], n = x.shape[1]
        do { try Domains.checkN(n, explicit: true, field: "--data: \(path): N") } catch let e as DomainError { throw ValidationError(e.description) }
        guard x.values.allSatisfy(\.isFinite) else { throw ValidationError("--data: \(path): non-finite value") }
        let wStar: [Double]
        if case let .file(f) = spike { wStar = try Self.vector("spike", f, n: n, allowed: [[n], [n, 1], [1, n]]) } else { wStar = Array(repeating: 1, count: n) }
        let norm2 = wStar.reduce(0) { $0 + $1 * $1 } / Double(n)
        if abs(norm2 - 1) > 1e-6 {
            warn("--spike: |W*|²/N = \(norm2), not 1 (MODEL.md §1); m, d, ε_g and the test observables assume |W*|² = N")
        }
        let given: (W: [Double], V: [Double])? = try initDecoder.map { dec in
            (try Self.vector("init-decoder", dec, n: n, allowed: [[n], [n, 1]]),
             try Self.vector("init-encoder", initEncoder!, n: n, allowed: [[n], [1, n]]))
        }
        let d0 = initVariance ?? 1
        let k = steps ?? TrainingOptions.defaultMaxSteps(.adam)
        let tol = tolerance ?? TrainingOptions.defaultTolerance(.adam)
        for s in seed.values {
            let key = DataKey(rootSeed: rootSeed, replicate: s)
            let sample: SampleSpectrum
            do { sample = try Replay.spectrum(x: x.values, p: p, n: n, spike: wStar, rho: rho, eta: eta, key: key) } catch {
                throw report(CommandFailure.failure("--data: \(path): \(error)"))
            }
            for b in beta.values { for l in lambda.values {
                let start = given ?? Trainer.initialParameters(sample, beta: b, lambda: l)
                let exact = try Trainer.train(sample, beta: b, lambda: l, options: TrainingOptions(solver: .exact)).observables
                func header(_ j: inout JSONObject, _ kind: String) {
                    j.add("kind", kind)
                    j.add("alpha", sample.alphaEffective); j.add("beta", b); j.add("lambda", l); j.add("rho", rho); j.add("eta", eta)
                    j.add("n", n); j.add("p", p); j.add("seed", s); j.add("adam_variable", adamVariable.rawValue)
                }
                let r: SimulationResult
                do {
                    r = try Replay.adam(sample, beta: b, lambda: l, W0: start.W, V0: start.V, D0: d0, steps: k, variable: adamVariable,
                                        tolerance: tol, every: history) { snap in
                        if json {
                            var j = JSONObject()
                            header(&j, "history")
                            j.add("step", snap.step); j.add(snap.observables); j.add("grad_norm", snap.gradNorm)
                            print(j.line)
                        } else {
                            print("  step \(snap.step): eps_g \(f6(snap.observables.epsG))  Q \(f6(snap.observables.Q))  D \(f6(snap.observables.D))  grad_norm \(f6(snap.gradNorm))")
                        }
                    }
                } catch {
                    throw report(CommandFailure.failure("replay failed: \(error)"))
                }
                // a diverged run has no observables to report (and no phase): say so and exit 1
                guard r.finiteLoss, r.observables.values.allSatisfy(\.isFinite) else {
                    throw report(CommandFailure.failure("replay diverged: the loss or the parameters became non-finite within \(r.steps) Adam steps (β = \(b), λ = \(l)); no result"))
                }
                if json {
                    var j = JSONObject()
                    header(&j, "result")
                    j.add(r.observables)
                    j.add("steps", r.steps); j.add("grad_norm", r.gradNorm); j.add("converged", r.converged); j.add("seconds", r.seconds)
                    j.add("sample_ell1", sample.ell1); j.add("sample_theta", sample.theta)
                    for q in Quantity.allCases { j.add("exact_" + q.rawValue, exact[q]) }
                    j.add("exact_phase", exact.phase.name)
                    print(j.line)
                } else {
                    print("replay \(path): P=\(p) N=\(n) α=\(f6(sample.alphaEffective)) β=\(f6(b)) λ=\(f6(l)) Adam on \(adamVariable.rawValue), \(r.steps) steps")
                    printObservables(r.observables)
                    print("  grad_norm \(f6(r.gradNorm))  converged \(r.converged)  seconds \(f6(r.seconds))")
                    print("  exact minimiser of this sample (ℓ₁ = \(f6(sample.ell1)), θ = \(f6(sample.theta))): eps_g \(f6(exact.epsG))  Q \(f6(exact.Q))  D \(f6(exact.D))  phase \(exact.phase.name)")
                }
            } }
        }
    }
}

private func f6(_ x: Double) -> String { String(format: "%.6g", x) }

private func printObservables(_ o: Observables) {
    print("  phase \(o.phase.name)   eps_g \(f6(o.epsG))")
    print("  m \(f6(o.m))  d \(f6(o.d))  Q \(f6(o.Q))  E \(f6(o.E))  R \(f6(o.R))  D \(f6(o.D))")
    print("  rate train \(f6(o.rateTrain)) test \(f6(o.rateTest))   distortion train \(f6(o.distTrain)) test \(f6(o.distTest))")
}
