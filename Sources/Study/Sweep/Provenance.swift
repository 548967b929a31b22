// Provenance written on the results file's root: what produced the numbers, with which
// libraries, where and when (cf. the `Code`/`Parameters` records of SWIFT and GADGET-4).
import Foundation
import ResultsFile
import HDF5Kit
import LinearAlgebra
import MPIKit

/// The provenance attributes of a results file: tool version, commit, libraries, ranks, hosts, times.
public enum Provenance {
    /// vaesweep's version, written as the root attribute `RootKey.toolVersion`.
    public static let toolVersion = "0.2.0"

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

    /// The current time as an ISO 8601 internet date-time (UTC, second resolution), e.g. for start/end times.
    public static func isoNow() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: Date())
    }

    /// What produced a file: the spec, the code and libraries, where and when. (The settings that
    /// determine the numbers come from `StudySettings.attributes`.)
    public static func attributes(spec: SweepSpec, ranks: Int, hosts: [String], start: String, end: String,
                                  gitCommit: String) -> [(String, AttributeValue)] {
        [
            (RootKey.title, .string("vaesweep: linear β-VAE, theory versus simulation")),
            (RootKey.conventions, .string("CF-1.8")),
            (RootKey.spec, .string(spec.text)),
            (RootKey.specCanonical, .string(spec.canonical)),
            (RootKey.command, .string(CommandLine.arguments.joined(separator: " "))),
        ] + code(gitCommit: gitCommit) + [
            (RootKey.ranks, .int(Int64(ranks))),
            (RootKey.hosts, .string(Array(Set(hosts)).sorted().joined(separator: ","))),
            (RootKey.startTime, .string(start)),
            (RootKey.endTime, .string(end)),
        ]
    }

    /// The code and libraries of this binary.
    public static func code(gitCommit: String) -> [(String, AttributeValue)] {
        [
            (RootKey.toolVersion, .string(toolVersion)),
            (RootKey.gitCommit, .string(gitCommit)),
            (RootKey.swiftVersion, .string(swiftVersion)),
            (RootKey.mpiVersion, .string(MPI.libraryVersion())),
            (RootKey.mpiBuild, .string(MPI.buildDescription)),
            (RootKey.hdf5Version, .string(HDF5Library.version)),
            (RootKey.openblasVersion, .string(BLAS.configuration)),
            (RootKey.openblasCore, .string(BLAS.coreName)),
        ]
    }
}
