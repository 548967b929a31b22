import Foundation
import HDF5Kit
import Plots
import Statistics
import ResultsFile
import VAETheory
import TestSupport
import XCTest

final class SVGBuilderTests: XCTestCase {
    func testEscapeAndNumberFormat() {
        XCTAssertEqual(svgEscape("a<b & \"c\" > 'd'"), "a&lt;b &amp; &quot;c&quot; &gt; &apos;d&apos;")
        XCTAssertEqual(formatNumber(0.5), "0.5")
        XCTAssertEqual(formatNumber(2), "2")
        XCTAssertEqual(formatNumber(1e6), "1e6")
        XCTAssertEqual(formatNumber(2.5e-4), "2.5e-4")
        XCTAssertEqual(formatNumber(0.30000000000000004), "0.3")
    }

    func testNiceTicks() {
        XCTAssertEqual(Scale.linearTicks(0, 1, target: 5), [0, 0.2, 0.4, 0.6, 0.8, 1])
        let lin = Scale.linearTicks(-0.13, 2.71, target: 6)
        XCTAssertEqual(lin.first!, 0, accuracy: 1e-12)
        XCTAssertEqual(lin.last!, 2.5, accuracy: 1e-12)
        XCTAssertEqual(Scale.logTicks(0.05, 2000, target: 6), [0.1, 1, 10, 100, 1000])
        XCTAssertEqual(Scale.logTicks(0.3, 3, target: 6), [0.3, 1, 3])
        // A log scale maps decades evenly, and rejects non-positive values.
        let s = Scale(kind: .log, domain: (1, 100), range: (0, 200))
        XCTAssertEqual(s(10)!, 100, accuracy: 1e-12)
        XCTAssertNil(s(0))
        XCTAssertNil(s(.nan))
    }

    func testLogSpacingDetection() {
        XCTAssertTrue(isLogSpaced([0.1, 0.2, 0.4, 0.8, 1.6]))
        XCTAssertFalse(isLogSpaced([0.4, 0.8, 1.2, 1.6, 2.0]))
        XCTAssertFalse(isLogSpaced([1, 2]))
        XCTAssertFalse(isLogSpaced([0, 1, 10, 100]))
        XCTAssertTrue(isLogSpaced([1, 10, 1e6]))   // irregular but spanning decades
    }
}

final class ResultsReaderTests: XCTestCase {
    func testMissingFileNamesThePath() {
        XCTAssertThrowsError(try ResultsData.read(path: "/nonexistent/dir/results.h5")) { e in
            XCTAssertTrue("\(e)".contains("/nonexistent/dir/results.h5"), "\(e)")
        }
        let dir = try! Synthetic.tempDir("bad")
        let bad = dir + "/not-hdf5.h5"
        try! "hello".write(toFile: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ResultsData.read(path: bad)) { e in XCTAssertTrue("\(e)".contains(bad), "\(e)") }
    }

    func testRoundTripSkipsFailedAndNotRun() throws {
        let d = try Synthetic.data(alpha: [1, 2], beta: [0.5, 1], lam: [1], N: [100, 400], seeds: 3,
                                   sim: { q, t, a, b, l, n, s in
                                       // failed runs carry a garbage value that must never be used
                                       (a == 1 && b == 0 && n == 0 && s == 2) ? 1e3 : t + (s == 0 ? 0.1 : (s == 1 ? -0.1 : 0))
                                   },
                                   status: { a, b, _, n, s in
                                       if a == 1 && b == 0 && n == 0 && s == 2 { return .failed }
                                       if a == 0 && b == 1 && n == 1 { return .notRun }
                                       return .ok
                                   })
        let path = try Synthetic.tempDir("rt") + "/r.h5"
        try Synthetic.write(d, to: path)
        let r = try ResultsData.read(path: path)
        XCTAssertEqual(r.alpha, [1, 2]); XCTAssertEqual(r.beta, [0.5, 1]); XCTAssertEqual(r.lam, [1])
        XCTAssertEqual(r.N, [100, 400]); XCTAssertEqual(r.seeds, [0, 1, 2])
        XCTAssertEqual(r.rho, 1); XCTAssertEqual(r.eta, 1)
        XCTAssertEqual(r.attributes.string("spike"), "ones")
        XCTAssertEqual(r.pointsTotal, 24); XCTAssertEqual(r.pointsDone, 21)
        XCTAssertEqual(r[theory: .epsG]!, d[theory: .epsG]!)
        XCTAssertEqual(r.theoryPhase!, d.theoryPhase!)
        let t = r.theoryValue(.epsG, 1, 0, 0)
        let st = r.simStats(.epsG, 1, 0, 0, 0)
        XCTAssertEqual(st.count, 2)
        XCTAssertEqual(st.mean, t, accuracy: 1e-12)
        XCTAssertEqual(st.std, sqrt(0.02), accuracy: 1e-12)
        XCTAssertEqual(r.simStats(.epsG, 0, 1, 0, 1).count, 0)
        XCTAssertTrue(r.simStats(.epsG, 0, 1, 0, 1).mean.isNaN)
        XCTAssertEqual(r.statusCounts()!, [0: 3, 1: 20, 2: 1])
        XCTAssertEqual(r.simMajorityPhase(1, 0, 0, 0), d.theoryPhaseAt(1, 0, 0))
    }
}

