// Ownership of HDF5 identifiers. Every open object (file, group, dataset) has exactly one
// `Handle`, and a handle closes its identifier exactly once: explicitly (`HDF5File.close()`
// closes every handle of the file still open, then the file) or in its `deinit`. Each handle
// keeps its file's `FileState` alive, so releasing objects in any order is safe: the file id is
// closed after the last object of the file. Files are opened with the strong close degree, so
// H5Fclose really closes the file (and anything HDF5 still had open in it) before the caller
// renames or reopens it.
internal import CHDF5
import Foundation

/// One open HDF5 identifier and the function that closes it.
final class Handle {
    enum Kind { case file, group, dataset }
    private(set) var id: hid_t
    let kind: Kind
    /// The file this object lives in (nil for the file's own handle, which the state owns).
    let file: FileState?

    init(id: hid_t, kind: Kind, file: FileState?) {
        self.id = id
        self.kind = kind
        self.file = file
        file?.register(self)
    }

    var isOpen: Bool { id >= 0 }

    /// Close the identifier if still open; returns HDF5's status (0 when already closed).
    @discardableResult
    func close() -> herr_t {
        guard id >= 0 else { return 0 }
        let status: herr_t = switch kind {
        case .file: H5Fclose(id)
        case .group: H5Gclose(id)
        case .dataset: H5Dclose(id)
        }
        id = -1
        return status
    }

    deinit { close() }
}

/// What all objects of one open file share: the file identifier and the open objects in it.
final class FileState {
    let path: String
    let fileHandle: Handle
    private var children: [WeakHandle] = []

    private struct WeakHandle { weak var handle: Handle? }

    init(fileID: hid_t, path: String) {
        self.path = path
        fileHandle = Handle(id: fileID, kind: .file, file: nil)
    }

    func register(_ handle: Handle) {
        children.removeAll { $0.handle == nil }
        children.append(WeakHandle(handle: handle))
    }

    var isOpen: Bool { fileHandle.isOpen }

    /// Close every object still open in the file, then the file (idempotent).
    func close() -> herr_t {
        guard fileHandle.isOpen else { return 0 }
        for c in children { c.handle?.close() }
        children.removeAll()
        return fileHandle.close()
    }
    // No deinit: `fileHandle` closes the file id when the state (the last reference) goes away.
}

/// Something that owns an HDF5 identifier and knows where it lives (for error messages):
/// a group, a file's root group or a dataset. Attributes live on every object.
public class HDF5Object {
    let handle: Handle
    /// The path of the file the object is in.
    public let filePath: String
    /// The object's path inside the file ("/" for the root group).
    public let path: String

    init(handle: Handle, filePath: String, path: String) {
        self.handle = handle
        self.filePath = filePath
        self.path = path
    }

    /// The open identifier (-1 once the object or its file was closed: HDF5 then reports an
    /// invalid identifier, which surfaces as a thrown `HDF5Error`).
    var id: hid_t { handle.id }

    var fileState: FileState? { handle.file }

    func error(_ operation: String, _ object: String? = nil) -> HDF5Error {
        let detail = handle.isOpen ? HDF5Library.lastMessage() : "the file or object was closed"
        return HDF5Error(file: filePath, object: object ?? path, operation: operation, detail: detail)
    }

    func check(_ status: herr_t, _ operation: String, _ object: String? = nil) throws {
        if status < 0 { throw error(operation, object) }
    }

    func childPath(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }
}
