// The four figures of the study, built from a ResultsData. Each builder is a pure function
// returning the SVG text plus the list of data series it drew (for tests and for the CLI).
import Foundation
import ResultsFile
import VAETheory

/// One rendered figure.
public struct Figure {
    /// File stem, e.g. "eps_g_vs_alpha".
    public var name: String
    public var title: String
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

    static func columns(_ n: Int) -> Int { min(max(n, 1), 3) }

    /// Document size for `n` panels and a legend of height `legendH`.
    static func size(panels n: Int, legendH: Double) -> (Double, Double) {
        let c = columns(n), r = (max(n, 1) + c - 1) / c
        let w = Double(c) * cellW + legendW + 20
        let h = max(header + Double(r) * cellH + 8, header + legendH + 24)
        return (w, h)
    }

    /// Plot-area origin of panel `i`.
    static func origin(_ i: Int, panels n: Int) -> (Double, Double) {
        let c = columns(n)
        return (Double(i % c) * cellW + plotLeft, header + Double(i / c) * cellH + plotTop)
    }

    static func legendX(panels n: Int) -> Double { Double(columns(n)) * cellW + 10 }
}

/// Legend row height used by drawLegend (for sizing).
private func legendHeight(_ items: [LegendItem]) -> Double { items.isEmpty ? 0 : Double(items.count) * 18 + 10 }

private func parametersLine(_ d: ResultsData) -> String {
    var s = "ρ = \(formatNumber(d.rho)), η = \(formatNumber(d.eta))"
    if let spike = d.attributes["spike"] { s += ", spike: \(spike)" }
    return s
}

