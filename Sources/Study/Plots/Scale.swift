// Axis scales (linear and log) with nice ticks and padded domains, and log-spacing detection.
import Foundation
import Statistics

// MARK: - Scales

/// Linear or logarithmic axis type.
public enum ScaleKind: String, Sendable {
    case linear, log
}

/// Maps data values in `domain` to pixel positions in `range` (range may be reversed, as for y).
public struct Scale: Sendable {
    /// Linear or log, the data domain and the pixel range it maps to.
    public var kind: ScaleKind
    /// The data interval mapped (positive for a log scale).
    public var domain: (lo: Double, hi: Double)
    /// The pixel interval it maps to (lo may exceed hi, as for y).
    public var range: (lo: Double, hi: Double)

    /// A scale from `domain` (data) to `range` (pixels).
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

    /// Nice linear ticks over [lo, hi] (about `target` of them).
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

    /// Log ticks over [lo, hi]: decades, thinned or refined (1-3, 1-2-5, …) to about `target`.
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

