// The `vaesweep summary` report: grid sizes and completion, the validation verdict counts (MODEL.md §7,
// see Validation.swift; the raw largest gaps stay available as `gaps` for callers), and the study's three claims checked on the data present (pure functions over ResultsData).
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
    /// Coordinate name, length, range and spacing ("log", "linear", "irregular", "single").
    public var name: String
    /// Number of values.
    public var count: Int
    /// Smallest value.
    public var min: Double
    /// Largest value.
    public var max: Double
    /// How the values are spaced: "log", "linear" (steps equal within 2 %), "irregular" or "single".
    public var spacing: String   // "log", "linear", "irregular", "single"
}

/// The largest |seed mean − theory| of one quantity at one N.
public struct GapEntry {
    /// N, the quantity, the number of points compared, the largest and RMS gap, where the largest
    /// gap is and the seed statistics and theory value there.
    public var N: Int
    /// The observable compared.
    public var quantity: Quantity
    /// Grid points with both a theory value and usable replicates at this N.
    public var points: Int
    /// The largest |seed mean − theory|.
    public var maxGap: Double
    /// The RMS of |seed mean − theory| over those points.
    public var rms: Double
    /// Where the largest gap is.
    public var alpha: Double, beta: Double, lambda: Double
    /// Usable replicates at that point.
    public var seeds: Int
    /// The theory value, replicate mean and replicate standard deviation at that point.
    public var theory: Double, simMean: Double, simStd: Double
}

/// The collapse-threshold claim for one λ and one data source.
public struct ThresholdClaim {
    /// λ, the data source ("theory" or "simulation N=…"), the α checked and the expected ρ + η.
    public var lambda: Double
    /// The data source: "theory" or "simulation N=…" (the largest N with data).
    public var source: String       // "theory" or "simulation N=…"
    /// The largest α of the grid, where the claim is checked.
    public var alpha: Double
    /// ρ + η, the α → ∞ threshold.
    public var expected: Double     // ρ + η
    /// Largest non-collapsed β and the next grid β (nil: beyond the grid).
    public var below: Double?
    /// The next grid β above and whether the bracket contains ρ + η.
    public var above: Double?
    /// Whether below ≤ ρ + η ≤ above to within 1e-9·max(1, ρ + η) (false without a non-collapsed β or without `above`).
    public var holds: Bool
    /// Q extrapolated to zero from the two largest non-collapsed β.
    public var interpolated: Double?
    /// The theory engine's β_c(α) at this α (finite-α boundary).
    public var engine: Double
    /// Why the grid cannot test the claim (nil: it can): ρ + η lies beyond an open end of the
    /// bracket (every grid β collapsed and ρ + η at or below the smallest, or no collapsed β and
    /// ρ + η at or above the largest). `holds` is false then.
    public var undecided: String? = nil
}

/// The optimal-β claim for one λ and one data source.
public struct OptimalBetaClaim {
    /// λ, source, α, expected η, the grid argmin and min ε_g, its neighbours, whether it holds
    /// and the interpolated minimiser.
    public var lambda: Double
    /// The data source: "theory" or "simulation N=…".
    public var source: String
    /// The largest α of the grid, where the claim is checked.
    public var alpha: Double
    /// η, the α → ∞ optimal β.
    public var expected: Double     // η
    /// The grid β with the smallest ε_g.
    public var argmin: Double
    /// That smallest ε_g.
    public var minEpsG: Double
    /// The nearest β below and above `argmin` with a finite ε_g (nil: none).
    public var neighbours: (Double?, Double?)
    /// Whether `argmin` is the grid β nearest η.
    public var holds: Bool
    /// The minimiser interpolated between grid β (nil when it cannot be).
    public var interpolated: Double?
    /// How `interpolated` was obtained: "Q = √ρ m" (zero of Q − √ρ m) or "parabola".
    public var interpolation: String
    /// The theory engine's argmin of ε_g over β at this α (finite-α optimum).
    public var engine: Double
    /// Why the grid cannot test the claim (nil: it can): fewer than 3 β with a finite ε_g, η outside
    /// their range, or the argmin at an end of the grid that is also the β nearest η (a minimum that
    /// is not bracketed). `holds` is false then.
    public var undecided: String? = nil
}

