// The results-file schema's names in one place: variable names, dimension order, status codes
// and root-attribute keys. The variables of a point are described by the field tables of
// Records.swift; the writer (`ResultsWriter`) and the reader (`ResultsData.read`) both go through
// those tables and these names, so they cannot drift apart.
//
// Layout (netCDF-4 / HDF5, readable by h5py and xarray's h5netcdf engine):
//   coordinates (dimension scales): alpha, beta, lam (float64), N, seed (int64; simulation only)
//   theory variables (alpha, beta, lam): `TheoryRecord.fields` (theory_<q> for q ∈ Quantity,
//     theory_phase, theory_metastable, theory_flags)
//   simulation variables (alpha, beta, lam, N, seed): `SimulationRecord.fields` (sim_<q>,
//     sim_phase, sim_steps, sim_grad_norm, sim_seconds, status, sim_flags)
//   root attributes: the settings that determine the numbers (RootKey) and provenance.
import VAETheory

/// A coordinate value as the point it names: −0.0 is the point +0.0 (every parameter is
/// normalised so, when a spec is parsed and when files are merged), every other value is itself.
@inline(__always) public func coordinateValue(_ x: Double) -> Double { x == 0 ? 0 : x }

/// One coordinate axis as a lookup from value (by bit pattern: 0.3 and 0.30000000000000004 are
/// different values; −0.0 and +0.0 are the same, `coordinateValue`) to position.
public struct AxisIndex: Sendable {
    private let positions: [UInt64: Int]
    /// Positions of `values` (an axis's coordinate values); the last position wins for repeated values.
    public init(_ values: [Double]) {
        var p: [UInt64: Int] = [:]
        for (i, v) in values.enumerated() { p[coordinateValue(v).bitPattern] = i }
        positions = p
    }
    /// Positions of integer coordinate values (N, seed ids), converted exactly to Double.
    public init(_ values: [Int]) { self.init(values.map { Double($0) }) }
    /// The position of the value with the bit pattern of `v`, or nil when the axis lacks it.
    public subscript(_ v: Double) -> Int? { positions[coordinateValue(v).bitPattern] }
    /// The position of integer value `v`, or nil when the axis lacks it.
    public subscript(_ v: Int) -> Int? { positions[Double(v).bitPattern] }
}

/// Status codes of a simulated point (`status`).
public enum PointStatus: Int8, Sendable {
    case notRun = 0, ok = 1, failed = 2
}

/// Names of the variables and coordinates.
public enum Variable {
    /// The coordinate variables; the λ axis is called `lam` in the file.
    public static let alpha = "alpha", beta = "beta", lambda = "lam", N = "N", seed = "seed"
    /// The number of samples P = round(α N) of each (alpha, N) (int64; simulation only).
    public static let samples = "P"
    /// Dimensions of every theory variable, in order: (alpha, beta, lam).
    public static let theoryDims = [alpha, beta, lambda]
    /// Dimensions of every simulation variable, in order: (alpha, beta, lam, N, seed).
    public static let simDims = [alpha, beta, lambda, N, seed]
    /// The file's name of theory observable `q`: `theory_<q>`.
    public static func theory(_ q: Quantity) -> String { "theory_" + q.rawValue }
    /// The file's name of simulated observable `q`: `sim_<q>`.
    public static func sim(_ q: Quantity) -> String { "sim_" + q.rawValue }
    /// Theory phase (int8), first-order metastability (int8) and point flags (uint8).
    public static let theoryPhase = "theory_phase", theoryMetastable = "theory_metastable", theoryFlags = "theory_flags"
    /// Simulated phase (int8), training steps (int64) and final gradient norm (float64).
    public static let simPhase = "sim_phase", simSteps = "sim_steps", simGradNorm = "sim_grad_norm"
    /// Simulation wall time (s, float64), simulated point flags (uint8) and `PointStatus` (int8).
    public static let simSeconds = "sim_seconds", simFlags = "sim_flags", status = "status"
    /// Variables excluded when two files are compared for equality: wall times are diagnostics
    /// (the fields the tables mark not reproducible).
    /// (and a refinement's measured round timings).
    public static let notReproducible: Set<String> =
        Set((TheoryRecord.fields.map(\.info) + SimulationRecord.fields.map(\.info)).filter { !$0.reproducible }.map(\.name))
            .union(Refinement.Name.notReproducible)
}

/// Root-attribute keys.
public enum RootKey {
    // What determines the numbers (compared by --reuse, --resume and merge).
    /// Settings: ρ, η, the spike, the solver, the root seed.
    public static let rho = "rho", eta = "eta", spike = "spike", solver = "solver", rootSeed = "root_seed"
    /// Settings: the data model (MODEL.md §8: "explicit" or "bidiagonal").
    public static let dataModel = "data_model"
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
    /// The run's load balance: seconds each rank computed (float64 array, index = rank; rank 0's
    /// is its compute thread's), and Σ busy / (ranks × wall) with wall the coordinator's time from
    /// its start until every rank was stopped (NaN when the run computed nothing).
    public static let busySeconds = "busy_seconds", loadBalance = "load_balance"

    /// The value kind of each root attribute, in the order they are written.
    public static let kinds: [(key: String, kind: AttributeKind)] = [
        (title, .string), (conventions, .string),
        (rho, .double), (eta, .double), (numericsVersion, .int), (simulated, .int),
        (dataModel, .string), (spike, .string), (solver, .string), (tolerance, .double), (maxSteps, .int), (rootSeed, .int),
        (streamVersion, .int),
        (spec, .string), (specCanonical, .string), (command, .string),
        (toolVersion, .string), (gitCommit, .string), (swiftVersion, .string), (mpiVersion, .string),
        (mpiBuild, .string), (hdf5Version, .string), (openblasVersion, .string), (openblasCore, .string),
        (ranks, .int), (hosts, .string), (startTime, .string), (endTime, .string),
        (pointsDone, .int), (pointsTotal, .int), (pointsFailed, .int), (complete, .int),
        (pointsReused, .int), (pointsComputed, .int),
        (pointsReusedTheory, .int), (pointsReusedSim, .int), (pointsComputedTheory, .int), (pointsComputedSim, .int),
        (reusedFrom, .string), (mergedFrom, .string),
        (busySeconds, .doubles), (loadBalance, .double),
    ]
    /// The value kind of root attribute `key`, or nil for a key the schema does not know.
    public static func kind(of key: String) -> AttributeKind? { kinds.first { $0.key == key }?.kind }
}

/// The value type of a root attribute.
public enum AttributeKind: Sendable { case double, int, string, doubles }
