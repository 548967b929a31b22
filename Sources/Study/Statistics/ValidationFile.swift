// `vaesweep validate --out FILE.h5`: the validation as an xarray-readable netCDF-4/HDF5 file.
// Dimensions (alpha, beta, lam), and N for the per-N statistics. Per observable q:
//   theory_<q>                     the N = ∞ value compared against
//   fit_<q>_inf, fit_<q>_se        q∞ and se(q∞) (MODEL.md §7 step 4; guard included)
//   fit_<q>_nu, fit_<q>_z, fit_<q>_p   Welch ν, z, p = 2 P(t_ν > |z|)
//   fit_<q>_chi2                   χ²/dof of the fit(s) against s_N² (reported, not used)
//   fit_<q>_guard_var              the misspecification guard's (q∞ − q∞′)² (0: not applied)
//   ansatz_<q>, verdict_<q>        int8 codes with CF flag_values / flag_meanings
//   n_usable_<q>                   number of usable N
//   mean_<q>, se_<q>, replicates_<q>, size_status_<q>   (alpha, beta, lam, N): q̃_N, s_N, n_N and
//                                  why an N is not usable (uint8 bit field, CF flag_masks)
// Root attributes: recipe_version, bbp_widening_below/_above, collapse_sigmas, rho, eta, source, N_values,
// single_N, and with a calibration calibration_* (the per-sweep tallies, so that `summary
// --calibration FILE` can reuse them for a file of the same design).
// Written through `SafeFile` (a fresh temporary name in the target directory, synced, then
// hard-linked to the requested name, or renamed over it with --overwrite).
import Foundation
import HDF5Kit
import ResultsFile

