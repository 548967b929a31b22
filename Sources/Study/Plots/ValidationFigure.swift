// Figure 5 (validation.svg): per λ, (left) the (α, β) plane with each grid cell coloured by the
// MODEL.md §7 verdict of ε_g (the reported-apart classes each with its own colour, a letter in the
// cell and a legend entry: C critical window, W fewer than 2 usable N, F first-order coexistence,
// 0 λ = 0 null space), and (right) the finite-size extrapolation q_∞ ± se(q_∞) of ε_g per β
// against the theory curve (the engine on ≥ 400 α). In a single-N file the right panel shows the
// seed mean ± s_N of that N instead (no extrapolation possible). An estimate at a point a
// refinement added to (a replicate at any N computed in round ≥ 1) is ringed.
import Foundation
import Statistics
import ResultsFile
import VAETheory

extension Figures {
    /// Colours of the verdicts.
    public static func verdictFill(_ v: Verdict) -> String {
        switch v {
        case .agree: return "#1a9850"
        case .marginal: return "#fee08b"
        case .disagree: return "#d73027"
        case .undecided: return "#bdbdbd"
        case .excludedCritical: return "#9ecae1"
        case .excludedFirstOrder: return "#c2a5cf"
        case .excludedNullSpace: return "#fdae6b"
        case .excludedWindow: return "#80cdc1"
        case .noData: return "#ffffff"
        }
    }

    /// The letter marking a reported-apart class in the verdict map (nil for the tested verdicts).
    public static func verdictGlyph(_ v: Verdict) -> String? {
        switch v {
        case .excludedCritical: return "C"
        case .excludedWindow: return "W"
        case .excludedFirstOrder: return "F"
        case .excludedNullSpace: return "0"
        default: return nil
        }
    }

    /// The legend text of a verdict (the reported-apart classes with what they mean).
    public static func verdictLegend(_ v: Verdict) -> String {
        switch v {
        case .excludedCritical: return "apart: critical BBP window"
        case .excludedWindow: return "apart: < 2 usable N (windows)"
        case .excludedFirstOrder: return "apart: first-order coexistence"
        case .excludedNullSpace: return "apart: λ = 0, α < 1 (V null space)"
        default: return v.name.replacingOccurrences(of: "_", with: " ")
        }
    }

