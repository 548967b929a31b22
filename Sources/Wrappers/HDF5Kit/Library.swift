// HDF5Kit: a small, safe Swift surface over the HDF5 C library (plus the hdf5_hl dimension-scale
// API). Files, groups, N-D datasets of a few numeric types with fill values, chunking and
// gzip+shuffle, hyperslab I/O, scalar and string attributes, and dimension scales. No C type
// appears in the public API (`internal import CHDF5`).
//
// This file: library set-up, the error type and the one place a return code becomes an error.
// HDF5's own error-stack printing is silenced once per process; every failure is thrown as an
// `HDF5Error` naming the file, the object path and the operation.
internal import CHDF5
import Foundation

/// A failed HDF5 operation.
public struct HDF5Error: Error, CustomStringConvertible, Sendable {
    /// The file's path.
    public let file: String
    /// The object's path inside the file ("" or "/" for the file itself).
    public let object: String
    /// What was attempted, e.g. "open dataset".
    public let operation: String
    /// HDF5's innermost error message, or a reason given by HDF5Kit.
    public let detail: String
    /// One line: operation, 'file:object' and detail (HDF5's own multi-line details joined).
    public var description: String {
        let where_ = object.isEmpty || object == "/" ? file : "\(file):\(object)"
        let oneLine = detail.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }.joined(separator: " ")
        return "HDF5: \(operation) failed for '\(where_)'" + (oneLine.isEmpty ? "" : ": \(oneLine)")
    }
}

/// Library-wide facts.
public enum HDF5Library {
    /// Opens the library and silences its automatic error printing (idempotent). HDF5's exit-time
    /// clean-up is turned off (H5dont_atexit, before anything else): every file is closed
    /// explicitly by its owner, and a file whose close failed (a full disk) must not be flushed
    /// again at exit, where HDF5 1.10 then crashes in H5F__close_cb.
    static let ready: Void = {
        H5dont_atexit()
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

/// An HDF5 datatype for one of the `HDF5Scalar` element types (opaque: the id stays inside
/// HDF5Kit).
public struct HDF5Datatype: Sendable, Equatable {
    enum Kind: Sendable, Equatable { case double, int8, uint8, int32, int64 }
    let kind: Kind

    /// IEEE 754 binary64, native byte order.
    public static let double = HDF5Datatype(kind: .double)
    /// Signed 8-bit integer.
    public static let int8 = HDF5Datatype(kind: .int8)
    /// Unsigned 8-bit integer.
    public static let uint8 = HDF5Datatype(kind: .uint8)
    /// Signed 32-bit integer.
    public static let int32 = HDF5Datatype(kind: .int32)
    /// Signed 64-bit integer.
    public static let int64 = HDF5Datatype(kind: .int64)

    var id: hid_t {
        HDF5Library.ready
        switch kind {
        case .double: return CHDF5_T_NATIVE_DOUBLE()
        case .int8: return CHDF5_T_NATIVE_INT8()
        case .uint8: return CHDF5_T_NATIVE_UINT8()
        case .int32: return CHDF5_T_NATIVE_INT32()
        case .int64: return CHDF5_T_NATIVE_INT64()
        }
    }
}

/// Numeric element types storable in datasets and attributes.
public protocol HDF5Scalar {
    /// The HDF5 datatype of one element in memory.
    static var hdf5Type: HDF5Datatype { get }
}
/// Stored as a native double.
extension Double: HDF5Scalar { public static var hdf5Type: HDF5Datatype { .double } }
/// Stored as a native signed 8-bit integer.
extension Int8: HDF5Scalar { public static var hdf5Type: HDF5Datatype { .int8 } }
/// Stored as a native unsigned 8-bit integer.
extension UInt8: HDF5Scalar { public static var hdf5Type: HDF5Datatype { .uint8 } }
/// Stored as a native signed 32-bit integer.
extension Int32: HDF5Scalar { public static var hdf5Type: HDF5Datatype { .int32 } }
/// Stored as a native signed 64-bit integer.
extension Int64: HDF5Scalar { public static var hdf5Type: HDF5Datatype { .int64 } }
