// `vaesweep-bench simulation`: cost of one data set and of one (β, λ) grid point per solver,
// against the published method (full-batch Adam on the raw P × N data matrix, 10 000 steps).
// Run single-threaded: OPENBLAS_NUM_THREADS=1.
import Foundation
import LinearAlgebra
import VAESimulation

private func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = Date(); try body(); return Date().timeIntervalSince(t0)
}

func runSimulationBenchmark() throws {
    print("OpenBLAS threads \(BLAS.threads), core \(BLAS.coreName)")
    let pairs: [(beta: Double, lambda: Double)] = [(0.5, 0.01), (1, 0.01), (2, 0.01), (3, 0.01),
                                                   (0.5, 1), (1, 1), (2, 1), (3, 1)]
    for (n, alpha) in [(1000, 4.0), (250, 2.0), (2000, 0.5)] {
        let key = DataKey(rootSeed: 1)
        let p = DataSet.sampleCount(alpha: alpha, n: n)
        print("-- N = \(n), α = \(alpha) (P = \(p)), \(pairs.count) (β, λ) pairs, ρ = η = 1" + (alpha < 1 ? " [extra: below BBP, near-degenerate top of the spectrum]" : ""))
        // The floor: one dsyrk of the P × N matrix + one full eigen-solve (dsyevd), timed alone.
        let x = DataSet.sampleMatrix(alpha: alpha, n: n, rho: 1, eta: 1, spike: .ones, key: key)
        var c = [Double](repeating: 0, count: n * n)
        let tSyrk = seconds {
            x.withUnsafeBufferPointer { xp in c.withUnsafeMutableBufferPointer { cp in
                BLAS.syrkGram(xp, rows: p, n: n, alpha: 1 / Double(p), beta: 0, into: cp) } }
        }
        BLAS.symmetrizeUpper(&c, n: n)
        let tEig = try seconds { _ = try LAPACK.symmetricEigen(c, n: n) }
        let tTop = try seconds { _ = try LAPACK.symmetricTopEigen(c, n: n, k: 1) }
        // Our data set: Philox samples → blocked dsyrk → dsyevd → projections.
        var data: SampleSpectrum! = nil
        let tData = try seconds { data = try DataSet.build(alpha: alpha, n: n, key: key) }
        let floor = tSyrk + tEig
        var sink = 0.0
        let tGauss = seconds {
            let g = key.stream(.samples, alpha: alpha, n: n)
            var buf = [Double](repeating: 0, count: n + 1)
            buf.withUnsafeMutableBufferPointer { bp in
                for row in 0..<p { g.fill(row: UInt64(row), into: bp.baseAddress!, count: n + 1); sink += bp[n] }
            }
        }
        print(String(format: "Philox + Box–Muller alone: %.3f s for %d normals (%.1f ns each)%@", tGauss, p * (n + 1),
                     tGauss / Double(p * (n + 1)) * 1e9, sink.isNaN ? "!" : ""))
        print(String(format: "data set: %.3f s (samples+dsyrk %.3f, eigen+projections %.3f); floor dsyrk %.3f + dsyevd %.3f = %.3f s → %.2f× floor  [top pair alone (dsyevr) %.3f s]",
                     tData, data.secondsCovariance, data.secondsEigen, tSyrk, tEig, floor, tData / floor, tTop))

        // Per pair, each solver.
        var perPair: [Solver: Double] = [:]
        for solver in [Solver.gd, .exact] {
            let rs = try Trainer.train(data, pairs: pairs, options: TrainingOptions(solver: solver))
            let t = rs.map { $0.seconds }.reduce(0, +) / Double(rs.count)
            perPair[solver] = t
            let steps = rs.map { $0.steps }
            print(String(format: "  %-5@ %.2e s per pair (steps %@; converged %d/%d)", solver.rawValue as NSString, t,
                         steps.map(String.init).joined(separator: ",") as NSString, rs.filter { $0.converged }.count, rs.count))
        }
        // Adam through C: time a few hundred steps on two pairs, extrapolate to 10 000 steps.
        let adamSteps = n >= 2000 ? 100 : n >= 1000 ? 300 : 1000
        var adamT = 0.0
        for pr in pairs.prefix(2) {
            let r = try Trainer.train(data, beta: pr.beta, lambda: pr.lambda, options: TrainingOptions(solver: .adam, tolerance: 0, maxSteps: adamSteps))
            adamT += r.seconds / Double(r.steps) * 10_000
        }
        adamT /= 2
        perPair[.adam] = adamT
        print(String(format: "  adam  %.2e s per pair for 10 000 steps through C (timed %d steps, extrapolated)", adamT, adamSteps))

        // Baseline: the published method on the raw data matrix.
        let baseSteps = n >= 1000 ? 100 : 500
        let start = Trainer.initialParameters(data, beta: 1, lambda: 1)
        let b = PublishedAdam.run(x: x, p: p, n: n, beta: 1, lambda: 1, W: start.W, V: start.V, steps: baseSteps)
        let baseline = b.seconds / Double(baseSteps) * 10_000
        print(String(format: "  baseline (published Adam on raw X, 10 000 steps): %.2f s per grid point (timed %d steps, extrapolated ×%d)",
                     baseline, baseSteps, 10_000 / baseSteps))
        for s in [Solver.gd, .exact, .adam] {
            let t = perPair[s]!
            let amort = t + tData / Double(pairs.count)
            print(String(format: "  ratio baseline / %-5@: %9.0f× per grid point (training only); %7.0f× with the data set amortised over %d pairs",
                         s.rawValue as NSString, baseline / t, baseline / amort, pairs.count))
        }
    }
}
