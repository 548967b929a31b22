// ResultsData: a results file (the schema written by `vaesweep run`) read into memory as
// coordinates plus flat row-major arrays, with index helpers and NaN-aware statistics.
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

/// The observables stored per grid point, as named in the file (`theory_<q>`, `sim_<q>`).
public let resultQuantities = Quantity.names

/// A results file in memory. Theory arrays have shape (alpha, beta, lam); simulation arrays
/// (alpha, beta, lam, N, seed); both row-major. Points not run are NaN (phases −1).
public struct ResultsData: Sendable {
    /// The file the data was read from ("" for data built in memory).
    public var path: String
    /// The α coordinate values, in file order (ascending in files vaesweep writes).
    public var alpha: [Double]
    /// The β coordinate values, in file order.
    public var beta: [Double]
    /// The λ coordinate values (the file's `lam`), in file order.
    public var lam: [Double]
    /// System sizes and replicate indices (empty for a theory-only file).
    public var N: [Int]
    /// The replicate (seed) ids, in file order.
    public var seeds: [Int]
    /// The signal strength ρ of the study (root attribute `rho`).
    public var rho: Double
    /// The noise strength η of the study (root attribute `eta`).
    public var eta: Double
    /// Root string attributes that were present (spike, solver, provenance …).
    public var attributes: [String: String]
    /// Every root attribute of the schema (`RootKey.kinds`) that was present, typed.
    public var rootAttributes: [String: AttributeValue] = [:]
    /// Root attribute `points_done`, when present.
    public var pointsDone: Int?
    /// Root attribute `points_total`, when present.
    public var pointsTotal: Int?
    /// `theory_<q>` by q; a quantity absent from the file is absent here.
    public var theory: [String: [Double]]
    /// `theory_phase` (`Phase` raw values 0/1/2, −1 not computed).
    public var theoryPhase: [Int8]?
    /// `theory_metastable` (0/1, −1 not computed).
    public var theoryMetastable: [Int8]?
    /// `theory_flags`: `PointFlags` bit fields (nil in files written before flags existed).
    public var theoryFlags: [UInt8]?
    /// `sim_<q>` by q.
    public var sim: [String: [Double]]
    /// `sim_phase` (`Phase` raw values 0/1/2; −1 when not run or when training threw).
    public var simPhase: [Int8]?
    /// `sim_flags`: `PointFlags` bit fields.
    public var simFlags: [UInt8]?
    /// `status` (nil in a theory-only file, or a file that lacks it: then finite values count as ok).
    public var status: [Int8]?

    /// Data on the given coordinates; arrays left out are absent (no shape check here: the arrays
    /// must have `theoryShape` / `simShape` elements when given).
    public init(path: String = "", alpha: [Double], beta: [Double], lam: [Double], N: [Int] = [], seeds: [Int] = [],
                rho: Double, eta: Double, attributes: [String: String] = [:], pointsDone: Int? = nil, pointsTotal: Int? = nil,
                theory: [String: [Double]] = [:], theoryPhase: [Int8]? = nil,
                sim: [String: [Double]] = [:], simPhase: [Int8]? = nil, status: [Int8]? = nil) {
        self.path = path; self.alpha = alpha; self.beta = beta; self.lam = lam; self.N = N; self.seeds = seeds
        self.rho = rho; self.eta = eta; self.attributes = attributes
        self.pointsDone = pointsDone; self.pointsTotal = pointsTotal
        self.theory = theory; self.theoryPhase = theoryPhase
        self.sim = sim; self.simPhase = simPhase; self.status = status
    }

    // MARK: shape helpers

    /// (alpha, beta, lam) counts: the shape of every theory array.
    public var theoryShape: [Int] { [alpha.count, beta.count, lam.count] }
    /// (alpha, beta, lam, N, seed) counts: the shape of every simulation array.
    public var simShape: [Int] { [alpha.count, beta.count, lam.count, N.count, seeds.count] }
    /// Elements of each theory array.
    public var theoryCount: Int { theoryShape.reduce(1, *) }
    /// Elements of each simulation array.
    public var simCount: Int { simShape.reduce(1, *) }

