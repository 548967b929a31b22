import ArgumentParser

// Temporary: replaced by the real command in its own issue.
struct TheoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "theory", abstract: "(not yet implemented)", shouldDisplay: false)
    func run() throws { fail("'theory' is not implemented yet", code: 1) }
}
