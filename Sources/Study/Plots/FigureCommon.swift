// Shared pieces of the study's figures (layout, header, grids, phase colours) and the list of all
// figures. Each builder (one file per figure) is a pure function of a ResultsData returning the SVG
// text plus the list of data series it drew (for tests and for the CLI). Theory curves and phase
// shading are evaluated by the theory engine on dense grids (DenseTheory), not only at grid points.
import Foundation
import Statistics
import ResultsFile
import VAETheory

/// One rendered figure.
public struct Figure {
    /// File stem, e.g. "eps_g_vs_alpha".
    public var name: String
    /// The title drawn at the top.
    public var title: String
    /// The complete SVG document.
    public var svg: String
    /// `data-series` labels of the series groups, in drawing order.
    public var series: [String]
    /// Remarks for the user (skipped parts, zero gaps not shown on a log axis, …).
    public var notes: [String]
}

/// Layout constants shared by all figures.
enum Layout {
    static let cellW = 430.0, cellH = 340.0
    static let plotLeft = 72.0, plotTop = 34.0, plotW = 330.0, plotH = 240.0
    static let header = 44.0
    static let legendW = 270.0

    static func columns(_ n: Int, max maxColumns: Int = 3) -> Int { min(max(n, 1), maxColumns) }

    /// Document size for `n` panels and a legend of height `legendH`.
    static func size(panels n: Int, legendH: Double, maxColumns: Int = 3) -> (Double, Double) {
        let c = columns(n, max: maxColumns), r = (max(n, 1) + c - 1) / c
        let w = Double(c) * cellW + legendW + 20
        let h = max(header + Double(r) * cellH + 8, header + legendH + 24)
        return (w, h)
    }

    /// Plot-area origin of panel `i`.
    static func origin(_ i: Int, panels n: Int, maxColumns: Int = 3) -> (Double, Double) {
        let c = columns(n, max: maxColumns)
        return (Double(i % c) * cellW + plotLeft, header + Double(i / c) * cellH + plotTop)
    }

    static func legendX(panels n: Int, maxColumns: Int = 3) -> Double { Double(columns(n, max: maxColumns)) * cellW + 10 }
}

/// Legend row height used by drawLegend (for sizing).
func legendHeight(_ items: [LegendItem]) -> Double { items.isEmpty ? 0 : Double(items.count) * 18 + 10 }

func parametersLine(_ d: ResultsData) -> String {
    var s = "ρ = \(formatNumber(d.rho)), η = \(formatNumber(d.eta))"
    if let spike = d.attributes["spike"] { s += ", spike: \(spike)" }
    return s
}

/// Title and subtitle (parameters, file name, and "partial: K of M points" for a partial file).
func figureHeader(_ doc: inout SVGDocument, _ title: String, _ d: ResultsData) {
    doc.text(14, 24, title, size: 16, weight: "bold", class: "figure-title")
    var sub = parametersLine(d) + (d.path.isEmpty ? "" : " — " + (d.path as NSString).lastPathComponent)
    if let p = Completeness(d).subtitle { sub += " — " + p }
    doc.text(14, 40, sub, size: 11, color: "#555", class: "figure-subtitle")
}