/// Distance of the large-α test RD points from the Gaussian-source curve.
public struct RDDistance {
    /// λ, source, α and the number of β compared.
    public var lambda: Double
    /// The data source: "theory" or "simulation N=…".
    public var source: String
    /// The largest α of the grid, where the distance is measured.
    public var alpha: Double
    /// Number of β with a finite test rate and a finite, positive test distortion.
    public var points: Int
    /// Excess rate R − R_G(D) in nats: largest |·|, mean, minimum.
    public var maxAbs: Double
    /// Mean and minimum excess rate.
    public var mean: Double
    /// Minimum excess rate (≥ 0 expected at finite α).
    public var min: Double
}

/// Everything `vaesweep summary` reports.
public struct Summary {
    /// The file, its model parameters, coordinates and completion counts.
    public var path: String
    /// The study's ρ and η.
    public var rho: Double, eta: Double
    /// Per coordinate of the file: name, length, range, spacing.
    public var coordinates: [CoordinateInfo]
    /// Root attributes `points_done` and `points_total` (nil when absent).
    public var pointsDone: Int?, pointsTotal: Int?
    /// Simulated points by status code (nil without a `status` variable).
    public var statusCounts: [Int8: Int]?
    /// Finite theory ε_g values, and theory points in the grid.
    public var theoryFinite: Int, theoryTotal: Int
    /// Whether the file holds simulation data.
    public var hasSimulation: Bool
    /// Largest |seed mean − theory| per N and quantity (raw gaps; not in the report, which gives verdicts).
    public var gaps: [GapEntry]
    /// The validation of the simulations (MODEL.md §7); nil for a theory-only file.
    public var validation: Validation?
    /// Completeness of the file (partial files are flagged in the report).
    public var completeness: Completeness?
    /// The three claims (per λ and data source).
    public var thresholds: [ThresholdClaim]
    /// The optimal-β claims (per λ and data source).
    public var optimalBetas: [OptimalBetaClaim]
    /// The rate–distortion distances (per λ and data source).
    public var rdDistances: [RDDistance]
    /// The refinement record of a refined study (`vaesweep refine`), nil otherwise.
    public var refinement: Refinement? = nil

    /// Quantities whose gaps are reported per N: the validated ones.
    public static let gapQuantities = Validation.quantities

    // MARK: computation

