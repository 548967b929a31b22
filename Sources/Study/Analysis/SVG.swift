// A tiny, dependency-free SVG builder for the study's figures: scales with nice ticks (linear and
// log), panels with axes and clipped data areas, polylines, markers, error bars, shaded polygons,
// legends. Output is self-contained (inline styles only, generic font family), so the files open
// in any browser and convert with rsvg-convert.
import Foundation
import ResultsFile

// MARK: - Text and numbers

/// Escape text for use in SVG character data and attribute values.
public func svgEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(c)
        }
    }
    return out
}

/// `v` with binary noise removed (12 significant digits): 0.6000000000000001 → 0.6.
func cleaned(_ v: Double) -> Double { v == 0 ? 0 : (Double(String(format: "%.12g", v)) ?? v) }

/// A coordinate for SVG output: two decimals, no trailing zeros.
public func px(_ v: Double) -> String {
    let r = (v * 100).rounded() / 100
    if r == r.rounded() { return String(Int(r)) }
    var s = String(format: "%.2f", r)
    while s.hasSuffix("0") { s.removeLast() }
    return s
}

/// A compact human label for a number: "0.5", "12", "1e-4", "2.5e6".
public func formatNumber(_ v: Double, significant: Int = 4) -> String {
    guard v.isFinite else { return v.isNaN ? "NaN" : (v > 0 ? "∞" : "−∞") }
    if v == 0 { return "0" }
    let a = abs(v)
    if a >= 1e5 || a < 1e-3 {
        var s = String(format: "%.\(max(0, significant - 1))e", v)
        // "2.500e+06" -> "2.5e6"
        let parts = s.split(separator: "e")
        var mant = String(parts[0])
        if mant.contains(".") {
            while mant.hasSuffix("0") { mant.removeLast() }
            if mant.hasSuffix(".") { mant.removeLast() }
        }
        let exp = Int(parts[1]) ?? 0
        s = mant + "e" + String(exp)
        return s
    }
    var s = String(format: "%.\(significant)g", v)
    if s.contains("e") { s = String(format: "%.6f", v) }
    if s.contains(".") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    return s
}

// MARK: - Scales

/// Linear or logarithmic axis type.
public enum ScaleKind: String, Sendable {
    case linear, log
}

/// Maps data values in `domain` to pixel positions in `range` (range may be reversed, as for y).
public struct Scale: Sendable {
    public var kind: ScaleKind
    public var domain: (lo: Double, hi: Double)
    public var range: (lo: Double, hi: Double)

    public init(kind: ScaleKind, domain: (Double, Double), range: (Double, Double)) {
        self.kind = kind
        self.domain = (domain.0, domain.1)
        self.range = (range.0, range.1)
    }

    private func t(_ v: Double) -> Double { kind == .log ? log10(v) : v }

    /// Whether `v` can be placed on this scale (finite; positive on a log scale).
    public func accepts(_ v: Double) -> Bool { v.isFinite && (kind == .linear || v > 0) }

    /// Pixel position of `v`, or nil when the value cannot be placed.
    public func callAsFunction(_ v: Double) -> Double? {
        guard accepts(v) else { return nil }
        let a = t(domain.lo), b = t(domain.hi)
        let f = b == a ? 0.5 : (t(v) - a) / (b - a)
        return range.lo + f * (range.hi - range.lo)
    }

    /// Tick positions inside the domain ("nice" numbers).
    public func ticks(target: Int = 6) -> [Double] {
        switch kind {
        case .linear: return Scale.linearTicks(domain.lo, domain.hi, target: target)
        case .log: return Scale.logTicks(domain.lo, domain.hi, target: target)
        }
    }

    /// A step of 1, 2 or 5 × 10^k giving about `target` intervals over [lo, hi].
    public static func niceStep(_ lo: Double, _ hi: Double, target: Int) -> Double {
        let span = max(hi - lo, abs(hi) * 1e-12, 1e-300)
        let raw = span / Double(max(1, target))
        let mag = pow(10, floor(log10(raw)))
        let r = raw / mag
        let m: Double = r < 1.5 ? 1 : (r < 3 ? 2 : (r < 7 ? 5 : 10))
        return m * mag
    }

