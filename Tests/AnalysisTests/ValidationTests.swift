import Foundation
import HDF5Kit
import Plots
import Statistics
import ResultsFile
import TestSupport
import VAETheory
import XCTest

/// Deterministic standard normals (SplitMix64 + Box–Muller), independent of the code under test.
struct Normals {
    var state: UInt64
    mutating func uniform() -> Double {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) * 0x1p-53
    }
    mutating func next() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()) }
}

final class ValidationTests: XCTestCase {
    static let N = [250, 1000, 4000]
    static let sigma = 0.04   // per-seed standard deviation
    static let seeds = 16
    static let alpha = [0.25, 1.6, 2.5, 4, 6.3, 10, 16]

    /// A synthetic sweep in the results-file schema of before this change (no theory_flags, no
    /// sim_flags: the Synthetic fixture writer): every replicate is the theory AT THE SAMPLE'S OWN
    /// P/N + slope·N^(−ω₁) + σ·noise, ω₁ the leading exponent of the point's ansatz (MODEL §7 step 3),
    /// so q∞ is the theory value exactly and the finite-size model holds.
    func syntheticFile(shift: Double = 0, seed: UInt64 = 11, N: [Int] = ValidationTests.N) throws -> (ResultsData, String) {
        var g = Normals(state: seed)
        let alpha = ValidationTests.alpha, beta = [0.3, 0.6, 1.2, 2.4, 4.8], lam = [0.1, 1.0]
        // theory at each (α, N)'s own P/N, and the phase at α
        var own: [String: [Quantity: Double]] = [:], phase: [String: Phase] = [:]
        for (a, al) in alpha.enumerated() { for (b, be) in beta.enumerated() { for (l, la) in lam.enumerated() {
            phase["\(a),\(b),\(l)"] = try RegimeData.theory(al, be, la).phase
            for (n, nn) in N.enumerated() {
                let p = Int((al * Double(nn)).rounded())
                let r = Theory.solve(try TheoryInput(alpha: Double(p) / Double(nn), beta: be, lambda: la))
                own["\(a),\(b),\(l),\(n)"] = Dictionary(uniqueKeysWithValues: Quantity.allCases.map { ($0, r.observables[$0]) })
            }
        } } }
        let d0 = try Synthetic.data(alpha: alpha, beta: beta, lam: lam, N: N, seeds: ValidationTests.seeds,
                                    sim: { q, _, a, b, l, n, _ in
                                        let ph = phase["\(a),\(b),\(l)"]!
                                        let w1 = Ansatz.of(quantity: q == .epsG && ph == .overlearning ? .Q : q, phase: ph).exponents?.0 ?? 1
                                        let slope = 0.3 + 0.1 * Double((a + 2 * b + 3 * l) % 5)
                                        return own["\(a),\(b),\(l),\(n)"]![q]! + slope * pow(Double(N[n]), -w1) + ValidationTests.sigma * g.next()
                                    })
        var d = d0
        if shift != 0 { d[theory: .epsG] = d[theory: .epsG]!.map { $0 + shift } }
        let path = try Synthetic.tempDir("val") + "/r.h5"
        try Synthetic.write(d, to: path)
        return (try ResultsData.read(path: path), path)
    }

