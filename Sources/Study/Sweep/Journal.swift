// The append-only journal of finished work, written by rank 0 next to the output
// (`PATH.journal`). It is what `--resume` reads: a run killed at any moment (even SIGKILL) loses
// at most the record being written, because a record only counts when complete, its checksum
// matches and its values are in the schema's ranges.
//
// Records are keyed by coordinate VALUES (see `ResultStore.record`), so a journal stays usable
// when the spec changes between runs: `--resume` keeps the points still in the new grid when the
// result-determining settings (stored in the header) are equal.
//
// Layout: the line "VAESWEEP-JOURNAL 3", then two length-prefixed texts (a line with the byte
// length, the text, "\n"): the settings (`StudySettings.serialized`) and the canonical spec; then
// records, each little-endian:
//   UInt64 magic 0x4452_4F43_4552_4A56 | Int64 kind (0 simulation, 1 theory, 2 clock,
//   3 simulation and 4 theory points copied from a --reuse file) | Int64 n |
//   n × Float64 | UInt64 FNV-1a of kind, n and the values
// A clock record (version 3) holds one value, the Unix time at which the point record written
// with it (in the same write) was appended; rank 0 writes one at most every second, so
// `vaesweep status` can tell the rate of the last minutes. Version 2 journals (no clock records)
// are read as well.
import Foundation
import ResultsFile

/// A file that is not a journal of this vaesweep, or a journal that cannot be read (a failed
/// system call on it is a `FileSystemError`).
public struct JournalError: Error, CustomStringConvertible {
    /// What is wrong, naming the journal path.
    public let description: String
    init(_ d: String) { description = d }
}

/// An open journal file, appended to by rank 0 (one `append` per finished work item); `read`
/// parses one. The descriptor is closed when the object is released.
public final class Journal {
    /// The first line of every journal of this format (version 3: value-keyed records and clock
    /// records; version 2, without clock records, is read too).
    public static let header = "VAESWEEP-JOURNAL 3"
    static let readableHeaders: Set<String> = [header, "VAESWEEP-JOURNAL 2"]
    /// The record kind of a clock record.
    static let clockKind: UInt64 = 2
    /// Offset of the kinds of reused points' records (3 simulation, 4 theory).
    static let reusedKindOffset: UInt64 = 3
    /// Seconds between clock records.
    static let clockInterval = 1.0
    static let magic: UInt64 = 0x4452_4F43_4552_4A56

    /// The journal's path (`RunOptions.journalPath`, i.e. `OUTPUT.journal`).
    public let path: String
    private let fd: Int32
    private var lastClock = -Double.infinity

    /// One intact record: a finished work item's points as `ResultStore.record` encodes them.
    public struct Record: Equatable {
        /// Whether the values are simulated or theory points.
        public let kind: PointKind
        /// Whether the points were copied from a `--reuse` file rather than computed.
        public var reused = false
        /// Per point its coordinate values, then its payload (`ResultStore.record(_:payload:)`).
        public let values: [Double]
    }

    /// What `read` found.
    public struct Contents {
        /// The settings text the journal was started with (`StudySettings.serialized`).
        public var settings: String
        /// The canonical spec the journal was started with (`SweepSpec.canonical`).
        public var canonicalSpec: String
        /// Every intact record before the first damaged one, in file order.
        public var records: [Record]
        /// The clock marks before the first damaged record: at Unix time `time`, `recordsBefore`
        /// point records preceded the one written with the mark.
        public var clock: [(recordsBefore: Int, time: Double)] = []
        /// Whether the damage, if any, is only a record being written at the end (a torn tail).
        public var tornTail = false
        /// Byte offset where the intact part ends.
        public var validLength: UInt64
        /// Intact records found after a damaged one (they are dropped with it).
        public var droppedAfterDamage: Int
        /// A description of the first damaged record, if any.
        public var damage: String?
    }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// Create a NEW journal (fails if anything exists at `path`; never follows a symlink).
    public static func create(path: String, settings: String, canonicalSpec: String) throws -> Journal {
        let j = Journal(path: path, fd: try SafeFile.createExclusive(path))
        var data = Data("\(header)\n".utf8)
        for text in [settings, canonicalSpec] {
            let t = Data(text.utf8)
            data.append(Data("\(t.count)\n".utf8)); data.append(t); data.append(0x0A)
        }
        try j.write([UInt8](data))
        return j
    }