    public static func linearTicks(_ lo: Double, _ hi: Double, target: Int) -> [Double] {
        guard lo.isFinite, hi.isFinite, hi > lo else { return lo.isFinite ? [lo] : [] }
        let step = niceStep(lo, hi, target: target)
        let first = ceil(lo / step - 1e-9)
        var out: [Double] = []
        var k = first
        while k * step <= hi + step * 1e-9 && out.count < 100 {
            let v = k * step
            out.append(abs(v) < step * 1e-9 ? 0 : cleaned(v))
            k += 1
        }
        return out
    }

    public static func logTicks(_ lo: Double, _ hi: Double, target: Int) -> [Double] {
        guard lo > 0, hi > lo else { return lo > 0 ? [lo] : [] }
        let e0 = Int(floor(log10(lo))), e1 = Int(ceil(log10(hi)))
        let inside: ([Double]) -> [Double] = { $0.filter { $0 >= lo * (1 - 1e-9) && $0 <= hi * (1 + 1e-9) } }
        for mults in [[1.0], [1.0, 3.0], [1.0, 2.0, 5.0], [1.0, 2.0, 3.0, 5.0], [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]] {
            var out: [Double] = []
            for e in e0...e1 { for m in mults { out.append(cleaned(m * pow(10, Double(e)))) } }
            let t = inside(out)
            if t.count >= 3 {
                // Too many decades: thin to about `target` ticks, keeping whole decades.
                if t.count > target + 3 && mults.count == 1 {
                    let every = Int(ceil(Double(t.count) / Double(target)))
                    return t.enumerated().filter { $0.offset % every == 0 }.map { $0.element }
                }
                return t
            }
        }
        // Less than a factor ~2 of range: plain linear ticks read fine.
        return linearTicks(lo, hi, target: max(3, target - 2))
    }

    /// A padded, rounded domain covering `values` (non-placeable values ignored).
    public static func niceDomain(_ values: [Double], kind: ScaleKind, includeZero: Bool = false,
                                  pad: Double = 0.05) -> (Double, Double) {
        let v = values.filter { $0.isFinite && (kind == .linear || $0 > 0) }
        guard var lo = v.min(), var hi = v.max() else { return kind == .log ? (0.1, 10) : (0, 1) }
        switch kind {
        case .linear:
            if includeZero { lo = min(lo, 0); hi = max(hi, 0) }
            if hi - lo < 1e-12 * max(1, abs(hi)) {
                let d = lo == 0 ? 1 : abs(lo) * 0.1
                return (lo - d, hi + d)
            }
            let span = hi - lo
            let padLo = (includeZero && lo == 0) ? 0 : span * pad
            let padHi = (includeZero && hi == 0) ? 0 : span * pad
            return (lo - padLo, hi + padHi)
        case .log:
            var a = log10(lo), b = log10(hi)
            if b - a < 1e-9 { a -= 0.3; b += 0.3 }
            let span = b - a
            a -= span * pad; b += span * pad
            return (pow(10, a), pow(10, b))
        }
    }
}

/// Whether a coordinate grid is geometric (log-spaced): positive, ≥ 3 points, nearly constant
/// ratios and not nearly constant differences; or positive and spanning more than 1.5 decades
/// unevenly.
public func isLogSpaced(_ values: [Double]) -> Bool {
    let v = values.filter { $0.isFinite }.sorted()
    guard v.count >= 3, let first = v.first, first > 0, let last = v.last, last > first else { return false }
    var ratios: [Double] = [], diffs: [Double] = []
    for i in 1..<v.count { ratios.append(v[i] / v[i - 1]); diffs.append(v[i] - v[i - 1]) }
    let rSpread = (ratios.max()! - ratios.min()!) / ratios.min()!
    let dSpread = (diffs.max()! - diffs.min()!) / max(diffs.min()!, 1e-300)
    if rSpread < 0.02 && dSpread > 0.02 { return true }
    if dSpread < 0.02 { return false }
    return log10(last / first) > 1.5
}