    /// A results file from before this change (the fixture writer: no flags) still validates, and
    /// the recipe recovers q∞: every estimate lies within 4.5 se of the truth, ≈ 68 % within 1 se,
    /// ≈ 95 % of the decided points agree and almost none disagree. α = 1.6 (x = 1.26) keeps Q with
    /// N = 1000, 4000 (N = 250 critical) and reports the θ-dependent observables apart (widened BBP
    /// window). Would fail on: se not from the per-N variances, q̃ of the largest N instead of q∞,
    /// the old N^(−1/2) basis (biased q∞ in the learning phase).
    func testSyntheticRecoversQInfAndAgrees() throws {
        let (d, _) = try syntheticFile()
        XCTAssertNil(d.theoryFlags)   // flags recomputed from the coordinates
        XCTAssertNil(d.simFlags)
        let v = Validation.compute(d)
        XCTAssertEqual(v.points.count, d.theoryCount * Validation.quantities.count)
        XCTAssertFalse(v.singleN)
        XCTAssertFalse(v.flagsFromFile)
        var within1 = 0, fits = 0
        for p in v.points where p.estimate != nil && p.ansatz != .collapsedLargestN {
            fits += 1
            let err = abs(p.qInf - p.theory)
            XCTAssertLessThan(err, 4.5 * p.seInf, "\(p.quantity) α=\(p.alpha) β=\(p.beta) λ=\(p.lambda)")
            if err < p.seInf { within1 += 1 }
        }
        XCTAssertGreaterThan(fits, 200)
        let frac1 = Double(within1) / Double(fits)
        XCTAssertTrue((0.6...0.9).contains(frac1), "fraction within 1 se: \(frac1)")
        let c = v.counts()
        let decided = (c[.agree] ?? 0) + (c[.marginal] ?? 0) + (c[.disagree] ?? 0)
        let agree = Double(c[.agree] ?? 0) / Double(decided)
        XCTAssertTrue((0.9...0.995).contains(agree), "agree fraction \(agree): \(Validation.countsLine(c))")
        XCTAssertLessThanOrEqual(Double(c[.disagree] ?? 0) / Double(decided), 0.015, Validation.countsLine(c))
        XCTAssertFalse(v.counts(phase: .overlearning).isEmpty)
        // α = 1.6 at ρ = η = 1 is x = 1.26: critical at N = 250 only (upper edge 1.416)
        for p in v.points where p.alpha == 1.6 && p.phase == .learning {
            if Validation.thetaDependent.contains(p.quantity) {
                XCTAssertEqual(p.verdict, .excludedWindow, p.reason)
            } else {
                XCTAssertEqual(p.usableN, [1000, 4000]); XCTAssertTrue(p.reason.contains("dropped"), p.reason)
            }
        }
        // the report carries the counts, the fraction and the α groups
        let text = v.text()
        XCTAssertTrue(text.contains("finite-size extrapolation (MODEL §7, recipe 2)"), text)
        XCTAssertTrue(text.contains(String(format: "%.1f %% agree", 100 * agree)), text)
        XCTAssertTrue(text.contains("α groups"), text)
        XCTAssertTrue(text.contains("not calibrated for this design"), text)
    }

    /// A theory shifted by 0.15 (≈ 10 se(q∞)) is rejected: ε_g disagrees almost everywhere, the
    /// other observables still agree, and the α groups say "strong evidence". Would fail if z used
    /// the simulation's own fit as reference or the theory value were ignored.
    func testShiftedTheoryDisagrees() throws {
        let (d, _) = try syntheticFile(shift: 0.15)
        let v = Validation.compute(d)
        let c = v.counts(quantity: .epsG)
        let decided = (c[.agree] ?? 0) + (c[.marginal] ?? 0) + (c[.disagree] ?? 0)
        XCTAssertGreaterThan(decided, 40)
        XCTAssertGreaterThan(Double(c[.disagree] ?? 0) / Double(decided), 0.9, Validation.countsLine(c))
        XCTAssertGreaterThan(v.agreeFraction(quantity: .Q), 0.85)
        let worst = v.worst(3)
        XCTAssertEqual(worst.count, 3)
        XCTAssertTrue(worst.allSatisfy { $0.quantity == .epsG && $0.z < -3 })
        XCTAssertGreaterThanOrEqual(v.disagreeingAlphaGroups.count, 2)
        XCTAssertTrue(v.text().contains("strong evidence"), v.text())
    }

