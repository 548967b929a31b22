// χ_k deviates for the bidiagonal model (MODEL.md §8), exact for every k ≥ 1 (k up to ~10⁹), from
// the counter-based stream of Random.swift, with the same bits on every machine.
//
// χ_k² = 2 Γ_k with Γ_k ~ Gamma(k/2, 1). k = 1: χ₁ = |z| for one normal deviate z. k ≥ 2 (shape
// a = k/2 ≥ 1): Marsaglia & Tsang, "A simple method for generating gamma variables", ACM TOMS 26
// (2000) 363: d = a − 1/3, c = 1/(3√d); repeat { x ~ N(0,1), t = 1 + c x, if t ≤ 0 retry; v = t³,
// u ~ U(0,1); accept if u < 1 − 0.0331 x⁴ (squeeze) or ln u < x²/2 + d (1 − v + ln v) }; Γ = d v.
// The log test for small |y| = |c x| (large d): with v = (1 + y)³ and d c² = 1/9 the x²/2 cancels
// exactly, x²/2 + d(1 − v + ln v) = 3d Σ_{j≥4} (−1)^{j+1} yʲ/j, summed to y¹⁷ for |y| < 1/16 (relative
// truncation < 2e-16), so no cancellation of O(1) terms multiplied by d ~ 10⁸. Otherwise the
// formula as written, with ln of BoxMuller.swift.
//
// Consumption rule (what makes variable i a pure function of (key, i, k)): variable i uses ONLY row
// i of its stream (Philox counter word c1 = i). Attempt j = 0, 1, … of the rejection loop uses the
// blocks 2j and 2j + 1 of that row: x is the cosine deviate of block 2j (r cos 2πu₂ with (u₁, u₂)
// the two uniforms of that block, exactly deviate 4j of `GaussianStream.fill`), u is the first
// uniform of block 2j + 1 (its second uniform is unused). χ₁ uses x of block 0. So a variable's
// value does not depend on how many other variables are drawn, in what order, or on which rank.
// Arithmetic: +, −, ×, ÷, √ (correctly rounded) and BoxMuller.ln / sinCosTwoPi only, in a fixed
// order; Swift does not contract a·b + c into an FMA, so every CPU gives the same bits.
import Foundation

/// χ_k deviates of the bidiagonal model on a counter-based stream (see the file header).
public struct ChiStream: Sendable {
    /// The underlying Philox stream (its key and id; rows are variables).
    public let stream: GaussianStream

    /// χ deviates on `stream`.
    public init(_ stream: GaussianStream) { self.stream = stream }

    /// The χ stream of the bidiagonal data set (α, N) of `key` (purpose `.bidiagonal`).
    public init(key: DataKey, alpha: Double, n: Int) { stream = key.stream(.bidiagonal, alpha: alpha, n: n) }

    /// Largest variable index (rows are 32-bit counter words).
    public static let maxVariable = Int(UInt32.max)

    /// Gamma(k/2, 1) · 2 = χ_k² of variable `i` (k ≥ 2; for k = 1 this is z², z of block 0).
    @inline(__always)
    public func chiSquared(degrees k: Int, variable i: Int) -> Double {
        precondition(k >= 1, "ChiStream: degrees \(k) < 1")
        precondition(i >= 0 && i <= ChiStream.maxVariable, "ChiStream: variable \(i) outside 0 ... 2^32 − 1")
        let row = UInt32(truncatingIfNeeded: i)
        if k == 1 { let z = stream.cosineDeviate(row: row, block: 0); return z * z }
        return 2 * ChiStream.gamma(shape: 0.5 * Double(k), stream: stream, row: row)
    }

    /// χ_k of variable `i`: |z| for k = 1, √(χ_k²) for k ≥ 2.
    @inline(__always)
    public func chi(degrees k: Int, variable i: Int) -> Double {
        if k == 1 {
            precondition(i >= 0 && i <= ChiStream.maxVariable, "ChiStream: variable \(i) outside 0 ... 2^32 − 1")
            return abs(stream.cosineDeviate(row: UInt32(truncatingIfNeeded: i), block: 0))
        }
        return chiSquared(degrees: k, variable: i).squareRoot()
    }

