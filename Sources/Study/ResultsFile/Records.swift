// One grid point's result, defined once. A point of each kind (theory, simulation) is a typed
// record, and ONE field table per kind says, for every field: its variable name in the file, its
// storage type and fill value, its netCDF metadata (long_name, units, CF flags), which values a
// stored point may hold, whether it is reproducible, and how it is read from and written to the
// record. Everything that moves a point derives from these tables:
//   - the results file: `ResultsWriter` writes one variable per field, `ResultsData.read` reads them;
//   - the in-memory study: `ResultsData` holds one `Column` per field;
//   - the wire payload and the journal record: one Double per field, in table order
//     (`TheoryRecord.encode`, `.decode`; every stored type is exact in a Double);
//   - the memory estimate: the sum of the fields' storage sizes (`bytesPerPoint`).
// Adding a field is one entry in a table (plus the record property it reads).
import VAETheory

/// The two kinds of points: a theory point (α, β, λ) and a simulated point (α, β, λ, N, seed).
/// The raw values are the kind codes of journal records.
public enum PointKind: Int, Sendable, CaseIterable {
    case simulation = 0, theory = 1

    /// Coordinates per point: 3 for theory (α, β, λ), 5 for simulation (α, β, λ, N, seed).
    public var coordinateCount: Int { self == .theory ? 3 : 5 }
    /// Fields per point (payload values per point).
    public var fieldCount: Int { self == .theory ? TheoryRecord.fields.count : SimulationRecord.fields.count }
    /// The fields of this kind's table.
    public var fieldInfos: [FieldInfo] { self == .theory ? PointKind.theoryInfos : PointKind.simulationInfos }
    private static let theoryInfos = TheoryRecord.fields.map(\.info)
    private static let simulationInfos = SimulationRecord.fields.map(\.info)
    /// Bytes one point occupies in memory (and, uncompressed, in the file).
    public var bytesPerPoint: Int { fieldInfos.reduce(0) { $0 + $1.type.byteCount } }
}

/// The storage type of a field, in the file and in memory.
public enum ScalarType: Sendable, Equatable {
    case float64, int64, int8, uint8
    /// Bytes per value.
    public var byteCount: Int {
        switch self { case .float64, .int64: return 8; case .int8, .uint8: return 1 }
    }
}

/// CF flag attributes of a coded variable.
public enum CFFlags: Sendable, Equatable {
    /// `flag_values` (int8) and `flag_meanings`.
    case values([Int8], String)
    /// `flag_masks` (uint8 bit fields) and `flag_meanings`.
    case masks([UInt8], String)
}

/// What describes one field (see the file header).
public struct FieldInfo: Sendable, Equatable {
    /// The variable's name in the results file.
    public let name: String
    /// Storage type.
    public let type: ScalarType
    /// Fill value (NaN, −1 or 0), as a Double: also the value of a point not computed.
    public let fill: Double
    /// netCDF `long_name`.
    public let longName: String
    /// netCDF `units` (nil for coded variables).
    public let units: String?
    /// CF flag attributes (coded variables).
    public let flags: CFFlags?
    /// The values a stored point may hold (the fill included); nil: any Double (floats, NaN allowed).
    public let allowed: Domain?
    /// False for diagnostics that differ between identical runs (wall times): never compared.
    public let reproducible: Bool

    /// A field description (see the properties).
    public init(name: String, type: ScalarType, fill: Double, longName: String, units: String?,
                flags: CFFlags? = nil, allowed: Domain? = nil, reproducible: Bool = true) {
        self.name = name; self.type = type; self.fill = fill; self.longName = longName; self.units = units
        self.flags = flags; self.allowed = allowed; self.reproducible = reproducible
    }

    /// Whether `v` may be stored in this field (a float field takes any value; a coded or integer
    /// field only the integers of `allowed`).
    public func admits(_ v: Double) -> Bool {
        guard let allowed else { return type == .float64 || (v.isFinite && v == v.rounded()) }
        return allowed.contains(v)
    }
}

