import Foundation
import Plots
import Statistics
import ResultsFile
import TestSupport
import VAETheory
import XCTest

/// Pixel ↔ data mapping read back from a panel's tick marks and labels, as a reader of the figure would.
func axisMap(_ x: SVGElements, tick: String, label: String, coord: String, log: Bool = false, panel: Int = 0) -> (Double) -> Double {
    // ticks of panel `panel`: tick elements come in panel order, one group of axes per panel
    let groups = x.elements.enumerated().filter { $0.element.name == "g" && $0.element.attributes["class"] == "axes" }.map(\.offset)
    let start = groups[panel], end = panel + 1 < groups.count ? groups[panel + 1] : x.elements.count
    let slice = x.elements[start..<end]
    let ticks = slice.filter { $0.attributes["class"] == tick }.map { Double($0.attributes[coord]!)! }
    let values = slice.filter { $0.attributes["class"] == label }.map { Double($0.text)! }
    let t: (Double) -> Double = { log ? log10($0) : $0 }
    let (p1, p2, v1, v2) = (ticks.first!, ticks.last!, t(values.first!), t(values.last!))
    return { v in p1 + (t(v) - v1) * (p2 - p1) / (v2 - v1) }
}

/// The points of every `<path d="M…L…">` of a series, in order.
func pathPoints(_ x: SVGElements, series: String) -> [[(Double, Double)]] {
    x.elements.filter { $0.series == series && $0.name == "path" && $0.attributes["class"] == nil }.map { e in
        e.attributes["d"]!.split(whereSeparator: { $0 == "M" || $0 == "L" }).map { pair in
            let c = pair.split(separator: ",").map { Double($0)! }
            return (c[0], c[1])
        }
    }
}

/// Linear interpolation of a polyline (x increasing) at pixel x.
func yAt(_ pts: [(Double, Double)], _ x: Double) -> Double? {
    for (a, b) in zip(pts, pts.dropFirst()) where (a.0 - x) * (b.0 - x) <= 0 && a.0 != b.0 {
        return a.1 + (x - a.0) * (b.1 - a.1) / (b.0 - a.0)
    }
    return nil
}

final class DenseFigureTests: XCTestCase {
    /// ε_g(α) is drawn from ≥ 400 theory evaluations (not the 13 grid points) and passes through
    /// MODEL.md §4's published values (ρ = η = β = λ = 1: ε_g(2) = 0.705, ε_g(3.6) = 0.442), read
    /// back at the pixels the axes assign. Would fail if the curve joined grid points only (13
    /// points) or evaluated another β/λ.
    func testEpsGCurveIsDenseAndHitsPublishedValues() throws {
        let alpha = (1...13).map { 0.4 * Double($0) }
        let d = try Synthetic.data(alpha: alpha, beta: [1], lam: [1])
        let fig = Figures.epsGVersusAlpha(d)
        let x = try XCTUnwrap(SVGElements.parse(fig.svg))
        let label = "theory β=1 λ=1"
        let group = try XCTUnwrap(x.elements.first { $0.name == "g" && $0.attributes["data-series"] == label })
        XCTAssertEqual(Int(group.attributes["data-points"] ?? ""), 400)
        let paths = pathPoints(x, series: label)
        XCTAssertEqual(paths.map(\.count).reduce(0, +), 400)
        let xp = axisMap(x, tick: "tick-x", label: "tick-label-x", coord: "x1")
        let yp = axisMap(x, tick: "tick-y", label: "tick-label-y", coord: "y1")
        let line = paths.flatMap { $0 }
        for (a, eps) in [(2.0, 0.705), (3.6, 0.442), (0.8, 1.439)] {
            let y = try XCTUnwrap(yAt(line, xp(a)), "α = \(a)")
            XCTAssertEqual(y, yp(eps), accuracy: 0.6, "ε_g(\(a))")
        }
    }

