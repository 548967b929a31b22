// The writing half of the results file: one `ResultsData` → one HDF5 file in the schema of
// Schema.swift (netCDF-4 conventions, so xarray's h5netcdf engine opens it as labelled arrays).
// The file is created exclusively (never through a symlink, never over an existing file):
// callers write to a fresh temporary name and rename it into place (see `SafeOutput`).
import Foundation
import HDF5Kit
import VAESimulation
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

    /// Write `d` to a NEW file at `path` (fails if anything exists there): one variable per field
    /// of the field tables (Records.swift) whose column `d` holds (a nil column: the variable is
    /// absent). Root attributes are written in the schema's order (`RootKey.kinds`), then any others
    /// sorted by name.
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
        if withSim {
            // P = round(αN) per (α, N): the sample count each data set was drawn with (MODEL.md §1)
            let shape = [d.alpha.count, d.N.count]
            let ds = try f.createDataset(Variable.samples, of: Int64.self, shape: shape, fill: -1)
            try ds.write(d.alpha.flatMap { a in d.N.map { Int64(DataSet.sampleCount(alpha: a, n: $0)) } })
            try ds.setAttribute("_FillValue", Int64(-1))
            try ds.setAttribute("long_name", "number of samples P = round(α N) of the data sets")
            try ds.setAttribute("units", "1")
            try ds.attach(scale: scales[0], to: 0)
            try ds.attach(scale: scales[3], to: 1)
        }
        /// One variable per field of the kind's table (absent when the study lacks the column).
        func variables<R: PointRecord>(_ fields: [Field<R>], _ columns: [Column?], shape: [Int]) throws {
            let n = shape.reduce(1, *)
            for (field, column) in zip(fields, columns) {
                guard let column else { continue }
                let info = field.info
                guard column.count == n else {
                    throw ResultsError("variable '\(info.name)' has \(column.count) values, its shape \(shape) needs \(n)")
                }
                let options = DatasetOptions(chunks: chunks(shape), gzipLevel: 4)
                let ds: HDF5Dataset
                switch info.type {
                case .float64:
                    ds = try f.createDataset(info.name, of: Double.self, shape: shape, fill: info.fill, options: options)
                    try ds.write(column.doubles!)
                    try ds.setAttribute("_FillValue", info.fill)
                case .int64:
                    ds = try f.createDataset(info.name, of: Int64.self, shape: shape, fill: Int64(info.fill), options: options)
                    try ds.write(column.int64s!)
                    try ds.setAttribute("_FillValue", Int64(info.fill))
                case .int8:
                    ds = try f.createDataset(info.name, of: Int8.self, shape: shape, fill: Int8(info.fill), options: options)
                    try ds.write(column.int8s!)
                    try ds.setAttribute("_FillValue", Int8(info.fill))
                case .uint8:
                    ds = try f.createDataset(info.name, of: UInt8.self, shape: shape, fill: UInt8(info.fill), options: options)
                    try ds.write(column.uint8s!)
                    try ds.setAttribute("_FillValue", UInt8(info.fill))
                }
                try ds.setAttribute("long_name", info.longName)
                if let units = info.units { try ds.setAttribute("units", units) }
                for axis in 0..<shape.count { try ds.attach(scale: scales[axis], to: axis) }
                switch info.flags {
                case let .values(v, meanings)?:
                    try ds.setAttribute("flag_values", v)
                    try ds.setAttribute("flag_meanings", meanings)
                case let .masks(m, meanings)?:
                    try ds.setAttribute("flag_masks", m)
                    try ds.setAttribute("flag_meanings", meanings)
                case nil:
                    break
                }
            }
        }
        try variables(TheoryRecord.fields, d.theoryColumns, shape: d.theoryShape)
        if withSim { try variables(SimulationRecord.fields, d.simColumns, shape: d.simShape) }
        if let r = d.refinement { try r.write(f, axes: d.axes) }
        for (name, value) in d.attributes.ordered {
            switch value {
            case let .double(x): try f.setAttribute(name, x)
            case let .int(x): try f.setAttribute(name, x)
            case let .string(s): try f.setAttribute(name, s)
            case let .doubles(xs): try f.setAttribute(name, xs)
            }
        }
    }
}
