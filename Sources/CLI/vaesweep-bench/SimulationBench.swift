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

// MARK: - Large N (issue 15): `vaesweep-bench largen`
//
// One row per N at α = 4 (ρ = η = 1, one core): the published algorithm (full-batch Adam on the raw
// P × N matrix) per grid point = measured seconds per step × 10⁴; `exact` per point = data set
// (samples + top pair) + the scalar minimiser; `gd` per data set and per point with 8 (β, λ) pairs
// (data set amortised); the floor = generating the samples + the eigensolver's passes over X, each
// timed alone; peak memory (VmHWM) of each measurement, each run in its own child process.
// Environment: VAESWEEP_BENCH_N (comma list, default 1000,2000,4000,8000), VAESWEEP_BENCH_GD_MAX_N
// (largest N at which gd's full spectrum is timed; default 4000, beyond it the cost model's estimate
// is printed and marked "est").

/// CPU seconds of this process (one BLAS thread: the machine is shared, so wall time is not the
/// work done).
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + 1e-9 * Double(ts.tv_nsec)
}

private func peakBytes() -> Double {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
    for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let f = line.split(separator: " ", omittingEmptySubsequences: true)
        if f.count >= 2, let kb = Double(f[1]) { return kb * 1024 }
    }
    return .nan
}

let largeNPairs: [(beta: Double, lambda: Double)] = [(0.5, 0.01), (1, 0.01), (2, 0.01), (3, 0.01),
                                                    (0.5, 1), (1, 1), (2, 1), (3, 1)]

