// The claim checks of `vaesweep summary` on grid data (see Summary.swift's header for how "exactly"
// is decided on a grid): the collapse-threshold bracket, the optimal-β argmin with its
// interpolation, and the excess rate over the Gaussian-source R(D).
import Foundation

extension Summary {
    /// Threshold bracket from phases over ascending β (nil phase = no data).
    static func threshold(betas: [Double], phases: [Int8?], Q: [Double], expected: Double)
        -> (below: Double?, above: Double?, holds: Bool, interpolated: Double?, undecided: String?)? {
        let known = phases.indices.filter { phases[$0] != nil }
        guard !known.isEmpty else { return nil }
        let nonCollapsed = known.filter { phases[$0]! != 0 }
        var below: Double? = nil, above: Double? = nil
        var interpolated: Double? = nil
        if let last = nonCollapsed.last {
            below = betas[last]
            above = known.first(where: { $0 > last }).map { betas[$0] }
            // Q → 0 linearly, from the two largest non-collapsed β with finite Q
            let withQ = nonCollapsed.filter { Q[$0].isFinite && Q[$0] > 0 }
            if withQ.count >= 2 {
                let i1 = withQ[withQ.count - 2], i2 = withQ[withQ.count - 1]
                let (b1, q1, b2, q2) = (betas[i1], Q[i1], betas[i2], Q[i2])
                if q1 > q2 { interpolated = b2 + q2 * (b2 - b1) / (q1 - q2) }
            }
        } else {
            above = betas[known.first!]
        }
        let tol = 1e-9 * Swift.max(1, abs(expected))
        var holds = (below.map { $0 <= expected + tol } ?? true) && (above.map { expected <= $0 + tol } ?? false)
            && below != nil
        // an open end of the bracket on the side where ρ + η lies: the grid cannot test the claim
        var undecided: String? = nil
        if above == nil, let below, expected >= below - tol {
            undecided = "no collapsed grid β above the largest non-collapsed β = \(formatNumber(below)) ≤ ρ + η"
        } else if below == nil, let above, expected <= above + tol {
            undecided = "every grid β is collapsed and ρ + η ≤ the smallest β = \(formatNumber(above))"
        }
        if undecided != nil { holds = false }
        return (below, above, holds, interpolated, undecided)
    }

    /// Grid argmin over ascending β, its neighbours, whether it is the grid point nearest `expected`,
    /// and the interpolated minimiser: the zero of Q − √ρ m when Q and m are given, else the vertex of
    /// the parabola through the argmin and its neighbours.
    static func optimum(betas: [Double], values: [Double], expected: Double,
                        Q: [Double]? = nil, m: [Double]? = nil, rho: Double = 1)
        -> (argmin: Double, min: Double, neighbours: (Double?, Double?), holds: Bool, interpolated: Double?, method: String, undecided: String?)? {
        let finite = values.indices.filter { values[$0].isFinite }
        guard let k = finite.min(by: { values[$0] < values[$1] }) else { return nil }
        let lo = finite.last(where: { $0 < k }), hi = finite.first(where: { $0 > k })
        let nearest = betas.map { abs($0 - expected) }.min()!
        var holds = abs(betas[k] - expected) <= nearest * (1 + 1e-12) + 1e-15
        // what the grid cannot test: too few β, η outside their range, or a minimum at an end of the
        // grid that is also the β nearest η (not bracketed: the true minimum may lie beyond)
        var undecided: String? = nil
        let fb = finite.map { betas[$0] }
        if fb.count < 3 {
            undecided = "fewer than 3 β with a finite ε_g"
        } else if let bmin = fb.min(), let bmax = fb.max(), expected < bmin || expected > bmax {
            undecided = "η = \(formatNumber(expected)) is outside the grid's β range [\(formatNumber(bmin)), \(formatNumber(bmax))]"
        } else if (lo == nil || hi == nil) && holds {
            undecided = "the minimum is at the end of the grid (β = \(formatNumber(betas[k]))): not bracketed"
        }
        if undecided != nil { holds = false }
        var interp: Double? = nil
        if let Q, let m {
            let sr = rho.squareRoot()
            let idx = betas.indices.filter { Q[$0].isFinite && m[$0].isFinite && Q[$0] > 0 }
            let g = { (i: Int) in Q[i] - sr * m[i] }
            for (i, j) in zip(idx, idx.dropFirst()) where interp == nil {
                if g(i) == 0 { interp = betas[i] } else if g(i) > 0 && g(j) <= 0 {
                    interp = betas[i] + (betas[j] - betas[i]) * g(i) / (g(i) - g(j))
                }
            }
            if interp == nil, let last = idx.last, g(last) == 0 { interp = betas[last] }
        }
        var method = interp == nil ? "" : "Q = √ρ m"
        if interp == nil, let lo, let hi {
            let (x0, x1, x2) = (betas[lo], betas[k], betas[hi])
            let (f0, f1, f2) = (values[lo], values[k], values[hi])
            let num = (x1 - x0) * (x1 - x0) * (f1 - f2) - (x1 - x2) * (x1 - x2) * (f1 - f0)
            let den = (x1 - x0) * (f1 - f2) - (x1 - x2) * (f1 - f0)
            if den != 0 { interp = x1 - 0.5 * num / den; method = "parabola" }
        }
        return (betas[k], values[k], (lo.map { betas[$0] }, hi.map { betas[$0] }), holds, interp, method, undecided)
    }

    /// Excess rate over the Gaussian-source curve for the finite (rate, distortion > 0) points.
    static func rdDistance(rates: [Double], distortions: [Double], source0: Double)
        -> (count: Int, maxAbs: Double, mean: Double, min: Double)? {
        var g: [Double] = []
        for (r, dd) in zip(rates, distortions) where r.isFinite && dd.isFinite && dd > 0 {
            g.append(r - Swift.max(0, 0.5 * log(source0 / dd)))
        }
        guard !g.isEmpty else { return nil }
        return (g.count, g.map(abs).max()!, g.reduce(0, +) / Double(g.count), g.min()!)
    }
}
