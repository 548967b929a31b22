// Helpers shared by the sweep test suites: reading a results file's variables bitwise.
import Foundation
import HDF5Kit
import ResultsFile
import Sweep
import TestSupport
import XCTest

enum StudyFiles {
    /// Every data variable except the wall-time diagnostic `sim_seconds`, as raw bit patterns
    /// (integer variables read through Double, exact for the codes and step counts stored).
    static func variables(_ path: String) throws -> [String: [UInt64]] {
        let f = try HDF5File.open(path)
        defer { try? f.close() }
        var out: [String: [UInt64]] = [:]
        for name in try f.memberNames() where !Variable.notReproducible.contains(name) {
            out[name] = try f.openDataset(name).read(Double.self).map { $0.bitPattern }
        }
        return out
    }

    static func intAttribute(_ path: String, _ name: String) throws -> Int64? {
        let f = try HDF5File.open(path)
        defer { try? f.close() }
        return try f.attribute(name, as: Int64.self).first
    }

    static func stringAttribute(_ path: String, _ name: String) throws -> String {
        let f = try HDF5File.open(path)
        defer { try? f.close() }
        return try f.stringAttribute(name)
    }
}

/// Sweeps that cannot finish before a test's signal: the `hold-after` test hook (TestHooks.swift)
/// makes rank 0 hand out `items` work items and then wait (draining when asked, or going on once
/// `file` is removed). A test starts such a sweep, waits for the observable event — the journal
/// holding `items` records — and only then signals: the outcome no longer depends on how fast the
/// (possibly loaded) machine is.
enum Held {
    /// The environment of a sweep held after `items` work items (while `file` exists, if given).
    static func environment(after items: Int, while file: String? = nil) -> [String: String] {
        ["VAESWEEP_TEST_HOOKS": "hold-after=\(items)" + (file.map { ";hold-while=\($0)" } ?? "")]
    }

    /// Wait until the journal at `path` holds at least `count` intact records. Fails the test after
    /// `timeout` seconds (the held sweep cannot get past them, so this is not a race).
    static func waitForRecords(_ path: String, count: Int, timeout: Double = 180,
                               file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let c = try? Journal.read(path: path), c.records.count >= count { return }
            usleep(10_000)   // polling the journal for the event, not waiting a fixed time for it
        }
        XCTFail("the journal '\(path)' did not reach \(count) records within \(timeout) s", file: file, line: line)
    }

    /// Wait until the text file at `path` contains `text` (a line a run writes to its stderr).
    static func waitForText(_ path: String, _ text: String, timeout: Double = 180,
                            file: StaticString = #filePath, line: UInt = #line) {
        if !TestSupport.waitForText(path, text, timeout: timeout) {
            XCTFail("'\(text)' did not appear in '\(path)' within \(timeout) s", file: file, line: line)
        }
    }
}

/// A refusal as the project promises it (`oneLineRefusalProblem`).
func assertOneLineRefusal(_ r: (status: Int32, stdout: String, stderr: String), mentioning: [String],
                          file: StaticString = #filePath, line: UInt = #line) {
    if let problem = oneLineRefusalProblem(r, mentioning: mentioning) { XCTFail(problem, file: file, line: line) }
}
