import Foundation
import HDF5Kit
import Analysis
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

final class FiniteSizeFitTests: XCTestCase {
    /// The weighted fit equals an independent computation: for two coefficients the centred
    /// closed form of weighted linear regression; for three the normal equations (AᵀWA) c = AᵀWy
    /// solved by Gauss–Jordan elimination in Float80. Coefficients, covariance and χ² agree to
    /// 1e-10 (relative to each number's scale). Would fail on: unweighted fit, weights 1/s instead
    /// of 1/s², a dropped floor, a wrong basis (N^-1 instead of N^-1/2), χ² of unweighted residuals.
    func testFitEqualsIndependentLeastSquares() throws {
        var g = Normals(state: 7)
        for k in [2, 3, 4, 5, 6] {
            for trial in 0..<5 {
                let n = (0..<k).map { 100 * (1 << $0) + trial }
                let se = (0..<k).map { _ in 0.005 + 0.02 * g.uniform() }
                let mean = (0..<k).map { i in 0.7 + 0.9 / Double(n[i]).squareRoot() - (k >= 4 ? 3 / Double(n[i]) : 0) + se[i] * g.next() }
                let f = try XCTUnwrap(FiniteSizeFit.fit(n: n, mean: mean, se: se))
                XCTAssertEqual(f.coefficients.count, k >= 4 ? 3 : 2)
                XCTAssertEqual(f.dof, k - f.coefficients.count)
                let w = se.map { 1 / ($0 * $0) }
                let x = n.map { 1 / Double($0).squareRoot() }
                var ref: (c: [Double], cov: [[Double]])
                if k < 4 {
                    let sw = w.reduce(0, +)
                    let xb = zip(w, x).map { $0 * $1 }.reduce(0, +) / sw
                    let yb = zip(w, mean).map { $0 * $1 }.reduce(0, +) / sw
                    var sxx = 0.0, sxy = 0.0
                    for i in 0..<k { sxx += w[i] * (x[i] - xb) * (x[i] - xb); sxy += w[i] * (x[i] - xb) * (mean[i] - yb) }
                    let a = sxy / sxx
                    ref = ([yb - a * xb, a], [[1 / sw + xb * xb / sxx, -xb / sxx], [-xb / sxx, 1 / sxx]])
                } else {
                    let rows = (0..<k).map { [Float80(1), Float80(x[$0]), Float80(x[$0] * x[$0])] }
                    var m = [[Float80]](repeating: [Float80](repeating: 0, count: 7), count: 3)   // [AᵀWA | AᵀWy | I]
                    for r in 0..<3 {
                        for c in 0..<3 { m[r][c] = (0..<k).reduce(Float80(0)) { $0 + Float80(w[$1]) * rows[$1][r] * rows[$1][c] } }
                        m[r][3] = (0..<k).reduce(Float80(0)) { $0 + Float80(w[$1]) * rows[$1][r] * Float80(mean[$1]) }
                        m[r][4 + r] = 1
                    }
                    for p in 0..<3 {
                        let piv = m[p][p]
                        for c in 0..<7 { m[p][c] /= piv }
                        for r in 0..<3 where r != p {
                            let f = m[r][p]
                            for c in 0..<7 { m[r][c] -= f * m[p][c] }
                        }
                    }
                    ref = ((0..<3).map { Double(m[$0][3]) }, (0..<3).map { r in (0..<3).map { Double(m[r][4 + $0]) } })
                }
                for i in ref.c.indices {
                    XCTAssertEqual(f.coefficients[i], ref.c[i], accuracy: 1e-10 * max(1, abs(ref.c[i])), "k=\(k) c\(i)")
                    for j in ref.c.indices {
                        XCTAssertEqual(f.covariance[i][j], ref.cov[i][j], accuracy: 1e-10 * abs(ref.cov[i][i] * ref.cov[j][j]).squareRoot(), "k=\(k) cov\(i)\(j)")
                    }
                }
                var chi2 = 0.0
                for i in 0..<k {
                    let fit = (0..<ref.c.count).reduce(0.0) { $0 + ref.c[$1] * pow(x[i], Double($1)) }
                    chi2 += w[i] * (mean[i] - fit) * (mean[i] - fit)
                }
                XCTAssertEqual(f.chi2, chi2, accuracy: 1e-10 * max(1, chi2), "k=\(k)")
                let r = f.dof > 0 ? chi2 / Double(f.dof) : .nan
                let seRef = ref.cov[0][0].squareRoot() * (r > 1 ? r.squareRoot() : 1)
                XCTAssertEqual(f.seInf, seRef, accuracy: 1e-10 * seRef, "k=\(k)")
            }
        }
    }

