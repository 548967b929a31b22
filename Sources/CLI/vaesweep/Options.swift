// Typed command-line values shared by `theory` and `simulate` (model: swift-argument-parser's
// Examples/math/Math.swift): comma-separated number lists parsed in one place, enums as
// ExpressibleByArgument, and the parameter domains of the project's one table (`Domains`),
// checked in the commands' `validate()`.
//
// Exit codes: a value that does not parse, a missing required option, and a `ValidationError`
// from `validate()` are usage errors; VAESweep.main turns them into one line naming the option and
// exit status 2. Other failures go through `report` (ErrorReporting.swift).
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
extension DataModel: ExpressibleByArgument {}
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

/// The parameter domains of `theory` and `simulate`: the project's one domain table (`Domains`,
/// VAETheory), checked with the option's name.
enum Domain {
    /// Throws a ValidationError naming `--option` unless every value lies in `p`'s domain.
    static func check(_ option: String, _ values: [Double], _ p: Parameter) throws {
        for v in values {
            do { try Domains.check(p, v, field: "--" + option) } catch let e as DomainError { throw ValidationError(e.description) }
        }
    }

    /// `check` for integer values.
    static func check(_ option: String, _ values: [Int], _ p: Parameter) throws {
        try check(option, values.map(Double.init), p)
    }

    /// "name in DOMAIN" for help texts.
    static func describe(_ name: String, _ p: Parameter) -> String { "\(name) in \(Domains.of(p))" }
}
