// The `vaesweep summary` report: grid sizes and completion, the largest theory–simulation gaps per N,
// and the study's three claims checked on the data present (pure functions over ResultsData).
//
// How "exactly" is decided on a grid (the claims are N → ∞, α → ∞ statements; the data are a grid):
// - Collapse threshold: from the phases at the largest α, the bracket [β_lo, β_hi] between the
//   largest non-collapsed β and the next grid β (which is collapsed). The claim "threshold = ρ + η"
//   holds to grid resolution when β_lo ≤ ρ + η ≤ β_hi (relative tolerance 1e-9). A sharper estimate
//   is reported too: Q extrapolated linearly to zero from the two largest non-collapsed β
//   (exact for the α → ∞ law Q = ρ + η − β).
// - Optimal β: the grid argmin β_k of ε_g at the largest α. The claim "optimal β = η" holds to grid
//   resolution when β_k is the grid point nearest η. The interpolated minimiser is the zero of
//   g(β) = Q − √ρ·m over the non-collapsed β, linear between the grid β where g changes sign: with
//   ε_g = ρ − 2√ρ m + Q and m = θ√Q along the minimisers, dε_g/d√Q = 0 exactly where Q = √ρ m.
//   (A parabola through β_k and its neighbours, used when m or Q are missing, is biased by O(h²)
//   because ε_g is skewed about its minimum: −0.0025 at h = 0.1, ρ = η = 1.)
// - Rate–distortion: for every β at the largest α, the excess rate R − R_G(D) in nats over the
//   Gaussian-source curve R_G(D) = max(0, ½ log((ρ+η)/D)); it is ≥ 0 at finite α and → 0 as α → ∞.
import Foundation
import ResultsFile
import VAETheory

/// A value in a summary record (for the JSON output).
public enum SummaryValue: Equatable {
    case double(Double), int(Int), string(String), bool(Bool)
}

/// One flat record with ordered keys; `kind` comes first.
public typealias SummaryRecord = [(key: String, value: SummaryValue)]

/// One coordinate of the grid.
public struct CoordinateInfo {
    public var name: String
    public var count: Int
    public var min: Double
    public var max: Double
    public var spacing: String   // "log", "linear", "irregular", "single"
}

/// The largest |seed mean − theory| of one quantity at one N.
public struct GapEntry {
    public var N: Int
    public var quantity: String
    public var points: Int
    public var maxGap: Double
    public var rms: Double
    public var alpha: Double, beta: Double, lambda: Double
    public var seeds: Int
    public var theory: Double, simMean: Double, simStd: Double
}

/// The collapse-threshold claim for one λ and one data source.
public struct ThresholdClaim {
    public var lambda: Double
    public var source: String       // "theory" or "simulation N=…"
    public var alpha: Double
    public var expected: Double     // ρ + η
    /// Largest non-collapsed β and the next grid β (nil: beyond the grid).
    public var below: Double?
    public var above: Double?
    public var holds: Bool
    /// Q extrapolated to zero from the two largest non-collapsed β.
    public var interpolated: Double?
    /// The theory engine's β_c(α) at this α (finite-α boundary).
    public var engine: Double
}

/// The optimal-β claim for one λ and one data source.
public struct OptimalBetaClaim {
    public var lambda: Double
    public var source: String
    public var alpha: Double
    public var expected: Double     // η
    public var argmin: Double
    public var minEpsG: Double
    public var neighbours: (Double?, Double?)
    public var holds: Bool
    public var interpolated: Double?
    /// How `interpolated` was obtained: "Q = √ρ m" (zero of Q − √ρ m) or "parabola".
    public var interpolation: String
    /// The theory engine's argmin of ε_g over β at this α (finite-α optimum).
    public var engine: Double
}

/// Distance of the large-α test RD points from the Gaussian-source curve.
public struct RDDistance {
    public var lambda: Double
    public var source: String
    public var alpha: Double
    public var points: Int
    /// Excess rate R − R_G(D) in nats: largest |·|, mean, minimum.
    public var maxAbs: Double
    public var mean: Double
    public var min: Double
}

/// Everything `vaesweep summary` reports.
public struct Summary {
    public var path: String
    public var rho: Double, eta: Double
    public var coordinates: [CoordinateInfo]
    public var pointsDone: Int?, pointsTotal: Int?
    public var statusCounts: [Int8: Int]?
    public var theoryFinite: Int, theoryTotal: Int
    public var hasSimulation: Bool
    public var gaps: [GapEntry]
    public var thresholds: [ThresholdClaim]
    public var optimalBetas: [OptimalBetaClaim]
    public var rdDistances: [RDDistance]

