// Scale benchmark (`vaesweep-bench scale`): the real coordinator (`Coordinator.run`, store and
// journal included) at 16 … 4 096 virtual ranks (`VirtualNetwork`), items taking the seconds the
// cost model predicts (and again with the cost model's measured error as noise), on the default
// sweep and on a large one; then the results file's write time for 10⁷ points.
//
// Columns: makespan (virtual seconds until every rank is stopped); bound = max(Σ item seconds /
// ranks, largest item); efficiency = bound / makespan; tail = mean over ranks of the idle time
// between a rank's last item and the end; busy = Σ busy / (ranks × makespan) (the run's
// load_balance); rank 0 = the coordinator's measured CPU time per item handed out and in all as a
// share of the makespan. Environment: VAESWEEP_SCALE_RANKS (comma-separated rank counts),
// VAESWEEP_SCALE_SWEEPS (default,large), VAESWEEP_SCALE_NOISE=0 (skip the noisy runs),
// VAESWEEP_SCALE_WRITE=0 (skip the write measurement).
import Foundation
import ResultsFile
import Sweep
import VAESimulation
import VAETheory

/// A sweep of the scale benchmark.
struct ScaleSweep {
    let name: String
    let spec: String
}

/// The default sweep (cluster/specs/default.toml's grid) and the large one: 12 500 α × 8 N
/// (250 … 8 000) = 10⁵ data sets, 10 β × 8 λ = 80 pairs each, 10⁶ theory points. (A grid's
/// theory points are α × β × λ and its data sets α × N × seeds, so 10⁵ data sets and 10⁶ theory
/// points need 10⁶ / 12 500 = 80 pairs per data set, not 8: the heavier case for rank 0, whose
/// work per result grows with the pairs.)
let scaleSweeps: [ScaleSweep] = [
    ScaleSweep(name: "default", spec: """
        [model]
        rho = 1.0
        eta = 1.0
        spike = "ones"
        [grid]
        alpha  = [0.25, 0.5, 2.0, 4.0, 8.0, 16.0]
        beta   = [0.25, 0.5, 1.0, 1.5, 2.0, 3.0]
        lambda = [0.01, 1.0]
        N      = [250, 500, 1000]
        seeds  = 5
        [simulation]
        solver = "gd"
        seed = 1
        """),
    ScaleSweep(name: "large", spec: """
        [grid]
        alpha  = { start = 0.25, stop = 16.0, count = 12500, scale = "log" }
        beta   = { start = 0.25, stop = 3.0, count = 10 }
        lambda = { start = 0.0, stop = 1.0, count = 8 }
        N      = [250, 410, 670, 1100, 1800, 2980, 4880, 8000]
        seeds  = 1
        [simulation]
        solver = "exact"
        seed = 1
        """),
]

/// Seconds of one theory point (mean over a sample of the large grid's points, this machine).
func measuredTheorySeconds(_ spec: SweepSpec) throws -> Double {
    var times: [Double] = []
    let nA = spec.alpha.count
    for k in 0..<400 {
        let a = spec.alpha[(k * 7919) % nA], b = spec.beta[k % spec.beta.count], l = spec.lambda[(k / 3) % spec.lambda.count]
        let input = try TheoryInput(alpha: a, beta: b, lambda: l, rho: spec.rho, eta: spec.eta)
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<10 { _ = Theory.solve(input) }
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-10)
    }
    return times.reduce(0, +) / Double(times.count)
}

/// The cost model's error on this machine: log(measured / predicted) of real data sets of the
/// default grid (N = 250, 500; every α; replicate 0), as (mean, standard deviation).
func measuredCostNoise(_ grid: Grid) -> (mean: Double, sigma: Double, items: Int) {
    let computer = UnitComputer(grid: grid)
    var logs: [Double] = []
    for a in 0..<grid.nAlpha { for n in 0..<min(2, grid.nN) {
        let item = WorkItem(kind: .simulation, unit: grid.unitIndex(alpha: a, n: n, seed: 0), indices: Array(0..<grid.pairsPerUnit))
        let t0 = DispatchTime.now().uptimeNanoseconds
        _ = computer.compute(item)
        let s = Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
        logs.append(log(s / grid.cost(alpha: a, n: n)))
    } }
    let m = logs.reduce(0, +) / Double(logs.count)
    let v = logs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(1, logs.count - 1))
    return (m, v.squareRoot(), logs.count)
}