// MARK: - Colours and markers

public enum Palette {
    /// Ten well-separated categorical colours (Tableau 10).
    public static let categorical = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                     "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    public static func category(_ i: Int) -> String { categorical[((i % categorical.count) + categorical.count) % categorical.count] }

    /// A perceptually ordered colour for t ∈ [0, 1] (viridis anchors, darkened at the yellow end
    /// so thin lines stay visible on white).
    public static func sequential(_ t: Double) -> String {
        let anchors: [(Double, Double, Double)] = [
            (68, 1, 84), (65, 68, 135), (42, 120, 142), (34, 168, 132), (122, 209, 81), (200, 190, 30),
        ]
        let x = min(1, max(0, t.isFinite ? t : 0)) * Double(anchors.count - 1)
        let i = min(anchors.count - 2, Int(floor(x)))
        let f = x - Double(i)
        let a = anchors[i], b = anchors[i + 1]
        let r = Int((a.0 + f * (b.0 - a.0)).rounded()), g = Int((a.1 + f * (b.1 - a.1)).rounded()),
            bl = Int((a.2 + f * (b.2 - a.2)).rounded())
        return String(format: "#%02x%02x%02x", r, g, bl)
    }

    /// Colour `i` of `n` ordered values: categorical when few, sequential when many.
    public static func ordered(_ i: Int, of n: Int) -> String {
        n <= 6 ? category(i) : sequential(n <= 1 ? 0 : Double(i) / Double(n - 1))
    }

    public static let collapsedFill = "#d9d9d9"
    public static let overlearningFill = "#fdd0a2"
    public static let learningFill = "#c6dbef"
    public static let collapsedInk = "#525252"
    public static let overlearningInk = "#d94801"
    public static let learningInk = "#08519c"
}

/// Marker shapes, drawn centred on the data point.
public enum MarkerShape: String, CaseIterable, Sendable {
    case circle, square, triangleUp, diamond, triangleDown, cross, plus

    public static func cycle(_ i: Int) -> MarkerShape { allCases[i % allCases.count] }

    /// Path data centred at the origin for a marker of nominal size `s` (≈ diameter in px).
    func path(size s: Double) -> String {
        let r = s / 2
        switch self {
        case .circle:
            return "M\(px(-r)),0a\(px(r)),\(px(r)) 0 1,0 \(px(2 * r)),0a\(px(r)),\(px(r)) 0 1,0 \(px(-2 * r)),0Z"
        case .square:
            let h = r * 0.88
            return "M\(px(-h)),\(px(-h))H\(px(h))V\(px(h))H\(px(-h))Z"
        case .triangleUp:
            let h = r * 1.15
            return "M0,\(px(-h))L\(px(h)),\(px(h * 0.75))L\(px(-h)),\(px(h * 0.75))Z"
        case .triangleDown:
            let h = r * 1.15
            return "M0,\(px(h))L\(px(h)),\(px(-h * 0.75))L\(px(-h)),\(px(-h * 0.75))Z"
        case .diamond:
            let h = r * 1.2
            return "M0,\(px(-h))L\(px(h)),0L0,\(px(h))L\(px(-h)),0Z"
        case .cross:
            let h = r * 0.85
            return "M\(px(-h)),\(px(-h))L\(px(h)),\(px(h))M\(px(-h)),\(px(h))L\(px(h)),\(px(-h))"
        case .plus:
            return "M\(px(-r)),0H\(px(r))M0,\(px(-r))V\(px(r))"
        }
    }

    /// Line-only shapes are stroked, never filled.
    var isOpen: Bool { self == .cross || self == .plus }
}

/// Stroke style of a line.
public struct LineStyle: Sendable {
    public var color: String
    public var width: Double
    public var dash: String?
    public var opacity: Double
    public init(color: String, width: Double = 1.8, dash: String? = nil, opacity: Double = 1) {
        self.color = color; self.width = width; self.dash = dash; self.opacity = opacity
    }
    var attributes: String {
        var s = "fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(px(width))\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
        if let dash { s += " stroke-dasharray=\"\(dash)\"" }
        if opacity < 1 { s += " stroke-opacity=\"\(px(opacity))\"" }
        return s
    }
}

