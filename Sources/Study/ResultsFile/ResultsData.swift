// ResultsData: a study in memory — its axes, its root attributes, and one column per field of the
// field tables (Records.swift), theory columns over (alpha, beta, lam) and simulation columns over
// (alpha, beta, lam, N, seed), row-major. The one table type for a study read back from a file,
// built by a sweep, or merged (`merge(from:…)`, PointMerge.swift).
import Foundation
import HDF5Kit
import VAETheory

/// A results file that cannot be read or written as the schema expects, with what kind of problem.
public struct ResultsError: Error, CustomStringConvertible {
    /// The category of a `ResultsError` (callers pick messages and exit codes by it).
    public enum Kind: Sendable {
        /// No file at the path.
        case missing
        /// Not an HDF5 file, or not one this tool can open.
        case notHDF5
        /// An HDF5 file that does not follow the schema (a coordinate, attribute or shape is wrong).
        case schema
        /// Reading or writing failed part-way.
        case io
    }
    /// What kind of problem it is.
    public let kind: Kind
    /// The message, naming the file where one is involved.
    public let description: String
    /// An error with `message`, of kind `kind` (by default a schema problem).
    public init(_ message: String, kind: Kind = .schema) { description = message; self.kind = kind }
}

/// The coordinate axes of a study: (α, β, λ) for theory points, plus (N, seed) for simulated ones.
public struct StudyAxes: Sendable, Equatable {
    /// The α coordinate values, in file order (ascending in files vaesweep writes).
    public var alpha: [Double]
    /// The β coordinate values.
    public var beta: [Double]
    /// The λ coordinate values (the file's `lam`).
    public var lam: [Double]
    /// System sizes (empty for a theory-only study).
    public var N: [Int]
    /// Replicate (seed) ids (empty for a theory-only study).
    public var seeds: [Int]

    /// Axes from their values.
    public init(alpha: [Double], beta: [Double], lam: [Double], N: [Int] = [], seeds: [Int] = []) {
        self.alpha = alpha; self.beta = beta; self.lam = lam; self.N = N; self.seeds = seeds
    }

    /// Whether there are simulated points at all (N and seed axes non-empty).
    public var simulates: Bool { !N.isEmpty && !seeds.isEmpty }
    /// (alpha, beta, lam) counts: the shape of every theory column.
    public var theoryShape: [Int] { [alpha.count, beta.count, lam.count] }
    /// (alpha, beta, lam, N, seed) counts: the shape of every simulation column.
    public var simShape: [Int] { [alpha.count, beta.count, lam.count, N.count, seeds.count] }
    /// Points per theory column.
    public var theoryCount: Int { alpha.count * beta.count * lam.count }
    /// Points per simulation column (0 without simulation axes).
    public var simCount: Int { theoryCount * N.count * seeds.count }
    /// Points of `kind`.
    public func count(_ kind: PointKind) -> Int { kind == .theory ? theoryCount : simCount }
    /// Row-major flat index of theory point (a, b, l); no range check.
    @inline(__always) public func theoryIndex(_ a: Int, _ b: Int, _ l: Int) -> Int { (a * beta.count + b) * lam.count + l }
    /// Row-major flat index of simulated point (a, b, l, n, s); no range check.
    @inline(__always) public func simIndex(_ a: Int, _ b: Int, _ l: Int, _ n: Int, _ s: Int) -> Int {
        ((theoryIndex(a, b, l)) * N.count + n) * seeds.count + s
    }
}

/// A study in memory (see the file header). Points not run hold their fields' fill values (NaN,
/// phase −1, status not run).
public struct ResultsData: Sendable {
    /// The file the data was read from ("" for data built in memory).
    public var path: String
    /// The coordinate axes.
    public var axes: StudyAxes
    /// The root attributes (settings, provenance, bookkeeping).
    public var attributes: RootAttributes
    /// One column per theory field (`TheoryRecord.fields` order); nil where a file lacks the variable.
    public var theoryColumns: [Column?]
    /// One column per simulation field (`SimulationRecord.fields` order); all nil for a theory-only study.
    public var simColumns: [Column?]
    /// The refinement record (`vaesweep refine`'s rounds, actions and point rounds; nil otherwise).
    /// Only a refine carries it over between files (`merge` and `--reuse` copy points, not rounds).
    public var refinement: Refinement? = nil

    /// A study on `axes` with no columns yet.
    public init(path: String = "", axes: StudyAxes, attributes: RootAttributes = RootAttributes()) {
        self.path = path; self.axes = axes; self.attributes = attributes
        theoryColumns = Array(repeating: nil, count: TheoryRecord.fields.count)
        simColumns = Array(repeating: nil, count: SimulationRecord.fields.count)
    }