extension ResultsReaderTests {
    /// The majority vote over seeds really votes: replicate phases differ within a point, failed and
    /// not-run replicates carry phases that would change the winner if counted, and ties go to the
    /// higher code. Mutations tried: counting every seed regardless of status (point A → 1, point C
    /// → 2: fails), ties to the lower code (points A, B: fails), the first ok seed's phase (B → 0: fails).
    func testMajorityPhaseVotesOverOKSeedsOnly() throws {
        // point A (α index 0): phases 2, 2, 1, 1, 1 with seed 4 failed → ok votes 2:2, 1:2 → tie → 2
        // point B (α index 1): phases 0, 1, 1, 2, 0 all ok → 0:2, 1:2, 2:1 → tie → 1
        // point C (α index 2): phases 1, 0, 0, 2, 2 with seed 3 not run → 1:1, 0:2, 2:1 → 0
        let table: [[Int8]] = [[2, 2, 1, 1, 1], [0, 1, 1, 2, 0], [1, 0, 0, 2, 2]]
        let d = try Synthetic.data(alpha: [2, 3, 4], beta: [0.5], lam: [1], N: [100], seeds: 5,
                                   status: { a, _, _, _, s in (a == 0 && s == 4) ? .failed : ((a == 2 && s == 3) ? .notRun : .ok) },
                                   phase: { a, _, _, _, s, _ in table[a][s] })
        let path = try Synthetic.tempDir("maj") + "/r.h5"
        try Synthetic.write(d, to: path)
        var r = try ResultsData.read(path: path)
        // the not-run replicate's phase is stored as −1 by a real run; give it a value that would count
        r.simPhase![r.simIndex(2, 0, 0, 0, 3)] = 2
        XCTAssertEqual(r.simMajorityPhase(0, 0, 0, 0), 2)
        XCTAssertEqual(r.simMajorityPhase(1, 0, 0, 0), 1)
        XCTAssertEqual(r.simMajorityPhase(2, 0, 0, 0), 0)
        // the phase diagram draws the majority, not the theory phase (learning at every point here)
        XCTAssertTrue(d.theoryPhase!.allSatisfy { $0 == 2 })
        let fig = Figures.phaseDiagram(r)
        let x = SVGElements.parse(fig.svg)!
        let tips = x.elements.filter { $0.series == "sim phases N=100 λ=1" && $0.name == "title" }.map(\.text)
        XCTAssertEqual(tips.count, 3)
        XCTAssertTrue(tips.contains { $0.hasPrefix("α=3 ") && $0.hasSuffix(": overlearning") }, "\(tips)")
        XCTAssertTrue(tips.contains { $0.hasPrefix("α=4 ") && $0.hasSuffix(": collapsed") }, "\(tips)")
    }
}