    /// Exactly-agreeing replicates (s_N = 0, e.g. collapsed points) are floored at 1e-6: a finite
    /// fit with q_∞ exact and z ≈ 0 (MODEL §7). Would fail if the floor were missing (division by 0).
    func testFloorGivesFiniteFitForExactReplicates() throws {
        let f = try XCTUnwrap(FiniteSizeFit.fit(n: [100, 400, 1600], mean: [2, 2, 2], se: [0, 0, 0]))
        XCTAssertEqual(f.qInf, 2, accuracy: 1e-12)
        XCTAssertEqual(f.covariance[0][0].squareRoot(), 1e-6 * (f.covariance[0][0] / 1e-12).squareRoot(), accuracy: 1e-18)
        XCTAssertTrue(f.seInf > 0 && f.seInf < 1e-4, "\(f.seInf)")
        XCTAssertNil(FiniteSizeFit.fit(n: [100], mean: [1], se: [0.1]))
    }
}

final class ValidationTests: XCTestCase {
    static let N = [250, 1000, 4000]
    static let sigma = 0.04   // per-seed standard deviation
    static let seeds = 16

    /// A synthetic sweep: every replicate is theory + a/√N + σ·noise (a varies by point), so q_∞ is
    /// the theory value exactly and the finite-size model holds.
    func syntheticFile(shift: Double = 0, seed: UInt64 = 11, N: [Int] = ValidationTests.N) throws -> (ResultsData, String) {
        var g = Normals(state: seed)
        let d0 = try Synthetic.data(alpha: [1.6, 2.5, 4, 6.3, 10, 16], beta: [0.3, 0.6, 1.2, 2.4, 4.8], lam: [0.1, 1],
                                    N: N, seeds: ValidationTests.seeds,
                                    sim: { _, t, a, b, l, n, _ in
                                        let slope = 0.3 + 0.1 * Double((a + 2 * b + 3 * l) % 5)
                                        return t + slope / Double(N[n]).squareRoot() + ValidationTests.sigma * g.next()
                                    })
        var d = d0
        if shift != 0 { d[theory: .epsG] = d[theory: .epsG]!.map { $0 + shift } }
        let path = try Synthetic.tempDir("val") + "/r.h5"
        try Synthetic.write(d, to: path)
        return (try ResultsData.read(path: path), path)
    }

    /// Known q_∞ + a/√N + noise: every fitted q_∞ lies within 4 se of the truth, ≈ 68 % within 1 se,
    /// ≈ 95 % of the decided points agree and almost none disagree. Would fail on: se not from the
    /// covariance (e.g. sd instead of sd/√seeds: far too many agree within 1 se), z of the largest N's
    /// mean instead of q_∞ (a/√N bias → disagreements), the basis N^-1 (biased q_∞).
    func testSyntheticRecoversQInfAndAgrees() throws {
        let (d, _) = try syntheticFile()
        XCTAssertNil(d.theoryFlags)   // flags recomputed from the coordinates
        let v = Validation.compute(d)
        XCTAssertEqual(v.points.count, d.theoryCount * Validation.quantities.count)
        XCTAssertFalse(v.singleN)
        var within1 = 0, fits = 0
        for p in v.points where p.fit != nil {
            fits += 1
            let err = abs(p.qInf - p.theory)
            XCTAssertLessThan(err, 4.5 * p.seInf, "\(p.quantity) α=\(p.alpha) β=\(p.beta) λ=\(p.lambda)")
            if err < p.seInf { within1 += 1 }
            XCTAssertEqual(p.fit!.nValues.count, 3 - p.sizes.filter(\.critical).count)
        }
        XCTAssertGreaterThan(fits, 250)
        let frac1 = Double(within1) / Double(fits)
        XCTAssertTrue((0.6...0.85).contains(frac1), "fraction within 1 se: \(frac1)")
        let c = v.counts()
        let decided = (c[.agree] ?? 0) + (c[.marginal] ?? 0) + (c[.disagree] ?? 0)
        let agree = Double(c[.agree] ?? 0) / Double(decided)
        XCTAssertTrue((0.9...0.995).contains(agree), "agree fraction \(agree): \(Validation.countsLine(c))")
        XCTAssertLessThanOrEqual(Double(c[.disagree] ?? 0) / Double(decided), 0.015, Validation.countsLine(c))
        // α = 1.6 at ρ = η = 1 is x = 1.26: critical at N = 250 only (upper edge 1.416), fitted with 2 N
        let near = v.points.filter { $0.alpha == 1.6 && $0.fit != nil }
        XCTAssertFalse(near.isEmpty)
        for p in near { XCTAssertEqual(p.fit!.nValues, [1000, 4000]); XCTAssertTrue(p.reason.contains("dropped")) }
        // the report carries the counts and the fraction
        let text = v.text()
        XCTAssertTrue(text.contains("finite-size fits"), text)
        XCTAssertTrue(text.contains(String(format: "%.1f %% agree", 100 * agree)), text)
    }

