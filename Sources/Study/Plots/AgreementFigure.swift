// Figure 4: |simulation mean − theory| of ε_g versus N (log–log) with a 1/√N guide.
import Foundation
import Statistics
import ResultsFile
import VAETheory

extension Figures {
    /// |seed mean − theory| of ε_g at every (α, β) versus N, log–log, per λ: individual points
    /// coloured by theory phase, the RMS over the points of each phase as lines, and a 1/√N guide
    /// through the overall RMS at the smallest N. Nil for a file without simulations.
    public static func agreement(_ d: ResultsData) -> Figure? {
        guard d.hasSimulation, d[sim: .epsG] != nil, d[theory: .epsG] != nil else { return nil }
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
                    let t = d.theoryValue(.epsG, a, b, l)
                    guard t.isFinite, let p = d.theoryPhaseAt(a, b, l) else { continue }
                    for n in 0..<d.N.count {
                        let st = d.simStats(.epsG, a, b, l, n)
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
