import HDF5Kit
import Sweep
import VAESimulation
import TestSupport
import XCTest

/// `vaesweep run` for real: under mpirun with 1 and 3 ranks, read back with HDF5Kit and h5dump,
/// checked against the `theory` and `simulate` subcommands (independent code paths for one point),
/// interrupted and resumed, and opened by xarray.
final class SweepRunTests: XCTestCase {
    static let spec = """
    [model]
    rho = 1.0
    eta = 1.0
    [grid]
    alpha = [2.0, 0.5, 8.0]
    beta = [0.5, 1.5, 3.0]
    lambda = [0.01, 1.0]
    N = [60, 30]
    seeds = 2
    [simulation]
    seed = 11
    """
    static let quantities = ["m", "d", "Q", "E", "R", "D", "eps_g", "rate_train", "rate_test", "dist_train", "dist_test"]

    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryDirectory("sweep") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func writeSpec(_ text: String, _ name: String = "spec.toml") throws -> String {
        let url = dir.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Every data variable (all but the wall-clock diagnostic) as raw bit patterns.
    func dataVariables(_ path: String) throws -> [String: [UInt64]] {
        let f = try HDF5File.open(path)
        var out: [String: [UInt64]] = [:]
        for name in try f.memberNames() where name != "sim_seconds" {
            let d = try f.openDataset(name)
            out[name] = try d.read(Double.self).map { $0.bitPattern }
        }
        return out
    }

    func testRanksAgreeAndMatchTheTheoryAndSimulateCommands() throws {
        let spec = try writeSpec(Self.spec)
        let one = dir.appendingPathComponent("np1.h5").path, three = dir.appendingPathComponent("np3.h5").path
        let r1 = try runVaesweep(["run", spec, "--output", one, "--quiet"], ranks: 1)
        XCTAssertEqual(r1.status, 0, r1.stderr)
        let r3 = try runVaesweep(["run", spec, "--output", three, "--quiet"], ranks: 3)
        XCTAssertEqual(r3.status, 0, r3.stderr)
        for p in [one, three] {
            for suffix in [".tmp", ".partial", ".journal"] {
                XCTAssertFalse(FileManager.default.fileExists(atPath: p + suffix), "left behind: \(p + suffix)")
            }
        }
        let v1 = try dataVariables(one), v3 = try dataVariables(three)
        XCTAssertEqual(Set(v1.keys), Set(v3.keys))
        XCTAssertEqual(v1.count, 5 + 1 + 14 + 17 - 1, "5 coordinates, P, 14 theory and 16 simulation variables besides sim_seconds")
        for (k, v) in v1 { XCTAssertEqual(v, v3[k], "np=1 and np=3 differ in \(k)") }

        let f = try HDF5File.open(three)
        XCTAssertEqual(try f.attribute("ranks", as: Int64.self), [3])
        // the run's load balance: each rank's busy seconds (gathered with its results; rank 0's
        // from its compute thread) and Σ busy / (ranks × wall), at most 1
        let busy = try f.attribute("busy_seconds", as: Double.self)
        XCTAssertEqual(busy.count, 3)
        XCTAssertTrue(busy.allSatisfy { $0 >= 0 } && busy.reduce(0, +) > 0, "\(busy)")
        let lb = try f.attribute("load_balance", as: Double.self)
        XCTAssertEqual(lb.count, 1)
        XCTAssertTrue(lb[0] > 0 && lb[0] <= 1.001, "load_balance \(lb)")
        XCTAssertEqual(try f.attribute("points_done", as: Int64.self), [18 + 72])
        XCTAssertEqual(try f.stringAttribute("spec"), Self.spec)
        XCTAssertEqual(try f.openDataset("status").read(Int8.self), [Int8](repeating: 1, count: 72))
        let alpha = try f.openDataset("alpha"), N = try f.openDataset("N")
        XCTAssertTrue(alpha.isDimensionScale)
        XCTAssertEqual(try alpha.read(Double.self), [0.5, 2.0, 8.0], "stored ascending whatever the spec's order")
        XCTAssertEqual(try N.read(Int64.self), [30, 60])
        XCTAssertEqual(try f.attribute("stream_version", as: Int64.self), [Int64(DataKey.streamVersion)], "the version of the streams that made the file")
        XCTAssertEqual(try f.openDataset("sim_flags").stringAttribute("flag_meanings"),
                       "critical_bbp_window first_order_coexistence lambda0_null_space not_converged")
        let eps = try f.openDataset("sim_eps_g")
        XCTAssertEqual(eps.shape, [3, 3, 2, 2, 2])
        XCTAssertTrue(eps.isAttached(scale: N, to: 3))
        XCTAssertTrue(try eps.fillValue(Double.self).isNaN)
        XCTAssertEqual(try f.openDataset("theory_phase").stringAttribute("flag_meanings"), "collapsed overlearning learning")

        // theory_* against `vaesweep theory` (lists: α slowest … λ fastest = the file's order).
        // A LAYOUT test: both sides call Theory.solve, so it checks where each number lands in the
        // file, not the numbers; those are checked against independent references (brute-force
        // minimisation, MODEL's ε_g table and limits) in TheoryTests.
        let th = try runVaesweep(["theory", "--alpha", "0.5,2,8", "--beta", "0.5,1.5,3", "--lambda", "0.01,1", "--json"])
        XCTAssertEqual(th.status, 0, th.stderr)
        let rows = try jsonLines(th.stdout)
        XCTAssertEqual(rows.count, 18)
        let phaseCode = ["collapsed": 0.0, "overlearning": 1.0, "learning": 2.0]
        for q in Self.quantities {
            let stored = try f.openDataset("theory_" + q).read(Double.self)
            for (t, row) in rows.enumerated() { XCTAssertEqual(stored[t], row[q] as? Double, "theory_\(q)[\(t)]") }
        }
        let phases = try f.openDataset("theory_phase").read(Double.self)
        XCTAssertEqual(phases, rows.map { phaseCode[$0["phase"] as! String]! })
        XCTAssertEqual(Set(phases), [0, 1, 2], "the small grid covers all three phases")

        // sim_* against `vaesweep simulate` for the data sets α = 2, N = 60 (streams are keyed by
        // VALUES, so these are the same data). Also a LAYOUT test (the same Trainer on both sides);
        // the numbers are checked independently in SimulationTests (gd vs the exact spectral
        // minimiser, observables vs MODEL §3 formulas in the original basis).
        let sim = try runVaesweep(["simulate", "--alpha", "2", "--n", "60", "--beta", "0.5,1.5,3", "--lambda", "0.01,1",
                                   "--seed", "0,1", "--root-seed", "11", "--json"])
        XCTAssertEqual(sim.status, 0, sim.stderr)
        let simRows = try jsonLines(sim.stdout)
        XCTAssertEqual(simRows.count, 12)
        let betas = [0.5, 1.5, 3.0], lambdas = [0.01, 1.0]
        var stored: [String: [Double]] = [:]
        for q in Self.quantities + ["grad_norm", "steps", "phase"] { stored[q] = try f.openDataset("sim_" + q).read(Double.self) }
        for row in simRows {
            let b = betas.firstIndex(of: row["beta"] as! Double)!, l = lambdas.firstIndex(of: row["lambda"] as! Double)!
            let s = row["seed"] as! Int
            let flat = (((1 * 3 + b) * 2 + l) * 2 + 1) * 2 + s
            for q in Self.quantities + ["grad_norm"] {
                XCTAssertEqual(stored[q]![flat], row[q] as? Double, "sim_\(q) at β=\(betas[b]) λ=\(lambdas[l]) seed \(s)")
            }
            XCTAssertEqual(stored["steps"]![flat], Double(row["steps"] as! Int))
            XCTAssertEqual(stored["phase"]![flat], phaseCode[row["phase"] as! String])
        }

        // and through the HDF5 tools
        let dump = try runProcess("/usr/bin/h5dump", ["-H", "-A", three])
        XCTAssertEqual(dump.status, 0)
        let flat = dump.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        XCTAssertTrue(flat.contains("DATASET \"sim_eps_g\" { DATATYPE H5T_IEEE_F64LE DATASPACE SIMPLE { ( 3, 3, 2, 2, 2 ) / ( 3, 3, 2, 2, 2 ) }"), flat)
        XCTAssertTrue(flat.contains("DATASET \"theory_phase\" { DATATYPE H5T_STD_I8LE"))
        XCTAssertTrue(flat.contains("ATTRIBUTE \"rho\" { DATATYPE H5T_IEEE_F64LE DATASPACE SCALAR"))
        XCTAssertTrue(flat.contains("ATTRIBUTE \"_FillValue\" { DATATYPE H5T_IEEE_F64LE DATASPACE SCALAR DATA { (0): nan } }"))
    }

    func testInterruptedThenResumedEqualsUninterrupted() throws {
        let text = """
        [grid]
        alpha = [0.5, 1.0, 2.0, 3.0, 4.0]
        beta = [0.5, 1.0, 2.0, 3.0]
        lambda = [0.01, 1.0]
        N = [300, 500]
        seeds = 3
        """
        let spec = try writeSpec(text)
        let full = dir.appendingPathComponent("full.h5").path
        XCTAssertEqual(try runVaesweep(["run", spec, "--output", full, "--quiet"]).status, 0)

        let out = dir.appendingPathComponent("cut.h5").path
        let p = try startVaesweep(["run", spec, "--output", out, "--quiet"], environment: Held.environment(after: 1))
        // wait for the first finished unit in the journal (held there), then ask the sweep to drain
        Held.waitForRecords(out + ".journal", count: 1)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 3, "interrupted sweeps exit 3")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no final file after an interruption")
        let partial = try HDF5File.open(out + ".partial")
        let status = try partial.openDataset("status").read(Int8.self)
        XCTAssertTrue(status.contains(0), "some points not run")
        XCTAssertTrue(status.contains(1), "some points done")
        XCTAssertEqual(try partial.attribute("complete", as: Int64.self), [0])
        XCTAssertTrue(partial.hasAttribute("load_balance") && partial.hasAttribute("busy_seconds"), "every results file has them")
        try partial.close()

        // a spec with another result-determining setting must not resume this journal
        let other = try writeSpec(text + "\n[simulation]\nseed = 2\n", "other.toml")
        let refused = try runVaesweep(["run", other, "--output", out, "--resume"])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("root_seed") && refused.stderr.contains(out + ".journal"), refused.stderr)
        XCTAssertEqual(refused.stderr.split(separator: "\n").count, 1, refused.stderr)

