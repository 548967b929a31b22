import ArgumentParser

// Temporary: replaced by the real command in its own issue.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plot", abstract: "(not yet implemented)", shouldDisplay: false)
    func run() throws { fail("'plot' is not implemented yet", code: 1) }
}
