// Validation of the N = ∞ theory by finite-N simulations (MODEL.md §7), point by point:
// seed means and standard errors per N, the finite-size fit (FiniteSizeFit), z-scores and verdicts.
//
// Rules (MODEL.md §4, §5, §7), per grid point (α, β, λ) and observable q:
// - Per N: the usable replicates (status ok, finite); s_N = sd/√seeds (ddof 1), needs ≥ 2 seeds.
// - Critical BBP window (§5): an N at which the point is critical is dropped from the fit (the
//   window shrinks with N, so the larger N survive); if fewer than 2 N remain the point is
//   excluded ("excluded_critical_window"). Taken from `sim_flags` when the file has them, else
//   computed from (α, ρ, η, N) with §5's bounds.
// - First-order coexistence (§4): excluded. From `theory_flags`, else `theory_metastable`, else
//   the theory engine (`TheoryResult.metastable`).
// - λ = 0 with α < 1 (§4): V's null-space part is free under gradient training, which shifts E and
//   d, hence the TEST rate and distortion; those two observables are excluded there
//   ("excluded_null_space"); ε_g, m and Q (functions of W alone) are validated as usual.
// - Verdict from z = (q_∞ − q_theory)/se(q_∞): |z| ≥ 3 disagree; otherwise "undecided" when se(q_∞)
//   exceeds the distance from the theory value to the nearest other phase's prediction (the
//   collapsed point's value for a non-collapsed theory point, the non-zero stationary points' for a
//   collapsed one; skipped when no other prediction differs), else |z| < 2 agree, 2 ≤ |z| < 3
//   marginal. No fit possible (fewer than 2 N with ≥ 2 seeds, or no theory value): "undecided"
//   when simulations exist, "no_data" when none.
// - A file with ONE value of N cannot be extrapolated: z = (q̄_N − q_theory)/s_N against the N = ∞
//   theory, with the same thresholds, and `biased` set in the overlearning phase (a finite-N bias
//   ∝ 1/√N is expected there, MODEL.md §5).
import Foundation
import ResultsFile
import VAETheory

/// The verdict of one (point, observable) (MODEL.md §7). Raw values are the codes stored in
/// `verdict_<q>` (CF `flag_values` / `flag_meanings`).
public enum Verdict: Int8, CaseIterable, Sendable {
    case noData = -1, agree = 0, marginal = 1, disagree = 2, undecided = 3
    case excludedCritical = 4, excludedFirstOrder = 5, excludedNullSpace = 6

    /// The CF flag meaning of this code.
    public var name: String {
        switch self {
        case .noData: return "no_data"
        case .agree: return "agree"
        case .marginal: return "marginal"
        case .disagree: return "disagree"
        case .undecided: return "undecided"
        case .excludedCritical: return "excluded_critical_window"
        case .excludedFirstOrder: return "excluded_first_order"
        case .excludedNullSpace: return "excluded_null_space"
        }
    }

    /// Whether the point is reported apart (never counted as agreement or disagreement).
    public var isExcluded: Bool { self == .excludedCritical || self == .excludedFirstOrder || self == .excludedNullSpace }

    /// The verdict of a z-score by MODEL.md §7's thresholds.
    public static func of(z: Double) -> Verdict {
        guard z.isFinite else { return .undecided }
        let a = abs(z)
        return a < 2 ? .agree : (a < 3 ? .marginal : .disagree)
    }
}

/// Seed statistics of one observable at one (point, N).
public struct SizeStats: Sendable, Equatable {
    /// System size, usable replicates (status ok, finite) and their mean.
    public var n: Int
    /// Usable replicates (status ok, finite value).
    public var seeds: Int
    /// Their mean.
    public var mean: Double
    /// Standard error sd/√seeds (ddof 1), NOT floored (NaN with fewer than 2 seeds).
    public var se: Double
    /// The point lies in the critical BBP window at this N (MODEL.md §5).
    public var critical: Bool
}

