import Foundation
import HDF5Kit
import ResultsFile
import Sweep
import TestSupport
import XCTest

/// The data model in a sweep (MODEL.md §6, §8): `[simulation] data = "bidiagonal"` gives points
/// that are a pure function of their parameters like every other sweep's (the same bits whatever
/// the rank count or the grid they sit in), N far beyond what explicit data allow, and points of
/// the two data models are never mixed by --reuse, merge or --resume.
final class DataModelSweepTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryDirectory("datamodel") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func spec(alpha: String = "[0.5, 2.0]", N: String = "[1000, 20000]", solver: String = "exact",
              data: String = "bidiagonal", seeds: String = "3") -> String {
        "[grid]\nalpha = \(alpha)\nbeta = [0.5, 3.0]\nlambda = [0.01, 1.0]\nN = \(N)\nseeds = \(seeds)\n"
            + "[simulation]\nsolver = \"\(solver)\"\ndata = \"\(data)\"\nseed = 3\n"
    }
    func write(_ text: String, _ name: String) throws -> String {
        let p = dir.appendingPathComponent(name).path
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
    func out(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// Rank count and grid: one rank, three ranks, and a larger grid (an α and an N inserted)
    /// give the same bits at the shared points; gd on the bidiagonal model likewise.
    func testBidiagonalPointsArePureFunctionsOfTheirParameters() throws {
        for (solver, ns, bigger) in [("exact", "[1000, 20000]", "[1000, 5000, 20000]"), ("gd", "[60, 200]", "[60, 100, 200]")] {
            let a = try write(spec(N: ns, solver: solver), "a-\(solver).toml")
            let one = out("one-\(solver).h5"), three = out("three-\(solver).h5")
            XCTAssertEqual(try runVaesweep(["run", a, "--output", one, "--quiet"]).status, 0)
            let r3 = try runVaesweep(["run", a, "--output", three, "--quiet"], ranks: 3)
            XCTAssertEqual(r3.status, 0, r3.stderr)
            let v1 = try StudyFiles.variables(one), v3 = try StudyFiles.variables(three)
            XCTAssertEqual(Set(v1.keys), Set(v3.keys))
            for (k, v) in v1 { XCTAssertEqual(v, v3[k], "\(solver): ranks 1 and 3 differ in \(k)") }
            XCTAssertEqual(try StudyFiles.stringAttribute(one, "data_model"), "bidiagonal")
            XCTAssertEqual(try StudyFiles.stringAttribute(one, "spike"), "irrelevant")

            let b = try write(spec(alpha: "[0.5, 1.0, 2.0]", N: bigger, solver: solver), "b-\(solver).toml")
            let big = out("big-\(solver).h5")
            XCTAssertEqual(try runVaesweep(["run", b, "--output", big, "--quiet"], ranks: 2).status, 0)
            let small = try ResultsData.read(path: one), large = try ResultsData.read(path: big)
            var compared = 0
            for i in 0..<small.simCount {
                let c = simCoordinates(small, i)
                let j = try XCTUnwrap(large.flatIndex(.simulation, coordinates: c))
                var x = small.simRecord(at: i), y = large.simRecord(at: j)
                x.seconds = 0; y.seconds = 0
                XCTAssertEqual(x, y, "\(solver): the point \(c) differs in the larger grid")
                compared += 1
            }
            XCTAssertEqual(compared, small.simCount)
            XCTAssertEqual(small.status?.allSatisfy { $0 == 1 }, true)
        }
    }

    func simCoordinates(_ d: ResultsData, _ i: Int) -> [Double] {
        let ns = d.N.count, ss = d.seeds.count, nl = d.lam.count, nb = d.beta.count
        let s = i % ss, n = (i / ss) % ns, t = i / (ss * ns)
        let l = t % nl, b = (t / nl) % nb, a = t / (nl * nb)
        return [d.alpha[a], d.beta[b], d.lam[l], Double(d.N[n]), Double(d.seeds[s])]
    }

    /// --reuse, merge and --resume refuse a mix of data models, naming `data_model`; Adam under the
    /// bidiagonal model and N beyond the explicit limit with explicit data are refused by the spec.
    func testDataModelsAreNeverMixed() throws {
        let bid = try write(spec(N: "[60]"), "bid.toml"), exp = try write(spec(N: "[60]", data: "explicit"), "exp.toml")
        let bOut = out("bid.h5"), eOut = out("exp.h5")
        XCTAssertEqual(try runVaesweep(["run", bid, "--output", bOut, "--quiet"]).status, 0)
        XCTAssertEqual(try runVaesweep(["run", exp, "--output", eOut, "--quiet"]).status, 0)
        // the same (α, β, λ, N, seed) in the two models: different numbers (the law, not one matrix)
        XCTAssertNotEqual(try StudyFiles.variables(bOut)["sim_eps_g"], try StudyFiles.variables(eOut)["sim_eps_g"])
        assertOneLineRefusal(try runVaesweep(["run", exp, "--output", out("r.h5"), "--reuse", bOut]), mentioning: [bOut, "data_model"])
        assertOneLineRefusal(try runVaesweep(["merge", bOut, eOut, "--output", out("m.h5")]), mentioning: ["data_model"])
        // resume: a journal of the bidiagonal sweep, a spec of the explicit one
        let held = out("held.h5")
        let p = try startVaesweep(["run", bid, "--output", held, "--quiet"], environment: Held.environment(after: 1))
        Held.waitForRecords(held + ".journal", count: 1)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 3)
        assertOneLineRefusal(try runVaesweep(["run", exp, "--output", held, "--resume"]), mentioning: ["data_model", held + ".journal"])
        // the spec: Adam needs explicit data; N = 10⁶ needs the bidiagonal model
        let adam = try write(spec(solver: "adam"), "adam.toml")
        let r = try runVaesweep(["run", adam, "--output", out("adam.h5")])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("simulation.solver") && r.stderr.contains("rotation-equivariant"), r.stderr)
        let huge = try write(spec(N: "[1000000]", data: "explicit"), "huge.toml")
        let h = try runVaesweep(["run", huge, "--output", out("huge.h5")])
        XCTAssertEqual(h.status, 2)
        XCTAssertTrue(h.stderr.contains("grid.N"), h.stderr)
        XCTAssertEqual(try runVaesweep(["run", try write(spec(N: "[1000000]", seeds: "1"), "million.toml"), "--dry-run"]).status, 0)
    }
}
