// Rank 0's part of a run: the points already known (journal, reused files), the coordinator over
// the other ranks, and the results file (or the partial file of a drained run).
import Foundation
import ResultsFile

extension SweepPlan {
    /// Rank 0's whole run: known points, the coordinator over `transport`, the file. Returns the
    /// exit status. (Called by `SweepRunner.run` on rank 0; tests drive it over an in-memory network.)
    public func coordinate(transport: SweepTransport, host: String, ranks: Int,
                    compute: @escaping @Sendable (WorkItem) -> [Double], interrupted: @escaping () -> Bool) throws -> Int32 {
        let startTime = Provenance.isoNow()
        let gitCommit = Provenance.gitCommit()
        let store = ResultStore(grid: grid)
        let log: (String) -> Void = { [quiet = options.quiet] s in if !quiet { SweepRunner.log(s) } }
        let journal: Journal
        var resumed = false
        if (options.resume || options.retryFailed), FileManager.default.fileExists(atPath: options.journalPath) {
            let c = try Journal.read(path: options.journalPath) { r in
                (try? store.apply(record: r.values, kind: r.kind, reused: r.reused)) != nil
            }
            if let damage = c.damage {
                SweepRunner.log("journal '\(options.journalPath)': \(damage); dropped it" +
                                (c.droppedAfterDamage > 0 ? " and \(c.droppedAfterDamage) intact record(s) after it" : "") +
                                " (their points are computed again)")
            }
            if options.retryFailed {
                let k = store.resetFailed()
                log("retrying \(k) failed point(s)")
            }
            journal = try Journal.reopen(path: options.journalPath, validLength: c.validLength)
            resumed = true
            log("resuming: \(store.pointsDone)/\(store.pointsTotal) points already done (\(c.records.count) journal records)")
        } else {
            journal = try Journal.create(path: options.journalPath, settings: spec.settings.serialized,
                                         canonicalSpec: spec.canonical)
        }
        var reusedFrom: [String] = []
        for (path, other) in reused {   // read and checked before anything started (`prepare`)
            let os = try other.settings()
            let sims = spec.simulate && os.simulation != nil && spec.settings.firstSimulationDifference(from: os) == nil
            let (t, s, copied) = store.copy(from: other, theory: true, simulation: sims)
            // journaled as reused points: --resume and `vaesweep status` see them without the file
            for (kind, indices) in [(PointKind.theory, copied.theory), (.simulation, copied.simulation)] {
                for r in store.records(kind, indices) { try journal.append(kind: kind, values: r, reused: true) }
            }
            reusedFrom.append(other.attributes.origin(path: path))
            log("reusing \(t) theory and \(s) simulated points from \(path)")
        }

        var coordinator = Coordinator(transport: transport, store: store, journal: journal, host: host,
                                      compute: compute, interrupted: interrupted)
        coordinator.log = options.quiet ? nil : { SweepRunner.log($0) }
        coordinator.progressInterval = options.progressInterval
        coordinator.hold = { [hooks] in hooks.holds(afterHandingOut: $0) }
        let outcome = try coordinator.run(work: grid.handOutOrder(store.remainingWork(), ranks: ranks))

        var data = store.data
        let reused = store.reusedTheory + store.reusedSim
        let computed = store.pointsDone - reused
        let theoryComputed = store.theoryDoneCount - store.reusedTheory
        let simComputed = store.simDoneCount - store.reusedSim
        var attrs = spec.settings.attributes
        attrs += Provenance.attributes(spec: spec, ranks: ranks, hosts: outcome.hosts, start: startTime,
                                       end: Provenance.isoNow(), gitCommit: gitCommit)
        attrs += [
            (RootKey.pointsDone, .int(Int64(store.pointsDone))), (RootKey.pointsTotal, .int(Int64(store.pointsTotal))),
            (RootKey.pointsFailed, .int(Int64(store.failedPoints))), (RootKey.complete, .int(outcome.complete ? 1 : 0)),
            (RootKey.pointsReused, .int(Int64(reused))), (RootKey.pointsComputed, .int(Int64(computed))),
            (RootKey.pointsReusedTheory, .int(Int64(store.reusedTheory))), (RootKey.pointsReusedSim, .int(Int64(store.reusedSim))),
            (RootKey.pointsComputedTheory, .int(Int64(theoryComputed))), (RootKey.pointsComputedSim, .int(Int64(simComputed))),
            (RootKey.busySeconds, .doubles(outcome.busySeconds)), (RootKey.loadBalance, .double(outcome.loadBalance)),
        ]
        if !reusedFrom.isEmpty { attrs.append((RootKey.reusedFrom, .string(reusedFrom.joined(separator: "; ")))) }
        data.attributes = RootAttributes(attrs)
        let target = outcome.complete ? options.outputPath : options.partialPath
        try SafeFile.writeResults(data, to: target)
        if outcome.complete {
            if resumed, FileManager.default.fileExists(atPath: options.partialPath) {
                unlink(options.partialPath)   // this sweep's own earlier partial file, superseded
            }
            let failed = store.failedPoints
            if failed == 0 {
                unlink(options.journalPath)   // this run's journal: everything is in the file now
            } else {
                log("\(failed) simulated points failed (status 2); `--resume --retry-failed` recomputes them")
            }
            log("wrote \(target): \(computed) points computed, \(reused) reused")
            return ExitStatus.complete
        }
        SweepRunner.log("interrupted: wrote partial results to \(target) (\(store.pointsDone)/\(store.pointsTotal) points); rerun with --resume to finish")
        return ExitStatus.interrupted
    }
}