/// Fill and shape of a marker.
public struct MarkerStyle: Sendable {
    public var shape: MarkerShape
    public var color: String
    public var size: Double
    public var filled: Bool
    public init(shape: MarkerShape, color: String, size: Double = 8, filled: Bool = true) {
        self.shape = shape; self.color = color; self.size = size; self.filled = filled
    }
    var attributes: String {
        if shape.isOpen || !filled {
            return "fill=\"\(shape.isOpen ? "none" : "white")\" stroke=\"\(color)\" stroke-width=\"1.6\""
        }
        return "fill=\"\(color)\" stroke=\"white\" stroke-width=\"0.8\""
    }
}

// MARK: - Document

/// An SVG document assembled from raw element strings.
public struct SVGDocument {
    public let width: Double
    public let height: Double
    private var defs: [String] = []
    private var body: [String] = []
    private var clipCount = 0

    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Append a raw element (caller escapes text).
    public mutating func raw(_ element: String) { body.append(element) }

    /// Open a `<g>` with a class and an optional series label (`data-series`).
    public mutating func beginGroup(class cls: String, series: String? = nil, extra: String = "") {
        var s = "<g class=\"\(svgEscape(cls))\""
        if let series { s += " data-series=\"\(svgEscape(series))\"" }
        if !extra.isEmpty { s += " " + extra }
        body.append(s + ">")
    }

    public mutating func endGroup() { body.append("</g>") }

    /// Define a rectangular clip path; returns its id.
    public mutating func clipRect(x: Double, y: Double, width: Double, height: Double) -> String {
        clipCount += 1
        let id = "clip\(clipCount)"
        defs.append("<clipPath id=\"\(id)\"><rect x=\"\(px(x))\" y=\"\(px(y))\" width=\"\(px(width))\" height=\"\(px(height))\"/></clipPath>")
        return id
    }

