// The one switch through which tests reach into a running sweep, documented here and nowhere else
// read: the environment variable VAESWEEP_TEST_HOOKS, a ';'-separated list of
//   fail-alpha=A[,A…]   the data sets of these α values fail as if their sample could not be built
//                       (tests of failure handling: status 2, --retry-failed)
//   hold-after=K        rank 0 hands out K work items and then no more until a drain is asked for
//                       (or, with hold-while, until that file is gone): a sweep that cannot finish
//                       before a test's signal, whatever the machine's load
//   hold-while=PATH     with hold-after: hold only while PATH exists (a test releases the sweep by
//                       removing it)
//   hold-round=R        `vaesweep refine` only: apply hold-after in refinement round R alone
// When the hold engages, rank 0 logs "work held by VAESWEEP_TEST_HOOKS after K items" (the event
// a test waits for before it signals).
// It is read once, when a sweep's `UnitComputer` is made; an unknown hook is an error (exit 2), so
// a misspelt hook cannot silently do nothing. Production runs never set it.
import Foundation

/// The test hooks of this process (see the file header).
public struct TestHooks: Sendable, Equatable {
    /// The environment variable that sets the hooks.
    public static let variable = "VAESWEEP_TEST_HOOKS"
    /// α values (bit patterns) whose data sets fail.
    public var failingAlphas: Set<UInt64> = []
    /// Hand out at most this many work items before holding (nil: never hold).
    public var holdAfter: Int?
    /// Hold only while this file exists (nil: until a drain).
    public var holdWhile: String?
    /// `vaesweep refine`: hold only in this round (nil: every round).
    public var holdRound: Int?

    /// Whether the work queue is held after `handedOut` items.
    public func holds(afterHandingOut handedOut: Int) -> Bool {
        guard let k = holdAfter, handedOut >= k else { return false }
        return holdWhile.map { FileManager.default.fileExists(atPath: $0) } ?? true
    }

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
            case ("hold-after", 2):
                guard let k = Int(parts[1]), k >= 0 else { throw SpecError(TestHooks.variable, "bad count in '\(item)'") }
                holdAfter = k
            case ("hold-while", 2):
                holdWhile = parts[1]
            case ("hold-round", 2):
                guard let r = Int(parts[1]), r >= 1 else { throw SpecError(TestHooks.variable, "bad round in '\(item)'") }
                holdRound = r
            default:
                throw SpecError(TestHooks.variable, "unknown test hook '\(item)' (known: fail-alpha=A,…, hold-after=K, hold-while=PATH, hold-round=R)")
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