    /// Whether the file carries any simulation data at all.
    public var hasSimulation: Bool { !N.isEmpty && !seeds.isEmpty && !sim.isEmpty }

    /// Row-major flat index of theory point (a, b, l); no range check.
    @inline(__always) public func theoryIndex(_ a: Int, _ b: Int, _ l: Int) -> Int {
        (a * beta.count + b) * lam.count + l
    }

    /// Row-major flat index of simulated point (a, b, l, n, s); no range check.
    @inline(__always) public func simIndex(_ a: Int, _ b: Int, _ l: Int, _ n: Int, _ s: Int) -> Int {
        (((a * beta.count + b) * lam.count + l) * N.count + n) * seeds.count + s
    }

    /// Theory value of `q` at a grid point (NaN if absent).
    public func theoryValue(_ q: String, _ a: Int, _ b: Int, _ l: Int) -> Double {
        guard let arr = theory[q] else { return .nan }
        return arr[theoryIndex(a, b, l)]
    }

    /// Theory phase at a grid point (nil if absent or not a valid phase code).
    public func theoryPhaseAt(_ a: Int, _ b: Int, _ l: Int) -> Int8? {
        guard let p = theoryPhase?[theoryIndex(a, b, l)], (0...2).contains(p) else { return nil }
        return p
    }

    /// Whether a simulated replicate counts (status ok, or no status dataset).
    public func isOK(_ i: Int) -> Bool {
        guard let status else { return true }
        return status[i] == PointStatus.ok.rawValue
    }

    /// The usable replicate values of `q` at (a, b, l, n): status ok and finite.
    public func simValues(_ q: String, _ a: Int, _ b: Int, _ l: Int, _ n: Int) -> [Double] {
        guard let arr = sim[q], hasSimulation else { return [] }
        var out: [Double] = []
        for s in 0..<seeds.count {
            let i = simIndex(a, b, l, n, s)
            if isOK(i) && arr[i].isFinite { out.append(arr[i]) }
        }
        return out
    }