/// The validation of one observable at one grid point.
public struct PointValidation: Sendable {
    /// The observable (`Validation.quantities`).
    public var quantity: Quantity
    /// Grid indices and coordinates of the point.
    public var a: Int, b: Int, l: Int
    /// The point's α, β and λ values.
    public var alpha: Double, beta: Double, lambda: Double
    /// The N = ∞ theory value and phase.
    public var theory: Double
    /// The theory phase at the point (nil when not computed).
    public var phase: Phase?
    /// Per-N seed statistics (every N of the file, ascending).
    public var sizes: [SizeStats]
    /// The finite-size fit (nil: fewer than 2 usable N, single-N file, excluded, or no data).
    public var fit: FiniteSizeFit?
    /// z of q_∞ (fit) or of the largest usable N (single-N file).
    public var z: Double
    /// Single-N file: z per N, (q̄_N − theory)/s_N with s_N floored.
    public var perNZ: [Double]
    /// The verdict (MODEL.md §7).
    public var verdict: Verdict
    /// Single-N comparison in the overlearning phase (expected finite-N bias, MODEL.md §5).
    public var biased: Bool
    /// Why the verdict is what it is, in words (empty for a plain z verdict).
    public var reason: String

    /// q_∞ (NaN without a fit).
    public var qInf: Double { fit?.qInf ?? .nan }
    /// se(q_∞) (inflated when χ²/dof > 1) and χ²/dof; NaN without a fit.
    public var seInf: Double { fit?.seInf ?? .nan }
    /// χ²/dof of the finite-size fit (NaN without a fit).
    public var chi2PerDof: Double { fit?.chi2PerDof ?? .nan }
}

/// MODEL.md §5's critical BBP window at (α, ρ, η, N): 1 − N^(−1/3) < κ/√γ < 1 + (4.5 (1 + κ)²/N)^(1/3).
public func inCriticalWindow(alpha: Double, rho: Double, eta: Double, n: Int) -> Bool {
    FiniteNPhase.isCritical(n: n, alpha: alpha, rho: rho, eta: eta)   // the one definition (VAETheory)
}

/// The validation of a whole results file (MODEL.md §7).
public struct Validation: Sendable {
    /// The observables validated, in report order.
    public static let quantities: [Quantity] = [.epsG, .m, .Q, .rateTest, .distTest]
    /// Observables affected by the λ = 0, α < 1 null-space caveat (functions of V: E, d).
    public static let nullSpaceQuantities: Set<Quantity> = [.rateTest, .distTest]

    /// The results file, its model parameters and grid.
    public var path: String
    /// The study's ρ and η.
    public var rho: Double, eta: Double
    /// The file's α, β and λ coordinates.
    public var alpha: [Double], beta: [Double], lam: [Double]
    /// System sizes of the file (ascending).
    public var nValues: [Int]
    /// Whether the file holds one N only (no extrapolation possible).
    public var singleN: Bool
    /// Whether the file holds simulations at all.
    public var hasSimulation: Bool
    /// Flags came from the file (`theory_flags`/`sim_flags`) rather than being recomputed.
    public var flagsFromFile: Bool
    /// Every (point, observable), points in (α, β, λ) row-major order, observables in `quantities` order.
    public var points: [PointValidation]

