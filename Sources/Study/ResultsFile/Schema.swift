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
    /// The 11 observable names (`Observables.names`, MODEL.md §3); `theory_<q>` and `sim_<q>` in the file.
    public static let names = Observables.names
    /// The `long_name` attribute of each observable, in the order of `names`.
    public static let longNames = [
        "overlap of decoder W with the spike, W·W*/N", "overlap of encoder V with the spike, V·W*/N",
        "decoder norm |W|²/N", "encoder norm |V|²/N", "decoder–encoder overlap W·V/N", "encoder variance D",
        "signal-recovery error |√ρ W* − W|²/N", "rate (mean KL) on the training data", "rate (mean KL) on the population",
        "distortion on the training data", "distortion on the population",
    ]
    /// The `units` attribute of each observable, in the order of `names` (rates in nats).
    public static let units = ["1", "1", "1", "1", "1", "1", "1", "nat", "nat", "1", "1"]
    /// Number of observables (11).
    public static var count: Int { names.count }
}

/// Per-point simulation diagnostics kept in `ResultsData.sim` beside the observables
/// (`sim_steps` is int64 in the file, exact in a Double).
public enum SimExtra {
    /// Keys in `ResultsData.sim` of the training steps taken, the final gradient norm and the wall time (s).
    public static let steps = "steps", gradNorm = "grad_norm", seconds = "seconds"
    /// The three diagnostics' keys, in payload order.
    public static let names = [steps, gradNorm, seconds]
}

/// One coordinate axis as a lookup from value (by bit pattern: 0.3 and 0.30000000000000004 are
/// different values) to position.
public struct AxisIndex: Sendable {
    private let positions: [UInt64: Int]
    /// Positions of `values` (an axis's coordinate values); the last position wins for repeated values.
    public init(_ values: [Double]) {
        var p: [UInt64: Int] = [:]
        for (i, v) in values.enumerated() { p[v.bitPattern] = i }
        positions = p
    }
    /// Positions of integer coordinate values (N, seed ids), converted exactly to Double.
    public init(_ values: [Int]) { self.init(values.map { Double($0) }) }
    /// The position of the value with the bit pattern of `v`, or nil when the axis lacks it.
    public subscript(_ v: Double) -> Int? { positions[v.bitPattern] }
    /// The position of integer value `v`, or nil when the axis lacks it.
    public subscript(_ v: Int) -> Int? { positions[Double(v).bitPattern] }
}

/// Status codes of a simulated point (`status`).
public enum PointStatus: Int8, Sendable {
    case notRun = 0, ok = 1, failed = 2
}

/// A root attribute value.
public enum AttributeValue: Equatable, Sendable, CustomStringConvertible {
    case double(Double), int(Int64), string(String)
    /// The value as text (Swift's shortest round-trip form for doubles), as shown in messages.
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
    /// The coordinate variables; the λ axis is called `lam` in the file.
    public static let alpha = "alpha", beta = "beta", lambda = "lam", N = "N", seed = "seed"
    /// Dimensions of every theory variable, in order: (alpha, beta, lam).
    public static let theoryDims = [alpha, beta, lambda]
    /// Dimensions of every simulation variable, in order: (alpha, beta, lam, N, seed).
    public static let simDims = [alpha, beta, lambda, N, seed]
    /// The file's name of theory observable `q`: `theory_<q>`.
    public static func theory(_ q: String) -> String { "theory_" + q }
    /// The file's name of simulated observable or diagnostic `q`: `sim_<q>`.
    public static func sim(_ q: String) -> String { "sim_" + q }
    /// Theory phase (int8), first-order metastability (int8) and point flags (uint8).
    public static let theoryPhase = "theory_phase", theoryMetastable = "theory_metastable", theoryFlags = "theory_flags"
    /// Simulated phase (int8), training steps (int64) and final gradient norm (float64).
    public static let simPhase = "sim_phase", simSteps = "sim_steps", simGradNorm = "sim_grad_norm"
    /// Simulation wall time (s, float64), simulated point flags (uint8) and `PointStatus` (int8).
    public static let simSeconds = "sim_seconds", simFlags = "sim_flags", status = "status"
    /// Variables excluded when two files are compared for equality: wall times are diagnostics.
    public static let notReproducible: Set<String> = [simSeconds]
}