    /// The phase shading comes from a 300 × 300 theory map: at ρ = η = 1, λ = 1 the pixel of
    /// (α = 8, β = 3) is collapsed (β ≥ ρ + η collapses at every α for λ ≥ λ* = 0.8152), (α = 8,
    /// β = 0.5) learning, (α = 0.5, β = 0.2) overlearning (below BBP, α < (η/ρ)² = 1), although the
    /// sweep grid has only 3 × 3 points. The RD curves use 400 β.
    func testPhaseMapIsDenseAndKnownPhasesAtPixels() throws {
        let d = try Synthetic.data(alpha: [0.3, 2, 10], beta: [0.1, 1, 4], lam: [1])
        let fig = Figures.phaseDiagram(d)
        let x = try XCTUnwrap(SVGElements.parse(fig.svg))
        let group = try XCTUnwrap(x.elements.first { $0.name == "g" && $0.attributes["data-series"] == "theory phases λ=1" })
        XCTAssertEqual(group.attributes["data-grid"], "300x300")
        let rects = x.elements.filter { $0.series == "theory phases λ=1" && $0.name == "rect" }
        XCTAssertGreaterThan(rects.count, 300)   // at least one run per row
        let xp = axisMap(x, tick: "tick-x", label: "tick-label-x", coord: "x1", log: true)
        let yp = axisMap(x, tick: "tick-y", label: "tick-label-y", coord: "y1", log: true)
        func fill(_ a: Double, _ b: Double) -> String? {
            let (px, py) = (xp(a), yp(b))
            return rects.last { r in
                let rx = Double(r.attributes["x"]!)!, ry = Double(r.attributes["y"]!)!
                let rw = Double(r.attributes["width"]!)!, rh = Double(r.attributes["height"]!)!
                return px >= rx && px <= rx + rw && py >= ry && py <= ry + rh
            }?.attributes["fill"]
        }
        XCTAssertEqual(fill(8, 3), Palette.collapsedFill)
        XCTAssertEqual(fill(8, 0.5), Palette.learningFill)
        XCTAssertEqual(fill(0.5, 0.2), Palette.overlearningFill)
        let b = try XCTUnwrap(x.elements.first { $0.name == "g" && $0.attributes["data-series"] == "collapse boundary λ=1" })
        XCTAssertEqual(Int(b.attributes["data-points"] ?? ""), 400)
        let rd = Figures.rateDistortion(d)
        let rx = try XCTUnwrap(SVGElements.parse(rd.svg))
        for a in ["0.3", "2", "10"] {
            let g = try XCTUnwrap(rx.elements.first { $0.name == "g" && $0.attributes["data-series"] == "theory α=\(a) λ=1" })
            XCTAssertEqual(Int(g.attributes["data-points"] ?? ""), 400, a)
        }
    }