/// Theory-free helper: lower and upper edges of grid cells around each value (midpoints in the
/// scale's own coordinate, half a step beyond the ends).
func cellEdges(_ values: [Double], kind: ScaleKind) -> [(Double, Double)] {
    let t: (Double) -> Double = { kind == .log ? log10($0) : $0 }
    let inv: (Double) -> Double = { kind == .log ? pow(10, $0) : $0 }
    let v = values.map(t)
    guard v.count > 1 else {
        let w = kind == .log ? 0.15 : max(abs(values.first ?? 1) * 0.1, 0.1)
        return v.map { (inv($0 - w), inv($0 + w)) }
    }
    // the outer half-cells are at most the median half-gap wide (an isolated far point, e.g. α = 1e6
    // after a dense grid, must not stretch the axis by another factor of its gap)
    let halfGaps = zip(v.dropFirst(), v).map { abs($0 - $1) / 2 }.sorted()
    let cap = halfGaps[halfGaps.count / 2]
    var out: [(Double, Double)] = []
    for i in 0..<v.count {
        let lo = i == 0 ? v[0] - min(abs(v[1] - v[0]) / 2, cap) * (v[1] >= v[0] ? 1 : -1) : (v[i - 1] + v[i]) / 2
        let hi = i == v.count - 1 ? v[i] + min(abs(v[i] - v[i - 1]) / 2, cap) * (v[i] >= v[i - 1] ? 1 : -1) : (v[i] + v[i + 1]) / 2
        out.append((inv(lo), inv(hi)))
    }
    return out
}

/// Values spread over [lo, hi], evenly in the scale's coordinate.
func denseGrid(_ lo: Double, _ hi: Double, count: Int, kind: ScaleKind) -> [Double] {
    (0..<count).map { i in
        let f = Double(i) / Double(count - 1)
        return kind == .log ? pow(10, log10(lo) + f * (log10(hi) - log10(lo))) : lo + f * (hi - lo)
    }
}

func lambdaTitle(_ l: Double) -> String { "λ = \(formatNumber(l))" }

// MARK: refined points

extension ResultsData {
    /// The latest refinement round (≥ 1) that computed a replicate of the simulated point
    /// (a, b, l, n); nil when none did or the study has no refinement.
    func refinedRound(_ a: Int, _ b: Int, _ l: Int, _ n: Int) -> Int? {
        guard let r = refinement, !r.simRound.isEmpty else { return nil }
        let latest = seeds.indices.map { Int(r.simRound[simIndex(a, b, l, n, $0)]) }.max() ?? 0
        return latest > 0 ? latest : nil
    }

    /// The latest refinement round (≥ 1) that computed a replicate of (a, b, l) at any N; nil when none did.
    func refinedRound(_ a: Int, _ b: Int, _ l: Int) -> Int? { N.indices.compactMap { refinedRound(a, b, l, $0) }.max() }

    /// Whether a refinement round (≥ 1) computed any simulated point.
    var hasRefinedPoints: Bool { refinement?.simRound.contains { $0 > 0 } ?? false }
}

extension Figures {
    /// The legend text of the ring around refined points.
    public static let refinedLegend = "added by refine (round ≥ 1)"

    /// The ring around a marker of `size` px at (x, y) whose point refine added to (round `k`).
    static func refinedRing(_ doc: inout SVGDocument, _ x: Double, _ y: Double, markerSize size: Double, round k: Int) {
        doc.ring(x, y, radius: size / 2 + 2.5, title: "added by refine round \(k)")
    }
}

/// The study's figures.
public enum Figures {

    /// All figures for a results file (the agreement and validation figures only when simulations
    /// are present).
    public static func all(_ d: ResultsData) -> [Figure] {
        var out = [epsGVersusAlpha(d), phaseDiagram(d), rateDistortion(d)]
        if let a = agreement(d) { out.append(a) }
        if let v = validation(d) { out.append(v) }
        return out
    }

    static func phaseFill(_ p: Int8) -> String {
        switch p { case 0: return Palette.collapsedFill; case 1: return Palette.overlearningFill; default: return Palette.learningFill }
    }
    static func phaseInk(_ p: Int8) -> String {
        switch p { case 0: return Palette.collapsedInk; case 1: return Palette.overlearningInk; default: return Palette.learningInk }
    }
    static func phaseShape(_ p: Int8) -> MarkerShape {
        switch p { case 0: return .cross; case 1: return .triangleUp; default: return .circle }
    }
    /// Phase names by code.
    public static let phaseNames: [Int8: String] = [0: "collapsed", 1: "overlearning", 2: "learning"]
}
