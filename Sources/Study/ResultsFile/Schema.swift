// The results-file schema in one place: variable names, dimension order, status codes, flag
// attributes and root-attribute keys. The writer (`ResultsWriter`) and the reader (`ResultsData.read`)
// both spell the file through these names, so they cannot drift apart.
//
// Layout (netCDF-4 / HDF5, readable by h5py and xarray's h5netcdf engine):
//   coordinates (dimension scales): alpha, beta, lam (float64), N, seed (int64; simulation only)
//   theory_<q>(alpha, beta, lam)          q ∈ Quantity.names, float64, NaN = not computed
//   theory_phase, theory_metastable (int8, −1 = not computed), theory_flags (uint8 bit field)
//   sim_<q>(alpha, beta, lam, N, seed)    float64
//   sim_phase (int8), sim_steps (int64), sim_grad_norm, sim_seconds (float64), sim_flags (uint8),
//   status (int8: 0 not run, 1 ok, 2 failed)
//   root attributes: the settings that determine the numbers (RootKey) and provenance.
import VAETheory

/// The observables stored per point, in payload order, with their netCDF metadata.
public enum Quantity {
    public static let names = Observables.names
    public static let longNames = [
        "overlap of decoder W with the spike, W·W*/N", "overlap of encoder V with the spike, V·W*/N",
        "decoder norm |W|²/N", "encoder norm |V|²/N", "decoder–encoder overlap W·V/N", "encoder variance D",
        "signal-recovery error |√ρ W* − W|²/N", "rate (mean KL) on the training data", "rate (mean KL) on the population",
        "distortion on the training data", "distortion on the population",
    ]
    public static let units = ["1", "1", "1", "1", "1", "1", "1", "nat", "nat", "1", "1"]
    public static var count: Int { names.count }
}

/// Per-point simulation diagnostics kept in `ResultsData.sim` beside the observables
/// (`sim_steps` is int64 in the file, exact in a Double).
public enum SimExtra {
    public static let steps = "steps", gradNorm = "grad_norm", seconds = "seconds"
    public static let names = [steps, gradNorm, seconds]
}

/// One coordinate axis as a lookup from value (by bit pattern: 0.3 and 0.30000000000000004 are
/// different values) to position.
public struct AxisIndex: Sendable {
    private let positions: [UInt64: Int]
    public init(_ values: [Double]) {
        var p: [UInt64: Int] = [:]
        for (i, v) in values.enumerated() { p[v.bitPattern] = i }
        positions = p
    }
    public init(_ values: [Int]) { self.init(values.map { Double($0) }) }
    public subscript(_ v: Double) -> Int? { positions[v.bitPattern] }
    public subscript(_ v: Int) -> Int? { positions[Double(v).bitPattern] }
}

/// Status codes of a simulated point (`status`).
public enum PointStatus: Int8, Sendable {
    case notRun = 0, ok = 1, failed = 2
}

/// A root attribute value.
public enum AttributeValue: Equatable, Sendable, CustomStringConvertible {
    case double(Double), int(Int64), string(String)
    public var description: String {
        switch self {
        case let .double(x): return "\(x)"
        case let .int(x): return "\(x)"
        case let .string(s): return s
        }
    }
}

/// Names of the variables and coordinates.
public enum Variable {
    public static let alpha = "alpha", beta = "beta", lambda = "lam", N = "N", seed = "seed"
    public static let theoryDims = [alpha, beta, lambda]
    public static let simDims = [alpha, beta, lambda, N, seed]
    public static func theory(_ q: String) -> String { "theory_" + q }
    public static func sim(_ q: String) -> String { "sim_" + q }
    public static let theoryPhase = "theory_phase", theoryMetastable = "theory_metastable", theoryFlags = "theory_flags"
    public static let simPhase = "sim_phase", simSteps = "sim_steps", simGradNorm = "sim_grad_norm"
    public static let simSeconds = "sim_seconds", simFlags = "sim_flags", status = "status"
    /// Variables excluded when two files are compared for equality: wall times are diagnostics.
    public static let notReproducible: Set<String> = [simSeconds]
}

/// Root-attribute keys.
public enum RootKey {
    // What determines the numbers (compared by --reuse, --resume and merge).
    public static let rho = "rho", eta = "eta", spike = "spike", solver = "solver", rootSeed = "root_seed"
    public static let tolerance = "tolerance", maxSteps = "max_steps"
    public static let streamVersion = "stream_version", numericsVersion = "numerics_version"
    public static let simulated = "simulated"
    // Provenance and bookkeeping.
    public static let title = "title", conventions = "Conventions"
    public static let spec = "spec", specCanonical = "spec_canonical"
    public static let toolVersion = "tool_version", gitCommit = "git_commit", swiftVersion = "swift_version"
    public static let mpiVersion = "mpi_version", mpiBuild = "mpi_build", hdf5Version = "hdf5_version"
    public static let openblasVersion = "openblas_version", openblasCore = "openblas_core"
    public static let ranks = "ranks", hosts = "hosts", startTime = "start_time", endTime = "end_time"
    public static let pointsDone = "points_done", pointsTotal = "points_total", complete = "complete"
    public static let pointsReused = "points_reused", pointsComputed = "points_computed", reusedFrom = "reused_from"
    public static let mergedFrom = "merged_from", command = "command"
    public static let pointsFailed = "points_failed"
    public static let pointsReusedTheory = "points_reused_theory", pointsReusedSim = "points_reused_sim"
    public static let pointsComputedTheory = "points_computed_theory", pointsComputedSim = "points_computed_sim"

    /// The value kind of each root attribute, in the order they are written.
    public static let kinds: [(key: String, kind: AttributeKind)] = [
        (title, .string), (conventions, .string),
        (rho, .double), (eta, .double), (numericsVersion, .int), (simulated, .int),
        (spike, .string), (solver, .string), (tolerance, .double), (maxSteps, .int), (rootSeed, .int),
        (streamVersion, .int),
        (spec, .string), (specCanonical, .string), (command, .string),
        (toolVersion, .string), (gitCommit, .string), (swiftVersion, .string), (mpiVersion, .string),
        (mpiBuild, .string), (hdf5Version, .string), (openblasVersion, .string), (openblasCore, .string),
        (ranks, .int), (hosts, .string), (startTime, .string), (endTime, .string),
        (pointsDone, .int), (pointsTotal, .int), (pointsFailed, .int), (complete, .int),
        (pointsReused, .int), (pointsComputed, .int),
        (pointsReusedTheory, .int), (pointsReusedSim, .int), (pointsComputedTheory, .int), (pointsComputedSim, .int),
        (reusedFrom, .string), (mergedFrom, .string),
    ]
    public static func kind(of key: String) -> AttributeKind? { kinds.first { $0.key == key }?.kind }
}

/// The value type of a root attribute.
public enum AttributeKind: Sendable { case double, int, string }

/// CF flag attributes of the coded variables.
public enum FlagAttributes {
    public static let phaseValues: [Int8] = [0, 1, 2]
    public static let phaseMeanings = "collapsed overlearning learning"
    public static let statusValues: [Int8] = [0, 1, 2]
    public static let statusMeanings = "not_run ok failed"
    public static let metastableValues: [Int8] = [0, 1]
    public static let metastableMeanings = "no yes"
    public static var pointFlagMasks: [UInt8] { PointFlags.all.map { $0.flag.rawValue } }
    public static var pointFlagMeanings: String { PointFlags.all.map { $0.name }.joined(separator: " ") }
}