    /// out[j] = scale · χ_{k₀ − j} of variable v₀ + stride · j, j = 0 ..< count (k₀ − count + 1 ≥ 1):
    /// the same bits as `scale * chi(degrees:variable:)` one at a time (tested). Attempt 0 of every
    /// variable goes in chunks through simple loops (Philox → uniforms; r = √(−2 ln u₁); x = r cos
    /// 2πu₂; the squeeze, branch-free), so many variables are in flight; the few that the squeeze
    /// does not accept are redone one at a time by `chi`.
    public func fillChi(into out: UnsafeMutablePointer<Double>, count: Int, firstVariable v0: Int, stride: Int = 1,
                        firstDegrees k0: Int, scale: Double) {
        guard count > 0 else { return }
        precondition(k0 - (count - 1) >= 1, "ChiStream.fillChi: degrees reach \(k0 - (count - 1)) < 1")
        precondition(v0 >= 0 && stride >= 0 && v0 + stride * (count - 1) <= ChiStream.maxVariable,
                     "ChiStream.fillChi: variables outside 0 ... 2^32 − 1")
        let chunk = 256
        let s0 = UInt32(truncatingIfNeeded: stream.stream), s1 = UInt32(truncatingIfNeeded: stream.stream >> 32)
        let key = stream.key
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * chunk) { buf in
            let ua = buf.baseAddress!, ub = ua + chunk, uc = ub + chunk
            var first = 0
            while first < count {
                let m = min(chunk, count - first)
                for j in 0..<m {
                    let row = UInt32(truncatingIfNeeded: v0 + stride * (first + j))
                    let b0 = Philox4x32.block((0, row, s0, s1), key: key), b1 = Philox4x32.block((1, row, s0, s1), key: key)
                    ua[j] = GaussianStream.uniform(b0.0, b0.1); ub[j] = GaussianStream.uniform(b0.2, b0.3)
                    uc[j] = GaussianStream.uniform(b1.0, b1.1)
                }
                for j in 0..<m { ua[j] = (-2 * BoxMuller.ln(ua[j])).squareRoot() }
                for j in 0..<m { ua[j] = ua[j] * BoxMuller.sinCosTwoPi(ub[j]).cos }   // x
                let o = out + first
                for j in 0..<m {
                    let x = ua[j], u = uc[j], k = k0 - (first + j)
                    let d = 0.5 * Double(k) - 1.0 / 3.0
                    let c = 1 / (3 * d.squareRoot())
                    let t = 1 + c * x
                    let v = t * t * t
                    let x2 = x * x
                    let ok = t > 0 && u < 1 - 0.0331 * (x2 * x2)
                    let chi = k == 1 ? abs(x) : (ok ? (2 * (d * v)).squareRoot() : .nan)
                    o[j] = scale * chi
                }
                for j in 0..<m where o[j].isNaN {
                    o[j] = scale * chi(degrees: k0 - (first + j), variable: v0 + stride * (first + j))
                }
                first += m
            }
        }
    }

    /// Gamma(a, 1) for a ≥ 1 by Marsaglia–Tsang on row `row` (attempt j: blocks 2j, 2j + 1).
    @inline(__always)
    static func gamma(shape a: Double, stream: GaussianStream, row: UInt32) -> Double {
        let d = a - 1.0 / 3.0
        let c = 1 / (3 * d.squareRoot())
        var j: UInt32 = 0
        while true {
            precondition(j < 0x7FFF_FFFF, "ChiStream: rejection loop exhausted its row")
            let x = stream.cosineDeviate(row: row, block: 2 * j)
            let y = c * x
            let t = 1 + y
            if t > 0 {
                let v = t * t * t
                let u = stream.uniforms(row: row, block: 2 * j + 1).0
                let x2 = x * x
                if u < 1 - 0.0331 * (x2 * x2) { return d * v }
                if BoxMuller.ln(u) < logAcceptance(x2: x2, y: y, v: v, d: d) { return d * v }
            }
            j += 1
        }
    }

    /// x²/2 + d (1 − v + ln v) with v = (1 + y)³, y = c x (see the file header).
    @inline(__always)
    static func logAcceptance(x2: Double, y: Double, v: Double, d: Double) -> Double {
        if abs(y) < 0.0625 {
            // 3d Σ_{j=4}^{17} (−1)^{j+1} yʲ/j = 3d y⁴ (−1/4 + y/5 − y²/6 + … + y¹³/17), Horner.
            var s = 1.0 / 17.0
            s = s * y - 1.0 / 16.0
            s = s * y + 1.0 / 15.0
            s = s * y - 1.0 / 14.0
            s = s * y + 1.0 / 13.0
            s = s * y - 1.0 / 12.0
            s = s * y + 1.0 / 11.0
            s = s * y - 1.0 / 10.0
            s = s * y + 1.0 / 9.0
            s = s * y - 1.0 / 8.0
            s = s * y + 1.0 / 7.0
            s = s * y - 1.0 / 6.0
            s = s * y + 1.0 / 5.0
            s = s * y - 1.0 / 4.0
            let y2 = y * y
            return 3 * d * (y2 * y2) * s
        }
        return 0.5 * x2 + d * (1 - v + BoxMuller.ln(v))
    }
}
