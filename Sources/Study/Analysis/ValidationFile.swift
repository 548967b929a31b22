// `vaesweep validate --out FILE.h5`: the validation as an xarray-readable netCDF-4/HDF5 file with
// dimensions (alpha, beta, lam):
//   fit_<q>_inf, fit_<q>_se, fit_<q>_chi2 (χ²/dof), fit_<q>_z (float64, NaN = no fit/no z),
//   theory_<q> (the N = ∞ value compared against), verdict_<q> (int8, CF flag_values/flag_meanings).
// In a single-N file fit_<q>_inf/_se/_chi2 are NaN and fit_<q>_z is the single-N z-score.
// Written through `SafeFile` (a fresh temporary name in the target directory, synced, then
// hard-linked to the requested name, or renamed over it with --overwrite).
import Foundation
import HDF5Kit
import ResultsFile

/// The `validate --out` file writer.
public enum ValidationFile {
    /// Write `v` as a new file at `path` through `SafeFile` (a fresh temporary file, synced, then
    /// installed): an existing `path` is replaced only when `replacing`, else refused (`Refusal`,
    /// exit 2). A failed write leaves nothing behind and `path` untouched.
    public static func write(_ v: Validation, to path: String, replacing: Bool) throws {
        try SafeFile.write(path, replacing: replacing, role: "--out") { tmp in
            do { try writeFile(v, to: tmp) } catch {
                unlink(tmp)   // the file `writeFile` created exclusively for this call
                throw error
            }
        }
    }

    /// Create `path` exclusively and fill it; on any failure every HDF5 object is closed before
    /// the error is rethrown (an object left open crashes HDF5's close at process exit).
    static func writeFile(_ v: Validation, to path: String) throws {
        let f = try HDF5File.create(path, mode: .exclusive)
        do { try fill(f, v) } catch {
            try? f.close()
            throw error
        }
        try f.close()
    }

    static func fill(_ f: HDF5File, _ v: Validation) throws {
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
        for (k, q) in Validation.quantities.map(\.rawValue).enumerated() {
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
    }
}