    /// Everything the report shows, computed from `d`.
    /// Everything the report shows, computed from `d`; `calibration` (of `d`'s design) gives the
    /// validation's calibrated expectation.
    public static func compute(_ d: ResultsData, calibration: CalibrationResult?) -> Summary {
        var s = compute(d)
        s.validation?.calibration = calibration
        return s
    }

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
        let eps = d[theory: .epsG] ?? []
        var s = Summary(path: d.path, rho: d.rho, eta: d.eta, coordinates: coords,
                        pointsDone: d.pointsDone, pointsTotal: d.pointsTotal, statusCounts: d.statusCounts(),
                        theoryFinite: eps.filter { $0.isFinite }.count, theoryTotal: d.theoryCount,
                        hasSimulation: d.hasSimulation, gaps: [], validation: nil, completeness: Completeness(d),
                        thresholds: [], optimalBetas: [], rdDistances: [], refinement: d.refinement)
        s.gaps = gaps(d)
        if d.hasSimulation { s.validation = Validation.compute(d) }
        guard let aMax = d.alpha.indices.max(by: { d.alpha[$0] < d.alpha[$1] }) else { return s }
        let alpha = d.alpha[aMax]
        let order = d.beta.indices.sorted { d.beta[$0] < d.beta[$1] }
        let betas = order.map { d.beta[$0] }
        for l in d.lam.indices {
            let lambda = d.lam[l]
            let engineOK = Domains.of(.alpha).range.contains(alpha) && Domains.of(.lambda).range.contains(lambda) && d.eta > 0
            let bcEngine = engineOK ? Theory.collapseBoundary(alpha: alpha, lambda: lambda, rho: d.rho, eta: d.eta).betaC : .nan
            let optEngine = engineOK ? Theory.optimalBeta(alpha: alpha, lambda: lambda, rho: d.rho, eta: d.eta) : .nan
            // theory
            let tPhase = order.map { d.theoryPhaseAt(aMax, $0, l) }
            let tQ = order.map { d.theoryValue(.Q, aMax, $0, l) }
            if let c = threshold(betas: betas, phases: tPhase, Q: tQ, expected: d.rho + d.eta) {
                s.thresholds.append(ThresholdClaim(lambda: lambda, source: "theory", alpha: alpha, expected: d.rho + d.eta,
                                                   below: c.below, above: c.above, holds: c.holds,
                                                   interpolated: c.interpolated, engine: bcEngine, undecided: c.undecided))
            }
            let tEps = order.map { d.theoryValue(.epsG, aMax, $0, l) }
            let tM = order.map { d.theoryValue(.m, aMax, $0, l) }
            if let c = optimum(betas: betas, values: tEps, expected: d.eta, Q: tQ, m: tM, rho: d.rho) {
                s.optimalBetas.append(OptimalBetaClaim(lambda: lambda, source: "theory", alpha: alpha, expected: d.eta,
                                                       argmin: c.argmin, minEpsG: c.min, neighbours: c.neighbours,
                                                       holds: c.holds, interpolated: c.interpolated,
                                                       interpolation: c.method, engine: optEngine, undecided: c.undecided))
            }
            let tR = order.map { d.theoryValue(.rateTest, aMax, $0, l) }
            let tD = order.map { d.theoryValue(.distTest, aMax, $0, l) }
            if let r = rdDistance(rates: tR, distortions: tD, source0: d.rho + d.eta) {
                s.rdDistances.append(RDDistance(lambda: lambda, source: "theory", alpha: alpha, points: r.count,
                                                maxAbs: r.maxAbs, mean: r.mean, min: r.min))
            }
            // simulation: the largest N with any data at (α_max, λ)
            guard d.hasSimulation else { continue }
            let nOrder = d.N.indices.sorted { d.N[$0] > d.N[$1] }
            guard let n = nOrder.first(where: { n in order.contains { d.simStats(.epsG, aMax, $0, l, n).count > 0 } }) else { continue }
            let src = "simulation N=\(d.N[n])"
            let sPhase = order.map { d.simMajorityPhase(aMax, $0, l, n) }
            let sQ = order.map { d.simStats(.Q, aMax, $0, l, n).mean }
            if let c = threshold(betas: betas, phases: sPhase, Q: sQ, expected: d.rho + d.eta) {
                s.thresholds.append(ThresholdClaim(lambda: lambda, source: src, alpha: alpha, expected: d.rho + d.eta,
                                                   below: c.below, above: c.above, holds: c.holds,
                                                   interpolated: c.interpolated, engine: bcEngine, undecided: c.undecided))
            }
            let sEps = order.map { d.simStats(.epsG, aMax, $0, l, n).mean }
            let sM = order.map { d.simStats(.m, aMax, $0, l, n).mean }
            if let c = optimum(betas: betas, values: sEps, expected: d.eta, Q: sQ, m: sM, rho: d.rho) {
                s.optimalBetas.append(OptimalBetaClaim(lambda: lambda, source: src, alpha: alpha, expected: d.eta,
                                                       argmin: c.argmin, minEpsG: c.min, neighbours: c.neighbours,
                                                       holds: c.holds, interpolated: c.interpolated,
                                                       interpolation: c.method, engine: optEngine, undecided: c.undecided))
            }
            let sR = order.map { d.simStats(.rateTest, aMax, $0, l, n).mean }
            let sD = order.map { d.simStats(.distTest, aMax, $0, l, n).mean }
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
            for q in gapQuantities where d[theory: q] != nil && d[sim: q] != nil {
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
}
