// A reader for NumPy's .npy format (version 1.0, 2.0, 3.0): the magic string "\x93NUMPY", the
// version, a little-endian header length, a Python-literal header dictionary
// {'descr': '<f8', 'fortran_order': False, 'shape': (P, N), } and the raw data.
// Accepted: little-endian float64 ('<f8') and float32 ('<f4'), C order, any rank (shape () is a
// scalar). Everything else — another dtype, fortran order, a truncated or over-long data part, a
// malformed header — is an `NPYError` naming the file, in one line.
import Foundation

/// A .npy file that cannot be used, with the file named in the message.
public struct NPYError: Error, CustomStringConvertible {
    /// The file.
    public let path: String
    /// What is wrong with it.
    public let problem: String
    /// "PATH: problem", one line.
    public var description: String { "\(path): \(problem)" }
}

/// A numeric array read from a .npy file, as float64 in C (row-major) order.
public struct NPYArray: Sendable, Equatable {
    /// The array's shape (empty for a scalar).
    public var shape: [Int]
    /// The elements in C order, converted to Double.
    public var values: [Double]
    /// The stored dtype descriptor ("<f8" or "<f4").
    public var descr: String
}

/// Reading NumPy .npy files (see the file header for what is accepted).
public enum NPY {
    /// Read a .npy file.
    public static func read(path: String) throws -> NPYArray {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NPYError(path: path, problem: "cannot read the file (missing or unreadable)")
        }
        return try parse(data, path: path)
    }

    /// Parse the bytes of a .npy file (`path` is used in error messages only).
    public static func parse(_ data: Data, path: String) throws -> NPYArray {
        let bytes = [UInt8](data)
        func bad(_ s: String) -> NPYError { NPYError(path: path, problem: s) }
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw bad("not a NumPy .npy file (bad magic string)") }
        let major = bytes[6]
        let headerLength: Int, start: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; start = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw bad("truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24; start = 12
        default:
            throw bad("unsupported .npy format version \(major).\(bytes[7])")
        }
        guard bytes.count >= start + headerLength else { throw bad("truncated header") }
        guard let header = String(bytes: bytes[start..<(start + headerLength)], encoding: major == 3 ? .utf8 : .ascii) else {
            throw bad("header is not text")
        }
        guard let descr = stringValue(header, key: "descr") else { throw bad("header has no 'descr'") }
        guard let fortran = literal(header, key: "fortran_order") else { throw bad("header has no 'fortran_order'") }
        guard fortran == "False" else {
            if fortran == "True" { throw bad("fortran_order is True; save the array in C order (np.ascontiguousarray)") }
            throw bad("bad fortran_order '\(fortran)'")
        }
        guard let shape = shapeValue(header) else { throw bad("header has no valid 'shape'") }
        let itemSize: Int
        switch descr {
        case "<f8": itemSize = 8
        case "<f4": itemSize = 4
        default: throw bad("dtype '\(descr)' is not supported (expected little-endian float64 '<f8' or float32 '<f4')")
        }
        var count = 1
        for s in shape {
            let (c, o) = count.multipliedReportingOverflow(by: s)
            guard !o else { throw bad("shape \(shape) is too large") }
            count = c
        }
        let dataStart = start + headerLength
        let (need, o) = count.multipliedReportingOverflow(by: itemSize)
        guard !o else { throw bad("shape \(shape) is too large") }
        let have = bytes.count - dataStart
        guard have >= need else { throw bad("truncated: shape \(shape) needs \(need) data bytes, the file has \(have)") }
        guard have == need else { throw bad("\(have - need) bytes after the data of shape \(shape)") }
        var values = [Double](repeating: 0, count: count)
        bytes.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart
            for i in 0..<count {
                if itemSize == 8 {
                    var bits: UInt64 = 0
                    memcpy(&bits, base + 8 * i, 8)
                    values[i] = Double(bitPattern: UInt64(littleEndian: bits))
                } else {
                    var bits: UInt32 = 0
                    memcpy(&bits, base + 4 * i, 4)
                    values[i] = Double(Float(bitPattern: UInt32(littleEndian: bits)))
                }
            }
        }
        return NPYArray(shape: shape, values: values, descr: descr)
    }

    /// The text after `'key':` up to the next top-level ',' or '}' (trimmed).
    static func literal(_ header: String, key: String) -> String? {
        guard let r = header.range(of: "'\(key)'") ?? header.range(of: "\"\(key)\"") else { return nil }
        var rest = header[r.upperBound...].drop { $0 == " " }
        guard rest.first == ":" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " }
        var depth = 0, out = ""
        for c in rest {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if depth == 0 && (c == "," || c == "}") { break }
            out.append(c)
        }
        return out.trimmingCharacters(in: .whitespaces)
    }

    static func stringValue(_ header: String, key: String) -> String? {
        guard let v = literal(header, key: key), v.count >= 2, let f = v.first, f == "'" || f == "\"", v.last == f else { return nil }
        return String(v.dropFirst().dropLast())
    }

    static func shapeValue(_ header: String) -> [Int]? {
        guard let v = literal(header, key: "shape"), v.hasPrefix("("), v.hasSuffix(")") else { return nil }
        let inner = v.dropFirst().dropLast()
        var out: [Int] = []
        for part in inner.split(separator: ",") {
            let t = part.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { continue }
            guard let k = Int(t.hasSuffix("L") ? String(t.dropLast()) : t), k >= 0 else { return nil }
            out.append(k)
        }
        return out
    }
}
