// Helpers shared by the sweep test suites: reading a results file's variables bitwise.
import Foundation
import HDF5Kit
import ResultsFile

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