/// One field of a record type: its description and how it is read from and written to the record.
public struct Field<Record>: Sendable {
    /// The field's description.
    public let info: FieldInfo
    /// The field's value in a record, as a Double (exact for every stored type).
    public let get: @Sendable (Record) -> Double
    /// Store a value the field admits into a record.
    public let set: @Sendable (inout Record, Double) -> Void
}

/// A point's field values in table order: encoding, decoding with validation.
public protocol PointRecord: Sendable, Equatable {
    /// The field table of this kind of point, in storage, payload and journal order.
    static var fields: [Field<Self>] { get }
    /// The kind of point.
    static var kind: PointKind { get }
    /// The record of a point that has no result (every field at its fill value).
    static var empty: Self { get }
}

/// A record that cannot be decoded: a value a field does not admit, or a wrong length.
public struct RecordError: Error, CustomStringConvertible, Equatable {
    /// What is wrong, naming the field.
    public let description: String
    /// An error described by `d`.
    public init(_ d: String) { description = d }
}

extension PointRecord {
    /// The record's values in table order (the wire payload and journal encoding of one point).
    public func encoded() -> [Double] { Self.fields.map { $0.get(self) } }

    /// Append the encoding to `out`.
    public func encode(into out: inout [Double]) { for f in Self.fields { out.append(f.get(self)) } }

    /// The record encoded in `values` (exactly `fields.count` values, each admitted by its field).
    public init<C: Collection>(decoding values: C) throws where C.Element == Double {
        guard values.count == Self.fields.count else {
            throw RecordError("a \(Self.kind) point has \(Self.fields.count) values, got \(values.count)")
        }
        var r = Self.empty
        for (f, v) in zip(Self.fields, values) {
            guard f.info.admits(v) else { throw RecordError("\(f.info.name) = \(v) is outside what the field admits") }
            f.set(&r, v)
        }
        self = r
    }

    /// Check encoded values without building the record.
    public static func validate<C: Collection>(_ values: C) throws where C.Element == Double {
        guard values.count == fields.count else {
            throw RecordError("a \(kind) point has \(fields.count) values, got \(values.count)")
        }
        for (f, v) in zip(fields, values) where !f.info.admits(v) {
            throw RecordError("\(f.info.name) = \(v) is outside what the field admits")
        }
    }

    /// `validate` of one point of a payload (rank 0 checks every point it receives): the same
    /// checks, through the kind's cached field descriptions and plain indices. (The generic form,
    /// called from another module, went through unspecialised collection code: 80 % of rank 0's
    /// time per result at 1 024 virtual ranks, `vaesweep-bench scale`.)
    public static func validate(_ values: ArraySlice<Double>) throws {
        let infos = kind.fieldInfos
        guard values.count == infos.count else {
            throw RecordError("a \(kind) point has \(infos.count) values, got \(values.count)")
        }
        let base = values.startIndex
        for j in 0..<infos.count where !infos[j].admits(values[base + j]) {
            throw RecordError("\(infos[j].name) = \(values[base + j]) is outside what the field admits")
        }
    }

    /// The position of the field named `name` in the table (a programming error if absent).
    static func position(_ name: String) -> Int {
        guard let i = fields.firstIndex(where: { $0.info.name == name }) else { fatalError("no field \(name) in the \(kind) table") }
        return i
    }
}

/// The observables of one point in `Quantity.allCases` order.
public struct QuantityValues: Sendable, Equatable {
    /// The values, `Quantity.count` of them.
    public var values: [Double]
    /// All NaN (not computed, or training failed).
    public static let missing = QuantityValues(values: [Double](repeating: .nan, count: Quantity.count))
    /// Values in `Quantity.allCases` order (`values.count` must be `Quantity.count`).
    public init(values: [Double]) { precondition(values.count == Quantity.count); self.values = values }
    /// The numeric observables of `o`.
    public init(_ o: Observables) { values = o.values }
    /// The value of `q`.
    public subscript(_ q: Quantity) -> Double {
        get { values[q.index] }
        set { values[q.index] = newValue }
    }
    /// Bitwise equality (NaN equals NaN of the same bits).
    public static func == (a: QuantityValues, b: QuantityValues) -> Bool {
        a.values.map(\.bitPattern) == b.values.map(\.bitPattern)
    }
}

