// Rank 0's in-memory copy of every result, filled unit by unit, and the HDF5 schema it is
// written in (one file, opened by xarray/h5netcdf as labelled arrays).
import Foundation
import HDF5Kit
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

/// Values per point in a unit's payload.
public enum PayloadLayout {
    /// 11 observables, phase, metastable (0/1).
    public static let theory = Quantity.count + 2
    /// 11 observables, phase, steps, gradient norm, seconds, status.
    public static let simulation = Quantity.count + 5
}

/// Status codes of a simulated point.
public enum PointStatus: Int8 {
    case notRun = 0, ok = 1, failed = 2
}

/// A root attribute value.
public enum AttributeValue: Equatable {
    case double(Double), int(Int64), string(String)
}

public final class ResultStore {
    public let grid: Grid
    public private(set) var theory: [[Double]]
    public private(set) var theoryPhase: [Int8]
    public private(set) var theoryMetastable: [Int8]
    public private(set) var sim: [[Double]]
    public private(set) var simPhase: [Int8]
    public private(set) var simSteps: [Int64]
    public private(set) var simGradNorm: [Double]
    public private(set) var simSeconds: [Double]
    public private(set) var status: [Int8]
    /// Which units have a result.
    public private(set) var unitDone: [Bool]

    public init(grid: Grid) {
        self.grid = grid
        let nt = grid.theoryPoints, ns = grid.simulationPoints
        theory = Array(repeating: [Double](repeating: .nan, count: nt), count: Quantity.count)
        theoryPhase = [Int8](repeating: -1, count: nt)
        theoryMetastable = [Int8](repeating: -1, count: nt)
        sim = Array(repeating: [Double](repeating: .nan, count: ns), count: Quantity.count)
        simPhase = [Int8](repeating: -1, count: ns)
        simSteps = [Int64](repeating: -1, count: ns)
        simGradNorm = [Double](repeating: .nan, count: ns)
        simSeconds = [Double](repeating: .nan, count: ns)
        status = [Int8](repeating: PointStatus.notRun.rawValue, count: ns)
        unitDone = [Bool](repeating: false, count: grid.unitCount)
    }

    public var unitsDone: Int { unitDone.lazy.filter { $0 }.count }
    public var pointsDone: Int {
        (0..<grid.unitCount).reduce(0) { $0 + (unitDone[$1] ? grid.points(inUnit: $1) : 0) }
    }
    public var pointsTotal: Int { grid.theoryPoints + grid.simulationPoints }
    public var failedPoints: Int { status.lazy.filter { $0 == PointStatus.failed.rawValue }.count }

    /// Simulation units with at least one failed point.
    public func unitsWithFailures() -> [Int] {
        (0..<grid.simulationUnits).filter { u in
            unitDone[u] && simulationIndices(unit: u).contains { status[$0] == PointStatus.failed.rawValue }
        }
    }

    /// Flat simulation indices of unit `u`, in payload order (β slowest, λ fastest).
    public func simulationIndices(unit u: Int) -> [Int] {
        let (a, n, r) = grid.simulationUnit(u)
        var out: [Int] = []
        out.reserveCapacity(grid.pairsPerUnit)
        for b in 0..<grid.nBeta {
            for l in 0..<grid.nLambda {
                out.append(grid.simulationIndex(theory: grid.theoryIndex(alpha: a, beta: b, lambda: l), n: n, seed: r))
            }
        }
        return out
    }

    public enum PayloadError: Error, CustomStringConvertible {
        case wrongLength(unit: Int, expected: Int, got: Int)
        case unknownUnit(Int)
        public var description: String {
            switch self {
            case let .wrongLength(u, e, g): return "unit \(u): payload of \(g) values, expected \(e)"
            case let .unknownUnit(u): return "unknown unit \(u)"
            }
        }
    }

    /// Store the payload of unit `id` (replacing an earlier result of the same unit).
    public func apply(unit id: Int, payload: [Double]) throws {
        guard id >= 0, id < grid.unitCount else { throw PayloadError.unknownUnit(id) }
        if grid.isSimulationUnit(id) {
            let idx = simulationIndices(unit: id)
            let w = PayloadLayout.simulation
            guard payload.count == idx.count * w else {
                throw PayloadError.wrongLength(unit: id, expected: idx.count * w, got: payload.count)
            }
            for (k, s) in idx.enumerated() {
                let base = k * w
                for q in 0..<Quantity.count { sim[q][s] = payload[base + q] }
                let c = Quantity.count
                simPhase[s] = Int8(payload[base + c])
                simSteps[s] = Int64(payload[base + c + 1])
                simGradNorm[s] = payload[base + c + 2]
                simSeconds[s] = payload[base + c + 3]
                status[s] = Int8(payload[base + c + 4])
            }
        } else {
            let range = grid.theoryRange(id - grid.simulationUnits)
            let w = PayloadLayout.theory
            guard payload.count == range.count * w else {
                throw PayloadError.wrongLength(unit: id, expected: range.count * w, got: payload.count)
            }
            for (k, t) in range.enumerated() {
                let base = k * w
                for q in 0..<Quantity.count { theory[q][t] = payload[base + q] }
                theoryPhase[t] = Int8(payload[base + Quantity.count])
                theoryMetastable[t] = Int8(payload[base + Quantity.count + 1])
            }
        }
        unitDone[id] = true
    }

