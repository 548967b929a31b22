// Figure 3: rate–distortion on the population (test) per λ — a smooth theory curve over β for each
// grid α (the engine on ≥ 400 β, log or linear as the β grid), the simulated seed means per (α, N),
// and the Gaussian-source curve R(D) = ½ log((ρ+η)/D).
import Foundation
import Statistics
import ResultsFile
import VAETheory

extension Figures {
    /// Test distortion versus test rate per λ. Theory series carry `data-points` (β evaluated).
    public static func rateDistortion(_ d: ResultsData) -> Figure {
        let nL = d.lam.count, nA = d.alpha.count
        let sim = d.hasSimulation && d[sim: .rateTest] != nil && d[sim: .distTest] != nil
        let gauss = LineStyle(color: "#000", width: 1.6, dash: "7,4")
        var legend: [LegendItem] = [.line(gauss, "Gaussian R(D) = ½ log((ρ+η)/D)"),
                                    .heading("theory over β (curves, \(DenseTheory.curvePoints) β)")]
        for a in 0..<nA { legend.append(.line(LineStyle(color: Palette.ordered(a, of: nA)), "α = \(formatNumber(d.alpha[a]))")) }
        if sim {
            legend.append(.heading("simulation (seed means)"))
            for n in 0..<d.N.count { legend.append(.marker(MarkerStyle.systemSize(n, color: "#444"), "N = \(d.N[n])")) }
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
        let bKind: ScaleKind = isLogSpaced(d.beta) ? .log : .linear
        let betas = DenseTheory.grid(d.beta.min() ?? 1, d.beta.max() ?? 1, kind: bKind, domain: Domains.of(.beta).range)
        for l in 0..<nL {
            let curves: [[(Double, Double)?]] = (0..<nA).map { a in
                betas.map { b in
                    DenseTheory.observables(alpha: d.alpha[a], beta: b, lambda: d.lam[l], rho: d.rho, eta: d.eta)
                        .map { ($0.rateTest, $0.distTest) }
                }
            }
            var xs: [Double] = [0], ys: [Double] = [0, s0]
            for c in curves { for case let (r, t)? in c { xs.append(r); ys.append(t) } }
            for a in 0..<nA {
                for b in 0..<d.beta.count {
                    let r = d.theoryValue(.rateTest, a, b, l), t = d.theoryValue(.distTest, a, b, l)
                    if r.isFinite && t.isFinite { xs.append(r); ys.append(t) }
                    if sim {
                        for n in 0..<d.N.count {
                            let sr = d.simStats(.rateTest, a, b, l, n), sd = d.simStats(.distTest, a, b, l, n)
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
                panel.beginSeries(&doc, class: "theory", series: label, extra: "data-points=\"\(curves[a].compactMap { $0 }.count)\"")
                panel.line(&doc, curves[a], LineStyle(color: Palette.ordered(a, of: nA), width: 1.6))
                doc.endGroup()
                series.append(label)
            }
            guard sim else { continue }
            for a in 0..<nA {
                for n in 0..<d.N.count {
                    let label = "sim α=\(formatNumber(d.alpha[a])) N=\(d.N[n]) λ=\(formatNumber(d.lam[l]))"
                    let style = MarkerStyle.systemSize(n, color: Palette.ordered(a, of: nA), size: 7)
                    panel.beginSeries(&doc, class: "sim", series: label)
                    for b in order {
                        let sr = d.simStats(.rateTest, a, b, l, n), sd = d.simStats(.distTest, a, b, l, n)
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
}
