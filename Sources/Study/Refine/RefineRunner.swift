// The rounds of a refine in one MPI job. Rank 0 reads the state (the results file), plans a
// round, broadcasts the round's grid (the study's spec on the grown axes, canonical text), and
// coordinates the round's work exactly as `run` does (the same coordinator, work items and
// payloads: a point's numbers do not depend on which round or run computed it); the other ranks
// compute. After every round rank 0 writes the whole study to the output (a fresh temporary file
// renamed into place), so the output always holds every finished round.
//
// A drain (SIGTERM/SIGUSR1/SIGINT) finishes the items in flight, writes the output with the
// round pending (its actions are in the file) and exits 3; `--resume` carries out the pending
// actions' remaining points and goes on. A killed refine (SIGKILL, node failure) resumes from the
// last finished round and plans it again: the same file gives the same plan.
//
// Stops (exit 0, the reason in `refine_finished`): the round limit; the budget (the cost model's
// estimate, reference core-seconds); nothing left to do (every target met, or what is left is
// beyond the caps or the budget: the plan text says which).
import Foundation
import MPIKit
import ResultsFile
import Statistics
import Sweep

/// How rank 0 starts a round on the other ranks: broadcasts its grid and returns the transport
/// of the round (MPI), or runs alone (tests).
public protocol RoundChannel {
    /// Ranks of the job.
    var ranks: Int { get }
    /// Start a round on `spec`'s grid: every rank gets it; returns rank 0's transport.
    func begin(_ spec: SweepSpec, grid: Grid) throws -> SweepTransport
    /// No more rounds: the other ranks return.
    func end() throws
}

/// Rank 0 alone, in memory (no MPI): a refine inside one process.
public final class LocalRoundChannel: RoundChannel {
    public init() {}
    public var ranks: Int { 1 }
    public func begin(_ spec: SweepSpec, grid: Grid) throws -> SweepTransport { InMemoryNetwork(size: 1).endpoint(0) }
    public func end() throws {}
}

/// The MPI channel: rank 0 broadcasts each round's canonical spec ("" ends).
final class MPIRoundChannel: RoundChannel {
    let comm: Communicator
    init(comm: Communicator) { self.comm = comm }
    var ranks: Int { comm.size }
    func begin(_ spec: SweepSpec, grid: Grid) throws -> SweepTransport {
        _ = try comm.broadcast(spec.canonical, root: 0)
        return MPITransport(comm: comm, grid: grid)
    }
    func end() throws { _ = try comm.broadcast("", root: 0) }
}

/// Running a prepared refine (see the file header).
public enum RefineRunner {
    /// Run `session` on `comm` (collective). Returns the exit status, the same on every rank.
    public static func run(_ session: RefineSession, comm: Communicator) throws -> Int32 {
        var code: Int32 = 0
        let host = MPI.processorName()
        if comm.rank == 0 {
            do {
                code = try session.rounds(channel: MPIRoundChannel(comm: comm), host: host,
                                          interrupted: { SweepRunner.drainRequested })
            } catch {
                SweepRunner.log("error: \(error)")
                comm.abort(ExitStatus.of(error))
            }
        } else {
            do {
                while true {
                    let text = try comm.broadcast("", root: 0)
                    if text.isEmpty { break }
                    let spec = try SweepSpec(canonical: text)
                    let grid = try Grid(spec: spec)
                    let computer = UnitComputer(grid: grid, hooks: session.hooks)
                    try Coordinator.work(transport: MPITransport(comm: comm, grid: grid), host: host,
                                         compute: { computer.compute($0) }, interrupted: { SweepRunner.drainRequested })
                }
            } catch {
                SweepRunner.log("rank \(comm.rank): error: \(error)")
                comm.abort(ExitStatus.of(error))
            }
        }
        return Int32(try comm.broadcast(Int(code), root: 0))
    }
}

