import Sweep
import TestSupport
import XCTest

/// Spec parsing and validation in-process, and the CLI's handling of bad specs.
final class SpecTests: XCTestCase {
    let good = """
    [model]
    rho = 1.5
    eta = 0.5
    spike = "gaussian"
    [grid]
    alpha = { start = 0.2, stop = 5.0, count = 3, scale = "log" }
    beta = [0.5, 1, 2.0]
    lambda = { start = 0.0, stop = 1.0, count = 3 }
    N = [100, 200]
    seeds = 2
    [simulation]
    solver = "exact"
    seed = 7
    tolerance = 1e-10
    max_steps = 500
    [output]
    path = "out.h5"
    """

    func testParsesEveryField() throws {
        let s = try SweepSpec.parse(good)
        XCTAssertEqual(s.rho, 1.5)
        XCTAssertEqual(s.eta, 0.5)
        XCTAssertEqual(s.spike, .gaussian)
        XCTAssertEqual(s.alpha.count, 3)
        XCTAssertEqual(s.alpha[0], 0.2)
        XCTAssertEqual(s.alpha[2], 5.0)
        XCTAssertEqual(s.alpha[1], (0.2 * 5.0).squareRoot(), accuracy: 1e-15, "log midpoint is the geometric mean")
        XCTAssertEqual(s.beta, [0.5, 1, 2])
        XCTAssertEqual(s.lambda, [0, 0.5, 1])
        XCTAssertEqual(s.N, [100, 200])
        XCTAssertEqual(s.seeds, 2)
        XCTAssertEqual(s.solver, .exact)
        XCTAssertEqual(s.rootSeed, 7)
        XCTAssertEqual(s.tolerance, 1e-10)
        XCTAssertEqual(s.maxSteps, 500)
        XCTAssertEqual(s.outputPath, "out.h5")
        // the canonical form ignores formatting and the output path
        let reformatted = good.replacingOccurrences(of: "beta = [0.5, 1, 2.0]", with: "beta   = [ 0.5, 1.0, 2 ] # same")
            .replacingOccurrences(of: "out.h5", with: "elsewhere.h5")
        XCTAssertEqual(try SweepSpec.parse(reformatted).canonical, s.canonical)
        XCTAssertNotEqual(try SweepSpec.parse(good.replacingOccurrences(of: "seed = 7", with: "seed = 8")).canonical, s.canonical)
    }

    func testTheoryOnlySpecNeedsNoNOrSeeds() throws {
        let s = try SweepSpec.parse("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\n[simulation]\nrun = false\n")
        XCTAssertFalse(s.simulate)
        XCTAssertEqual(try Grid(spec: s).simulationPoints, 0)
    }

