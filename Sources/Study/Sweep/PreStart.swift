// Everything decided before MPI starts (exit 2 on any problem, nothing touched): the spec's grid,
// the output, partial file and journal paths, the reused files' settings, whether there is
// anything to do, the memory estimate, the test hooks, and the output lock. Rank 0's part of the
// run itself is RankZero.swift.
//
// Growing a study (MODEL.md §6): a point is the same point in two runs when its coordinates and
// the result-determining settings (`StudySettings`) are equal, so `--reuse FILE` copies it,
// `--resume` keeps journal points still in a changed grid, and only the rest is computed.
import Foundation
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
    /// The test hooks of this process (`TestHooks`; none in production).
    public let hooks: TestHooks
    /// Held by launch rank 0 for the whole run; `releaseLock()` ends it.
    public private(set) var lock: OutputLock?
    /// Launch rank 0: the `--reuse` files, read once before anything starts (their settings checked
    /// on what was read, so a file replaced after the checks cannot slip other numbers in).
    public private(set) var reused: [(path: String, data: ResultsData)] = []

    /// Release the output lock (launch rank 0, after the run; a no-op elsewhere).
    public func releaseLock() { lock?.release() }

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
        let hooks = try TestHooks.fromEnvironment()
        let out = options.outputPath
        try SafeFile.checkTarget(out, derivedSuffixes: [".partial", ".journal", ".lock"])
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
        var journalCanonical: String? = nil
        if journalExists {
            guard options.resume || options.retryFailed else {
                throw Refusal("unfinished sweep found ('\(options.journalPath)'): pass --resume to continue it, or move the journal away to start over")
            }
            let j: (settings: String, canonicalSpec: String)
            do { j = try Journal.readHeader(path: options.journalPath) } catch {   // the settings only, not the records
                throw Refusal("--resume: \(error); move the journal away to start the sweep over")
            }
            // --resume appends to it: an unwritable journal is refused now, not after MPI starts
            let fd = open(options.journalPath, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else {
                throw Refusal("--resume: \(FileSystemError("open the journal for appending", options.journalPath, code: errno).description)")
            }
            close(fd)
            let stored: StudySettings
            do { stored = try StudySettings(serialized: j.settings) } catch {
                throw Refusal("journal '\(options.journalPath)' has unreadable settings: \(error)")
            }
            journalCanonical = j.canonicalSpec
            if let key = settings.firstDifference(from: stored) {
                throw Refusal("--resume: the spec's \(key) differs from the one that started '\(options.journalPath)': its points are not the same points; restore the setting, or start a new --output (--reuse the old file)")
            }
        }
        // A drain writes PATH.partial: one of another sweep (or any other file) is never replaced.
        if FileManager.default.fileExists(atPath: options.partialPath), !options.overwrite {
            let attrs = try readResultsAttributes(options.partialPath, role: "the partial file",
                                                  advice: "move it away (or --overwrite to let a drain replace it)")
            // the sweep it must hold: the journal's (a resume may have grown the spec), else this spec's
            let expected = journalCanonical ?? spec.canonical
            let sameSweep = attrs.specCanonical.map { SweepSpec.resolvingDefaults($0) == SweepSpec.resolvingDefaults(expected) } ?? false
            let differs = try settingsDifference(attrs, path: options.partialPath, role: "the partial file", settings: settings,
                                                 allSettings: true) != nil
            if !sameSweep || differs {
                throw Refusal("the partial file '\(options.partialPath)' holds a different sweep's results; move it away (or --overwrite to let a drain replace it)")
            }
        }
        var decision = Decision.run
        if FileManager.default.fileExists(atPath: out), !options.overwrite,
           !options.reuse.contains(where: { samePath($0, out) }) {
            let attrs = try readResultsAttributes(out, role: "--output", advice: "choose another --output, or --overwrite it")
            guard let stored = attrs.specCanonical,
                  SweepSpec.resolvingDefaults(stored) == SweepSpec.resolvingDefaults(spec.canonical) else {
                throw Refusal("'\(out)' exists and holds a different sweep; use --reuse \(out) to extend it, another --output, or --overwrite")
            }
            // The same spec computed by other numerics or streams (an older vaesweep) is not this sweep.
            if let d = try settingsDifference(attrs, path: out, role: "--output", settings: settings, allSettings: true) {
                throw Refusal("'\(out)' holds this spec's sweep, but its \(d.key) differs (file: \(d.theirs), this vaesweep: \(d.mine)): its points are not the same points; --overwrite recomputes it, or choose another --output")
            }
            if attrs.isComplete && (attrs.pointsFailed ?? 0) == 0 && !journalExists {
                decision = .nothingToDo("'\(out)' already holds this sweep, complete: nothing to do (--overwrite recomputes it)")
            }
        }
        var plan = SweepPlan(spec: spec, grid: grid, options: options, hooks: hooks, lock: nil)
        if launchRankZero && decision == .run {
            let memory = MemoryEstimate(grid: grid, reusedFileBytes: reuseSizes * 2)
            if !options.force { try memory.check() }
            for path in options.reuse {
                let data: ResultsData
                do { data = try ResultsData.read(path: path) } catch { throw Refusal("--reuse '\(path)': \(error)") }
                try checkReusable(data.attributes, path: path, settings: settings)   // what was read, not what was checked
                plan.reused.append((path, data))
            }
            plan.lock = try OutputLock(outputPath: out)
        }
        return (plan, decision)
    }

    /// Whether two paths name the same file (after resolving symbolic links).
    public static func samePath(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).standardizedFileURL.resolvingSymlinksInPath().path
            == URL(fileURLWithPath: b).standardizedFileURL.resolvingSymlinksInPath().path
    }

    static func readResultsAttributes(_ path: String, role: String, advice: String = "") throws -> RootAttributes {
        let attrs: RootAttributes
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
    static func checkReusable(_ attrs: RootAttributes, path: String, settings: StudySettings) throws {
        if let d = try settingsDifference(attrs, path: path, role: "--reuse", settings: settings, allSettings: false) {
            throw Refusal("--reuse '\(path)': \(d.key) differs (file: \(d.theirs), spec: \(d.mine)); its points are not the same points")
        }
    }

    /// The first setting in which a results file's attributes differ from `settings` (every setting
    /// when `allSettings`, else only those that make its points different points), with both values.
    static func settingsDifference(_ attrs: RootAttributes, path: String, role: String, settings: StudySettings,
                                   allSettings: Bool) throws -> (key: String, theirs: String, mine: String)? {
        let other: StudySettings
        do { other = try attrs.settings() } catch { throw Refusal("\(role) '\(path)': \(error)") }
        let difference = allSettings ? settings.firstDifference(from: other)
            : settings.firstTheoryDifference(from: other) ?? settings.firstSimulationDifference(from: other)
        guard let key = difference else { return nil }
        let mine = settings.attributes.first { $0.0 == key }?.1.description ?? "?"
        let theirs = other.attributes.first { $0.0 == key }?.1.description ?? "absent (older file)"
        return (key, theirs, mine)
    }
}