    /// Seed statistics of `q` at (a, b, l, n).
    public func simStats(_ q: String, _ a: Int, _ b: Int, _ l: Int, _ n: Int) -> SampleStats {
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

    /// The result-determining settings stored in the file.
    public func settings() throws -> StudySettings {
        do { return try StudySettings(attributes: rootAttributes) } catch let e as ResultsError {
            throw ResultsError("results file '\(path)' \(e.description)")
        }
    }

    /// An empty study on these coordinates: theory NaN / phase −1, simulation NaN / status not run.
    public static func empty(alpha: [Double], beta: [Double], lam: [Double], N: [Int], seeds: [Int],
                             rho: Double, eta: Double) -> ResultsData {
        var d = ResultsData(alpha: alpha, beta: beta, lam: lam, N: N, seeds: seeds, rho: rho, eta: eta)
        let nt = d.theoryCount, ns = d.simCount
        for q in Quantity.names { d.theory[q] = [Double](repeating: .nan, count: nt) }
        d.theoryPhase = [Int8](repeating: -1, count: nt)
        d.theoryMetastable = [Int8](repeating: -1, count: nt)
        d.theoryFlags = [UInt8](repeating: 0, count: nt)
        if !N.isEmpty && !seeds.isEmpty {
            for q in Quantity.names + SimExtra.names { d.sim[q] = [Double](repeating: .nan, count: ns) }
            d.simPhase = [Int8](repeating: -1, count: ns)
            d.simFlags = [UInt8](repeating: 0, count: ns)
            d.status = [Int8](repeating: PointStatus.notRun.rawValue, count: ns)
        }
        return d
    }

    // MARK: reading

    /// The schema's root attributes present in an open file, typed.
    static func rootAttributes(of file: HDF5File) -> [String: AttributeValue] {
        var out: [String: AttributeValue] = [:]
        for (name, kind) in RootKey.kinds where file.hasAttribute(name) {
            switch kind {
            case .string: if let s = try? file.stringAttribute(name) { out[name] = .string(s) }
            case .int: if let v = try? file.attribute(name, as: Int64.self).first { out[name] = .int(v) }
            case .double: if let v = try? file.attribute(name, as: Double.self).first { out[name] = .double(v) }
            }
        }
        return out
    }

    /// Only the root attributes of a results file (cheap: no variable is read). Throws
    /// `ResultsError` naming the path when it is missing or not an HDF5 file.
    public static func readAttributes(path: String) throws -> [String: AttributeValue] {
        guard FileManager.default.fileExists(atPath: path) else { throw ResultsError("results file '\(path)' does not exist", kind: .missing) }
        let file: HDF5File
        do { file = try HDF5File.open(path) } catch { throw ResultsError("'\(path)' is not an HDF5 file", kind: .notHDF5) }
        defer { try? file.close() }
        return rootAttributes(of: file)
    }

    /// Read a results file. Throws `ResultsError` naming the path (missing file, not HDF5,
    /// missing coordinates, inconsistent shapes).
    public static func read(path: String) throws -> ResultsData {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ResultsError("results file '\(path)' does not exist", kind: .missing)
        }
        let file: HDF5File
        do { file = try HDF5File.open(path) } catch {
            throw ResultsError("cannot open results file '\(path)' as HDF5: \(error)", kind: .notHDF5)
        }
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
            let alpha = try coord(Variable.alpha), beta = try coord(Variable.beta), lam = try coord(Variable.lambda)
            let N = try intCoord(Variable.N), seeds = try intCoord(Variable.seed)
            func scalar(_ name: String) -> Double? {
                guard file.hasAttribute(name), let v = try? file.attribute(name, as: Double.self).first else { return nil }
                return v
            }
            guard let rho = scalar(RootKey.rho), let eta = scalar(RootKey.eta) else {
                throw ResultsError("results file '\(path)' lacks the root attributes 'rho' and 'eta'")
            }
            var data = ResultsData(path: path, alpha: alpha, beta: beta, lam: lam, N: N, seeds: seeds, rho: rho, eta: eta)
            let intAttr: (String) -> Int? = { name in
                guard file.hasAttribute(name), let v = try? file.attribute(name, as: Int64.self).first else { return nil }
                return Int(v)
            }
            data.pointsDone = intAttr(RootKey.pointsDone)
            data.pointsTotal = intAttr(RootKey.pointsTotal)
            data.rootAttributes = rootAttributes(of: file)
            for (k, v) in data.rootAttributes { if case let .string(t) = v { data.attributes[k] = t } }
            let members = Set(try file.memberNames())
            func array<T: HDF5Scalar>(_ name: String, _ type: T.Type, shape: [Int]) throws -> [T]? {
                guard members.contains(name) else { return nil }
                let ds = try file.openDataset(name)
                guard ds.shape == shape else {
                    throw ResultsError("results file '\(path)': '\(name)' has shape \(ds.shape), expected \(shape)")
                }
                return try ds.read(T.self)
            }
            for q in resultQuantities {
                if let v = try array(Variable.theory(q), Double.self, shape: data.theoryShape) { data.theory[q] = v }
            }
            data.theoryPhase = try array(Variable.theoryPhase, Int8.self, shape: data.theoryShape)
            data.theoryMetastable = try array(Variable.theoryMetastable, Int8.self, shape: data.theoryShape)
            data.theoryFlags = try array(Variable.theoryFlags, UInt8.self, shape: data.theoryShape)
            if !N.isEmpty && !seeds.isEmpty {
                for q in resultQuantities + SimExtra.names {
                    if let v = try array(Variable.sim(q), Double.self, shape: data.simShape) { data.sim[q] = v }
                }
                data.simPhase = try array(Variable.simPhase, Int8.self, shape: data.simShape)
                data.status = try array(Variable.status, Int8.self, shape: data.simShape)
                data.simFlags = try array(Variable.simFlags, UInt8.self, shape: data.simShape)
            }
            return data
        } catch let e as ResultsError {
            throw e
        } catch {
            throw ResultsError("cannot read results file '\(path)': \(error)", kind: .io)
        }
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
