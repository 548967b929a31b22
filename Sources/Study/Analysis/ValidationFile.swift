// `vaesweep validate --out FILE.h5`: the validation as an xarray-readable netCDF-4/HDF5 file with
// dimensions (alpha, beta, lam):
//   fit_<q>_inf, fit_<q>_se, fit_<q>_chi2 (χ²/dof), fit_<q>_z (float64, NaN = no fit/no z),
//   theory_<q> (the N = ∞ value compared against), verdict_<q> (int8, CF flag_values/flag_meanings).
// In a single-N file fit_<q>_inf/_se/_chi2 are NaN and fit_<q>_z is the single-N z-score.
// Written to a fresh temporary name in the target directory, then hard-linked to the requested
// name (link(2) fails if that name exists: a user's file is never replaced or written through).
import Foundation
import HDF5Kit

/// Bad `--out` or a failed write, naming the path.
public struct ValidationFileError: Error, CustomStringConvertible {
    /// One line naming the path.
    public let description: String
    /// True when the path itself is unusable (exists, is a directory): bad input (exit 2).
    public let isBadInput: Bool
}

/// The `validate --out` file writer.
public enum ValidationFile {
    /// Write `v` to `path`. Throws `ValidationFileError` if `path` exists (never replaced) or the
    /// write fails.
    public static func write(_ v: Validation, to path: String) throws {
        var st = stat()
        if lstat(path, &st) == 0 || path.hasSuffix("/") {
            throw ValidationFileError(description: "--out: '\(path)' already exists; choose a new file name", isBadInput: true)
        }
        let dir = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let tmp = (dir.isEmpty ? "" : dir + "/") + ".\(base).\(UUID().uuidString).tmp"
        do {
            try writeFile(v, to: tmp)
        } catch {
            unlink(tmp)
            throw ValidationFileError(description: "--out: cannot write '\(path)': \(error)", isBadInput: false)
        }
        defer { unlink(tmp) }
        if link(tmp, path) != 0 {
            let e = String(cString: strerror(errno))
            throw ValidationFileError(description: "--out: cannot create '\(path)': \(e)", isBadInput: errno == EEXIST)
        }
    }

    static func writeFile(_ v: Validation, to path: String) throws {
        let f = try HDF5File.create(path)
        let shape = [v.alpha.count, v.beta.count, v.lam.count]
        let count = shape.reduce(1, *)
        var scales: [HDF5Dataset] = []
        for (name, values) in [("alpha", v.alpha), ("beta", v.beta), ("lam", v.lam)] {
            let ds = try f.createDataset(name, of: Double.self, shape: [values.count], fill: .nan)
            try ds.write(values)
            try ds.makeDimensionScale(name: name)
            scales.append(ds)
        }
        func variable<T: HDF5Scalar>(_ name: String, _ values: [T], fill: T, longName: String) throws -> HDF5Dataset {
            let ds = try f.createDataset(name, of: T.self, shape: shape, fill: fill)
            try ds.write(values)
            for (k, s) in scales.enumerated() { try ds.attach(scale: s, to: k) }
            try ds.setAttribute("long_name", longName)
            return ds
        }
        // points are in (α, β, λ) row-major order, observables in Validation.quantities order
        let nq = Validation.quantities.count
        precondition(v.points.count == count * nq, "validation points do not cover the grid")
        for (k, q) in Validation.quantities.enumerated() {
            let pts = stride(from: k, to: v.points.count, by: nq).map { v.points[$0] }
            _ = try variable("theory_\(q)", pts.map(\.theory), fill: .nan, longName: "N = ∞ theory value of \(q)")
            _ = try variable("fit_\(q)_inf", pts.map(\.qInf), fill: .nan, longName: "finite-size extrapolation q_∞ of \(q)")
            _ = try variable("fit_\(q)_se", pts.map(\.seInf), fill: .nan, longName: "standard error of q_∞ of \(q) (inflated by √(χ²/dof) when > 1)")
            _ = try variable("fit_\(q)_chi2", pts.map(\.chi2PerDof), fill: .nan, longName: "χ²/dof of the finite-size fit of \(q)")
            _ = try variable("fit_\(q)_z", pts.map(\.z), fill: .nan, longName: "z = (q_∞ − theory)/se(q_∞) of \(q)")
            let vd = try variable("verdict_\(q)", pts.map(\.verdict.rawValue), fill: Verdict.noData.rawValue,
                                  longName: "agreement verdict of \(q) (MODEL.md §7)")
            try vd.setAttribute("flag_values", Verdict.allCases.map(\.rawValue))
            try vd.setAttribute("flag_meanings", Verdict.allCases.map(\.name).joined(separator: " "))
        }
        try f.setAttribute("rho", v.rho)
        try f.setAttribute("eta", v.eta)
        try f.setAttribute("source", v.path)
        try f.setAttribute("N_values", v.nValues.map { Int64($0) })
        try f.setAttribute("single_N", Int8(v.singleN ? 1 : 0))
        try f.setAttribute("Conventions", "CF-1.8")
        try f.setAttribute("title", "vaesweep validate: finite-size extrapolation and agreement verdicts (MODEL.md §7)")
        scales.removeAll()
        try f.close()
    }
}
