import Foundation
import HDF5Kit
import ResultsFile
import Sweep
import TestSupport
import VAETheory
import XCTest

/// Never lose a file, round 3 (the hostile probe's 14 defects): each test reproduces one repro of
/// the issue and asserts what is required now. Numbers in the names follow the items.
final class SafetyRound3Tests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryDirectory("round3") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    static let small = "[grid]\nalpha = [2.0, 4.0]\nbeta = [1.0]\nlambda = [0.01]\nN = [30]\nseeds = 2\n"

    func write(_ text: String, _ name: String = "spec.toml") throws -> String {
        let p = dir.appendingPathComponent(name).path
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
    func bytes(_ p: String) -> Data? { FileManager.default.contents(atPath: p) }
    func python(_ script: String) throws {
        let r = try runProcess("/usr/bin/env", ["python3", "-c", script])
        XCTAssertEqual(r.status, 0, r.stderr)
    }
    /// A small complete results file.
    func results(_ name: String, _ spec: String = SafetyRound3Tests.small) throws -> String {
        let out = path(name)
        let r = try runVaesweep(["run", try write(spec, name + ".toml"), "--output", out, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    /// 1. `plot --out DIR` replaced a user's file and wrote PNG bytes through a planted link.
    func test1PlotNeverClobbersOrWritesThroughALink() throws {
        let r = try results("r.h5")
        let figs = path("figs")
        try FileManager.default.createDirectory(atPath: figs, withIntermediateDirectories: false)
        try Data("mine".utf8).write(to: URL(fileURLWithPath: figs + "/eps_g_vs_alpha.svg"))
        try Data("precious".utf8).write(to: URL(fileURLWithPath: path("precious.txt")))
        try FileManager.default.createSymbolicLink(atPath: figs + "/agreement.png", withDestinationPath: "../precious.txt")
        let refused = try runVaesweep(["plot", r, "--out", figs])
        assertOneLineRefusal(refused, mentioning: ["eps_g_vs_alpha.svg", "--overwrite"])
        XCTAssertEqual(bytes(figs + "/eps_g_vs_alpha.svg"), Data("mine".utf8))
        XCTAssertEqual(bytes(path("precious.txt")), Data("precious".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: figs).sorted(), ["agreement.png", "eps_g_vs_alpha.svg"],
                       "nothing written before the refusal")
        // the user's SVG moved away: the link alone still stops the plot
        try FileManager.default.removeItem(atPath: figs + "/eps_g_vs_alpha.svg")   // the test's own file
        let link = try runVaesweep(["plot", r, "--out", figs])
        assertOneLineRefusal(link, mentioning: ["agreement.png", "not a regular file"])
        // --overwrite: the link itself is replaced by a real PNG, its target untouched
        let o = try runVaesweep(["plot", r, "--out", figs, "--overwrite"])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertEqual(bytes(path("precious.txt")), Data("precious".utf8))
        if FigureWriterProbe.hasConverter {
            let attrs = try FileManager.default.attributesOfItem(atPath: figs + "/agreement.png")
            XCTAssertEqual(attrs[.type] as? FileAttributeType, .typeRegular)
            XCTAssertEqual(Array(bytes(figs + "/agreement.png")!.prefix(4)), [0x89, 0x50, 0x4e, 0x47])
        }
        // re-plotting the same results file replaces its own figures without --overwrite
        XCTAssertEqual(try runVaesweep(["plot", r, "--out", figs]).status, 0)
        // another results file's figures are not this one's
        let other = try results("other.h5")
        assertOneLineRefusal(try runVaesweep(["plot", other, "--out", figs]), mentioning: ["not a figure of"])
        // no temporary file is left behind
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: figs).allSatisfy { !$0.hasPrefix(".") })
        // 11c. --out naming a file: bad input, 2
        assertOneLineRefusal(try runVaesweep(["plot", r, "--out", r]), mentioning: ["not a directory"])
    }

    /// 2. A drain silently replaced an existing PATH.partial of another sweep.
    func test2APartialFileOfAnotherSweepIsNeverReplaced() throws {
        let out = path("o.h5")
        let a = try write("[grid]\nalpha = [0.5, 1.0, 2.0, 4.0]\nbeta = [1.0, 2.0]\nlambda = [0.01]\nN = [60, 80]\nseeds = 2\n", "a.toml")
        let p = try startVaesweep(["run", a, "--output", out, "--quiet"], environment: Held.environment(after: 2))
        Held.waitForRecords(out + ".journal", count: 2)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 3)
        let partialA = bytes(out + ".partial")
        XCTAssertNotNil(partialA)
        // as the tool advises to start over: move the journal away, then run a different sweep B
        try FileManager.default.moveItem(atPath: out + ".journal", toPath: path("a.journal"))
        let b = try write("[grid]\nalpha = [3.0]\nbeta = [1.0]\nlambda = [0.01]\nN = [40]\nseeds = 1\n", "b.toml")
        let r = try runVaesweep(["run", b, "--output", out], ranks: 2, environment: Held.environment(after: 0))
        assertOneLineRefusal(r, mentioning: [out + ".partial", "different sweep"])
        XCTAssertEqual(bytes(out + ".partial"), partialA, "A's finished points are still there")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".journal"), "nothing started")
        // the same sweep A may replace its own partial file
        let again = try runVaesweep(["run", a, "--output", out, "--quiet"])
        XCTAssertEqual(again.status, 0, again.stderr)
    }

    /// 3. A reused file replaced after the start-up checks slipped ρ = 2 theory into a ρ = 1 study.
    /// Now each reused file is read once, before anything starts, and its settings are checked on
    /// what was read: replacing it afterwards changes nothing.
    func test3AReusedFileIsReadOnceAndCheckedOnWhatWasRead() throws {
        let coarse = try results("coarse.h5")
        let rho2 = try results("rho2.h5", "[model]\nrho = 2.0\n" + Self.small)
        let grow = Self.small.replacingOccurrences(of: "beta = [1.0]", with: "beta = [1.0, 2.0]")
        let spec = try SweepSpec.parse(grow)
        var options = RunOptions(outputPath: path("g.h5"))
        options.reuse = [coarse]
        options.quiet = true
        let (plan, decision) = try SweepPlan.prepare(spec: spec, options: options, launchRankZero: true)
        XCTAssertEqual(decision, .run)
        // the swap of the repro, after the checks
        try FileManager.default.removeItem(atPath: coarse)
        try FileManager.default.copyItem(atPath: rho2, toPath: coarse)
        let computer = UnitComputer(grid: plan.grid)
        let code = try plan.coordinate(transport: InMemoryNetwork(size: 1).endpoint(0), host: "test", ranks: 1,
                                       compute: { computer.compute($0) }, interrupted: { false })
        plan.releaseLock()
        XCTAssertEqual(code, 0)
        let fresh = try results("fresh.h5", grow)
        let g = try ResultsData.read(path: path("g.h5")), f = try ResultsData.read(path: fresh)
        XCTAssertEqual(g.rho, 1)
        for q in Quantity.allCases {
            XCTAssertEqual(g[theory: q]!.map(\.bitPattern), f[theory: q]!.map(\.bitPattern), "theory_\(q): ρ = 1 numbers only")
        }
        XCTAssertEqual(try StudyFiles.intAttribute(path("g.h5"), "points_reused"), 2 + 4)
    }

    /// 5. Damaged results files were copied by --reuse and merge (a duplicated α, a deleted sim_m,
    /// unsorted or NaN coordinates, an ok point with a non-finite value). The reader refuses them.
    func test5DamagedFilesAreRefusedNamingTheDefect() throws {
        let good = try results("good.h5")
        let damages: [(String, String, String)] = [
            ("dup", "a = f['alpha'][:]; a[1] = a[0]; f['alpha'][:] = a", "repeats"),
            ("nosim", "del f['sim_m']", "sim_m"),
            ("unsorted", "a = f['alpha'][:]; f['alpha'][:] = a[::-1]", "ascending"),
            ("nan", "a = f['alpha'][:]; a[0] = np.nan; f['alpha'][:] = a", "non-finite"),
            ("inf", "v = f['sim_eps_g'][:]; v.flat[0] = np.inf; f['sim_eps_g'][:] = v", "sim_eps_g"),
            ("phase", "v = f['sim_phase'][:]; v.flat[0] = 7; f['sim_phase'][:] = v", "sim_phase"),
        ]
        let grow = try write(Self.small.replacingOccurrences(of: "beta = [1.0]", with: "beta = [1.0, 2.0]"), "grow.toml")
        for (name, edit, defect) in damages {
            let bad = path("\(name).h5")
            try FileManager.default.copyItem(atPath: good, toPath: bad)
            try python("import h5py, numpy as np\nwith h5py.File('\(bad)', 'r+') as f:\n    \(edit)")
            let out = path("out-\(name).h5")
            assertOneLineRefusal(try runVaesweep(["run", grow, "--output", out, "--reuse", bad]), mentioning: [bad, "damaged", defect])
            XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".journal"), "8. nothing started: no journal")
            assertOneLineRefusal(try runVaesweep(["merge", good, bad, "--output", path("m-\(name).h5")]), mentioning: [bad, defect])
            XCTAssertFalse(FileManager.default.fileExists(atPath: path("m-\(name).h5.lock")), "11a. a refused merge leaves no lock file")
        }
        // 8. a file that fails to load (a dataset of the wrong shape): refused before anything starts
        let shape = path("shape.h5")
        try FileManager.default.copyItem(atPath: good, toPath: shape)
        try python("import h5py, numpy as np\nwith h5py.File('\(shape)', 'r+') as f:\n    del f['sim_m']; f['sim_m'] = np.zeros(3)")
        assertOneLineRefusal(try runVaesweep(["run", grow, "--output", path("s.h5"), "--reuse", shape], ranks: 2), mentioning: [shape, "shape"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("s.h5.journal")))
        // and the next plain run is not told of an unfinished sweep
        XCTAssertEqual(try runVaesweep(["run", grow, "--output", path("s.h5"), "--quiet"]).status, 0)
    }

    /// 6. α·N < 0.5 trained at P = 1 under the nominal α. Now P < 2 is refused naming the point,
    /// and the file records P per (α, N).
    func test6TooFewSamplesAreRefusedAndPIsRecorded() throws {
        let tiny = try write("[grid]\nalpha = [0.001, 2.0]\nbeta = [1.0]\nlambda = [0.01]\nN = [2, 30]\nseeds = 1\n", "tiny.toml")
        let r = try runVaesweep(["run", tiny, "--output", path("t.h5")])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("0.001") && r.stderr.contains("N = 2") && r.stderr.contains("P = round(αN) = 0"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("t.h5")))
        let out = try results("p.h5", "[grid]\nalpha = [0.25, 2.0]\nbeta = [1.0]\nlambda = [0.01]\nN = [30, 50]\nseeds = 1\n")
        let f = try HDF5File.open(out)
        defer { try? f.close() }
        let p = try f.openDataset("P")
        XCTAssertEqual(p.shape, [2, 2])
        XCTAssertEqual(try p.read(Int64.self), [8, 13, 60, 100], "round(αN): 7.5 → 8, 12.5 → 13 (half away from zero)")
    }

    /// 7. λ = −0.0 was another point than 0.0 and merge wrote lam = [-0., 0.]. Every parameter is
    /// normalised to +0.0.
    func test7MinusZeroIsZero() throws {
        let s = try SweepSpec.parse("[model]\nrho = -0.0\n[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [-0.0, 1.0]\nN = [20]\nseeds = 1\n")
        XCTAssertEqual(s.lambda.map(\.bitPattern), [(0.0 as Double).bitPattern, (1.0 as Double).bitPattern])
        XCTAssertEqual(s.rho.bitPattern, (0.0 as Double).bitPattern)
        XCTAssertThrowsError(try SweepSpec.parse("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [-0.0, 0.0]\nN = [20]\nseeds = 1\n"))
        // a file whose λ coordinate was written as −0.0 (an older vaesweep) merges with one of +0.0
        let spec = "[grid]\nalpha = [2.0]\nbeta = [1.0]\nlambda = [0.0]\nN = [30]\nseeds = 1\n"
        let a = try results("a.h5", spec)
        let b = try results("b.h5", spec.replacingOccurrences(of: "seeds = 1", with: "seeds = [1]"))
        try python("import h5py, numpy as np\nwith h5py.File('\(a)', 'r+') as f:\n    f['lam'][:] = np.array([-0.0])")
        let m = path("m.h5")
        let r = try runVaesweep(["merge", a, b, "--output", m])
        XCTAssertEqual(r.status, 0, r.stderr)
        let d = try ResultsData.read(path: m)
        XCTAssertEqual(d.lam.map(\.bitPattern), [(0.0 as Double).bitPattern])
        XCTAssertEqual(d.seeds, [0, 1])
        XCTAssertEqual(d.status, [1, 1])
    }

    /// 9. A full disk during merge or validate --out: the error line, then SIGSEGV (139) in HDF5's
    /// close at exit. Now: one line, exit 1, nothing left behind.
    func test9AFullDiskFailsCleanly() throws {
        let big = try results("big.h5", "[grid]\nalpha = { start = 0.5, stop = 4.0, count = 30 }\nbeta = { start = 0.1, stop = 3.0, count = 30 }\nlambda = [0.01, 1.0]\n[simulation]\nrun = false\n")
        let mnt = path("small-fs")
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: false)
        let m = try runProcess("/usr/bin/env", ["mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", mnt])
        XCTAssertEqual(m.status, 0, "mounting a small tmpfs needs root: \(m.stderr)")
        guard m.status == 0 else { return }
        defer { _ = try? runProcess("/usr/bin/env", ["umount", mnt]) }
        for args in [["merge", big, "--output", mnt + "/m.h5"], ["validate", big, "--out", mnt + "/v.h5"]] {
            let r = try runVaesweep(args)
            XCTAssertEqual(r.status, 1, "\(args[0]): \(r.stderr)")
            XCTAssertEqual(r.stderr.split(separator: "\n").filter { $0.contains("vaesweep: error") }.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains("No space left"), r.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: mnt).filter { !$0.hasSuffix(".lock") }, [],
                       "no file, temporary or final, left on the full disk")
    }

    /// 10. Non-UTF-8 bytes in --output became U+FFFD (another file name). Now refused.
    func test10NonUTF8ArgumentsAreRefused() throws {
        let spec = try write(Self.small)
        let r = try runProcess("/bin/bash", ["-c", "cd \"$1\" && \"$0\" run \"$2\" --output $'out\\xff.h5'", vaesweepPath, dir.path, spec])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("not valid UTF-8"), r.stderr)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["spec.toml"])
    }

    /// 11. Unclear outcomes: a 252-character name, --out in a missing directory, an empty or garbage
    /// journal with --resume, a file held open for writing by h5py.
    func test11UnclearOutcomesAreClear() throws {
        let spec = try write(Self.small)
        // a name too long for PATH.journal: said so, not "cannot create files in DIR"
        let long = path(String(repeating: "x", count: 249) + ".h5")
        assertOneLineRefusal(try runVaesweep(["run", spec, "--output", long]), mentioning: ["255-byte limit"])
        // a long name that fits: its temporary names fit too
        let fits = path(String(repeating: "y", count: 240) + ".h5")
        XCTAssertEqual(try runVaesweep(["run", spec, "--output", fits, "--quiet"]).status, 0)
        // validate --out in a missing directory: 2, with or without --overwrite
        for extra in [[], ["--overwrite"]] {
            assertOneLineRefusal(try runVaesweep(["validate", fits, "--out", path("missing/dir/v.h5")] + extra), mentioning: ["does not exist"])
        }
        // an empty, then a garbage journal with --resume: 2 with advice
        let out = path("j.h5")
        for content in [Data(), Data("garbage\n".utf8)] {
            try content.write(to: URL(fileURLWithPath: out + ".journal"))
            assertOneLineRefusal(try runVaesweep(["run", spec, "--output", out, "--resume"]), mentioning: [out + ".journal", "move the journal away"])
        }
        // a reused file held open for writing by h5py (HDF5 file locking): not "not an HDF5 file"
        let held = try results("held.h5")
        let ready = path("ready")
        let holder = makeProcess("/usr/bin/env", ["python3", "-c",
            "import h5py, sys, time\nf = h5py.File('\(held)', 'r+')\nopen('\(ready)', 'w').write('ready')\nsys.stdin.read()"])
        let stdin = Pipe()
        holder.standardInput = stdin
        try holder.run()
        Held.waitForText(ready, "ready")
        let r = try runVaesweep(["run", spec, "--output", path("h.h5"), "--reuse", held])
        try? stdin.fileHandleForWriting.close()
        holder.waitUntilExit()
        assertOneLineRefusal(r, mentioning: [held, "held open for writing"])
        XCTAssertFalse(r.stderr.contains("not an HDF5 file"), r.stderr)
        // a diverged replay printed all-NaN observables labelled "overlearning" with exit 0
        let x = path("x.npy")
        try python("import numpy as np\nnp.random.seed(0)\nnp.save('\(x)', np.random.randn(40, 20) * 1e150)")
        let d = try runVaesweep(["simulate", "--data", x, "--beta", "1", "--lambda", "1", "--solver", "adam", "--steps", "50", "--json"])
        XCTAssertEqual(d.status, 1, d.stderr)
        XCTAssertTrue(d.stderr.contains("diverged"), d.stderr)
        XCTAssertFalse(d.stdout.contains("\"result\""), d.stdout)
    }

    /// 12. A log range gave 0.10000000000000002 for its start: both ends are now exactly as written.
    func test12RangeEndsAreExact() throws {
        for scale in ["log", "linear"] {
            let s = try SweepSpec.parse("[grid]\nalpha = { start = 0.1, stop = 10, count = 3, scale = \"\(scale)\" }\nbeta = { start = 0.1, stop = 0.7, count = 4 }\nlambda = [0.0]\n[simulation]\nrun = false\n")
            XCTAssertEqual(s.alpha.first!.bitPattern, (0.1 as Double).bitPattern, scale)
            XCTAssertEqual(s.alpha.last!.bitPattern, (10.0 as Double).bitPattern, scale)
            XCTAssertEqual(s.beta.first!.bitPattern, (0.1 as Double).bitPattern)
            XCTAssertEqual(s.beta.last!.bitPattern, (0.7 as Double).bitPattern)
        }
    }

    /// 13. merge turned failed points into "not run" (points_failed = 0), and a merged file equal
    /// to a.toml's sweep was refused by `run a.toml --output m.h5` as "a different sweep".
    func test13MergeKeepsFailuresAndEqualSweepsAreEqual() throws {
        let a = try write(Self.small, "a.toml")
        let failed = path("failed.h5")
        let r = try runVaesweep(["run", a, "--output", failed, "--quiet"], environment: ["VAESWEEP_TEST_HOOKS": "fail-alpha=2.0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let m = path("m.h5")
        XCTAssertEqual(try runVaesweep(["merge", failed, "--output", m]).status, 0)
        let d = try ResultsData.read(path: m)
        XCTAssertEqual(d.status, [2, 2, 1, 1], "failures stay failed")
        XCTAssertEqual(try StudyFiles.intAttribute(m, "points_failed"), 2)
        // an ok point beats a failed one of the same point in another input (no conflict)
        let ok = try results("ok.h5", Self.small)
        let m2 = path("m2.h5")
        XCTAssertEqual(try runVaesweep(["merge", failed, ok, "--output", m2]).status, 0)
        XCTAssertEqual(try ResultsData.read(path: m2).status, [1, 1, 1, 1])
        // the merged file of a.toml's sweep is that sweep: nothing to do
        let m3 = path("m3.h5")
        XCTAssertEqual(try runVaesweep(["merge", ok, "--output", m3]).status, 0)
        let same = try runVaesweep(["run", a, "--output", m3])
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertTrue(same.stderr.contains("nothing to do"), same.stderr)
    }
}

/// Whether PNGs are produced here (rsvg-convert installed).
enum FigureWriterProbe {
    static var hasConverter: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/rsvg-convert") }
    }
}
