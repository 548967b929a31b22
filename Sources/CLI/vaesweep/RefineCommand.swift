import ArgumentParser
import Foundation
import LinearAlgebra
import MPIKit
import Refine
import ResultsFile
import Statistics
import Sweep

struct RefineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refine",
        abstract: "Refine a study in rounds: more replicates or larger N where a verdict needs them, boundaries bracketed by the theory.",
        discussion: """
        Run like `run` (alone, under mpirun -np K or srun). Each round reads the current study, plans \
        the next points (precision: se(q∞) above its target; boundaries: β_c, β_eq, the optimal β and \
        BBP bracketed to --resolution, in the first round; windows: larger N for points reported apart), \
        computes only those, and writes the whole study to --output. The budget is charged at the cost \
        model's estimate (reference core-seconds), so a round's plan is a pure function of the file \
        and these options. Exit status: 0 finished (round limit, budget, or every target met: the \
        file's refine_finished says which); 2 bad input or a refusal; 3 drained by SIGTERM/SIGUSR1/SIGINT \
        (the output holds every finished round and the pending one's actions: rerun with --resume); 1 \
        other failure.
        """
    )

    @Argument(help: "The results file to refine (never written).")
    var input: String

    @Option(help: ArgumentHelp("Core-hours the refinement may spend (the cost model's estimate).", valueName: "core-hours"))
    var budget: Double

    @Option(help: "Rounds in this session.")
    var rounds: Int = 4

    @Option(help: ArgumentHelp("The se(q∞) every (point, observable) not reported apart should reach (default: only undecided points, to half the distance to another phase's prediction).", valueName: "se"))
    var targetSe: Double?

    @Option(help: "Relative width of the brackets inserted around the boundaries.")
    var resolution: Double = 0.02

    @Option(name: .customLong("max-n"), help: "Largest N to simulate (default 8000 with explicit data, 1000000 under the bidiagonal model).")
    var maxN: Int?

    @Option(help: "Most replicates per (point, N).")
    var maxReplicates: Int = 100

    @Option(help: "The refined results file (default: INPUT with .refined.h5).")
    var output: String?

    @Flag(help: "Continue the refinement in --output (a drained or killed refine; the same options).")
    var resume = false

    @Flag(help: "No progress output.")
    var quiet = false

    @Flag(help: "Print the next round's plan and exit (nothing is computed or written).")
    var dryRun = false

    func run() throws {
        let rankZero = MPILaunch.isLaunchRankZero
        var options = RefineOptions(budgetCoreHours: budget)
        options.rounds = rounds
        options.targetSE = targetSe
        options.resolution = resolution
        options.maxN = maxN
        options.maxReplicates = maxReplicates
        var request = RefineRequest(inputPath: input, outputPath: output ?? RefineRequest.defaultOutput(for: input), options: options)
        request.resume = resume
        request.quiet = quiet
        if dryRun {
            do {
                try options.validate()
                let data: ResultsData
                do { data = try ResultsData.read(path: resume && FileManager.default.fileExists(atPath: request.outputPath) ? request.outputPath : input) } catch { throw Refusal("refine: \(error)") }
                let r = data.refinement
                let spent = r.map { rr in rr.rounds.filter { $0.round >= rr.firstRound }.reduce(0) { $0 + $1.costEstimate } } ?? 0
                let plan = try Planner.plan(data: data, validation: Validation.compute(data), options: options,
                                            round: (r?.lastRound ?? 0) + 1, budgetLeft: options.budgetSeconds - spent,
                                            boundaries: !(r?.actions.contains { $0.rule.isBoundary } ?? false))
                if rankZero {
                    for line in plan.lines { print(line) }
                    print(String(format: "round %d: %d actions, %d simulated points, estimated %.4g core-s (budget %.4g core-s)",
                                 plan.round, plan.actions.count, plan.simulatedPoints, plan.cost, options.budgetSeconds - spent))
                }
            } catch { throw report(error, quiet: !rankZero) }
            return
        }
        let session: RefineSession
        do {
            let (s, decision) = try RefineSession.prepare(request, launchRankZero: rankZero)
            if case let .nothingToDo(message) = decision {
                if rankZero && !quiet { FileHandle.standardError.write(Data("[vaesweep] \(message)\n".utf8)) }
                return
            }
            session = s
        } catch { throw report(error, quiet: !rankZero) }

        BLAS.setThreads(1)
        SweepRunner.installSignalHandlers()
        defer { session.releaseLock() }
        let code = try MPIEnvironment.run(threading: .funneled) { mpi in
            try RefineRunner.run(session, comm: mpi.world)
        }
        if code != 0 { throw ExitCode(code) }
    }
}
