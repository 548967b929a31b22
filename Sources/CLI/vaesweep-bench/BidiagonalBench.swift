// `vaesweep-bench bidiagonal`: the bidiagonal model (MODEL.md §8) on one core, each measurement in
// its own child process (CPU seconds, peak RSS from getrusage): an exact data set (χ variables → T →
// top pair) + the exact minimiser at N = 8 000 … 10⁸ (α = 4), its parts (for the cost model), the
// explicit exact path at N = 8 000 in the same run for the ratio, and gd per (β, λ) pair at N = 10⁵.
// Environment: VAESWEEP_BENCH_BIDIAG_N (comma list, default 8000,1000000,10000000,100000000).
import Foundation
import VAESimulation

/// Peak resident set size of this process in bytes (getrusage; ru_maxrss is in KiB on Linux).
private func peakRSS() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_maxrss) * 1024
}

/// Child: one bidiagonal measurement, printed as `RESULT key=value ...`.
func runBidiagonalChild(_ args: [String]) throws {
    let kind = args[0], n = Int(args[1])!, alpha = args.count > 2 ? Double(args[2])! : 4
    let key = DataKey(rootSeed: 1, replicate: args.count > 3 ? Int(args[3])! : 0)
    var out: [String: String] = [:]
    func f(_ x: Double) -> String { String(format: "%.6g", x) }
    switch kind {
    case "exact":
        let c0 = cpuSeconds()
        let data = try DataSet.build(alpha: alpha, n: n, key: key, solver: .exact, dataModel: .bidiagonal)
        let c1 = cpuSeconds()
        _ = try Trainer.train(data, beta: largeNPairs[0].beta, lambda: largeNPairs[0].lambda, options: TrainingOptions(solver: .exact))
        let c2 = cpuSeconds()
        let rs = try Trainer.train(data, pairs: largeNPairs, options: TrainingOptions(solver: .exact))
        let c3 = cpuSeconds()
        let top = data as! TopPairSpectrum, info = top.tridiagonal!
        out["data"] = f(c1 - c0); out["first"] = f(c2 - c0); out["pair"] = f((c3 - c2) / Double(rs.count))
        out["m"] = "\(info.leadingBlock)"; out["s"] = "\(info.dimension)"; out["attempts"] = "\(info.attempts)"
        out["passes"] = "\(info.fullPasses)"; out["bound"] = f(info.overlapErrorBound)
        out["ell1"] = String(format: "%.9f", top.ell1); out["theta"] = String(format: "%.9f", top.theta)
        out["estCost"] = f(DataSet.estimatedCost(alpha: alpha, n: n, solver: .exact, pairs: 1, dataModel: .bidiagonal))
        out["estPeak"] = f(DataSet.estimatedPeakBytes(alpha: alpha, n: n, solver: .exact, dataModel: .bidiagonal))
    case "parts":
        let c0 = cpuSeconds()
        let t = try DataSet.tridiagonal(alpha: alpha, n: n, key: key)
        let c1 = cpuSeconds()
        let r = t.matrix.topPair()
        let c2 = cpuSeconds()
        let count = t.matrix.countAbove(r.values[0])
        let c3 = cpuSeconds()
        out["chiT"] = f(c1 - c0); out["perVariable"] = f((c1 - c0) / Double(2 * t.matrix.dimension - 1))
        out["top"] = f(c2 - c1); out["m"] = "\(r.info.leadingBlock)"
        out["pass"] = f(c3 - c2); out["perElement"] = f((c3 - c2) / Double(t.matrix.dimension)); out["sink"] = "\(count)"
    case "gd":
        let c0 = cpuSeconds()
        let data = try DataSet.build(alpha: alpha, n: n, key: key, solver: .gd, dataModel: .bidiagonal)
        let c1 = cpuSeconds()
        let rs = try Trainer.train(data, pairs: largeNPairs, options: TrainingOptions(solver: .gd))
        let c2 = cpuSeconds()
        let ex = try Trainer.train(data, pairs: largeNPairs, options: TrainingOptions(solver: .exact))
        var worst = 0.0
        for (g, e) in zip(rs, ex) {
            for (a, b) in zip(g.observables.values, e.observables.values) { worst = max(worst, abs(a - b)) }
        }
        let steps = rs.map { Double($0.steps) }
        out["data"] = f(c1 - c0); out["pair"] = f((c2 - c1) / Double(rs.count))
        out["steps"] = f(steps.reduce(0, +) / Double(steps.count)); out["maxSteps"] = f(steps.max()!)
        out["perStepN"] = f((c2 - c1) / steps.reduce(0, +) / Double(n))
        out["converged"] = "\(rs.filter { $0.converged }.count)"; out["worst"] = f(worst)
        out["estPair"] = f((DataSet.estimatedCost(alpha: alpha, n: n, solver: .gd, pairs: 8, dataModel: .bidiagonal)
                            - DataSet.estimatedCost(alpha: alpha, n: n, solver: .gd, pairs: 0, dataModel: .bidiagonal)) / 8)
        out["estPeak"] = f(DataSet.estimatedPeakBytes(alpha: alpha, n: n, solver: .gd, dataModel: .bidiagonal))
    default:
        throw BenchError("bidiagonal-child: unknown kind \(kind)")
    }
    out["peak"] = f(peakRSS())
    print("RESULT " + out.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
}

func runBidiagonalBenchmark() throws {
    let env = ProcessInfo.processInfo.environment
    let ns = (env["VAESWEEP_BENCH_BIDIAG_N"] ?? "8000,1000000,10000000,100000000").split(separator: ",").compactMap { Int($0) }
    print("bidiagonal model (MODEL.md §8), α = 4, ρ = η = 1, one core; CPU seconds of each child process, peak RSS (getrusage)")
    print("exact data set = χ variables + T + top pair (+ the first exact pair: 'first'); est = the cost model")
    print("         N    data s   first s  pair s     χ+T s  top s   pass s  ns/χ   block m   peak      est s    est peak")
    var firstAt: [Int: Double] = [:]
    for n in ns {
        let r = try child(["exact", "\(n)"], childKind: "bidiagonal-child")
        let q = try child(["parts", "\(n)"], childKind: "bidiagonal-child")
        firstAt[n] = r["first"]!
        print(String(format: "%10d  %7.3f  %7.3f  %7.1e  %7.3f  %6.3f  %6.3f  %5.1f  %7d  %6.2f GB  %7.3f  %6.2f GB",
                     n, r["data"]!, r["first"]!, r["pair"]!, q["chiT"]!, q["top"]!, q["pass"]!, q["perVariable"]! * 1e9,
                     Int(r["m"]!), r["peak"]! / 1e9, r["estCost"]!, r["estPeak"]! / 1e9))
        print(String(format: "            ℓ̂₁ = %.9f, θ̂ = %.9f, θ bound %.1e, %d attempt(s), %d Sturm pass(es) over T (s = %d)",
                     r["ell1"]!, r["theta"]!, r["bound"]!, Int(r["attempts"]!), Int(r["passes"]!), Int(r["s"]!)))
    }
    // Other α at N = 10⁶ (the cost model's spread).
    for a in [0.25, 1.0, 16.0] {
        let r = try child(["exact", "1000000", "\(a)"], childKind: "bidiagonal-child")
        print(String(format: "  α = %5.2f, N = 10⁶: data %.3f s, block %d of %d, peak %.2f GB (est %.3f s, %.2f GB)", a, r["data"]!,
                     Int(r["m"]!), Int(r["s"]!), r["peak"]! / 1e9, r["estCost"]!, r["estPeak"]! / 1e9))
    }
    // The explicit exact path at N = 8 000 (samples + top pair by block Lanczos / dsyevr + first pair), same run.
    let ex = try child(["exact", "8000"])
    let explicitFirst = ex["first"]!
    print(String(format: "explicit exact path at N = 8000 (α = 4): %.3f s, peak %.2f GB", explicitFirst, ex["peak"]! / 1e9))
    for n in ns.sorted() {
        guard let b = firstAt[n] else { continue }
        print(String(format: "  ratio explicit exact (N = 8000) / bidiagonal exact (N = %d): %.1f×", n, explicitFirst / b))
    }
    // gd per (β, λ) pair at N = 10⁵ (8 pairs, L-BFGS in T's coordinates).
    let g = try child(["gd", "100000"], childKind: "bidiagonal-child")
    print(String(format: "gd at N = 10⁵ (α = 4, 8 pairs): data %.3f s; %.3f s per (β, λ) pair (est %.3f s), mean steps %.0f (max %.0f), %.1f ns per step per N; converged %d/8; max |gd − exact| %.1e; peak %.2f GB (est %.2f GB)",
                 g["data"]!, g["pair"]!, g["estPair"]!, g["steps"]!, g["maxSteps"]!, g["perStepN"]! * 1e9, Int(g["converged"]!), g["worst"]!,
                 g["peak"]! / 1e9, g["estPeak"]! / 1e9))
}