    /// Quantities whose gaps are reported per N.
    public static let gapQuantities = ["eps_g", "m", "Q", "rate_test", "dist_test"]

    // MARK: computation

    public static func compute(_ d: ResultsData) -> Summary {
        func info(_ name: String, _ v: [Double]) -> CoordinateInfo {
            let spacing: String
            if v.count <= 1 { spacing = "single" } else if isLogSpaced(v) { spacing = "log" } else {
                let s = v.sorted()
                let diffs = zip(s.dropFirst(), s).map { $0 - $1 }
                spacing = (diffs.max()! - diffs.min()!) <= 0.02 * Swift.max(diffs.min()!, 1e-300) ? "linear" : "irregular"
            }
            return CoordinateInfo(name: name, count: v.count, min: v.min() ?? .nan, max: v.max() ?? .nan, spacing: spacing)
        }
        var coords = [info("alpha", d.alpha), info("beta", d.beta), info("lam", d.lam)]
        if d.hasSimulation {
            coords.append(info("N", d.N.map(Double.init)))
            coords.append(info("seed", d.seeds.map(Double.init)))
        }
        let eps = d.theory["eps_g"] ?? []
        var s = Summary(path: d.path, rho: d.rho, eta: d.eta, coordinates: coords,
                        pointsDone: d.pointsDone, pointsTotal: d.pointsTotal, statusCounts: d.statusCounts(),
                        theoryFinite: eps.filter { $0.isFinite }.count, theoryTotal: d.theoryCount,
                        hasSimulation: d.hasSimulation, gaps: [], thresholds: [], optimalBetas: [], rdDistances: [])
        s.gaps = gaps(d)
        guard let aMax = d.alpha.indices.max(by: { d.alpha[$0] < d.alpha[$1] }) else { return s }
        let alpha = d.alpha[aMax]
        let order = d.beta.indices.sorted { d.beta[$0] < d.beta[$1] }
        let betas = order.map { d.beta[$0] }
        for l in d.lam.indices {
            let lambda = d.lam[l]
            let engineOK = TheoryInput.alphaRange.contains(alpha) && TheoryInput.lambdaRange.contains(lambda) && d.eta > 0
            let bcEngine = engineOK ? Theory.collapseBoundary(alpha: alpha, lambda: lambda, rho: d.rho, eta: d.eta).betaC : .nan
            let optEngine = engineOK ? Theory.optimalBeta(alpha: alpha, lambda: lambda, rho: d.rho, eta: d.eta) : .nan
            // theory
            let tPhase = order.map { d.theoryPhaseAt(aMax, $0, l) }
            let tQ = order.map { d.theoryValue("Q", aMax, $0, l) }
            if let c = threshold(betas: betas, phases: tPhase, Q: tQ, expected: d.rho + d.eta) {
                s.thresholds.append(ThresholdClaim(lambda: lambda, source: "theory", alpha: alpha, expected: d.rho + d.eta,
                                                   below: c.below, above: c.above, holds: c.holds,
                                                   interpolated: c.interpolated, engine: bcEngine))
            }
            let tEps = order.map { d.theoryValue("eps_g", aMax, $0, l) }
            let tM = order.map { d.theoryValue("m", aMax, $0, l) }
            if let c = optimum(betas: betas, values: tEps, expected: d.eta, Q: tQ, m: tM, rho: d.rho) {
                s.optimalBetas.append(OptimalBetaClaim(lambda: lambda, source: "theory", alpha: alpha, expected: d.eta,
                                                       argmin: c.argmin, minEpsG: c.min, neighbours: c.neighbours,
                                                       holds: c.holds, interpolated: c.interpolated,
                                                       interpolation: c.method, engine: optEngine))
            }
            let tR = order.map { d.theoryValue("rate_test", aMax, $0, l) }
            let tD = order.map { d.theoryValue("dist_test", aMax, $0, l) }
            if let r = rdDistance(rates: tR, distortions: tD, source0: d.rho + d.eta) {
                s.rdDistances.append(RDDistance(lambda: lambda, source: "theory", alpha: alpha, points: r.count,
                                                maxAbs: r.maxAbs, mean: r.mean, min: r.min))
            }
            // simulation: the largest N with any data at (α_max, λ)
            guard d.hasSimulation else { continue }
            let nOrder = d.N.indices.sorted { d.N[$0] > d.N[$1] }
            guard let n = nOrder.first(where: { n in order.contains { d.simStats("eps_g", aMax, $0, l, n).count > 0 } }) else { continue }
            let src = "simulation N=\(d.N[n])"
            let sPhase = order.map { d.simMajorityPhase(aMax, $0, l, n) }
            let sQ = order.map { d.simStats("Q", aMax, $0, l, n).mean }
            if let c = threshold(betas: betas, phases: sPhase, Q: sQ, expected: d.rho + d.eta) {
                s.thresholds.append(ThresholdClaim(lambda: lambda, source: src, alpha: alpha, expected: d.rho + d.eta,
                                                   below: c.below, above: c.above, holds: c.holds,
                                                   interpolated: c.interpolated, engine: bcEngine))
            }
            let sEps = order.map { d.simStats("eps_g", aMax, $0, l, n).mean }
            let sM = order.map { d.simStats("m", aMax, $0, l, n).mean }
            if let c = optimum(betas: betas, values: sEps, expected: d.eta, Q: sQ, m: sM, rho: d.rho) {
                s.optimalBetas.append(OptimalBetaClaim(lambda: lambda, source: src, alpha: alpha, expected: d.eta,
                                                       argmin: c.argmin, minEpsG: c.min, neighbours: c.neighbours,
                                                       holds: c.holds, interpolated: c.interpolated,
                                                       interpolation: c.method, engine: optEngine))
            }
            let sR = order.map { d.simStats("rate_test", aMax, $0, l, n).mean }
            let sD = order.map { d.simStats("dist_test", aMax, $0, l, n).mean }
            if let r = rdDistance(rates: sR, distortions: sD, source0: d.rho + d.eta) {
                s.rdDistances.append(RDDistance(lambda: lambda, source: src, alpha: alpha, points: r.count,
                                                maxAbs: r.maxAbs, mean: r.mean, min: r.min))
            }
        }
        return s
    }

