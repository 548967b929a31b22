// Provenance written on the results file's root: what produced the numbers, with which
// libraries, where and when (cf. the `Code`/`Parameters` records of SWIFT and GADGET-4).
import Foundation
import ResultsFile
import HDF5Kit
import LinearAlgebra
import MPIKit

public enum Provenance {
    public static let toolVersion = "0.1.0"

    /// Compiler the tool was built with.
    public static var swiftVersion: String {
        #if compiler(>=6.3)
        return "Swift 6.3 or later"
        #elseif compiler(>=6.2)
        return "Swift 6.2"
        #elseif compiler(>=6.1)
        return "Swift 6.1"
        #elseif compiler(>=6.0)
        return "Swift 6.0"
        #else
        return "Swift < 6"
        #endif
    }

    /// The git commit of the source tree the running binary was built in: `VAESWEEP_GIT_COMMIT` if
    /// set, else `git describe` in the nearest ancestor directory of the executable holding `.git`.
    public static func gitCommit() -> String {
        if let env = ProcessInfo.processInfo.environment["VAESWEEP_GIT_COMMIT"], !env.isEmpty { return env }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent(".git").path) {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                p.arguments = ["git", "-C", dir.path, "describe", "--always", "--dirty", "--abbrev=40"]
                let out = Pipe()
                p.standardOutput = out
                p.standardError = FileHandle.nullDevice
                if (try? p.run()) != nil {
                    let data = out.fileHandleForReading.readDataToEndOfFile()
                    p.waitUntilExit()
                    let s = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    if p.terminationStatus == 0, !s.isEmpty { return s }
                }
                return "unknown"
            }
            dir = dir.deletingLastPathComponent()
        }
        return "unknown"
    }

    public static func isoNow() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }

    /// Root attributes of a results file.
    public static func attributes(spec: SweepSpec, ranks: Int, hosts: [String], start: String, end: String,
                                  pointsDone: Int, pointsTotal: Int, complete: Bool, gitCommit: String) -> [(String, AttributeValue)] {
        var a: [(String, AttributeValue)] = [
            ("title", .string("vaesweep: linear β-VAE, theory versus simulation")),
            ("Conventions", .string("CF-1.8")),
            ("rho", .double(spec.rho)),
            ("eta", .double(spec.eta)),
            ("spike", .string(spec.spike.rawValue)),
            ("simulated", .int(spec.simulate ? 1 : 0)),
        ]
        if spec.simulate {
            a += [
                ("solver", .string(spec.solver.rawValue)),
                ("root_seed", .int(Int64(bitPattern: spec.rootSeed))),
            ]
        }
        a += [
            ("spec", .string(spec.text)),
            ("spec_canonical", .string(spec.canonical)),
            ("tool_version", .string(toolVersion)),
            ("git_commit", .string(gitCommit)),
            ("swift_version", .string(swiftVersion)),
            ("mpi_version", .string(MPI.isInitialized ? MPI.libraryVersion() : "not initialised")),
            ("hdf5_version", .string(HDF5Library.version)),
            ("openblas_version", .string(BLAS.configuration)),
            ("openblas_core", .string(BLAS.coreName)),
            ("ranks", .int(Int64(ranks))),
            ("hosts", .string(Array(Set(hosts)).sorted().joined(separator: ","))),
            ("start_time", .string(start)),
            ("end_time", .string(end)),
            ("points_done", .int(Int64(pointsDone))),
            ("points_total", .int(Int64(pointsTotal))),
            ("complete", .int(complete ? 1 : 0)),
        ]
        return a
    }
}