    /// Flags from the file decide exclusions when present; without them they are recomputed from
    /// the coordinates: λ = 0 with α < 1 excludes the test rate/distortion only, a first-order
    /// coexistence point (ρ = η = 1, λ = 3, α = 0.72, β = 0.05: MODEL §4) is excluded, and the BBP
    /// point α = 1 is critical at every N. Would fail if exclusions counted as disagreements or the
    /// null-space caveat hit ε_g.
    func testExclusionsRecomputedAndFromFile() throws {
        let d = try Synthetic.data(alpha: [0.5, 0.72, 1], beta: [0.05, 0.5], lam: [0, 3], N: [500, 2000], seeds: 3,
                                   sim: { _, t, _, _, _, _, s in t + 0.01 * Double(s - 1) })
        let v = Validation.compute(d)
        func verdict(_ q: Quantity, _ alpha: Double, _ beta: Double, _ lambda: Double) -> Verdict {
            v.points.first { $0.quantity == q && $0.alpha == alpha && $0.beta == beta && $0.lambda == lambda }!.verdict
        }
        XCTAssertEqual(verdict(.rateTest, 0.5, 0.5, 0), .excludedNullSpace)
        XCTAssertEqual(verdict(.distTest, 0.5, 0.5, 0), .excludedNullSpace)
        XCTAssertFalse(verdict(.epsG, 0.5, 0.5, 0).isExcluded)
        XCTAssertEqual(verdict(.epsG, 0.72, 0.05, 3), .excludedFirstOrder)
        XCTAssertEqual(verdict(.epsG, 1, 0.5, 3), .excludedCritical)
        XCTAssertEqual(verdict(.epsG, 0.5, 0.5, 3), .agree)   // replicates symmetric about theory: z = 0
        // flags in the file win: mark (α = 0.5, β = 0.5, λ = 3) first-order, clear everything else
        var f = d
        f.theoryFlags = [UInt8](repeating: 0, count: d.theoryCount)
        f.theoryFlags![d.theoryIndex(0, 1, 1)] = PointFlags.firstOrderCoexistence.rawValue
        f.simFlags = [UInt8](repeating: 0, count: d.simCount)
        let path = try Synthetic.tempDir("flags") + "/r.h5"
        try Synthetic.write(f, to: path)
        let r = try ResultsData.read(path: path)
        XCTAssertNotNil(r.theoryFlags)
        let w = Validation.compute(r)
        XCTAssertTrue(w.flagsFromFile)
        func verdict2(_ q: Quantity, _ alpha: Double, _ beta: Double, _ lambda: Double) -> Verdict {
            w.points.first { $0.quantity == q && $0.alpha == alpha && $0.beta == beta && $0.lambda == lambda }!.verdict
        }
        XCTAssertEqual(verdict2(.epsG, 0.5, 0.5, 3), .excludedFirstOrder)
        // the file says "not critical" at α = 1: Q is tested; ε_g stays apart by the recipe's own
        // widened BBP window (not a file flag)
        XCTAssertFalse(verdict2(.Q, 1, 0.5, 3).isExcluded)
        XCTAssertEqual(verdict2(.epsG, 1, 0.5, 3), .excludedWindow)
        XCTAssertFalse(verdict2(.rateTest, 0.5, 0.5, 0).isExcluded)
    }

    /// One N: no extrapolation; z of q̃_N against N = ∞ per point with ν = n − 1, `biased` exactly in
    /// the overlearning phase, and the report says so.
    func testSingleNReportsPerNZ() throws {
        let (d, _) = try syntheticFile(N: [1000])
        let v = Validation.compute(d)
        XCTAssertTrue(v.singleN)
        XCTAssertTrue(v.points.allSatisfy { $0.fit == nil })
        let p = try XCTUnwrap(v.points.first { $0.quantity == .epsG && !$0.verdict.isExcluded && $0.z.isFinite })
        let s = p.sizes[0]
        XCTAssertEqual(p.z, (s.mean - p.theory) / s.se, accuracy: 1e-12)
        XCTAssertEqual(p.nu, Double(s.seeds - 1), accuracy: 1e-9)
        XCTAssertEqual(p.perNZ, [p.z])
        for q in v.points where !q.perNZ.isEmpty { XCTAssertEqual(q.biased, q.phase == .overlearning) }
        XCTAssertTrue(v.points.contains { $0.biased })
        XCTAssertTrue(v.text().contains("no finite-size extrapolation is possible"))
        // the validation figure shows the N = 1000 means instead of q_∞
        let fig = try XCTUnwrap(Figures.validation(d, validation: v))
        XCTAssertTrue(fig.title.contains("one N"), fig.title)
        XCTAssertTrue(fig.series.contains("mean β=0.3 λ=0.1") && !fig.series.contains { $0.hasPrefix("q_inf") }, "\(fig.series)")
        XCTAssertFalse(fig.notes.isEmpty)
    }