final class FigureTests: XCTestCase {
    /// α = 1, 2, 3 (linear), β = 0.5, 1, λ = 1, N = 100, 400, 4 seeds; the point (α = 2, β = 1,
    /// N = 100) has seed values 0.4, 0.6, 0.4, 0.6 (mean 0.5); (α = 3, β = 1, N = 100) failed with
    /// value 0 (skipped: no marker) and seed 0 of (α = 1, β = 1, N = 400) failed with NaN values
    /// (mean of 3 seeds; an ok point with a NaN value is a damaged file, refused by the reader).
    func knownFile() throws -> ResultsData {
        try Synthetic.data(alpha: [1, 2, 3], beta: [0.5, 1], lam: [1], N: [100, 400], seeds: 4,
                           sim: { q, t, a, b, l, n, s in
                               if q == .epsG && a == 1 && b == 1 && n == 0 { return s % 2 == 0 ? 0.4 : 0.6 }
                               if q == .epsG && a == 0 && b == 1 && n == 1 && s == 0 { return .nan }
                               if q == .epsG && a == 2 && b == 1 && n == 0 { return 0 }
                               return t + (s % 2 == 0 ? 0.02 : -0.02) / sqrt(Double([100, 400][n]))
                           },
                           status: { a, b, _, n, s in (a == 2 && b == 1 && n == 0) || (a == 0 && b == 1 && n == 1 && s == 0) ? .failed : .ok })
    }

    func testFilesExistParseAndHaveOneGroupPerSeries() throws {
        let d = try knownFile()
        let dir = try Synthetic.tempDir("fig")
        try Synthetic.write(d, to: dir + "/results.h5")
        let r = try ResultsData.read(path: dir + "/results.h5")
        let figures = Figures.all(r)
        XCTAssertEqual(figures.map { $0.name }, ["eps_g_vs_alpha", "phase_diagram", "rate_distortion", "agreement", "validation"])
        let written = try FigureWriter.write(figures, to: dir + "/out", png: false, source: dir + "/results.h5")
        XCTAssertEqual(written.count, 5)
        // expected series per figure (1 λ panel, 2 β, 3 α, 2 N)
        let expected: [String: [String]] = [
            "eps_g_vs_alpha": ["theory β=0.5 λ=1", "theory β=1 λ=1",
                               "sim β=0.5 N=100 λ=1", "sim β=0.5 N=400 λ=1", "sim β=1 N=100 λ=1", "sim β=1 N=400 λ=1"],
            "phase_diagram": ["theory phases λ=1", "collapse boundary λ=1", "BBP λ=1", "asymptote λ=1",
                              "sim phases N=100 λ=1", "sim phases N=400 λ=1"],
            "rate_distortion": ["Gaussian source λ=1", "theory α=1 λ=1", "theory α=2 λ=1", "theory α=3 λ=1",
                                "sim α=1 N=100 λ=1", "sim α=1 N=400 λ=1", "sim α=2 N=100 λ=1", "sim α=2 N=400 λ=1",
                                "sim α=3 N=100 λ=1", "sim α=3 N=400 λ=1"],
            "validation": ["verdicts eps_g λ=1", "theory β=0.5 λ=1", "q_inf β=0.5 λ=1", "theory β=1 λ=1", "q_inf β=1 λ=1"],
        ]
        for f in figures {
            let path = dir + "/out/" + f.name + ".svg"
            XCTAssertTrue(FileManager.default.fileExists(atPath: path), path)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard let x = SVGElements.parse(text) else { return XCTFail("\(f.name): not well-formed XML") }
            XCTAssertEqual(x.elements.first?.name, "svg")
            XCTAssertEqual(x.seriesLabels, f.series)
            XCTAssertEqual(Set(x.seriesLabels).count, x.seriesLabels.count, "\(f.name): duplicate series")
            if let e = expected[f.name] { XCTAssertEqual(x.seriesLabels, e, f.name) }
            // every series group draws something (a path, marker, line, rect or circle)
            // (except: the BBP line off the axis, and validation's q_∞ at β = 1, which has no fit — see below)
            for label in x.seriesLabels where !label.hasPrefix("BBP") && !(f.name == "validation" && label == "q_inf β=1 λ=1") {
                XCTAssertTrue(x.elements.contains { $0.series == label && $0.name != "g" && $0.name != "title" }, "\(f.name): empty \(label)")
            }
            if f.name == "validation" {
                // ρ = η = 1, ε_g (θ-dependent: MODEL §7 step 2 widens the BBP window, ×1.2 above it):
                // α = 1 is in the critical window at N = 100 and 400 (apart: critical); α = 2 at
                // N = 100, and in the widened window at 400 (x = 1.414 < 1 + 1.2·0.356: apart,
                // window); (α = 3, β = 1, N = 100) failed: one N with replicates, undecided. So
                // exactly one q_∞ (α = 3, β = 0.5) and one cell per grid point.
                let marks = { (l: String) in x.elements.filter { $0.series == l && $0.attributes["class"] == "marker" }.count }
                XCTAssertEqual(marks("q_inf β=0.5 λ=1"), 1)
                XCTAssertEqual(marks("q_inf β=1 λ=1"), 0)
                let cells = x.elements.filter { $0.attributes["class"] == "verdict-cell" }
                XCTAssertEqual(cells.count, 6)
                XCTAssertEqual(cells.filter { $0.attributes["data-verdict"] == "excluded_critical_window" }.count, 2)
                XCTAssertEqual(cells.filter { $0.attributes["data-verdict"] == "excluded_window" }.count, 2)
                XCTAssertEqual(cells.filter { $0.attributes["data-verdict"] == "undecided" }.count, 1)
            }
            // axis labels and a legend are present
            XCTAssertTrue(x.elements.contains { $0.attributes["class"] == "axis-label-x" })
            XCTAssertTrue(x.elements.contains { $0.attributes["class"] == "legend" })
        }
        // agreement: points and RMS for each theory phase present, then the guide
        let phases = Set(d.theoryPhase!.map { Figures.phaseNames[$0]! })
        let ag = figures.first { $0.name == "agreement" }!.series
        XCTAssertEqual(ag.last, "guide λ=1")
        XCTAssertEqual(Set(ag.filter { $0.hasPrefix("rms") }), Set(phases.map { "rms \($0) λ=1" }))
    }

