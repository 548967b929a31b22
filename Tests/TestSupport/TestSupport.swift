// Shared helpers for the test suites: running the built executables (mpirun included) with a
// clean MPI environment, temporary directories, a tiny deterministic generator.
import Foundation

/// Directory holding the built products (the test bundle sits beside the executables).
public let productsDirectory: URL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

/// A child process whose environment is clean for MPI: variables set by an in-process MPI
/// (OMPI_*, PMIX_*, OPAL_*) are stripped so a child `mpirun` starts clean (see
/// NOTES-interop.md), root is allowed, and BLAS uses one thread.
public func makeProcess(_ executable: String, _ arguments: [String], extraEnvironment: [String: String] = [:],
                        currentDirectory: String? = nil) -> Process {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let currentDirectory { p.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    var env = ProcessInfo.processInfo.environment.filter { k, _ in
        !(k.hasPrefix("OMPI_") || k.hasPrefix("PMIX_") || k.hasPrefix("OPAL_"))
    }
    env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    env["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
    env["OPENBLAS_NUM_THREADS"] = "1"
    for (k, v) in extraEnvironment { env[k] = v }
    p.environment = env
    return p
}

/// Run a program (see `makeProcess`) to completion and collect its output.
public func runProcess(_ executable: String, _ arguments: [String], extraEnvironment: [String: String] = [:],
                       currentDirectory: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let p = makeProcess(executable, arguments, extraEnvironment: extraEnvironment, currentDirectory: currentDirectory)
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Read both pipes concurrently so a chatty child never blocks on a full pipe.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { errBox.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errBox.data
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// A fresh temporary directory.
public func temporaryDirectory(_ tag: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vaesweep-\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// A small deterministic generator for test matrices (SplitMix64).
public struct TestRNG {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 * 2 - 1 }
}

/// The built `vaesweep` executable.
public var vaesweepPath: String { productsDirectory.appendingPathComponent("vaesweep").path }

/// The command line of `vaesweep ARGS`, optionally under `mpirun -np ranks --oversubscribe`.
func vaesweepCommand(_ arguments: [String], ranks: Int?) -> (String, [String]) {
    guard let ranks else { return (vaesweepPath, arguments) }
    return ("/usr/bin/mpirun", ["-np", "\(ranks)", "--oversubscribe", "--bind-to", "none", vaesweepPath] + arguments)
}

/// Run `vaesweep ARGS` to completion (optionally under mpirun).
public func runVaesweep(_ arguments: [String], ranks: Int? = nil, environment: [String: String] = [:]) throws
    -> (status: Int32, stdout: String, stderr: String) {
    let (exe, args) = vaesweepCommand(arguments, ranks: ranks)
    return try runProcess(exe, args, extraEnvironment: environment)
}

/// Start `vaesweep ARGS` in the background (optionally under mpirun), output discarded.
/// With `stderrTo`, standard error goes to that file (created fresh).
public func startVaesweep(_ arguments: [String], ranks: Int? = nil, environment: [String: String] = [:],
                          stderrTo: String? = nil) throws -> Process {
    let (exe, args) = vaesweepCommand(arguments, ranks: ranks)
    let p = makeProcess(exe, args, extraEnvironment: environment)
    p.standardOutput = FileHandle.nullDevice
    if let stderrTo {
        _ = FileManager.default.createFile(atPath: stderrTo, contents: nil)
        p.standardError = FileHandle(forWritingAtPath: stderrTo)
    } else {
        p.standardError = FileHandle.nullDevice
    }
    try p.run()
    return p
}

/// Parse one flat JSON object per line (string, number, true/false/null values). Numbers go
/// through `Double(String)`, which rounds correctly; Foundation's JSONSerialization on Linux can
/// be off in the last bit, which would break the exact comparisons the tests make.
public func jsonLines(_ text: String) throws -> [[String: Any]] {
    struct ParseError: Error, CustomStringConvertible { let description: String }
    return try text.split(separator: "\n").map { line in
        var obj: [String: Any] = [:]
        let chars = Array(line.unicodeScalars)
        var i = 0
        func skip() { while i < chars.count, chars[i] == " " || chars[i] == "," || chars[i] == ":" { i += 1 } }
        func string() throws -> String {
            guard chars[i] == "\"" else { throw ParseError(description: "expected a string in \(line)") }
            i += 1
            var out = String.UnicodeScalarView()
            while chars[i] != "\"" {
                if chars[i] == "\\" {
                    i += 1
                    switch chars[i] {
                    case "n": out.append("\n")
                    case "t": out.append("\t")
                    case "u":
                        let hex = String(String.UnicodeScalarView(chars[(i + 1)...(i + 4)]))
                        out.append(Unicode.Scalar(UInt32(hex, radix: 16)!)!)
                        i += 4
                    default: out.append(chars[i])
                    }
                } else { out.append(chars[i]) }
                i += 1
            }
            i += 1
            return String(out)
        }
        guard chars.first == "{" else { throw ParseError(description: "not an object: \(line)") }
        i = 1
        while true {
            skip()
            if chars[i] == "}" { break }
            let key = try string()
            skip()
            if chars[i] == "\"" { obj[key] = try string(); continue }
            let start = i
            while i < chars.count, !(chars[i] == "," || chars[i] == "}" || chars[i] == " ") { i += 1 }
            let token = String(String.UnicodeScalarView(chars[start..<i]))
            switch token {
            case "true": obj[key] = true
            case "false": obj[key] = false
            case "null": obj[key] = NSNull()
            default:
                if let n = Int(token) { obj[key] = n } else if let x = Double(token) { obj[key] = x } else {
                    throw ParseError(description: "bad value \(token) in \(line)")
                }
            }
        }
        return obj
    }
}

/// Wait until the text file at `path` contains `text` (a line a run writes to its stderr), polling
/// for the event rather than sleeping a fixed time. False after `timeout` seconds.
public func waitForText(_ path: String, _ text: String, timeout: Double = 180) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let s = try? String(contentsOfFile: path, encoding: .utf8), s.contains(text) { return true }
        usleep(10_000)   // polling for the event
    }
    return false
}

/// What is wrong with `r` as a refusal as the project promises it — exit 2 and exactly one line of
/// vaesweep's own on stderr ("vaesweep: error: …", not a spec error) mentioning each of
/// `mentioning` — or nil when nothing is. (Under mpirun the launcher adds its own banner about
/// the non-zero exit, which is not ours to suppress.)
public func oneLineRefusalProblem(_ r: (status: Int32, stdout: String, stderr: String), mentioning: [String]) -> String? {
    if r.status != 2 { return "exit status \(r.status), not 2: \(r.stderr)" }
    let ours = r.stderr.split(separator: "\n").filter { $0.contains("vaesweep") && !$0.contains("mpirun") }
    if ours.count != 1 { return "\(ours.count) lines of vaesweep's own, not 1: \(r.stderr)" }
    guard let line = ours.first, line.hasPrefix("vaesweep: error: ") else { return "not a 'vaesweep: error:' line: \(r.stderr)" }
    if line.hasPrefix("vaesweep: error: spec") { return "a spec error: \(r.stderr)" }
    for m in mentioning where !r.stderr.contains(m) { return "'\(m)' not in: \(r.stderr)" }
    return nil
}
