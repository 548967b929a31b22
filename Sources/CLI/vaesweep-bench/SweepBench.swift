// Sweep benchmark: the machinery's own cost (per-point overhead on a theory-only grid, start-up
// of a 10⁶-point grid) and the parallel efficiency np = 2 vs np = 1 on a heterogeneous grid.
// End-to-end runs use the real `vaesweep run` (the sibling executable) under mpirun.
import Foundation
import ResultsFile
import Sweep
import TestSupport
import VAETheory

/// Run `vaesweep run` (under mpirun with `ranks`) and return the wall time in seconds.
func timeSweep(spec: String, ranks: Int, dir: URL, name: String? = nil, extra: [String] = []) throws -> Double {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("vaesweep").path
    let specURL = dir.appendingPathComponent("bench.toml")
    try spec.write(to: specURL, atomically: true, encoding: .utf8)
    let out = dir.appendingPathComponent(name ?? "bench-\(ranks).h5").path
    try? FileManager.default.removeItem(atPath: out)   // inside this benchmark's own temporary directory
    // the one MPI child environment (TestSupport): root allowed, one BLAS thread, no inherited OMPI_*
    let p = makeProcess("/usr/bin/mpirun", ["-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", exe, "run", specURL.path,
                                           "--output", out, "--quiet"] + extra)
    let t0 = Date()
    try p.run()
    p.waitUntilExit()
    let dt = Date().timeIntervalSince(t0)
    guard p.terminationStatus == 0 else { throw BenchError("vaesweep run failed (exit \(p.terminationStatus))") }
    return dt
}

func runSweepBenchmark() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vaesweep-bench-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }   // this benchmark's own temporary directory

    // 1. Start-up for a 10⁶-point grid: parse, grid, unit order, result store (what happens before
    //    the first unit is handed out).
    let big = """
    [grid]
    alpha = { start = 0.1, stop = 10.0, count = 100, scale = "log" }
    beta = { start = 0.1, stop = 3.0, count = 100 }
    lambda = { start = 0.0, stop = 1.0, count = 10 }
    N = [100, 200, 400, 800, 1600]
    seeds = 2
    """
    let t0 = Date()
    let spec = try SweepSpec.parse(big)
    let grid = try Grid(spec: spec)
    let store = ResultStore(grid: grid)
    let order = store.remainingWork()
    let startup = Date().timeIntervalSince(t0)
    print(String(format: "sweep: start-up of a %d-point grid (%d theory + %d simulated, %d work items): %.3f s (target <= 1 s)",
                 store.pointsTotal, grid.theoryPoints, grid.simulationPoints, order.count, startup))

    // 2. Per-point overhead: a theory-only sweep of 10⁵ points end to end (np = 1) against the
    //    same theory solved in a plain loop in this process.
    let theoryOnly = """
    [grid]
    alpha = { start = 0.01, stop = 100.0, count = 100, scale = "log" }
    beta = { start = 0.01, stop = 10.0, count = 100, scale = "log" }
    lambda = { start = 0.0, stop = 2.0, count = 10 }
    [simulation]
    run = false
    """
    let s2 = try SweepSpec.parse(theoryOnly)
    let t1 = Date()
    var checksum = 0.0
    for a in s2.alpha { for b in s2.beta { for l in s2.lambda {
        checksum += Theory.solve(try TheoryInput(alpha: a, beta: b, lambda: l, rho: s2.rho, eta: s2.eta)).observables.epsG
    } } }
    let loop = Date().timeIntervalSince(t1)
    let e2e = try timeSweep(spec: theoryOnly, ranks: 1, dir: dir, name: "theory.h5")
    let n = Double(s2.alpha.count * s2.beta.count * s2.lambda.count)
    print(String(format: "sweep: theory-only 1e5 points: plain loop %.3f s, vaesweep run (np=1, incl. MPI start, HDF5 write) %.3f s",
                 loop, e2e))
    print(String(format: "sweep: machinery overhead %.4f ms/point (target <= 1 ms/point)  [checksum %.6g]",
                 max(0, e2e - loop) / n * 1e3, checksum))

    // 2b. Growing a study: the same 1e5 points reused from that file instead of computed (the
    //     whole `vaesweep run --reuse`, and the in-process read + copy alone).
    let reused = try timeSweep(spec: theoryOnly, ranks: 1, dir: dir, name: "reused.h5",
                               extra: ["--reuse", dir.appendingPathComponent("theory.h5").path])
    let t2 = Date()
    let file = try ResultsData.read(path: dir.appendingPathComponent("theory.h5").path)
    let copyStore = ResultStore(grid: try Grid(spec: s2))
    let copied = copyStore.copy(from: file, theory: true, simulation: false)
    let copyTime = Date().timeIntervalSince(t2)
    print(String(format: "sweep: reuse of %d finished points: vaesweep run --reuse %.3f s end to end (read + copy alone %.3f s; target <= 2 s) vs computing them %.3f s",
                 copied.theory, reused, copyTime, e2e))

    // 3. Parallel efficiency on a heterogeneous grid (N mixed 250…1000; data sets from 0.01 s to
    //    0.6 s). Both timings include the fixed costs (MPI start-up, the HDF5 write).
    let hetero = """
    [grid]
    alpha = [0.5, 1.5, 3.0, 6.0]
    beta = [0.5, 1.0, 2.0, 3.0]
    lambda = [0.01, 1.0]
    N = [250, 500, 750, 1000]
    seeds = 5
    """
    let g3 = try Grid(spec: try SweepSpec.parse(hetero))
    let one = try timeSweep(spec: hetero, ranks: 1, dir: dir)
    let two = try timeSweep(spec: hetero, ranks: 2, dir: dir)
    print(String(format: "sweep: heterogeneous grid (%d data sets, N 250…1000, %d points): np=1 %.2f s, np=2 %.2f s",
                 g3.simulationUnits, g3.simulationPoints + g3.theoryPoints, one, two))
    print(String(format: "sweep: parallel efficiency np=2 vs np=1: %.1f %% (target >= 90 %%)", 100 * one / (2 * two)))
}

/// A benchmark that could not run.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