    public mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, _ style: LineStyle, class cls: String? = nil) {
        let c = cls.map { " class=\"\($0)\"" } ?? ""
        body.append("<line\(c) x1=\"\(px(x1))\" y1=\"\(px(y1))\" x2=\"\(px(x2))\" y2=\"\(px(y2))\" \(style.attributes)/>")
    }

    /// A polyline through pixel points (≥ 2 points; a single point becomes a small dot).
    public mutating func polyline(_ pts: [(Double, Double)], _ style: LineStyle) {
        if pts.count == 1 {
            body.append("<circle cx=\"\(px(pts[0].0))\" cy=\"\(px(pts[0].1))\" r=\"\(px(style.width * 1.2))\" fill=\"\(style.color)\"/>")
            return
        }
        guard pts.count >= 2 else { return }
        let d = pts.enumerated().map { ($0.offset == 0 ? "M" : "L") + px($0.element.0) + "," + px($0.element.1) }.joined()
        body.append("<path d=\"\(d)\" \(style.attributes)/>")
    }

    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, strokeWidth: Double = 1, opacity: Double = 1, class cls: String? = nil) {
        var s = "<rect"
        if let cls { s += " class=\"\(cls)\"" }
        s += " x=\"\(px(x))\" y=\"\(px(y))\" width=\"\(px(max(0, width)))\" height=\"\(px(max(0, height)))\" fill=\"\(fill)\""
        if opacity < 1 { s += " fill-opacity=\"\(px(opacity))\"" }
        if let stroke { s += " stroke=\"\(stroke)\" stroke-width=\"\(px(strokeWidth))\"" }
        body.append(s + "/>")
    }

    public mutating func polygon(_ pts: [(Double, Double)], fill: String, opacity: Double = 1) {
        guard pts.count >= 3 else { return }
        let p = pts.map { px($0.0) + "," + px($0.1) }.joined(separator: " ")
        body.append("<polygon points=\"\(p)\" fill=\"\(fill)\"" + (opacity < 1 ? " fill-opacity=\"\(px(opacity))\"" : "") + "/>")
    }

    /// A marker centred at pixel (x, y), written as a translated path so readers can recover the
    /// exact position from the `transform` attribute.
    public mutating func marker(_ x: Double, _ y: Double, _ style: MarkerStyle, title: String? = nil) {
        let t = title.map { "<title>\(svgEscape($0))</title>" } ?? ""
        body.append("<path class=\"marker\" transform=\"translate(\(px(x)),\(px(y)))\" d=\"\(style.shape.path(size: style.size))\" \(style.attributes)>\(t)</path>")
    }

    /// A vertical error bar from y1 to y2 at x, with caps.
    public mutating func errorBar(x: Double, y1: Double, y2: Double, color: String, cap: Double = 3) {
        let d = "M\(px(x)),\(px(y1))V\(px(y2))M\(px(x - cap)),\(px(y1))H\(px(x + cap))M\(px(x - cap)),\(px(y2))H\(px(x + cap))"
        body.append("<path class=\"errorbar\" d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.1\"/>")
    }

    public enum Anchor: String { case start, middle, end }

    public mutating func text(_ x: Double, _ y: Double, _ string: String, size: Double = 12, anchor: Anchor = .start,
                              weight: String? = nil, rotate: Double? = nil, color: String = "#222", class cls: String? = nil,
                              baseline: String? = nil) {
        var s = "<text"
        if let cls { s += " class=\"\(cls)\"" }
        s += " x=\"\(px(x))\" y=\"\(px(y))\" font-size=\"\(px(size))\" text-anchor=\"\(anchor.rawValue)\" fill=\"\(color)\""
        if let weight { s += " font-weight=\"\(weight)\"" }
        if let baseline { s += " dominant-baseline=\"\(baseline)\"" }
        if let rotate { s += " transform=\"rotate(\(px(rotate)) \(px(x)) \(px(y)))\"" }
        body.append(s + ">\(svgEscape(string))</text>")
    }

    /// The complete document.
    public func render(title: String? = nil) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(px(width))\" height=\"\(px(height))\" viewBox=\"0 0 \(px(width)) \(px(height))\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
        if let title { out += "<title>\(svgEscape(title))</title>\n" }
        if !defs.isEmpty { out += "<defs>\n" + defs.joined(separator: "\n") + "\n</defs>\n" }
        out += "<rect x=\"0\" y=\"0\" width=\"\(px(width))\" height=\"\(px(height))\" fill=\"white\"/>\n"
        out += body.joined(separator: "\n")
        out += "\n</svg>\n"
        return out
    }
}

// MARK: - Panels

/// One set of axes: a plot area at (x, y, width, height) in document pixels, with its scales.
public struct Panel {
    public let x: Double, y: Double, width: Double, height: Double
    public let xScale: Scale
    public let yScale: Scale
    public private(set) var clipID = ""

    public init(x: Double, y: Double, width: Double, height: Double,
                xKind: ScaleKind, xDomain: (Double, Double), yKind: ScaleKind, yDomain: (Double, Double)) {
        self.x = x; self.y = y; self.width = width; self.height = height
        xScale = Scale(kind: xKind, domain: xDomain, range: (x, x + width))
        yScale = Scale(kind: yKind, domain: yDomain, range: (y + height, y))
    }

    /// Pixel position of a data point, or nil if either coordinate cannot be placed.
    public func point(_ vx: Double, _ vy: Double) -> (Double, Double)? {
        guard let a = xScale(vx), let b = yScale(vy) else { return nil }
        return (a, b)
    }

