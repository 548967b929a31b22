// The scalar fixed-point problem of MODEL.md §4 and a robust solver for ALL its stationary points.
//
// With W = a√N v₁, V = b√N v₁ the loss per sample is (constants dropped, μ = λ/α)
//     ℒ(a,b,D) = −a b ℓ₁ + ½ (a² + β)(b² ℓ₁ + D) − (β/2) log D + μ (a² + b²)/2.
// Minimising over b and D in closed form (b = a ℓ₁/(t ℓ₁ + μ), D = β/t, t = a² + β) leaves
//     ℒ(t) = β/2 + Δ(q),   Δ(q) = −q ℓ₁²/(2(t ℓ₁ + μ)) + (β/2) log(1 + q/β) + μ q/2,   q = a² = t − β,
// and dℒ/dt = p(t) / (2 t (t ℓ₁ + μ)²) with the cubic of MODEL.md
//     p(t) = μ ℓ₁² t³ + (β ℓ₁² + 2 ℓ₁ μ²) t² + (μ³ + 2 β ℓ₁ μ − ℓ₁² μ − β ℓ₁³) t + β μ².
// We work with p̃(q) = p(β + q) (Taylor-shifted coefficients, p̃(0) in the exactly factorised form
// β (β ℓ₁ + μ) [(1 + μ)(β ℓ₁ + μ) − ℓ₁²]) so that small a² keeps its relative precision.
// p has a negative root always (product of roots < 0, sum < 0), so on t > 0 it has at most one
// critical point (its local minimum q_c); that splits (0, q_max] into monotone pieces, each
// bracketed and solved by safeguarded Newton to full double precision.
// Proven upper bound: a root needs ℓ₁²(βℓ₁+μ)/(tℓ₁+μ)² = β/t + μ, hence both
// t ≤ ℓ₁ + μ/β (drop μ on the right) and t ≤ √((βℓ₁+μ)/μ) − μ/ℓ₁ (drop β/t).

import Foundation

/// One stationary point of the scalar problem. Convention a ≥ 0 (b has the sign of a);
/// `loss` = ℒ(a) of MODEL.md §4 (constants dropped; the collapsed point has loss β/2);
/// `excess` = Δ = ℒ − β/2, the loss DIFFERENCE to the collapsed point (0 for it), computed to
/// relative precision. Minima are compared by Δ, never by two totals (MODEL.md §4, ties): near a
/// continuous transition Δ ≈ −1.5e-17 while ℒ ≈ 0.92 (ρ = η = λ = 1, α = 2, β = β_c − 1e-8).
public struct ScalarSolution: Sendable, Equatable {
    /// Decoder and encoder scalars a (≥ 0) and b (W = a√N v₁, V = b√N v₁), the encoder variance D, and ℒ.
    public var a, b, D, loss: Double
    /// Δ = ℒ − β/2 (≤ 0 for a minimum that beats collapse).
    public var excess: Double
    /// A stationary point from its scalars (`excess` defaults to 0, the collapsed point's).
    public init(a: Double, b: Double, D: Double, loss: Double, excess: Double = 0) {
        self.a = a; self.b = b; self.D = D; self.loss = loss; self.excess = excess
    }
    /// True for the collapsed solution a = b = 0, D = 1.
    public var isCollapsed: Bool { a == 0 }
}

/// The scalar problem of MODEL.md §4 (see the file header): every stationary point, the minimiser, ℒ.
public enum ScalarEquations {

    /// A stationary point with its stability (local minimum of ℒ or not).
    public struct StationaryPoint: Sendable, Equatable {
        /// The stationary point.
        public var solution: ScalarSolution
        /// Whether it is a local minimum of ℒ.
        public var isLocalMinimum: Bool
    }

    /// Every stationary point of the scalar problem with top eigenvalue ell1 (collapsed a=b=0,D=1 included),
    /// sorted by Δ = ℒ − β/2 ascending (see `analyse`). Works for mu = lambda/alpha = 0 too.
    public static func stationaryPoints(ell1: Double, alpha: Double, beta: Double, lambda: Double) -> [ScalarSolution] {
        analyse(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda).map { $0.solution }
    }

    /// The lowest-loss stationary point (ranked by the loss difference Δ to the collapsed point, never
    /// by totals), and whether another LOCAL MINIMUM coexists with it
    /// (metastable): the collapsed one next to a non-zero global minimum, or a non-zero local
    /// minimum next to a collapsed global minimum (there is at most one non-zero local minimum).
    public static func minimiser(ell1: Double, alpha: Double, beta: Double, lambda: Double) -> (best: ScalarSolution, metastable: Bool) {
        let pts = analyse(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)
        let minima = pts.reduce(0) { $0 + ($1.isLocalMinimum ? 1 : 0) }
        return (pts[0].solution, minima >= 2)
    }

