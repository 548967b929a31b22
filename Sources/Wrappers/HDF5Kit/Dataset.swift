// Datasets: creation with a fill value, optional chunking and gzip+shuffle; whole and hyperslab
// reads and writes; the creation properties read back; dimension scales (hdf5_hl). Dataspace and
// property-list ids are closed before each call returns.
internal import CHDF5
import Foundation

/// Options for creating a dataset.
public struct DatasetOptions: Sendable {
    /// Chunk shape (same rank as the dataset); nil = contiguous (no compression possible).
    public var chunks: [Int]?
    /// gzip level 1…9 with the shuffle filter; nil = uncompressed. Needs `chunks`.
    public var gzipLevel: Int?
    /// Creates options; the defaults give a contiguous, uncompressed dataset.
    public init(chunks: [Int]? = nil, gzipLevel: Int? = nil) {
        self.chunks = chunks
        self.gzipLevel = gzipLevel
    }
}

extension HDF5Group {
    /// Create an N-D dataset of element type `T` with a fill value (written at allocation, so
    /// unwritten elements read as `fill`).
    public func createDataset<T: HDF5Scalar>(_ name: String, of: T.Type, shape: [Int], fill: T,
                                             options: DatasetOptions = DatasetOptions()) throws -> HDF5Dataset {
        precondition(!shape.isEmpty, "createDataset '\(name)': shape is empty; use an attribute for scalars")
        var dims = shape.map { hsize_t($0) }
        let space = H5Screate_simple(Int32(dims.count), &dims, nil)
        guard space >= 0 else { throw error("create dataspace", childPath(name)) }
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(CHDF5_P_DATASET_CREATE())
        defer { H5Pclose(dcpl) }
        let type = T.hdf5Type.id
        try withUnsafeBytes(of: fill) { f in
            try check(H5Pset_fill_value(dcpl, type, f.baseAddress), "set fill value", childPath(name))
        }
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC)
        if let chunks = options.chunks {
            precondition(chunks.count == shape.count,
                         "createDataset '\(name)': chunk shape \(chunks) has a different rank from shape \(shape)")
            var c = zip(chunks, shape).map { hsize_t(max(1, min($0, max($1, 1)))) }
            try check(H5Pset_chunk(dcpl, Int32(c.count), &c), "set chunking", childPath(name))
            if let level = options.gzipLevel {
                try check(H5Pset_shuffle(dcpl), "set shuffle", childPath(name))
                try check(H5Pset_deflate(dcpl, UInt32(level)), "set gzip", childPath(name))
            }
        }
        let d = H5Dcreate2(id, name, type, space, hid_t(H5P_DEFAULT), dcpl, hid_t(H5P_DEFAULT))
        guard d >= 0 else { throw error("create dataset", childPath(name)) }
        return HDF5Dataset(handle: child(d, .dataset), filePath: filePath, path: childPath(name))
    }

    /// Open an existing dataset.
    public func openDataset(_ name: String) throws -> HDF5Dataset {
        let d = H5Dopen2(id, name, hid_t(H5P_DEFAULT))
        guard d >= 0 else { throw error("open dataset", childPath(name)) }
        return HDF5Dataset(handle: child(d, .dataset), filePath: filePath, path: childPath(name))
    }
}

/// An N-D dataset. Closed when released, or with its file's `close()`.
public final class HDF5Dataset: HDF5Object {
    /// Current shape (empty once the dataset is closed).
    public var shape: [Int] {
        let space = H5Dget_space(id)
        guard space >= 0 else { return [] }
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var dims = [hsize_t](repeating: 0, count: max(0, rank))
        H5Sget_simple_extent_dims(space, &dims, nil)
        return dims.map { Int($0) }
    }

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// Write the whole dataset (row-major, `data.count` must equal the element count).
    public func write<T: HDF5Scalar>(_ data: [T]) throws {
        guard handle.isOpen else { throw error("write") }
        guard data.count == count else {
            throw HDF5Error(file: filePath, object: path, operation: "write", detail: "expected \(count) values, got \(data.count)")
        }
        let st = data.withUnsafeBytes {
            H5Dwrite(id, T.hdf5Type.id, CHDF5_S_ALL(), CHDF5_S_ALL(), hid_t(H5P_DEFAULT), $0.baseAddress)
        }
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
            let st = data.withUnsafeBytes { H5Dwrite(id, T.hdf5Type.id, m, f, hid_t(H5P_DEFAULT), $0.baseAddress) }
            try check(st, "write hyperslab")
        }
    }

    /// Read the whole dataset, converted to `T`, row-major.
    public func read<T: HDF5Scalar>(_ type: T.Type = T.self) throws -> [T] {
        guard handle.isOpen else { throw error("read") }
        let n = count
        var out = [T](unsafeUninitializedCapacity: n) { _, c in c = n }
        let st = out.withUnsafeMutableBytes {
            H5Dread(id, T.hdf5Type.id, CHDF5_S_ALL(), CHDF5_S_ALL(), hid_t(H5P_DEFAULT), $0.baseAddress)
        }
        try check(st, "read")
        return out
    }

    /// Read a sub-block at `offset` of shape `count`.
    public func read<T: HDF5Scalar>(_ type: T.Type = T.self, offset: [Int], count: [Int]) throws -> [T] {
        let n = count.reduce(1, *)
        var out = [T](unsafeUninitializedCapacity: n) { _, c in c = n }
        try withSlab(offset: offset, count: count) { m, f in
            let st = out.withUnsafeMutableBytes { H5Dread(id, T.hdf5Type.id, m, f, hid_t(H5P_DEFAULT), $0.baseAddress) }
            try check(st, "read hyperslab")
        }
        return out
    }

    /// The fill value, converted to `T`.
    public func fillValue<T: HDF5Scalar>(_ type: T.Type = T.self) throws -> T {
        let dcpl = H5Dget_create_plist(id)
        guard dcpl >= 0 else { throw error("get fill value") }
        defer { H5Pclose(dcpl) }
        var out = [T](unsafeUninitializedCapacity: 1) { _, c in c = 1 }
        let st = out.withUnsafeMutableBytes { H5Pget_fill_value(dcpl, T.hdf5Type.id, $0.baseAddress) }
        try check(st, "get fill value")
        return out[0]
    }

    /// The filters in the pipeline, by HDF5 filter id (1 = deflate, 2 = shuffle).
    public var filters: [Int] {
        let dcpl = H5Dget_create_plist(id)
        guard dcpl >= 0 else { return [] }
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
