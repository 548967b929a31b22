// The writing half of the results file: one `ResultsData` → one HDF5 file in the schema of
// Schema.swift (netCDF-4 conventions, so xarray's h5netcdf engine opens it as labelled arrays).
// The file is created exclusively (never through a symlink, never over an existing file):
// callers write to a fresh temporary name and rename it into place (see `SafeOutput`).
import Foundation
import HDF5Kit
import VAETheory

/// Writes a `ResultsData` as a new netCDF-4/HDF5 results file (see the file header).
public enum ResultsWriter {
    /// Chunk shape for a variable: whole rows along the fast axes, at most ~256k elements.
    static func chunks(_ shape: [Int]) -> [Int] {
        var c = shape.map { max(1, $0) }
        var i = 0
        while c.reduce(1, *) > 1 << 18 && i < c.count {
            if c[i] > 1 { c[i] = (c[i] + 1) / 2 } else { i += 1 }
        }
        return c
    }

    /// Write `d` to a NEW file at `path` (fails if anything exists there). Every variable `d`
    /// holds is written (a nil array: the variable is absent). Root attributes are written in the
    /// schema's order (`RootKey.kinds`), then any others sorted by name.
    public static func write(_ d: ResultsData, to path: String) throws {
        let f = try HDF5File.create(path, mode: .exclusive)   // nothing of ours exists if this throws
        do {
            try fill(f, d)
            try f.close()
        } catch {
            try? f.close()
            unlink(path)   // the file this call created exclusively, nothing else
            throw error
        }
    }

    static func fill(_ f: HDF5File, _ d: ResultsData) throws {
        var scales: [HDF5Dataset] = []
        func coordinate<T: HDF5Scalar>(_ name: String, _ values: [T], fill: T, longName: String, units: String) throws {
            let ds = try f.createDataset(name, of: T.self, shape: [values.count], fill: fill)
            try ds.write(values)
            try ds.makeDimensionScale(name: name)
            try ds.setAttribute("long_name", longName)
            try ds.setAttribute("units", units)
            scales.append(ds)
        }
        try coordinate(Variable.alpha, d.alpha, fill: .nan, longName: "sample complexity α = P/N", units: "1")
        try coordinate(Variable.beta, d.beta, fill: .nan, longName: "KL weight β", units: "1")
        try coordinate(Variable.lambda, d.lam, fill: .nan, longName: "weight decay λ", units: "1")
        let withSim = !d.N.isEmpty && !d.seeds.isEmpty
        if withSim {
            try coordinate(Variable.N, d.N.map { Int64($0) }, fill: Int64(-1), longName: "dimension N", units: "1")
            try coordinate(Variable.seed, d.seeds.map { Int64($0) }, fill: Int64(-1),
                           longName: "replicate id (keys the data and initialisation streams)", units: "1")
        }
        /// A variable (absent when `values` is nil: a study without it, e.g. an older file's flags).
        func variable<T: HDF5Scalar>(_ name: String, _ values: [T]?, shape: [Int], fill: T, longName: String,
                                     units: String?, extra: (HDF5Dataset) throws -> Void = { _ in }) throws {
            let n = shape.reduce(1, *)
            guard let data = values else { return }
            guard data.count == n else {
                throw ResultsError("variable '\(name)' has \(data.count) values, its shape \(shape) needs \(n)")
            }
            let ds = try f.createDataset(name, of: T.self, shape: shape, fill: fill,
                                         options: DatasetOptions(chunks: chunks(shape), gzipLevel: 4))
            try ds.write(data)
            try ds.setAttribute("_FillValue", fill)
            try ds.setAttribute("long_name", longName)
            if let units { try ds.setAttribute("units", units) }
            for axis in 0..<shape.count { try ds.attach(scale: scales[axis], to: axis) }
            try extra(ds)
        }
        func phaseFlags(_ ds: HDF5Dataset) throws {
            try ds.setAttribute("flag_values", FlagAttributes.phaseValues)
            try ds.setAttribute("flag_meanings", FlagAttributes.phaseMeanings)
        }
        func pointFlags(_ ds: HDF5Dataset) throws {
            try ds.setAttribute("flag_masks", FlagAttributes.pointFlagMasks)
            try ds.setAttribute("flag_meanings", FlagAttributes.pointFlagMeanings)
        }
        let tShape = d.theoryShape
        for (q, name) in Quantity.names.enumerated() {
            try variable(Variable.theory(name), d.theory[name], shape: tShape, fill: Double.nan,
                         longName: Quantity.longNames[q] + " (N = ∞ theory)", units: Quantity.units[q])
        }
        try variable(Variable.theoryPhase, d.theoryPhase, shape: tShape, fill: Int8(-1),
                     longName: "phase (N = ∞ theory)", units: nil, extra: phaseFlags)
        try variable(Variable.theoryMetastable, d.theoryMetastable, shape: tShape, fill: Int8(-1),
                     longName: "another local minimum coexists with the global one", units: nil) { ds in
            try ds.setAttribute("flag_values", FlagAttributes.metastableValues)
            try ds.setAttribute("flag_meanings", FlagAttributes.metastableMeanings)
        }
        try variable(Variable.theoryFlags, d.theoryFlags, shape: tShape, fill: UInt8(0),
                     longName: "caveats of the theory point (bit field)", units: nil, extra: pointFlags)
        if withSim {
            let sShape = d.simShape
            for (q, name) in Quantity.names.enumerated() {
                try variable(Variable.sim(name), d.sim[name], shape: sShape, fill: Double.nan,
                             longName: Quantity.longNames[q] + " (simulation)", units: Quantity.units[q])
            }
            try variable(Variable.simPhase, d.simPhase, shape: sShape, fill: Int8(-1),
                         longName: "phase (simulation, finite-N rule)", units: nil, extra: phaseFlags)
            try variable(Variable.simSteps, d.sim[SimExtra.steps].map { $0.map { $0.isFinite ? Int64($0) : -1 } },
                         shape: sShape, fill: Int64(-1), longName: "training steps taken", units: "1")
            try variable(Variable.simGradNorm, d.sim[SimExtra.gradNorm], shape: sShape, fill: Double.nan,
                         longName: "final gradient norm of the loss per sample", units: "1")
            try variable(Variable.simSeconds, d.sim[SimExtra.seconds], shape: sShape, fill: Double.nan,
                         longName: "training wall time of the point (diagnostic; not reproducible)", units: "s")
            try variable(Variable.simFlags, d.simFlags, shape: sShape, fill: UInt8(0),
                         longName: "caveats of the simulated point (bit field)", units: nil, extra: pointFlags)
            try variable(Variable.status, d.status, shape: sShape, fill: PointStatus.notRun.rawValue,
                         longName: "point status", units: nil) { ds in
                try ds.setAttribute("flag_values", FlagAttributes.statusValues)
                try ds.setAttribute("flag_meanings", FlagAttributes.statusMeanings)
            }
        }
        let known = Set(RootKey.kinds.map { $0.key })
        let ordered = RootKey.kinds.compactMap { k in d.rootAttributes[k.key].map { (k.key, $0) } }
            + d.rootAttributes.filter { !known.contains($0.key) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        for (name, value) in ordered {
            switch value {
            case let .double(x): try f.setAttribute(name, x)
            case let .int(x): try f.setAttribute(name, x)
            case let .string(s): try f.setAttribute(name, s)
            }
        }
    }
}