    /// Draw frame, grid, ticks, tick labels, axis labels and title; defines the clip path.
    public mutating func drawAxes(_ doc: inout SVGDocument, title: String, xLabel: String, yLabel: String) {
        clipID = doc.clipRect(x: x, y: y, width: width, height: height)
        doc.beginGroup(class: "axes")
        doc.rect(x: x, y: y, width: width, height: height, fill: "#ffffff", stroke: nil, class: "plot-area")
        let grid = LineStyle(color: "#e6e6e6", width: 1)
        let xt = xScale.ticks(), yt = yScale.ticks()
        for v in xt { if let p = xScale(v) { doc.line(p, y, p, y + height, grid) } }
        for v in yt { if let p = yScale(v) { doc.line(x, p, x + width, p, grid) } }
        doc.rect(x: x, y: y, width: width, height: height, fill: "none", stroke: "#444", strokeWidth: 1)
        let tick = LineStyle(color: "#444", width: 1)
        for v in xt {
            guard let p = xScale(v) else { continue }
            doc.line(p, y + height, p, y + height + 5, tick, class: "tick-x")
            doc.text(p, y + height + 18, formatNumber(v), size: 11, anchor: .middle, class: "tick-label-x")
        }
        for v in yt {
            guard let p = yScale(v) else { continue }
            doc.line(x - 5, p, x, p, tick, class: "tick-y")
            doc.text(x - 8, p + 4, formatNumber(v), size: 11, anchor: .end, class: "tick-label-y")
        }
        doc.text(x + width / 2, y + height + 36, xLabel, size: 13, anchor: .middle, class: "axis-label-x")
        doc.text(x - 46, y + height / 2, yLabel, size: 13, anchor: .middle, rotate: -90, class: "axis-label-y")
        doc.text(x + width / 2, y - 9, title, size: 13, anchor: .middle, weight: "bold", class: "panel-title")
        doc.endGroup()
    }

    /// Begin a clipped data group for one series.
    public func beginSeries(_ doc: inout SVGDocument, class cls: String, series: String) {
        doc.beginGroup(class: "series " + cls, series: series, extra: clipID.isEmpty ? "" : "clip-path=\"url(#\(clipID))\"")
    }

    /// Draw a data line, broken where points are missing (nil) or cannot be placed.
    public func line(_ doc: inout SVGDocument, _ pts: [(Double, Double)?], _ style: LineStyle) {
        var seg: [(Double, Double)] = []
        for p in pts {
            if let p, let q = point(p.0, p.1) { seg.append(q) } else {
                doc.polyline(seg, style); seg = []
            }
        }
        doc.polyline(seg, style)
    }
}

// MARK: - Legend

/// One legend row.
public enum LegendItem {
    case line(LineStyle, String)
    case marker(MarkerStyle, String)
    case lineMarker(LineStyle, MarkerStyle, String)
    case swatch(String, String)
    case heading(String)
}

/// Draw a legend box at (x, y), `width` wide; returns its height.
@discardableResult
public func drawLegend(_ doc: inout SVGDocument, items: [LegendItem], x: Double, y: Double, width: Double) -> Double {
    guard !items.isEmpty else { return 0 }
    let row = 18.0
    let h = Double(items.count) * row + 10
    doc.beginGroup(class: "legend")
    doc.rect(x: x, y: y, width: width, height: h, fill: "white", stroke: "#999", strokeWidth: 0.8, opacity: 0.92)
    for (i, item) in items.enumerated() {
        let cy = y + 5 + row * (Double(i) + 0.5)
        let sx = x + 8, tx = x + 40
        switch item {
        case let .line(style, label):
            doc.line(sx, cy, sx + 24, cy, style)
            doc.text(tx, cy + 4, label, size: 11)
        case let .marker(style, label):
            doc.marker(sx + 12, cy, style)
            doc.text(tx, cy + 4, label, size: 11)
        case let .lineMarker(ls, ms, label):
            doc.line(sx, cy, sx + 24, cy, ls)
            doc.marker(sx + 12, cy, ms)
            doc.text(tx, cy + 4, label, size: 11)
        case let .swatch(fill, label):
            doc.rect(x: sx, y: cy - 6, width: 24, height: 12, fill: fill, stroke: "#888", strokeWidth: 0.6)
            doc.text(tx, cy + 4, label, size: 11)
        case let .heading(label):
            doc.text(x + 8, cy + 4, label, size: 11, weight: "bold")
        }
    }
    doc.endGroup()
    return h
}