    /// Largest and RMS |seed mean − theory| per N and quantity, over all grid points with both.
    public static func gaps(_ d: ResultsData) -> [GapEntry] {
        guard d.hasSimulation else { return [] }
        var out: [GapEntry] = []
        for n in d.N.indices.sorted(by: { d.N[$0] < d.N[$1] }) {
            for q in gapQuantities where d.theory[q] != nil && d.sim[q] != nil {
                var best: GapEntry? = nil
                var sumSq = 0.0, count = 0
                for a in d.alpha.indices {
                    for b in d.beta.indices {
                        for l in d.lam.indices {
                            let t = d.theoryValue(q, a, b, l)
                            let st = d.simStats(q, a, b, l, n)
                            guard t.isFinite, st.count > 0 else { continue }
                            let g = abs(st.mean - t)
                            sumSq += g * g; count += 1
                            if best == nil || g > best!.maxGap {
                                best = GapEntry(N: d.N[n], quantity: q, points: 0, maxGap: g, rms: 0,
                                                alpha: d.alpha[a], beta: d.beta[b], lambda: d.lam[l],
                                                seeds: st.count, theory: t, simMean: st.mean, simStd: st.std)
                            }
                        }
                    }
                }
                if var e = best {
                    e.points = count
                    e.rms = sqrt(sumSq / Double(count))
                    out.append(e)
                }
            }
        }
        return out
    }

    /// Threshold bracket from phases over ascending β (nil phase = no data).
    static func threshold(betas: [Double], phases: [Int8?], Q: [Double], expected: Double)
        -> (below: Double?, above: Double?, holds: Bool, interpolated: Double?)? {
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
        let holds = (below.map { $0 <= expected + tol } ?? true) && (above.map { expected <= $0 + tol } ?? false)
            && below != nil
        return (below, above, holds, interpolated)
    }

