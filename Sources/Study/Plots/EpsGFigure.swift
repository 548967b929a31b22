// Figure 1: ε_g versus α per λ — the theory as smooth curves (the engine on ≥ 400 α per β) and the
// simulations as seed mean ± std per (β, N), one marker style per N (twelve before they repeat), a
// series only for the (β, N) with data (a refined study simulates few of its many (β, N); a β it
// inserted for the theory alone has none). The points a refinement added to are ringed.
import Foundation
import Statistics
import ResultsFile
import VAETheory

extension Figures {
    /// ε_g versus α: one panel per λ, a dense theory curve per β, simulation mean ± std markers per (β, N).
    /// The theory series carry `data-points` (the number of α evaluated).
    public static func epsGVersusAlpha(_ d: ResultsData) -> Figure {
        let nL = d.lam.count, nB = d.beta.count
        let xKind: ScaleKind = isLogSpaced(d.alpha) ? .log : .linear
        var legend: [LegendItem] = [.heading("theory (curves, \(DenseTheory.curvePoints) α)")]
        for b in 0..<nB { legend.append(.line(LineStyle(color: Palette.ordered(b, of: nB)), "β = \(formatNumber(d.beta[b]))")) }
        let sim = d.hasSimulation && d[sim: .epsG] != nil
        if sim {
            legend.append(.heading("simulation (seed mean ± std)"))
            for n in 0..<d.N.count {
                legend.append(.marker(MarkerStyle.systemSize(n, color: "#444"), "N = \(d.N[n])"))
            }
            if d.hasRefinedPoints { legend.append(.ring(refinedLegend)) }
        }
        let (w, h) = Layout.size(panels: nL, legendH: legendHeight(legend))
        var doc = SVGDocument(width: w, height: h)
        let title = "Generalisation error ε_g versus sample complexity α"
        figureHeader(&doc, title, d)
        var series: [String] = []
        var notes: [String] = []
        if !sim { notes.append("no simulation data: theory curves only") }
        let xDom = Scale.niceDomain(d.alpha, kind: xKind)
        let alphas = DenseTheory.grid(d.alpha.min() ?? 1, d.alpha.max() ?? 1, kind: xKind, domain: Domains.of(.alpha).range)
        for l in 0..<nL {
            // dense theory per β
            let curves: [[(Double, Double)?]] = (0..<nB).map { b in
                alphas.map { a in
                    DenseTheory.observables(alpha: a, beta: d.beta[b], lambda: d.lam[l], rho: d.rho, eta: d.eta).map { (a, $0.epsG) }
                }
            }
            var ys: [Double] = curves.flatMap { $0.compactMap { $0?.1 } }
            for a in 0..<d.alpha.count {
                for b in 0..<nB {
                    ys.append(d.theoryValue(.epsG, a, b, l))
                    if sim {
                        for n in 0..<d.N.count {
                            let st = d.simStats(.epsG, a, b, l, n)
                            if st.count > 0 { ys.append(st.mean + st.std); ys.append(st.mean - st.std) }
                        }
                    }
                }
            }
            let (ox, oy) = Layout.origin(l, panels: nL)
            var panel = Panel(x: ox, y: oy, width: Layout.plotW, height: Layout.plotH,
                              xKind: xKind, xDomain: xDom,
                              yKind: .linear, yDomain: Scale.niceDomain(ys, kind: .linear, includeZero: true))
            panel.drawAxes(&doc, title: lambdaTitle(d.lam[l]), xLabel: "sample complexity α = P/N", yLabel: "ε_g")
            for b in 0..<nB {
                let label = "theory β=\(formatNumber(d.beta[b])) λ=\(formatNumber(d.lam[l]))"
                panel.beginSeries(&doc, class: "theory", series: label, extra: "data-points=\"\(curves[b].compactMap { $0 }.count)\"")
                panel.line(&doc, curves[b], LineStyle(color: Palette.ordered(b, of: nB)))
                doc.endGroup()
                series.append(label)
            }
            guard sim else { continue }
            for b in 0..<nB {
                for n in 0..<d.N.count {
                    let points = d.alpha.indices.compactMap { a -> (Int, SampleStats, (Double, Double))? in
                        let st = d.simStats(.epsG, a, b, l, n)
                        guard st.count > 0, let p = panel.point(d.alpha[a], st.mean) else { return nil }
                        return (a, st, p)
                    }
                    guard !points.isEmpty else { continue }
                    let label = "sim β=\(formatNumber(d.beta[b])) N=\(d.N[n]) λ=\(formatNumber(d.lam[l]))"
                    let color = Palette.ordered(b, of: nB)
                    let style = MarkerStyle.systemSize(n, color: color, size: 7.5)
                    panel.beginSeries(&doc, class: "sim", series: label)
                    for (a, st, p) in points {
                        if st.std > 0, let y1 = panel.yScale(st.mean - st.std), let y2 = panel.yScale(st.mean + st.std) {
                            doc.errorBar(x: p.0, y1: y1, y2: y2, color: color)
                        }
                        doc.marker(p.0, p.1, style, title: "α=\(formatNumber(d.alpha[a])) ε_g=\(formatNumber(st.mean))±\(formatNumber(st.std)) (\(st.count) seeds)")
                        if let round = d.refinedRound(a, b, l, n) { refinedRing(&doc, p.0, p.1, markerSize: style.size, round: round) }
                    }
                    doc.endGroup()
                    series.append(label)
                }
            }
        }
        drawLegend(&doc, items: legend, x: Layout.legendX(panels: nL), y: Layout.header + 6, width: Layout.legendW - 20)
        return Figure(name: "eps_g_vs_alpha", title: title, svg: doc.render(title: title), series: series, notes: notes)
    }
}
