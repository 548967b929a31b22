// Attributes on any object: scalar and 1-D numeric ones, and strings (written as variable-length
// UTF-8, which h5py reads as `str`; fixed-length ones are read too). Writing replaces an existing
// attribute of the same name. Attribute, type and dataspace ids are closed before each call returns.
internal import CHDF5
import Foundation

extension HDF5Object {
    private func writeAttribute(_ name: String, type: hid_t, space: hid_t, _ body: (hid_t) -> herr_t) throws {
        if H5Aexists(id, name) > 0 { try check(H5Adelete(id, name), "delete attribute '\(name)'") }
        let attr = H5Acreate2(id, name, type, space, hid_t(H5P_DEFAULT), hid_t(H5P_DEFAULT))
        guard attr >= 0 else { throw error("create attribute '\(name)'") }
        defer { H5Aclose(attr) }
        try check(body(attr), "write attribute '\(name)'")
    }

    /// Write a scalar numeric attribute (replaces an existing one of the same name).
    public func setAttribute<T: HDF5Scalar>(_ name: String, _ value: T) throws {
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let type = T.hdf5Type.id
        try withUnsafeBytes(of: value) { v in
            try writeAttribute(name, type: type, space: space) { H5Awrite($0, type, v.baseAddress) }
        }
    }

    /// Write a 1-D numeric attribute (replaces an existing one of the same name).
    public func setAttribute<T: HDF5Scalar>(_ name: String, _ values: [T]) throws {
        var dims = [hsize_t(values.count)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        let type = T.hdf5Type.id
        try writeAttribute(name, type: type, space: space) { a in
            values.withUnsafeBytes { H5Awrite(a, type, $0.baseAddress) }
        }
    }

    /// Write a variable-length UTF-8 string attribute (h5py reads it as `str`).
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

    /// Whether the object has an attribute of this name.
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
            let st = out.withUnsafeMutableBytes { H5Aread(attr, T.hdf5Type.id, $0.baseAddress) }
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