    /// The seed mean 0.5 at α = 2 lands on the pixel that the drawn axes assign to (2, 0.5).
    func testKnownValueLandsOnTheRightPixel() throws {
        let dir = try Synthetic.tempDir("px")
        try Synthetic.write(try knownFile(), to: dir + "/results.h5")
        let fig = Figures.epsGVersusAlpha(try ResultsData.read(path: dir + "/results.h5"))
        let x = SVGElements.parse(fig.svg)!
        // axis mapping read back from the tick marks and their labels, as a reader of the figure would
        func axis(_ tick: String, _ label: String, _ coord: String) -> (Double) -> Double {
            let ticks = x.elements.filter { $0.attributes["class"] == tick }.map { Double($0.attributes[coord]!)! }
            let values = x.elements.filter { $0.attributes["class"] == label }.map { Double($0.text)! }
            XCTAssertEqual(ticks.count, values.count)
            XCTAssertGreaterThanOrEqual(ticks.count, 2)
            let (p1, p2, v1, v2) = (ticks.first!, ticks.last!, values.first!, values.last!)
            return { v in p1 + (v - v1) * (p2 - p1) / (v2 - v1) }
        }
        let xp = axis("tick-x", "tick-label-x", "x1"), yp = axis("tick-y", "tick-label-y", "y1")
        let markers = x.elements.filter { $0.series == "sim β=1 N=100 λ=1" && $0.attributes["class"] == "marker" }
        // α = 3 failed (status 2, value 0): skipped, not drawn at zero
        XCTAssertEqual(markers.count, 2)
        let pts = markers.compactMap(SVGElements.translate)
        let hit = pts.first { abs($0.0 - xp(2)) < 0.6 }
        XCTAssertNotNil(hit, "no marker at α = 2: \(pts)")
        XCTAssertEqual(hit!.1, yp(0.5), accuracy: 0.6)
        XCTAssertFalse(pts.contains { abs($0.1 - yp(0)) < 1 }, "a missing point was drawn as zero")
        // the NaN replicate at (α = 1, β = 1, N = 400) is left out of that point's statistics
        let m400 = x.elements.filter { $0.series == "sim β=1 N=400 λ=1" && $0.attributes["class"] == "marker" }
        XCTAssertEqual(m400.count, 3)
        let tip = x.elements.first { $0.series == "sim β=1 N=400 λ=1" && $0.name == "title" }?.text ?? ""
        XCTAssertTrue(tip.hasPrefix("α=1 ") && tip.hasSuffix("(3 seeds)"), tip)
        // the error bar of the known point spans mean ± std (std of 0.4, 0.6, 0.4, 0.6)
        let std = sqrt(4 * 0.01 / 3)
        let bars = x.elements.filter { $0.series == "sim β=1 N=100 λ=1" && $0.attributes["class"] == "errorbar" }
        XCTAssertTrue(bars.contains { e in
            let d = e.attributes["d"]!
            return d.hasPrefix("M\(px(hit!.0)),\(px(yp(0.5 - std)))") || d.hasPrefix("M\(px(hit!.0)),\(px(yp(0.5 - std) + 0.01))")
                || abs((Double(d.dropFirst().split(separator: "V")[0].split(separator: ",")[1]) ?? 0) - yp(0.5 - std)) < 0.6
        }, "error bar does not span ± std")
    }

