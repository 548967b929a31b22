// Never lose or clobber a user's file: output-path checks before anything starts, one lock per
// output path for the whole run, results written to a fresh temporary name and renamed into
// place, and a memory estimate checked before a grid is started.
//
// The lock is `flock` on `PATH.lock`: the kernel releases it when the process ends, however it
// ends, so a crash never leaves a stale lock. It needs a file system where flock works between
// the nodes that could write PATH (local disks; NFS ≥ v4; Lustre mounted with `-o flock`; GPFS).
// Where flock is a node-local no-op (Lustre `-o localflock`, old NFS), two runs on different
// nodes are not kept apart: give each run its own --output.
import Foundation
import ResultsFile
import VAESimulation

/// Output-path checks and crash-safe writing of results files (see the file header).
public enum SafeOutput {
    /// Lexically and on disk: `path` may become a results file. Refuses (exit 2) a directory, a
    /// path ending in "/", a symlink, a missing or unwritable parent directory; the last is
    /// checked by really creating (and removing) a probe file there, so /proc or a read-only
    /// mount is caught before anything starts. `role` names the option in messages.
    public static func checkTarget(_ path: String, role: String = "--output") throws {
        guard !path.isEmpty else { throw Refusal("\(role): empty path") }
        if path.hasSuffix("/") { throw Refusal("\(role) '\(path)' names a directory; give a file name such as '\(path)results.h5'") }
        var st = stat()
        if lstat(path, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { throw Refusal("\(role) '\(path)' is a directory; give a file name inside it, e.g. '\(path)/results.h5'") }
            if (st.st_mode & S_IFMT) == S_IFLNK { throw Refusal("\(role) '\(path)' is a symbolic link; name the real file instead") }
            if (st.st_mode & S_IFMT) != S_IFREG { throw Refusal("\(role) '\(path)' exists and is not a regular file") }
        }
        let dir = directory(of: path)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw Refusal("\(role): directory '\(dir)' does not exist")
        }
        let probe = temporaryPath(for: path, tag: "probe")
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw Refusal("\(role): cannot create files in '\(dir)': \(String(cString: strerror(errno)))")
        }
        close(fd)
        unlink(probe)   // the probe file this call just created, nothing else
    }

    static func directory(of path: String) -> String {
        let d = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return d.isEmpty ? "." : d
    }

    /// A fresh, unique name in the directory of `target` (hidden, with the pid and random bits).
    public static func temporaryPath(for target: String, tag: String = "tmp") -> String {
        let url = URL(fileURLWithPath: target)
        let name = ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).\(tag)"
        return url.deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Write `target` by `write(tmp)` to a fresh temporary name (which `write` must create
    /// exclusively), fsync it, and rename it over `target`. On failure the temporary file, if
    /// `write` created it, is removed; `target` is untouched.
    public static func replace(_ target: String, write: (String) throws -> Void) throws {
        let tmp = temporaryPath(for: target)
        try write(tmp)   // creates tmp with O_EXCL semantics, removes it itself if it fails
        do {
            let fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw JournalError("cannot reopen '\(tmp)' to sync it: \(String(cString: strerror(errno)))") }
            let synced = fsync(fd) == 0
            close(fd)
            guard synced else { throw JournalError("cannot sync '\(tmp)': \(String(cString: strerror(errno)))") }
            guard rename(tmp, target) == 0 else {
                throw JournalError("cannot rename '\(tmp)' to '\(target)': \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(tmp)   // created by `write` above for this call alone
            throw error
        }
        let dfd = open(directory(of: target), O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// Write a results file safely (see `replace`).
    public static func writeResults(_ data: ResultsData, to target: String) throws {
        try replace(target) { tmp in try ResultsWriter.write(data, to: tmp) }
    }
}

/// An exclusive lock on an output path for the life of this object (or the process).
public final class OutputLock {
    /// The lock file held: `OUTPUT.lock` (it holds "host NAME, pid PID" of the holder).
    public let path: String
    private let fd: Int32

    /// Take the lock on `outputPath` (the file `outputPath.lock`) or refuse (exit 2) naming the
    /// holder's host and pid.
    public init(outputPath: String) throws {
        path = outputPath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw Refusal("cannot open the lock file '\(path)': \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            var buf = [UInt8](repeating: 0, count: 256)
            let n = read(fd, &buf, buf.count)
            close(fd)
            guard err == EWOULDBLOCK else {
                throw Refusal("cannot lock '\(path)': \(String(cString: strerror(err))) (the file system must support flock)")
            }
            let holder = String(decoding: buf.prefix(max(0, n)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Refusal("'\(outputPath)' is in use by another vaesweep run (\(holder.isEmpty ? "holder unknown" : holder)); wait for it or choose another --output")
        }
        self.fd = fd
        // This process holds the lock: record who it is for the next one that tries.
        var host = [UInt8](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let name = String(decoding: host.prefix { $0 != 0 }, as: UTF8.self)
        let info = Array("host \(name), pid \(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, info, info.count, 0)
    }

    deinit { close(fd) }   // releases the flock

    /// Refuse (exit 2, naming the holder) when another process holds the lock on `outputPath`;
    /// creates nothing. Checked first, so a run that is in progress is reported as such rather
    /// than by the state of its files.
    public static func checkFree(outputPath: String) throws {
        let path = outputPath + ".lock"
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return }   // no lock file: nobody holds it
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK {
            var buf = [UInt8](repeating: 0, count: 256)
            let n = read(fd, &buf, buf.count)
            let holder = String(decoding: buf.prefix(max(0, n)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw Refusal("'\(outputPath)' is in use by another vaesweep run (\(holder.isEmpty ? "holder unknown" : holder)); wait for it or choose another --output")
        }
    }
}

/// The memory a sweep needs, estimated before it starts (bytes).
public struct MemoryEstimate: CustomStringConvertible {
    /// Rank 0: every result array, a reused file in memory, plus one data set of its own work.
    public var rank0: Double
    /// Every other rank: the largest data set (C, its eigenvectors, solver workspace, samples).
    public var perRank: Double
    /// MemAvailable of this node and the ranks on it (when the launcher says).
    public var available: Double?
    /// Ranks sharing this node, from the launcher's environment (1 when none says).
    public var ranksOnNode: Int

    /// Estimate the memory of a sweep over `grid` that also loads a reused file of `reusedFileBytes`
    /// bytes on rank 0; reads MemAvailable and the launcher's ranks per node.
    public init(grid: Grid, reusedFileBytes: Double = 0) {
        // Results: per theory point 11 doubles + phase, metastable, flags (+ a done flag);
        // per simulated point 14 doubles + phase, status, flags; the writer converts steps.
        let results = Double(grid.theoryPoints) * (Double(Quantity.count) * 8 + 4)
            + Double(grid.simulationPoints) * (Double(Quantity.count + 3) * 8 + 3 + 8)
        var largest = 0.0
        let s = grid.spec
        if s.simulate {
            for a in s.alpha { for n in s.N { largest = max(largest, MemoryEstimate.dataSetBytes(alpha: a, n: n, grid: grid)) } }
        }
        perRank = largest + 64e6   // + the process itself (runtime, libraries, MPI buffers)
        rank0 = results + reusedFileBytes + perRank
        available = MemoryEstimate.memAvailable()
        ranksOnNode = MemoryEstimate.ranksOnThisNode()
    }

    /// Peak bytes of one data set with the spec's solver (`DataSet.estimatedPeakBytes`: C or the
    /// samples, eigenvectors or a Krylov basis, workspace) plus its results.
    static func dataSetBytes(alpha: Double, n: Int, grid: Grid) -> Double {
        DataSet.estimatedPeakBytes(alpha: alpha, n: n, solver: grid.spec.solver, rho: grid.spec.rho, eta: grid.spec.eta)
            + Double(grid.pairsPerUnit) * Double(PayloadLayout.simulation) * 8 * 2
    }

    /// MemAvailable from /proc/meminfo (nil where unknown).
    static func memAvailable() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kb = Double(parts[1]) { return kb * 1024 }
        }
        return nil
    }

    /// Ranks on this node according to the launcher (1 when no launcher says).
    static func ranksOnThisNode() -> Int {
        let env = ProcessInfo.processInfo.environment
        for k in ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "PALS_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE"] {
            if let v = env[k], let n = Int(v), n > 0 { return n }
        }
        if let v = env["SLURM_TASKS_PER_NODE"], let n = Int(v.prefix { $0.isNumber }), n > 0 { return n }
        return 1
    }

    static func gib(_ b: Double) -> String { String(format: "%.2f GiB", b / 1_073_741_824) }

    /// One line: rank 0's and each other rank's estimate, and the memory available on this node.
    public var description: String {
        var s = "memory estimate: rank 0 \(MemoryEstimate.gib(rank0)) (results + one data set), each other rank \(MemoryEstimate.gib(perRank))"
        if let available {
            s += "; available \(MemoryEstimate.gib(available)) on this node for \(ranksOnNode) rank\(ranksOnNode == 1 ? "" : "s")"
        }
        return s
    }

    /// Refuse (exit 2) when the estimate exceeds what this node has.
    public func check() throws {
        guard let available else { return }
        let others = perRank * Double(max(0, ranksOnNode - 1))
        if rank0 + others > available {
            throw Refusal("the sweep needs about \(MemoryEstimate.gib(rank0 + others)) on this node (rank 0 \(MemoryEstimate.gib(rank0)), \(ranksOnNode - 1) other rank(s) \(MemoryEstimate.gib(perRank)) each) but \(MemoryEstimate.gib(available)) is available; shrink the grid, use fewer ranks per node, or pass --force")
        }
    }
}
