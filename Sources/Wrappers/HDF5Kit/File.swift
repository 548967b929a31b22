// Files and groups. A file is its root group plus the file identifier; `close()` closes every
// object of the file still open and then the file (strong close degree), so the path can be
// renamed or reopened at once. Without `close()`, the file closes when the file object and every
// group and dataset opened from it are released, in whatever order.
internal import CHDF5
import Foundation

/// A group (the file's root group included): creates and opens child groups and datasets.
public class HDF5Group: HDF5Object {
    func child(_ id: hid_t, _ kind: Handle.Kind) -> Handle { Handle(id: id, kind: kind, file: fileState) }

    /// Create a child group.
    public func createGroup(_ name: String) throws -> HDF5Group {
        let g = H5Gcreate2(id, name, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        guard g >= 0 else { throw error("create group", childPath(name)) }
        return HDF5Group(handle: child(g, .group), filePath: filePath, path: childPath(name))
    }

    /// Open a child group.
    public func openGroup(_ name: String) throws -> HDF5Group {
        let g = H5Gopen2(id, name, hid_t(H5P_DEFAULT))
        guard g >= 0 else { throw error("open group", childPath(name)) }
        return HDF5Group(handle: child(g, .group), filePath: filePath, path: childPath(name))
    }

    /// Whether a link of this name exists in the group.
    public func contains(_ name: String) -> Bool { H5Lexists(id, name, hid_t(H5P_DEFAULT)) > 0 }

    /// Names of the group's members, in name order.
    public func memberNames() throws -> [String] {
        final class Box { var names: [String] = [] }
        let box = Box()
        let ptr = Unmanaged.passRetained(box).toOpaque()
        defer { Unmanaged<Box>.fromOpaque(ptr).release() }
        var idx: hsize_t = 0
        let st = H5Literate(id, H5_INDEX_NAME, H5_ITER_INC, &idx, { _, name, _, data in
            Unmanaged<Box>.fromOpaque(data!).takeUnretainedValue().names.append(String(cString: name!))
            return 0
        }, ptr)
        try check(st, "list members")
        return box.names
    }
}

/// An HDF5 file, seen as its root group. Close it with `close()` (idempotent) before renaming or
/// reopening the path; otherwise it closes when it and every object opened from it are released.
public final class HDF5File: HDF5Group {
    /// How an existing file is opened.
    public enum Mode: Sendable {
        /// Read only; other processes may read the file at the same time.
        case readOnly
        /// Read and write.
        case readWrite
    }

    private let state: FileState

    private init(fileID: hid_t, path: String) throws {
        state = FileState(fileID: fileID, path: path)
        let root = H5Gopen2(fileID, "/", hid_t(H5P_DEFAULT))
        if root < 0 {
            let e = HDF5Error(file: path, object: "/", operation: "open root group", detail: HDF5Library.lastMessage())
            _ = state.close()
            throw e
        }
        super.init(handle: Handle(id: root, kind: .group, file: state), filePath: path, path: "/")
    }

    /// File access properties: the strong close degree (H5Fclose closes every object still open in
    /// the file, so the file is really closed when `close()` returns). Close the result.
    private static func accessProperties(_ path: String) throws -> hid_t {
        HDF5Library.ready
        let fapl = H5Pcreate(CHDF5_P_FILE_ACCESS())
        guard fapl >= 0, H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0 else {
            if fapl >= 0 { H5Pclose(fapl) }
            throw HDF5Error(file: path, object: "", operation: "set file access properties", detail: HDF5Library.lastMessage())
        }
        return fapl
    }

    /// What `create` does when something exists at the path.
    public enum CreateMode: Sendable {
        /// Fail (O_CREAT|O_EXCL semantics: never over an existing file, never through a symlink).
        case exclusive
        /// Truncate an existing file (HDF5 refuses while the file is open in this process).
        case truncate
    }

    /// Create a file; by default only where nothing exists yet.
    public static func create(_ path: String, mode: CreateMode = .exclusive) throws -> HDF5File {
        let fapl = try accessProperties(path)
        defer { H5Pclose(fapl) }
        let flags = mode == .exclusive ? CHDF5_F_ACC_EXCL() : CHDF5_F_ACC_TRUNC()
        let f = H5Fcreate(path, flags, hid_t(H5P_DEFAULT), fapl)
        guard f >= 0 else {
            throw HDF5Error(file: path, object: "", operation: "create file", detail: HDF5Library.lastMessage())
        }
        return try HDF5File(fileID: f, path: path)
    }

    /// Open an existing file.
    public static func open(_ path: String, mode: Mode = .readOnly) throws -> HDF5File {
        let fapl = try accessProperties(path)
        defer { H5Pclose(fapl) }
        let flags = mode == .readOnly ? CHDF5_F_ACC_RDONLY() : CHDF5_F_ACC_RDWR()
        let f = H5Fopen(path, flags, fapl)
        guard f >= 0 else {
            let detail = HDF5Library.lastMessage()
            let exists = FileManager.default.fileExists(atPath: path)
            throw HDF5Error(file: path, object: "", operation: mode == .readOnly ? "open file" : "open file for writing",
                            detail: exists ? detail : "no such file")
        }
        return try HDF5File(fileID: f, path: path)
    }

    /// Whether the file is still open.
    public var isOpen: Bool { state.isOpen }

    /// Flush buffered data to disk.
    public func flush() throws { try check(H5Fflush(state.fileHandle.id, H5F_SCOPE_GLOBAL), "flush") }

    /// Close the file now: every group and dataset opened from it is closed too (using them later
    /// throws), then the file itself. Idempotent: closing again does nothing.
    public func close() throws {
        guard state.isOpen else { return }
        let status = state.close()
        if status < 0 {
            throw HDF5Error(file: filePath, object: "", operation: "close file", detail: HDF5Library.lastMessage())
        }
    }
}
