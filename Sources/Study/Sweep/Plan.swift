// Everything decided before MPI starts (exit 2 on any problem, nothing touched), and rank 0's
// part of a run: the points already known (journal, reused files), the coordinator, the file.
//
// Growing a study (MODEL.md §6): a point is the same point in two runs when its coordinates and
// the result-determining settings (`StudySettings`) are equal, so `--reuse FILE` copies it,
// `--resume` keeps journal points still in a changed grid, and only the rest is computed.
import Foundation
import MPIKit
import ResultsFile
import VAESimulation

/// A sweep checked and ready to run: made by `prepare` before MPI starts, run by `SweepRunner.run`.
public struct SweepPlan {
    /// The parsed spec being run.
    public let spec: SweepSpec
    /// The spec's grid (sizes checked).
    public let grid: Grid
    /// The command-line options of the run (output, --resume, --reuse, ...).
    public let options: RunOptions
    /// Held by launch rank 0 for the whole run.
    public private(set) var lock: OutputLock?

    /// What `prepare` decided: run the sweep, or nothing is left to do.
    public enum Decision: Equatable {
        case run
        /// The output already holds this exact sweep, complete.
        case nothingToDo(String)
    }

    /// Check everything that can be checked before MPI starts. Every rank runs the same
    /// deterministic checks (so they agree); launch rank 0 also checks memory and takes the lock.
    public static func prepare(spec: SweepSpec, options: RunOptions, launchRankZero: Bool) throws -> (SweepPlan, Decision) {
        let grid = try Grid(spec: spec)
        let out = options.outputPath
        try SafeOutput.checkTarget(out)
        if launchRankZero { try OutputLock.checkFree(outputPath: out) }
        for (path, role) in [(options.partialPath, "partial file"), (options.journalPath, "journal")] {
            var st = stat()
            if lstat(path, &st) == 0, (st.st_mode & S_IFMT) != S_IFREG {
                throw Refusal("the \(role) '\(path)' exists and is not a regular file (a directory or a symbolic link); move it away")
            }
        }
        let settings = spec.settings
        var reuseSizes = 0.0
        for path in options.reuse {
            let attrs = try readResultsAttributes(path, role: "--reuse")
            try checkReusable(attrs, path: path, settings: settings)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            reuseSizes = max(reuseSizes, Double(size))
        }
        let journalExists = FileManager.default.fileExists(atPath: options.journalPath)
        if journalExists {
            guard options.resume || options.retryFailed else {
                throw Refusal("unfinished sweep found ('\(options.journalPath)'): pass --resume to continue it, or move the journal away to start over")
            }
            let j = try Journal.readHeader(path: options.journalPath)   // the settings only, not the records
            let stored: StudySettings
            do { stored = try StudySettings(serialized: j.settings) } catch {
                throw Refusal("journal '\(options.journalPath)' has unreadable settings: \(error)")
            }
            if let key = settings.firstDifference(from: stored) {
                throw Refusal("--resume: the spec's \(key) differs from the one that started '\(options.journalPath)': its points are not the same points; restore the setting, or start a new --output (--reuse the old file)")
            }
        }
        var decision = Decision.run
        if FileManager.default.fileExists(atPath: out), !options.overwrite,
           !options.reuse.contains(where: { samePath($0, out) }) {
            let attrs = try readResultsAttributes(out, role: "--output", advice: "choose another --output, or --overwrite it")
            guard case let .string(canonical)? = attrs[RootKey.specCanonical], canonical == spec.canonical else {
                throw Refusal("'\(out)' exists and holds a different sweep; use --reuse \(out) to extend it, another --output, or --overwrite")
            }
            // The same spec computed by other numerics or streams (an older vaesweep) is not this sweep.
            if let d = try settingsDifference(attrs, path: out, role: "--output", settings: settings, allSettings: true) {
                throw Refusal("'\(out)' holds this spec's sweep, but its \(d.key) differs (file: \(d.theirs), this vaesweep: \(d.mine)): its points are not the same points; --overwrite recomputes it, or choose another --output")
            }
            let complete: Bool = { if case .int(1)? = attrs[RootKey.complete] { return true }; return false }()
            let failed: Int64 = { if case let .int(k)? = attrs[RootKey.pointsFailed] { return k }; return 0 }()
            if complete && failed == 0 && !journalExists {
                decision = .nothingToDo("'\(out)' already holds this sweep, complete: nothing to do (--overwrite recomputes it)")
            }
        }
        var plan = SweepPlan(spec: spec, grid: grid, options: options, lock: nil)
        if launchRankZero && decision == .run {
            let memory = MemoryEstimate(grid: grid, reusedFileBytes: reuseSizes * 2)
            if !options.force { try memory.check() }
            plan.lock = try OutputLock(outputPath: out)
        }
        return (plan, decision)
    }

