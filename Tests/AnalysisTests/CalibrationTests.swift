// Tests of the calibration (MODEL.md §7 step 8) with the explicit-data sampler: a synthetic sweep
// is bit-for-bit the sweep's own exact solver; the expected fractions of a small design match
// §7.8's figures within their between-sweep error; a shifted theory is caught far above the
// calibrated rate; the calibration round-trips through the validation file into `summary`. Also the
// per-point figure, the verdict map's classes apart, and the summary's undecided claims.
import Foundation
import LinearAlgebra
import Plots
import Statistics
import ResultsFile
import TestSupport
import VAETheory
import XCTest

final class CalibrationTests: XCTestCase {
    /// A small design with every phase: α = 0.25 (overlearning), 4 (learning, and collapsed at
    /// β = 3), default N and replicates.
    static func design(seeds: Int = 5, N: [Int] = [250, 500, 1000], alpha: [Double] = [0.25, 4],
                       beta: [Double] = [0.5, 1, 1.5, 3], lam: [Double] = [0.01, 1]) throws -> ResultsData {
        try Synthetic.data(alpha: alpha, beta: beta, lam: lam, N: N, seeds: seeds)
    }

    /// The synthetic sweep of the calibration is exactly what `vaesweep run` with the exact solver
    /// records for the same root seed — with the standard (bidiagonal) sampler against a sweep with
    /// `data = "bidiagonal"`, and with the explicit-data sampler against an explicit one: every sim_*
    /// value, sim_phase, sim_flags and status equal bit for bit (so the calibration's draws go
    /// through the sweep's own code, nothing re-derived).
    func testSyntheticSweepEqualsTheExactSolversSweep() throws {
        BLAS.setThreads(1)   // as a sweep runs (dsyevr on the explicit path depends on the thread count)
        let dir = try Synthetic.tempDir("calrun")
        for (data, sampler) in [("bidiagonal", BidiagonalSampler(rho: 1, eta: 1, rootSeed: 4242) as any ExactLawSampler),
                                ("explicit", ExplicitDataSampler(rho: 1, eta: 1, rootSeed: 4242))] {
            let spec = """
            [model]
            rho = 1.0
            eta = 1.0
            [grid]
            alpha = [0.25, 1.0, 3.0]
            beta = [0.5, 2.5]
            lambda = [0.01, 1.0]
            N = [60, 120]
            seeds = 3
            [simulation]
            run = true
            solver = "exact"
            data = "\(data)"
            seed = 4242
            """
            try spec.write(toFile: dir + "/\(data).toml", atomically: true, encoding: .utf8)
            let r = try runVaesweep(["run", dir + "/\(data).toml", "--output", dir + "/\(data).h5"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let file = try ResultsData.read(path: dir + "/\(data).h5")
            let synth = try Calibration.syntheticSweep(like: file, sampler: sampler)
            for q in Quantity.allCases {
                let a = try XCTUnwrap(file[sim: q]), b = try XCTUnwrap(synth[sim: q])
                XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "\(data): \(q)")
            }
            XCTAssertEqual(file.simPhase, synth.simPhase, data)
            XCTAssertEqual(file.simFlags, synth.simFlags, data)
            XCTAssertEqual(file.status, synth.status, data)
            XCTAssertEqual(file.theoryFlags, synth.theoryFlags, data)
            for q in Quantity.allCases { XCTAssertEqual(file[theory: q]!.map(\.bitPattern), synth[theory: q]!.map(\.bitPattern), "\(data): \(q)") }
        }
        // and the calibration's own root seeds never coincide with the file's
        XCTAssertTrue((0..<1000).allSatisfy { Calibration.rootSeed($0, of: 4242) != 4242 })
        XCTAssertEqual(Set((0..<1000).map { Calibration.rootSeed($0, of: 4242) }).count, 1000)
    }

    /// The calibration's expected fractions on a small design (α = 0.25 and 4, β ∈ {0.5, 1, 1.5, 3},
    /// λ ∈ {0.01, 1}, N = 250, 500, 1000, 5 replicates: the default design's N and replicates; 24
    /// sweeps) are within their between-sweep error of MODEL §7.8: learning 95–96 % agree and
    /// 0.2–0.36 % disagree, overall at most ≈ 0.12 % disagree, P(an α group disagrees) ≤ 1.5 %.
    /// The points of one sweep are correlated (one α group shares its samples), so the error is the
    /// between-sweep standard error (3 of them), not the binomial one of the pooled count.
    func testCalibrationMatchesModelFigures() throws {
        let d = try CalibrationTests.design()
        let t0 = Date()
        let c = try Calibration.run(like: d, sweeps: 300, jobs: 2)
        let seconds = Date().timeIntervalSince(t0)
        XCTAssertEqual(c.sweeps, 300)
        XCTAssertEqual(c.perSweep.count, 300)
        let la = c.fraction(0, phase: "learning"), ld = c.fraction(2, phase: "learning")
        let all = c.fraction(2), lt = c.totals("learning")
        print(String(format: "calibration test: learning agree %.3f ± %.3f, disagree %.4f ± %.4f of %d; overall disagree %.4f ± %.4f; P(group) %.3f; %.0f s",
                     la.value, la.se, ld.value, ld.se, lt.reduce(0, +), all.value, all.se, c.groupDisagreementProbability, seconds))
        XCTAssertGreaterThan(lt.reduce(0, +), 500)
        XCTAssertTrue(la.se.isFinite && la.se > 0)
        // 95–96 % agree (§7.8) within 3 between-sweep standard errors
        XCTAssertGreaterThan(la.value, 0.95 - 3 * la.se)
        XCTAssertLessThan(la.value, 0.96 + 3 * la.se)
        XCTAssertLessThan(ld.value, 0.0036 + 3 * max(ld.se, 1.0 / Double(lt.reduce(0, +))))
        XCTAssertLessThan(all.value, 0.0012 + 3 * max(all.se, 1.0 / Double(c.totals().reduce(0, +))))
        XCTAssertLessThan(c.groupDisagreementProbability, 0.015 + 3 * (0.015 * 0.985 / Double(c.testedGroups.reduce(0, +))).squareRoot())
        // every phase was calibrated
        for key in ["learning", "overlearning", "collapsed"] { XCTAssertGreaterThan(c.totals(key).reduce(0, +), 100, key) }
    }

    /// Power: a theory shifted by a known amount is caught far above the calibrated rate. On a sweep
    /// drawn from the exact law (a correct theory: almost no disagreement), a copy whose theory_Q is
    /// Q_th + k·se(Q∞) point by point: with k = 5 the decided non-collapsed Q points disagree (in
    /// every α group); with k = 3 the t test at ν ≈ 6–20 calls them marginal rather than disagree
    /// (|t| = 3 is p ≈ 0.007–0.02 there, not 0.0027), and only groups whose own z sat on the shifted
    /// side. A copy whose theory is computed with ρ off by 5 % disagrees in every α group.
    func testShiftedTheoryIsCaught() throws {
        var d = try CalibrationTests.design(seeds: 10, alpha: [0.25, 4, 8])
        d = try Calibration.syntheticSweep(like: d, sampler: ExplicitDataSampler(rho: 1, eta: 1, rootSeed: 777))
        let v0 = Validation.compute(d)
        let c0 = v0.counts()
        let decided0 = (c0[.agree] ?? 0) + (c0[.marginal] ?? 0) + (c0[.disagree] ?? 0)
        XCTAssertGreaterThan(decided0, 100)
        XCTAssertLessThanOrEqual(c0[.disagree] ?? 0, 2, Validation.countsLine(c0))
        let nq = Validation.quantities.count, k = Validation.quantities.firstIndex(of: .Q)!
        func shiftedQ(_ m: Double) -> (Validation, [PointValidation]) {
            var shifted = d
            for i in 0..<d.theoryCount {
                let p = v0.points[i * nq + k]
                if p.verdict.isDecided && p.phase != .collapsed { shifted[theory: .Q]![i] += m * p.seInf }
            }
            let v = Validation.compute(shifted)
            return (v, v.points.filter { $0.quantity == .Q && $0.verdict.isDecided && $0.phase != .collapsed })
        }
        let (v5, q5) = shiftedQ(5), (v3, q3) = shiftedQ(3)
        let dis5 = Double(q5.filter { $0.verdict == .disagree }.count) / Double(q5.count)
        let flag3 = Double(q3.filter { $0.verdict != .agree }.count) / Double(q3.count)
        let dis3 = Double(q3.filter { $0.verdict == .disagree }.count) / Double(q3.count)
        print(String(format: "power: Q_th + 5 se → %@ (%.0f %% disagree); + 3 se → %@ (%.0f %% disagree, %.0f %% marginal or disagree); unshifted %@",
                     Validation.countsLine(v5.counts(quantity: .Q)), 100 * dis5, Validation.countsLine(v3.counts(quantity: .Q)), 100 * dis3, 100 * flag3,
                     Validation.countsLine(v0.counts(quantity: .Q))))
        XCTAssertGreaterThan(q5.count, 15)
        XCTAssertGreaterThan(dis5, 0.8, Validation.countsLine(v5.counts(quantity: .Q)))
        XCTAssertEqual(v5.disagreeingAlphaGroups.count, 3)
        // + 3 se: the whole α group moves together (shared samples), so what is flagged depends on
        // where that group's own z sat; at least one group is flagged
        XCTAssertGreaterThan(flag3, 0.2, Validation.countsLine(v3.counts(quantity: .Q)))
        // ρ off by 5 %
        var rhoOff = d
        for a in d.alpha.indices { for b in d.beta.indices { for l in d.lam.indices {
            let r = Theory.solve(try TheoryInput(alpha: d.alpha[a], beta: d.beta[b], lambda: d.lam[l], rho: 1.05, eta: 1))
            for q in Quantity.allCases { rhoOff[theory: q]![d.theoryIndex(a, b, l)] = r.observables[q] }
        } } }
        let v2 = Validation.compute(rhoOff)
        let c2 = v2.counts()
        let decided2 = (c2[.agree] ?? 0) + (c2[.marginal] ?? 0) + (c2[.disagree] ?? 0)
        let frac2 = Double(c2[.disagree] ?? 0) / Double(decided2)
        print("power: ρ off by 5 % → \(Validation.countsLine(c2)); disagreeing α groups \(v2.disagreeingAlphaGroups)")
        XCTAssertGreaterThan(frac2, 0.1, Validation.countsLine(c2))
        XCTAssertEqual(v2.disagreeingAlphaGroups.count, 3)
    }

    /// `validate --calibrate K --out V.h5` stores the calibration; `summary --calibration V.h5`
    /// reuses it (same fractions printed, no new sweeps), and refuses it for another design; the
    /// validate report prints the table with the observed fractions beside the expected ones.
    func testCalibrationRoundTripsIntoSummary() throws {
        let base = try CalibrationTests.design(seeds: 3, N: [80, 160], alpha: [0.25, 4], beta: [1, 3], lam: [0.01])
        let d = try Calibration.syntheticSweep(like: base, sampler: ExplicitDataSampler(rho: 1, eta: 1, rootSeed: 99))
        let dir = try Synthetic.tempDir("calrt")
        let path = dir + "/r.h5", vpath = dir + "/v.h5"
        try Synthetic.write(d, to: path)
        let r = try runVaesweep(["validate", path, "--calibrate", "3", "--jobs", "2", "--out", vpath])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("calibration: 3 synthetic sweeps of this design"), r.stdout)
        XCTAssertTrue(r.stdout.contains("expected agree / marginal / disagree"), r.stdout)
        XCTAssertTrue(r.stderr.contains("calibration sweep 3/3 done"), r.stderr)
        let stored = try XCTUnwrap(try ValidationFile.readCalibration(path: vpath))
        XCTAssertEqual(stored.sweeps, 3)
        XCTAssertEqual(stored.design, Calibration.fingerprint(try ResultsData.read(path: path)))
        let again = try Calibration.run(like: try ResultsData.read(path: path), sweeps: 3)
        for key in CalibrationResult.phaseKeys { XCTAssertEqual(stored.totals(key), again.totals(key), key) }   // deterministic
        XCTAssertEqual(stored.disagreeingGroups, again.disagreeingGroups)
        let s = try runVaesweep(["summary", path, "--calibration", vpath])
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertFalse(s.stderr.contains("calibrating"), s.stderr)
        let a = stored.fraction(0)
        XCTAssertTrue(s.stdout.contains("a correct theory gives (calibrated, 3 synthetic sweeps"), s.stdout)
        XCTAssertTrue(s.stdout.contains(String(format: "agree %.1f", 100 * a.value)), s.stdout)
        // JSON records of the calibration
        let j = try runVaesweep(["summary", path, "--calibration", vpath, "--json"])
        let recs = try jsonLines(j.stdout).filter { $0["kind"] as? String == "calibration" }
        XCTAssertEqual(recs.count, CalibrationResult.phaseKeys.count)
        XCTAssertEqual(recs.first { $0["phase"] as? String == "all" }?["expected_agree"] as? Double ?? .nan, a.value, accuracy: 1e-12)
        // another design is refused
        let other = try Calibration.syntheticSweep(like: try CalibrationTests.design(seeds: 3, N: [80, 160], alpha: [0.25, 4], beta: [1, 2], lam: [0.01]),
                                                   sampler: ExplicitDataSampler(rho: 1, eta: 1, rootSeed: 98))
        try Synthetic.write(other, to: dir + "/o.h5")
        let bad = try runVaesweep(["summary", dir + "/o.h5", "--calibration", vpath])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("another design"), bad.stderr)
        // summary's own default calibration on a cheap design runs (K = default) and says so
        let own = try runVaesweep(["summary", path, "--jobs", "2"])
        XCTAssertEqual(own.status, 0, own.stderr)
        XCTAssertTrue(own.stdout.contains("calibrated, \(Calibration.defaultSweeps) synthetic sweeps"), own.stdout)
    }

    /// `plot --point α,β,λ`: one panel per observable with the theory, the fitted curve (its ansatz
    /// named), the per-N means and q∞; the curve passes through q∞ at N = ∞ (its first polyline
    /// point sits on the q∞ marker's pixel height). A point not on the grid is a usage error naming
    /// the grid values. The verdict map gives each reported-apart class its legend entry and letter.
    func testPointFigureAndVerdictMapClasses() throws {
        let base = try CalibrationTests.design(seeds: 4, N: [100, 200, 400], alpha: [0.25, 2, 4], beta: [1, 3], lam: [0.01])
        let d = try Calibration.syntheticSweep(like: base, sampler: ExplicitDataSampler(rho: 1, eta: 1, rootSeed: 5))
        let v = Validation.compute(d)
        let (a, b, l) = try XCTUnwrap(Figures.gridIndex(d, alpha: 4, beta: 1, lambda: 0.01))
        let fig = try XCTUnwrap(Figures.point(d, a: a, b: b, l: l, validation: v))
        XCTAssertEqual(fig.name, "point_alpha4_beta1_lam0.01")
        for q in Validation.quantities {
            for prefix in ["theory", "fit", "means", "q_inf"] { XCTAssertTrue(fig.series.contains("\(prefix) \(q)"), "\(prefix) \(q): \(fig.series)") }
        }
        let doc = try XCTUnwrap(SVGElements.parse(fig.svg))
        let fitGroups = doc.elements.filter { $0.name == "g" && ($0.attributes["data-series"] ?? "").hasPrefix("fit ") && !($0.attributes["class"] ?? "").contains("guard") }
        XCTAssertEqual(Set(fitGroups.compactMap { $0.attributes["data-ansatz"] }), ["learning_N^-1_N^-3/2"])
        // the fitted curve starts (x = 0) at q∞: same pixel height as the q∞ marker
        let line = doc.elements.filter { $0.name == "path" && $0.series == "fit Q" && $0.attributes["class"] == nil }
        let marker = doc.elements.filter { $0.name == "path" && $0.series == "q_inf Q" && ($0.attributes["class"] ?? "") == "marker" }
        let first = try XCTUnwrap(line.first?.attributes["d"]?.dropFirst().split(separator: "L").first)   // "M x,y L …"
        let y0 = try XCTUnwrap(first.split(separator: ",").last.flatMap { Double($0) })
        let ym = try XCTUnwrap(marker.first.flatMap { SVGElements.translate($0)?.1 })
        XCTAssertEqual(y0, ym, accuracy: 0.6)
        // an overlearning point composes ε_g (no own fit of ε_g, m and Q fits drawn through it)
        let (a2, b2, l2) = try XCTUnwrap(Figures.gridIndex(d, alpha: 0.25, beta: 1, lambda: 0.01))
        let fig2 = try XCTUnwrap(Figures.point(d, a: a2, b: b2, l: l2, validation: v))
        XCTAssertTrue(fig2.series.contains("fit eps_g"))
        XCTAssertTrue(fig2.svg.contains("composed_eps_g_from_m_and_Q"))
        // CLI: --point writes that figure; a point off the grid is refused
        let dir = try Synthetic.tempDir("pt")
        try Synthetic.write(d, to: dir + "/r.h5")
        let ok = try runVaesweep(["plot", dir + "/r.h5", "--point", "4,1,0.01", "--out", dir + "/f", "--no-png"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(ok.stdout.split(separator: "\n").map(String.init), [dir + "/f/point_alpha4_beta1_lam0.01.svg"])
        let off = try runVaesweep(["plot", dir + "/r.h5", "--point", "5,1,0.01", "--out", dir + "/f"])
        XCTAssertEqual(off.status, 2, off.stderr)
        XCTAssertTrue(off.stderr.contains("not a grid point") && off.stderr.contains("alpha 0.25,2,4"), off.stderr)
        // verdict map: α = 2 (x = 1.41) is apart as "window" for ε_g; a first-order point as F
        var fo = d
        fo.theoryFlags![d.theoryIndex(2, 0, 0)] = PointFlags.firstOrderCoexistence.rawValue
        let vf = Validation.compute(fo)
        let map = try XCTUnwrap(Figures.validation(fo, validation: vf))
        let mdoc = try XCTUnwrap(SVGElements.parse(map.svg))
        let texts = mdoc.elements.filter { $0.name == "text" }.map(\.text)
        XCTAssertTrue(texts.contains("apart: < 2 usable N (windows) [W]"), "\(texts)")
        XCTAssertTrue(texts.contains("apart: first-order coexistence [F]"), "\(texts)")
        let glyphs = mdoc.elements.filter { $0.name == "text" && $0.attributes["class"] == "verdict-glyph" }.map(\.text)
        let cells = mdoc.elements.filter { $0.name == "rect" && $0.attributes["class"] == "verdict-cell" }.compactMap { $0.attributes["data-verdict"] }
        XCTAssertEqual(glyphs.filter { $0 == "W" }.count, cells.filter { $0 == "excluded_window" }.count)
        XCTAssertEqual(glyphs.filter { $0 == "F" }.count, 1)
    }
}

final class ClaimsUndecidedTests: XCTestCase {
    /// The claims say "undecided" where the grid cannot test them: β = [3, 4] with η = 1 (η below the
    /// grid; every β collapsed at α = 1e6 with ρ + η = 2 below the grid) and a single β; they still
    /// hold / fail where the grid brackets the claim.
    func testClaimsUndecidedOutsideTheGrid() throws {
        let d = try Synthetic.data(alpha: [10, 1e6], beta: [3, 4], lam: [0.01], rho: 1, eta: 1)
        let s = Summary.compute(d)
        let t = try XCTUnwrap(s.thresholds.first), o = try XCTUnwrap(s.optimalBetas.first)
        XCTAssertNotNil(t.undecided); XCTAssertFalse(t.holds)
        XCTAssertNotNil(o.undecided); XCTAssertFalse(o.holds)
        XCTAssertTrue(o.undecided!.contains("fewer than 3 β") || o.undecided!.contains("outside"), o.undecided!)
        let text = s.text()
        XCTAssertTrue(text.contains("→ undecided ("), text)
        XCTAssertFalse(text.contains("→ holds"), text)
        let three = Summary.compute(try Synthetic.data(alpha: [1e6], beta: [3, 4, 5], lam: [0.01]))
        XCTAssertTrue(three.optimalBetas[0].undecided!.contains("outside the grid's β range [3, 5]"), three.optimalBetas[0].undecided!)
        XCTAssertTrue(three.thresholds[0].undecided!.contains("every grid β is collapsed"), three.thresholds[0].undecided!)
        let single = Summary.compute(try Synthetic.data(alpha: [1e6], beta: [1], lam: [0.01]))
        XCTAssertNotNil(single.optimalBetas[0].undecided)
        XCTAssertNotNil(single.thresholds[0].undecided)   // β = 1 non-collapsed, nothing above it
        // bracketed: decided
        let grid = Summary.compute(try Synthetic.data(alpha: [1e6], beta: [0.5, 1, 1.5, 2.5, 3], lam: [0.01]))
        XCTAssertNil(grid.optimalBetas[0].undecided); XCTAssertTrue(grid.optimalBetas[0].holds)
        XCTAssertNil(grid.thresholds[0].undecided); XCTAssertTrue(grid.thresholds[0].holds)
        // the minimum at the grid's end nearest η: not bracketed
        let edge = Summary.compute(try Synthetic.data(alpha: [1e6], beta: [1, 1.5, 2.5], lam: [0.01]))
        XCTAssertTrue(edge.optimalBetas[0].undecided?.contains("not bracketed") ?? false, "\(String(describing: edge.optimalBetas[0].undecided))")
        // records carry the status
        let rec = s.records().first { r in r.contains { $0.key == "kind" && $0.value == .string("optimal_beta") } }!
        XCTAssertTrue(rec.contains { $0.key == "status" && $0.value == .string("undecided") })
    }
}
