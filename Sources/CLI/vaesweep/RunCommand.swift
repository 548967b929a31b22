import ArgumentParser

// Temporary: replaced by the real command in its own issue.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "(not yet implemented)", shouldDisplay: false)
    func run() throws { fail("'run' is not implemented yet", code: 1) }
}