    /// An empty study on these axes with ρ and η set: every column present, every point at its
    /// fill value (theory not computed, simulation not run).
    public static func empty(axes: StudyAxes, rho: Double, eta: Double) -> ResultsData {
        var d = ResultsData(axes: axes, attributes: RootAttributes([RootKey.rho: .double(rho), RootKey.eta: .double(eta)]))
        d.theoryColumns = TheoryRecord.fields.map { Column($0.info.type, count: axes.theoryCount, fill: $0.info.fill) }
        if axes.simulates {
            d.simColumns = SimulationRecord.fields.map { Column($0.info.type, count: axes.simCount, fill: $0.info.fill) }
        }
        return d
    }

    // MARK: axes and attributes

    /// The α, β, λ coordinate values.
    public var alpha: [Double] { axes.alpha }
    /// The β coordinate values.
    public var beta: [Double] { axes.beta }
    /// The λ coordinate values.
    public var lam: [Double] { axes.lam }
    /// System sizes (empty for a theory-only study).
    public var N: [Int] { axes.N }
    /// Replicate ids (empty for a theory-only study).
    public var seeds: [Int] { axes.seeds }
    /// ρ of the study (NaN when unknown).
    public var rho: Double { attributes.rho ?? .nan }
    /// η of the study (NaN when unknown).
    public var eta: Double { attributes.eta ?? .nan }
    /// Root attribute `points_done`, when present.
    public var pointsDone: Int? { attributes.pointsDone }
    /// Root attribute `points_total`, when present.
    public var pointsTotal: Int? { attributes.pointsTotal }
    /// The result-determining settings stored in the file.
    public func settings() throws -> StudySettings {
        do { return try attributes.settings() } catch let e as ResultsError {
            throw ResultsError("results file '\(path)' \(e.description)")
        }
    }

    /// Theory array shape and size, simulation array shape and size.
    public var theoryShape: [Int] { axes.theoryShape }
    /// (alpha, beta, lam, N, seed) counts.
    public var simShape: [Int] { axes.simShape }
    /// Elements of each theory column.
    public var theoryCount: Int { axes.theoryCount }
    /// Elements of each simulation column.
    public var simCount: Int { axes.simCount }
    /// Whether the study carries any simulation data at all.
    public var hasSimulation: Bool { axes.simulates && simColumns.contains { $0 != nil } }
    /// Row-major flat index of theory point (a, b, l).
    @inline(__always) public func theoryIndex(_ a: Int, _ b: Int, _ l: Int) -> Int { axes.theoryIndex(a, b, l) }
    /// Row-major flat index of simulated point (a, b, l, n, s).
    @inline(__always) public func simIndex(_ a: Int, _ b: Int, _ l: Int, _ n: Int, _ s: Int) -> Int { axes.simIndex(a, b, l, n, s) }

    // MARK: columns

    /// The columns of `kind`.
    public func columns(_ kind: PointKind) -> [Column?] { kind == .theory ? theoryColumns : simColumns }

