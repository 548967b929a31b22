// Everything a refine decides before MPI starts (exit 2 on any problem, nothing touched): the
// options, the input (a results file with simulations), the output (never the input, never an
// existing file unless --resume continues the refinement it holds), the lock, and the state the
// first round starts from.
//
// The state is the results file itself: the input's points with a refinement record (round 0),
// or, with --resume, the output as the last run left it — its rounds, its actions and, for a round
// a drain interrupted, the actions still to carry out.
import Foundation
import ResultsFile
import Statistics
import Sweep
import VAESimulation

/// The command line of a refine.
public struct RefineRequest: Sendable {
    /// The results file to refine (never written).
    public var inputPath: String
    /// Where the refined study is written (after every round).
    public var outputPath: String
    /// The plan-determining options.
    public var options: RefineOptions
    /// --resume: continue the refinement in `outputPath`.
    public var resume = false
    /// --quiet: no progress lines.
    public var quiet = false
    /// Seconds between progress lines within a round.
    public var progressInterval = 2.0
    /// A request with the defaults above.
    public init(inputPath: String, outputPath: String, options: RefineOptions) {
        self.inputPath = inputPath; self.outputPath = outputPath; self.options = options
    }

    /// The default output of an input: "NAME.refined.h5" next to "NAME.h5".
    public static func defaultOutput(for input: String) -> String {
        (input.hasSuffix(".h5") ? String(input.dropLast(3)) : input) + ".refined.h5"
    }
}

/// A refine checked and ready to run (see the file header).
public struct RefineSession {
    /// The request.
    public let request: RefineRequest
    /// Test hooks (`TestHooks`; none in production).
    public let hooks: TestHooks
    /// Launch rank 0: the state the first round starts from (nil on other ranks).
    public private(set) var state: ResultsData?
    /// Launch rank 0: the output lock, held until `releaseLock()`.
    private var lock: OutputLock?

    /// Release the output lock (launch rank 0; a no-op elsewhere).
    public func releaseLock() { lock?.release() }

    /// What `prepare` decided.
    public enum Decision: Equatable {
        case run
        /// The output already holds this refinement, finished.
        case nothingToDo(String)
    }

    /// Check everything before MPI starts. Every rank checks the options; launch rank 0 reads the
    /// files, takes the lock and builds the state.
    public static func prepare(_ request: RefineRequest, launchRankZero: Bool) throws -> (RefineSession, Decision) {
        // every rank: the checks and the decision that need no more than attributes (so all ranks
        // agree on refusing or on having nothing to do)
        try request.options.validate()
        let hooks = try TestHooks.fromEnvironment()
        var session = RefineSession(request: request, hooks: hooks, state: nil, lock: nil)
        let input = request.inputPath, out = request.outputPath
        guard FileManager.default.fileExists(atPath: input) else { throw Refusal("refine: the input '\(input)' does not exist") }
        if SweepPlan.samePath(input, out) {
            throw Refusal("refine: --output '\(out)' is the input; the input is never written — choose another --output")
        }
        try SafeFile.checkTarget(out, derivedSuffixes: [".lock"])
        let settings: StudySettings
        do { settings = try ResultsData.readAttributes(path: input).settings() } catch { throw Refusal("refine: \(error)") }
        guard let sim = settings.simulation, sim.solver != nil, sim.dataModel != nil else {
            throw Refusal("refine: '\(input)' holds no simulations (a theory-only study has nothing to refine)")
        }
        var decision = Decision.run
        let outputExists = FileManager.default.fileExists(atPath: out)
        if outputExists {
            guard request.resume else {
                throw Refusal("refine: '\(out)' exists; pass --resume to continue the refinement it holds, or choose another --output")
            }
            let status: (options: String, finished: String, pending: Bool)?
            do { status = try Refinement.readStatus(path: out) } catch { throw Refusal("refine --resume: \(error)") }
            guard let status else {
                throw Refusal("refine --resume: '\(out)' is not the output of a refine; choose another --output")
            }
            if let d = request.options.firstDifference(from: status.options) {
                throw Refusal("refine --resume: \(d.option) differs from the refine that wrote '\(out)' (file: \(d.theirs), given: \(d.mine)); give the same options, or refine '\(out)' further into a new --output")
            }
            if !status.finished.isEmpty && !status.pending {
                decision = .nothingToDo("'\(out)' holds this refinement, finished (\(status.finished)): nothing to do")
            }
        }
        guard launchRankZero, decision == .run else { return (session, decision) }
        // launch rank 0: the files themselves, the lock, the state
        try OutputLock.checkFree(outputPath: out)
        let base: ResultsData
        do { base = try ResultsData.read(path: input) } catch { throw Refusal("refine: \(error)") }
        guard base.hasSimulation else {
            throw Refusal("refine: '\(input)' holds no simulations (a theory-only study has nothing to refine)")
        }
        if base.refinement?.pendingRound != nil {
            throw Refusal("refine: '\(input)' is a refinement drained part-way through a round; finish it first (refine its input with --output '\(input)' --resume)")
        }
        if outputExists {
            let current: ResultsData
            do { current = try ResultsData.read(path: out) } catch { throw Refusal("refine --resume: \(error)") }
            if let key = try current.settings().firstDifference(from: settings) {
                throw Refusal("refine --resume: '\(out)' and '\(input)' differ in \(key); it is not a refinement of this input")
            }
            let grown = AxisIndex(current.alpha), grownB = AxisIndex(current.beta), grownL = AxisIndex(current.lam)
            guard base.alpha.allSatisfy({ grown[$0] != nil }), base.beta.allSatisfy({ grownB[$0] != nil }),
                  base.lam.allSatisfy({ grownL[$0] != nil }) else {
                throw Refusal("refine --resume: '\(out)' does not hold the grid of '\(input)'; it is not a refinement of this input")
            }
            session.state = current
        } else {
            session.state = start(base, request: request)
        }
        session.lock = try OutputLock(outputPath: out)
        return (session, decision)
    }

