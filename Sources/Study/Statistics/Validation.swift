// Validation of the N = ∞ theory by finite-N simulations: the recipe of MODEL.md §7 (steps 1–7),
// point by point and observable by observable. Recipe version 2 (`Validation.recipeVersion`).
//
// Per grid point (α, β, λ) and observable q:
// 1. Per-N statistics over the usable replicates (status ok, finite): q̄_N and s_N² = var(ddof 1)/n_N
//    (floored at 1e-12), compared at the sample's own α: q̃_N = q̄_N − [q_th(P/N) − q_th(α)],
//    P = round(αN), both theory values from the engine (`Theory.solve`).
// 2. Usable N: n_N ≥ 2 and not in a window at that N (evaluated at P/N):
//    - the critical BBP window of MODEL.md §5 (`sim_flags` when the file has them, else the formula);
//    - for the θ-dependent observables (m, ε_g, rate_test, dist_test) that window widened by
//      `RecipeOptions.bbpWideningBelow` / `…Above` (chosen by calibration; the report says which);
//    - the collapse-boundary window |β − β_b(P/N)| < 3 |dβ_b/dℓ₁| σ_N (β_b the phase boundary along
//      β, dβ_b/dℓ₁ from the theory, σ_N the spread of ℓ̂₁: `Theory.topEigenvalueSpread`).
//    Fewer than 2 usable N: reported apart, as `excluded_critical_window` when every dropped N was
//    in the §5 window, else `excluded_window`; never a disagreement.
// 3. Ansatz by the theory's phase (Ansatz.swift); collapsed points are not extrapolated.
// 4. Least squares with a-priori weights n_N·N (FiniteSizeFit); var(q∞) = Σ c_N² s_N² and Welch ν
//    (FiniteSizeEstimate); χ²/dof reported, never used to inflate se.
// 5. Overlearning with ≤ 3 usable N: refit on {1, N^(−ω₂)}, add (q∞ − q∞′)² to var(q∞).
// 6. z = (q∞ − q_th)/se, p = 2 P(t_ν > |z|) (StudentT): agree p > 0.0455, marginal p > 0.0027, else
//    disagree. Undecided (unless disagree) where se exceeds the distance to the nearest other
//    phase's prediction. Apart: first-order coexistence (§4), λ = 0 with α < 1 for the test rate
//    and distortion (V's null-space part, §4), the windows of step 2.
// 7. Counts by observable, phase and α group (ValidationReport.swift).
// A file with ONE N cannot be extrapolated: q̃_N against the N = ∞ theory with ν = n − 1, marked
// biased in the overlearning phase (a finite-N offset is expected there, MODEL.md §5).
import Foundation
import ResultsFile
import VAESimulation
import VAETheory

/// The validation of a whole results file (MODEL.md §7).
public struct Validation: Sendable {
    /// The version of the recipe (stored as `recipe_version` in validation files): 1 the N^(−1/2)
    /// recipe with 1/s² weights and χ² inflation; 2 MODEL.md §7 as rewritten (this file).
    public static let recipeVersion = 2
    /// The observables validated, in report order (the only list of validated names).
    public static let quantities: [Quantity] = [.epsG, .m, .Q, .rateTest, .distTest]
    /// Observables affected by the λ = 0, α < 1 null-space caveat (functions of V: E, d).
    public static let nullSpaceQuantities: Set<Quantity> = [.rateTest, .distTest]
    /// Observables that depend on the sample overlap θ̂ (the BBP window is widened for them).
    public static let thetaDependent: Set<Quantity> = [.m, .epsG, .rateTest, .distTest]

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
    /// The recipe's constants.
    public var options: RecipeOptions
    /// Every (point, observable), points in (α, β, λ) row-major order, observables in `quantities` order.
    public var points: [PointValidation]
    /// The calibration of this design, when one was run or read (`Calibration`).
    public var calibration: CalibrationResult?

    /// Validate every grid point of `d`.
    public static func compute(_ d: ResultsData, options: RecipeOptions = .standard) -> Validation {
        let nOrder = d.N.indices.sorted { d.N[$0] < d.N[$1] }
        let single = d.hasSimulation && d.N.count == 1
        var out: [PointValidation] = []
        out.reserveCapacity(d.theoryCount * quantities.count)
        for a in d.alpha.indices { for b in d.beta.indices { for l in d.lam.indices {
            let input = readPoint(d, a, b, l, nOrder: nOrder)
            let ctx = PointContext(input, rho: d.rho, eta: d.eta, options: options)
            for q in quantities {
                out.append(validate(q, input, ctx, a: a, b: b, l: l, singleN: single, rho: d.rho))
            }
        } } }
        return Validation(path: d.path, rho: d.rho, eta: d.eta, alpha: d.alpha, beta: d.beta, lam: d.lam,
                          nValues: nOrder.map { d.N[$0] }, singleN: single, hasSimulation: d.hasSimulation,
                          flagsFromFile: flagsFromFile(d), options: options, points: out, calibration: nil)
    }

    /// The recipe at one point given directly (the same code `compute` runs per grid point): one
    /// `PointValidation` per observable of `quantities`, with grid indices 0. `singleN`: the file
    /// holds one N (no extrapolation).
    public static func point(_ input: PointInput, rho: Double, eta: Double, options: RecipeOptions = .standard,
                             singleN: Bool = false) -> [PointValidation] {
        let ctx = PointContext(input, rho: rho, eta: eta, options: options)
        return quantities.map { validate($0, input, ctx, a: 0, b: 0, l: 0, singleN: singleN, rho: rho) }
    }

    // MARK: counts

    /// Count of verdicts for observable `q` (all when nil), optionally restricted to a theory phase
    /// and to one α.
    public func counts(quantity q: Quantity? = nil, phase: Phase? = nil, alpha: Double? = nil) -> [Verdict: Int] {
        var c: [Verdict: Int] = [:]
        for p in points where (q == nil || p.quantity == q) && (phase == nil || p.phase == phase) && (alpha == nil || p.alpha == alpha) {
            c[p.verdict, default: 0] += 1
        }
        return c
    }

    /// Fraction of the decided points (agree + marginal + disagree) that agree.
    public func agreeFraction(quantity q: Quantity? = nil, phase: Phase? = nil) -> Double {
        let c = counts(quantity: q, phase: phase)
        let decided = (c[.agree] ?? 0) + (c[.marginal] ?? 0) + (c[.disagree] ?? 0)
        return decided > 0 ? Double(c[.agree] ?? 0) / Double(decided) : .nan
    }

    /// The α values (file order) with at least one disagreeing (point, observable): the α groups of
    /// MODEL.md §7 step 7 (all (β, λ) at one α share their data sets).
    public var disagreeingAlphaGroups: [Double] {
        alpha.filter { a in points.contains { $0.alpha == a && $0.verdict == .disagree } }
    }

    /// The `k` non-excluded points with the largest |z|, largest first.
    public func worst(_ k: Int, quantity q: Quantity? = nil) -> [PointValidation] {
        Array(points.filter { (q == nil || $0.quantity == q) && $0.z.isFinite && !$0.verdict.isExcluded }
            .sorted { abs($0.z) > abs($1.z) }.prefix(k))
    }
}