    /// `--out`: xarray reads the file with dims (alpha, beta, lam) and (alpha, beta, lam, N); the
    /// numbers (q∞, ν, p, z), the ansatz and verdict codes and the per-N statistics equal the
    /// in-memory validation; flag_meanings name the codes; `recipe_version` is recorded; an existing
    /// path is refused and left untouched.
    func testOutFileReadsInXarray() throws {
        let (d, _) = try syntheticFile()
        let v = Validation.compute(d)
        let dir = try Synthetic.tempDir("valout")
        let out = dir + "/validation.h5"
        try ValidationFile.write(v, to: out, replacing: false)
        XCTAssertThrowsError(try ValidationFile.write(v, to: out, replacing: false)) { e in XCTAssertTrue("\(e)".contains(out), "\(e)") }
        let script = """
        import json, xarray as xr
        ds = xr.open_dataset("\(out)", engine="h5netcdf")
        z = ds["fit_eps_g_z"]; vd = ds["verdict_eps_g"]
        nan = lambda a: [None if x != x else float(x) for x in a.values.ravel().tolist()]
        print(json.dumps({"dims": list(z.dims), "shape": list(z.shape), "z": nan(z),
            "qinf": nan(ds["fit_Q_inf"]), "nu": nan(ds["fit_Q_nu"]), "p": nan(ds["fit_Q_p"]),
            "ansatz": [int(x) for x in ds["ansatz_Q"].values.ravel().tolist()],
            "ansatz_meanings": str(ds["ansatz_Q"].attrs.get("flag_meanings")),
            "meanQ": nan(ds["mean_Q"]), "meanQ_dims": list(ds["mean_Q"].dims), "N": [int(x) for x in ds["N"].values],
            "status_meanings": str(ds["size_status_eps_g"].attrs.get("flag_meanings")),
            "recipe": int(ds.attrs["recipe_version"]), "widening": [float(ds.attrs["bbp_widening_below"]), float(ds.attrs["bbp_widening_above"])],
            "verdict": [int(x) for x in vd.values.ravel().tolist()],
            "meanings": str(vd.attrs.get("flag_meanings")), "values": [int(x) for x in vd.attrs.get("flag_values")]}))
        """
        let (rc, stdout, stderr) = try ReadmeSnippetTests.python(["-c", script], cwd: dir)
        XCTAssertEqual(rc, 0, stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        XCTAssertEqual(obj["dims"] as? [String], ["alpha", "beta", "lam"])
        XCTAssertEqual(obj["shape"] as? [Int], [7, 5, 2])
        XCTAssertEqual(obj["meanQ_dims"] as? [String], ["alpha", "beta", "lam", "N"])
        XCTAssertEqual(obj["N"] as? [Int], ValidationTests.N)
        XCTAssertEqual(obj["recipe"] as? Int, Validation.recipeVersion)
        XCTAssertEqual(obj["widening"] as? [Double], [RecipeOptions.standard.bbpWideningBelow, RecipeOptions.standard.bbpWideningAbove])
        XCTAssertEqual(obj["meanings"] as? String, Verdict.allCases.map(\.name).joined(separator: " "))
        XCTAssertEqual(obj["values"] as? [Int], Verdict.allCases.map { Int($0.rawValue) })
        XCTAssertEqual(obj["ansatz_meanings"] as? String, Ansatz.allCases.map(\.name).joined(separator: " "))
        XCTAssertEqual(obj["status_meanings"] as? String, SizeExclusion.all.map { $0.1 }.joined(separator: " "))
        let eps = v.points.filter { $0.quantity == .epsG }, qs = v.points.filter { $0.quantity == .Q }
        XCTAssertEqual(obj["verdict"] as? [Int], eps.map { Int($0.verdict.rawValue) })
        XCTAssertEqual(obj["ansatz"] as? [Int], qs.map { Int($0.ansatz.rawValue) })
        let z = obj["z"] as! [Any], qinf = obj["qinf"] as! [Any], nu = obj["nu"] as! [Any], pv = obj["p"] as! [Any]
        XCTAssertEqual(z.count, eps.count)
        for (i, p) in eps.enumerated() {
            if p.z.isFinite { XCTAssertEqual(z[i] as? Double ?? .nan, p.z, accuracy: 1e-12 * max(1, abs(p.z))) } else { XCTAssertTrue(z[i] is NSNull) }
        }
        for (i, p) in qs.enumerated() where p.qInf.isFinite {
            XCTAssertEqual(qinf[i] as? Double ?? .nan, p.qInf, accuracy: 1e-13)
            XCTAssertEqual(nu[i] as? Double ?? .nan, p.nu, accuracy: 1e-9 * p.nu)
            XCTAssertEqual(pv[i] as? Double ?? .nan, p.p, accuracy: 1e-15)
        }
        let meanQ = obj["meanQ"] as! [Any]
        XCTAssertEqual(meanQ.count, qs.count * ValidationTests.N.count)
        for (i, p) in qs.enumerated() { for (k, s) in p.sizes.enumerated() {
            XCTAssertEqual(meanQ[i * ValidationTests.N.count + k] as? Double ?? .nan, s.mean, accuracy: 1e-13)
        } }
    }

    /// `vaesweep validate` and `summary` end to end: the report's counts equal the library's, --json
    /// has one record per (point, observable), summary prints the verdict counts (not raw gaps), and
    /// its default calibration is skipped with a note for a design too costly for the explicit sampler.
    func testValidateAndSummaryCommands() throws {
        let (d, path) = try syntheticFile()
        let v = Validation.compute(d)
        let r = try runVaesweep(["validate", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("  ε_g       " + Validation.countsLine(v.counts(quantity: .epsG))), r.stdout)
        let j = try runVaesweep(["validate", path, "--json"])
        XCTAssertEqual(j.status, 0, j.stderr)
        let lines = try jsonLines(j.stdout)
        XCTAssertEqual(lines.count, v.points.count)
        XCTAssertEqual(lines.filter { $0["verdict"] as? String == "agree" }.count, v.counts()[.agree])
        let s = try runVaesweep(["summary", path, "--calibrate", "0"])
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertTrue(s.stdout.contains("validation (MODEL.md §7"), s.stdout)
        XCTAssertTrue(s.stdout.contains("not calibrated for this design"), s.stdout)
        XCTAssertFalse(s.stdout.contains("a correct theory gives ≈ 95"), s.stdout)
        XCTAssertFalse(s.stdout.contains("largest theory–simulation gaps"), s.stdout)
        XCTAssertTrue(s.stdout.contains("collapse threshold"), s.stdout)
        // bad input: a missing file, an existing --out, a stored calibration that does not exist
        let bad = try runVaesweep(["validate", path + ".missing"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
        let clash = try runVaesweep(["validate", path, "--out", path])
        XCTAssertEqual(clash.status, 2, clash.stderr)
        XCTAssertTrue(clash.stderr.contains("--out") && clash.stderr.contains(path), clash.stderr)
        let noCal = try runVaesweep(["summary", path, "--calibration", path + ".none"])
        XCTAssertEqual(noCal.status, 2, noCal.stderr)
        XCTAssertNoThrow(try ResultsData.read(path: path))   // untouched
    }
}