    /// `theory_<q>` (nil when absent).
    public subscript(theory q: Quantity) -> [Double]? {
        get { theoryColumns[q.index]?.doubles }
        set { theoryColumns[q.index] = newValue.map(Column.init) }
    }
    /// `sim_<q>` (nil when absent).
    public subscript(sim q: Quantity) -> [Double]? {
        get { simColumns[q.index]?.doubles }
        set { simColumns[q.index] = newValue.map(Column.init) }
    }
    /// `theory_phase` (`Phase` raw values 0/1/2, −1 not computed).
    public var theoryPhase: [Int8]? {
        get { theoryColumns[TheoryRecord.phasePosition]?.int8s }
        set { theoryColumns[TheoryRecord.phasePosition] = newValue.map(Column.init) }
    }
    /// `theory_metastable` (0/1, −1 not computed).
    public var theoryMetastable: [Int8]? {
        get { theoryColumns[TheoryRecord.metastablePosition]?.int8s }
        set { theoryColumns[TheoryRecord.metastablePosition] = newValue.map(Column.init) }
    }
    /// `theory_flags`: `PointFlags` bit fields (nil in files written before flags existed).
    public var theoryFlags: [UInt8]? {
        get { theoryColumns[TheoryRecord.flagsPosition]?.uint8s }
        set { theoryColumns[TheoryRecord.flagsPosition] = newValue.map(Column.init) }
    }
    /// `sim_phase` (`Phase` raw values 0/1/2; −1 when not run or when training threw).
    public var simPhase: [Int8]? {
        get { simColumns[SimulationRecord.phasePosition]?.int8s }
        set { simColumns[SimulationRecord.phasePosition] = newValue.map(Column.init) }
    }
    /// `sim_steps` (−1 when not run or when training threw).
    public var simSteps: [Int64]? {
        get { simColumns[SimulationRecord.stepsPosition]?.int64s }
        set { simColumns[SimulationRecord.stepsPosition] = newValue.map(Column.init) }
    }
    /// `sim_grad_norm`.
    public var simGradNorm: [Double]? {
        get { simColumns[SimulationRecord.gradNormPosition]?.doubles }
        set { simColumns[SimulationRecord.gradNormPosition] = newValue.map(Column.init) }
    }
    /// `sim_seconds` (wall time, not reproducible).
    public var simSeconds: [Double]? {
        get { simColumns[SimulationRecord.secondsPosition]?.doubles }
        set { simColumns[SimulationRecord.secondsPosition] = newValue.map(Column.init) }
    }
    /// `sim_flags`: `PointFlags` bit fields.
    public var simFlags: [UInt8]? {
        get { simColumns[SimulationRecord.flagsPosition]?.uint8s }
        set { simColumns[SimulationRecord.flagsPosition] = newValue.map(Column.init) }
    }
    /// `status` (nil in a theory-only file, or a file that lacks it: then finite values count as ok).
    public var status: [Int8]? {
        get { simColumns[SimulationRecord.statusPosition]?.int8s }
        set { simColumns[SimulationRecord.statusPosition] = newValue.map(Column.init) }
    }

    // MARK: records

    /// The theory record at flat index `t` (absent columns give the fill value).
    public func theoryRecord(at t: Int) -> TheoryRecord {
        var r = TheoryRecord.empty
        for (f, c) in zip(TheoryRecord.fields, theoryColumns) { if let c { f.set(&r, c[t]) } }
        return r
    }
    /// Store a theory record at flat index `t` (every column must be present).
    public mutating func setTheory(_ r: TheoryRecord, at t: Int) {
        for (k, f) in TheoryRecord.fields.enumerated() { theoryColumns[k]![t] = f.get(r) }
    }
    /// The simulation record at flat index `i` (absent columns give the fill value).
    public func simRecord(at i: Int) -> SimulationRecord {
        var r = SimulationRecord.empty
        for (f, c) in zip(SimulationRecord.fields, simColumns) { if let c { f.set(&r, c[i]) } }
        return r
    }
    /// Store a simulation record at flat index `i` (every column must be present).
    public mutating func setSim(_ r: SimulationRecord, at i: Int) {
        for (k, f) in SimulationRecord.fields.enumerated() { simColumns[k]![i] = f.get(r) }
    }

    // MARK: values and statistics

    /// Theory value of `q` at a grid point (NaN if absent).
    public func theoryValue(_ q: Quantity, _ a: Int, _ b: Int, _ l: Int) -> Double {
        theoryColumns[q.index]?[theoryIndex(a, b, l)] ?? .nan
    }

    /// Theory phase at a grid point (nil if absent or not a valid phase code).
    public func theoryPhaseAt(_ a: Int, _ b: Int, _ l: Int) -> Int8? {
        guard let p = theoryPhase?[theoryIndex(a, b, l)], (0...2).contains(p) else { return nil }
        return p
    }

    /// Whether a simulated replicate counts (status ok, or no status variable).
    public func isOK(_ i: Int) -> Bool {
        guard let c = simColumns[SimulationRecord.statusPosition] else { return true }
        return c[i] == Double(PointStatus.ok.rawValue)
    }

    /// The usable replicate values of `q` at (a, b, l, n): status ok and finite.
    public func simValues(_ q: Quantity, _ a: Int, _ b: Int, _ l: Int, _ n: Int) -> [Double] {
        guard hasSimulation, let col = simColumns[q.index] else { return [] }
        var out: [Double] = []
        for s in 0..<seeds.count {
            let i = simIndex(a, b, l, n, s)
            if isOK(i) && col[i].isFinite { out.append(col[i]) }
        }
        return out
    }

    /// Seed statistics of `q` at (a, b, l, n).
    public func simStats(_ q: Quantity, _ a: Int, _ b: Int, _ l: Int, _ n: Int) -> SampleStats {
        SampleStats(simValues(q, a, b, l, n))
    }