/// Child: one measurement, printed as `RESULT key=value ...`.
func runLargeNChild(_ args: [String]) throws {
    let kind = args[0], n = Int(args[1])!, alpha = args.count > 2 ? Double(args[2])! : 4
    let rho = args.count > 3 ? Double(args[3])! : 1, eta = args.count > 4 ? Double(args[4])! : 1
    let rep = args.count > 5 ? Int(args[5])! : 0
    let key = DataKey(rootSeed: 1, replicate: rep)
    var out: [String: String] = [:]
    func f(_ x: Double) -> String { String(format: "%.6g", x) }
    switch kind {
    case "published":
        let x = DataSet.sampleMatrix(alpha: alpha, n: n, rho: rho, eta: eta, spike: .ones, key: key)
        let p = DataSet.sampleCount(alpha: alpha, n: n)
        let s = DataKey(rootSeed: 1, replicate: rep).stream(.initialisation, alpha: alpha, n: n, [(1.0).bitPattern, (1.0).bitPattern])
        let w = s.normals(row: 0, count: n), v = s.normals(row: 1, count: n)
        _ = PublishedAdam.run(x: x, p: p, n: n, beta: 1, lambda: 1, W: w, V: v, steps: 1)   // warm-up
        let steps = max(3, min(40, Int(4e9 / (Double(p) * Double(n) * 4))))
        let c0 = cpuSeconds()
        let r = PublishedAdam.run(x: x, p: p, n: n, beta: 1, lambda: 1, W: w, V: v, steps: steps)
        out["step"] = f((cpuSeconds() - c0) / Double(steps)); out["steps"] = "\(steps)"; out["wallStep"] = f(r.seconds / Double(steps))
    case "exact":
        let forceKrylov = args.count > 6 && args[6] == "krylov"
        let c0 = cpuSeconds()
        // buildTop = DataSet.build(..., solver: .exact) for explicit data, with the record typed.
        let data = try DataSet.buildTop(alpha: alpha, n: n, rho: rho, eta: eta, spike: .ones, key: key,
                                        method: forceKrylov ? .blockLanczos : nil)
        let c1 = cpuSeconds()
        let r1 = try Trainer.train(data, beta: largeNPairs[0].beta, lambda: largeNPairs[0].lambda, options: TrainingOptions(solver: .exact))
        let c2 = cpuSeconds()
        let rs = try Trainer.train(data, pairs: largeNPairs, options: TrainingOptions(solver: .exact))
        let c3 = cpuSeconds()
        let top = data.krylov!
        out["data"] = f(c1 - c0); out["first"] = f(c2 - c0); out["pair"] = f((c3 - c2) / Double(rs.count))
        out["gen"] = f(top.secondsSamples); out["eig"] = f(top.secondsEigen); out["epsg"] = f(r1.observables.epsG)
        out["dense"] = top.method == .blockLanczos ? "0" : "1"; out["products"] = "\(top.blockProducts)"; out["passes"] = "\(top.passes)"
        out["r1"] = f(top.residuals[0]); out["bound"] = f(top.overlapErrorBound); out["ell1"] = String(format: "%.17g", data.ell1)
        out["theta"] = String(format: "%.17g", data.theta); out["gap"] = f(data.relativeGap)
        out["predicted"] = f(CostModel.predictedBlockProducts(alpha: alpha, n: n, rho: rho, eta: eta))
        out["estPeak"] = f(DataSet.estimatedPeakBytes(alpha: alpha, n: n, solver: .exact, rho: rho, eta: eta))
        out["estCost"] = f(DataSet.estimatedCost(alpha: alpha, n: n, solver: .exact, pairs: 1, rho: rho, eta: eta))
    case "floor":
        let products = Int(args[6])!
        let c0 = cpuSeconds()
        let xm = SampleMatrix.generate(alpha: alpha, n: n, rho: rho, eta: eta, spike: .ones, key: key)
        let tGen = cpuSeconds() - c0
        let b = DataSet.krylovBlockSize, side = xm.p < n
        let s = side ? xm.p : n
        let v = key.stream(.krylovStart, alpha: alpha, n: n).normals(row: 0, count: b * s)
        var z = [Double](repeating: 0, count: b * s)
        let c1 = cpuSeconds()
        for _ in 0..<products {
            v.withUnsafeBufferPointer { vp in z.withUnsafeMutableBufferPointer { zp in
                if side { xm.outerGramTimes(vp, rows: b, into: zp) } else { xm.covarianceTimes(vp, rows: b, into: zp) } } }
        }
        out["gen"] = f(tGen); out["products"] = f(cpuSeconds() - c1); out["sink"] = f(z[0])
    case "gd":
        let c0 = cpuSeconds()
        let data = try DataSet.build(alpha: alpha, n: n, rho: rho, eta: eta, spike: .ones, key: key, solver: .gd)
        let tData = cpuSeconds() - c0
        let c1 = cpuSeconds()
        let rs = try Trainer.train(data, pairs: largeNPairs, options: TrainingOptions(solver: .gd))
        out["data"] = f(tData); out["pair"] = f((cpuSeconds() - c1) / Double(rs.count))
        out["converged"] = "\(rs.filter { $0.converged }.count)"
        out["estPeak"] = f(DataSet.estimatedPeakBytes(alpha: alpha, n: n, solver: .gd))
    case "probe":
        // Block size / accuracy / row-block experiment on one sample (N side only).
        let b = Int(args[6])!, acc = Double(args[7])!
        let xm = SampleMatrix.generate(alpha: alpha, n: n, rho: rho, eta: eta, spike: .ones, key: key)
        let st = key.stream(.krylovStart, alpha: alpha, n: n)
        var start = st.normals(row: 0, count: b * n)
        if args.count > 8 && args[8] == "w" { for i in 0..<n { start[i] = 1 / Double(n).squareRoot() } }
        let c0 = cpuSeconds()
        let r = BlockLanczos.top(dimension: n, start: start, maxBasis: 2000, accuracy: acc,
                                 replacement: { st.normals(row: UInt64(100 + $0), count: n) },
                                 apply: { xm.covarianceTimes($0, rows: $1, into: $2) })
        let c1 = cpuSeconds()
        var z = [Double](repeating: 0, count: b * n)
        start.withUnsafeBufferPointer { v in z.withUnsafeMutableBufferPointer { xm.covarianceTimes(v, rows: b, into: $0) } }
        let c2 = cpuSeconds()
        out["products"] = "\(r.blockProducts)"; out["cpu"] = f(c1 - c0); out["perProduct"] = f(c2 - c1)
        out["ritz"] = "\(r.ritzSteps)"; out["r1"] = f(r.residuals[0]); out["conv"] = "\(r.converged)"
        out["ell1"] = String(format: "%.17g", r.values[0])
    case "methods":
        // Both eigen-methods of the exact path on the same data (data set included), mean of 3.
        for m in [TopSpectrumInfo.Method.blockLanczos, .dense] {
            _ = try DataSet.buildTop(alpha: alpha, n: n, rho: rho, eta: eta, key: key, method: m)
            let c0 = cpuSeconds()
            for _ in 0..<3 { _ = try DataSet.buildTop(alpha: alpha, n: n, rho: rho, eta: eta, key: key, method: m) }
            out[m.rawValue] = f((cpuSeconds() - c0) / 3)
        }
        out["krylovChosen"] = DataSet.exactUsesKrylov(alpha: alpha, n: n, rho: rho, eta: eta) ? "1" : "0"
    default:
        throw BenchError("largen-child: unknown kind \(kind)")
    }
    out["peak"] = f(peakBytes())
    print("RESULT " + out.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
}

/// Run one measurement in a child process (`vaesweep-bench <childKind> ARGS`) and parse its RESULT line.
func child(_ args: [String], childKind: String = "largen-child") throws -> [String: Double] {
    let proc = Process()
    proc.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    proc.arguments = [childKind] + args
    let pipe = Pipe()
    proc.standardOutput = pipe
    try proc.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    proc.waitUntilExit()
    guard proc.terminationStatus == 0, let text = String(data: data, encoding: .utf8),
          let line = text.split(separator: "\n").last(where: { $0.hasPrefix("RESULT ") }) else {
        throw BenchError("largen child \(args) failed (status \(proc.terminationStatus))")
    }
    var r: [String: Double] = [:]
    for kv in line.dropFirst(7).split(separator: " ") {
        let parts = kv.split(separator: "=", maxSplits: 1)
        if parts.count == 2 { r[String(parts[0])] = Double(parts[1]) ?? .nan }
    }
    return r
}

func runLargeNBenchmark() throws {
    let env = ProcessInfo.processInfo.environment
    let ns = (env["VAESWEEP_BENCH_N"] ?? "1000,2000,4000,8000").split(separator: ",").compactMap { Int($0) }
    let gdMax = Int(env["VAESWEEP_BENCH_GD_MAX_N"] ?? "4000") ?? 4000
    let alpha = 4.0
    print("OpenBLAS threads \(BLAS.threads), core \(BLAS.coreName); α = 4, ρ = η = 1, one core; CPU seconds of each child process (the machine is shared)")
    print("published = Adam on raw X, s/step × 10⁴; exact = samples + top pair + minimiser (s per point), by the method")
    print("the cost model chooses (BL = block Lanczos, ev = dsyevr on the Gram matrix); BL = the block Lanczos path timed")
    print("(forced when ev was chosen); floor = samples + BL's passes over X, timed alone; gd = data set (samples + dsyrk")
    print("+ dsyevd) and per point with 8 (β, λ) pairs")
    print("     N  published    exact    pub/exact      BL    floor  BL/floor passes  gd data   gd/point  pub/gd   peak exact  peak gd    peak pub")
    for n in ns {
        let pub = try child(["published", "\(n)"])
        let ex = try child(["exact", "\(n)"])
        let chosenDense = ex["dense"] == 1
        let bl = chosenDense ? try child(["exact", "\(n)", "4", "1", "1", "0", "krylov"]) : ex
        let fl = try child(["floor", "\(n)", "4", "1", "1", "0", "\(Int(bl["products"]!) - 1)"])
        let published = pub["step"]! * 10_000
        let exact = ex["first"]!
        let floor = fl["gen"]! + fl["products"]!
        var gdData = Double.nan, gdPoint = Double.nan, gdPeak = Double.nan, mark = ""
        if n <= gdMax {
            let gd = try child(["gd", "\(n)"])
            gdData = gd["data"]!; gdPoint = gdData / 8 + gd["pair"]!; gdPeak = gd["peak"]!
        } else {
            gdData = DataSet.estimatedCost(alpha: alpha, n: n, solver: .gd, pairs: 0)
            gdPoint = DataSet.estimatedCost(alpha: alpha, n: n, solver: .gd, pairs: 8) / 8
            gdPeak = DataSet.estimatedPeakBytes(alpha: alpha, n: n, solver: .gd); mark = " est"
        }
        print(String(format: "%6d  %8.1f s %7.3f s %@ %6.0f×  %7.3f s %6.3f s %6.2f×  %5d  %7.2f s%@ %7.3f s%@ %6.0f×  %7.2f GB %7.2f GB%@ %7.2f GB",
                     n, published, exact, chosenDense ? "ev" : "BL", published / exact, bl["first"]!, floor, bl["first"]! / floor,
                     Int(bl["passes"]!), gdData, mark as NSString, gdPoint, mark as NSString, published / gdPoint,
                     ex["peak"]! / 1e9, gdPeak / 1e9, mark as NSString, pub["peak"]! / 1e9))
        print(String(format: "        BL: %d block products (predicted %.0f), samples %.3f s, eigen %.3f s (wall), r₁ = %.1e, θ bound %.1e; est. peak %.2f GB; floor: samples %.3f s + %d products %.3f s",
                     Int(bl["products"]!), bl["predicted"]!, bl["gen"]!, bl["eig"]!,
                     bl["r1"]!, bl["bound"]!, bl["estPeak"]! / 1e9, fl["gen"]!, Int(bl["products"]!) - 1, fl["products"]!))
    }
    // The cost model's choice between block Lanczos and dsyevr on the exact path, against both timed.
    print("exact-path method choice (CPU s per data set, mean of 3): N, α, block Lanczos, dsyevr, chosen, right")
    var right = 0, cases = 0
    for (n, a) in [(600, 4.0), (1000, 4.0), (1500, 4.0), (2000, 4.0), (1000, 0.5), (2000, 0.5), (400, 1.0), (1200, 1.0)] {
        let m = try child(["methods", "\(n)", "\(a)"])
        let k = m["block_lanczos"]!, d = m["dsyevr"]!, chosenK = m["krylovChosen"]! == 1
        let ok = chosenK == (k <= d) || abs(k - d) <= 0.15 * min(k, d)
        cases += 1; if ok { right += 1 }
        print(String(format: "  %5d %4.1f  %7.3f s  %7.3f s  %@  %@", n, a, k, d, chosenK ? "block Lanczos" : "dsyevr       ",
                     ok ? "yes" : "NO (slower by \(String(format: "%.0f", 100 * (max(k, d) / min(k, d) - 1))) %)"))
    }
    print("  the faster method (or one within 15 %) chosen in \(right) of \(cases) cases")
}