/// CF attributes of the shared codes.
enum Codes {
    static let phase = CFFlags.values([0, 1, 2], "collapsed overlearning learning")
    static let status = CFFlags.values([0, 1, 2], "not_run ok failed")
    static let metastable = CFFlags.values([0, 1], "no yes")
    static var pointFlags: CFFlags {
        .masks(PointFlags.all.map { $0.flag.rawValue }, PointFlags.all.map { $0.name }.joined(separator: " "))
    }
    static let phaseDomain = Domain(-1, 2, integer: true)
    static let byteDomain = Domain(0, 255, integer: true)
}

// MARK: - theory points

/// The result of one theory point (α, β, λ) (MODEL.md §4).
public struct TheoryRecord: PointRecord {
    /// The N = ∞ observables (NaN when not computed).
    public var values: QuantityValues
    /// The theory phase (nil: not computed).
    public var phase: Phase?
    /// Whether another local minimum coexists with the global one (nil: not computed).
    public var metastable: Bool?
    /// The point's caveats (`PointFlags.theory`).
    public var flags: PointFlags

    /// A record from its parts.
    public init(values: QuantityValues, phase: Phase?, metastable: Bool?, flags: PointFlags) {
        self.values = values; self.phase = phase; self.metastable = metastable; self.flags = flags
    }

    /// The record of a solved point.
    public init(_ r: TheoryResult) {
        self.init(values: QuantityValues(r.observables), phase: r.observables.phase, metastable: r.metastable,
                  flags: PointFlags.theory(r))
    }

    /// A point not computed.
    public static let empty = TheoryRecord(values: .missing, phase: nil, metastable: nil, flags: [])
    /// Theory points.
    public static let kind = PointKind.theory
    /// Whether the point has a result.
    public var isDone: Bool { phase != nil }

    /// The theory field table: `theory_<q>` for every observable, then phase, metastability, flags.
    public static let fields: [Field<TheoryRecord>] =
        Quantity.allCases.map { q in
            Field(info: FieldInfo(name: Variable.theory(q), type: .float64, fill: .nan,
                                  longName: q.longName + " (N = ∞ theory)", units: q.units),
                  get: { $0.values[q] }, set: { $0.values[q] = $1 })
        } + [
            Field(info: FieldInfo(name: Variable.theoryPhase, type: .int8, fill: -1, longName: "phase (N = ∞ theory)",
                                  units: nil, flags: Codes.phase, allowed: Codes.phaseDomain),
                  get: { Double($0.phase?.rawValue ?? -1) }, set: { $0.phase = Phase(rawValue: Int8($1)) }),
            Field(info: FieldInfo(name: Variable.theoryMetastable, type: .int8, fill: -1,
                                  longName: "another local minimum coexists with the global one", units: nil,
                                  flags: Codes.metastable, allowed: Domain(-1, 1, integer: true)),
                  get: { $0.metastable.map { $0 ? 1 : 0 } ?? -1 }, set: { $0.metastable = $1 < 0 ? nil : $1 == 1 }),
            Field(info: FieldInfo(name: Variable.theoryFlags, type: .uint8, fill: 0,
                                  longName: "caveats of the theory point (bit field)", units: nil,
                                  flags: Codes.pointFlags, allowed: Codes.byteDomain),
                  get: { Double($0.flags.rawValue) }, set: { $0.flags = PointFlags(rawValue: UInt8($1)) }),
        ]
    /// Positions in `fields` (derived from the table by name).
    public static let phasePosition = position(Variable.theoryPhase)
    /// Position of the metastability field.
    public static let metastablePosition = position(Variable.theoryMetastable)
    /// Position of the flags field.
    public static let flagsPosition = position(Variable.theoryFlags)
}

// MARK: - simulated points