extension RefineSession {
    /// Rank 0's rounds over `channel`: plan, run, write, until a stop or a drain. Returns the exit
    /// status (0 finished, 3 drained).
    public func rounds(channel: RoundChannel, host: String, interrupted: @escaping () -> Bool,
                       compute: ((Grid) -> @Sendable (WorkItem) -> [Double])? = nil) throws -> Int32 {
        guard var state = state, state.refinement != nil else { preconditionFailure("rounds() runs on launch rank 0 with a state") }
        let options = request.options
        let log: (String) -> Void = { [quiet = request.quiet] s in if !quiet { SweepRunner.log(s) } }
        let settings = try state.settings()
        let gitCommit = Provenance.gitCommit()
        let startTime = Provenance.isoNow()
        var code = ExitStatus.complete
        var lastRun: CoordinatorOutcome? = nil   // the latest round's run: its busy seconds and load balance
        defer { try? channel.end() }
        while true {
            var r = state.refinement!
            let k: Int
            if let pending = r.pendingRound {
                k = pending.round
                log("round \(k): resuming its \(r.actions(ofRound: k).count) planned actions")
            } else {
                let done = r.rounds.filter { $0.round >= r.firstRound && $0.complete }.count
                let spent = r.rounds.filter { $0.round >= r.firstRound }.reduce(0) { $0 + $1.costEstimate }
                if done >= options.rounds {
                    try finish(&state, "the round limit (--rounds \(options.rounds))", settings: settings, ranks: channel.ranks, host: host, gitCommit: gitCommit, start: startTime, run: lastRun, log: log)
                    break
                }
                if interrupted() {
                    log("drained between rounds: '\(request.outputPath)' holds every finished round; rerun with --resume")
                    code = ExitStatus.interrupted
                    break
                }
                let left = options.budgetSeconds - spent
                let validation = Validation.compute(state)
                let hasBoundaries = r.actions.contains { $0.rule.isBoundary }
                let plan = try Planner.plan(data: state, validation: validation, options: options, round: r.lastRound + 1,
                                            budgetLeft: left, boundaries: done == 0 && !hasBoundaries)
                for line in plan.lines { log(line) }
                if plan.isEmpty {
                    let reason = plan.unmet == 0 ? "every target met"
                        : "nothing more within the budget and caps (\(plan.unmet) needs left; see refine_plan)"
                    r.plan += plan.lines
                    state.refinement = r
                    try finish(&state, reason, settings: settings, ranks: channel.ranks, host: host, gitCommit: gitCommit, start: startTime, run: lastRun, log: log)
                    break
                }
                k = plan.round
                r = r.remapped(from: state.axes, to: plan.axes)
                r.actions += plan.actions
                r.plan += plan.lines
                var row = Refinement.Round(round: k, complete: false)
                row.precisionActions = plan.actions.filter { $0.rule == .precision }.count
                row.windowActions = plan.actions.filter { $0.rule == .window }.count
                row.boundaryActions = plan.actions.filter { $0.rule.isBoundary }.count
                row.costEstimate = plan.cost
                r.rounds.append(row)
                log(String(format: "round %d: %d actions, %d simulated points, estimated %.3g of the %.3g core-s left",
                           k, plan.actions.count, plan.simulatedPoints, plan.cost, left))
                // the study on the grown axes
                var grown = ResultsData.empty(axes: plan.axes, rho: state.rho, eta: state.eta)
                _ = try grown.merge(from: state, theory: true, simulation: true, statuses: [.ok, .failed], onConflict: .keepExisting)
                grown.attributes = state.attributes
                state = grown
                state.refinement = r
            }
            // the round's sweep: the study's spec on the grown axes, only the planned points
            let spec = try SweepSpec(settings: settings, axes: state.axes, source: request.inputPath, role: "refine")
            let grid = try Grid(spec: spec)
            let store = ResultStore(grid: grid)
            precondition(store.data.axes == state.axes, "the round's grid does not reproduce the study's axes")
            try store.preload(state)
            let planned = Set(Planner.plannedPoints(r.actions(ofRound: k), in: store.data))
            let work = store.remainingWork(simulating: planned)
            store.expect(work)
            let transport = try channel.begin(spec, grid: grid)
            let computer = UnitComputer(grid: grid, hooks: hooks)
            let computeItem: @Sendable (WorkItem) -> [Double]
            if let compute { computeItem = compute(grid) } else { computeItem = { computer.compute($0) } }
            var coordinator = Coordinator(transport: transport, store: store, journal: nil, host: host,
                                          compute: computeItem, interrupted: interrupted)
            coordinator.log = request.quiet ? nil : { SweepRunner.log($0) }
            coordinator.progressInterval = request.progressInterval
            let holdHere = hooks.holdRound.map { $0 == k } ?? true
            coordinator.hold = { [hooks] in holdHere && hooks.holds(afterHandingOut: $0) }
            log("round \(k): computing \(work.reduce(0) { $0 + $1.points }) points in \(work.count) work items")
            let t0 = Date()
            let outcome = try coordinator.run(work: work)
            let wall = Date().timeIntervalSince(t0)
            lastRun = outcome
            // the round's record
            var next = store.data
            var row = r.rounds.removeLast()
            for t in 0..<next.theoryCount where r.theoryRound[t] < 0 && next.isDone(.theory, t) {
                r.theoryRound[t] = Int8(k); row.theoryPoints += 1
            }
            for i in 0..<next.simCount where r.simRound[i] < 0 && next.isDone(.simulation, i) {
                r.simRound[i] = Int8(k); row.simulatedPoints += 1
            }
            row.wallSeconds = (row.wallSeconds.isNaN ? 0 : row.wallSeconds) + wall
            row.coreSeconds = (row.coreSeconds.isNaN ? 0 : row.coreSeconds) + wall * Double(channel.ranks)
            row.loadBalance = outcome.loadBalance
            let remaining = planned.filter { !next.isDone(.simulation, $0) }.count
                + (0..<next.theoryCount).filter { !next.isDone(.theory, $0) }.count
            row.complete = outcome.complete && remaining == 0
            if row.complete { RefineSession.count(Validation.compute(next), into: &row) }
            r.rounds.append(row)
            next.attributes = state.attributes
            next.refinement = r
            state = next
            try write(&state, spec: spec, settings: settings, ranks: channel.ranks, hosts: outcome.hosts, gitCommit: gitCommit, start: startTime, run: lastRun)
            if !row.complete {
                SweepRunner.log("interrupted: wrote '\(request.outputPath)' with round \(k) pending (\(remaining) points left); rerun with --resume to finish")
                code = ExitStatus.interrupted
                break
            }
            log("round \(k) done: agree \(row.agree), marginal \(row.marginal), disagree \(row.disagree), undecided \(row.undecided), apart \(row.apart); wrote \(request.outputPath)")
        }
        return code
    }