    /// Forget unit `id` (for --retry-failed): its points read as not run again.
    public func reset(unit id: Int) {
        guard grid.isSimulationUnit(id) else { unitDone[id] = false; return }
        for s in simulationIndices(unit: id) {
            for q in 0..<Quantity.count { sim[q][s] = .nan }
            simPhase[s] = -1; simSteps[s] = -1; simGradNorm[s] = .nan; simSeconds[s] = .nan
            status[s] = PointStatus.notRun.rawValue
        }
        unitDone[id] = false
    }

    // MARK: HDF5

    /// Chunk shape for a variable: whole rows along the fast axes, at most ~256k elements.
    static func chunks(_ shape: [Int]) -> [Int] {
        var c = shape.map { max(1, $0) }
        var i = 0
        while c.reduce(1, *) > 1 << 18 && i < c.count {
            if c[i] > 1 { c[i] = (c[i] + 1) / 2 } else { i += 1 }
        }
        return c
    }

    /// Write the whole store to a new HDF5 file at `path` (truncating it).
    public func write(to path: String, attributes: [(String, AttributeValue)]) throws {
        let f = try HDF5File.create(path)
        let spec = grid.spec
        func coordinate<T: HDF5Scalar>(_ name: String, _ values: [T], fill: T, longName: String, units: String) throws -> HDF5Dataset {
            let d = try f.createDataset(name, of: T.self, shape: [values.count], fill: fill)
            try d.write(values)
            try d.makeDimensionScale(name: name)
            try d.setAttribute("long_name", longName)
            try d.setAttribute("units", units)
            return d
        }
        var scales = [
            try coordinate("alpha", spec.alpha, fill: .nan, longName: "sample complexity α = P/N", units: "1"),
            try coordinate("beta", spec.beta, fill: .nan, longName: "KL weight β", units: "1"),
            try coordinate("lam", spec.lambda, fill: .nan, longName: "weight decay λ", units: "1"),
        ]
        let theoryShape = [grid.nAlpha, grid.nBeta, grid.nLambda]
        func variable<T: HDF5Scalar>(_ name: String, _ values: [T], shape: [Int], fill: T, longName: String,
                                     units: String?, extra: (HDF5Dataset) throws -> Void = { _ in }) throws {
            let d = try f.createDataset(name, of: T.self, shape: shape, fill: fill,
                                        options: DatasetOptions(chunks: ResultStore.chunks(shape), gzipLevel: 4))
            try d.write(values)
            try d.setAttribute("_FillValue", fill)
            try d.setAttribute("long_name", longName)
            if let units { try d.setAttribute("units", units) }
            for axis in 0..<shape.count { try d.attach(scale: scales[axis], to: axis) }
            try extra(d)
        }
        func phaseFlags(_ d: HDF5Dataset) throws {
            try d.setAttribute("flag_values", [Int8(0), 1, 2])
            try d.setAttribute("flag_meanings", "collapsed overlearning learning")
        }
        for (q, name) in Quantity.names.enumerated() {
            try variable("theory_" + name, theory[q], shape: theoryShape, fill: Double.nan,
                         longName: Quantity.longNames[q] + " (N = ∞ theory)", units: Quantity.units[q])
        }
        try variable("theory_phase", theoryPhase, shape: theoryShape, fill: Int8(-1), longName: "phase (N = ∞ theory)",
                     units: nil, extra: phaseFlags)
        try variable("theory_metastable", theoryMetastable, shape: theoryShape, fill: Int8(-1),
                     longName: "another non-zero local minimum coexists (first-order region)", units: nil) { d in
            try d.setAttribute("flag_values", [Int8(0), 1])
            try d.setAttribute("flag_meanings", "no yes")
        }
        if spec.simulate {
            scales.append(try coordinate("N", spec.N.map { Int64($0) }, fill: Int64(-1), longName: "dimension N", units: "1"))
            scales.append(try coordinate("seed", spec.seedIDs.map { Int64($0) }, fill: Int64(-1),
                                         longName: "replicate id (keys the data and initialisation streams)", units: "1"))
            let simShape = theoryShape + [grid.nN, grid.nSeeds]
            for (q, name) in Quantity.names.enumerated() {
                try variable("sim_" + name, sim[q], shape: simShape, fill: Double.nan,
                             longName: Quantity.longNames[q] + " (simulation)", units: Quantity.units[q])
            }
            try variable("sim_phase", simPhase, shape: simShape, fill: Int8(-1), longName: "phase (simulation, finite-N rule)",
                         units: nil, extra: phaseFlags)
            try variable("sim_steps", simSteps, shape: simShape, fill: Int64(-1), longName: "training steps taken", units: "1")
            try variable("sim_grad_norm", simGradNorm, shape: simShape, fill: Double.nan,
                         longName: "final gradient norm of the loss per sample", units: "1")
            try variable("sim_seconds", simSeconds, shape: simShape, fill: Double.nan,
                         longName: "training wall time of the point (diagnostic; not reproducible)", units: "s")
            try variable("status", status, shape: simShape, fill: PointStatus.notRun.rawValue,
                         longName: "point status", units: nil) { d in
                try d.setAttribute("flag_values", [Int8(0), 1, 2])
                try d.setAttribute("flag_meanings", "not_run ok failed")
            }
        }
        for (name, value) in attributes {
            switch value {
            case let .double(x): try f.setAttribute(name, x)
            case let .int(x): try f.setAttribute(name, x)
            case let .string(s): try f.setAttribute(name, s)
            }
        }
        try f.close()
    }
}
