import ArgumentParser

// Temporary: replaced by the real command in its own issue.
struct SummaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "summary", abstract: "(not yet implemented)", shouldDisplay: false)
    func run() throws { fail("'summary' is not implemented yet", code: 1) }
}