    /// ℒ(a, b, D) of MODEL.md §4 (constants dropped), μ = λ/α.
    public static func loss(a: Double, b: Double, D: Double, ell1: Double, alpha: Double, beta: Double, lambda: Double) -> Double {
        let mu = lambda / alpha
        return -a * b * ell1 + 0.5 * (a * a + beta) * (b * b * ell1 + D) - 0.5 * beta * log(D)
            + 0.5 * mu * (a * a + b * b)
    }

    /// All stationary points with stability flags, sorted by Δ = ℒ − β/2 ascending (collapsed first on
    /// an exact tie; a non-zero local minimum first whenever the collapsed point is not a local minimum).
    public static func analyse(ell1: Double, alpha: Double, beta: Double, lambda: Double) -> [StationaryPoint] {
        let mu = lambda / alpha
        let l = ell1
        let collapsedSol = ScalarSolution(a: 0, b: 0, D: 1, loss: 0.5 * beta)
        guard l > 0, beta > 0, mu >= 0, l.isFinite, mu.isFinite else {
            return [StationaryPoint(solution: collapsedSol, isLocalMinimum: true)]
        }
        let bl = beta * l
        let blm = bl + mu
        // p̃(q) = p(β + q) = c0 + c1 q + c2 q² + c3 q³
        let c0 = beta * blm * ((1 + mu) * blm - l * l)
        let c1 = 3 * mu * l * l * beta * beta + 2 * beta * beta * l * l + 4 * beta * l * mu * mu
            + mu * mu * mu + 2 * beta * l * mu - l * l * mu - beta * l * l * l
        let c2 = 3 * mu * l * l * beta + beta * l * l + 2 * l * mu * mu
        let c3 = mu * l * l
        @inline(__always) func p(_ q: Double) -> Double { c0 + q * (c1 + q * (c2 + q * c3)) }
        @inline(__always) func dp(_ q: Double) -> Double { c1 + q * (2 * c2 + q * 3 * c3) }

        let collapsedStable = c0 > 0 || (c0 == 0 && c1 >= 0)
        var roots: [(q: Double, isMin: Bool)] = []

        if mu == 0 {
            // p(t) = β ℓ₁² t (t − ℓ₁): the unique non-zero point is t = ℓ₁ exactly.
            let q = l - beta
            if q > 0 { roots.append((q, true)) }
        } else {
            // Larger critical point of p̃ (its local minimum), stable quadratic formula (B = 2 c2 > 0).
            let A = 3 * c3, B = 2 * c2, C = c1
            let disc = B * B - 4 * A * C
            var qc = -Double.infinity
            if disc >= 0 {
                let qq = -0.5 * (B + disc.squareRoot())
                if qq != 0 { qc = C / qq }
            }
            // Proven bound on roots (see header).
            let tmax = min(l + mu / beta, ((blm) / mu).squareRoot() - mu / l)
            var qmax = tmax - beta
            if !(qmax > 0) { qmax = 0 }
            // Make sure p̃ > 0 at the right end despite rounding.
            func rightEnd(from lo: Double) -> Double {
                var hi = max(qmax, lo) * (1 + 1e-12) + 1e-300
                var k = 0
                while p(hi) <= 0 && k < 2000 { hi = hi * 2 + 1e-300; k += 1 }
                return hi
            }
            if !collapsedStable {
                // exactly one root, in (max(0,qc), qmax]; p̃ < 0 at the left end.
                let lo = max(0, qc)
                let hi = rightEnd(from: lo)
                if p(lo) < 0 {
                    roots.append((solve(p, dp, lo, hi, guess: qmax), true))
                } else if lo > 0 {
                    roots.append((lo, true))
                }
            } else if qc > 0 && qc.isFinite {
                let v = p(qc)
                if v < 0 {
                    let r1 = solve(p, dp, 0, qc, guess: 0.5 * qc)
                    let hi = rightEnd(from: qc)
                    let r2 = solve(p, dp, qc, hi, guess: 0.5 * (qc + min(hi, max(qmax, qc))))
                    roots.append((r1, false))
                    roots.append((r2, true))
                } else if v == 0 {
                    roots.append((qc, false))   // double root: inflection of ℒ(a), not a minimum
                }
            }
        }

        var pts: [StationaryPoint] = [StationaryPoint(solution: collapsedSol, isLocalMinimum: collapsedStable)]
        for (q, isMin) in roots where q > 0 && q.isFinite {
            pts.append(StationaryPoint(solution: point(q: q, ell1: l, beta: beta, mu: mu), isLocalMinimum: isMin))
        }
        // Sort by the loss DIFFERENCE Δ to the collapsed point (exactly 0 for it), stable (the
        // collapsed point, appended first, wins exact ties). ℒ is coercive, so its global minimum
        // is a local minimum: when the collapsed point is not one, a non-zero local minimum is
        // global whatever the rounding of its Δ.
        if pts.count > 1 {
            pts = pts.enumerated().sorted { x, y in
                let kx = x.element.solution.excess, ky = y.element.solution.excess
                return kx != ky ? kx < ky : x.offset < y.offset
            }.map { $0.element }
            if !collapsedStable, pts[0].solution.isCollapsed,
               let i = pts.firstIndex(where: { $0.isLocalMinimum && !$0.solution.isCollapsed }) {
                pts.insert(pts.remove(at: i), at: 0)
            }
        }
        return pts
    }