/// A deterministic standard normal per (item, salt) (Box–Muller on a 64-bit mix of the item).
func itemNormal(_ item: WorkItem, salt: UInt64) -> Double {
    func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    let key = mix(UInt64(bitPattern: Int64(item.unit)) ^ mix(UInt64(item.kind.rawValue) ^ mix(UInt64(item.indices.first ?? 0) ^ salt)))
    let u1 = (Double(key >> 11) + 0.5) / Double(1 << 53), u2 = (Double(mix(key) >> 11) + 0.5) / Double(1 << 53)
    return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
}

/// One row of the table.
struct ScaleRow {
    var sweep: String, ranks: Int, items: Int
    var makespan: Double, bound: Double, tail: Double, busy: Double
    var rank0PerItem: Double, rank0Share: Double, simulationWall: Double
    var efficiency: Double { bound / makespan }
}

/// Run `grid`'s whole sweep through the real coordinator at `ranks` virtual ranks.
func virtualRun(name: String, grid: Grid, ranks: Int, seconds: @escaping (WorkItem) -> Double, dir: URL) throws -> ScaleRow {
    let computer = UnitComputer(grid: grid)
    let theoryRecord = computer.theoryRecords([0])[0].encoded()
    let simRecord = SimulationRecord(values: QuantityValues(values: (0..<Quantity.count).map { 0.25 + Double($0) / 64 }),
                                     phase: .learning, steps: 500, gradNorm: 1e-10, seconds: 0.5, status: .ok, flags: []).encoded()
    func payload(_ item: WorkItem) -> [Double] {
        let r = item.kind == .theory ? theoryRecord : simRecord
        var out: [Double] = []
        out.reserveCapacity(r.count * item.points)
        for _ in 0..<item.points { out += r }
        return out
    }
    let store = ResultStore(grid: grid)
    let work = grid.handOutOrder(store.remainingWork(), ranks: ranks)   // as `vaesweep run` hands it out
    let journalPath = dir.appendingPathComponent("\(name)-\(ranks).journal").path
    let journal = try Journal.create(path: journalPath, settings: grid.spec.settings.serialized, canonicalSpec: grid.spec.canonical)
    defer { unlink(journalPath) }   // in this benchmark's own temporary directory
    let net = VirtualNetwork(size: ranks, model: VirtualNetwork.Model(seconds: seconds, payload: payload))
    var c = Coordinator(transport: net, store: store, journal: journal, host: "rank0", compute: { _ in [] }, interrupted: { false })
    c.runtime = net
    let t0 = Date()
    let outcome = try c.run(work: work)
    let wall = Date().timeIntervalSince(t0)
    let st = net.statistics
    guard outcome.complete, st.stoppedAt.dropFirst().allSatisfy({ $0 != nil }) else {
        throw BenchError("virtual run of \(name) at \(ranks) ranks did not complete")
    }
    let makespan = net.virtualTime
    let bound = max(st.itemSeconds / Double(ranks), st.largestItem)
    let tail = st.lastEnd.map { makespan - $0 }.reduce(0, +) / Double(ranks)
    let rank0 = st.coordinatorSeconds + st.messageSeconds
    return ScaleRow(sweep: name, ranks: ranks, items: work.count, makespan: makespan, bound: bound, tail: tail,
                    busy: st.busy.reduce(0, +) / (Double(ranks) * makespan),
                    rank0PerItem: st.coordinatorSeconds / Double(max(1, work.count)), rank0Share: rank0 / makespan,
                    simulationWall: wall)
}