    /// The state of a new session on `base`: its points with round 0 (or, for a refined input, its
    /// rounds continued), the options, and round 0's verdict counts.
    static func start(_ base: ResultsData, request: RefineRequest) -> ResultsData {
        var d = base
        if var r = base.refinement {
            r.options = request.options.canonical
            r.firstRound = r.lastRound + 1
            r.finished = ""
            d.refinement = r
            return d
        }
        var r = Refinement(rounds: [], actions: [], theoryRound: [], simRound: [], options: request.options.canonical,
                           firstRound: 1, finished: "", base: base.attributes.origin(path: request.inputPath), plan: [])
        r.theoryRound = (0..<base.theoryCount).map { base.isDone(.theory, $0) ? 0 : -1 }
        r.simRound = (0..<base.simCount).map { base.isDone(.simulation, $0) ? 0 : -1 }
        var row = Refinement.Round(round: 0, complete: true)
        row.theoryPoints = r.theoryRound.filter { $0 == 0 }.count
        row.simulatedPoints = r.simRound.filter { $0 == 0 }.count
        if let s = try? base.settings().simulation, let solver = s.solver, let model = s.dataModel {
            row.costEstimate = RefineSession.estimatedCost(of: base, solver: solver, model: model, adamSteps: Int(s.maxSteps))
        }
        RefineSession.count(Validation.compute(base), into: &row)
        r.rounds = [row]
        d.refinement = r
        return d
    }

    /// The cost model's estimate of the finished points of `d` (reference core-seconds).
    static func estimatedCost(of d: ResultsData, solver: Solver, model: DataModel, adamSteps: Int) -> Double {
        var cost = PlanCost(solver: solver, dataModel: model, rho: d.rho, eta: d.eta, adamSteps: adamSteps)
        for a in d.alpha.indices { for b in d.beta.indices { for l in d.lam.indices { for n in d.N.indices {
            let seeds = d.seeds.indices.filter { d.isDone(.simulation, d.simIndex(a, b, l, n, $0)) }.map { d.seeds[$0] }
            if !seeds.isEmpty { cost.add(alpha: d.alpha[a], n: d.N[n], seeds: seeds) }
        } } } }
        cost.addTheory((0..<d.theoryCount).filter { d.isDone(.theory, $0) }.count)
        return cost.total
    }

    /// Verdict counts of a validation into a round row.
    static func count(_ v: Validation, into row: inout Refinement.Round) {
        let c = v.counts()
        row.agree = c[.agree] ?? 0; row.marginal = c[.marginal] ?? 0; row.disagree = c[.disagree] ?? 0
        row.undecided = c[.undecided] ?? 0
        row.apart = c.filter { $0.key.isExcluded }.reduce(0) { $0 + $1.value }
    }
}
