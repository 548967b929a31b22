// Never lose or clobber a user's file: the one module through which vaesweep creates files the
// user keeps (results, partial results, validation files, figures). A target path is checked
// before anything starts; every file is written to a fresh, uniquely named hidden file in the
// target's directory (created with O_EXCL|O_NOFOLLOW: never through a planted symlink, never over
// an existing file), synced, and then installed under its final name — renamed over it when
// replacing is allowed, hard-linked (link(2) fails if the name exists) when it is not — so no
// truncated file ever carries a final name. One lock per output path is held for a whole run.
//
// The lock is `flock` on `PATH.lock`: the kernel releases it when the process ends, however it
// ends, so a crash never leaves a stale lock. It needs a file system where flock works between
// the nodes that could write PATH (local disks; NFS ≥ v4; Lustre mounted with `-o flock`; GPFS).
// Where flock is a node-local no-op (Lustre `-o localflock`, old NFS), two runs on different
// nodes are not kept apart: give each run its own --output.
import Foundation

/// Output-path checks and crash-safe writing (see the file header).
public enum SafeFile {
    /// Lexically and on disk: `path` may become a file. Refuses (exit 2) a directory, a path ending
    /// in "/", a symlink, a missing or unwritable parent directory; the last is checked by really
    /// creating (and removing) a probe file there, so /proc or a read-only mount is caught before
    /// anything starts. `role` names the option in messages. `derivedSuffixes` are the names the
    /// run will make next to `path` (PATH.journal, …): the longest must fit the file system's
    /// limit on a name (NAME_MAX, 255 bytes).
    public static func checkTarget(_ path: String, role: String = "--output", derivedSuffixes: [String] = []) throws {
        guard !path.isEmpty else { throw Refusal("\(role): empty path") }
        let name = URL(fileURLWithPath: path).lastPathComponent
        let longest = name.utf8.count + (derivedSuffixes.map(\.utf8.count).max() ?? 0)
        if longest > Int(NAME_MAX) {
            throw Refusal("\(role): the file name '\(name)' is \(name.utf8.count) bytes long; with '\(derivedSuffixes.max { $0.utf8.count < $1.utf8.count } ?? "")' added it exceeds the \(NAME_MAX)-byte limit on a file name")
        }
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
        do {
            let fd = try createExclusive(probe, mode: 0o600)
            close(fd)
        } catch let e as FileSystemError {
            throw Refusal("\(role): cannot create files in '\(dir)': \(e.reason)")
        }
        unlink(probe)   // the probe file this call just created, nothing else
    }

    /// The directory part of `path` ("." for a bare name).
    public static func directory(of path: String) -> String {
        let d = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return d.isEmpty ? "." : d
    }

    /// A fresh, unique name in the directory of `target` (hidden, with the pid and random bits; at
    /// most the first 64 bytes of the target's name, so it always fits the limit on a name).
    public static func temporaryPath(for target: String, tag: String = "tmp") -> String {
        let url = URL(fileURLWithPath: target)
        var stem = ""
        for ch in url.lastPathComponent {
            guard stem.utf8.count + String(ch).utf8.count <= 64 else { break }
            stem.append(ch)
        }
        let name = ".\(stem).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).\(tag)"
        return url.deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Create `path` exclusively for writing (O_CREAT|O_EXCL|O_NOFOLLOW): fails if anything exists there.
    public static func createExclusive(_ path: String, mode: mode_t = 0o644) throws -> Int32 {
        try SystemCall.check("create", path) { open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode) }
    }

    /// fsync the file at `path` (opened without following a symlink).
    public static func sync(_ path: String) throws {
        let fd = try SystemCall.check("open", path) { open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) }
        defer { close(fd) }
        try SystemCall.check("sync", path) { fsync(fd) }
    }

    /// Write `target` by `write(tmp)` to a fresh temporary name (which `write` must create
    /// exclusively, and remove itself if it fails), fsync it, and install it as `target`: renamed
    /// over it when `replacing`, else hard-linked, which fails (EEXIST: a `Refusal`, exit 2) if
    /// anything has that name (`role` names the option in that message). On failure the temporary
    /// file is removed and `target` is untouched.
    public static func write(_ target: String, replacing: Bool = true, role: String = "--output",
                             _ write: (String) throws -> Void) throws {
        let tmp = temporaryPath(for: target)
        try write(tmp)
        do {
            try sync(tmp)
            if replacing {
                try SystemCall.check("rename", "\(tmp)' to '\(target)") { rename(tmp, target) }
            } else {
                do {
                    try SystemCall.check("create", target) { link(tmp, target) }
                } catch let e as FileSystemError where e.code == EEXIST {
                    throw Refusal("\(role) '\(target)' already exists; choose a new name or pass --overwrite")
                }
                unlink(tmp)   // the temporary name of the file just linked as `target`
            }
        } catch {
            unlink(tmp)   // created by `write` above for this call alone
            throw error
        }
        let dfd = open(directory(of: target), O_RDONLY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }

    /// Write `bytes` as `target` safely (see `write(_:replacing:_:)`).
    public static func write(_ bytes: Data, to target: String, replacing: Bool = true, role: String = "--output") throws {
        try write(target, replacing: replacing, role: role) { tmp in
            let fd = try createExclusive(tmp)
            defer { close(fd) }
            do {
                try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                    var off = 0
                    while off < raw.count {
                        off += try SystemCall.check("write", tmp) { Foundation.write(fd, raw.baseAddress! + off, raw.count - off) }
                    }
                }
            } catch {
                unlink(tmp)   // this call's own temporary file
                throw error
            }
        }
    }

    /// Write a results file safely (see `write(_:replacing:_:)`).
    public static func writeResults(_ data: ResultsData, to target: String, replacing: Bool = true) throws {
        try write(target, replacing: replacing) { tmp in try ResultsWriter.write(data, to: tmp) }
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
        let lockPath = path
        let fd: Int32
        do { fd = try SystemCall.check("open the lock file", lockPath) { open(lockPath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644) } } catch let e as FileSystemError {
            throw Refusal(e.description)
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            let holder = OutputLock.holder(fd)
            close(fd)
            guard err == EWOULDBLOCK else {
                throw Refusal("\(FileSystemError("lock", lockPath, code: err).description) (the file system must support flock)")
            }
            throw Refusal("'\(outputPath)' is in use by another vaesweep run (\(holder)); wait for it or choose another --output")
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

    private var released = false

    /// Release the lock now (idempotent; the lock file itself stays, empty of meaning).
    public func release() {
        guard !released else { return }
        released = true
        close(fd)
    }

    deinit { release() }   // releases the flock if `release()` was not called

    /// "host H, pid P" as written by the holder of the lock file open at `fd`.
    static func holder(_ fd: Int32) -> String {
        var buf = [UInt8](repeating: 0, count: 256)
        let n = pread(fd, &buf, buf.count, 0)
        let h = String(decoding: buf.prefix(max(0, n)), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return h.isEmpty ? "holder unknown" : h
    }

    /// Refuse (exit 2, naming the holder) when another process holds the lock on `outputPath`;
    /// creates nothing. Checked first, so a run that is in progress is reported as such rather
    /// than by the state of its files.
    public static func checkFree(outputPath: String) throws {
        let path = outputPath + ".lock"
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return }   // no lock file: nobody holds it
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK {
            throw Refusal("'\(outputPath)' is in use by another vaesweep run (\(holder(fd))); wait for it or choose another --output")
        }
    }
}
