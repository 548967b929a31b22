// A tiny, dependency-free SVG builder for the study's figures: scales with nice ticks (linear and
// log), panels with axes and clipped data areas, polylines, markers, error bars, shaded polygons,
// legends. Output is self-contained (inline styles only, generic font family), so the files open
// in any browser and convert with rsvg-convert.
import Foundation
import Statistics
import ResultsFile

// MARK: - Document

/// An SVG document assembled from raw element strings.
public struct SVGDocument {
    /// Document width in pixels.
    public let width: Double
    /// Document height in pixels.
    public let height: Double
    private var defs: [String] = []
    private var body: [String] = []
    private var clipCount = 0

    /// An empty document of the given size.
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

    /// Close the innermost open `<g>`.
    public mutating func endGroup() { body.append("</g>") }

    /// Define a rectangular clip path; returns its id.
    public mutating func clipRect(x: Double, y: Double, width: Double, height: Double) -> String {
        clipCount += 1
        let id = "clip\(clipCount)"
        defs.append("<clipPath id=\"\(id)\"><rect x=\"\(px(x))\" y=\"\(px(y))\" width=\"\(px(width))\" height=\"\(px(height))\"/></clipPath>")
        return id
    }

    /// A straight line between two pixel points.
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

    /// A rectangle in pixels (negative sizes are drawn as 0).
    public mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, strokeWidth: Double = 1, opacity: Double = 1, class cls: String? = nil) {
        var s = "<rect"
        if let cls { s += " class=\"\(cls)\"" }
        s += " x=\"\(px(x))\" y=\"\(px(y))\" width=\"\(px(max(0, width)))\" height=\"\(px(max(0, height)))\" fill=\"\(fill)\""
        if opacity < 1 { s += " fill-opacity=\"\(px(opacity))\"" }
        if let stroke { s += " stroke=\"\(stroke)\" stroke-width=\"\(px(strokeWidth))\"" }
        body.append(s + "/>")
    }

    /// A filled polygon through pixel points (≥ 3).
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

    /// A ring (an unfilled circle, class `refined-ring`) of `radius` px centred at pixel (x, y),
    /// drawn around a marker to single it out.
    public mutating func ring(_ x: Double, _ y: Double, radius: Double, color: String = "#111", title: String? = nil) {
        let t = title.map { "<title>\(svgEscape($0))</title>" } ?? ""
        body.append("<circle class=\"refined-ring\" cx=\"\(px(x))\" cy=\"\(px(y))\" r=\"\(px(radius))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.3\">\(t)</circle>")
    }

    /// A vertical error bar from y1 to y2 at x, with caps.
    public mutating func errorBar(x: Double, y1: Double, y2: Double, color: String, cap: Double = 3) {
        let d = "M\(px(x)),\(px(y1))V\(px(y2))M\(px(x - cap)),\(px(y1))H\(px(x + cap))M\(px(x - cap)),\(px(y2))H\(px(x + cap))"
        body.append("<path class=\"errorbar\" d=\"\(d)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.1\"/>")
    }

    /// Horizontal text anchor.
    public enum Anchor: String { case start, middle, end }

    /// A text element at pixel (x, y), optionally rotated about that point.
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
