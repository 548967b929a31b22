// The one switch through which tests reach into a running sweep, documented here and nowhere else
// read: the environment variable VAESWEEP_TEST_HOOKS, a ';'-separated list of
//   fail-alpha=A[,A…]   the data sets of these α values fail as if their sample could not be built
//                       (tests of failure handling: status 2, --retry-failed)
// It is read once, when a sweep's `UnitComputer` is made; an unknown hook is an error (exit 2), so
// a misspelt hook cannot silently do nothing. Production runs never set it.
import Foundation

/// The test hooks of this process (see the file header).
public struct TestHooks: Sendable, Equatable {
    /// The environment variable that sets the hooks.
    public static let variable = "VAESWEEP_TEST_HOOKS"
    /// α values (bit patterns) whose data sets fail.
    public var failingAlphas: Set<UInt64> = []

    /// No hooks.
    public init() {}

    /// The hooks in `text` (the variable's value). Throws `SpecError` naming the variable for an
    /// unknown or malformed hook.
    public init(parsing text: String) throws {
        for item in text.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            switch (parts.first, parts.count) {
            case ("fail-alpha", 2):
                let values = parts[1].split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
                guard values.allSatisfy({ $0 != nil }) else { throw SpecError(TestHooks.variable, "bad α list in '\(item)'") }
                failingAlphas.formUnion(values.map { $0!.bitPattern })
            default:
                throw SpecError(TestHooks.variable, "unknown test hook '\(item)' (known: fail-alpha=A,…)")
            }
        }
    }

    /// The hooks set in this process's environment (none when the variable is unset).
    public static func fromEnvironment() throws -> TestHooks {
        guard let text = ProcessInfo.processInfo.environment[variable] else { return TestHooks() }
        return try TestHooks(parsing: text)
    }
}

/// A failure made by a test hook.
struct InjectedFailure: Error, CustomStringConvertible {
    let description: String
}