    /// Each malformed spec: (TOML, the key the error must name).
    static let malformed: [(String, String)] = [
        ("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\nfoo = 1\n", "grid.foo"),
        ("[modle]\nrho = 1\n[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "modle"),
        ("[grid]\nalpha = \"1\"\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "grid.alpha"),
        ("[grid]\nalpha = []\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "grid.alpha"),
        ("[grid]\nalpha = [1.0, nan]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "grid.alpha[1]"),
        ("[grid]\nalpha = [1.0]\nbeta = [inf]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "grid.beta[0]"),
        ("[grid]\nalpha = [1.0]\nbeta = [1.0, 1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "grid.beta"),
        ("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [-1.0]\nN = [10]\nseeds = 1\n", "grid.lambda"),
        ("[grid]\nalpha = [1e7]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "grid.alpha"),
        ("[grid]\nalpha = { start = 0.1, stop = 1.0, count = 0 }\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "grid.alpha.count"),
        ("[grid]\nalpha = { start = 0.0, stop = 1.0, count = 3, scale = \"log\" }\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "grid.alpha"),
        ("[grid]\nalpha = [1.0]\nbeta = { start = 0.1, stop = 1.0, count = 3, scale = \"cubic\" }\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "grid.beta.scale"),
        ("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10.5]\nseeds = 1\n", "grid.N"),
        ("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nseeds = 1\n", "grid.N"),
        ("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 0\n", "grid.seeds"),
        ("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1.5\n", "grid.seeds"),
        ("[model]\neta = 0\n[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "model.eta"),
        ("[model]\nrho = -1\n[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "model.rho"),
        // The live bug of the one-record issue: values the theory refuses ran to a file of NaN theory.
        ("[model]\neta = 1e-7\n[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "model.eta"),
        ("[model]\neta = 1e-300\n[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "model.eta"),
        ("[model]\neta = 1e7\n[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "model.eta"),
        ("[model]\nrho = 2e6\n[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "model.rho"),
        ("[model]\nrho = 1e300\n[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n[simulation]\nrun = false\n", "model.rho"),
        ("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [200000]\nseeds = 1\n", "grid.N"),
        ("[model]\nspike = \"spiky\"\n[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n", "model.spike"),
        ("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n[simulation]\nsolver = \"sgd\"\n", "simulation.solver"),
        ("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n[simulation]\ntolerance = -1e-9\n", "simulation.tolerance"),
        ("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n[simulation]\nrun = \"yes\"\n", "simulation.run"),
        ("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [10]\nseeds = 1\n[simulation]\nmax_steps = 0\n", "simulation.max_steps"),
        ("[grid\nalpha = [1.0]\n", "TOML syntax error"),
        ("[model]\nrho = 1\n", "grid"),
    ]

    func testMalformedSpecsNameTheKey() {
        for (text, key) in SpecTests.malformed {
            XCTAssertThrowsError(try SweepSpec.parse(text), "accepted: \(text)") { e in
                XCTAssertTrue("\(e)".contains(key), "error '\(e)' should name \(key)")
            }
        }
    }

    func testCLIRejectsMalformedSpecsBeforeMPIWithoutCreatingOutput() throws {
        let dir = try temporaryDirectory("badspec")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (k, (text, key)) in SpecTests.malformed.enumerated() {
            let spec = dir.appendingPathComponent("bad\(k).toml")
            try text.write(to: spec, atomically: true, encoding: .utf8)
            let out = dir.appendingPathComponent("out\(k).h5").path
            let r = try runVaesweep(["run", spec.path, "--output", out])
            XCTAssertEqual(r.status, 2, "spec \(k): \(r.stderr)")
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "one line: \(r.stderr)")
            XCTAssertTrue(r.stderr.hasPrefix("vaesweep: error: ") && r.stderr.contains(key), r.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".journal"))
        }
        // a missing spec file and an output directory that does not exist
        let r1 = try runVaesweep(["run", dir.appendingPathComponent("nope.toml").path])
        XCTAssertEqual(r1.status, 2)
        XCTAssertTrue(r1.stderr.contains("nope.toml"), r1.stderr)
        let ok = dir.appendingPathComponent("ok.toml")
        try "[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [0.0]\n[simulation]\nrun = false\n".write(to: ok, atomically: true, encoding: .utf8)
        let r2 = try runVaesweep(["run", ok.path, "--output", "/nonexistent-\(UUID().uuidString)/x.h5"])
        XCTAssertEqual(r2.status, 2)
        XCTAssertTrue(r2.stderr.contains("--output") && r2.stderr.contains("does not exist"), r2.stderr)
    }

    func testGridIndexArithmeticAndWorkOrder() throws {
        // Values are stored ascending whatever the order given: α = [0.5, 1, 4], N = [100, 300].
        let s = try SweepSpec.parse("[grid]\nalpha = [0.5, 4.0, 1.0]\nbeta = [1.0, 2.0]\nlambda = [0.0, 0.1, 1.0]\nN = [300, 100]\nseeds = [7, 3]\n")
        XCTAssertEqual(s.alpha, [0.5, 1.0, 4.0])
        XCTAssertEqual(s.N, [100, 300])
        XCTAssertEqual(s.seedIDs, [3, 7])
        let g = try Grid(spec: s, theoryBlock: 5)
        XCTAssertEqual(g.theoryPoints, 18)
        XCTAssertEqual(g.simulationPoints, 72)
        XCTAssertEqual(g.simulationUnits, 12)
        for t in 0..<g.theoryPoints {
            let (a, b, l) = g.theoryCoordinates(t)
            XCTAssertEqual(g.theoryIndex(alpha: a, beta: b, lambda: l), t)
        }
        let work = ResultStore(grid: g).remainingWork()
        let sim = work.filter { $0.kind == .simulation }, theory = work.filter { $0.kind == .theory }
        XCTAssertEqual(Set(sim.map { $0.unit }), Set(0..<g.simulationUnits), "every data set exactly once")
        XCTAssertTrue(sim.allSatisfy { $0.indices == Array(0..<g.pairsPerUnit) }, "all pairs of a fresh data set")
        XCTAssertEqual(theory.map { $0.indices }, [Array(0..<5), Array(5..<10), Array(10..<15), Array(15..<18)])
        XCTAssertEqual(work.suffix(4).map { $0.kind }, [.theory, .theory, .theory, .theory], "theory blocks last")
        // most expensive first: α = 4, N = 300 (cost 1200·300² + 300³), both replicates
        XCTAssertEqual(sim.prefix(2).map { g.simulationUnit($0.unit).alpha }, [2, 2])
        XCTAssertEqual(sim.prefix(2).map { g.simulationUnit($0.unit).n }, [1, 1])
        let costs = sim.map { item -> Double in
            let (a, n, _) = g.simulationUnit(item.unit)
            return g.cost(alpha: a, n: n)
        }
        XCTAssertEqual(costs, costs.sorted(by: >))
        // Work items survive the trip through [Int] and are checked against the grid.
        for item in work { XCTAssertEqual(WorkItem(encoded: item.encoded, grid: g), item) }
        XCTAssertNil(WorkItem(encoded: [0, g.simulationUnits, 0], grid: g), "unit out of range")
        XCTAssertNil(WorkItem(encoded: [1, -1, g.theoryPoints], grid: g), "theory index out of range")
        XCTAssertNil(WorkItem(encoded: [2, 0, 0], grid: g), "unknown kind")
        let shares = g.costShareByN()
        XCTAssertEqual(shares.map { $0.share }.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertLessThan(shares[0].share, shares[1].share)
    }

    func testGridCountsNeverOverflow() throws {
        // 1e7 × 1e7 × 1e7 theory points: refused with a message, not an integer-overflow trap.
        let huge = "[grid]\nalpha = { start = 0.1, stop = 10.0, count = 10000000 }\nbeta = { start = 0.1, stop = 10.0, count = 10000000 }\nlambda = { start = 0.0, stop = 1.0, count = 10000000 }\n[simulation]\nrun = false\n"
        XCTAssertThrowsError(try Grid(spec: try SweepSpec.parse(huge))) { e in
            XCTAssertTrue("\(e)".contains("points"), "\(e)")
        }
    }

    func testJournalKeepsCompleteRecordsAndDropsATornTail() throws {
        let dir = try temporaryDirectory("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("j").path
        let j = try Journal.create(path: path, settings: "rho = 1.0", canonicalSpec: "a = 1\nb = 2")
        try j.append(kind: .simulation, values: [1.5, .nan, -0.0])
        try j.append(kind: .theory, values: [2.5])
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        // tear the last record in half, as a kill mid-write would
        try full.prefix(full.count - 5).write(to: URL(fileURLWithPath: path))
        let c = try Journal.read(path: path)
        XCTAssertEqual(c.canonicalSpec, "a = 1\nb = 2")
        XCTAssertEqual(c.settings, "rho = 1.0")
        // the header alone (what the pre-start check reads) agrees with the full read
        let h = try Journal.readHeader(path: path)
        XCTAssertEqual(h.settings, c.settings)
        XCTAssertEqual(h.canonicalSpec, c.canonicalSpec)
        XCTAssertEqual(c.records.count, 1)
        XCTAssertEqual(c.records[0].kind, .simulation)
        XCTAssertEqual(c.records[0].values.map { $0.bitPattern }, [1.5, .nan, -0.0].map { $0.bitPattern })
        XCTAssertNotNil(c.damage)
        // appending after reopening continues from the intact part
        let j2 = try Journal.reopen(path: path, validLength: c.validLength)
        try j2.append(kind: .theory, values: [4])
        XCTAssertEqual(try Journal.read(path: path).records.map { $0.values.map { $0.bitPattern } },
                       [[1.5, .nan, -0.0], [4]].map { $0.map { $0.bitPattern } })
        XCTAssertEqual(try Journal.read(path: path).records.map { $0.kind }, [.simulation, .theory])
        // A record with a valid checksum but values the schema rejects counts as damaged: it and
        // the intact records after it are dropped, and the count of those is reported.
        try j2.append(kind: .theory, values: [7])
        try j2.append(kind: .theory, values: [8])
        let v = try Journal.read(path: path) { $0.values != [7] }
        XCTAssertEqual(v.records.count, 2)
        XCTAssertEqual(v.droppedAfterDamage, 1)
        XCTAssertTrue(v.damage?.contains("outside the schema") ?? false, v.damage ?? "nil")
        // A journal of the previous format is named, not misread.
        let old = dir.appendingPathComponent("old").path
        try "VAESWEEP-JOURNAL 1\n0\n\n".write(toFile: old, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Journal.read(path: old)) { XCTAssertTrue("\($0)".contains("another version of vaesweep"), "\($0)") }
    }

    /// A record's bytes are exactly the layout of Journal.swift's header ("VAESWEEP-JOURNAL 3"):
    /// magic | kind | n | n × Float64 | FNV-1a of kind, n and the values, each little-endian,
    /// spelled out here byte by byte — the first append preceded by its clock record (kind 2, the
    /// time). Catches: a faster encoder that changes the format a journal written by an earlier
    /// build (or the SLURM test's Python reader) expects.
    func testAJournalRecordHasTheDocumentedBytes() throws {
        let dir = try temporaryDirectory("journal-bytes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("j").path
        let j = try Journal.create(path: path, settings: "s", canonicalSpec: "c")
        let header = try Data(contentsOf: URL(fileURLWithPath: path)).count
        let values = [1.5, -0.0, .nan, 1e300]
        let now = 1.7e9 + 0.25
        try j.append(kind: .theory, values: values, now: now)
        let record = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)).dropFirst(header))
        func le(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * UInt64($0))) & 0xFF) } }
        func encoded(kind: UInt64, _ xs: [Double]) -> [UInt8] {
            var r = le(0x4452_4F43_4552_4A56) + le(kind) + le(UInt64(xs.count))
            for x in xs { r += le(x.bitPattern) }
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in r[8...] { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
            return r + le(h)
        }
        let want = encoded(kind: 2, [now]) + encoded(kind: 1, values)
        XCTAssertEqual(record, want)
    }
}
