// Colours, marker shapes and line/marker styles of the figures.
import Foundation
import Statistics

// MARK: - Colours and markers

/// The colours of the figures.
public enum Palette {
    /// Ten well-separated categorical colours (Tableau 10).
    public static let categorical = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                     "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]

    /// Categorical colour `i` (cycled).
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

    /// Phase shading (fills) and phase markers (inks).
    public static let collapsedFill = "#d9d9d9"
    /// Fill of the overlearning region.
    public static let overlearningFill = "#fdd0a2"
    /// Fill of the learning region.
    public static let learningFill = "#c6dbef"
    /// Marker/line colour of collapsed points.
    public static let collapsedInk = "#525252"
    /// Marker/line colour of overlearning points.
    public static let overlearningInk = "#d94801"
    /// Marker/line colour of learning points.
    public static let learningInk = "#08519c"
}

/// Marker shapes, drawn centred on the data point.
public enum MarkerShape: String, CaseIterable, Sendable {
    case circle, square, triangleUp, diamond, triangleDown, cross, plus

    /// Shape `i`, cycled.
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
    /// Stroke colour, width in pixels, dash pattern (SVG `stroke-dasharray`) and opacity.
    public var color: String
    /// Stroke width in pixels.
    public var width: Double
    /// SVG `stroke-dasharray` (nil: solid).
    public var dash: String?
    /// Stroke opacity in [0, 1] (written only when below 1).
    public var opacity: Double
    /// A line style (default width 1.8 px, solid, opaque).
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
    /// Shape, colour, nominal size in pixels and whether it is filled.
    public var shape: MarkerShape
    /// Colour (any SVG colour string).
    public var color: String
    /// Nominal size in pixels (≈ diameter).
    public var size: Double
    /// Whether a closed shape is filled (else white with a coloured outline; open shapes are never filled).
    public var filled: Bool
    /// A marker style (default 8 px, filled).
    public init(shape: MarkerShape, color: String, size: Double = 8, filled: Bool = true) {
        self.shape = shape; self.color = color; self.size = size; self.filled = filled
    }
    /// The marker of the system size at index `n` of the N axis: the seven shapes filled, then the
    /// five closed shapes unfilled, so twelve sizes stay distinguishable before the styles repeat.
    public static func systemSize(_ n: Int, color: String, size: Double = 8) -> MarkerStyle {
        let closed = MarkerShape.allCases.filter { !$0.isOpen }
        let i = n % (MarkerShape.allCases.count + closed.count)
        return i < MarkerShape.allCases.count ? MarkerStyle(shape: MarkerShape.cycle(i), color: color, size: size)
            : MarkerStyle(shape: closed[i - MarkerShape.allCases.count], color: color, size: size, filled: false)
    }

    var attributes: String {
        if shape.isOpen || !filled {
            return "fill=\"\(shape.isOpen ? "none" : "white")\" stroke=\"\(color)\" stroke-width=\"1.6\""
        }
        return "fill=\"\(color)\" stroke=\"white\" stroke-width=\"0.8\""
    }
}
