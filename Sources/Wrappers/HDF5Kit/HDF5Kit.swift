// HDF5Kit: a small, safe Swift surface over the HDF5 C library (plus the hdf5_hl dimension-scale
// API). Files, groups, N-D datasets of a few numeric types with fill values, chunking and
// gzip+shuffle, hyperslab I/O, scalar and string attributes, and dimension scales.
//
// HDF5's own error-stack printing is silenced once per process; every failure is thrown as an
// `HDF5Error` naming the file, the object path and the operation.
import CHDF5
import Foundation

/// A failed HDF5 operation.
public struct HDF5Error: Error, CustomStringConvertible {
    public let file: String
    public let object: String
    public let operation: String
    public let detail: String
    public var description: String {
        let where_ = object.isEmpty || object == "/" ? file : "\(file):\(object)"
        return "HDF5: \(operation) failed for '\(where_)'" + (detail.isEmpty ? "" : ": \(detail)")
    }
}

/// Numeric element types storable in datasets and attributes.
public protocol HDF5Scalar {
    static var hdf5Type: hid_t { get }
}
extension Double: HDF5Scalar { public static var hdf5Type: hid_t { HDF5Library.ready; return CHDF5_T_NATIVE_DOUBLE() } }
extension Int8: HDF5Scalar { public static var hdf5Type: hid_t { HDF5Library.ready; return CHDF5_T_NATIVE_INT8() } }
extension UInt8: HDF5Scalar { public static var hdf5Type: hid_t { HDF5Library.ready; return CHDF5_T_NATIVE_UINT8() } }
extension Int32: HDF5Scalar { public static var hdf5Type: hid_t { HDF5Library.ready; return CHDF5_T_NATIVE_INT32() } }
extension Int64: HDF5Scalar { public static var hdf5Type: hid_t { HDF5Library.ready; return CHDF5_T_NATIVE_INT64() } }

/// Library-wide set-up and facts.
public enum HDF5Library {
    /// Opens the library and silences its automatic error printing (idempotent).
    public static let ready: Void = {
        H5open()
        H5Eset_auto2(hid_t(H5E_DEFAULT), nil, nil)
    }()

    /// "major.minor.release" of the linked library.
    public static var version: String {
        var a: UInt32 = 0, b: UInt32 = 0, c: UInt32 = 0
        H5get_libversion(&a, &b, &c)
        return "\(a).\(b).\(c)"
    }

    /// The innermost message of HDF5's current error stack (then cleared).
    static func lastMessage() -> String {
        final class Box { var text = "" }
        let box = Box()
        let ptr = Unmanaged.passRetained(box).toOpaque()
        defer { Unmanaged<Box>.fromOpaque(ptr).release() }
        H5Ewalk2(hid_t(H5E_DEFAULT), H5E_WALK_UPWARD, { _, desc, data in
            let b = Unmanaged<Box>.fromOpaque(data!).takeUnretainedValue()
            if b.text.isEmpty, let d = desc?.pointee.desc { b.text = String(cString: d) }
            return 0
        }, ptr)
        H5Eclear2(hid_t(H5E_DEFAULT))
        return box.text
    }
}

/// Something that owns an HDF5 identifier and knows where it lives (for error messages).
public class HDF5Object {
    public let id: hid_t
    public let filePath: String
    public let path: String

    init(id: hid_t, filePath: String, path: String) {
        self.id = id
        self.filePath = filePath
        self.path = path
    }

    func error(_ operation: String, _ object: String? = nil) -> HDF5Error {
        HDF5Error(file: filePath, object: object ?? path, operation: operation, detail: HDF5Library.lastMessage())
    }

    func check(_ status: herr_t, _ operation: String, _ object: String? = nil) throws {
        if status < 0 { throw error(operation, object) }
    }