    /// (a, b, D, ℒ, Δ) at the non-zero stationary point with a² = q (a root of p̃).
    ///
    /// Δ(q) = −q ℓ₁²/(2(tℓ₁ + μ)) + (β/2) log(1 + q/β) + μq/2 is a sum of O(q) terms whose total
    /// is O(q²) near a continuous transition. At a root of p the stationarity relation
    /// ℓ₁²(βℓ₁ + μ)/(tℓ₁ + μ)² = β/t + μ turns it into two manifestly signed O(q²) terms,
    ///     Δ = (β/2) φ(q/β) − (q²ℓ₁/2)(β/t + μ)/(βℓ₁ + μ),   φ(x) = log(1+x) − x/(1+x) ≥ 0,
    /// which keeps Δ's relative precision however small q is.
    @inline(__always)
    static func point(q: Double, ell1 l: Double, beta: Double, mu: Double) -> ScalarSolution {
        let t = beta + q
        let a = q.squareRoot()
        let den = t * l + mu
        let b = a * l / den
        let D = beta / t
        let delta = 0.5 * beta * log1pMinusRatio(q / beta) - 0.5 * q * q * l * (beta / t + mu) / (beta * l + mu)
        return ScalarSolution(a: a, b: b, D: D, loss: 0.5 * beta + delta, excess: delta)
    }

    /// φ(x) = log(1 + x) − x/(1 + x) ≥ 0 for x ≥ 0, to relative precision (series for small x:
    /// φ = Σ_{k≥2} (−1)^k (k−1) x^k / k).
    @inline(__always)
    static func log1pMinusRatio(_ x: Double) -> Double {
        if x < 0.25 {
            // terms fall by ≈ x ≤ 0.25 each: 0.25^28 ≈ 1e-17 relative to the first
            var s = 0.0, p = x * x, k = 2.0
            while k <= 30 { s += p * (k - 1) / k; p *= -x; k += 1 }
            return s
        }
        return log1p(x) - x / (1 + x)
    }

    /// Safeguarded Newton–bisection for the sign change of f on [lo, hi] (f(lo), f(hi) of opposite
    /// sign or zero), to full double precision.
    @inline(__always)
    static func solve(_ f: (Double) -> Double, _ df: (Double) -> Double, _ lo0: Double, _ hi0: Double, guess: Double) -> Double {
        var lo = lo0, hi = hi0
        var flo = f(lo), fhi = f(hi)
        if flo == 0 { return lo }
        if fhi == 0 { return hi }
        if (flo < 0) == (fhi < 0) { return abs(flo) < abs(fhi) ? lo : hi }   // should not happen
        let increasing = flo < 0
        var x = (guess > lo && guess < hi) ? guess : 0.5 * (lo + hi)
        var lastStep = hi - lo
        for _ in 0..<200 {
            let fx = f(x)
            if fx == 0 { return x }
            if (fx < 0) == increasing { lo = x; flo = fx } else { hi = x; fhi = fx }
            let d = df(x)
            var xn = x - fx / d
            let step = abs(xn - x)
            if !(xn > lo && xn < hi) || !(d != 0) || step > 0.5 * lastStep {
                xn = 0.5 * (lo + hi)
            }
            lastStep = abs(xn - x)
            if xn == x || lastStep <= 2 * Double.ulpOfOne * abs(x) || hi - lo <= 4 * Double.ulpOfOne * abs(hi) {
                // converged: return whichever end/point has the smallest residual
                var best = xn, fb = abs(f(xn))
                if abs(flo) < fb { best = lo; fb = abs(flo) }
                if abs(fhi) < fb { best = hi }
                return best
            }
            x = xn
        }
        return x
    }
}
