// The append-only journal of finished units, written by rank 0 next to the output
// (`PATH.journal`). It is what `--resume` reads: a run killed at any moment (even SIGKILL) loses
// at most the unit being written, because a record only counts when complete and its checksum
// matches.
//
// Layout: the line "VAESWEEP-JOURNAL 1", the line "<byte length of the canonical spec>", the
// canonical spec text and "\n"; then records, each little-endian:
//   UInt64 magic 0x4452_4F43_4552_4A56 | Int64 unit id | Int64 n | n × Float64 payload | UInt64 FNV-1a
// (the checksum covers unit id, n and the payload bytes).
import Foundation
import ResultsFile

public final class Journal {
    public static let header = "VAESWEEP-JOURNAL 1"
    static let magic: UInt64 = 0x4452_4F43_4552_4A56

    public let path: String
    private let handle: FileHandle

    public struct Record: Equatable {
        public let unit: Int
        public let payload: [Double]
    }

    /// Create a new journal for `canonicalSpec` (replacing any file at `path`).
    public static func create(path: String, canonicalSpec: String) throws -> Journal {
        let spec = Data(canonicalSpec.utf8)
        var data = Data("\(header)\n\(spec.count)\n".utf8)
        data.append(spec)
        data.append(0x0A)
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw SpecError("output", "cannot create journal '\(path)'")
        }
        return try Journal(path: path, truncateTo: nil)
    }

    /// Open an existing journal for appending, first cutting an incomplete tail at `truncateTo`.
    init(path: String, truncateTo: UInt64?) throws {
        self.path = path
        guard let h = FileHandle(forUpdatingAtPath: path) else { throw SpecError("output", "cannot open journal '\(path)'") }
        handle = h
        if let t = truncateTo { try h.truncate(atOffset: t) }
        try h.seekToEnd()
    }

    deinit { try? handle.close() }

    /// Read a journal: its canonical spec and every complete, intact record (later records of the
    /// same unit supersede earlier ones when applied in order). `validLength` is where the intact
    /// part ends.
    public static func read(path: String) throws -> (canonicalSpec: String, records: [Record], validLength: UInt64) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError("resume", "cannot read journal '\(path)'")
        }
        let bytes = [UInt8](data)
        func line(from start: Int) -> (String, Int)? {
            guard let nl = bytes[start...].firstIndex(of: 0x0A) else { return nil }
            return (String(decoding: bytes[start..<nl], as: UTF8.self), nl + 1)
        }
        guard let (h, p1) = line(from: 0), h == header, let (lenText, p2) = line(from: p1), let len = Int(lenText),
              p2 + len + 1 <= bytes.count, bytes[p2 + len] == 0x0A else {
            throw SpecError("resume", "'\(path)' is not a vaesweep journal")
        }
        let canonical = String(decoding: bytes[p2..<(p2 + len)], as: UTF8.self)
        var records: [Record] = []
        var pos = p2 + len + 1
        func u64(_ at: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
            return v
        }
        while pos + 24 <= bytes.count, u64(pos) == magic {
            let unit = Int(Int64(bitPattern: u64(pos + 8)))
            let n = Int(Int64(bitPattern: u64(pos + 16)))
            guard n >= 0, n < 1 << 40 else { break }
            let end = pos + 24 + 8 * n + 8
            guard end <= bytes.count else { break }
            let checksum = fnv1a(bytes[(pos + 8)..<(end - 8)])
            guard checksum == u64(end - 8) else { break }
            let payload = (0..<n).map { Double(bitPattern: u64(pos + 24 + 8 * $0)) }
            records.append(Record(unit: unit, payload: payload))
            pos = end
        }
        return (canonical, records, UInt64(pos))
    }

    /// Open an existing journal to append after its intact part.
    public static func reopen(path: String, validLength: UInt64) throws -> Journal {
        try Journal(path: path, truncateTo: validLength)
    }

    /// Append one finished unit (a single write, so a crash leaves at most one partial record).
    public func append(unit: Int, payload: [Double]) throws {
        var bytes = [UInt8]()
        bytes.reserveCapacity(32 + 8 * payload.count)
        func put(_ v: UInt64) { for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) } }
        put(Journal.magic)
        put(UInt64(bitPattern: Int64(unit)))
        put(UInt64(payload.count))
        for x in payload { put(x.bitPattern) }
        put(Journal.fnv1a(bytes[8...]))
        try handle.write(contentsOf: Data(bytes))
    }

    static func fnv1a<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}