func printScaleTable(_ rows: [ScaleRow], tag: String) {
    print("scale: \(tag)")
    print("scale:   sweep           ranks   items     makespan        bound   effic.      tail   busy  rank0/item  rank0 share  (sim wall)")
    for r in rows {
        print(String(format: "scale:   %@ %6d %7d %@ %@ %7.1f%% %@ %5.1f%% %8.1f us %10.3f%%  (%.1f s)",
                     pad(r.sweep, 14, left: false), r.ranks, r.items, pad(secondsText(r.makespan), 12), pad(secondsText(r.bound), 12),
                     100 * r.efficiency, pad(secondsText(r.tail), 9), 100 * r.busy, r.rank0PerItem * 1e6, 100 * r.rank0Share,
                     r.simulationWall))
    }
}

func pad(_ s: String, _ n: Int, left: Bool = true) -> String {
    let p = String(repeating: " ", count: max(0, n - s.count))
    return left ? p + s : s + p
}

func secondsText(_ s: Double) -> String {
    s >= 1e4 ? String(format: "%.0f s", s) : (s >= 10 ? String(format: "%.1f s", s) : String(format: "%.3f s", s))
}

func runScaleBenchmark() throws {
    let env = ProcessInfo.processInfo.environment
    let rankCounts = (env["VAESWEEP_SCALE_RANKS"] ?? "16,64,256,1024,4096").split(separator: ",").compactMap { Int($0) }
    let wanted = Set((env["VAESWEEP_SCALE_SWEEPS"] ?? "default,large").split(separator: ",").map(String.init))
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vaesweep-scale-\(getpid())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }   // this benchmark's own temporary directory

    let grids = try scaleSweeps.filter { wanted.contains($0.name) }.map { ($0.name, try Grid(spec: try SweepSpec.parse($0.spec))) }
    guard let large = try? SweepSpec.parse(scaleSweeps[1].spec) else { throw BenchError("large spec") }
    let theorySeconds = try measuredTheorySeconds(large)
    print(String(format: "scale: theory point %.1f us (mean of 400 points of the large grid, measured here); a theory block of 4096 points %.3f s",
                 theorySeconds * 1e6, theorySeconds * 4096))
    for (name, g) in grids {
        var total = 0.0, largest = 0.0
        for u in 0..<g.simulationUnits { let (a, n, _) = g.simulationUnit(u); let c = g.cost(alpha: a, n: n); total += c; largest = max(largest, c) }
        print(String(format: "scale: %@: %d data sets × %d pairs, %d theory points; Σ cost %@ (largest data set %@, smallest item %@)",
                     name, g.simulationUnits, g.pairsPerUnit, g.theoryPoints, secondsText(total + Double(g.theoryPoints) * theorySeconds),
                     secondsText(largest), secondsText(min(theorySeconds * Double(min(g.theoryBlock, g.theoryPoints)),
                                                          (0..<g.nAlpha).flatMap { a in (0..<g.nN).map { g.cost(alpha: a, n: $0) } }.min() ?? 0))))
    }
    /// The cost model's seconds for data sets, the measured ones for theory points.
    func modelSeconds(_ g: Grid) -> (WorkItem) -> Double {
        { $0.kind == .simulation ? g.estimatedSeconds($0) : Double($0.points) * theorySeconds }
    }
    var rows: [ScaleRow] = []
    for (name, g) in grids {
        for r in rankCounts { rows.append(try virtualRun(name: name, grid: g, ranks: r, seconds: modelSeconds(g), dir: dir)) }
    }
    printScaleTable(rows, tag: "items take the cost model's seconds")
    for r in rows { print("scale: \(r.sweep) ranks=\(r.ranks) efficiency=\(String(format: "%.1f", 100 * r.efficiency))%") }

    if env["VAESWEEP_SCALE_NOISE"] != "0", let def = grids.first(where: { $0.0 == "default" })?.1 ?? (try? Grid(spec: try SweepSpec.parse(scaleSweeps[0].spec))) {
        let noise = measuredCostNoise(def)
        print(String(format: "scale: cost model error measured on %d data sets of the default grid: log(measured/predicted) mean %+.2f, sd %.2f",
                     noise.items, noise.mean, noise.sigma))
        var noisy: [ScaleRow] = []
        for (name, g) in grids {
            let base = modelSeconds(g)
            let seconds: (WorkItem) -> Double = { base($0) * exp(noise.sigma * itemNormal($0, salt: 1)) }
            for r in rankCounts { noisy.append(try virtualRun(name: name + "+noise", grid: g, ranks: r, seconds: seconds, dir: dir)) }
        }
        printScaleTable(noisy, tag: String(format: "items take the cost model's seconds × exp(%.2f·Z) (Z standard normal per item; the order stays the model's)", noise.sigma))
        for r in noisy { print("scale: \(r.sweep) ranks=\(r.ranks) efficiency=\(String(format: "%.1f", 100 * r.efficiency))%") }
    }

    if env["VAESWEEP_SCALE_WRITE"] != "0" {
        let w = try measureWrite(simulated: 10_000_000, dir: dir)
        let rate = Double(w.points) / w.seconds
        print(String(format: "scale: results file write at rank 0: %d points (%.2f GB on disk) in %.1f s = %.3g points/s (temporary file, fsync, rename)",
                     w.points, Double(w.bytes) / 1e9, w.seconds, rate))
        var typical = [("an hour's sweep", 3600.0), ("a day's sweep", 86400.0)]
        if let r = rows.first(where: { $0.sweep == "large" && $0.ranks == 1024 }) {
            typical.insert(("the large sweep at 1024 ranks", r.makespan), at: 0)
        }
        for (what, s) in typical {
            print(String(format: "scale: within 10%% of %@ (%.0f s): up to %.2g points in one file", what, s, 0.1 * s * rate))
        }
    }
}

