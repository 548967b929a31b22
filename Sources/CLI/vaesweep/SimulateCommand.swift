import ArgumentParser

// Temporary: replaced by the real command in its own issue.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "simulate", abstract: "(not yet implemented)", shouldDisplay: false)
    func run() throws { fail("'simulate' is not implemented yet", code: 1) }
}