    /// The validation figure; nil for a file without simulations of ε_g.
    public static func validation(_ d: ResultsData, validation given: Validation? = nil) -> Figure? {
        guard d.hasSimulation, d[sim: .epsG] != nil, d[theory: .epsG] != nil else { return nil }
        let v = given ?? Validation.compute(d)
        let q = Quantity.epsG
        let nq = Validation.quantities.count
        guard let qk = Validation.quantities.firstIndex(of: q) else { return nil }
        // the ε_g record of (a, b, l)
        func point(_ a: Int, _ b: Int, _ l: Int) -> PointValidation { v.points[d.theoryIndex(a, b, l) * nq + qk] }
        let nL = d.lam.count, nB = d.beta.count
        let xKind: ScaleKind = isLogSpaced(d.alpha) ? .log : .linear
        let yKind: ScaleKind = isLogSpaced(d.beta) ? .log : .linear
        var legend: [LegendItem] = [.heading("verdict of ε_g (MODEL §7)")]
        let present = Set(v.points.filter { $0.quantity == q }.map(\.verdict))
        for verdict in Verdict.allCases where present.contains(verdict) {
            let glyph = verdictGlyph(verdict).map { " [\($0)]" } ?? ""
            legend.append(.swatch(verdictFill(verdict), verdictLegend(verdict) + glyph))
        }
        legend.append(.heading(v.singleN ? "N = \(v.nValues.first ?? 0) mean ± s_N (no extrapolation)" : "q_∞ ± se(q_∞); theory curves"))
        for b in 0..<nB { legend.append(.lineMarker(LineStyle(color: Palette.ordered(b, of: nB)), MarkerStyle(shape: .circle, color: Palette.ordered(b, of: nB)), "β = \(formatNumber(d.beta[b]))")) }
        if d.hasRefinedPoints { legend.append(.ring(refinedLegend)) }
        let panels = 2 * nL
        let (w, h) = Layout.size(panels: panels, legendH: legendHeight(legend), maxColumns: 2)
        var doc = SVGDocument(width: w, height: h)
        let title = v.singleN ? "Validation of ε_g (one N: no finite-size extrapolation)" : "Validation of ε_g: finite-size extrapolation versus theory"
        figureHeader(&doc, title, d)
        var series: [String] = []
        var notes: [String] = []
        if v.singleN { notes.append("one N only: z-scores of the seed means against N = ∞, biased in the overlearning phase") }
        let xEdges = cellEdges(d.alpha, kind: xKind), yEdges = cellEdges(d.beta, kind: yKind)
        let xDom = (xEdges.map { $0.0 }.min() ?? 0.1, xEdges.map { $0.1 }.max() ?? 10)
        let yDom = (yEdges.map { $0.0 }.min() ?? 0.1, yEdges.map { $0.1 }.max() ?? 10)
        let alphas = DenseTheory.grid(d.alpha.min() ?? 1, d.alpha.max() ?? 1, kind: xKind, domain: Domains.of(.alpha).range)
        for l in 0..<nL {
            let lambda = d.lam[l]
            // left: verdict map
            let (ox, oy) = Layout.origin(2 * l, panels: panels, maxColumns: 2)
            var map = Panel(x: ox, y: oy, width: Layout.plotW, height: Layout.plotH, xKind: xKind, xDomain: xDom, yKind: yKind, yDomain: yDom)
            map.drawAxes(&doc, title: "verdicts, \(lambdaTitle(lambda))", xLabel: "sample complexity α", yLabel: "β")
            let mLabel = "verdicts eps_g λ=\(formatNumber(lambda))"
            map.beginSeries(&doc, class: "verdicts", series: mLabel)
            for a in 0..<d.alpha.count {
                for b in 0..<nB {
                    let p = point(a, b, l)
                    guard let x0 = map.xScale(xEdges[a].0), let x1 = map.xScale(xEdges[a].1),
                          let y0 = map.yScale(yEdges[b].1), let y1 = map.yScale(yEdges[b].0) else { continue }
                    let tip = "α=\(formatNumber(d.alpha[a])) β=\(formatNumber(d.beta[b])): \(p.verdict.name)"
                        + (p.z.isFinite ? String(format: " (z = %.2f)", p.z) : "") + (p.reason.isEmpty ? "" : "; " + p.reason)
                    doc.raw("<rect class=\"verdict-cell\" data-verdict=\"\(p.verdict.name)\" x=\"\(px(x0))\" y=\"\(px(y0))\" width=\"\(px(x1 - x0 + 0.5))\" height=\"\(px(y1 - y0 + 0.5))\" fill=\"\(verdictFill(p.verdict))\" stroke=\"#fff\" stroke-width=\"0.6\"><title>\(svgEscape(tip))</title></rect>")
                    if let g = verdictGlyph(p.verdict) {
                        doc.text((x0 + x1) / 2, (y0 + y1) / 2 + 4, g, size: 11, anchor: .middle, weight: "bold", color: "#333", class: "verdict-glyph")
                    }
                }
            }
            doc.endGroup()
            series.append(mLabel)
            // right: q_∞ ± se against the theory curve
            let curves: [[(Double, Double)?]] = (0..<nB).map { b in
                alphas.map { a in DenseTheory.observables(alpha: a, beta: d.beta[b], lambda: lambda, rho: d.rho, eta: d.eta).map { (a, $0.epsG) } }
            }
            func estimate(_ a: Int, _ b: Int) -> (Double, Double)? {
                let p = point(a, b, l)
                if let e = p.estimate { return (e.qInf, e.se) }
                return nil
            }
            var ys = curves.flatMap { $0.compactMap { $0?.1 } }
            for a in 0..<d.alpha.count { for b in 0..<nB { if let e = estimate(a, b) { ys += [e.0 - e.1, e.0 + e.1] } } }
            let (qx, qy) = Layout.origin(2 * l + 1, panels: panels, maxColumns: 2)
            var panel = Panel(x: qx, y: qy, width: Layout.plotW, height: Layout.plotH, xKind: xKind, xDomain: Scale.niceDomain(d.alpha, kind: xKind),
                              yKind: .linear, yDomain: Scale.niceDomain(ys, kind: .linear, includeZero: true))
            panel.drawAxes(&doc, title: (v.singleN ? "ε_g at N = \(v.nValues.first ?? 0), " : "ε_g extrapolated, ") + lambdaTitle(lambda),
                           xLabel: "sample complexity α", yLabel: v.singleN ? "seed mean of ε_g" : "ε_g extrapolated to N = ∞")
            for b in 0..<nB {
                let color = Palette.ordered(b, of: nB)
                let tLabel = "theory β=\(formatNumber(d.beta[b])) λ=\(formatNumber(lambda))"
                panel.beginSeries(&doc, class: "theory", series: tLabel, extra: "data-points=\"\(curves[b].compactMap { $0 }.count)\"")
                panel.line(&doc, curves[b], LineStyle(color: color))
                doc.endGroup()
                series.append(tLabel)
                let eLabel = (v.singleN ? "mean" : "q_inf") + " β=\(formatNumber(d.beta[b])) λ=\(formatNumber(lambda))"
                panel.beginSeries(&doc, class: "sim estimate", series: eLabel)
                for a in 0..<d.alpha.count {
                    guard let (m, se) = estimate(a, b), let p = panel.point(d.alpha[a], m) else { continue }
                    if se > 0, let y1 = panel.yScale(m - se), let y2 = panel.yScale(m + se) { doc.errorBar(x: p.0, y1: y1, y2: y2, color: color) }
                    let pv = point(a, b, l)
                    doc.marker(p.0, p.1, MarkerStyle(shape: .circle, color: color, size: 7),
                               title: "α=\(formatNumber(d.alpha[a])) q=\(formatNumber(m))±\(formatNumber(se)) theory \(formatNumber(pv.theory)): \(pv.verdict.name)")
                    if let round = d.refinedRound(a, b, l) { refinedRing(&doc, p.0, p.1, markerSize: 7, round: round) }
                }
                doc.endGroup()
                series.append(eLabel)
            }
        }
        drawLegend(&doc, items: legend, x: Layout.legendX(panels: panels, maxColumns: 2), y: Layout.header + 6, width: Layout.legendW - 20)
        return Figure(name: "validation", title: title, svg: doc.render(title: title), series: series, notes: notes)
    }
}