    /// Open an existing journal to append after its intact part `validLength` (the damaged tail,
    /// if any, is cut off). Never follows a symlink.
    public static func reopen(path: String, validLength: UInt64) throws -> Journal {
        let fd = try SystemCall.check("open the journal", path) { open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC) }
        let j = Journal(path: path, fd: fd)
        try SystemCall.check("cut the damaged tail of the journal", path) { ftruncate(fd, off_t(validLength)) }
        try SystemCall.check("seek in the journal", path) { lseek(fd, off_t(validLength), SEEK_SET) >= 0 ? 0 : -1 }
        return j
    }

    private func write(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            off += try SystemCall.check("write the journal", path) { bytes[off...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) } }
        }
    }

    /// Append one record (a single write, so a crash leaves at most one partial record), preceded
    /// in the same write by a clock record when a second has passed since the last one.
    public func append(kind: PointKind, values: [Double], reused: Bool = false, now: Double = Date().timeIntervalSince1970) throws {
        var bytes = [UInt8]()
        if now - lastClock >= Journal.clockInterval {
            bytes += Journal.encode(kind: Journal.clockKind, values: [now])
            lastClock = now
        }
        bytes += Journal.encode(kind: UInt64(kind.rawValue) + (reused ? Journal.reusedKindOffset : 0), values: values)
        try write(bytes)
    }

    /// The bytes of one record, laid out in place (little-endian, whatever the host), not appended
    /// one by one: rank 0 journals every result, so this is on its per-result path.
    static func encode(kind: UInt64, values: [Double]) -> [UInt8] {
        let end = 24 + 8 * values.count
        var bytes = [UInt8](repeating: 0, count: end + 8)
        bytes.withUnsafeMutableBytes { raw in
            func put(_ v: UInt64, at offset: Int) { raw.storeBytes(of: v.littleEndian, toByteOffset: offset, as: UInt64.self) }
            put(Journal.magic, at: 0)
            put(kind, at: 8)
            put(UInt64(values.count), at: 16)
            for (k, x) in values.enumerated() { put(x.bitPattern, at: 24 + 8 * k) }
            put(Journal.fnv1a(UnsafeRawBufferPointer(rebasing: raw[8..<end])), at: end)
        }
        return bytes
    }

    /// Parse the header at the start of `bytes`: the two texts and where the records begin, or
    /// nil when `bytes` ends before the header does.
    static func parseHeader(_ bytes: [UInt8], path: String) throws -> (settings: String, canonical: String, end: Int)? {
        func line(from start: Int) -> (String, Int)? {
            guard start <= bytes.count, let nl = bytes[start...].firstIndex(of: 0x0A) else { return nil }
            return (String(decoding: bytes[start..<nl], as: UTF8.self), nl + 1)
        }
        func text(from start: Int) throws -> (String, Int)? {
            guard let (lenText, p) = line(from: start) else { return nil }
            guard let len = Int(lenText), len >= 0 else { throw JournalError("'\(path)' has a damaged header") }
            guard p + len + 1 <= bytes.count else { return nil }
            guard bytes[p + len] == 0x0A else { throw JournalError("'\(path)' has a damaged header") }
            return (String(decoding: bytes[p..<(p + len)], as: UTF8.self), p + len + 1)
        }
        guard let (h, p1) = line(from: 0) else { return nil }
        guard readableHeaders.contains(h) else {
            if h.hasPrefix("VAESWEEP-JOURNAL") {
                throw JournalError("'\(path)' was written by another version of vaesweep (\(h)); finish it with that version or move it away")
            }
            throw JournalError("'\(path)' is not a vaesweep journal")
        }
        guard let (settings, p2) = try text(from: p1), let (canonical, p3) = try text(from: p2) else { return nil }
        return (settings, canonical, p3)
    }

    /// Only the header of a journal (settings and canonical spec), reading no more of the file
    /// than the header needs.
    public static func readHeader(path: String) throws -> (settings: String, canonicalSpec: String) {
        guard let h = FileHandle(forReadingAtPath: path) else { throw JournalError("cannot read journal '\(path)'") }
        defer { try? h.close() }
        var bytes: [UInt8] = []
        var chunk = 1 << 16
        while true {
            let more = (try? h.read(upToCount: chunk)) ?? nil
            let got = more.map { [UInt8]($0) } ?? []
            bytes += got
            if let parsed = try parseHeader(bytes, path: path) { return (parsed.settings, parsed.canonical) }
            guard !got.isEmpty else { throw JournalError(bytes.isEmpty ? "'\(path)' is not a vaesweep journal" : "'\(path)' has a damaged header") }
            chunk *= 2
        }
    }

    /// Read a journal: its header texts and every complete, intact record up to the first damaged
    /// one (bad checksum, impossible length, or a record `isValid` rejects).
    public static func read(path: String, isValid: (Record) -> Bool = { _ in true }) throws -> Contents {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw JournalError("cannot read journal '\(path)'")
        }
        let bytes = [UInt8](data)
        guard let (settings, canonical, p3) = try parseHeader(bytes, path: path) else {
            throw JournalError(bytes.isEmpty ? "'\(path)' is not a vaesweep journal" : "'\(path)' has a damaged header")
        }
        func u64(_ at: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
            return v
        }
        /// The record at `pos`: nil when framing is lost; `intact` false on a checksum mismatch.
        func frame(_ pos: Int) -> (end: Int, kind: UInt64, n: Int, intact: Bool)? {
            guard pos + 24 <= bytes.count, u64(pos) == magic else { return nil }
            let n = Int(truncatingIfNeeded: u64(pos + 16))
            guard n >= 0, n < 1 << 40 else { return nil }
            let end = pos + 24 + 8 * n + 8
            guard end <= bytes.count else { return nil }
            return (end, u64(pos + 8), n, fnv1a(bytes[(pos + 8)..<(end - 8)]) == u64(end - 8))
        }
        var c = Contents(settings: settings, canonicalSpec: canonical, records: [], validLength: UInt64(p3),
                         droppedAfterDamage: 0, damage: nil)
        var pos = p3
        while let f = frame(pos) {
            if f.intact, f.kind == clockKind, f.n == 1 {
                c.clock.append((c.records.count, Double(bitPattern: u64(pos + 24))))
                pos = f.end
                continue
            }
            let reused = f.kind >= reusedKindOffset
            let code = reused ? f.kind - reusedKindOffset : f.kind
            let kind = code <= 1 && f.kind != clockKind ? PointKind(rawValue: Int(code)) : nil
            if f.intact, let kind {
                let r = Record(kind: kind, reused: reused, values: (0..<f.n).map { Double(bitPattern: u64(pos + 24 + 8 * $0)) })
                if isValid(r) { c.records.append(r); pos = f.end; continue }
                c.damage = "record \(c.records.count + 1) has values outside the schema"
            } else {
                c.damage = "record \(c.records.count + 1) is damaged (checksum)"
            }
            // Count the intact records the damage makes us drop.
            var q = f.end
            while let g = frame(q) { if g.intact && g.kind != clockKind { c.droppedAfterDamage += 1 }; q = g.end }
            break
        }
        if c.damage == nil && pos < bytes.count {
            c.damage = "an incomplete record at the end (\(bytes.count - pos) bytes)"
            c.tornTail = true
        }
        c.validLength = UInt64(pos)
        return c
    }

    static func fnv1a<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }
}
