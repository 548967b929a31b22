// `vaesweep plot RESULTS.h5 --point α,β,λ`: why one grid point agrees or not (MODEL.md §7). One
// panel per validated observable, against x = N^(−ω₁) of its ansatz (so N = ∞ is x = 0 and the
// leading finite-size term is a straight line): the per-N means q̃_N ± s_N (filled: used in the fit;
// open grey: left out, with the reason in the tooltip), the fitted curve q∞ + a N^(−ω₁) (+ b N^(−ω₂))
// — for the composed ε_g of the overlearning phase ρ − 2√ρ m(N) + Q(N) from the fits of m and Q —,
// the guard's refit (dotted) where it applied, q∞ ± se(q∞) at x = 0, and the theory value (dashed).
import Foundation
import Statistics
import ResultsFile
import VAETheory

extension Figures {
    /// The grid indices of the point (α, β, λ) (relative tolerance 1e-9), or nil.
    public static func gridIndex(_ d: ResultsData, alpha: Double, beta: Double, lambda: Double) -> (Int, Int, Int)? {
        func find(_ v: [Double], _ x: Double) -> Int? { v.firstIndex { abs($0 - x) <= 1e-9 * max(1, abs(x)) } }
        guard let a = find(d.alpha, alpha), let b = find(d.beta, beta), let l = find(d.lam, lambda) else { return nil }
        return (a, b, l)
    }