    func testTheoryOnlyFile() throws {
        let d = try Synthetic.data(alpha: [0.5, 1, 2, 4, 8], beta: [0.25, 0.5, 1, 2, 4], lam: [0.01, 1], rho: 1, eta: 1)
        let dir = try Synthetic.tempDir("th")
        try Synthetic.write(d, to: dir + "/theory.h5")
        let r = try ResultsData.read(path: dir + "/theory.h5")
        XCTAssertFalse(r.hasSimulation)
        let figures = Figures.all(r)
        XCTAssertEqual(figures.map { $0.name }, ["eps_g_vs_alpha", "phase_diagram", "rate_distortion"])
        for f in figures {
            let x = SVGElements.parse(f.svg)
            XCTAssertNotNil(x, f.name)
            XCTAssertFalse(x!.seriesLabels.contains { $0.hasPrefix("sim") }, f.name)
            XCTAssertFalse(f.notes.isEmpty)
        }
        XCTAssertEqual(figures[0].series.count, 2 * 5)   // a theory line per β in each λ panel
        // log-spaced α and β give log axes: the phase diagram's x ticks are decades or 1-2-5 steps
        XCTAssertTrue(figures[1].svg.contains("class=\"tick-label-x\""))
        let s = Summary.compute(r)
        XCTAssertTrue(s.gaps.isEmpty)
        XCTAssertEqual(s.thresholds.count, 2)
        XCTAssertTrue(s.text().contains("theory-only"))
    }

    /// PNG conversion when rsvg-convert is present (`make deps` installs it); SVG only otherwise.
    func testPNGWhenConverterPresent() throws {
        let dir = try Synthetic.tempDir("png")
        let written = try FigureWriter.write([Figures.epsGVersusAlpha(try knownFile())], to: dir, png: true, source: dir + "/r.h5")
        guard FigureWriter.rsvgConvert() != nil else {
            XCTAssertEqual(written.map { ($0 as NSString).lastPathComponent }, ["eps_g_vs_alpha.svg"], "no converter: SVG only")
            return
        }
        XCTAssertEqual(written.map { ($0 as NSString).lastPathComponent }, ["eps_g_vs_alpha.svg", "eps_g_vs_alpha.png"])
        let data = try Data(contentsOf: URL(fileURLWithPath: written[1]))
        XCTAssertEqual(Array(data.prefix(4)), [0x89, 0x50, 0x4e, 0x47])
    }
}

final class SummaryTests: XCTestCase {
    /// A theory grid with α up to 1e6 and β on a 0.1 grid that contains η and ρ + η: the claims come
    /// out exactly to grid resolution (ρ + η between the last non-collapsed and the first collapsed β;
    /// the argmin of ε_g is the grid point η), and the interpolated estimates within 1e-3.
    func checkClaims(rho: Double, eta: Double) throws {
        let beta = (1...30).map { Double($0) / 10 }
        let d = try Synthetic.data(alpha: [10, 1000, 1e6], beta: beta, lam: [0.01, 1], rho: rho, eta: eta)
        let path = try Synthetic.tempDir("sum") + "/r.h5"
        try Synthetic.write(d, to: path)
        let s = Summary.compute(try ResultsData.read(path: path))
        XCTAssertEqual(s.thresholds.count, 2)
        for c in s.thresholds {
            XCTAssertEqual(c.alpha, 1e6)
            XCTAssertTrue(c.holds, "threshold λ=\(c.lambda): (\(String(describing: c.below)), \(String(describing: c.above))]")
            XCTAssertLessThanOrEqual(c.above! - c.below!, 0.1 + 1e-12)
            XCTAssertEqual(c.interpolated!, rho + eta, accuracy: 1e-3)
            XCTAssertEqual(c.engine, rho + eta, accuracy: 1e-4)
        }
        XCTAssertEqual(s.optimalBetas.count, 2)
        for c in s.optimalBetas {
            XCTAssertTrue(c.holds)
            XCTAssertEqual(c.argmin, eta)
            XCTAssertEqual(c.interpolated!, eta, accuracy: 1e-3)
            XCTAssertEqual(c.engine, eta, accuracy: 1e-3)
        }
        // one RD distance per λ: a claim check that silently produced none must fail here, not pass
        // an empty loop (mutation tried: rdDistance returning nil → count 0, test fails)
        XCTAssertEqual(s.rdDistances.count, 2)
        for r in s.rdDistances {
            XCTAssertEqual(r.points, 30)
            XCTAssertLessThan(r.maxAbs, 1e-4)
            XCTAssertGreaterThan(r.min, -1e-9)   // on or above the Gaussian-source curve
        }
    }