/// The result of one simulated point (α, β, λ, N, seed) (MODEL.md §6).
public struct SimulationRecord: PointRecord {
    /// The simulated observables (NaN when not run or when training threw).
    public var values: QuantityValues
    /// The finite-N phase (nil: not run or training threw).
    public var phase: Phase?
    /// Training steps taken (nil: not run or training threw).
    public var steps: Int?
    /// Final gradient norm of the loss per sample.
    public var gradNorm: Double
    /// Training wall time (s): a diagnostic, not reproducible.
    public var seconds: Double
    /// Not run, ok or failed.
    public var status: PointStatus
    /// The point's caveats (`PointFlags.simulation`).
    public var flags: PointFlags

    /// A record from its parts.
    public init(values: QuantityValues, phase: Phase?, steps: Int?, gradNorm: Double, seconds: Double,
                status: PointStatus, flags: PointFlags) {
        self.values = values; self.phase = phase; self.steps = steps; self.gradNorm = gradNorm
        self.seconds = seconds; self.status = status; self.flags = flags
    }

    /// A point not run.
    public static let empty = SimulationRecord(values: .missing, phase: nil, steps: nil, gradNorm: .nan, seconds: .nan,
                                               status: .notRun, flags: [])
    /// A point whose training threw: no values, status failed.
    public static let failed = SimulationRecord(values: .missing, phase: nil, steps: nil, gradNorm: .nan, seconds: .nan,
                                                status: .failed, flags: [])
    /// Simulated points.
    public static let kind = PointKind.simulation
    /// Whether the point has a result (ok or failed).
    public var isDone: Bool { status != .notRun }

    /// Bitwise equality (the Double fields by bit pattern).
    public static func == (a: SimulationRecord, b: SimulationRecord) -> Bool {
        a.values == b.values && a.phase == b.phase && a.steps == b.steps && a.gradNorm.bitPattern == b.gradNorm.bitPattern
            && a.seconds.bitPattern == b.seconds.bitPattern && a.status == b.status && a.flags == b.flags
    }

    /// The simulation field table: `sim_<q>` for every observable, then phase, steps, gradient
    /// norm, wall time, status, flags (the order of the wire payload and journal records).
    public static let fields: [Field<SimulationRecord>] =
        Quantity.allCases.map { q in
            Field(info: FieldInfo(name: Variable.sim(q), type: .float64, fill: .nan,
                                  longName: q.longName + " (simulation)", units: q.units),
                  get: { $0.values[q] }, set: { $0.values[q] = $1 })
        } + [
            Field(info: FieldInfo(name: Variable.simPhase, type: .int8, fill: -1, longName: "phase (simulation, finite-N rule)",
                                  units: nil, flags: Codes.phase, allowed: Codes.phaseDomain),
                  get: { Double($0.phase?.rawValue ?? -1) }, set: { $0.phase = Phase(rawValue: Int8($1)) }),
            Field(info: FieldInfo(name: Variable.simSteps, type: .int64, fill: -1, longName: "training steps taken",
                                  units: "1", allowed: Domain(-1, 9.0e15, integer: true)),
                  get: { Double($0.steps ?? -1) }, set: { $0.steps = $1 < 0 ? nil : Int($1) }),
            Field(info: FieldInfo(name: Variable.simGradNorm, type: .float64, fill: .nan,
                                  longName: "final gradient norm of the loss per sample", units: "1"),
                  get: { $0.gradNorm }, set: { $0.gradNorm = $1 }),
            Field(info: FieldInfo(name: Variable.simSeconds, type: .float64, fill: .nan,
                                  longName: "training wall time of the point (diagnostic; not reproducible)", units: "s",
                                  reproducible: false),
                  get: { $0.seconds }, set: { $0.seconds = $1 }),
            Field(info: FieldInfo(name: Variable.status, type: .int8, fill: 0, longName: "point status", units: nil,
                                  flags: Codes.status, allowed: Domain(0, 2, integer: true)),
                  get: { Double($0.status.rawValue) }, set: { $0.status = PointStatus(rawValue: Int8($1)) ?? .notRun }),
            Field(info: FieldInfo(name: Variable.simFlags, type: .uint8, fill: 0,
                                  longName: "caveats of the simulated point (bit field)", units: nil,
                                  flags: Codes.pointFlags, allowed: Codes.byteDomain),
                  get: { Double($0.flags.rawValue) }, set: { $0.flags = PointFlags(rawValue: UInt8($1)) }),
        ]
    /// Positions in `fields` (derived from the table by name).
    public static let phasePosition = position(Variable.simPhase)
    /// Position of the steps field.
    public static let stepsPosition = position(Variable.simSteps)
    /// Position of the gradient-norm field.
    public static let gradNormPosition = position(Variable.simGradNorm)
    /// Position of the wall-time field.
    public static let secondsPosition = position(Variable.simSeconds)
    /// Position of the status field.
    public static let statusPosition = position(Variable.status)
    /// Position of the flags field.
    public static let flagsPosition = position(Variable.simFlags)
}

