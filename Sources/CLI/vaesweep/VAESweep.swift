import ArgumentParser

@main
struct VAESweep: ParsableCommand {
    static let version = "0.1.0"
    static let configuration = CommandConfiguration(
        commandName: "vaesweep",
        abstract: "Theory-versus-simulation sweeps of the high-dimensional linear β-VAE.",
        version: version,
        subcommands: [TheoryCommand.self, SimulateCommand.self, RunCommand.self, PlotCommand.self, SummaryCommand.self]
    )
}
