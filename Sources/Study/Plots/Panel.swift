// One set of axes in an SVG document, and the legend box.
import Foundation
import Statistics

// MARK: - Panels

/// One set of axes: a plot area at (x, y, width, height) in document pixels, with its scales.
public struct Panel {
    /// The plot area in document pixels.
    public let x: Double, y: Double, width: Double, height: Double
    /// Data → pixel mapping of the horizontal axis.
    public let xScale: Scale
    /// Data → pixel mapping of the vertical axis (pixel y grows downwards).
    public let yScale: Scale
    /// The clip path of the plot area (set by `drawAxes`).
    public private(set) var clipID = ""

    /// A panel at (x, y) of the given size with the given axis kinds and data domains.
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
    /// `extra` adds raw attributes (e.g. `data-points="400"` for the size of a dense theory grid).
    public func beginSeries(_ doc: inout SVGDocument, class cls: String, series: String, extra: String = "") {
        let clip = clipID.isEmpty ? "" : "clip-path=\"url(#\(clipID))\""
        doc.beginGroup(class: "series " + cls, series: series, extra: [clip, extra].filter { !$0.isEmpty }.joined(separator: " "))
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
    /// A grey marker with the ring of refined points, and its label.
    case ring(String)
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
        case let .ring(label):
            doc.marker(sx + 12, cy, MarkerStyle(shape: .circle, color: "#888", size: 7))
            doc.ring(sx + 12, cy, radius: 6)
            doc.text(tx, cy + 4, label, size: 11)
        }
    }
    doc.endGroup()
    return h
}