    /// Record why the session stopped and write the output.
    private func finish(_ state: inout ResultsData, _ reason: String, settings: StudySettings, ranks: Int, host: String,
                        gitCommit: String, start: String, run: CoordinatorOutcome?, log: (String) -> Void) throws {
        state.refinement!.finished = reason
        let spec = try SweepSpec(settings: settings, axes: state.axes, source: request.inputPath, role: "refine")
        try write(&state, spec: spec, settings: settings, ranks: ranks, hosts: run?.hosts ?? [host], gitCommit: gitCommit, start: start, run: run)
        log("refine finished: \(reason); wrote \(request.outputPath)")
    }

    /// The study's root attributes (settings, provenance of the union spec, bookkeeping, the load
    /// balance of `run`, the latest round's run of this process), then the file.
    private func write(_ state: inout ResultsData, spec: SweepSpec, settings: StudySettings, ranks: Int, hosts: [String],
                       gitCommit: String, start: String, run: CoordinatorOutcome?) throws {
        let done = (0..<state.theoryCount).filter { state.isDone(.theory, $0) }.count
            + (0..<state.simCount).filter { state.isDone(.simulation, $0) }.count
        let total = state.theoryCount + state.simCount
        var attrs = settings.attributes
        attrs += Provenance.attributes(spec: spec, ranks: ranks, hosts: hosts, start: start, end: Provenance.isoNow(), gitCommit: gitCommit)
        attrs += [
            (RootKey.pointsDone, .int(Int64(done))), (RootKey.pointsTotal, .int(Int64(total))),
            (RootKey.pointsFailed, .int(Int64(state.status?.lazy.filter { $0 == PointStatus.failed.rawValue }.count ?? 0))),
            (RootKey.complete, .int(done == total ? 1 : 0)),
        ]
        if let run { attrs += [(RootKey.busySeconds, .doubles(run.busySeconds)), (RootKey.loadBalance, .double(run.loadBalance))] }
        state.attributes = RootAttributes(attrs)
        try SafeFile.writeResults(state, to: request.outputPath)
    }
}
