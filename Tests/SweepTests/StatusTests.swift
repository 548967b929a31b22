import Statistics
import Foundation
import ResultsFile
import Sweep
import TestSupport
import XCTest

/// `vaesweep status`: a running sweep seen from outside through its journal, never taking its
/// lock, never writing; torn tails skipped, damage reported; provisional verdicts equal to the
/// final file's.
final class StatusTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryDirectory("status") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    static let spec = "[grid]\nalpha = [0.5, 2.0, 4.0]\nbeta = [0.5, 1.5]\nlambda = [0.01, 1.0]\nN = [100, 200]\nseeds = 3\n"

    func write(_ text: String, _ name: String = "spec.toml") throws -> String {
        let p = dir.appendingPathComponent(name).path
        try text.write(toFile: p, atomically: true, encoding: .utf8)
        return p
    }
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    func status(_ out: String) throws -> [String: Any] {
        let r = try runVaesweep(["status", out, "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(try jsonLines(r.stdout).first)
    }

    /// Under `mpirun -np 2`, held after 4 items and then released: the counts status reports never
    /// decrease, match the held state exactly, and end equal to the final file's; a `status --watch`
    /// beside the run neither blocks it nor keeps it from writing its file.
    func testStatusFollowsARunningSweepWithoutBlockingIt() throws {
        let spec = try write(Self.spec)
        let out = path("run.h5"), release = path("release")
        FileManager.default.createFile(atPath: release, contents: nil)
        let p = try startVaesweep(["run", spec, "--output", out, "--quiet"], ranks: 2,
                                  environment: Held.environment(after: 4, while: release))
        Held.waitForRecords(out + ".journal", count: 4)
        let held = try status(out)
        let records = try Journal.read(path: out + ".journal").records
        let journaled = records.reduce(0) { $0 + $1.values.count / ($1.kind.coordinateCount + $1.kind.fieldCount) }
        XCTAssertEqual(held["points_done"] as? Int, journaled)
        XCTAssertEqual(held["state"] as? String, "running")
        XCTAssertEqual(held["lock_holder_alive"] as? Bool, true)
        XCTAssertEqual((held["points_done"] as? Int ?? 0) + (held["points_remaining"] as? Int ?? 0), held["points_total"] as? Int)
        let watcher = try startVaesweep(["status", out, "--watch", "0.05"], stderrTo: path("watch.err"))
        try FileManager.default.removeItem(atPath: release)   // the test's hold file: the sweep goes on
        var last = journaled, finished = false
        while !finished {
            let s = try status(out)
            let done = s["points_done"] as? Int ?? -1
            XCTAssertGreaterThanOrEqual(done, last, "points_done never decreases")
            last = done
            finished = s["state"] as? String == "finished"
        }
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "the run finished with a status --watch beside it")
        watcher.waitUntilExit()
        XCTAssertEqual(watcher.terminationStatus, 0)
        let final = try ResultsData.read(path: out)
        XCTAssertEqual(last, final.pointsDone)
        let text = try runVaesweep(["status", out])
        XCTAssertTrue(text.stdout.contains("complete: \(final.pointsDone!)/\(final.pointsTotal!)") && text.stdout.contains("vaesweep summary"), text.stdout)
    }

    /// A journal cut at every byte of its last record (the run writing it): status never fails and
    /// counts the complete records; a damaged record in the middle is reported.
    func testATornTailIsSkippedAndDamageIsReported() throws {
        let spec = try SweepSpec.parse(Self.spec)
        let grid = try Grid(spec: spec)
        let store = ResultStore(grid: grid), computer = UnitComputer(grid: grid)
        let j = path("t.h5.journal")
        let journal = try Journal.create(path: j, settings: spec.settings.serialized, canonicalSpec: spec.canonical)
        var offsets: [Int] = []
        var points: [Int] = []
        for item in store.remainingWork().prefix(3) {
            let payload = computer.compute(item)
            try store.apply(item, payload: payload)
            try journal.append(kind: item.kind, values: store.record(item, payload: payload))
            offsets.append(((try FileManager.default.attributesOfItem(atPath: j))[.size] as? Int) ?? 0)
            points.append(store.pointsDone)
        }
        let full = try Data(contentsOf: URL(fileURLWithPath: j))
        for cut in (offsets[1] + 1)..<offsets[2] {
            try full.prefix(cut).write(to: URL(fileURLWithPath: j))
            let s = try SweepStatus.read(path: path("t.h5"))
            XCTAssertEqual(s.pointsDone, points[1], "cut at byte \(cut)")
            XCTAssertNil(s.damage, "a torn tail is not damage (cut at byte \(cut))")
        }
        // a flipped byte inside the second record: damage, reported with what resume would drop
        var bad = full
        bad[offsets[0] + 40] ^= 0xFF
        try bad.write(to: URL(fileURLWithPath: j))
        let s = try SweepStatus.read(path: path("t.h5"))
        XCTAssertEqual(s.pointsDone, points[0])
        XCTAssertTrue(s.damage?.contains("damaged") ?? false, s.damage ?? "nil")
        XCTAssertTrue(s.damage?.contains("1 intact record(s) after it") ?? false, s.damage ?? "nil")
        // no sweep / not a journal: 2
        XCTAssertEqual(try runVaesweep(["status", path("none.h5")]).status, 2)
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: j))
        let g = try runVaesweep(["status", path("t.h5")])
        XCTAssertEqual(g.status, 2, g.stderr)
        XCTAssertTrue(g.stderr.contains("not a vaesweep journal"), g.stderr)
    }

    /// On a complete journal (points failed, so the run keeps it), the provisional verdicts equal
    /// `validate` on the final file, point by point.
    func testProvisionalVerdictsOnACompleteJournalEqualTheFinalFiles() throws {
        let spec = try write(Self.spec)
        let out = path("v.h5")
        let r = try runVaesweep(["run", spec, "--output", out, "--quiet"], ranks: 2, environment: ["VAESWEEP_TEST_HOOKS": "fail-alpha=0.5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".journal"), "failed points keep the journal")
        let s = try SweepStatus.read(path: out)
        XCTAssertEqual(s.pointsFailed, 2 * 2 * 2 * 3)   // α = 0.5: β × λ × N × seeds
        XCTAssertEqual(s.failures.first?.reason.contains("training threw") ?? false, true)
        let a = Validation.compute(s.data), b = Validation.compute(try ResultsData.read(path: out))
        XCTAssertEqual(a.points.count, b.points.count)
        for (x, y) in zip(a.points, b.points) {
            XCTAssertEqual(x.verdict, y.verdict, "\(x.quantity) at α=\(x.alpha) β=\(x.beta) λ=\(x.lambda)")
            XCTAssertEqual(x.qInf.bitPattern, y.qInf.bitPattern)
        }
    }
}
