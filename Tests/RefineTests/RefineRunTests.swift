// `vaesweep refine` as a user runs it: under mpirun it reaches its targets; drained mid-round (or
// killed) and resumed it writes the same file, bit for bit, as an uninterrupted refine at another
// rank count; it refuses what it must before anything starts.
import Foundation
import HDF5Kit
import ResultsFile
import Statistics
import Sweep
import TestSupport
import XCTest

final class RefineRunTests: XCTestCase {
    /// A 2 α × 2 β × 2 λ learning-phase study far from every boundary: every target is reachable.
    static let easySpec = """
    [grid]
    alpha = [2.0, 4.0]
    beta = [0.5, 1.0]
    lambda = [0.01, 0.1]
    N = [250, 500, 1000]
    seeds = 5

    [simulation]
    solver = "exact"
    data = "bidiagonal"
    """

    /// The refine options of the drain tests (every rule fires in round 1 on the small study).
    static let drainOptions = ["--budget", "0.01", "--rounds", "3", "--target-se", "0.05", "--max-n", "64000", "--max-replicates", "40"]

    /// Under mpirun -np 2 the refine stops because every target is met, and it is: every
    /// (point, observable) has se(q∞) ≤ min(target, half the distance to another phase's
    /// prediction), where the input had some far above; the rounds table adds up.
    func testRefineUnderMPIReachesItsTargets() throws {
        let dir = try temporaryDirectory("refine-targets")
        let input = try Fixtures.study(RefineRunTests.easySpec, in: dir, name: "easy")
        let out = dir.appendingPathComponent("easy.refined.h5").path
        let target = 0.02
        let r = try runVaesweep(["refine", input, "--budget", "0.01", "--target-se", "\(target)", "--rounds", "6", "--quiet"], ranks: 2)
        XCTAssertEqual(r.status, 0, r.stderr)
        let d = try ResultsData.read(path: out)
        let rf = try XCTUnwrap(d.refinement)
        XCTAssertEqual(rf.finished, "every target met")
        func worst(_ v: Validation) -> Double {
            v.points.filter { $0.verdict != .noData && !$0.verdict.isExcluded }.map {
                ($0.estimate?.statisticalVariance.squareRoot() ?? .infinity) / min(target, $0.alternativeDistance / 2)
            }.max() ?? .nan
        }
        XCTAssertGreaterThan(worst(Validation.compute(try ResultsData.read(path: input))), 2)   // the input was far off
        let final = Validation.compute(d)
        XCTAssertLessThanOrEqual(worst(final), 1)
        XCTAssertEqual(final.points.filter { $0.verdict.isDecided }.count, 40)   // 8 points × 5 observables
        XCTAssertGreaterThanOrEqual(rf.rounds.count, 3)
        XCTAssertTrue(rf.rounds.allSatisfy(\.complete))
        XCTAssertTrue(rf.rounds.dropFirst().allSatisfy { $0.precisionActions > 0 && $0.coreSeconds > 0 })
        // the rounds table against the point rounds
        for row in rf.rounds {
            XCTAssertEqual(row.simulatedPoints, rf.simRound.filter { Int($0) == row.round }.count, "round \(row.round)")
        }
        XCTAssertEqual(rf.simRound.filter { $0 >= 0 }.count, d.status!.filter { $0 != 0 }.count)
        XCTAssertLessThanOrEqual(rf.rounds.dropFirst().reduce(0) { $0 + $1.costEstimate }, 0.01 * 3600)
        // the latest round's run balanced over both ranks, as every run's file says
        XCTAssertEqual(d.attributes.doubles(RootKey.busySeconds)?.count, 2)
        let lb = try XCTUnwrap(d.attributes.double(RootKey.loadBalance))
        XCTAssertTrue(lb > 0 && lb <= 1, "\(lb)")
        // the study on disk is a normal results file: its spec is the union grid
        let spec = try SweepSpec(canonical: try XCTUnwrap(d.attributes.specCanonical))
        XCTAssertEqual(spec.N, d.N)
        XCTAssertEqual(spec.seedIDs, d.seeds)
    }

