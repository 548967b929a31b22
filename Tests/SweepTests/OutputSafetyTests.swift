import Foundation
import HDF5Kit
import Sweep
import TestSupport
import XCTest

/// Never lose or clobber a file (issue: output-path safety). Each test reproduces what the first
/// release did (deleted a directory, wrote through a planted symlink, let two runs share an
/// output, silently replaced a results file, trapped on a huge grid, died on Ctrl-C, crashed on a
/// journal record with a NaN phase) and asserts the refusal or drain now required.
final class OutputSafetyTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryDirectory("safety") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    static let small = "[grid]\nalpha = [2.0]\nbeta = [1.0]\nlambda = [0.01]\nN = [30]\nseeds = 1\n"
    /// Tens of seconds of work on two ranks: still running while a second run tries the output.
    static let heavy = "[grid]\nalpha = [0.5, 1.0, 2.0, 3.0, 4.0, 6.0]\nbeta = [0.5, 1.0, 2.0]\nlambda = [0.01, 1.0]\nN = [700, 900]\nseeds = 4\n"
    /// A few seconds of work: long enough to interrupt or to overlap with a second run.
    static let slow = "[grid]\nalpha = [0.5, 1.0, 2.0, 3.0, 4.0]\nbeta = [0.5, 1.0, 2.0]\nlambda = [0.01, 1.0]\nN = [300, 500]\nseeds = 3\n"

    func write(_ text: String, _ name: String = "spec.toml") throws -> String {
        let p = dir.appendingPathComponent(name).path
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }

    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func bytes(_ p: String) -> Data? { FileManager.default.contents(atPath: p) }

    /// 1. `--output DIR` deleted the directory recursively; `--output target/` deleted it too.
    func testAnOutputDirectoryIsRefusedAndUntouched() throws {
        let spec = try write(Self.small)
        let outdir = path("outdir")
        try FileManager.default.createDirectory(atPath: outdir, withIntermediateDirectories: false)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: outdir + "/notes.txt"))
        for target in [outdir, outdir + "/"] {
            let r = try runVaesweep(["run", spec, "--output", target], ranks: 2)
            assertOneLineRefusal(r, mentioning: [outdir])
            XCTAssertEqual(bytes(outdir + "/notes.txt"), Data("keep me".utf8))
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outdir), ["notes.txt"])
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["outdir", "spec.toml"])
    }

    /// 2. A planted symlink at the old temporary name (`st.h5.tmp`, `st.h5.partial.tmp`) made the
    /// run overwrite its target. Temporary files are now fresh exclusive names: the victim stays
    /// byte-identical and the stale names are left alone. An output that is itself a symlink is
    /// refused.
    func testPlantedSymlinksAreNeverWrittenThrough() throws {
        let victim = path("victim.txt")
        try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
        let out = path("st.h5")
        for stale in [out + ".tmp", out + ".partial.tmp"] {
            try FileManager.default.createSymbolicLink(atPath: stale, withDestinationPath: victim)
        }
        let r = try runVaesweep(["run", try write(Self.small), "--output", out, "--quiet"], ranks: 2)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(bytes(victim), Data("precious".utf8))
        XCTAssertNotNil(try? HDF5File.open(out), "a real results file")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: out + ".tmp"), victim, "stale name left alone")
        // the same on a drain, which writes PATH.partial
        let out2 = path("st2.h5")
        try FileManager.default.createSymbolicLink(atPath: out2 + ".partial.tmp", withDestinationPath: victim)
        try FileManager.default.createSymbolicLink(atPath: out2 + ".tmp", withDestinationPath: victim)
        let p = try startVaesweep(["run", try write(Self.slow, "slow.toml"), "--output", out2, "--quiet"],
                                  environment: Held.environment(after: 1))
        Held.waitForRecords(out2 + ".journal", count: 1)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 3)
        XCTAssertEqual(bytes(victim), Data("precious".utf8))
        XCTAssertNotNil(try? HDF5File.open(out2 + ".partial"))
        // an output path that is a symlink
        let link = path("link.h5")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: victim)
        assertOneLineRefusal(try runVaesweep(["run", try write(Self.small), "--output", link]), mentioning: [link, "symbolic link"])
        XCTAssertEqual(bytes(victim), Data("precious".utf8))
    }

    /// 3. Two runs on one output (with HDF5's own file locking off, as the sbatch script sets it)
    /// ended with neither the result nor the journal on disk. Now the second exits 2 at once
    /// naming the path and the holder, also with --resume (what the batch script adds), and the
    /// first completes.
    func testASecondRunOnTheSameOutputIsRefused() throws {
        let spec = try write(Self.heavy)
        let out = path("shared.h5")
        let env = ["HDF5_USE_FILE_LOCKING": "FALSE"]
        // the first run is held after one item while `release` exists: still running during both attempts
        let release = path("release")
        FileManager.default.createFile(atPath: release, contents: nil)
        let first = try startVaesweep(["run", spec, "--output", out, "--quiet"], ranks: 2,
                                      environment: env.merging(Held.environment(after: 1, while: release)) { $1 })
        Held.waitForRecords(out + ".journal", count: 1)
        for extra in [[], ["--resume"]] {
            let t0 = Date()
            let second = try runVaesweep(["run", spec, "--output", out] + extra, ranks: 2, environment: env)
            XCTAssertEqual(second.status, 2, second.stderr)
            XCTAssertTrue(second.stderr.contains(out) && second.stderr.contains("in use"), second.stderr)
            XCTAssertTrue(second.stderr.contains("host ") && second.stderr.contains("pid "), second.stderr)
            XCTAssertLessThan(Date().timeIntervalSince(t0), 20, "refused at once, not after computing")
        }
        XCTAssertTrue(first.isRunning, "the first run was still running during both attempts")
        try FileManager.default.removeItem(atPath: release)   // the test's own hold file
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        XCTAssertNotNil(try? HDF5File.open(out))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".journal"))
        // the lock is released when its holder ends: a third run just finds nothing to do
        let third = try runVaesweep(["run", spec, "--output", out])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(third.stderr.contains("nothing to do"), third.stderr)
    }

    /// 4. An existing results file of a different spec was silently replaced. Now: refused; the
    /// same sweep complete → nothing to do (no computation, file untouched); --overwrite replaces.
    func testAnExistingResultsFileIsNeverSilentlyReplaced() throws {
        let a = try write(Self.small, "a.toml")
        let b = try write(Self.small.replacingOccurrences(of: "beta = [1.0]", with: "beta = [1.0, 2.0]"), "b.toml")
        let out = path("r.h5")
        XCTAssertEqual(try runVaesweep(["run", a, "--output", out, "--quiet"]).status, 0)
        let original = bytes(out)
        let r = try runVaesweep(["run", b, "--output", out], ranks: 2)
        assertOneLineRefusal(r, mentioning: [out, "holds a different sweep", "--reuse", "--overwrite"])
        XCTAssertEqual(bytes(out), original)
        let same = try runVaesweep(["run", a, "--output", out])
        XCTAssertEqual(same.status, 0)
        XCTAssertTrue(same.stderr.contains("nothing to do"), same.stderr)
        XCTAssertEqual(bytes(out), original, "not rewritten")
        // the same spec computed by an older vaesweep (other streams): not this sweep, refused
        let older = path("older.h5")
        try FileManager.default.copyItem(atPath: out, toPath: older)
        let downgrade = try runProcess("/usr/bin/env", ["python3", "-c",
            "import h5py, numpy as np\nwith h5py.File('\(older)', 'r+') as f: f.attrs['stream_version'] = np.int64(f.attrs['stream_version'] - 1)"])
        XCTAssertEqual(downgrade.status, 0, downgrade.stderr)
        let olderBytes = bytes(older)
        assertOneLineRefusal(try runVaesweep(["run", a, "--output", older]), mentioning: [older, "stream_version", "--overwrite"])
        XCTAssertEqual(bytes(older), olderBytes, "the older file is untouched")
        // a file that is not a results file at all
        let notes = path("notes.h5")
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: notes))
        assertOneLineRefusal(try runVaesweep(["run", a, "--output", notes]), mentioning: [notes, "not"])
        XCTAssertEqual(bytes(notes), Data("not hdf5".utf8))
        // --overwrite replaces (through a temporary file and a rename)
        let o = try runVaesweep(["run", b, "--output", out, "--overwrite", "--quiet"])
        XCTAssertEqual(o.status, 0, o.stderr)
        XCTAssertEqual(try StudyFiles.intAttribute(out, "points_total"), 2 + 2)
        // and --reuse of the file itself extends it in place
        let c = try write(Self.small.replacingOccurrences(of: "beta = [1.0]", with: "beta = [1.0, 2.0, 3.0]"), "c.toml")
        let e = try runVaesweep(["run", c, "--output", out, "--reuse", out])
        XCTAssertEqual(e.status, 0, e.stderr)
        XCTAssertEqual(try StudyFiles.intAttribute(out, "points_reused"), 4)
    }

    /// 5. Huge grids: an integer-overflow trap (even --dry-run), an 800 GB allocation abort, a
    /// 12.8 GB data set abort. Now: counts that never overflow, and a memory estimate checked
    /// before starting (exit 2 with the estimate and the limit), printed by --dry-run.
    func testHugeGridsAreRefusedBeforeStarting() throws {
        let overflow = try write("[grid]\nalpha = { start = 0.1, stop = 10.0, count = 10000000 }\nbeta = { start = 0.1, stop = 10.0, count = 10000000 }\nlambda = { start = 0.0, stop = 1.0, count = 10000000 }\nN = [100]\nseeds = 1\n", "o.toml")
        for extra in [["--dry-run"], []] {
            let r = try runVaesweep(["run", overflow, "--output", path("o.h5")] + extra)
            assertOneLineRefusal(r, mentioning: ["points"])
        }
        let big = try write("[grid]\nalpha = { start = 0.1, stop = 10.0, count = 100000 }\nbeta = { start = 0.1, stop = 10.0, count = 1000 }\nlambda = { start = 0.0, stop = 1.0, count = 1000 }\n[simulation]\nrun = false\n", "big.toml")
        let dry = try runVaesweep(["run", big, "--dry-run"])
        XCTAssertEqual(dry.status, 0, dry.stderr)
        XCTAssertTrue(dry.stdout.contains("memory estimate: rank 0"), dry.stdout)
        assertOneLineRefusal(try runVaesweep(["run", big, "--output", path("big.h5")]), mentioning: ["GiB", "available", "--force"])
        let wide = try write("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [1.0]\nN = [40000]\nseeds = 1\n", "wide.toml")
        assertOneLineRefusal(try runVaesweep(["run", wide, "--output", path("wide.h5")], ranks: 2), mentioning: ["GiB", "available"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".h5") || $0.contains(".h5.") }, [])
    }

    /// 6. Ctrl-C killed a run at once (exit 130, work lost). Now SIGINT drains like SIGTERM
    /// (partial file + journal, exit 3), and the resumed run completes.
    func testCtrlCDrainsAndResumes() throws {
        let spec = try write(Self.slow)
        let out = path("int.h5")
        let p = try startVaesweep(["run", spec, "--output", out, "--quiet"], environment: Held.environment(after: 1))
        Held.waitForRecords(out + ".journal", count: 1)
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 3)
        XCTAssertNotNil(try? HDF5File.open(out + ".partial"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".journal"))
        // A second Ctrl-C aborts at once (130), leaving the journal for --resume.
        // (held from the start: the second Ctrl-C lands while the run is still there; its handlers
        // are installed before it logs "resuming")
        let log = path("resume.log")
        let q = try startVaesweep(["run", spec, "--output", out, "--resume"], environment: Held.environment(after: 0), stderrTo: log)
        Held.waitForText(log, "resuming")
        kill(q.processIdentifier, SIGINT)
        Held.waitForText(log, "drain requested")   // the first was handled; the second is a second one
        kill(q.processIdentifier, SIGINT)
        q.waitUntilExit()
        XCTAssertTrue([130, 3].contains(q.terminationStatus), "\(q.terminationStatus)")
        let r = try runVaesweep(["run", spec, "--output", out, "--resume", "--quiet"], ranks: 2)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(try StudyFiles.intAttribute(out, "complete"), 1)
    }

    /// 6b. Under mpirun: SIGUSR1 to mpirun is forwarded, the ranks drain and mpirun exits 3 (the
    /// documented code); SIGTERM to mpirun also drains (partial file and journal written) but
    /// Open MPI's mpirun then reports its own 1 — as the README says.
    func testDrainUnderMpirun() throws {
        let spec = try write(Self.slow)
        for (sig, expected) in [(SIGUSR1, Int32(3)), (SIGTERM, Int32(1))] {
            let out = path("mpi-\(sig).h5")
            let p = try startVaesweep(["run", spec, "--output", out, "--quiet"], ranks: 2, environment: Held.environment(after: 1))
            Held.waitForRecords(out + ".journal", count: 1)
            kill(p.processIdentifier, sig)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, expected, "signal \(sig)")
            XCTAssertNotNil(try? HDF5File.open(out + ".partial"), "signal \(sig): partial file written")
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".journal"))
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        }
    }

    /// 7a. A journal record with a valid checksum but a NaN where a phase code belongs crashed
    /// rank 0 ("Double value cannot be converted to Int8"). Now it counts as damaged: it and the
    /// intact records after it are dropped (and counted), their points computed again.
    func testAJournalRecordWithImpossibleValuesIsTreatedAsDamaged() throws {
        let spec = try write(Self.slow)
        let out = path("j.h5")
        let full = path("full.h5")
        XCTAssertEqual(try runVaesweep(["run", spec, "--output", full, "--quiet"]).status, 0)
        let p = try startVaesweep(["run", spec, "--output", out, "--quiet"], environment: Held.environment(after: 3))
        Held.waitForRecords(out + ".journal", count: 3)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        // Rewrite the first record's first phase as NaN and fix its checksum, as a bug might.
        let c = try Journal.read(path: out + ".journal")
        XCTAssertGreaterThanOrEqual(c.records.count, 2)
        var records = c.records.map { (kind: $0.kind, values: $0.values) }
        let phaseAt = (records[0].kind == .theory ? 3 : 5) + 11   // coordinates, 11 observables, phase
        records[0].values[phaseAt] = .nan
        try FileManager.default.moveItem(atPath: out + ".journal", toPath: path("old.journal"))
        let j = try Journal.create(path: out + ".journal", settings: c.settings, canonicalSpec: c.canonicalSpec)
        for r in records { try j.append(kind: r.kind, values: r.values) }
        let r = try runVaesweep(["run", spec, "--output", out, "--resume"], ranks: 2)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("outside the schema") && r.stderr.contains("\(records.count - 1) intact record(s) after it"), r.stderr)
        for (k, v) in try StudyFiles.variables(full) { XCTAssertEqual(v, try StudyFiles.variables(out)[k], k) }
    }

    /// 7b. `/proc/x.h5` passed the pre-start check and failed later (exit 1): the check now really
    /// creates a file there. An unwritable directory is named.
    func testAnUnwritableOutputDirectoryIsCaughtBeforeStarting() throws {
        let spec = try write(Self.small)
        assertOneLineRefusal(try runVaesweep(["run", spec, "--output", "/proc/x.h5"], ranks: 2), mentioning: ["/proc", "cannot create"])
    }

    /// 7c. A full disk: the journal's ENOSPC error named no file. Now it names the journal, the run
    /// fails (exit 1) and no file carries the final name. A 64 KiB tmpfs stands in for the full
    /// file system (the tests run as root, as CI does).
    func testAFullDiskIsReportedWithTheJournalsName() throws {
        let mnt = path("small-fs")
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: false)
        let m = try runProcess("/usr/bin/env", ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt])
        XCTAssertEqual(m.status, 0, "mounting a small tmpfs needs root: \(m.stderr)")
        guard m.status == 0 else { return }
        defer { _ = try? runProcess("/usr/bin/env", ["umount", mnt]) }
        let spec = try write("[grid]\nalpha = { start = 0.5, stop = 4.0, count = 100 }\nbeta = { start = 0.1, stop = 3.0, count = 100 }\nlambda = [0.01]\n[simulation]\nrun = false\n")
        let out = mnt + "/full.h5"
        let r = try runVaesweep(["run", spec, "--output", out, "--quiet"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains(out + ".journal") && r.stderr.contains("No space left"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no file with the final name")
    }
}
