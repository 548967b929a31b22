// Studies the refine suites start from, made by `vaesweep run` (fast: the exact solver on the
// bidiagonal model), and a bitwise comparison of two results files.
import Foundation
import HDF5Kit
import ResultsFile
import TestSupport
import XCTest

enum Fixtures {
    /// A 3 α × 3 β × 2 λ study (α across BBP, β across the collapse boundary), N = 250 … 1000, 5 replicates.
    static let smallSpec = """
    [model]
    rho = 1.0
    eta = 1.0

    [grid]
    alpha = [0.5, 1.5, 3.0]
    beta = [0.5, 1.5, 3.0]
    lambda = [0.01, 1.0]
    N = [250, 500, 1000]
    seeds = 5

    [simulation]
    solver = "exact"
    data = "bidiagonal"
    """

    /// Run `spec` into DIR/NAME.h5 and return the path.
    static func study(_ spec: String, in dir: URL, name: String = "small") throws -> String {
        let specPath = dir.appendingPathComponent("\(name).toml").path
        try spec.write(toFile: specPath, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("\(name).h5").path
        let r = try runVaesweep(["run", specPath, "--output", out, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        return out
    }

    /// Every variable except the not-reproducible ones, as bit patterns, and every root attribute
    /// except provenance (times, hosts, ranks, command, code versions).
    static func contents(_ path: String) throws -> (variables: [String: [UInt64]], attributes: [String: String]) {
        let f = try HDF5File.open(path)
        defer { try? f.close() }
        var vars: [String: [UInt64]] = [:]
        for name in try f.memberNames() where !Variable.notReproducible.contains(name) {
            vars[name] = try f.openDataset(name).read(Double.self).map { $0.bitPattern }
        }
        let provenance: Set<String> = [RootKey.startTime, RootKey.endTime, RootKey.hosts, RootKey.ranks, RootKey.command,
                                       RootKey.gitCommit, RootKey.toolVersion, RootKey.swiftVersion, RootKey.mpiVersion,
                                       RootKey.mpiBuild, RootKey.hdf5Version, RootKey.openblasVersion, RootKey.openblasCore,
                                       RootKey.busySeconds, RootKey.loadBalance]
        var attrs: [String: String] = [:]
        for (k, v) in try ResultsData.readAttributes(path: path).values where !provenance.contains(k) { attrs[k] = v.description }
        for k in [Refinement.Name.options, Refinement.Name.finished, Refinement.Name.base, Refinement.Name.plan] where f.hasAttribute(k) {
            attrs[k] = try f.stringAttribute(k)
        }
        return (vars, attrs)
    }

    /// Assert two results files equal in every reproducible variable and attribute.
    static func assertSameStudy(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let (va, aa) = try contents(a), (vb, ab) = try contents(b)
        XCTAssertEqual(Set(va.keys), Set(vb.keys), file: file, line: line)
        for (k, x) in va where vb[k] != x { XCTFail("variable '\(k)' differs between \(a) and \(b)", file: file, line: line) }
        XCTAssertEqual(aa, ab, file: file, line: line)
    }
}

/// A refusal as the project promises it (`oneLineRefusalProblem`).
func assertOneLineRefusal(_ r: (status: Int32, stdout: String, stderr: String), mentioning: [String],
                          file: StaticString = #filePath, line: UInt = #line) {
    if let problem = oneLineRefusalProblem(r, mentioning: mentioning) { XCTFail(problem, file: file, line: line) }
}

/// Wait for a line in a run's stderr file (`waitForText`), failing the test after `timeout`.
func waitForLine(_ path: String, _ text: String, timeout: Double = 180, file: StaticString = #filePath, line: UInt = #line) {
    if !waitForText(path, text, timeout: timeout) {
        XCTFail("'\(text)' did not appear in '\(path)' within \(timeout) s", file: file, line: line)
    }
}
