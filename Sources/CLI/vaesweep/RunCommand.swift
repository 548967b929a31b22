import ArgumentParser
import Foundation
import LinearAlgebra
import MPIKit
import Sweep

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a sweep (theory + simulation on a grid) under MPI and gather it into one HDF5 file.",
        discussion: """
        Run alone or under `mpirun -np K` / `srun`: every rank computes, rank 0 also gathers and writes.
        Exit status: 0 complete; 2 bad input (nothing started); 3 interrupted by SIGTERM/SIGUSR1 \
        (partial file PATH.partial and journal PATH.journal written: rerun with --resume); 1 other failure.
        """
    )

    @Argument(help: "The sweep specification (TOML).")
    var spec: String

    @Option(help: "Output HDF5 file (default: [output].path of the spec, else results.h5).")
    var output: String?

    @Flag(help: "Continue an interrupted sweep of the same spec from PATH.journal.")
    var resume = false

    @Flag(help: "With --resume: recompute the points that failed.")
    var retryFailed = false

    @Flag(help: "No progress output.")
    var quiet = false

    @Flag(help: "Print the grid sizes, unit count and cost share per N, then exit.")
    var dryRun = false

    /// Print only once per job: on launch rank 0 (or when not launched by mpirun/srun).
    static var isLaunchRankZero: Bool { MPILaunch.isLaunchRankZero }

    func run() throws {
        let quietErrors = !RunCommand.isLaunchRankZero
        func bad(_ e: Error) -> Never {
            if quietErrors { Foundation.exit(2) }
            fail("spec \(e)")
        }
        let parsed: SweepSpec
        do { parsed = try SweepSpec.load(path: spec) } catch { bad(error) }
        var options = RunOptions(outputPath: output ?? parsed.outputPath ?? "results.h5")
        options.resume = resume || retryFailed
        options.retryFailed = retryFailed
        options.quiet = quiet

        if dryRun {
            if RunCommand.isLaunchRankZero { print(DryRun.report(Grid(spec: parsed), output: options.outputPath)) }
            return
        }
        do { try preflight(spec: parsed, options: options) } catch { bad(error) }

        BLAS.setThreads(1)  // one BLAS thread per rank: bitwise-reproducible, no oversubscription
        SweepRunner.installSignalHandlers()  // before MPI_Init: an early drain signal must not kill the rank
        let code = try MPIEnvironment.run(threading: .funneled) { mpi in  // finalises on return and on throw
            try SweepRunner.run(spec: parsed, options: options, comm: mpi.world)
        }
        if code != 0 { throw ExitCode(code) }
    }
}
