import ArgumentParser
import Foundation
import LinearAlgebra
import MPIKit
import ResultsFile
import Sweep

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a sweep (theory + simulation on a grid) under MPI and gather it into one HDF5 file.",
        discussion: """
        Run alone or under `mpirun -np K` / `srun`: every rank computes, rank 0 also gathers and writes.
        Exit status: 0 complete (or nothing to do); 2 bad input or a refusal (nothing started); 3 drained \
        by SIGTERM/SIGUSR1/SIGINT (partial file PATH.partial and journal PATH.journal written: rerun \
        with --resume); 1 other failure. A second Ctrl-C ends at once (130).
        """
    )

    @Argument(help: "The sweep specification (TOML).")
    var spec: String

    @Option(help: "Output HDF5 file (default: [output].path of the spec, else results.h5).")
    var output: String?

    @Option(name: .customLong("reuse"), help: ArgumentHelp("Copy the finished points of this results file instead of computing them (repeatable).", valueName: "file.h5"))
    var reuse: [String] = []

    @Flag(help: "Continue an interrupted sweep from PATH.journal (the spec may have changed; its settings may not).")
    var resume = false

    @Flag(help: "With --resume: recompute the points that failed.")
    var retryFailed = false

    @Flag(help: "Replace an existing results file that holds a different sweep.")
    var overwrite = false

    @Flag(help: "Start even when the memory estimate exceeds what this node has.")
    var force = false

    @Flag(help: "No progress output.")
    var quiet = false

    @Flag(help: "Print every coordinate value, the grid sizes, work and memory estimates, then exit.")
    var dryRun = false

    /// Print only once per job: on launch rank 0 (or when not launched by mpirun/srun).
    static var isLaunchRankZero: Bool { MPILaunch.isLaunchRankZero }

    func run() throws {
        let rankZero = RunCommand.isLaunchRankZero
        let parsed: SweepSpec
        do { parsed = try SweepSpec.load(path: spec) } catch { throw report(error, quiet: !rankZero) }
        var options = RunOptions(outputPath: output ?? parsed.outputPath ?? "results.h5")
        options.resume = resume || retryFailed
        options.retryFailed = retryFailed
        options.quiet = quiet
        options.reuse = reuse
        options.overwrite = overwrite
        options.force = force

        if dryRun {
            do {
                let grid = try Grid(spec: parsed)
                if rankZero { print(DryRun.report(grid, output: options.outputPath)) }
            } catch { throw report(error, quiet: !rankZero) }
            return
        }
        let plan: SweepPlan
        do {
            let (p, decision) = try SweepPlan.prepare(spec: parsed, options: options, launchRankZero: rankZero)
            if case let .nothingToDo(message) = decision {
                if rankZero && !quiet { FileHandle.standardError.write(Data("[vaesweep] \(message)\n".utf8)) }
                return
            }
            plan = p
        } catch { throw report(error, quiet: !rankZero) }

        BLAS.setThreads(1)  // one BLAS thread per rank: bitwise-reproducible, no oversubscription
        SweepRunner.installSignalHandlers()  // before MPI_Init: an early drain signal must not kill the rank
        defer { plan.releaseLock() }   // launch rank 0 holds the output lock until the run has ended
        let code = try MPIEnvironment.run(threading: .funneled) { mpi in  // finalises on return and on throw
            try SweepRunner.run(plan, comm: mpi.world)
        }
        if code != 0 { throw ExitCode(code) }
    }
}

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge results files of one study (equal settings) into one results file.",
        discussion: """
        The coordinates of the output are the union of the inputs' (ascending); each point is taken from \
        whichever input has it finished (status ok); a point present in two inputs must be equal in every \
        data variable except sim_seconds. Exit status 2 for inputs of different settings or a conflict.
        """
    )

    @Argument(help: "Results files to merge.")
    var inputs: [String]

    @Option(help: "The merged results file (must not exist, unless --overwrite).")
    var output: String

    @Flag(help: "Replace an existing file at --output.")
    var overwrite = false

    func validate() throws {
        guard inputs.count >= 1 else { throw ValidationError("give at least one input file") }
    }

    func run() throws {
        do {
            try SafeFile.checkTarget(output)
            if FileManager.default.fileExists(atPath: output) && !overwrite {
                throw Refusal("'\(output)' exists; choose another --output or pass --overwrite")
            }
            try OutputLock.checkFree(outputPath: output)
            var loaded: [(path: String, data: ResultsData)] = []
            for path in inputs {
                do { loaded.append((path, try ResultsData.read(path: path))) } catch { throw Refusal("merge: \(error)") }
            }
            let (data, _) = try Merge.merge(loaded)
            // every refusal is behind us: only now take the output's lock (and create its file)
            let lock = try OutputLock(outputPath: output)
            defer { lock.release() }
            try SafeFile.writeResults(data, to: output, replacing: overwrite)
            let done = data.pointsDone.map(String.init) ?? "?"
            FileHandle.standardError.write(Data("[vaesweep] wrote \(output): \(done)/\(data.theoryCount + data.simCount) points from \(inputs.count) files\n".utf8))
        } catch {
            throw report(error)
        }
    }
}
