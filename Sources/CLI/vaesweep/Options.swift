// Typed command-line values shared by `theory` and `simulate` (model: swift-argument-parser's
// Examples/math/Math.swift): comma-separated number lists parsed in one place, enums as
// ExpressibleByArgument, and ONE definition of the parameter domains (the theory engine's
// TheoryInput ranges), checked in the commands' `validate()`.
//
// Exit codes: a value that does not parse, a missing required option, and a `ValidationError`
// from `validate()` are usage errors; VAESweep.main turns them into one line naming the option and
// exit status 2. Runtime failures print one line and throw `ExitCode.failure` (1).
import ArgumentParser
import Foundation
import VAESimulation
import VAETheory

/// A comma-separated list of numbers for one option, e.g. `--beta 0.5,1,2` (spaces allowed).
struct DoubleList: ExpressibleByArgument, Sendable {
    var values: [Double]
    init(_ values: [Double]) { self.values = values }
    init?(argument: String) {
        var out: [Double] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Double(part.trimmingCharacters(in: .whitespaces)) else { return nil }
            out.append(v)
        }
        values = out
    }
    var defaultValueDescription: String { values.map { "\($0)" }.joined(separator: ",") }
}

/// A comma-separated list of integers, e.g. `--seed 0,1,2`.
struct IntList: ExpressibleByArgument, Sendable {
    var values: [Int]
    init(_ values: [Int]) { self.values = values }
    init?(argument: String) {
        var out: [Int] = []
        for part in argument.split(separator: ",", omittingEmptySubsequences: false) {
            guard let v = Int(part.trimmingCharacters(in: .whitespaces)) else { return nil }
            out.append(v)
        }
        values = out
    }
    var defaultValueDescription: String { values.map(String.init).joined(separator: ",") }
}

extension Solver: ExpressibleByArgument {}
extension AdamVariable: ExpressibleByArgument {}

/// `--spike`: a built-in kind (ones | gaussian) or a .npy file holding W* (replay).
enum SpikeChoice: ExpressibleByArgument, Sendable {
    case kind(Spike)
    case file(String)
    init?(argument: String) {
        if let k = Spike(rawValue: argument) { self = .kind(k) } else if argument.hasSuffix(".npy") { self = .file(argument) } else { return nil }
    }
    var defaultValueDescription: String {
        switch self { case let .kind(k): return k.rawValue; case let .file(f): return f }
    }
}

/// The parameter domains of `theory` and `simulate`: one definition (the theory engine's), plus the
/// simulation-only limits.
enum Domain {
    static let alpha = TheoryInput.alphaRange
    static let beta = TheoryInput.betaRange
    static let lambda = TheoryInput.lambdaRange
    static let rho = TheoryInput.rhoRange
    static let eta = TheoryInput.etaRange
    /// Simulation: dimension N, replicate ids, tolerance, step counts, α N² (memory/time of one run).
    static let n: ClosedRange<Int> = 1...20_000
    static let seed: ClosedRange<Int> = 0...Int(Int32.max)
    static let steps: ClosedRange<Int> = 0...1_000_000_000
    static let maxSamplesTimesN = 4e9

    /// Throws a ValidationError naming `--option` unless every value is finite and inside `range`.
    static func check(_ option: String, _ values: [Double], _ range: ClosedRange<Double>) throws {
        for v in values {
            do { try TheoryInput.check(option, v, range) } catch let e as TheoryInputError {
                throw ValidationError("--\(option): \(e.message)")
            }
        }
    }

    static func check(_ option: String, _ values: [Int], _ range: ClosedRange<Int>) throws {
        for v in values where !range.contains(v) {
            throw ValidationError("--\(option): \(v) is outside the domain [\(range.lowerBound), \(range.upperBound)]")
        }
    }
}

/// Print one error line ("vaesweep: error: …") and return the exit code to throw (not a usage error).
func runtimeFailure(_ message: String, code: Int32 = 1) -> ExitCode {
    FileHandle.standardError.write(Data(("vaesweep: error: " + message + "\n").utf8))
    return ExitCode(code)
}

/// Print a warning line on stderr.
func warn(_ message: String) {
    FileHandle.standardError.write(Data(("vaesweep: warning: " + message + "\n").utf8))
}
