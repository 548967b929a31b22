import ArgumentParser
import Foundation
import Statistics
import ResultsFile
import Sweep

/// `vaesweep status PATH [--json] [--watch SECONDS]`: a sweep seen from a login node while it runs.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a sweep's progress from its journal while it runs: points done/failed/remaining, rate, ETA, lock holder, verdicts so far.",
        discussion: """
            PATH is the sweep's output (`run --output PATH`). Reads PATH.journal (and PATH.lock) without taking \
            the run's lock and without writing anything, from any node that sees the file system; a record being \
            written is skipped. Prints the grid sizes; points done / failed / remaining, overall and per N; the rate \
            over the last minutes and an ETA from the cost model; the lock's holder and whether it is alive (known \
            on the holder's host); the age of the last journal write (a stalled job shows); failed points with their \
            reasons; and the validation verdicts of the finished points (MODEL.md §7), marked provisional. On a \
            finished file: the completion line (then see `vaesweep summary`); on a refine's output, whether a refine \
            holds it now, a round is pending (drained) or why it stopped, with the last round's verdicts. --json: the same as one object with \
            points_done, points_failed, points_remaining and eta_seconds at its top level. --watch S: refresh every \
            S seconds until the sweep is no longer running. Exit status 0, or 2 when there is no sweep at PATH.
            """)

    @Argument(help: "The sweep's output path (as given to `vaesweep run --output`).")
    var path: String

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(help: "Refresh every SECONDS until the sweep is no longer running.")
    var watch: Double?

    func validate() throws {
        if let w = watch, !(w > 0 && w.isFinite) { throw ValidationError("--watch: \(w) must be a number of seconds > 0") }
    }

    func run() throws {
        while true {
            let s: SweepStatus
            do { s = try SweepStatus.read(path: path) } catch { throw report(error) }
            let verdicts = s.pointsDone > 0 && s.data.hasSimulation ? Validation.compute(s.data) : nil
            if json {
                print(Self.json(s, verdicts: verdicts))
            } else {
                if watch != nil { print("— \(Provenance.isoNow()) —") }
                print(Self.text(s, verdicts: verdicts), terminator: "")
            }
            guard let w = watch, s.state == .running || Self.refinement(s)?.state == "refining" else { return }
            Thread.sleep(forTimeInterval: w)
        }
    }

    static func duration(_ s: Double?) -> String {
        guard let s, s.isFinite else { return "unknown" }
        let t = Int(s.rounded())
        if t >= 86_400 { return "\(t / 86_400)d\(String(format: "%02d", (t % 86_400) / 3600))h" }
        if t >= 3600 { return "\(t / 3600)h\(String(format: "%02d", (t % 3600) / 60))m" }
        if t >= 60 { return "\(t / 60)m\(String(format: "%02d", t % 60))s" }
        return "\(t)s"
    }

    /// A refine's output (the results file itself is its state, there is no journal): whether a
    /// refine holds it now, a round is pending (drained), or why it stopped; nil for other files.
    static func refinement(_ s: SweepStatus) -> (state: String, line: String)? {
        guard s.state == .finished, let r = s.data.refinement else { return nil }
        let held = (try? OutputLock.checkFree(outputPath: s.path)) == nil
        let done = r.rounds.filter(\.complete).count - 1
        let last = r.rounds.last { $0.complete }
        let verdicts = last.map { ", after round \($0.round): agree \($0.agree), marginal \($0.marginal), disagree \($0.disagree), undecided \($0.undecided), apart \($0.apart)" } ?? ""
        let rounds = "\(done) round\(done == 1 ? "" : "s") done\(verdicts)"
        if held { return ("refining", "refining (the output is rewritten after each round; \(rounds))") }
        if let p = r.pendingRound {
            return ("drained", "drained refinement: round \(p.round) pending (resume with `vaesweep refine INPUT --output \(s.path) --resume`, the same options; \(rounds))")
        }
        if r.finished.isEmpty { return ("stopped", "refinement stopped between rounds (resume with --resume; \(rounds))") }
        return ("finished", "refinement finished: \(r.finished) (\(rounds))")
    }

    static func percent(_ a: Int, _ b: Int) -> String { String(format: "%.1f %%", 100 * Double(a) / Double(max(1, b))) }

    static func text(_ s: SweepStatus, verdicts: Validation?) -> String {
        let g = s.grid, spec = g.spec
        var o: [String] = []
        let state: String
        switch s.state {
        case .running: state = "running" + (s.holderAlive == nil ? " (the holder is on another host: liveness not known here)" : "")
        case .drained: state = "drained: resume with `vaesweep run SPEC --output \(s.path) --resume`"
        case .stopped: state = "stopped: the journal remains and nobody holds the output (resume with --resume, or --retry-failed)"
        case .finished: state = refinement(s)?.line ?? "finished"
        }
        o.append("vaesweep status: \(s.path) — \(state)")
        var grid = "grid: \(g.nAlpha) α × \(g.nBeta) β × \(g.nLambda) λ = \(g.theoryPoints) theory points"
        if spec.simulate {
            grid += "; × \(g.nN) N × \(g.nSeeds) seeds = \(g.simulationPoints) simulated points (\(g.simulationUnits) data sets), "
                + "solver \(spec.solver.rawValue), data \(spec.dataModel.rawValue)"
        }
        o.append(grid)
        if s.state == .finished {
            o.append((s.data.refinement == nil ? "complete" : "computed (a refined study: sparse by design)")
                     + ": \(s.pointsDone)/\(s.pointsTotal) points (\(s.pointsFailed) failed); see `vaesweep summary \(s.path)`")
            return o.joined(separator: "\n") + "\n"
        }
        o.append("points: \(s.pointsDone) done (\(s.pointsReused) reused), \(s.pointsFailed) failed, \(s.pointsRemaining) remaining of \(s.pointsTotal) (\(percent(s.pointsDone, s.pointsTotal)))")
        for n in s.perN { o.append("  N = \(n.n): \(n.done)/\(n.total) (\(n.failed) failed)") }
        if let r = s.rate {
            o.append(String(format: "rate: %.3g points/s over the last %@; ETA %@ (cost model)", r, duration(s.rateWindow), duration(s.etaSeconds)))
        } else {
            o.append("rate: not yet measured (no clock marks in the last minutes); ETA \(duration(s.etaSeconds))")
        }
        o.append("lock: " + (s.holder.map { "\($0)" + (s.holderAlive.map { $0 ? " (alive)" : " (not running)" } ?? "") } ?? "none"))
        if let age = s.lastWriteAge { o.append("last journal write: \(duration(age)) ago") }
        if let d = s.damage { o.append("damaged journal: \(d)") }
        if !s.failures.isEmpty {
            o.append("failed points (\(s.pointsFailed)" + (s.pointsFailed > s.failures.count ? ", first \(s.failures.count)" : "") + "):")
            for f in s.failures { o.append("  \(f.point): \(f.reason)") }
        }
        if let v = verdicts {
            o.append("verdicts so far (provisional: MODEL.md §7 on the finished points only):")
            o += v.verdictLines(worst: 3).map { "  " + $0 }
        }
        return o.joined(separator: "\n") + "\n"
    }

    static func json(_ s: SweepStatus, verdicts: Validation?) -> String {
        var j = JSONObject()
        j.add("points_done", s.pointsDone); j.add("points_failed", s.pointsFailed)
        j.add("points_remaining", s.pointsRemaining); j.add("eta_seconds", s.etaSeconds ?? .nan)
        j.add("points_total", s.pointsTotal); j.add("points_reused", s.pointsReused)
        j.add("path", s.path); j.add("state", s.state.rawValue)
        if let r = refinement(s), let rf = s.data.refinement {
            j.add("refinement_state", r.state); j.add("refinement_rounds_done", rf.rounds.filter(\.complete).count - 1)
            j.add("refinement_finished", rf.finished)
        }
        j.add("theory_points", s.grid.theoryPoints); j.add("simulated_points", s.grid.simulationPoints)
        j.add("data_sets", s.grid.simulationUnits)
        j.add("rate_points_per_second", s.rate ?? .nan); j.add("rate_window_seconds", s.rateWindow)
        j.add("lock_holder", s.holder ?? "")
        if let a = s.holderAlive { j.add("lock_holder_alive", a) }
        j.add("last_write_age_seconds", s.lastWriteAge ?? .nan)
        j.add("damage", s.damage ?? "")
        for n in s.perN {
            j.add("done_N\(n.n)", n.done); j.add("failed_N\(n.n)", n.failed); j.add("total_N\(n.n)", n.total)
        }
        j.add("failures", s.failures.map { "\($0.point): \($0.reason)" }.joined(separator: "; "))
        if let v = verdicts {
            let c = v.counts()
            for verdict in Verdict.allCases { j.add("verdicts_" + verdict.name, c[verdict] ?? 0) }
            j.add("verdicts_provisional", true)
        }
        return j.line
    }
}