    /// Validate every grid point of `d`.
    public static func compute(_ d: ResultsData) -> Validation {
        let nOrder = d.N.indices.sorted { d.N[$0] < d.N[$1] }
        let single = d.hasSimulation && d.N.count == 1
        var out: [PointValidation] = []
        out.reserveCapacity(d.theoryCount * quantities.count)
        for a in d.alpha.indices { for b in d.beta.indices { for l in d.lam.indices {
            let alpha = d.alpha[a], beta = d.beta[b], lambda = d.lam[l]
            let flags = theoryFlags(d, a, b, l)
            let critical: [Bool] = nOrder.map { criticalAt(d, a, b, l, $0) }
            let phase = d.theoryPhaseAt(a, b, l).flatMap { Phase(rawValue: $0) }
            let alternatives = alternativePredictions(d, a, b, l, phase: phase)
            for q in quantities {
                let t = d.theoryValue(q, a, b, l)
                var sizes: [SizeStats] = []
                var anySim = false
                for (k, n) in nOrder.enumerated() {
                    let v = d.simValues(q, a, b, l, n)
                    if !v.isEmpty { anySim = true }
                    let st = SampleStats(v)
                    let se = st.count >= 2 ? st.std / Double(st.count).squareRoot() : .nan
                    sizes.append(SizeStats(n: d.N[n], seeds: st.count, mean: st.mean, se: se, critical: critical[k]))
                }
                var p = PointValidation(quantity: q, a: a, b: b, l: l, alpha: alpha, beta: beta, lambda: lambda,
                                        theory: t, phase: phase, sizes: sizes, fit: nil, z: .nan, perNZ: [],
                                        verdict: .noData, biased: false, reason: "")
                defer { out.append(p) }
                guard anySim else { p.reason = "no simulated replicates"; continue }
                guard t.isFinite else { p.verdict = .undecided; p.reason = "no theory value"; continue }
                if flags.contains(.firstOrderCoexistence) {
                    p.verdict = .excludedFirstOrder; p.reason = "first-order coexistence (MODEL §4)"; continue
                }
                if flags.contains(.nullSpace) && nullSpaceQuantities.contains(q) {
                    p.verdict = .excludedNullSpace; p.reason = "λ = 0, α < 1: V's null-space part is free (MODEL §4)"; continue
                }
                let usable = sizes.filter { $0.seeds >= 2 && $0.mean.isFinite }
                if single {
                    guard let s = usable.last else { p.verdict = .undecided; p.reason = "fewer than 2 seeds"; continue }
                    if s.critical {
                        p.verdict = .excludedCritical; p.reason = "critical BBP window at N = \(s.n) (MODEL §5)"; continue
                    }
                    p.perNZ = sizes.map { ($0.mean - t) / max($0.se, FiniteSizeFit.seFloor) }
                    p.z = (s.mean - t) / max(s.se, FiniteSizeFit.seFloor)
                    p.biased = phase == .overlearning
                    p.reason = "one N: no extrapolation, z of the N = \(s.n) mean against N = ∞"
                        + (p.biased ? "; biased (overlearning, MODEL §5)" : "")
                    p.verdict = decide(z: p.z, se: max(s.se, FiniteSizeFit.seFloor), theory: t, alternatives: alternatives[q] ?? [])
                    continue
                }
                let fitSizes = usable.filter { !$0.critical }
                if fitSizes.count < 2 {
                    if usable.count >= 2 {
                        p.verdict = .excludedCritical
                        p.reason = "critical BBP window at N = " + usable.filter(\.critical).map { String($0.n) }.joined(separator: ", ") + " (MODEL §5)"
                    } else {
                        p.verdict = .undecided; p.reason = "fewer than 2 values of N with ≥ 2 seeds"
                    }
                    continue
                }
                guard let f = FiniteSizeFit.fit(n: fitSizes.map(\.n), mean: fitSizes.map(\.mean), se: fitSizes.map(\.se)) else {
                    p.verdict = .undecided; p.reason = "singular fit"; continue
                }
                p.fit = f
                p.z = (f.qInf - t) / f.seInf
                if fitSizes.count < usable.count {
                    p.reason = "N = " + usable.filter(\.critical).map { String($0.n) }.joined(separator: ", ") + " dropped (critical BBP window)"
                }
                p.verdict = decide(z: p.z, se: f.seInf, theory: t, alternatives: alternatives[q] ?? [])
                if p.verdict == .undecided {
                    p.reason += (p.reason.isEmpty ? "" : "; ") + "se(q_∞) exceeds the distance to the nearest other phase's prediction"
                }
            }
        } } }
        return Validation(path: d.path, rho: d.rho, eta: d.eta, alpha: d.alpha, beta: d.beta, lam: d.lam,
                          nValues: nOrder.map { d.N[$0] }, singleN: single, hasSimulation: d.hasSimulation,
                          flagsFromFile: d.theoryFlags != nil && (d.simFlags != nil || !d.hasSimulation), points: out)
    }

    /// The verdict of a z-score, "undecided" when se exceeds the distance to another phase's prediction.
    static func decide(z: Double, se: Double, theory: Double, alternatives: [Double]) -> Verdict {
        let v = Verdict.of(z: z)
        if v == .disagree { return v }
        let dist = alternatives.map { abs($0 - theory) }.filter { $0 > 1e-12 * max(1, abs(theory)) }.min()
        if let dist, se > dist { return .undecided }
        return v
    }