    /// The phase most replicates at (a, b, l, n) ended in (ties go to the higher code); nil if none.
    public func simMajorityPhase(_ a: Int, _ b: Int, _ l: Int, _ n: Int) -> Int8? {
        guard let simPhase, hasSimulation else { return nil }
        var counts = [0, 0, 0]
        for s in 0..<seeds.count {
            let i = simIndex(a, b, l, n, s)
            let p = simPhase[i]
            if isOK(i) && (0...2).contains(p) { counts[Int(p)] += 1 }
        }
        guard let best = counts.max(), best > 0 else { return nil }
        return Int8(counts.lastIndex(of: best)!)
    }

    /// Count of simulated replicates by status code (0 not run, 1 ok, 2 failed); nil without `status`.
    public func statusCounts() -> [Int8: Int]? {
        guard let status else { return nil }
        var c: [Int8: Int] = [:]
        for s in status { c[s, default: 0] += 1 }
        return c
    }

    // MARK: reading

    /// The schema's root attributes present in an open file, typed.
    static func rootAttributes(of file: HDF5File) -> RootAttributes {
        var out = RootAttributes()
        for (name, kind) in RootKey.kinds where file.hasAttribute(name) {
            switch kind {
            case .string: if let s = try? file.stringAttribute(name) { out[name] = .string(s) }
            case .int: if let v = try? file.attribute(name, as: Int64.self).first { out[name] = .int(v) }
            case .double: if let v = try? file.attribute(name, as: Double.self).first { out[name] = .double(v) }
            case .doubles: if let v = try? file.attribute(name, as: Double.self) { out[name] = .doubles(v) }
            }
        }
        return out
    }

    /// The 8-byte signature every HDF5 file begins with (at offset 0 in files vaesweep writes).
    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Open `path` for reading, or throw `ResultsError` naming it: missing (bad input), unreadable
    /// (I/O: the system's reason), not an HDF5 file (bad input: another kind of file), or an HDF5
    /// file that cannot be opened (I/O: damaged, truncated, or locked by a writer — HDF5's file
    /// locking refuses a file another process holds open for writing).
    static func open(_ path: String) throws -> HDF5File {
        var st = stat()
        guard stat(path, &st) == 0 else {
            if errno == ENOENT { throw ResultsError("results file '\(path)' does not exist", kind: .missing) }
            throw ResultsError(FileSystemError("read", path, code: errno).description, kind: .io)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw ResultsError("'\(path)' is not a regular file", kind: .notHDF5) }
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ResultsError(FileSystemError("read", path, code: errno).description, kind: .io) }
        var head = [UInt8](repeating: 0, count: 8)
        let n = Foundation.read(fd, &head, 8)
        close(fd)
        let signed = n == 8 && head == hdf5Signature   // (a file with a user block has it further on)
        do { return try HDF5File.open(path) } catch {
            guard signed else { throw ResultsError("'\(path)' is not an HDF5 file", kind: .notHDF5) }
            throw ResultsError("cannot open the HDF5 file '\(path)' (damaged or truncated, or held open for writing by another program such as h5py in 'r+' mode)", kind: .io)
        }
    }

    /// Only the root attributes of a results file (cheap: no variable is read). Throws
    /// `ResultsError` naming the path when it is missing or not an HDF5 file.
    public static func readAttributes(path: String) throws -> RootAttributes {
        let file = try open(path)
        defer { try? file.close() }
        return rootAttributes(of: file)
    }

    /// Read a results file. Throws `ResultsError` naming the path (missing file, not HDF5,
    /// missing coordinates, inconsistent shapes).
    public static func read(path: String) throws -> ResultsData {
        let file = try open(path)
        defer { try? file.close() }
        func coord(_ name: String) throws -> [Double] {
            guard file.contains(name) else { throw ResultsError("results file '\(path)' has no '\(name)' coordinate") }
            let ds = try file.openDataset(name)
            guard ds.shape.count == 1 else { throw ResultsError("results file '\(path)': '\(name)' is not 1-D (shape \(ds.shape))") }
            return try ds.read(Double.self)
        }
        func intCoord(_ name: String) throws -> [Int] {
            guard file.contains(name) else { return [] }
            let ds = try file.openDataset(name)
            guard ds.shape.count == 1 else { throw ResultsError("results file '\(path)': '\(name)' is not 1-D (shape \(ds.shape))") }
            return try ds.read(Int64.self).map { Int($0) }
        }
        do {
            let axes = StudyAxes(alpha: try coord(Variable.alpha), beta: try coord(Variable.beta), lam: try coord(Variable.lambda),
                                 N: try intCoord(Variable.N), seeds: try intCoord(Variable.seed))
            let attributes = rootAttributes(of: file)
            guard attributes.rho != nil, attributes.eta != nil else {
                throw ResultsError("results file '\(path)' lacks the root attributes 'rho' and 'eta'")
            }
            var data = ResultsData(path: path, axes: axes, attributes: attributes)
            let members = Set(try file.memberNames())
            func column(_ info: FieldInfo, shape: [Int]) throws -> Column? {
                guard members.contains(info.name) else { return nil }
                let ds = try file.openDataset(info.name)
                guard ds.shape == shape else {
                    throw ResultsError("results file '\(path)': '\(info.name)' has shape \(ds.shape), expected \(shape)")
                }
                switch info.type {
                case .float64: return Column(try ds.read(Double.self))
                case .int64: return Column(try ds.read(Int64.self))
                case .int8: return Column(try ds.read(Int8.self))
                case .uint8: return Column(try ds.read(UInt8.self))
                }
            }
            data.theoryColumns = try TheoryRecord.fields.map { try column($0.info, shape: axes.theoryShape) }
            if axes.simulates {
                data.simColumns = try SimulationRecord.fields.map { try column($0.info, shape: axes.simShape) }
            }
            data.refinement = try Refinement.read(file, axes: axes, path: path)
            if let defect = data.defect() { throw ResultsError("results file '\(path)' is damaged: \(defect)") }
            return data
        } catch let e as ResultsError {
            throw e
        } catch {
            throw ResultsError("cannot read results file '\(path)': \(error)", kind: .io)
        }
    }
}