    func testClaimsExactOnLargeAlphaTheoryGrid() throws { try checkClaims(rho: 1, eta: 1) }
    func testClaimsExactWithUnequalRhoEta() throws { try checkClaims(rho: 2, eta: 0.5) }

    /// Gaps per N: replicates are theory ± a symmetric offset (seed mean = theory) except one point
    /// whose seeds are all shifted by 0.2/√N; failed runs carry 1e3 and must not count.
    func testGapsPerNAndSimulationClaims() throws {
        let beta = (1...30).map { Double($0) / 10 }
        let N = [100, 400]
        let d = try Synthetic.data(alpha: [10, 1e6], beta: beta, lam: [1], N: N, seeds: 2,
                                   sim: { q, t, a, b, l, n, s in
                                       if a == 0 && b == 4 && n == 1 && s == 1 { return 1e3 }
                                       let shift = (q == .epsG && a == 0 && b == 2) ? 0.2 / sqrt(Double(N[n])) : 0
                                       return t + shift + (s == 0 ? 1e-3 : -1e-3)
                                   },
                                   status: { a, b, _, n, s in (a == 0 && b == 4 && n == 1 && s == 1) ? .failed : .ok })
        let path = try Synthetic.tempDir("gap") + "/r.h5"
        try Synthetic.write(d, to: path)
        let s = Summary.compute(try ResultsData.read(path: path))
        for n in N {
            let e = s.gaps.first { $0.N == n && $0.quantity == .epsG }!
            XCTAssertEqual(e.maxGap, 0.2 / sqrt(Double(n)), accuracy: 1e-12)
            XCTAssertEqual(e.alpha, 10); XCTAssertEqual(e.beta, 0.3); XCTAssertEqual(e.seeds, 2)
            XCTAssertEqual(e.points, 60)
        }
        // the failed run (value 1e3) never enters; the single ok seed there is off by 1e-3
        let q400 = s.gaps.first { $0.N == 400 && $0.quantity == .Q }!
        XCTAssertEqual(q400.maxGap, 1e-3, accuracy: 1e-9)
        let sim = s.thresholds.filter { $0.source == "simulation N=400" }
        XCTAssertEqual(sim.count, 1)
        XCTAssertTrue(sim[0].holds, s.text())
        XCTAssertTrue(s.optimalBetas.first { $0.source == "simulation N=400" }!.holds)
        // the report gives verdict counts (MODEL §7), not the raw gaps; the records carry the same counts
        let text = s.text()
        XCTAssertFalse(text.contains("ε_g max"), text)
        XCTAssertTrue(text.contains("validation (MODEL.md §7"), text)
        XCTAssertTrue(text.contains("holds"))
        let v = try XCTUnwrap(s.validation)
        let rec = s.records().first { r in r.contains { $0.key == "kind" && $0.value == .string("verdicts") } }!
        XCTAssertTrue(rec.contains { $0.key == "quantity" && $0.value == .string("eps_g") })
        for verdict in Verdict.allCases {
            let n = v.counts(quantity: .epsG)[verdict] ?? 0
            XCTAssertTrue(rec.contains { $0.key == verdict.name && $0.value == .int(n) }, verdict.name)
        }
        XCTAssertTrue(text.contains("  ε_g       " + Validation.countsLine(v.counts(quantity: .epsG))), text)
    }
}