    /// Drained mid-round (held by the test hook, then SIGUSR1 to mpirun) under mpirun -np 2 and resumed, the
    /// refine writes the same file bit for bit as an uninterrupted refine on one rank; the drained
    /// output holds the pending round with its actions; a finished refine has nothing to do.
    func testDrainedRefineResumesToTheSameFile() throws {
        let dir = try temporaryDirectory("refine-drain")
        let input = try Fixtures.study(Fixtures.smallSpec, in: dir)
        let whole = dir.appendingPathComponent("whole.h5").path
        let r0 = try runVaesweep(["refine", input, "--output", whole, "--quiet"] + RefineRunTests.drainOptions)
        XCTAssertEqual(r0.status, 0, r0.stderr)
        let rounds = try XCTUnwrap(try ResultsData.read(path: whole).refinement).rounds
        XCTAssertEqual(rounds.count, 4, "rounds 0 … 3")

        let out = dir.appendingPathComponent("drained.h5").path
        let log = dir.appendingPathComponent("drained.log").path
        let p = try startVaesweep(["refine", input, "--output", out] + RefineRunTests.drainOptions, ranks: 2,
                                  environment: ["VAESWEEP_TEST_HOOKS": "hold-after=2;hold-round=2"], stderrTo: log)
        waitForLine(log, "work held by VAESWEEP_TEST_HOOKS after 2 items")
        func refinementState() throws -> String? {
            let r = try runVaesweep(["status", out, "--json"])
            return try jsonLines(r.stdout).first?["refinement_state"] as? String
        }
        XCTAssertEqual(try refinementState(), "refining")   // seen from outside: the lock is held
        kill(p.processIdentifier, SIGUSR1)   // mpirun forwards it; the ranks drain and exit 3 (README)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 3, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        let drained = try ResultsData.read(path: out)
        let dr = try XCTUnwrap(drained.refinement)
        XCTAssertEqual(dr.rounds.map(\.round), [0, 1, 2])
        XCTAssertEqual(dr.pendingRound?.round, 2)
        XCTAssertFalse(dr.actions(ofRound: 2).isEmpty)
        XCTAssertGreaterThan(dr.rounds[2].simulatedPoints, 0, "the items in flight were kept")
        XCTAssertLessThan(dr.rounds[2].simulatedPoints, rounds[2].simulatedPoints, "drained part-way")
        XCTAssertEqual(try refinementState(), "drained")

        let r1 = try runVaesweep(["refine", input, "--output", out, "--resume", "--quiet"] + RefineRunTests.drainOptions, ranks: 2)
        XCTAssertEqual(r1.status, 0, r1.stderr)
        try Fixtures.assertSameStudy(whole, out)
        XCTAssertEqual(try refinementState(), "finished")
        let again = try runVaesweep(["refine", input, "--output", out, "--resume"] + RefineRunTests.drainOptions)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("nothing to do"), again.stderr)
    }

    /// Killed (SIGKILL) while round 2 is held, the refine resumes from the file alone: round 1 is
    /// not redone, round 2 is planned again from the same file, and the result is the same file.
    func testKilledRefineReplansTheSameRound() throws {
        let dir = try temporaryDirectory("refine-kill")
        let input = try Fixtures.study(Fixtures.smallSpec, in: dir)
        let whole = dir.appendingPathComponent("whole.h5").path
        XCTAssertEqual(try runVaesweep(["refine", input, "--output", whole, "--quiet"] + RefineRunTests.drainOptions).status, 0)
        let out = dir.appendingPathComponent("killed.h5").path
        let log = dir.appendingPathComponent("killed.log").path
        let p = try startVaesweep(["refine", input, "--output", out] + RefineRunTests.drainOptions,
                                  environment: ["VAESWEEP_TEST_HOOKS": "hold-after=1;hold-round=2"], stderrTo: log)
        waitForLine(log, "work held by VAESWEEP_TEST_HOOKS")
        let afterRound1 = try Fixtures.contents(out)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        XCTAssertEqual(try ResultsData.read(path: out).refinement?.rounds.map(\.round), [0, 1])
        // the lock of the killed run is free again (flock dies with its holder)
        let r = try runVaesweep(["refine", input, "--output", out, "--resume", "--quiet"] + RefineRunTests.drainOptions)
        XCTAssertEqual(r.status, 0, r.stderr)
        try Fixtures.assertSameStudy(whole, out)
        // round 1's points were not recomputed: their rounds are still 1 (and equal to the whole run's)
        XCTAssertEqual(afterRound1.variables["round_points_simulated"]?.prefix(2), try Fixtures.contents(out).variables["round_points_simulated"]?.prefix(2))
    }

    /// Refusals: one line, exit 2, nothing written.
    func testRefusals() throws {
        let dir = try temporaryDirectory("refine-refuse")
        let input = try Fixtures.study(RefineRunTests.easySpec, in: dir, name: "easy")
        let out = dir.appendingPathComponent("out.h5").path
        assertOneLineRefusal(try runVaesweep(["refine", input, "--budget", "0", "--output", out]), mentioning: ["--budget"])
        assertOneLineRefusal(try runVaesweep(["refine", input, "--budget", "1", "--resolution", "0.9", "--output", out]), mentioning: ["--resolution"])
        assertOneLineRefusal(try runVaesweep(["refine", input, "--budget", "1", "--output", input]), mentioning: ["is the input"])
        assertOneLineRefusal(try runVaesweep(["refine", dir.appendingPathComponent("none.h5").path, "--budget", "1", "--output", out]),
                             mentioning: ["does not exist"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // a finished refinement: without --resume refused; with other options refused
        XCTAssertEqual(try runVaesweep(["refine", input, "--budget", "0.001", "--rounds", "1", "--output", out, "--quiet"]).status, 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        assertOneLineRefusal(try runVaesweep(["refine", input, "--budget", "0.001", "--rounds", "1", "--output", out]), mentioning: ["--resume"])
        assertOneLineRefusal(try runVaesweep(["refine", input, "--budget", "0.002", "--rounds", "1", "--output", out, "--resume"]),
                             mentioning: ["--budget differs", "file: 0.001", "given: 0.002"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), before)
        // a theory-only study has nothing to refine
        let theory = try Fixtures.study("[grid]\nalpha = [1.0]\nbeta = [1.0]\nlambda = [1.0]\n[simulation]\nrun = false\n", in: dir, name: "theory")
        assertOneLineRefusal(try runVaesweep(["refine", theory, "--budget", "1", "--output", dir.appendingPathComponent("t2.h5").path]),
                             mentioning: ["no simulations"])
    }
}