    static func samePath(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
            == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
    }

    static func readResultsAttributes(_ path: String, role: String, advice: String = "") throws -> [String: AttributeValue] {
        let attrs: [String: AttributeValue]
        do { attrs = try ResultsData.readAttributes(path: path) } catch {
            throw Refusal("\(role) '\(path)': \(error)")
        }
        guard attrs[RootKey.rho] != nil, attrs[RootKey.specCanonical] != nil || attrs[RootKey.mergedFrom] != nil else {
            throw Refusal("\(role) '\(path)' exists and is not a vaesweep results file" + (advice.isEmpty ? "" : "; \(advice)"))
        }
        return attrs
    }

    /// Refuse a reused file whose theory points (always) or simulated points (when both simulate)
    /// are not the same points as this spec's.
    static func checkReusable(_ attrs: [String: AttributeValue], path: String, settings: StudySettings) throws {
        if let d = try settingsDifference(attrs, path: path, role: "--reuse", settings: settings, allSettings: false) {
            throw Refusal("--reuse '\(path)': \(d.key) differs (file: \(d.theirs), spec: \(d.mine)); its points are not the same points")
        }
    }

    /// The first setting in which a results file's attributes differ from `settings` (every setting
    /// when `allSettings`, else only those that make its points different points), with both values.
    static func settingsDifference(_ attrs: [String: AttributeValue], path: String, role: String, settings: StudySettings,
                                   allSettings: Bool) throws -> (key: String, theirs: String, mine: String)? {
        let other: StudySettings
        do { other = try StudySettings(attributes: attrs) } catch { throw Refusal("\(role) '\(path)': \(error)") }
        let difference = allSettings ? settings.firstDifference(from: other)
            : settings.firstTheoryDifference(from: other) ?? settings.firstSimulationDifference(from: other)
        guard let key = difference else { return nil }
        let mine = settings.attributes.first { $0.0 == key }?.1.description ?? "?"
        let theirs = other.attributes.first { $0.0 == key }?.1.description ?? "absent (older file)"
        return (key, theirs, mine)
    }

    // MARK: rank 0

    /// Rank 0's whole run: known points, the coordinator, the file. Returns the exit status.
    func coordinate(transport: SweepTransport, host: String, ranks: Int,
                    compute: @escaping @Sendable (WorkItem) -> [Double], interrupted: @escaping () -> Bool) throws -> Int32 {
        let startTime = Provenance.isoNow()
        let gitCommit = Provenance.gitCommit()
        let store = ResultStore(grid: grid)
        let log: (String) -> Void = { [quiet = options.quiet] s in if !quiet { SweepRunner.log(s) } }
        let journal: Journal
        var resumed = false
        if (options.resume || options.retryFailed), FileManager.default.fileExists(atPath: options.journalPath) {
            let c = try Journal.read(path: options.journalPath) { r in (try? store.apply(record: r.values, kind: r.kind)) != nil }
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
        for path in options.reuse {
            let other: ResultsData
            do { other = try ResultsData.read(path: path) } catch { throw Refusal("--reuse '\(path)': \(error)") }
            let os = try other.settings()
            let sims = spec.simulate && os.simulation != nil && spec.settings.firstSimulationDifference(from: os) == nil
            let (t, s) = store.copy(from: other, theory: true, simulation: sims)
            let version: String = { if case let .string(v)? = other.rootAttributes[RootKey.toolVersion] { return v }; return "?" }()
            let commit: String = { if case let .string(v)? = other.rootAttributes[RootKey.gitCommit] { return v }; return "?" }()
            reusedFrom.append("\(path) (vaesweep \(version), commit \(commit))")
            log("reusing \(t) theory and \(s) simulated points from \(path)")
        }

        var coordinator = Coordinator(transport: transport, store: store, journal: journal, host: host,
                                      compute: compute, interrupted: interrupted)
        coordinator.log = options.quiet ? nil : { SweepRunner.log($0) }
        coordinator.progressInterval = options.progressInterval
        let outcome = try coordinator.run(work: store.remainingWork())

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
        ]
        if !reusedFrom.isEmpty { attrs.append((RootKey.reusedFrom, .string(reusedFrom.joined(separator: "; ")))) }
        data.rootAttributes = Dictionary(attrs, uniquingKeysWith: { $1 })
        let target = outcome.complete ? options.outputPath : options.partialPath
        try SafeOutput.writeResults(data, to: target)
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