/// The README's "Reading the results" Python block, run verbatim on a small results file.
final class ReadmeSnippetTests: XCTestCase {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func readmeSnippet() throws -> String {
        let text = try String(contentsOfFile: repoRoot + "/README.md", encoding: .utf8)
        guard let h = text.range(of: "\n## Reading the results") ?? (text.hasPrefix("## Reading the results") ? text.range(of: "## Reading the results") : nil)
        else { XCTFail("README.md has no 'Reading the results' section"); return "" }
        let rest = text[h.upperBound...]
        let section = rest.range(of: "\n## ").map { rest[..<$0.lowerBound] } ?? rest
        guard let start = section.range(of: "```python\n"), let end = section[start.upperBound...].range(of: "\n```") else {
            XCTFail("no python block in README's 'Reading the results' section"); return ""
        }
        return String(section[start.upperBound..<end.lowerBound])
    }

    @discardableResult
    static func python(_ args: [String], cwd: String) throws -> (Int32, String, String) {
        let r = try runProcess("/usr/bin/env", ["python3"] + args, currentDirectory: cwd)
        return (r.status, r.stdout, r.stderr)
    }

    func testReadmePythonRunsOnASmallResultsFile() throws {
        let snippet = try Self.readmeSnippet()
        let dir = try Synthetic.tempDir("py")
        var (rc, _, _) = try Self.python(["-c", "import xarray, h5netcdf, h5py"], cwd: dir)
        if rc != 0 {
            try Self.python(["-m", "pip", "install", "-q", "xarray", "h5netcdf", "h5py"], cwd: dir)
            (rc, _, _) = try Self.python(["-c", "import xarray, h5netcdf, h5py"], cwd: dir)
            guard rc == 0 else { XCTFail("python3 with xarray, h5netcdf, h5py could not be installed"); return }
        }
        // α × β × λ = 3 × 3 × 2, N = 50, 200, 3 seeds; one failed run with a garbage value
        let d = try Synthetic.data(alpha: [1, 2, 4], beta: [0.5, 1, 2], lam: [0.1, 1], N: [50, 200], seeds: 3,
                                   sim: { _, t, a, _, _, n, s in (a == 1 && n == 0 && s == 2) ? 99 : t + 0.01 * Double(s - 1) + 0.001 * Double(n) },
                                   status: { a, _, _, n, s in (a == 1 && n == 0 && s == 2) ? .failed : .ok })
        try Synthetic.write(d, to: dir + "/results.h5")
        let check = """

        import json
        def _l(x):
            return [None if v != v else float(v) for v in x.ravel().tolist()]
        print("@@CHECK@@" + json.dumps({"theory": _l(theory.values), "theory_h5": _l(theory_h5),
            "alpha": _l(theory["alpha"].values), "sim_mean": _l(sim_mean.values), "sim_dims": list(sim_mean.dims),
            "N": [int(v) for v in sim_mean["N"].values]}))
        """
        let (code, out, err) = try Self.python(["-c", snippet + "\n" + check], cwd: dir)
        XCTAssertEqual(code, 0, err)
        guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("@@CHECK@@") }),
              let obj = try JSONSerialization.jsonObject(with: Data(line.dropFirst(9).utf8)) as? [String: Any] else {
            return XCTFail("no check output: \(out)\n\(err)")
        }
        let b = 1, l = 1   // β = 1, λ = 1
        let theory = (0..<3).map { d.theoryValue(.epsG, $0, b, l) }
        XCTAssertEqual(obj["alpha"] as? [Double], [1, 2, 4])
        // (Foundation's JSON parser may be one ulp off Python's shortest repr)
        for key in ["theory", "theory_h5"] {
            let got = obj[key] as? [Double] ?? []
            XCTAssertEqual(got.count, 3, key)
            for (g, t) in zip(got, theory) { XCTAssertEqual(g, t, accuracy: 1e-13 * abs(t), key) }
        }
        XCTAssertEqual(obj["sim_dims"] as? [String], ["alpha", "N"])
        XCTAssertEqual(obj["N"] as? [Int], [50, 200])
        let simMean = obj["sim_mean"] as! [Double]
        for a in 0..<3 {
            for n in 0..<2 {
                let expected = d.simStats(.epsG, a, b, l, n).mean   // the failed run is excluded
                XCTAssertEqual(simMean[a * 2 + n], expected, accuracy: 1e-12, "α index \(a), N index \(n)")
            }
        }
    }
}