    /// The per-point validation figure of grid point (a, b, l); nil without simulations.
    public static func point(_ d: ResultsData, a: Int, b: Int, l: Int, validation given: Validation? = nil) -> Figure? {
        guard d.hasSimulation else { return nil }
        let v = given ?? Validation.compute(d)
        let nq = Validation.quantities.count
        let base = d.theoryIndex(a, b, l) * nq
        let pts = (0..<nq).map { v.points[base + $0] }
        let alpha = d.alpha[a], beta = d.beta[b], lambda = d.lam[l]
        let dataColor = "#1f78b4", fitColor = "#e31a1c", theoryColor = "#000000", dropColor = "#999999"
        let legend: [LegendItem] = [
            .heading("per N (x = N^(−ω₁) of the ansatz)"),
            .marker(MarkerStyle(shape: .circle, color: dataColor, size: 7), "q̃_N ± s_N, used in the fit"),
            .marker(MarkerStyle(shape: .circle, color: dropColor, size: 7, filled: false), "q̃_N, left out (tooltip: why)"),
            .line(LineStyle(color: fitColor, width: 1.8), "fit q∞ + a N^(−ω₁) (+ b N^(−ω₂))"),
            .line(LineStyle(color: fitColor, width: 1.2, dash: "2,3"), "guard refit q∞′ + a′ N^(−ω₂)"),
            .marker(MarkerStyle(shape: .diamond, color: fitColor, size: 9), "q∞ ± se(q∞) at N = ∞"),
            .line(LineStyle(color: theoryColor, width: 1.4, dash: "6,4"), "N = ∞ theory"),
        ]
        let (w, h) = Layout.size(panels: nq, legendH: legendHeight(legend))
        var doc = SVGDocument(width: w, height: h)
        let phase = pts.first?.phase?.name ?? "?"
        let title = "Validation at α = \(formatNumber(alpha)), β = \(formatNumber(beta)), λ = \(formatNumber(lambda)) (theory: \(phase))"
        figureHeader(&doc, title, d)
        var series: [String] = [], notes: [String] = []
        for (k, p) in pts.enumerated() {
            let q = p.quantity
            let name = q.displayName
            let omega = p.fit?.exponents.dropFirst().first ?? p.components[.m]?.exponents.dropFirst().first
                ?? Ansatz.of(quantity: q, phase: p.phase ?? .learning).exponents?.0 ?? 1
            let xOf = { (n: Double) in pow(n, -omega) }
            let sized = p.sizes.filter { $0.seeds >= 1 && $0.mean.isFinite }
            // the fitted curve as a function of N
            var curve: ((Double) -> Double)? = nil
            if let f = p.fit { curve = { f.value(at: $0) } }
            if let fm = p.components[.m], let fq = p.components[.Q] {
                let rho = d.rho, sr = d.rho.squareRoot()
                curve = { rho - 2 * sr * fm.value(at: $0) + fq.value(at: $0) }
            }
            var guardCurve: ((Double) -> Double)? = nil
            if p.guardQInf.isFinite, let f = p.fit, let (ga, gb) = guardLine(p, f) { guardCurve = { ga + gb * pow($0, -(p.ansatz.exponents?.1 ?? 1)) } }
            let xMax = (sized.map { xOf(Double($0.n)) }.max() ?? 1) * 1.08
            let dense = (0...60).map { xMax * Double($0) / 60 }
            func nAt(_ x: Double) -> Double { x > 0 ? pow(x, -1 / omega) : .infinity }
            var ys: [Double] = [p.theory]
            for s in sized { ys.append(s.mean); if s.se.isFinite { ys += [s.mean - s.se, s.mean + s.se] } }
            if p.qInf.isFinite { ys += [p.qInf - p.seInf, p.qInf + p.seInf] }
            if let curve { ys += dense.dropFirst().map { curve(nAt($0)) } }
            let (ox, oy) = Layout.origin(k, panels: nq)
            var panel = Panel(x: ox, y: oy, width: Layout.plotW, height: Layout.plotH, xKind: .linear, xDomain: (-0.06 * xMax, xMax),
                              yKind: .linear, yDomain: Scale.niceDomain(ys.filter(\.isFinite), kind: .linear))
            var head = "\(name): \(p.verdict.name.replacingOccurrences(of: "_", with: " "))"
            if p.z.isFinite { head += String(format: " (z = %.2f, p = %@, ν = %.1f)", p.z, formatNumber(p.p, significant: 2), p.nu) }
            panel.drawAxes(&doc, title: head, xLabel: "N^(−\(formatNumber(omega, significant: 3)))  (N = ∞ at 0)", yLabel: name)
            // theory
            let tLabel = "theory \(q)"
            panel.beginSeries(&doc, class: "theory", series: tLabel)
            panel.line(&doc, [(-0.06 * xMax, p.theory), (xMax, p.theory)], LineStyle(color: theoryColor, width: 1.4, dash: "6,4"))
            doc.endGroup(); series.append(tLabel)
            // fitted curve and guard
            if let curve {
                let fLabel = "fit \(q)"
                panel.beginSeries(&doc, class: "fit", series: fLabel, extra: "data-ansatz=\"\(p.ansatz.name)\"")
                panel.line(&doc, dense.map { ($0, $0 == 0 ? p.qInfCurveIntercept(curve) : curve(nAt($0))) }, LineStyle(color: fitColor, width: 1.8))
                doc.endGroup(); series.append(fLabel)
            }
            if let guardCurve {
                let gLabel = "guard \(q)"
                panel.beginSeries(&doc, class: "fit guard", series: gLabel)
                panel.line(&doc, dense.map { ($0, $0 == 0 ? p.guardQInf : guardCurve(nAt($0))) }, LineStyle(color: fitColor, width: 1.2, dash: "2,3"))
                doc.endGroup(); series.append(gLabel)
            }
            // per-N means
            let mLabel = "means \(q)"
            panel.beginSeries(&doc, class: "sim means", series: mLabel)
            for s in sized {
                let x = xOf(Double(s.n))
                guard let c = panel.point(x, s.mean) else { continue }
                let color = s.usable ? dataColor : dropColor
                if s.se.isFinite, let y1 = panel.yScale(s.mean - s.se), let y2 = panel.yScale(s.mean + s.se) { doc.errorBar(x: c.0, y1: y1, y2: y2, color: color) }
                let why = SizeExclusion.all.filter { s.exclusion.contains($0.0) }.map { $0.1.replacingOccurrences(of: "_", with: " ") }
                doc.marker(c.0, c.1, MarkerStyle(shape: .circle, color: color, size: 7, filled: s.usable),
                           title: "N = \(s.n): q̃ = \(formatNumber(s.mean)) ± \(formatNumber(s.se)) (\(s.seeds) replicates"
                           + (s.shift != 0 ? ", shifted by \(formatNumber(-s.shift)) to α" : "") + ")"
                           + (why.isEmpty ? "" : "; left out: " + why.joined(separator: ", ")))
            }
            doc.endGroup(); series.append(mLabel)
            // q∞ ± se
            if p.qInf.isFinite, let c = panel.point(0, p.qInf) {
                let eLabel = "q_inf \(q)"
                panel.beginSeries(&doc, class: "sim estimate", series: eLabel)
                if let y1 = panel.yScale(p.qInf - p.seInf), let y2 = panel.yScale(p.qInf + p.seInf) { doc.errorBar(x: c.0, y1: y1, y2: y2, color: fitColor, cap: 5) }
                doc.marker(c.0, c.1, MarkerStyle(shape: .diamond, color: fitColor, size: 9),
                           title: "q∞ = \(formatNumber(p.qInf)) ± \(formatNumber(p.seInf)), theory \(formatNumber(p.theory)) [\(p.ansatz.name)]")
                doc.endGroup(); series.append(eLabel)
            }
            doc.text(panel.x + 0.1 * panel.width, panel.y + 14, "q∞ = \(formatNumber(p.qInf)) ± \(formatNumber(p.seInf)); theory \(formatNumber(p.theory))",
                     size: 10, color: "#333", class: "panel-note")
            if !p.reason.isEmpty { notes.append("\(name): \(p.reason)") }
        }
        drawLegend(&doc, items: legend, x: Layout.legendX(panels: nq), y: Layout.header + 6, width: Layout.legendW - 20)
        let fname = "point_alpha\(formatNumber(alpha))_beta\(formatNumber(beta))_lam\(formatNumber(lambda))"
        return Figure(name: fname, title: title, svg: doc.render(title: title), series: series, notes: notes)
    }

    /// The guard's refit line (intercept, slope on N^(−ω₂)) through the used per-N means.
    static func guardLine(_ p: PointValidation, _ f: FiniteSizeFit) -> (Double, Double)? {
        let used = p.sizes.filter(\.usable)
        guard let basis = p.ansatz.guardBasis,
              let g = FiniteSizeFit.fit(n: used.map(\.n), values: used.map(\.mean),
                                        weights: used.map { FiniteSizeFit.weight(n: $0.n, replicates: $0.seeds) }, exponents: basis) else { return nil }
        return (g.coefficients[0], g.coefficients[1])
    }
}

private extension PointValidation {
    /// The curve's value at N = ∞: q∞ of the fit (the composed ε_g's q∞ is the estimate's).
    func qInfCurveIntercept(_ curve: (Double) -> Double) -> Double { estimate.map { $0.qInf } ?? curve(1e300) }
}