    /// The theory caveats of a point: `theory_flags` when present, else recomputed (first-order
    /// coexistence from `theory_metastable` or the engine; λ = 0 with α < 1 from the coordinates).
    static func theoryFlags(_ d: ResultsData, _ a: Int, _ b: Int, _ l: Int) -> PointFlags {
        let i = d.theoryIndex(a, b, l)
        if let f = d.theoryFlags {
            // a writer may set the point caveats on the replicates only: take their union too
            var flags = PointFlags(rawValue: f[i])
            if let sf = d.simFlags {
                for n in d.N.indices { for s in d.seeds.indices {
                    flags.formUnion(PointFlags(rawValue: sf[d.simIndex(a, b, l, n, s)]).intersection([.firstOrderCoexistence, .nullSpace]))
                } }
            }
            return flags
        }
        var flags: PointFlags = []
        let alpha = d.alpha[a], lambda = d.lam[l]
        if lambda == 0 && alpha < 1 { flags.insert(.nullSpace) }
        if let m = d.theoryMetastable?[i], m >= 0 {
            if m == 1 { flags.insert(.firstOrderCoexistence) }
        } else if let input = try? TheoryInput(alpha: alpha, beta: d.beta[b], lambda: lambda, rho: d.rho, eta: d.eta),
                  Theory.solve(input).metastable {
            flags.insert(.firstOrderCoexistence)
        }
        return flags
    }

    /// Whether the point is in the critical window at N index `n`: from `sim_flags` (any replicate
    /// flagged) when present, else from MODEL.md §5's bounds.
    static func criticalAt(_ d: ResultsData, _ a: Int, _ b: Int, _ l: Int, _ n: Int) -> Bool {
        if let f = d.simFlags {
            return (0..<d.seeds.count).contains { PointFlags(rawValue: f[d.simIndex(a, b, l, n, $0)]).contains(.criticalWindow) }
        }
        return inCriticalWindow(alpha: d.alpha[a], rho: d.rho, eta: d.eta, n: d.N[n])
    }

    /// Other phases' predictions of each observable at the point: the collapsed point's values for a
    /// non-collapsed theory phase; every non-zero stationary point's for a collapsed one.
    static func alternativePredictions(_ d: ResultsData, _ a: Int, _ b: Int, _ l: Int, phase: Phase?) -> [Quantity: [Double]] {
        guard let phase else { return [:] }
        let alpha = d.alpha[a], beta = d.beta[b], lambda = d.lam[l]
        let (ell1, theta2) = Theory.spectrum(alpha: alpha, rho: d.rho, eta: d.eta)
        var sols: [ScalarSolution] = []
        if phase == .collapsed {
            sols = ScalarEquations.stationaryPoints(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda).filter { !$0.isCollapsed }
        } else {
            sols = [ScalarSolution(a: 0, b: 0, D: 1, loss: 0)]
        }
        var out: [Quantity: [Double]] = [:]
        for s in sols {
            let o = Theory.observables(a: s.a, b: s.b, D: s.D, ell1: ell1, theta2: theta2, rho: d.rho, eta: d.eta)
            for q in quantities { out[q, default: []].append(o[q]) }
        }
        return out
    }

    // MARK: counts

    /// Count of verdicts for observable `q` (all when nil), optionally restricted to a theory phase.
    public func counts(quantity q: Quantity? = nil, phase: Phase? = nil) -> [Verdict: Int] {
        var c: [Verdict: Int] = [:]
        for p in points where (q == nil || p.quantity == q) && (phase == nil || p.phase == phase) {
            c[p.verdict, default: 0] += 1
        }
        return c
    }

    /// Fraction of the decided points (agree + marginal + disagree) that agree, for `q` (all when nil).
    public func agreeFraction(quantity q: Quantity? = nil, phase: Phase? = nil) -> Double {
        let c = counts(quantity: q, phase: phase)
        let decided = (c[.agree] ?? 0) + (c[.marginal] ?? 0) + (c[.disagree] ?? 0)
        return decided > 0 ? Double(c[.agree] ?? 0) / Double(decided) : .nan
    }

    /// The `k` non-excluded points with the largest |z|, largest first.
    public func worst(_ k: Int, quantity q: Quantity? = nil) -> [PointValidation] {
        Array(points.filter { (q == nil || $0.quantity == q) && $0.z.isFinite && !$0.verdict.isExcluded }
            .sorted { abs($0.z) > abs($1.z) }.prefix(k))
    }
}