        let resumed = try runVaesweep(["run", spec, "--output", out, "--resume", "--quiet"], ranks: 2)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".partial"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".journal"))
        let a = try dataVariables(full), b = try dataVariables(out)
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for (k, v) in a { XCTAssertEqual(v, b[k], "resumed run differs in \(k)") }
    }

    func testFailedPointsAreRecordedAndRetried() throws {
        // The data sets at α = 2 fail (fault injection); the sweep goes on, keeps the journal,
        // and `--retry-failed` recomputes exactly those points. Catches: a retry that recomputes
        // (or rewrites) points that had not failed, or one that leaves failed points failed.
        let text = "[grid]\nalpha = [2.0, 4.0]\nbeta = [0.5, 1.0]\nlambda = [0.01]\nN = [40]\nseeds = 2\n"
        let spec = try writeSpec(text)
        let out = dir.appendingPathComponent("fail.h5").path
        let r = try runVaesweep(["run", spec, "--output", out], ranks: 2, environment: ["VAESWEEP_TEST_HOOKS": "fail-alpha=2.0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("4 simulated points failed"), r.stderr)
        let before = try dataVariables(out)
        let failedMask = before["status"]!.map { Double(bitPattern: $0) == 2 }
        XCTAssertEqual(failedMask, [true, true, true, true, false, false, false, false], "α = 2 is the first α (β, λ, N, seed faster)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".journal"), "journal kept for --retry-failed")
        let retry = try runVaesweep(["run", spec, "--output", out, "--retry-failed"])
        XCTAssertEqual(retry.status, 0, retry.stderr)
        XCTAssertTrue(retry.stderr.contains("retrying 4 failed point(s)"), retry.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".journal"), "nothing failed any more")
        let after = try dataVariables(out)
        XCTAssertEqual(after["status"]!.map { Double(bitPattern: $0) }, [Double](repeating: 1, count: 8), "the failed points now have status ok")
        // every point that had not failed is bitwise unchanged
        for (k, v) in before where k.hasPrefix("sim_") {
            for i in v.indices where !failedMask[i] { XCTAssertEqual(v[i], after[k]![i], "\(k)[\(i)] changed by the retry") }
        }
        // and the retried points equal a run that never failed
        let clean = dir.appendingPathComponent("clean.h5").path
        XCTAssertEqual(try runVaesweep(["run", spec, "--output", clean, "--quiet"]).status, 0)
        let c = try dataVariables(clean)
        for (k, v) in c where k.hasPrefix("sim_") || k == "status" { XCTAssertEqual(v, after[k], "retried run differs in \(k)") }
    }

    func testKilledRankLosesOnlyUnfinishedWork() throws {
        let text = """
        [grid]
        alpha = [0.5, 1.0, 2.0, 3.0, 4.0]
        beta = [0.5, 1.0, 2.0]
        lambda = [0.01, 1.0]
        N = [300, 600]
        seeds = 3
        [simulation]
        seed = 5
        """
        let spec = try writeSpec(text)
        let full = dir.appendingPathComponent("full.h5").path
        XCTAssertEqual(try runVaesweep(["run", spec, "--output", full, "--quiet"]).status, 0)
        let out = dir.appendingPathComponent("killed.h5").path
        let p = try startVaesweep(["run", spec, "--output", out, "--quiet"], ranks: 2, environment: Held.environment(after: 1))
        Held.waitForRecords(out + ".journal", count: 1)
        // SIGKILL one rank (a child of mpirun): MPI aborts the job
        let children = try runProcess("/usr/bin/pgrep", ["-P", "\(p.processIdentifier)", "vaesweep"]).stdout
            .split(separator: "\n").compactMap { Int32($0) }
        XCTAssertFalse(children.isEmpty)
        if let victim = children.last { kill(victim, SIGKILL) }
        p.waitUntilExit()
        XCTAssertNotEqual(p.terminationStatus, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let records = try Journal.read(path: out + ".journal").records
        XCTAssertGreaterThan(records.count, 0, "finished units survive the kill")
        let resumed = try runVaesweep(["run", spec, "--output", out, "--resume"], ranks: 2)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        // the resumed run says how many points the journal held (K ≥ 1 of M)
        let journalPoints = records.reduce(0) { $0 + $1.values.count / ($1.kind.coordinateCount + $1.kind.fieldCount) }
        XCTAssertGreaterThan(journalPoints, 0)
        XCTAssertTrue(resumed.stderr.contains("resuming: \(journalPoints)/"), resumed.stderr)
        let a = try dataVariables(full), b = try dataVariables(out)
        for (k, v) in a { XCTAssertEqual(v, b[k], "resumed-after-kill run differs in \(k)") }
    }

    func testXarrayOpensTheFileAsLabelledArrays() throws {
        let probe = try runProcess("/usr/bin/env", ["python3", "-c", "import xarray, h5netcdf"])
        if probe.status != 0 {
            let install = try runProcess("/usr/bin/env", ["python3", "-m", "pip", "install", "-q", "xarray", "h5netcdf", "h5py"])
            XCTAssertEqual(install.status, 0, "pip install xarray h5netcdf h5py failed: \(install.stderr)")
        }
        let spec = try writeSpec(Self.spec)
        let out = dir.appendingPathComponent("x.h5").path
        XCTAssertEqual(try runVaesweep(["run", spec, "--output", out, "--quiet"]).status, 0)
        let script = """
        import xarray as xr, numpy as np
        ds = xr.open_dataset("\(out)", engine="h5netcdf")
        assert dict(ds.sizes) == {"alpha": 3, "beta": 3, "lam": 2, "N": 2, "seed": 2}, dict(ds.sizes)
        assert ds.sim_eps_g.dims == ("alpha", "beta", "lam", "N", "seed")
        assert ds.theory_eps_g.dims == ("alpha", "beta", "lam")
        assert list(ds.alpha.values) == [0.5, 2.0, 8.0] and list(ds.N.values) == [30, 60]
        assert ds.attrs["rho"] == 1.0 and ds.attrs["solver"] == "gd"
        print(float(ds.theory_eps_g.sel(alpha=0.5, beta=1.5, lam=1.0)))
        print(float(ds.sim_eps_g.sel(alpha=8.0, beta=0.5, lam=0.01, N=60).mean("seed")))
        """
        let r = try runProcess("/usr/bin/env", ["python3", "-c", script])
        XCTAssertEqual(r.status, 0, r.stderr)
        let printed = r.stdout.split(separator: "\n").compactMap { Double($0) }
        let f = try HDF5File.open(out)
        let theory = try f.openDataset("theory_eps_g").read(Double.self)
        XCTAssertEqual(printed.first, theory[(0 * 3 + 1) * 2 + 1])
        let sim = try f.openDataset("sim_eps_g").read(Double.self)
        let base = (((2 * 3 + 0) * 2 + 0) * 2 + 1) * 2
        XCTAssertEqual(printed.last!, (sim[base] + sim[base + 1]) / 2, accuracy: 1e-15)
    }
}