    /// A theory shifted by 0.15 (≈ 7 se(q_∞): s_N = 0.01, extrapolated from N = 250 … 4000) is rejected: ε_g disagrees almost everywhere,
    /// the other observables still agree. Would fail if z used the simulation's own fit as reference
    /// or the theory value were ignored.
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
        XCTAssertTrue(v.text().contains("disagree"))
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
        XCTAssertFalse(verdict2(.epsG, 1, 0.5, 3).isExcluded)
        XCTAssertFalse(verdict2(.rateTest, 0.5, 0.5, 0).isExcluded)
    }

    /// One N: no extrapolation; z of the seed mean against N = ∞ per point, `biased` exactly in the
    /// overlearning phase, and the report says so.
    func testSingleNReportsPerNZ() throws {
        let (d, _) = try syntheticFile(N: [1000])
        let v = Validation.compute(d)
        XCTAssertTrue(v.singleN)
        XCTAssertTrue(v.points.allSatisfy { $0.fit == nil })
        let p = try XCTUnwrap(v.points.first { $0.quantity == .epsG && !$0.verdict.isExcluded && $0.z.isFinite })
        let s = p.sizes[0]
        XCTAssertEqual(p.z, (s.mean - p.theory) / s.se, accuracy: 1e-12)
        XCTAssertEqual(p.perNZ, [p.z])
        for q in v.points where !q.perNZ.isEmpty { XCTAssertEqual(q.biased, q.phase == .overlearning) }
        XCTAssertTrue(v.text().contains("no finite-size extrapolation is possible"))
        // the validation figure shows the N = 1000 means instead of q_∞
        let fig = try XCTUnwrap(Figures.validation(d, validation: v))
        XCTAssertTrue(fig.title.contains("one N"), fig.title)
        XCTAssertTrue(fig.series.contains("mean β=0.3 λ=0.1") && !fig.series.contains { $0.hasPrefix("q_inf") }, "\(fig.series)")
        XCTAssertFalse(fig.notes.isEmpty)
    }

    /// `--out`: xarray reads the file with dims (alpha, beta, lam); the numbers and verdict codes
    /// equal the in-memory validation; flag_meanings name the codes; an existing path is refused and
    /// left untouched.
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
        print(json.dumps({"dims": list(z.dims), "shape": list(z.shape),
            "z": [None if x != x else float(x) for x in z.values.ravel().tolist()],
            "qinf": [None if x != x else float(x) for x in ds["fit_Q_inf"].values.ravel().tolist()],
            "verdict": [int(x) for x in vd.values.ravel().tolist()],
            "meanings": str(vd.attrs.get("flag_meanings")), "values": [int(x) for x in vd.attrs.get("flag_values")]}))
        """
        let (rc, stdout, stderr) = try ReadmeSnippetTests.python(["-c", script], cwd: dir)
        XCTAssertEqual(rc, 0, stderr)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        XCTAssertEqual(obj["dims"] as? [String], ["alpha", "beta", "lam"])
        XCTAssertEqual(obj["shape"] as? [Int], [6, 5, 2])
        XCTAssertEqual(obj["meanings"] as? String, Verdict.allCases.map(\.name).joined(separator: " "))
        XCTAssertEqual(obj["values"] as? [Int], Verdict.allCases.map { Int($0.rawValue) })
        let eps = v.points.filter { $0.quantity == .epsG }, qs = v.points.filter { $0.quantity == .Q }
        XCTAssertEqual(obj["verdict"] as? [Int], eps.map { Int($0.verdict.rawValue) })
        let z = obj["z"] as! [Any], qinf = obj["qinf"] as! [Any]
        XCTAssertEqual(z.count, eps.count)
        for (i, p) in eps.enumerated() {
            if p.z.isFinite { XCTAssertEqual(z[i] as? Double ?? .nan, p.z, accuracy: 1e-12 * max(1, abs(p.z))) } else { XCTAssertTrue(z[i] is NSNull) }
        }
        for (i, p) in qs.enumerated() where p.qInf.isFinite { XCTAssertEqual(qinf[i] as? Double ?? .nan, p.qInf, accuracy: 1e-13) }
    }

    /// `vaesweep validate` and `summary` end to end: the report's counts equal the library's, --json
    /// has one record per (point, observable), and summary prints the verdict counts (not raw gaps).
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
        let s = try runVaesweep(["summary", path])
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertTrue(s.stdout.contains("validation (MODEL.md §7"), s.stdout)
        XCTAssertFalse(s.stdout.contains("largest theory–simulation gaps"), s.stdout)
        XCTAssertTrue(s.stdout.contains("collapse threshold"), s.stdout)
        // bad input: a missing file, an existing --out
        let bad = try runVaesweep(["validate", path + ".missing"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertEqual(bad.stderr.split(separator: "\n").count, 1, bad.stderr)
        let clash = try runVaesweep(["validate", path, "--out", path])
        XCTAssertEqual(clash.status, 2, clash.stderr)
        XCTAssertTrue(clash.stderr.contains("--out") && clash.stderr.contains(path), clash.stderr)
        XCTAssertNoThrow(try ResultsData.read(path: path))   // untouched
    }
}