private func figureHeader(_ doc: inout SVGDocument, _ title: String, _ d: ResultsData) {
    doc.text(14, 24, title, size: 16, weight: "bold", class: "figure-title")
    doc.text(14, 40, parametersLine(d) + (d.path.isEmpty ? "" : " — " + (d.path as NSString).lastPathComponent),
             size: 11, color: "#555")
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

public enum Figures {

    /// All figures for a results file (the agreement figure only when simulations are present).
    public static func all(_ d: ResultsData) -> [Figure] {
        var out = [epsGVersusAlpha(d), phaseDiagram(d), rateDistortion(d)]
        if let a = agreement(d) { out.append(a) }
        return out
    }

    // MARK: 1. ε_g versus α

    /// ε_g versus α: one panel per λ, a theory line per β, simulation mean ± std markers per (β, N).
    public static func epsGVersusAlpha(_ d: ResultsData) -> Figure {
        let nL = d.lam.count, nB = d.beta.count
        let xKind: ScaleKind = isLogSpaced(d.alpha) ? .log : .linear
        var legend: [LegendItem] = [.heading("theory (lines)")]
        for b in 0..<nB { legend.append(.line(LineStyle(color: Palette.ordered(b, of: nB)), "β = \(formatNumber(d.beta[b]))")) }
        let sim = d.hasSimulation && d.sim["eps_g"] != nil
        if sim {
            legend.append(.heading("simulation (seed mean ± std)"))
            for n in 0..<d.N.count {
                legend.append(.marker(MarkerStyle(shape: MarkerShape.cycle(n), color: "#444"), "N = \(d.N[n])"))
            }
        }
        let (w, h) = Layout.size(panels: nL, legendH: legendHeight(legend))
        var doc = SVGDocument(width: w, height: h)
        let title = "Generalisation error ε_g versus sample complexity α"
        figureHeader(&doc, title, d)
        var series: [String] = []
        var notes: [String] = []
        if !sim { notes.append("no simulation data: theory lines only") }
        for l in 0..<nL {
            var ys: [Double] = []
            for a in 0..<d.alpha.count {
                for b in 0..<nB {
                    ys.append(d.theoryValue("eps_g", a, b, l))
                    if sim {
                        for n in 0..<d.N.count {
                            let st = d.simStats("eps_g", a, b, l, n)
                            if st.count > 0 { ys.append(st.mean + st.std); ys.append(st.mean - st.std) }
                        }
                    }
                }
            }
            let (ox, oy) = Layout.origin(l, panels: nL)
            var panel = Panel(x: ox, y: oy, width: Layout.plotW, height: Layout.plotH,
                              xKind: xKind, xDomain: Scale.niceDomain(d.alpha, kind: xKind),
                              yKind: .linear, yDomain: Scale.niceDomain(ys, kind: .linear, includeZero: true))
            panel.drawAxes(&doc, title: lambdaTitle(d.lam[l]), xLabel: "sample complexity α = P/N", yLabel: "ε_g")
            for b in 0..<nB {
                let label = "theory β=\(formatNumber(d.beta[b])) λ=\(formatNumber(d.lam[l]))"
                panel.beginSeries(&doc, class: "theory", series: label)
                let pts: [(Double, Double)?] = (0..<d.alpha.count).map { a in
                    let v = d.theoryValue("eps_g", a, b, l)
                    return v.isFinite ? (d.alpha[a], v) : nil
                }
                panel.line(&doc, pts, LineStyle(color: Palette.ordered(b, of: nB)))
                doc.endGroup()
                series.append(label)
            }
            guard sim else { continue }
            for b in 0..<nB {
                for n in 0..<d.N.count {
                    let label = "sim β=\(formatNumber(d.beta[b])) N=\(d.N[n]) λ=\(formatNumber(d.lam[l]))"
                    let color = Palette.ordered(b, of: nB)
                    let style = MarkerStyle(shape: MarkerShape.cycle(n), color: color, size: 7.5)
                    panel.beginSeries(&doc, class: "sim", series: label)
                    for a in 0..<d.alpha.count {
                        let st = d.simStats("eps_g", a, b, l, n)
                        guard st.count > 0, let p = panel.point(d.alpha[a], st.mean) else { continue }
                        if st.std > 0, let y1 = panel.yScale(st.mean - st.std), let y2 = panel.yScale(st.mean + st.std) {
                            doc.errorBar(x: p.0, y1: y1, y2: y2, color: color)
                        }
                        doc.marker(p.0, p.1, style, title: "α=\(formatNumber(d.alpha[a])) ε_g=\(formatNumber(st.mean))±\(formatNumber(st.std)) (\(st.count) seeds)")
                    }
                    doc.endGroup()
                    series.append(label)
                }
            }
        }
        drawLegend(&doc, items: legend, x: Layout.legendX(panels: nL), y: Layout.header + 6, width: Layout.legendW - 20)
        return Figure(name: "eps_g_vs_alpha", title: title, svg: doc.render(title: title), series: series, notes: notes)
    }

    // MARK: 2. Phase diagram

    static func phaseFill(_ p: Int8) -> String {
        switch p { case 0: return Palette.collapsedFill; case 1: return Palette.overlearningFill; default: return Palette.learningFill }
    }
    static func phaseInk(_ p: Int8) -> String {
        switch p { case 0: return Palette.collapsedInk; case 1: return Palette.overlearningInk; default: return Palette.learningInk }
    }
    static func phaseShape(_ p: Int8) -> MarkerShape {
        switch p { case 0: return .cross; case 1: return .triangleUp; default: return .circle }
    }
    public static let phaseNames: [Int8: String] = [0: "collapsed", 1: "overlearning", 2: "learning"]

    /// Phase diagram in the (α, β) plane per λ: theory phases shaded, β_c(α) and the BBP line computed
    /// directly from the theory engine, the asymptote β = ρ + η, simulated majority phases as markers.
    public static func phaseDiagram(_ d: ResultsData) -> Figure {
        let nL = d.lam.count
        let xKind: ScaleKind = isLogSpaced(d.alpha) ? .log : .linear
        let yKind: ScaleKind = isLogSpaced(d.beta) ? .log : .linear
        let sim = d.hasSimulation && d.simPhase != nil
        let boundary = LineStyle(color: "#111", width: 2.2)
        let firstOrder = LineStyle(color: "#b2182b", width: 2.4, dash: "6,3")
        let bbp = LineStyle(color: "#6a3d9a", width: 1.8, dash: "2,3")
        let asym = LineStyle(color: "#333", width: 1.4, dash: "8,4")
        let xEdges = cellEdges(d.alpha, kind: xKind), yEdges = cellEdges(d.beta, kind: yKind)
        let xDom = (xEdges.map { $0.0 }.min() ?? 0.1, xEdges.map { $0.1 }.max() ?? 10)
        let yDom = (yEdges.map { $0.0 }.min() ?? 0.1, yEdges.map { $0.1 }.max() ?? 10)
        // the collapse boundary from the theory engine on a dense α grid, per λ
        let aLo = max(xDom.0, TheoryInput.alphaRange.lowerBound), aHi = min(xDom.1, TheoryInput.alphaRange.upperBound)
        let grid = aHi > aLo ? denseGrid(aLo, aHi, count: 240, kind: xKind) : []
        let boundaries: [[(betaC: Double, firstOrder: Bool)]] = d.lam.map { lambda in
            TheoryInput.lambdaRange.contains(lambda)
                ? grid.map { Theory.collapseBoundary(alpha: $0, lambda: lambda, rho: d.rho, eta: d.eta) } : []
        }
        let anyFirstOrder = boundaries.contains { $0.contains { $0.firstOrder } }
        var legend: [LegendItem] = [.heading("theory phase"),
                                    .swatch(Palette.learningFill, "learning (m > 0)"),
                                    .swatch(Palette.overlearningFill, "overlearning (m = 0, Q > 0)"),
                                    .swatch(Palette.collapsedFill, "collapsed (Q = 0)"),
                                    .line(boundary, "collapse boundary β_c(α)")]
        if anyFirstOrder { legend.append(.line(firstOrder, "β_c(α), first-order part")) }
        legend += [
                                    .line(bbp, "BBP α = (η/ρ)² = \(formatNumber(Theory.bbpThreshold(rho: d.rho, eta: d.eta)))"),
                                    .line(asym, "β = ρ + η = \(formatNumber(d.rho + d.eta))")]
        if sim {
            let ns = d.N.map(String.init).joined(separator: ", ")
            legend.append(.heading("simulation (majority of seeds)"))
            for p: Int8 in [2, 1, 0] {
                legend.append(.marker(MarkerStyle(shape: phaseShape(p), color: phaseInk(p), size: 8), phaseNames[p]!))
            }
            legend.append(.heading(d.N.count > 1 ? "N = \(ns), left → right" : "N = \(ns)"))
        }
        let (w, h) = Layout.size(panels: nL, legendH: legendHeight(legend))
        var doc = SVGDocument(width: w, height: h)
        let title = "Phase diagram in the (α, β) plane"
        figureHeader(&doc, title, d)
        var series: [String] = []
        var notes: [String] = []
        if !sim { notes.append("no simulation data: theory phases only") }
        for l in 0..<nL {
            let (ox, oy) = Layout.origin(l, panels: nL)
            var panel = Panel(x: ox, y: oy, width: Layout.plotW, height: Layout.plotH,
                              xKind: xKind, xDomain: xDom, yKind: yKind, yDomain: yDom)
            panel.drawAxes(&doc, title: lambdaTitle(d.lam[l]), xLabel: "sample complexity α", yLabel: "β")
            // shaded theory phases
            let label = "theory phases λ=\(formatNumber(d.lam[l]))"
            panel.beginSeries(&doc, class: "phases", series: label)
            for a in 0..<d.alpha.count {
                for b in 0..<d.beta.count {
                    guard let p = d.theoryPhaseAt(a, b, l),
                          let x0 = panel.xScale(xEdges[a].0), let x1 = panel.xScale(xEdges[a].1),
                          let y0 = panel.yScale(yEdges[b].1), let y1 = panel.yScale(yEdges[b].0) else { continue }
                    // +0.5 px overlap hides hairline seams between cells
                    doc.rect(x: x0, y: y0, width: x1 - x0 + 0.5, height: y1 - y0 + 0.5, fill: phaseFill(p))
                }
            }
            doc.endGroup()
            series.append(label)
            // collapse boundary from the theory engine, on a dense α grid
            let lambda = d.lam[l]
            let bLabel = "collapse boundary λ=\(formatNumber(lambda))"
            panel.beginSeries(&doc, class: "theory boundary", series: bLabel)
            let bc = boundaries[l]
            if !bc.isEmpty {
                // split into runs of equal order; consecutive runs share an end point
                var start = 0
                while start < grid.count {
                    var end = start
                    while end + 1 < grid.count && bc[end + 1].firstOrder == bc[start].firstOrder { end += 1 }
                    let hi = min(end + 1, grid.count - 1)
                    let pts: [(Double, Double)?] = (start...hi).map { i in bc[i].betaC > 0 ? (grid[i], bc[i].betaC) : nil }
                    panel.line(&doc, pts, bc[start].firstOrder ? firstOrder : boundary)
                    start = end + 1
                }
            }
            doc.endGroup()
            series.append(bLabel)
            // BBP line and asymptote
            let bbpAlpha = Theory.bbpThreshold(rho: d.rho, eta: d.eta)
            let lLabel = "BBP λ=\(formatNumber(lambda))"
            panel.beginSeries(&doc, class: "theory bbp", series: lLabel)
            if let x = panel.xScale(bbpAlpha), x >= panel.x - 0.01, x <= panel.x + panel.width + 0.01 {
                doc.line(x, panel.y, x, panel.y + panel.height, bbp)
            }
            doc.endGroup()
            series.append(lLabel)
            let sLabel = "asymptote λ=\(formatNumber(lambda))"
            panel.beginSeries(&doc, class: "theory asymptote", series: sLabel)
            if let y = panel.yScale(d.rho + d.eta) { doc.line(panel.x, y, panel.x + panel.width, y, asym) }
            doc.endGroup()
            series.append(sLabel)
            guard sim else { continue }
            for n in 0..<d.N.count {
                let label = "sim phases N=\(d.N[n]) λ=\(formatNumber(lambda))"
                panel.beginSeries(&doc, class: "sim", series: label)
                let dx = d.N.count > 1 ? (Double(n) - Double(d.N.count - 1) / 2) * 8 : 0
                for a in 0..<d.alpha.count {
                    for b in 0..<d.beta.count {
                        guard let p = d.simMajorityPhase(a, b, l, n), let q = panel.point(d.alpha[a], d.beta[b]) else { continue }
                        doc.marker(q.0 + dx, q.1, MarkerStyle(shape: phaseShape(p), color: phaseInk(p), size: 7),
                                   title: "α=\(formatNumber(d.alpha[a])) β=\(formatNumber(d.beta[b])) N=\(d.N[n]): \(phaseNames[p]!)")
                    }
                }
                doc.endGroup()
                series.append(label)
            }
        }
        drawLegend(&doc, items: legend, x: Layout.legendX(panels: nL), y: Layout.header + 6, width: Layout.legendW - 20)
        return Figure(name: "phase_diagram", title: title, svg: doc.render(title: title), series: series, notes: notes)
    }

    // MARK: 3. Rate–distortion

    /// Test distortion versus test rate per λ: a theory curve over β for each α, simulation seed
    /// means per (α, N), and the Gaussian-source curve R(D) = ½ log((ρ+η)/D).
    public static func rateDistortion(_ d: ResultsData) -> Figure {
        let nL = d.lam.count, nA = d.alpha.count
        let sim = d.hasSimulation && d.sim["rate_test"] != nil && d.sim["dist_test"] != nil
        let gauss = LineStyle(color: "#000", width: 1.6, dash: "7,4")
        var legend: [LegendItem] = [.line(gauss, "Gaussian R(D) = ½ log((ρ+η)/D)"), .heading("theory over β (lines)")]
        for a in 0..<nA { legend.append(.line(LineStyle(color: Palette.ordered(a, of: nA)), "α = \(formatNumber(d.alpha[a]))")) }
        if sim {
            legend.append(.heading("simulation (seed means)"))
            for n in 0..<d.N.count { legend.append(.marker(MarkerStyle(shape: MarkerShape.cycle(n), color: "#444"), "N = \(d.N[n])")) }
        }
        let (w, h) = Layout.size(panels: nL, legendH: legendHeight(legend))
        var doc = SVGDocument(width: w, height: h)
        let title = "Rate–distortion (test): distortion versus rate"
        figureHeader(&doc, title, d)
        var series: [String] = []
        var notes: [String] = []
        if !sim { notes.append("no simulation data: theory curves only") }
        let order = d.beta.indices.sorted { d.beta[$0] < d.beta[$1] }
        let s0 = d.rho + d.eta
        for l in 0..<nL {
            var xs: [Double] = [0], ys: [Double] = [0, s0]
            for a in 0..<nA {
                for b in 0..<d.beta.count {
                    let r = d.theoryValue("rate_test", a, b, l), t = d.theoryValue("dist_test", a, b, l)
                    if r.isFinite && t.isFinite { xs.append(r); ys.append(t) }
                    if sim {
                        for n in 0..<d.N.count {
                            let sr = d.simStats("rate_test", a, b, l, n), sd = d.simStats("dist_test", a, b, l, n)
                            if sr.count > 0 && sd.count > 0 { xs.append(sr.mean); ys.append(sd.mean) }
                        }
                    }
                }
            }
            let (ox, oy) = Layout.origin(l, panels: nL)
            var panel = Panel(x: ox, y: oy, width: Layout.plotW, height: Layout.plotH,
                              xKind: .linear, xDomain: Scale.niceDomain(xs, kind: .linear, includeZero: true),
                              yKind: .linear, yDomain: Scale.niceDomain(ys, kind: .linear, includeZero: true))
            panel.drawAxes(&doc, title: lambdaTitle(d.lam[l]), xLabel: "rate R (nats per sample)", yLabel: "distortion D")
            let gLabel = "Gaussian source λ=\(formatNumber(d.lam[l]))"
            panel.beginSeries(&doc, class: "reference", series: gLabel)
            let rMax = panel.xScale.domain.hi
            let gpts: [(Double, Double)?] = denseGrid(0, max(rMax, 1e-9), count: 200, kind: .linear).map { ($0, s0 * exp(-2 * $0)) }
            panel.line(&doc, gpts, gauss)
            doc.endGroup()
            series.append(gLabel)
            for a in 0..<nA {
                let label = "theory α=\(formatNumber(d.alpha[a])) λ=\(formatNumber(d.lam[l]))"
                panel.beginSeries(&doc, class: "theory", series: label)
                let pts: [(Double, Double)?] = order.map { b in
                    let r = d.theoryValue("rate_test", a, b, l), t = d.theoryValue("dist_test", a, b, l)
                    return r.isFinite && t.isFinite ? (r, t) : nil
                }
                panel.line(&doc, pts, LineStyle(color: Palette.ordered(a, of: nA), width: 1.6))
                doc.endGroup()
                series.append(label)
            }
            guard sim else { continue }
            for a in 0..<nA {
                for n in 0..<d.N.count {
                    let label = "sim α=\(formatNumber(d.alpha[a])) N=\(d.N[n]) λ=\(formatNumber(d.lam[l]))"
                    let style = MarkerStyle(shape: MarkerShape.cycle(n), color: Palette.ordered(a, of: nA), size: 7)
                    panel.beginSeries(&doc, class: "sim", series: label)
                    for b in order {
                        let sr = d.simStats("rate_test", a, b, l, n), sd = d.simStats("dist_test", a, b, l, n)
                        guard sr.count > 0, sd.count > 0, let p = panel.point(sr.mean, sd.mean) else { continue }
                        doc.marker(p.0, p.1, style, title: "α=\(formatNumber(d.alpha[a])) β=\(formatNumber(d.beta[b])) N=\(d.N[n])")
                    }
                    doc.endGroup()
                    series.append(label)
                }
            }
        }
        drawLegend(&doc, items: legend, x: Layout.legendX(panels: nL), y: Layout.header + 6, width: Layout.legendW - 20)
        return Figure(name: "rate_distortion", title: title, svg: doc.render(title: title), series: series, notes: notes)
    }

    // MARK: 4. Agreement

    /// |seed mean − theory| of ε_g at every (α, β) versus N, log–log, per λ: individual points
    /// coloured by theory phase, the RMS over the points of each phase as lines, and a 1/√N guide
    /// through the overall RMS at the smallest N. Nil for a file without simulations.
    public static func agreement(_ d: ResultsData) -> Figure? {
        guard d.hasSimulation, d.sim["eps_g"] != nil, d.theory["eps_g"] != nil else { return nil }
        let nL = d.lam.count
        let guide = LineStyle(color: "#000", width: 1.4, dash: "6,4")
        var legend: [LegendItem] = [.heading("theory phase of the point")]
        for p: Int8 in [2, 1, 0] {
            legend.append(.lineMarker(LineStyle(color: phaseInk(p), width: 2), MarkerStyle(shape: .square, color: phaseInk(p), size: 8),
                                      "RMS, \(phaseNames[p]!)"))
        }
        legend.append(.marker(MarkerStyle(shape: .circle, color: "#888", size: 5), "single (α, β) points"))
        legend.append(.line(guide, "guide ∝ 1/√N"))
        let (w, h) = Layout.size(panels: nL, legendH: legendHeight(legend))
        var doc = SVGDocument(width: w, height: h)
        let title = "Agreement: |simulation mean − theory| of ε_g versus N"
        figureHeader(&doc, title, d)
        var series: [String] = []
        var notes: [String] = []
        for l in 0..<nL {
            // gaps[phase][n] = list of gaps
            var gaps: [Int8: [[Double]]] = [:]
            var zeros = 0
            var all: [Double] = []
            for a in 0..<d.alpha.count {
                for b in 0..<d.beta.count {
                    let t = d.theoryValue("eps_g", a, b, l)
                    guard t.isFinite, let p = d.theoryPhaseAt(a, b, l) else { continue }
                    for n in 0..<d.N.count {
                        let st = d.simStats("eps_g", a, b, l, n)
                        guard st.count > 0 else { continue }
                        let g = abs(st.mean - t)
                        if gaps[p] == nil { gaps[p] = Array(repeating: [], count: d.N.count) }
                        gaps[p]![n].append(g)
                        if g > 0 { all.append(g) } else { zeros += 1 }
                    }
                }
            }
            let rms: (([Double]) -> Double) = { v in v.isEmpty ? .nan : sqrt(v.reduce(0) { $0 + $1 * $1 } / Double(v.count)) }
            var ys = all
            for (_, perN) in gaps { for v in perN { ys.append(rms(v)) } }
            let nsD = d.N.map(Double.init)
            let (ox, oy) = Layout.origin(l, panels: nL)
            var panel = Panel(x: ox, y: oy, width: Layout.plotW, height: Layout.plotH,
                              xKind: .log, xDomain: Scale.niceDomain(nsD, kind: .log, pad: 0.12),
                              yKind: .log, yDomain: Scale.niceDomain(ys, kind: .log))
            panel.drawAxes(&doc, title: lambdaTitle(d.lam[l]), xLabel: "dimension N", yLabel: "|sim mean − theory| of ε_g")
            for p: Int8 in [2, 1, 0] {
                guard let perN = gaps[p] else { continue }
                let label = "points \(phaseNames[p]!) λ=\(formatNumber(d.lam[l]))"
                panel.beginSeries(&doc, class: "sim points", series: label)
                for n in 0..<d.N.count {
                    for g in perN[n] {
                        guard let q = panel.point(nsD[n], g) else { continue }
                        doc.raw("<circle cx=\"\(px(q.0))\" cy=\"\(px(q.1))\" r=\"2.4\" fill=\"\(phaseInk(p))\" fill-opacity=\"0.35\"/>")
                    }
                }
                doc.endGroup()
                series.append(label)
                let rLabel = "rms \(phaseNames[p]!) λ=\(formatNumber(d.lam[l]))"
                panel.beginSeries(&doc, class: "sim rms", series: rLabel)
                let pts: [(Double, Double)?] = (0..<d.N.count).map { n in
                    let r = rms(perN[n]); return r > 0 ? (nsD[n], r) : nil
                }
                panel.line(&doc, pts, LineStyle(color: phaseInk(p), width: 2))
                for case let (x, y)? in pts {
                    if let q = panel.point(x, y) { doc.marker(q.0, q.1, MarkerStyle(shape: .square, color: phaseInk(p), size: 8)) }
                }
                doc.endGroup()
                series.append(rLabel)
            }
            // 1/√N guide through the overall RMS at the smallest N with data
            let gLabel = "guide λ=\(formatNumber(d.lam[l]))"
            panel.beginSeries(&doc, class: "reference", series: gLabel)
            let order = d.N.indices.sorted { d.N[$0] < d.N[$1] }
            if let n0 = order.first(where: { n in gaps.values.contains { !$0[n].isEmpty } }) {
                let r0 = rms(gaps.values.flatMap { $0[n0] })
                if r0 > 0 {
                    let lo = panel.xScale.domain.lo, hi = panel.xScale.domain.hi
                    let pts: [(Double, Double)?] = denseGrid(lo, hi, count: 20, kind: .log).map { ($0, r0 * sqrt(nsD[n0] / $0)) }
                    panel.line(&doc, pts, guide)
                }
            }
            doc.endGroup()
            series.append(gLabel)
            if zeros > 0 {
                doc.text(panel.x + panel.width - 6, panel.y + panel.height - 8, "\(zeros) zero gaps not shown (log axis)",
                         size: 10, anchor: .end, color: "#555")
                notes.append("\(lambdaTitle(d.lam[l])): \(zeros) exact-zero gaps not shown on the log axis")
            }
        }
        drawLegend(&doc, items: legend, x: Layout.legendX(panels: nL), y: Layout.header + 6, width: Layout.legendW - 20)
        return Figure(name: "agreement", title: title, svg: doc.render(title: title), series: series, notes: notes)
    }
}

// MARK: - Writing

/// Writes figures as SVG (and PNG when `rsvg-convert` is on PATH).
public enum FigureWriter {
    /// The path of `rsvg-convert` if it is on PATH.
    public static func rsvgConvert() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let p = String(dir) + "/rsvg-convert"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// Write each figure to `dir` (created if needed); returns the paths written, SVGs first per figure.
    public static func write(_ figures: [Figure], to dir: String, png: Bool = true) throws -> [String] {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let converter = png ? rsvgConvert() : nil
        var out: [String] = []
        for f in figures {
            let svgPath = (dir as NSString).appendingPathComponent(f.name + ".svg")
            try f.svg.write(toFile: svgPath, atomically: true, encoding: .utf8)
            out.append(svgPath)
            if let converter {
                let pngPath = (dir as NSString).appendingPathComponent(f.name + ".png")
                let p = Process()
                p.executableURL = URL(fileURLWithPath: converter)
                p.arguments = ["-f", "png", "-z", "1.5", "-b", "white", "-o", pngPath, svgPath]
                p.standardError = FileHandle.nullDevice
                try p.run()
                p.waitUntilExit()
                if p.terminationStatus == 0 { out.append(pngPath) }
            }
        }
        return out
    }
}