/// The `validate --out` file writer and its calibration reader.
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
        let nN = max(v.nValues.count, 1)
        let shape = [v.alpha.count, v.beta.count, v.lam.count]
        let count = shape.reduce(1, *)
        var scales: [HDF5Dataset] = []
        for (name, values) in [("alpha", v.alpha), ("beta", v.beta), ("lam", v.lam)] {
            let ds = try f.createDataset(name, of: Double.self, shape: [values.count], fill: .nan)
            try ds.write(values)
            try ds.makeDimensionScale(name: name)
            scales.append(ds)
        }
        let nScale = try f.createDataset("N", of: Int64.self, shape: [nN], fill: 0)
        try nScale.write(v.nValues.isEmpty ? [0] : v.nValues.map { Int64($0) })
        try nScale.makeDimensionScale(name: "N")
        try nScale.setAttribute("long_name", "dimension N of the simulations")
        func variable<T: HDF5Scalar>(_ name: String, _ values: [T], fill: T, longName: String, perN: Bool = false) throws -> HDF5Dataset {
            let ds = try f.createDataset(name, of: T.self, shape: perN ? shape + [nN] : shape, fill: fill)
            try ds.write(values)
            for (k, s) in scales.enumerated() { try ds.attach(scale: s, to: k) }
            if perN { try ds.attach(scale: nScale, to: 3) }
            try ds.setAttribute("long_name", longName)
            return ds
        }
        // points are in (α, β, λ) row-major order, observables in Validation.quantities order
        let nq = Validation.quantities.count
        precondition(v.points.count == count * nq, "validation points do not cover the grid")
        for (k, q) in Validation.quantities.enumerated() {
            let pts = stride(from: k, to: v.points.count, by: nq).map { v.points[$0] }
            _ = try variable("theory_\(q)", pts.map(\.theory), fill: .nan, longName: "N = ∞ theory value of \(q)")
            _ = try variable("fit_\(q)_inf", pts.map(\.qInf), fill: .nan, longName: "finite-size extrapolation q∞ of \(q) (MODEL.md §7)")
            _ = try variable("fit_\(q)_se", pts.map(\.seInf), fill: .nan, longName: "standard error of q∞ of \(q) (misspecification guard included)")
            _ = try variable("fit_\(q)_nu", pts.map(\.nu), fill: .nan, longName: "Welch–Satterthwaite degrees of freedom of q∞ of \(q)")
            _ = try variable("fit_\(q)_z", pts.map(\.z), fill: .nan, longName: "z = (q∞ − theory)/se(q∞) of \(q)")
            _ = try variable("fit_\(q)_p", pts.map(\.p), fill: .nan, longName: "two-sided p = 2 P(t_nu > |z|) of \(q)")
            _ = try variable("fit_\(q)_chi2", pts.map(\.chi2PerDof), fill: .nan, longName: "chi²/dof of the finite-size fit of \(q) against s_N² (not used to inflate se)")
            _ = try variable("fit_\(q)_guard_var", pts.map { $0.estimate?.guardVariance ?? .nan }, fill: .nan,
                             longName: "misspecification guard (q∞ − q∞')² added to var(q∞) of \(q) (MODEL.md §7 step 5)")
            let an = try variable("ansatz_\(q)", pts.map(\.ansatz.rawValue), fill: Ansatz.none.rawValue,
                                  longName: "finite-size ansatz used for \(q) (MODEL.md §7 step 3)")
            try an.setAttribute("flag_values", Ansatz.allCases.map(\.rawValue))
            try an.setAttribute("flag_meanings", Ansatz.allCases.map(\.name).joined(separator: " "))
            let vd = try variable("verdict_\(q)", pts.map(\.verdict.rawValue), fill: Verdict.noData.rawValue,
                                  longName: "agreement verdict of \(q) (MODEL.md §7)")
            try vd.setAttribute("flag_values", Verdict.allCases.map(\.rawValue))
            try vd.setAttribute("flag_meanings", Verdict.allCases.map(\.name).joined(separator: " "))
            _ = try variable("n_usable_\(q)", pts.map { Int8(clamping: $0.usableN.count) }, fill: 0, longName: "number of usable N for \(q)")
            func perN<T: HDF5Scalar>(_ fill: T, _ get: (SizeStats) -> T) -> [T] {
                pts.flatMap { p in (0..<nN).map { i in i < p.sizes.count ? get(p.sizes[i]) : fill } }
            }
            _ = try variable("mean_\(q)", perN(Double.nan) { $0.mean }, fill: .nan,
                             longName: "replicate mean of \(q) at N compared at the sample's own P/N (q̃_N)", perN: true)
            _ = try variable("se_\(q)", perN(Double.nan) { $0.se }, fill: .nan, longName: "standard error s_N of the mean of \(q) at N", perN: true)
            _ = try variable("replicates_\(q)", perN(Int32(0)) { Int32($0.seeds) }, fill: 0, longName: "usable replicates of \(q) at N", perN: true)
            let ss = try variable("size_status_\(q)", perN(UInt8(0)) { $0.exclusion.rawValue }, fill: 0,
                                  longName: "why N is not usable for \(q) (0: usable; MODEL.md §7 step 2)", perN: true)
            try ss.setAttribute("flag_masks", SizeExclusion.all.map { $0.0.rawValue })
            try ss.setAttribute("flag_meanings", SizeExclusion.all.map { $0.1 }.joined(separator: " "))
        }
        try f.setAttribute("recipe_version", Int64(Validation.recipeVersion))
        try f.setAttribute("bbp_widening_below", v.options.bbpWideningBelow)
        try f.setAttribute("bbp_widening_above", v.options.bbpWideningAbove)
        try f.setAttribute("collapse_sigmas", v.options.collapseSigmas)
        try f.setAttribute("rho", v.rho)
        try f.setAttribute("eta", v.eta)
        try f.setAttribute("source", v.path)
        try f.setAttribute("N_values", v.nValues.map { Int64($0) })
        try f.setAttribute("single_N", Int8(v.singleN ? 1 : 0))
        if let c = v.calibration { try writeCalibration(c, to: f) }
        try f.setAttribute("Conventions", "CF-1.8")
        try f.setAttribute("title", "vaesweep validate: finite-size extrapolation and agreement verdicts (MODEL.md §7)")
    }

    static func writeCalibration(_ c: CalibrationResult, to f: HDF5File) throws {
        try f.setAttribute("calibration_sweeps", Int64(c.sweeps))
        try f.setAttribute("calibration_sampler", c.sampler)
        try f.setAttribute("calibration_design", c.design)
        try f.setAttribute("calibration_recipe_version", Int64(c.recipeVersion))
        try f.setAttribute("calibration_bbp_widening_below", c.bbpWideningBelow)
        try f.setAttribute("calibration_bbp_widening_above", c.bbpWideningAbove)
        try f.setAttribute("calibration_seconds", c.seconds)
        for key in CalibrationResult.phaseKeys {
            // per sweep [agree, marginal, disagree], flattened (K × 3)
            try f.setAttribute("calibration_counts_\(key)", c.perSweep.flatMap { ($0[key] ?? [0, 0, 0]).map { Int64($0) } })
            for (i, name) in ["agree", "marginal", "disagree"].enumerated() {
                try f.setAttribute("calibration_expected_\(name)_\(key)", c.fraction(i, phase: key).value)
            }
        }
        try f.setAttribute("calibration_disagreeing_groups", c.disagreeingGroups.map { Int64($0) })
        try f.setAttribute("calibration_tested_groups", c.testedGroups.map { Int64($0) })
    }

    /// The calibration stored in a validation file (nil when it has none). Throws when the file
    /// cannot be read.
    public static func readCalibration(path: String) throws -> CalibrationResult? {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ResultsError("--calibration: '\(path)' does not exist", kind: .missing)
        }
        let f: HDF5File
        do { f = try HDF5File.open(path) } catch {
            throw ResultsError("--calibration: '\(path)' is not an HDF5 file", kind: .notHDF5)
        }
        defer { try? f.close() }
        guard f.hasAttribute("calibration_sweeps") else { return nil }
        let k = Int(try f.attribute("calibration_sweeps", as: Int64.self).first ?? 0)
        var perSweep = [[String: [Int]]](repeating: [:], count: k)
        for key in CalibrationResult.phaseKeys where f.hasAttribute("calibration_counts_\(key)") {
            let flat = try f.attribute("calibration_counts_\(key)", as: Int64.self).map { Int($0) }
            guard flat.count == 3 * k else { continue }
            for s in 0..<k { perSweep[s][key] = Array(flat[(3 * s)..<(3 * s + 3)]) }
        }
        return CalibrationResult(sweeps: k, sampler: try f.stringAttribute("calibration_sampler"),
                                 design: try f.stringAttribute("calibration_design"),
                                 recipeVersion: Int(try f.attribute("calibration_recipe_version", as: Int64.self).first ?? 0),
                                 bbpWideningBelow: try f.attribute("calibration_bbp_widening_below", as: Double.self).first ?? .nan,
                                 bbpWideningAbove: try f.attribute("calibration_bbp_widening_above", as: Double.self).first ?? .nan,
                                 perSweep: perSweep,
                                 disagreeingGroups: try f.attribute("calibration_disagreeing_groups", as: Int64.self).map { Int($0) },
                                 testedGroups: try f.attribute("calibration_tested_groups", as: Int64.self).map { Int($0) },
                                 seconds: try f.attribute("calibration_seconds", as: Double.self).first ?? .nan)
    }
}