extension ResultsData {
    /// The first defect that makes this study unusable as a source of points (nil: none): a
    /// coordinate that is not finite or not strictly ascending (a duplicate included, −0.0 being
    /// +0.0), an observable variable missing beside the others, a coded value a field does not
    /// admit, a finished point with a non-finite observable. `read` refuses such files, so
    /// `--reuse`, `merge` and the analyses never copy or show damaged points.
    public func defect() -> String? {
        func axis(_ name: String, _ v: [Double]) -> String? {
            for (i, x) in v.enumerated() {
                guard x.isFinite else { return "coordinate '\(name)' has the non-finite value \(x)" }
                if i > 0, !(coordinateValue(v[i - 1]) < coordinateValue(x)) {
                    return coordinateValue(v[i - 1]) == coordinateValue(x)
                        ? "coordinate '\(name)' repeats the value \(x)" : "coordinate '\(name)' is not in ascending order (\(v[i - 1]) before \(x))"
                }
            }
            return nil
        }
        if let d = axis(Variable.alpha, alpha) ?? axis(Variable.beta, beta) ?? axis(Variable.lambda, lam)
            ?? axis(Variable.N, N.map(Double.init)) ?? axis(Variable.seed, seeds.map(Double.init)) { return d }
        func check<R: PointRecord>(_ fields: [Field<R>], _ columns: [Column?], done: (Int) -> Bool, count: Int) -> String? {
            let present = columns.contains { $0 != nil }
            guard present else { return nil }
            for q in Quantity.allCases where columns[q.index] == nil {
                return "'\(fields[q.index].info.name)' is missing beside the other variables"
            }
            for (f, c) in zip(fields, columns) {
                guard let c, f.info.type != .float64 else { continue }
                for i in 0..<count where !f.info.admits(c[i]) { return "'\(f.info.name)' holds \(c[i]), which the variable does not admit" }
            }
            for i in 0..<count where done(i) {
                for q in Quantity.allCases where !columns[q.index]![i].isFinite {
                    return "'\(fields[q.index].info.name)' is \(columns[q.index]![i]) at a finished point"
                }
            }
            return nil
        }
        let okCode = Double(PointStatus.ok.rawValue)
        if let d = check(TheoryRecord.fields, theoryColumns, done: { isDone(.theory, $0) }, count: theoryCount) { return d }
        if axes.simulates, let d = check(SimulationRecord.fields, simColumns,
                                         done: { simColumns[SimulationRecord.statusPosition]?[$0] == okCode }, count: simCount) { return d }
        return nil
    }
}

/// Mean, standard deviation (sample, n − 1) and count of the finite values given.
public struct SampleStats: Equatable {
    /// Number of finite values.
    public let count: Int
    /// Their mean (NaN when there are none).
    public let mean: Double
    /// Their sample standard deviation with n − 1 (0 for one value, NaN for none).
    public let std: Double

    /// The statistics of the finite entries of `values` (NaN and ±∞ are skipped).
    public init(_ values: [Double]) {
        let v = values.filter { $0.isFinite }
        count = v.count
        guard !v.isEmpty else { mean = .nan; std = .nan; return }
        let m = v.reduce(0, +) / Double(v.count)
        mean = m
        std = v.count > 1 ? sqrt(v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)) : 0
    }
}