/// Root-attribute keys.
public enum RootKey {
    // What determines the numbers (compared by --reuse, --resume and merge).
    /// Settings: ρ, η, the spike, the solver, the root seed.
    public static let rho = "rho", eta = "eta", spike = "spike", solver = "solver", rootSeed = "root_seed"
    /// Settings: the resolved training tolerance and step limit.
    public static let tolerance = "tolerance", maxSteps = "max_steps"
    /// Settings: the versions of the random streams and of the numerics (MODEL.md §6).
    public static let streamVersion = "stream_version", numericsVersion = "numerics_version"
    /// Whether the file holds simulated points (1) or theory only (0).
    public static let simulated = "simulated"
    // Provenance and bookkeeping.
    /// netCDF global attributes: title and `Conventions` (CF-1.8).
    public static let title = "title", conventions = "Conventions"
    /// The spec's TOML text as given, and its canonical form (`SweepSpec.canonical`).
    public static let spec = "spec", specCanonical = "spec_canonical"
    /// Provenance: vaesweep version, git commit of the build, compiler.
    public static let toolVersion = "tool_version", gitCommit = "git_commit", swiftVersion = "swift_version"
    /// Provenance: the MPI library's version and build, the HDF5 version.
    public static let mpiVersion = "mpi_version", mpiBuild = "mpi_build", hdf5Version = "hdf5_version"
    /// Provenance: OpenBLAS configuration and the core it chose.
    public static let openblasVersion = "openblas_version", openblasCore = "openblas_core"
    /// Provenance: rank count, host names, and start and end times (ISO 8601).
    public static let ranks = "ranks", hosts = "hosts", startTime = "start_time", endTime = "end_time"
    /// Bookkeeping: points with a result, points of the grid, whether every point has one (1/0).
    public static let pointsDone = "points_done", pointsTotal = "points_total", complete = "complete"
    /// Bookkeeping: points copied from `--reuse` files, points computed by this output's runs, and the
    /// files reused.
    public static let pointsReused = "points_reused", pointsComputed = "points_computed", reusedFrom = "reused_from"
    /// The input files of `vaesweep merge`, and the command line that wrote the file.
    public static let mergedFrom = "merged_from", command = "command"
    /// Simulated points whose status is failed.
    public static let pointsFailed = "points_failed"
    /// Reused points split into theory and simulated.
    public static let pointsReusedTheory = "points_reused_theory", pointsReusedSim = "points_reused_sim"
    /// Computed points split into theory and simulated.
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
    /// The value kind of root attribute `key`, or nil for a key the schema does not know.
    public static func kind(of key: String) -> AttributeKind? { kinds.first { $0.key == key }?.kind }
}

/// The value type of a root attribute.
public enum AttributeKind: Sendable { case double, int, string }

/// CF flag attributes of the coded variables.
public enum FlagAttributes {
    /// `flag_values` of the phase variables.
    public static let phaseValues: [Int8] = [0, 1, 2]
    /// `flag_meanings` of the phase variables (−1, not computed, is their fill value).
    public static let phaseMeanings = "collapsed overlearning learning"
    /// `flag_values` of `status` (`PointStatus`).
    public static let statusValues: [Int8] = [0, 1, 2]
    /// `flag_meanings` of `status`.
    public static let statusMeanings = "not_run ok failed"
    /// `flag_values` of `theory_metastable`.
    public static let metastableValues: [Int8] = [0, 1]
    /// `flag_meanings` of `theory_metastable`.
    public static let metastableMeanings = "no yes"
    /// `flag_masks` of the point-flag variables: one bit per `PointFlags.all` entry.
    public static var pointFlagMasks: [UInt8] { PointFlags.all.map { $0.flag.rawValue } }
    /// `flag_meanings` of the point-flag variables, in the order of `pointFlagMasks`.
    public static var pointFlagMeanings: String { PointFlags.all.map { $0.name }.joined(separator: " ") }
}