    func childPath(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    // MARK: attributes

    private func writeAttribute(_ name: String, type: hid_t, space: hid_t, _ body: (hid_t) -> herr_t) throws {
        if H5Aexists(id, name) > 0 { try check(H5Adelete(id, name), "delete attribute '\(name)'") }
        let attr = H5Acreate2(id, name, type, space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        guard attr >= 0 else { throw error("create attribute '\(name)'") }
        defer { H5Aclose(attr) }
        try check(body(attr), "write attribute '\(name)'")
    }

    /// A scalar numeric attribute (replaces an existing one of the same name).
    public func setAttribute<T: HDF5Scalar>(_ name: String, _ value: T) throws {
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        var v = value
        try writeAttribute(name, type: T.hdf5Type, space: space) { H5Awrite($0, T.hdf5Type, &v) }
    }

    /// A 1-D numeric attribute.
    public func setAttribute<T: HDF5Scalar>(_ name: String, _ values: [T]) throws {
        var dims = [hsize_t(values.count)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        try writeAttribute(name, type: T.hdf5Type, space: space) { a in
            values.withUnsafeBytes { H5Awrite(a, T.hdf5Type, $0.baseAddress) }
        }
    }

    /// A variable-length UTF-8 string attribute (h5py reads it as `str`).
    public func setAttribute(_ name: String, _ value: String) throws {
        HDF5Library.ready
        let type = H5Tcopy(CHDF5_T_C_S1())
        defer { H5Tclose(type) }
        H5Tset_size(type, CHDF5_VARIABLE())
        H5Tset_cset(type, H5T_CSET_UTF8)
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        try value.withCString { cstr in
            var p: UnsafePointer<CChar>? = cstr
            try writeAttribute(name, type: type, space: space) { H5Awrite($0, type, &p) }
        }
    }

    public func hasAttribute(_ name: String) -> Bool { H5Aexists(id, name) > 0 }

    private func withAttribute<R>(_ name: String, _ body: (hid_t) throws -> R) throws -> R {
        let attr = H5Aopen(id, name, hid_t(H5P_DEFAULT))
        guard attr >= 0 else { throw error("open attribute '\(name)'") }
        defer { H5Aclose(attr) }
        return try body(attr)
    }

    /// Read a numeric attribute (scalar or 1-D), converted to `T`.
    public func attribute<T: HDF5Scalar>(_ name: String, as: T.Type = T.self) throws -> [T] {
        try withAttribute(name) { attr in
            let space = H5Aget_space(attr)
            defer { H5Sclose(space) }
            let n = Int(H5Sget_simple_extent_npoints(space))
            var out = [T](unsafeUninitializedCapacity: n) { _, c in c = n }
            let st = out.withUnsafeMutableBytes { H5Aread(attr, T.hdf5Type, $0.baseAddress) }
            try check(st, "read attribute '\(name)'")
            return out
        }
    }

    /// Read a string attribute (variable- or fixed-length).
    public func stringAttribute(_ name: String) throws -> String {
        try withAttribute(name) { attr in
            let ftype = H5Aget_type(attr)
            defer { H5Tclose(ftype) }
            guard H5Tget_class(ftype) == H5T_STRING else {
                throw HDF5Error(file: filePath, object: path, operation: "read attribute '\(name)'", detail: "not a string")
            }
            if H5Tis_variable_str(ftype) > 0 {
                let mtype = H5Tcopy(CHDF5_T_C_S1())
                defer { H5Tclose(mtype) }
                H5Tset_size(mtype, CHDF5_VARIABLE())
                H5Tset_cset(mtype, H5Tget_cset(ftype))
                var p: UnsafeMutablePointer<CChar>? = nil
                try check(H5Aread(attr, mtype, &p), "read attribute '\(name)'")
                defer { if let p { H5free_memory(p) } }
                return p.map { String(cString: $0) } ?? ""
            } else {
                let size = H5Tget_size(ftype)
                var buf = [UInt8](repeating: 0, count: size + 1)
                try check(H5Aread(attr, ftype, &buf), "read attribute '\(name)'")
                return String(decoding: buf.prefix { $0 != 0 }, as: UTF8.self)
            }
        }
    }
}

/// Options for creating a dataset.
public struct DatasetOptions {
    /// Chunk shape (same rank as the dataset); nil = contiguous (no compression possible).
    public var chunks: [Int]?
    /// gzip level 1…9 with the shuffle filter; nil = uncompressed. Needs `chunks`.
    public var gzipLevel: Int?
    public init(chunks: [Int]? = nil, gzipLevel: Int? = nil) {
        self.chunks = chunks
        self.gzipLevel = gzipLevel
    }
}

/// A group (the file's root group included).
public class HDF5Group: HDF5Object {
    deinit { if id >= 0 { H5Gclose(id) } }

    /// Create a child group.
    public func createGroup(_ name: String) throws -> HDF5Group {
        let g = H5Gcreate2(id, name, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        guard g >= 0 else { throw error("create group", childPath(name)) }
        return HDF5Group(id: g, filePath: filePath, path: childPath(name))
    }

    /// Open a child group.
    public func openGroup(_ name: String) throws -> HDF5Group {
        let g = H5Gopen2(id, name, hid_t(H5P_DEFAULT))
        guard g >= 0 else { throw error("open group", childPath(name)) }
        return HDF5Group(id: g, filePath: filePath, path: childPath(name))
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

    /// Create an N-D dataset of element type `T` with a fill value.
    public func createDataset<T: HDF5Scalar>(_ name: String, of: T.Type, shape: [Int], fill: T,
                                             options: DatasetOptions = DatasetOptions()) throws -> HDF5Dataset {
        precondition(!shape.isEmpty, "use an attribute for scalars")
        var dims = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(dims.count), &dims, nil)
        guard space >= 0 else { throw error("create dataspace", childPath(name)) }
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(CHDF5_P_DATASET_CREATE())
        defer { H5Pclose(dcpl) }
        var f = fill
        try check(H5Pset_fill_value(dcpl, T.hdf5Type, &f), "set fill value", childPath(name))
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC)
        if let chunks = options.chunks {
            precondition(chunks.count == shape.count, "chunk rank must equal dataset rank")
            var c = zip(chunks, shape).map { hsize_t(max(1, min($0, max($1, 1)))) }
            try check(H5Pset_chunk(dcpl, Int32(c.count), &c), "set chunking", childPath(name))
            if let level = options.gzipLevel {
                try check(H5Pset_shuffle(dcpl), "set shuffle", childPath(name))
                try check(H5Pset_deflate(dcpl, UInt32(level)), "set gzip", childPath(name))
            }
        }
        let d = H5Dcreate2(id, name, T.hdf5Type, space, hid_t(H5P_DEFAULT), dcpl, hid_t(H5P_DEFAULT))
        guard d >= 0 else { throw error("create dataset", childPath(name)) }
        return HDF5Dataset(id: d, filePath: filePath, path: childPath(name))
    }

    /// Open an existing dataset.
    public func openDataset(_ name: String) throws -> HDF5Dataset {
        let d = H5Dopen2(id, name, hid_t(H5P_DEFAULT))
        guard d >= 0 else { throw error("open dataset", childPath(name)) }
        return HDF5Dataset(id: d, filePath: filePath, path: childPath(name))
    }
}

/// An HDF5 file. Closing happens on `close()` or when the last reference goes away.
public final class HDF5File: HDF5Group {
    public enum Mode { case readOnly, readWrite }
    private var fileID: hid_t
    private var closed = false

    private init(fileID: hid_t, path: String) throws {
        self.fileID = fileID
        let root = H5Gopen2(fileID, "/", hid_t(H5P_DEFAULT))
        super.init(id: root, filePath: path, path: "/")
        if root < 0 { throw error("open root group") }
    }

    /// Create a file. `exclusive`: fail if anything (a file, a symlink) exists at `path`
    /// (O_CREAT|O_EXCL semantics, so never writing through a symlink); otherwise an existing file
    /// is truncated.
    public static func create(_ path: String, exclusive: Bool = false) throws -> HDF5File {
        HDF5Library.ready
        let f = H5Fcreate(path, exclusive ? CHDF5_F_ACC_EXCL() : CHDF5_F_ACC_TRUNC(), hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        guard f >= 0 else {
            throw HDF5Error(file: path, object: "", operation: "create file", detail: HDF5Library.lastMessage())
        }
        return try HDF5File(fileID: f, path: path)
    }

    /// Open an existing file.
    public static func open(_ path: String, mode: Mode = .readOnly) throws -> HDF5File {
        HDF5Library.ready
        let flags = mode == .readOnly ? CHDF5_F_ACC_RDONLY() : CHDF5_F_ACC_RDWR()
        let f = H5Fopen(path, flags, hid_t(H5P_DEFAULT))
        guard f >= 0 else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw HDF5Error(file: path, object: "", operation: mode == .readOnly ? "open file" : "open file for writing",
                            detail: exists ? HDF5Library.lastMessage() : "no such file")
        }
        return try HDF5File(fileID: f, path: path)
    }

    /// Flush buffered data to disk.
    public func flush() throws { try check(H5Fflush(fileID, H5F_SCOPE_GLOBAL), "flush") }

    /// Close the file (idempotent). Open datasets must be released first for the file to close.
    public func close() throws {
        guard !closed else { return }
        closed = true
        H5Gclose(id)
        try check(H5Fclose(fileID), "close file")
    }

    deinit { if !closed { H5Fclose(fileID) } }
}

/// An N-D dataset.
public final class HDF5Dataset: HDF5Object {
    deinit { H5Dclose(id) }

    /// Current shape.
    public var shape: [Int] {
        let space = H5Dget_space(id)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.map { Int($0) }
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Write the whole dataset (row-major, `data.count` must equal the element count).
    public func write<T: HDF5Scalar>(_ data: [T]) throws {
        guard data.count == count else {
            throw HDF5Error(file: filePath, object: path, operation: "write", detail: "expected \(count) values, got \(data.count)")
        }
        let st = data.withUnsafeBytes { H5Dwrite(id, T.hdf5Type, CHDF5_S_ALL(), CHDF5_S_ALL(), hid_t(H5P_DEFAULT), $0.baseAddress) }
        try check(st, "write")
    }

    private func withSlab<R>(offset: [Int], count: [Int], _ body: (hid_t, hid_t) throws -> R) throws -> R {
        let shape = self.shape
        guard offset.count == shape.count, count.count == shape.count,
              zip(zip(offset, count), shape).allSatisfy({ $0.0 >= 0 && $0.1 >= 0 && $0.0 + $0.1 <= $1 }) else {
            throw HDF5Error(file: filePath, object: path, operation: "select hyperslab",
                            detail: "offset \(offset) + count \(count) outside shape \(shape)")
        }
        let fspace = H5Dget_space(id)
        defer { H5Sclose(fspace) }
        var start = offset.map { hsize_t($0) }, cnt = count.map { hsize_t($0) }
        try check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, nil, &cnt, nil), "select hyperslab")
        let mspace = H5Screate_simple(Int32(cnt.count), &cnt, nil)
        defer { H5Sclose(mspace) }
        return try body(mspace, fspace)
    }

    /// Write a sub-block `data` (row-major, shape `count`) at `offset`.
    public func write<T: HDF5Scalar>(_ data: [T], offset: [Int], count: [Int]) throws {
        guard data.count == count.reduce(1, *) else {
            throw HDF5Error(file: filePath, object: path, operation: "write hyperslab",
                            detail: "block \(count) needs \(count.reduce(1, *)) values, got \(data.count)")
        }
        try withSlab(offset: offset, count: count) { m, f in
            let st = data.withUnsafeBytes { H5Dwrite(id, T.hdf5Type, m, f, hid_t(H5P_DEFAULT), $0.baseAddress) }
            try check(st, "write hyperslab")
        }
    }

    /// Read the whole dataset, converted to `T`, row-major.
    public func read<T: HDF5Scalar>(_ type: T.Type = T.self) throws -> [T] {
        let n = count
        var out = [T](unsafeUninitializedCapacity: n) { _, c in c = n }
        let st = out.withUnsafeMutableBytes { H5Dread(id, T.hdf5Type, CHDF5_S_ALL(), CHDF5_S_ALL(), hid_t(H5P_DEFAULT), $0.baseAddress) }
        try check(st, "read")
        return out
    }

    /// Read a sub-block at `offset` of shape `count`.
    public func read<T: HDF5Scalar>(_ type: T.Type = T.self, offset: [Int], count: [Int]) throws -> [T] {
        let n = count.reduce(1, *)
        var out = [T](unsafeUninitializedCapacity: n) { _, c in c = n }
        try withSlab(offset: offset, count: count) { m, f in
            let st = out.withUnsafeMutableBytes { H5Dread(id, T.hdf5Type, m, f, hid_t(H5P_DEFAULT), $0.baseAddress) }
            try check(st, "read hyperslab")
        }
        return out
    }

    /// The fill value, converted to `T`.
    public func fillValue<T: HDF5Scalar>(_ type: T.Type = T.self) throws -> T {
        let dcpl = H5Dget_create_plist(id)
        defer { H5Pclose(dcpl) }
        var out = [T](unsafeUninitializedCapacity: 1) { _, c in c = 1 }
        let st = out.withUnsafeMutableBytes { H5Pget_fill_value(dcpl, T.hdf5Type, $0.baseAddress) }
        try check(st, "get fill value")
        return out[0]
    }

    /// The filters in the pipeline, by HDF5 filter id (1 = deflate, 2 = shuffle).
    public var filters: [Int] {
        let dcpl = H5Dget_create_plist(id)
        defer { H5Pclose(dcpl) }
        return (0..<max(0, Int(H5Pget_nfilters(dcpl)))).map { i in
            var flags: UInt32 = 0, nelmts = 0, cd = [UInt32](repeating: 0, count: 8), fc: UInt32 = 0
            var name = [CChar](repeating: 0, count: 64)
            return Int(H5Pget_filter2(dcpl, UInt32(i), &flags, &nelmts, &cd, 64, &name, &fc))
        }
    }

    // MARK: dimension scales (hdf5_hl)

    /// Turn this 1-D dataset into a dimension scale named `name` (netCDF/xarray: the dimension name).
    public func makeDimensionScale(name: String) throws {
        try check(H5DSset_scale(id, name), "make dimension scale '\(name)'")
    }

    /// Attach `scale` to axis `dimension` of this dataset.
    public func attach(scale: HDF5Dataset, to dimension: Int) throws {
        try check(H5DSattach_scale(id, scale.id, UInt32(dimension)), "attach scale \(scale.path) to axis \(dimension)")
    }

    /// Whether `scale` is attached to axis `dimension`.
    public func isAttached(scale: HDF5Dataset, to dimension: Int) -> Bool {
        H5DSis_attached(id, scale.id, UInt32(dimension)) > 0
    }

    /// Whether this dataset is a dimension scale.
    public var isDimensionScale: Bool { H5DSis_scale(id) > 0 }
}
