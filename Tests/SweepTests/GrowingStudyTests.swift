import Foundation
import HDF5Kit
import ResultsFile
import Sweep
import VAETheory
import TestSupport
import XCTest

/// Growing a study without recomputation (MODEL.md §6): value-keyed points, `--reuse`, resume
/// after a spec change, `merge`, and the one results-file module (real writer, real reader).
final class GrowingStudyTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryDirectory("grow") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func spec(alpha: String = "[0.5, 2.0]", beta: String = "[0.5, 1.5]", lambda: String = "[0.01, 1.0]",
              N: String = "[30]", seeds: String = "2", extra: String = "") -> String {
        "[grid]\nalpha = \(alpha)\nbeta = \(beta)\nlambda = \(lambda)\nN = \(N)\nseeds = \(seeds)\n[simulation]\nseed = 7\n\(extra)"
    }

    func write(_ text: String, _ name: String) throws -> String {
        let p = dir.appendingPathComponent(name).path
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func run(_ args: [String], ranks: Int? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        try runVaesweep(args, ranks: ranks)
    }

    func assertSameData(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let va = try StudyFiles.variables(a), vb = try StudyFiles.variables(b)
        XCTAssertEqual(Set(va.keys), Set(vb.keys), file: file, line: line)
        for (k, v) in va { XCTAssertEqual(v, vb[k], "\(a) and \(b) differ in \(k)", file: file, line: line) }
    }

    /// Each way a study grows: run A, then B with --reuse A under mpirun; the result equals a
    /// fresh B in every variable but sim_seconds, and exactly |B| − |A ∩ B| points are computed
    /// (theory and simulation counted separately). Catches: streams keyed by grid positions
    /// (inserting an α changes later α's data), points copied into the wrong cell, reused points
    /// counted as computed or recomputed anyway.
    func testEveryExtensionEqualsAFreshRunAndComputesOnlyTheNewPoints() throws {
        let a = try write(spec(), "a.toml")
        let aOut = dir.appendingPathComponent("a.h5").path
        XCTAssertEqual(try run(["run", a, "--output", aOut, "--quiet"]).status, 0)
        // (name, B's spec, |A ∩ B| theory, |A ∩ B| sim, |B| theory, |B| sim)
        let cases: [(String, String, Int, Int, Int, Int)] = [
            ("alpha inserted", spec(alpha: "[0.5, 1.0, 2.0]"), 8, 16, 12, 24),
            ("replicates added", spec(seeds: "[0, 1, 5]"), 8, 16, 8, 24),
            ("N added below", spec(N: "[20, 30]"), 8, 16, 8, 32),
            ("beta and lambda added", spec(beta: "[0.5, 1.0, 1.5]", lambda: "[0.0, 0.01, 1.0]"), 8, 16, 18, 36),
        ]
        for (k, (name, text, tShared, sShared, tTotal, sTotal)) in cases.enumerated() {
            let b = try write(text, "b\(k).toml")
            let reused = dir.appendingPathComponent("b\(k)-reused.h5").path
            let fresh = dir.appendingPathComponent("b\(k)-fresh.h5").path
            let r = try run(["run", b, "--output", reused, "--reuse", aOut], ranks: k % 2 == 0 ? 2 : 3)
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("\(tTotal + sTotal - tShared - sShared) points computed, \(tShared + sShared) reused"),
                          "\(name): the last progress line counts them: \(r.stderr)")
            XCTAssertEqual(try run(["run", b, "--output", fresh, "--quiet"]).status, 0)
            try assertSameData(reused, fresh)
            XCTAssertEqual(try StudyFiles.intAttribute(reused, "points_computed_theory"), Int64(tTotal - tShared), name)
            XCTAssertEqual(try StudyFiles.intAttribute(reused, "points_computed_sim"), Int64(sTotal - sShared), name)
            XCTAssertEqual(try StudyFiles.intAttribute(reused, "points_reused"), Int64(tShared + sShared), name)
            XCTAssertEqual(try StudyFiles.intAttribute(reused, "points_computed"), Int64(tTotal + sTotal - tShared - sShared), name)
            XCTAssertEqual(try StudyFiles.intAttribute(fresh, "points_reused"), 0, name)
            XCTAssertTrue(try StudyFiles.stringAttribute(reused, "reused_from").hasPrefix(aOut + " (vaesweep "), name)
        }
    }

    /// The order a spec lists its values in means nothing: same file either way.
    func testSpecOrderDoesNotChangeTheNumbers() throws {
        let x = try write(spec(alpha: "[2.0, 0.5]", beta: "[1.5, 0.5]", N: "[40, 30]", seeds: "[1, 0]"), "x.toml")
        let y = try write(spec(alpha: "[0.5, 2.0]", beta: "[0.5, 1.5]", N: "[30, 40]", seeds: "2"), "y.toml")
        let xo = dir.appendingPathComponent("x.h5").path, yo = dir.appendingPathComponent("y.h5").path
        XCTAssertEqual(try run(["run", x, "--output", xo, "--quiet"]).status, 0)
        XCTAssertEqual(try run(["run", y, "--output", yo, "--quiet"]).status, 0)
        try assertSameData(xo, yo)
        // duplicates stay an error
        let dup = try write(spec(seeds: "[1, 1]"), "dup.toml")
        let r = try run(["run", dup, "--output", dir.appendingPathComponent("dup.h5").path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("grid.seeds") && r.stderr.contains("duplicate"), r.stderr)
    }

    /// A reused file whose result-determining settings differ is refused: exit 2, one line naming
    /// the file and the key, nothing written. Catches: mixing points of another root seed,
    /// solver or stream version into a study.
    func testReuseOfOtherSettingsIsRefused() throws {
        let a = try write(spec(), "a.toml")
        let aOut = dir.appendingPathComponent("a.h5").path
        XCTAssertEqual(try run(["run", a, "--output", aOut, "--quiet"]).status, 0)
        for (k, (extra, key)) in [("max_steps = 500\n", "max_steps"), ("solver = \"exact\"\n", "solver")].enumerated() {
            let b = try write(spec(extra: extra), "b\(k).toml")
            let out = dir.appendingPathComponent("b\(k).h5").path
            let r = try run(["run", b, "--output", out, "--reuse", aOut])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(aOut) && r.stderr.contains(key), r.stderr)
            for suffix in ["", ".journal", ".lock", ".partial"] {
                XCTAssertFalse(FileManager.default.fileExists(atPath: out + suffix), "created \(out + suffix)")
            }
        }
        let seed = try write(spec().replacingOccurrences(of: "seed = 7", with: "seed = 8"), "c.toml")
        let r = try run(["run", seed, "--output", dir.appendingPathComponent("c.h5").path, "--reuse", aOut])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("root_seed"), r.stderr)
        // A file from before value-keyed streams (no stream_version: version 1) is never mixed in.
        let old = dir.appendingPathComponent("old.h5").path
        try FileManager.default.copyItem(atPath: aOut, toPath: old)
        try deleteAttribute(old, "stream_version")
        let r2 = try run(["run", a, "--output", dir.appendingPathComponent("d.h5").path, "--reuse", old])
        XCTAssertEqual(r2.status, 2)
        XCTAssertTrue(r2.stderr.contains("stream_version"), r2.stderr)
    }

    /// Remove a root attribute (h5py), to make a file look older.
    func deleteAttribute(_ path: String, _ name: String) throws {
        let r = try runProcess("/usr/bin/env", ["python3", "-c", "import h5py\nwith h5py.File('\(path)', 'r+') as f: del f.attrs['\(name)']"])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// Resume after adding an α: the journal's points are kept, the rest computed, and the result
    /// equals a fresh run of the new spec. Catches: journal records keyed by grid positions
    /// (applied to the wrong points after the insertion) and a resume that recomputes everything.
    func testResumeAfterAddingAnAlpha() throws {
        let base = "[grid]\nalpha = [0.5, 2.0, 3.0, 4.0]\nbeta = [0.5, 1.0, 2.0]\nlambda = [0.01, 1.0]\nN = [300, 400]\nseeds = 3\n"
        let a = try write(base, "a.toml")
        let out = dir.appendingPathComponent("grow.h5").path
        let p = try startVaesweep(["run", a, "--output", out, "--quiet"], environment: Held.environment(after: 2))
        Held.waitForRecords(out + ".journal", count: 2)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 3)
        let b = try write(base.replacingOccurrences(of: "alpha = [0.5, 2.0,", with: "alpha = [0.5, 1.0, 2.0,"), "b.toml")
        let r = try run(["run", b, "--output", out, "--resume"], ranks: 2)
        XCTAssertEqual(r.status, 0, r.stderr)
        let resumedLine = r.stderr.split(separator: "\n").first { $0.contains("resuming: ") } ?? ""
        let kept = Int(resumedLine.split(separator: " ").first { $0.contains("/") }?.split(separator: "/").first ?? "") ?? 0
        XCTAssertGreaterThan(kept, 0, "journal points kept: \(r.stderr)")
        let fresh = dir.appendingPathComponent("fresh.h5").path
        XCTAssertEqual(try run(["run", b, "--output", fresh, "--quiet"]).status, 0)
        try assertSameData(out, fresh)
        XCTAssertEqual(try StudyFiles.intAttribute(out, "complete"), 1)
    }

    /// Merge: two disjoint halves equal the full run; a point present in two inputs with
    /// different values is refused naming the point and the variable; different settings refused.
    func testMergeOfHalvesEqualsTheFullRunAndConflictsAreDetected() throws {
        let full = try write(spec(alpha: "[0.5, 1.0, 2.0]"), "full.toml")
        let lo = try write(spec(alpha: "[0.5]"), "lo.toml"), hi = try write(spec(alpha: "[1.0, 2.0]"), "hi.toml")
        let fo = dir.appendingPathComponent("full.h5").path
        let lout = dir.appendingPathComponent("lo.h5").path, hout = dir.appendingPathComponent("hi.h5").path
        for (s, o) in [(full, fo), (lo, lout), (hi, hout)] {
            XCTAssertEqual(try run(["run", s, "--output", o, "--quiet"]).status, 0)
        }
        let merged = dir.appendingPathComponent("merged.h5").path
        let m = try run(["merge", hout, lout, "--output", merged])
        XCTAssertEqual(m.status, 0, m.stderr)
        try assertSameData(merged, fo)
        XCTAssertTrue(try StudyFiles.stringAttribute(merged, "merged_from").contains(lout))
        XCTAssertEqual(try StudyFiles.intAttribute(merged, "complete"), 1)
        // the merged file is a normal results file: `run` of its own spec finds nothing to do
        let specText = try StudyFiles.stringAttribute(merged, "spec")
        let again = try run(["run", try write(specText, "merged.toml"), "--output", merged])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("nothing to do"), again.stderr)

        // overlapping inputs that agree merge; a tampered copy conflicts
        let overlap = dir.appendingPathComponent("overlap.h5").path
        XCTAssertEqual(try run(["merge", fo, lout, "--output", overlap]).status, 0)
        let tampered = dir.appendingPathComponent("tampered.h5").path
        try FileManager.default.copyItem(atPath: lout, toPath: tampered)
        do {
            let f = try HDF5File.open(tampered, mode: .readWrite)
            let d = try f.openDataset("sim_eps_g")
            var v = try d.read(Double.self)
            v[3] += 1e-12
            try d.write(v)
        }
        let c = try run(["merge", fo, tampered, "--output", dir.appendingPathComponent("c.h5").path])
        XCTAssertEqual(c.status, 2, c.stderr)
        XCTAssertTrue(c.stderr.contains("sim_eps_g") && c.stderr.contains("alpha=0.5") && c.stderr.contains("seed=1"), c.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("c.h5").path))
        // inputs of different settings
        let other = try write(spec(alpha: "[4.0]", extra: "max_steps = 500\n"), "other.toml")
        let oo = dir.appendingPathComponent("other.h5").path
        XCTAssertEqual(try run(["run", other, "--output", oo, "--quiet"]).status, 0)
        let s = try run(["merge", fo, oo, "--output", dir.appendingPathComponent("s.h5").path])
        XCTAssertEqual(s.status, 2)
        XCTAssertTrue(s.stderr.contains("max_steps"), s.stderr)
    }

    /// --dry-run prints every coordinate with 17 significant digits: a list value 0.3 and a range
    /// value 0.30000000000000004 are different α (different data).
    func testDryRunShowsExactCoordinates() throws {
        let s = try write("[grid]\nalpha = { start = 0.1, stop = 0.5, count = 3 }\nbeta = [0.3]\nlambda = [1.0]\nN = [50]\nseeds = { start = 5, count = 3 }\n", "d.toml")
        let r = try run(["run", s, "--dry-run"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("alpha  (3): 0.10000000000000001, 0.30000000000000004, 0.5"), r.stdout)
        XCTAssertTrue(r.stdout.contains("beta   (1): 0.29999999999999999"), r.stdout)
        XCTAssertTrue(r.stdout.contains("seeds  (3): 5, 6, 7"), r.stdout)
        XCTAssertTrue(r.stdout.contains("memory estimate: rank 0"), r.stdout)
    }

    /// The results-file module: what the real writer writes, the real reader reads back, every
    /// variable and attribute. Catches a reader and a writer that spell the schema differently.
    func testWriterAndReaderAgree() throws {
        var d = ResultsData.empty(axes: StudyAxes(alpha: [0.5, 2], beta: [1], lam: [0.01, 1], N: [10, 20], seeds: [3]), rho: 2, eta: 0.5)
        var rng = TestRNG(state: 5)
        for q in Quantity.allCases {
            d[theory: q] = (0..<d.theoryCount).map { _ in rng.uniform() }
            d[sim: q] = (0..<d.simCount).map { _ in rng.uniform() }
        }
        d.simSteps = (0..<d.simCount).map { Int64($0 * 7) }
        d.simGradNorm = (0..<d.simCount).map { _ in rng.uniform() }
        d.simSeconds = (0..<d.simCount).map { _ in rng.uniform() }
        d.theoryPhase = [0, 1, 2, 1]; d.theoryMetastable = [0, 1, 0, -1]; d.theoryFlags = [0, 2, 4, 6]
        d.simPhase = (0..<d.simCount).map { Int8($0 % 3) }
        d.simFlags = (0..<d.simCount).map { UInt8($0 % 16) }
        d.status = (0..<d.simCount).map { Int8($0 % 3) }
        let settings = StudySettings(rho: 2, eta: 0.5, numericsVersion: 2,
                                     simulation: .init(spike: .gaussian, solver: .adam, tolerance: 1e-6, maxSteps: 10_000,
                                                       rootSeed: UInt64.max - 3, streamVersion: 2))
        d.attributes = RootAttributes(settings.attributes + [("spec_canonical", .string("x")), ("points_done", .int(9))])
        let path = dir.appendingPathComponent("rt.h5").path
        try ResultsWriter.write(d, to: path)
        XCTAssertThrowsError(try ResultsWriter.write(d, to: path), "never over an existing file")
        let r = try ResultsData.read(path: path)
        XCTAssertEqual(r.alpha, d.alpha); XCTAssertEqual(r.beta, d.beta); XCTAssertEqual(r.lam, d.lam)
        XCTAssertEqual(r.N, d.N); XCTAssertEqual(r.seeds, d.seeds)
        for q in Quantity.allCases {
            XCTAssertEqual(r[theory: q], d[theory: q], q.rawValue); XCTAssertEqual(r[sim: q], d[sim: q], q.rawValue)
        }
        XCTAssertEqual(r.simSteps, d.simSteps); XCTAssertEqual(r.simGradNorm, d.simGradNorm); XCTAssertEqual(r.simSeconds, d.simSeconds)
        XCTAssertEqual(r.theoryPhase, d.theoryPhase); XCTAssertEqual(r.theoryMetastable, d.theoryMetastable)
        XCTAssertEqual(r.theoryFlags, d.theoryFlags); XCTAssertEqual(r.simPhase, d.simPhase)
        XCTAssertEqual(r.simFlags, d.simFlags); XCTAssertEqual(r.status, d.status)
        XCTAssertEqual(r.attributes, d.attributes)
        XCTAssertEqual(try r.settings(), settings)
        XCTAssertEqual(try StudySettings(serialized: settings.serialized), settings)
    }
}