/// The results file's write at rank 0 (the one O(total points) step of a run): a grid of
/// `simulated` simulated points (100 α × 25 β × 4 λ = 10⁴ theory points, N × seeds making up the
/// rest), every point filled with pseudo-random values (as incompressible as real results), written
/// the way `vaesweep run` writes it (`SafeFile.writeResults`: temporary file, fsync, rename).
/// Returns (seconds, bytes, points).
func measureWrite(simulated: Int, dir: URL) throws -> (seconds: Double, bytes: Int, points: Int) {
    let nA = 100, nB = 25, nL = 4, nN = 10
    let seeds = max(1, simulated / (nA * nB * nL * nN))
    let axes = StudyAxes(alpha: (0..<nA).map { 0.1 * pow(100, Double($0) / Double(nA - 1)) }, beta: (0..<nB).map { 0.1 + Double($0) / 8 },
                         lam: (0..<nL).map { Double($0) / 4 }, N: (0..<nN).map { 100 * ($0 + 1) }, seeds: Array(0..<seeds))
    var d = ResultsData.empty(axes: axes, rho: 1, eta: 1)
    var x: UInt64 = 0x2545_F491_4F6C_DD1D
    func next() -> Double {   // xorshift64*, uniform in (0, 1)
        x ^= x >> 12; x ^= x << 25; x ^= x >> 27
        return (Double((x &* 0x2545_F491_4F6C_DD1D) >> 11) + 0.5) / Double(1 << 53)
    }
    for i in 0..<axes.simCount {
        d.setSim(SimulationRecord(values: QuantityValues(values: (0..<Quantity.count).map { _ in next() }), phase: .learning,
                                  steps: 100 + Int(next() * 2000), gradNorm: next() * 1e-8, seconds: next(), status: .ok, flags: []), at: i)
    }
    for t in 0..<axes.theoryCount {
        d.setTheory(TheoryRecord(values: QuantityValues(values: (0..<Quantity.count).map { _ in next() }), phase: .learning,
                                 metastable: false, flags: []), at: t)
    }
    d.attributes = RootAttributes([(RootKey.rho, .double(1)), (RootKey.eta, .double(1)), (RootKey.pointsDone, .int(Int64(axes.simCount + axes.theoryCount)))])
    let path = dir.appendingPathComponent("write-\(axes.simCount).h5").path
    let t0 = Date()
    try SafeFile.writeResults(d, to: path)
    let seconds = Date().timeIntervalSince(t0)
    let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    unlink(path)   // the file this benchmark just wrote in its own temporary directory
    return (seconds, bytes, axes.simCount + axes.theoryCount)
}
