// Figure 2: the phase diagram in the (α, β) plane per λ — theory phases shaded from a dense
// (α, β) map of the engine (300 × 300 cells, drawn as runs of equal phase), the collapse boundary
// on 400 α (continuous part β_c, first-order part β_eq where it exists), the BBP line, the
// asymptote β = ρ + η, and the simulated majority phases per N as markers, side by side in N order
// among the N with data at the point (a refined study has many N, each run at few points); the
// points a refinement added to (a replicate computed in round ≥ 1) are ringed.
import Foundation
import Statistics
import ResultsFile
import VAETheory

extension Figures {
    /// Phase diagram. The shading series carries `data-grid="300x300"` (the dense map's size); the
    /// boundary series `data-points` (the α evaluated).
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
        let grid = DenseTheory.grid(xDom.0, xDom.1, kind: xKind, domain: Domains.of(.alpha).range)
        let boundaries: [[(betaC: Double, firstOrder: Bool)]] = d.lam.map { lambda in
            Domains.of(.lambda).range.contains(lambda)
                ? grid.map { Theory.collapseBoundary(alpha: $0, lambda: lambda, rho: d.rho, eta: d.eta) } : []
        }
        let anyFirstOrder = boundaries.contains { $0.contains { $0.firstOrder && $0.betaC > 0 } }
        var legend: [LegendItem] = [.heading("theory phase (\(DenseTheory.mapCells) × \(DenseTheory.mapCells) map)"),
                                    .swatch(Palette.learningFill, "learning (m > 0)"),
                                    .swatch(Palette.overlearningFill, "overlearning (m = 0, Q > 0)"),
                                    .swatch(Palette.collapsedFill, "collapsed (Q = 0)"),
                                    .line(boundary, "collapse boundary β_c(α)")]
        if anyFirstOrder { legend.append(.line(firstOrder, "first-order boundary β_eq(α)")) }
        legend += [.line(bbp, "BBP α = (η/ρ)² = \(formatNumber(Theory.bbpThreshold(rho: d.rho, eta: d.eta)))"),
                   .line(asym, "β = ρ + η = \(formatNumber(d.rho + d.eta))")]
        let refined = sim && d.hasRefinedPoints
        if sim {
            let ns = "N = " + d.N.map(String.init).joined(separator: ", ")
            var heading = d.N.count > 1 ? ns + ", left → right" : ns
            // a list of sizes too long for the legend box (about 34 characters) gives their range
            if heading.count > 34, let lo = d.N.min(), let hi = d.N.max() { heading = "N = \(lo) … \(hi), left → right" }
            legend.append(.heading("simulation (majority of seeds)"))
            for p: Int8 in [2, 1, 0] {
                legend.append(.marker(MarkerStyle(shape: phaseShape(p), color: phaseInk(p), size: 8), phaseNames[p]!))
            }
            legend.append(.heading(heading))
            if refined { legend.append(.ring(refinedLegend)) }
        }
        let (w, h) = Layout.size(panels: nL, legendH: legendHeight(legend))
        var doc = SVGDocument(width: w, height: h)
        let title = "Phase diagram in the (α, β) plane"
        figureHeader(&doc, title, d)
        var series: [String] = []
        var notes: [String] = []
        if !sim { notes.append("no simulation data: theory phases only") }
        for l in 0..<nL {
            let lambda = d.lam[l]
            let (ox, oy) = Layout.origin(l, panels: nL)
            var panel = Panel(x: ox, y: oy, width: Layout.plotW, height: Layout.plotH,
                              xKind: xKind, xDomain: xDom, yKind: yKind, yDomain: yDom)
            panel.drawAxes(&doc, title: lambdaTitle(lambda), xLabel: "sample complexity α", yLabel: "β")
            // shaded theory phases from the dense map: one rect per run of equal phase in a row
            let label = "theory phases λ=\(formatNumber(lambda))"
            let cells = DenseTheory.mapCells
            panel.beginSeries(&doc, class: "phases", series: label, extra: "data-grid=\"\(cells)x\(cells)\"")
            let map = DenseTheory.phaseMap(x: xDom, xKind: xKind, y: yDom, yKind: yKind, lambda: lambda, rho: d.rho, eta: d.eta)
            let cw = panel.width / Double(cells), ch = panel.height / Double(cells)
            for j in 0..<cells {
                var i = 0
                while i < cells {
                    let p = map.phases[j * cells + i]
                    var k = i
                    while k + 1 < cells && map.phases[j * cells + k + 1] == p { k += 1 }
                    if p >= 0 {
                        // row j counts from the bottom of the plot; +0.5 px overlap hides hairline seams
                        doc.rect(x: panel.x + Double(i) * cw, y: panel.y + panel.height - Double(j + 1) * ch,
                                 width: Double(k - i + 1) * cw + 0.5, height: ch + 0.5, fill: phaseFill(p))
                    }
                    i = k + 1
                }
            }
            doc.endGroup()
            series.append(label)
            // collapse boundary from the theory engine, on a dense α grid; first-order runs are β_eq
            let bLabel = "collapse boundary λ=\(formatNumber(lambda))"
            let bc = boundaries[l]
            panel.beginSeries(&doc, class: "theory boundary", series: bLabel, extra: "data-points=\"\(bc.count)\"")
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
            // the majority phase per (α, β, N), and per (α, β) the N indices (in axis order) that have one
            let nN = d.N.count
            var majority = [Int8?](repeating: nil, count: d.alpha.count * d.beta.count * nN)
            var present = [[Int]](repeating: [], count: d.alpha.count * d.beta.count)
            for a in 0..<d.alpha.count { for b in 0..<d.beta.count { for n in 0..<nN {
                guard let p = d.simMajorityPhase(a, b, l, n) else { continue }
                majority[(a * d.beta.count + b) * nN + n] = p
                present[a * d.beta.count + b].append(n)
            } } }
            for n in 0..<nN {
                let label = "sim phases N=\(d.N[n]) λ=\(formatNumber(lambda))"
                panel.beginSeries(&doc, class: "sim", series: label)
                for a in 0..<d.alpha.count {
                    for b in 0..<d.beta.count {
                        let here = present[a * d.beta.count + b]
                        guard let p = majority[(a * d.beta.count + b) * nN + n], let q = panel.point(d.alpha[a], d.beta[b]),
                              let k = here.firstIndex(of: n) else { continue }
                        let dx = (Double(k) - Double(here.count - 1) / 2) * 8
                        doc.marker(q.0 + dx, q.1, MarkerStyle(shape: phaseShape(p), color: phaseInk(p), size: 7),
                                   title: "α=\(formatNumber(d.alpha[a])) β=\(formatNumber(d.beta[b])) N=\(d.N[n]): \(phaseNames[p]!)")
                        if let round = d.refinedRound(a, b, l, n) { refinedRing(&doc, q.0 + dx, q.1, markerSize: 7, round: round) }
                    }
                }
                doc.endGroup()
                series.append(label)
            }
        }
        drawLegend(&doc, items: legend, x: Layout.legendX(panels: nL), y: Layout.header + 6, width: Layout.legendW - 20)
        return Figure(name: "phase_diagram", title: title, svg: doc.render(title: title), series: series, notes: notes)
    }
}