// MARK: - columns

/// One field over every point of a study (row-major over the grid), in the field's storage type.
public struct Column: Sendable {
    /// The storage type.
    public let type: ScalarType
    private var f64: [Double] = [], i64: [Int64] = [], i8: [Int8] = [], u8: [UInt8] = []

    /// `count` values equal to `fill` (converted to `type`).
    public init(_ type: ScalarType, count: Int, fill: Double) {
        self.type = type
        switch type {
        case .float64: f64 = [Double](repeating: fill, count: count)
        case .int64: i64 = [Int64](repeating: Int64(fill), count: count)
        case .int8: i8 = [Int8](repeating: Int8(fill), count: count)
        case .uint8: u8 = [UInt8](repeating: UInt8(fill), count: count)
        }
    }
    /// A float64 column.
    public init(_ v: [Double]) { type = .float64; f64 = v }
    /// An int64 column.
    public init(_ v: [Int64]) { type = .int64; i64 = v }
    /// An int8 column.
    public init(_ v: [Int8]) { type = .int8; i8 = v }
    /// A uint8 column.
    public init(_ v: [UInt8]) { type = .uint8; u8 = v }

    /// Number of values.
    public var count: Int {
        switch type { case .float64: return f64.count; case .int64: return i64.count; case .int8: return i8.count; case .uint8: return u8.count }
    }

    /// Value `i` as a Double (exact); setting converts a value the field admits.
    public subscript(_ i: Int) -> Double {
        get {
            switch type {
            case .float64: return f64[i]
            case .int64: return Double(i64[i])
            case .int8: return Double(i8[i])
            case .uint8: return Double(u8[i])
            }
        }
        set {
            switch type {
            case .float64: f64[i] = newValue
            case .int64: i64[i] = Int64(newValue)
            case .int8: i8[i] = Int8(newValue)
            case .uint8: u8[i] = UInt8(newValue)
            }
        }
    }

    /// `self[indices[k]] = rows[rows.startIndex + k · stride + offset]` for every k (values the
    /// field admits, converted as the subscript converts them): one field of a run of records laid
    /// out one after another, with one type dispatch for the whole run.
    public mutating func set(at indices: [Int], rows: ArraySlice<Double>, stride: Int, offset: Int) {
        let base = rows.startIndex + offset
        switch type {
        case .float64: for (k, i) in indices.enumerated() { f64[i] = rows[base + k * stride] }
        case .int64: for (k, i) in indices.enumerated() { i64[i] = Int64(rows[base + k * stride]) }
        case .int8: for (k, i) in indices.enumerated() { i8[i] = Int8(rows[base + k * stride]) }
        case .uint8: for (k, i) in indices.enumerated() { u8[i] = UInt8(rows[base + k * stride]) }
        }
    }

    /// The values of a float64 column (nil for another type).
    public var doubles: [Double]? { type == .float64 ? f64 : nil }
    /// The values of an int64 column.
    public var int64s: [Int64]? { type == .int64 ? i64 : nil }
    /// The values of an int8 column.
    public var int8s: [Int8]? { type == .int8 ? i8 : nil }
    /// The values of a uint8 column.
    public var uint8s: [UInt8]? { type == .uint8 ? u8 : nil }

    /// Whether value `i` here and value `j` of `other` are the same bits (NaN equals the same NaN).
    public func sameValue(_ i: Int, as other: Column, _ j: Int) -> Bool {
        self[i].bitPattern == other[j].bitPattern
    }
}
