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
        XCTAssertEqual(Grid(spec: s).simulationPoints, 0)
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
        XCTAssertTrue(r2.stderr.contains("output.path") && r2.stderr.contains("does not exist"), r2.stderr)
    }

    func testGridIndexArithmeticAndUnitOrder() throws {
        let s = try SweepSpec.parse("[grid]\nalpha = [0.5, 4.0, 1.0]\nbeta = [1.0, 2.0]\nlambda = [0.0, 0.1, 1.0]\nN = [300, 100]\nseeds = 2\n")
        let g = Grid(spec: s, theoryBlock: 5)
        XCTAssertEqual(g.theoryPoints, 18)
        XCTAssertEqual(g.simulationPoints, 72)
        XCTAssertEqual(g.simulationUnits, 12)
        XCTAssertEqual(g.theoryUnits, 4)
        for t in 0..<g.theoryPoints {
            let (a, b, l) = g.theoryCoordinates(t)
            XCTAssertEqual(g.theoryIndex(alpha: a, beta: b, lambda: l), t)
        }
        let order = g.unitOrder()
        XCTAssertEqual(Set(order), Set(0..<g.unitCount), "every unit exactly once")
        // most expensive first: α = 4, N = 300 (cost 1200·300² + 300³), both replicates
        XCTAssertEqual(order.prefix(2).map { g.simulationUnit($0).alpha }, [1, 1])
        XCTAssertEqual(order.prefix(2).map { g.simulationUnit($0).n }, [0, 0])
        let costs = order.prefix(g.simulationUnits).map { u -> Double in
            let (a, n, _) = g.simulationUnit(u)
            return g.cost(alpha: a, n: n)
        }
        XCTAssertEqual(costs, costs.sorted(by: >))
        XCTAssertEqual(Array(order.suffix(4)), [12, 13, 14, 15], "theory blocks last")
        XCTAssertEqual(g.theoryRange(3), 15..<18)
        let shares = g.costShareByN()
        XCTAssertEqual(shares.map { $0.share }.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertGreaterThan(shares[0].share, shares[1].share)
    }

    func testJournalKeepsCompleteRecordsAndDropsATornTail() throws {
        let dir = try temporaryDirectory("journal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("j").path
        let j = try Journal.create(path: path, canonicalSpec: "a = 1\nb = 2")
        try j.append(unit: 3, payload: [1.5, .nan, -0.0])
        try j.append(unit: 0, payload: [2.5])
        let full = try Data(contentsOf: URL(fileURLWithPath: path))
        // tear the last record in half, as a kill mid-write would
        try full.prefix(full.count - 5).write(to: URL(fileURLWithPath: path))
        let (spec, records, valid) = try Journal.read(path: path)
        XCTAssertEqual(spec, "a = 1\nb = 2")
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records[0].unit, 3)
        XCTAssertEqual(records[0].payload.map { $0.bitPattern }, [1.5, .nan, -0.0].map { $0.bitPattern })
        // appending after reopening continues from the intact part
        let j2 = try Journal.reopen(path: path, validLength: valid)
        try j2.append(unit: 1, payload: [4])
        XCTAssertEqual(try Journal.read(path: path).records.map { $0.unit }, [3, 1])
    }
}