    /// Where the transition is first order the boundary drawn is β_eq: ρ = η = 1, λ = 3 has a
    /// first-order window 0.5359 < α < 0.7866 with β_eq(0.72) = 0.05052 (MODEL.md §4, an independent
    /// number), drawn in the first-order style; at α = 0.78 it is still first order, at α = 0.9 the
    /// continuous β_c(0.9) is drawn. Would fail if the first-order part were missing or β_c (0.0406)
    /// were drawn instead of β_eq at α = 0.72.
    func testFirstOrderBoundaryIsBetaEq() throws {
        let d = try Synthetic.data(alpha: [0.6, 0.7, 0.8, 0.9], beta: [0.02, 0.05, 0.1], lam: [3])
        let fig = Figures.phaseDiagram(d)
        let x = try XCTUnwrap(SVGElements.parse(fig.svg))
        let xp = axisMap(x, tick: "tick-x", label: "tick-label-x", coord: "x1")
        let yp = axisMap(x, tick: "tick-y", label: "tick-label-y", coord: "y1")
        let label = "collapse boundary λ=3"
        let paths = x.elements.filter { $0.series == label && $0.name == "path" }
        let firstOrder = paths.filter { $0.attributes["stroke"] == "#b2182b" }
        XCTAssertFalse(firstOrder.isEmpty)
        XCTAssertTrue(fig.svg.contains("first-order boundary β_eq(α)"))
        let pts = firstOrder.flatMap { e in
            e.attributes["d"]!.split(whereSeparator: { $0 == "M" || $0 == "L" }).map { p in
                let c = p.split(separator: ","); return (Double(c[0])!, Double(c[1])!)
            }
        }
        let y = try XCTUnwrap(yAt(pts, xp(0.72)))
        // y-axis: ~0.1 per 240 px; β_eq − β_c = 0.0099 is ≈ 20 px
        XCTAssertEqual(y, yp(0.05052), accuracy: 1.0)
        let cont = paths.filter { $0.attributes["stroke"] == "#111" }.flatMap { e in
            e.attributes["d"]!.split(whereSeparator: { $0 == "M" || $0 == "L" }).map { p in
                let c = p.split(separator: ","); return (Double(c[0])!, Double(c[1])!)
            }
        }
        // β_c = ℓ₁/(1 + μ) − μ/ℓ₁ with, below BBP (κ = 1 ≤ √γ), ℓ₁ = η(1 + √γ)², γ = 1/0.9, μ = 3/0.9
        // (MODEL §4), computed here
        let sg = (1 / 0.9).squareRoot()
        let l1 = (1 + sg) * (1 + sg), mu = 3 / 0.9
        let bc = l1 / (1 + mu) - mu / l1
        XCTAssertEqual(try XCTUnwrap(yAt(cont, xp(0.9))), yp(bc), accuracy: 1.0)
    }

    /// `plot` on a partial file warns on stderr and the subtitles say "partial: K of M points"; a
    /// file without sim_*/status variables (N and seed coordinates present) likewise; a complete
    /// file gives no warning.
    func testPartialFileWarnsAndSubtitles() throws {
        let dir = try Synthetic.tempDir("partial")
        let d = try Synthetic.data(alpha: [1, 2], beta: [0.5, 1], lam: [1], N: [50, 100], seeds: 2,
                                   status: { a, _, _, n, _ in (a == 1 && n == 1) ? .notRun : .ok })
        XCTAssertEqual(d.pointsDone, 12); XCTAssertEqual(d.pointsTotal, 16)
        let partial = dir + "/run.h5.partial"
        try Synthetic.write(d, to: partial)
        let r = try runVaesweep(["plot", partial, "--out", dir + "/figs", "--no-png"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("warning: \(partial) is partial") && r.stderr.contains(".partial file"), r.stderr)
        let svg = try String(contentsOfFile: dir + "/figs/eps_g_vs_alpha.svg", encoding: .utf8)
        let sub = SVGElements.parse(svg)!.elements.first { $0.attributes["class"] == "figure-subtitle" }?.text ?? ""
        XCTAssertTrue(sub.hasSuffix("partial: 12 of 16 points"), sub)
        // no sim_* or status, but N and seed coordinates: warned, "0 of 16"
        var bare = d
        bare.simColumns = bare.simColumns.map { _ in nil }; bare.attributes[RootKey.pointsDone] = nil; bare.attributes[RootKey.pointsTotal] = nil
        let c = Completeness(bare)
        XCTAssertTrue(c.isPartial)
        XCTAssertEqual(c.subtitle, "partial: 0 of 16 points")
        XCTAssertTrue(c.reasons.joined().contains("status"), "\(c.reasons)")
        // complete: nothing
        let full = try Synthetic.data(alpha: [1, 2], beta: [0.5], lam: [1], N: [50], seeds: 2)
        XCTAssertFalse(Completeness(full).isPartial)
        let fpath = dir + "/full.h5"
        try Synthetic.write(full, to: fpath)
        let q = try runVaesweep(["plot", fpath, "--out", dir + "/figs2", "--no-png"])
        XCTAssertEqual(q.status, 0, q.stderr)
        XCTAssertFalse(q.stderr.contains("warning"), q.stderr)
    }
}