    /// Grid argmin over ascending β, its neighbours, whether it is the grid point nearest `expected`,
    /// and the interpolated minimiser: the zero of Q − √ρ m when Q and m are given, else the vertex of
    /// the parabola through the argmin and its neighbours.
    static func optimum(betas: [Double], values: [Double], expected: Double,
                        Q: [Double]? = nil, m: [Double]? = nil, rho: Double = 1)
        -> (argmin: Double, min: Double, neighbours: (Double?, Double?), holds: Bool, interpolated: Double?, method: String)? {
        let finite = values.indices.filter { values[$0].isFinite }
        guard let k = finite.min(by: { values[$0] < values[$1] }) else { return nil }
        let lo = finite.last(where: { $0 < k }), hi = finite.first(where: { $0 > k })
        let nearest = betas.map { abs($0 - expected) }.min()!
        let holds = abs(betas[k] - expected) <= nearest * (1 + 1e-12) + 1e-15
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
        return (betas[k], values[k], (lo.map { betas[$0] }, hi.map { betas[$0] }), holds, interp, method)
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

    // MARK: text

    /// The human-readable report.
    public func text() -> String {
        let f = { (v: Double) in formatNumber(v) }
        var o: [String] = []
        o.append("vaesweep summary: \(path)")
        o.append("model: ρ = \(f(rho)), η = \(f(eta)); ρ + η = \(f(rho + eta))")
        o.append("grid:")
        for c in coordinates {
            let range = c.count > 1 ? "\(f(c.min)) … \(f(c.max)), \(c.spacing)" : f(c.min)
            o.append("  \(c.name.padding(toLength: 6, withPad: " ", startingAt: 0)) \(String(c.count).leftPad(4))  (\(range))")
        }
        var comp: [String] = []
        if let done = pointsDone, let total = pointsTotal, total > 0 {
            comp.append("points_done \(done)/\(total) (\(String(format: "%.1f", 100 * Double(done) / Double(total))) %)")
        }
        if let sc = statusCounts {
            let total = sc.values.reduce(0, +)
            comp.append("runs ok \(sc[1] ?? 0), failed \(sc[2] ?? 0), not run \(sc[0] ?? 0) of \(total)")
        }
        comp.append("theory \(theoryFinite)/\(theoryTotal) points")
        if !hasSimulation { comp.append("theory-only file (no simulations)") }
        o.append("completion: " + comp.joined(separator: "; "))
        if hasSimulation {
            o.append("")
            o.append("largest theory–simulation gaps |seed mean − theory| per N:")
            let byN = Dictionary(grouping: gaps, by: { $0.N })
            for n in byN.keys.sorted() {
                let entries = byN[n]!
                if let e = entries.first(where: { $0.quantity == "eps_g" }) {
                    o.append("  N = \(n): ε_g max \(f(e.maxGap)) at α = \(f(e.alpha)), β = \(f(e.beta)), λ = \(f(e.lambda)) "
                             + "(sim \(f(e.simMean)) ± \(f(e.simStd)) over \(e.seeds) seeds, theory \(f(e.theory))); RMS \(f(e.rms)) over \(e.points) points")
                }
                let others = entries.filter { $0.quantity != "eps_g" }.map { "\($0.quantity) \(f($0.maxGap))" }
                if !others.isEmpty { o.append("           max of " + others.joined(separator: ", ")) }
            }
            if gaps.isEmpty { o.append("  (no simulated point has both a finished run and a theory value)") }
        }
        o.append("")
        let alphaMax = coordinates.first(where: { $0.name == "alpha" })?.max ?? .nan
        o.append("claims at the largest α = \(f(alphaMax)) (α → ∞ statements; exact to grid resolution as defined below):")
        o.append("  collapse threshold β_c = ρ + η = \(f(rho + eta)) [holds if ρ + η lies between the largest non-collapsed β and the next grid β]")
        for c in thresholds {
            let br = "[\(c.below.map(f) ?? "below grid"), \(c.above.map(f) ?? "beyond grid")]"
            var line = "    λ = \(f(c.lambda)), \(c.source): threshold in \(br) → \(c.holds ? "holds" : "does not hold")"
            if let i = c.interpolated { line += "; Q → 0 extrapolation \(f(i))" }
            if c.engine.isFinite { line += "; engine β_c(α) = \(f(c.engine))" }
            o.append(line)
        }
        if thresholds.isEmpty { o.append("    (no phase data at the largest α)") }
        o.append("  optimal β = η = \(f(eta)) [holds if the grid argmin of ε_g is the grid β nearest η]")
        for c in optimalBetas {
            var line = "    λ = \(f(c.lambda)), \(c.source): argmin β = \(f(c.argmin)) (ε_g = \(f(c.minEpsG)); neighbours \(c.neighbours.0.map(f) ?? "—"), \(c.neighbours.1.map(f) ?? "—")) → \(c.holds ? "holds" : "does not hold")"
            if let i = c.interpolated { line += "; interpolated (\(c.interpolation)) \(f(i))" }
            if c.engine.isFinite { line += "; engine β*(α) = \(f(c.engine))" }
            o.append(line)
        }
        if optimalBetas.isEmpty { o.append("    (no ε_g data at the largest α)") }
        o.append("  RD points vs the Gaussian-source curve R(D) = ½ log((ρ+η)/D): excess rate R − R(D) in nats (→ 0 as α → ∞, ≥ 0 at finite α)")
        for r in rdDistances {
            o.append("    λ = \(f(r.lambda)), \(r.source): max |Δ| \(f(r.maxAbs)), mean \(f(r.mean)), min \(f(r.min)) over \(r.points) β")
        }
        if rdDistances.isEmpty { o.append("    (no rate/distortion data at the largest α)") }
        return o.joined(separator: "\n") + "\n"
    }

    // MARK: records

    /// The same content as flat records (one JSON object each): kinds "grid", "coordinate", "gap",
    /// "threshold", "optimal_beta", "rd_distance".
    public func records() -> [SummaryRecord] {
        var out: [SummaryRecord] = []
        var g: SummaryRecord = [("kind", .string("grid")), ("path", .string(path)), ("rho", .double(rho)), ("eta", .double(eta))]
        for c in coordinates { g.append(("n_" + c.name, .int(c.count))) }
        if let v = pointsDone { g.append(("points_done", .int(v))) }
        if let v = pointsTotal { g.append(("points_total", .int(v))) }
        if let sc = statusCounts {
            g.append(("runs_ok", .int(sc[1] ?? 0))); g.append(("runs_failed", .int(sc[2] ?? 0))); g.append(("runs_not_run", .int(sc[0] ?? 0)))
        }
        g.append(("theory_points", .int(theoryFinite))); g.append(("theory_total", .int(theoryTotal)))
        g.append(("has_simulation", .bool(hasSimulation)))
        out.append(g)
        for c in coordinates {
            out.append([("kind", .string("coordinate")), ("name", .string(c.name)), ("count", .int(c.count)),
                        ("min", .double(c.min)), ("max", .double(c.max)), ("spacing", .string(c.spacing))])
        }
        for e in gaps {
            out.append([("kind", .string("gap")), ("N", .int(e.N)), ("quantity", .string(e.quantity)),
                        ("max_gap", .double(e.maxGap)), ("rms_gap", .double(e.rms)), ("points", .int(e.points)),
                        ("alpha", .double(e.alpha)), ("beta", .double(e.beta)), ("lam", .double(e.lambda)),
                        ("seeds", .int(e.seeds)), ("theory", .double(e.theory)), ("sim_mean", .double(e.simMean)),
                        ("sim_std", .double(e.simStd))])
        }
        for c in thresholds {
            out.append([("kind", .string("threshold")), ("lam", .double(c.lambda)), ("source", .string(c.source)),
                        ("alpha", .double(c.alpha)), ("expected", .double(c.expected)),
                        ("below", .double(c.below ?? .nan)), ("above", .double(c.above ?? .nan)), ("holds", .bool(c.holds)),
                        ("interpolated", .double(c.interpolated ?? .nan)), ("engine", .double(c.engine))])
        }
        for c in optimalBetas {
            out.append([("kind", .string("optimal_beta")), ("lam", .double(c.lambda)), ("source", .string(c.source)),
                        ("alpha", .double(c.alpha)), ("expected", .double(c.expected)), ("argmin", .double(c.argmin)),
                        ("min_eps_g", .double(c.minEpsG)), ("neighbour_below", .double(c.neighbours.0 ?? .nan)),
                        ("neighbour_above", .double(c.neighbours.1 ?? .nan)), ("holds", .bool(c.holds)),
                        ("interpolated", .double(c.interpolated ?? .nan)), ("interpolation", .string(c.interpolation)),
                        ("engine", .double(c.engine))])
        }
        for r in rdDistances {
            out.append([("kind", .string("rd_distance")), ("lam", .double(r.lambda)), ("source", .string(r.source)),
                        ("alpha", .double(r.alpha)), ("points", .int(r.points)), ("max_abs_excess_rate", .double(r.maxAbs)),
                        ("mean_excess_rate", .double(r.mean)), ("min_excess_rate", .double(r.min))])
        }
        return out
    }
}

private extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
