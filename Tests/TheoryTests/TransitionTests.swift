import XCTest
import VAETheory

// The collapse transition (MODEL.md §4: kinds, ties, first-order numbers), the train distortion
// (MODEL.md §3), the optimal β below BBP and the theory flags. References are independent of the
// library: Float80 roots of MODEL's cubic (`refCubicRoots`), the closed-form profile (`refProfile`),
// dense scans, and MODEL's printed numbers (re-derived at 50 digits with mpmath while writing these
// tests; the 50-digit values are quoted where a test pins more digits than MODEL prints).

/// Δ = ℒ − β/2 at a² = q written out (MODEL §4 loss with b, D eliminated), in Float80, with
/// log(1 + x) by its series for small x (x ≤ 1e-3 here: 12 terms reach 1e-36).
func refExcess80(q: Float80, ell1: Double, alpha: Double, beta: Double, lambda: Double) -> Float80 {
    let l = Float80(ell1), b = Float80(beta), mu = Float80(lambda) / Float80(alpha)
    let t = b + q, x = q / b
    var log1px: Float80 = 0
    if x < 1e-3 {
        var p = x, k: Float80 = 1
        for _ in 0..<12 { log1px += p / k; p *= -x; k += 1 }
    } else {
        log1px = Float80(log1p(Double(x)))   // only used for x ≥ 1e-3 (Double precision suffices there)
    }
    return -q * l * l / (2 * (t * l + mu)) + b / 2 * log1px + mu * q / 2
}

final class TransitionTests: XCTestCase {

    // MARK: ties (MODEL.md §4): compare the loss DIFFERENCE to the collapsed point

    /// ρ = η = λ = 1, α = 2 (ℓ₁ = 3, μ = ½, β_c = 11/6): at β = β_c − 1e-8 the true minimum has
    /// Q = 7.857142851e-9 and Δ = −1.4732e-17 (50 digits), below one rounding step of ℒ ≈ 0.92.
    /// Bug caught: comparing the two totals ℒ (then the collapsed point wins the tie and the phase
    /// is "collapsed") — the behaviour before the fix for every β_c − β ≤ 1e-8.
    func testTieNearContinuousTransitionUsesLossDifference() throws {
        let (alpha, lambda) = (2.0, 1.0)
        let ell1 = refSpectrum(alpha: alpha, rho: 1, eta: 1).ell1
        XCTAssertEqual(ell1, 3)
        let mu = lambda / alpha, bc = ell1 / (1 + mu) - mu / ell1
        for gapExp in [8.0, 10, 12] {
            let beta = bc - pow(10, -gapExp)
            guard let roots = refCubicRoots(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda) else {
                return XCTFail("reference unresolved at β_c − 1e-\(gapExp)")
            }
            XCTAssertEqual(roots.count, 1)
            let qRef = roots[0] - Float80(beta)
            let r = Theory.solve(try TheoryInput(alpha: alpha, beta: beta, lambda: lambda))
            let msg = "β = β_c − 1e-\(gapExp): Q \(r.observables.Q) vs reference \(qRef)"
            XCTAssertEqual(r.observables.phase, .learning, msg)
            // Q to 1e-6 relative: the reference root's Float80 precision (~1e-19 absolute) and
            // the library's Double precision of β − β_c (~1e-16 absolute) both allow it at 1e-12
            // Q to the precision Double allows: β − β_c carries ~3e-15 absolute rounding (in βℓ₁), so
            // Q's relative error is ~1e-14/gap (the Float80 reference is ~1e-17 absolute); Δ ∝ Q²
            let tolQ = 1e-14 * pow(10, gapExp)
            XCTAssertEqual(r.observables.Q, Double(qRef), accuracy: tolQ * Double(qRef), msg)
            let deltaRef = refExcess80(q: qRef, ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)
            XCTAssertLessThan(deltaRef, 0)
            XCTAssertLessThan(r.lossExcess, 0, msg)
            XCTAssertEqual(r.lossExcess, Double(deltaRef), accuracy: 3 * tolQ * abs(Double(deltaRef)), msg)
            if gapExp == 8 {   // MODEL.md §4: "Q ≈ 7.9e-9"
                XCTAssertEqual(r.observables.Q, 7.857142851e-9, accuracy: 1e-6 * 7.857e-9)
                XCTAssertEqual(r.lossExcess, -1.4732142886e-17, accuracy: 3e-6 * 1.4732e-17)
            }
        }
        // on the collapsed side the minimiser is collapsed (Q exactly 0)
        let above = Theory.solve(try TheoryInput(alpha: alpha, beta: bc * (1 + 1e-12), lambda: lambda))
        XCTAssertEqual(above.observables.phase, .collapsed)
        XCTAssertEqual(above.observables.Q, 0)
    }

    // MARK: transition kinds

    /// ρ = η = 1, λ = 3 (MODEL.md §4): no transition for α ≤ (√3 − 1)² = 0.5359 (ℓ₁ ≤ μ), first order
    /// for 0.5359 < α < 0.7866, continuous above; β_c > 0 only for α > 0.6763; β_eq(0.676) = 0.0278,
    /// tricritical β = 0.0977. Bug caught: `firstOrder` true whenever β_c ≤ 0 (ρ = η = 1, λ = 3,
    /// α = 0.5 has no transition at all), a first-order test without μ < ℓ₁.
    func testTransitionKindsOfModelExample() throws {
        let lambda = 3.0
        let edge = (3.0.squareRoot() - 1) * (3.0.squareRoot() - 1)
        // ℓ₁ = μ exactly at the edge (independent: BBP formula below the threshold, μ = λ/α)
        XCTAssertEqual(refSpectrum(alpha: edge, rho: 1, eta: 1).ell1, lambda / edge, accuracy: 1e-12)
        for (alpha, kind) in [(0.3, TransitionKind.none), (0.5, .none), (0.535, .none), (0.537, .firstOrder),
                              (0.6, .firstOrder), (0.72, .firstOrder), (0.786, .firstOrder), (0.787, .continuous),
                              (1.0, .continuous), (3.0, .continuous)] {
            let t = Theory.transition(alpha: alpha, lambda: lambda, rho: 1, eta: 1)
            XCTAssertEqual(t.kind, kind, "α = \(alpha)")
            let cb = Theory.collapseBoundary(alpha: alpha, lambda: lambda, rho: 1, eta: 1)
            XCTAssertEqual(cb.firstOrder, kind == .firstOrder, "α = \(alpha)")
            if kind == .none { XCTAssertEqual(cb.betaC, 0) }
        }
        // no transition: the profile (independent) never dips below the collapsed β/2
        for alpha in [0.3, 0.5, 0.535] {
            let ell1 = refSpectrum(alpha: alpha, rho: 1, eta: 1).ell1
            for beta in [1e-4, 1e-3, 0.01, 0.1, 1, 10] {
                var lowest = Double.infinity
                for i in 1...4000 { lowest = min(lowest, refProfile(Double(i) * 1e-3, ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)) }
                XCTAssertGreaterThan(lowest, beta / 2, "α \(alpha) β \(beta)")
                XCTAssertEqual(Theory.solve(try TheoryInput(alpha: alpha, beta: beta, lambda: lambda)).observables.phase, .collapsed)
            }
        }
        // β_c changes sign at α = 0.6763; β_eq(0.676) = 0.0278 (50 digits: 0.0277545), above β_c
        XCTAssertLessThan(Theory.collapsedStabilityThreshold(alpha: 0.6762, lambda: lambda, rho: 1, eta: 1), 0)
        XCTAssertGreaterThan(Theory.collapsedStabilityThreshold(alpha: 0.6764, lambda: lambda, rho: 1, eta: 1), 0)
        XCTAssertEqual(Theory.collapseBoundary(alpha: 0.676, lambda: lambda, rho: 1, eta: 1).betaC, 0.0277545, accuracy: 1e-7)
        // tricritical point α = 0.7866, β = 0.0977 (50 digits: 0.7865942, 0.0976611): β_eq and β_c
        // merge (β_eq − β_c = 1.9e-8 at α = 0.7865)
        let near = Theory.transition(alpha: 0.7865, lambda: lambda, rho: 1, eta: 1)
        XCTAssertEqual(near.kind, .firstOrder)
        XCTAssertEqual(near.boundary - near.stability, 1.9e-8, accuracy: 0.1e-8)
        let tri = Theory.transition(alpha: 0.78659, lambda: lambda, rho: 1, eta: 1)
        XCTAssertEqual(tri.kind, .firstOrder)
        XCTAssertEqual(tri.stability, 0.0977, accuracy: 1e-4)
        XCTAssertEqual(tri.boundary, 0.0977, accuracy: 1e-4)
        XCTAssertEqual(Theory.transition(alpha: 0.7866, lambda: lambda, rho: 1, eta: 1).kind, .continuous)
        // β_eq rises from 0 through 0.0278 to 0.0977 (monotone on a grid of the first-order range)
        var prev = 0.0
        for k in 1...50 {
            let alpha = edge + (0.7866 - edge) * Double(k) / 51
            let t = Theory.transition(alpha: alpha, lambda: lambda, rho: 1, eta: 1)
            XCTAssertEqual(t.kind, .firstOrder)
            XCTAssertGreaterThan(t.boundary, prev, "α \(alpha)")
            XCTAssertGreaterThan(t.boundary, max(t.stability, 0))
            XCTAssertGreaterThan(t.spinodal, t.boundary)
            prev = t.boundary
        }
        // small η: ρ = η = 0.1, λ = 0.09 (λ < η): first order for 0.31 < α < 2.0
        for (alpha, kind) in [(0.3, TransitionKind.continuous), (0.32, .firstOrder), (1.0, .firstOrder),
                              (1.99, .firstOrder), (2.02, .continuous)] {
            XCTAssertEqual(Theory.transition(alpha: alpha, lambda: 0.09, rho: 0.1, eta: 0.1).kind, kind, "α = \(alpha)")
        }
    }

    /// β_eq and β_s of the first-order region against Float80 references: β_s is where MODEL's cubic
    /// loses its two roots above β, β_eq where the non-zero minimum's Δ (refExcess80) changes sign.
    /// Bug caught: a boundary found on totals or on the wrong minimum; a spinodal off the double root.
    func testFirstOrderBoundariesAgainstReferences() {
        for (alpha, lambda, rho, eta) in [(0.6, 3.0, 1.0, 1.0), (0.72, 3.0, 1.0, 1.0), (0.78, 3.0, 1.0, 1.0),
                                          (1.0, 0.09, 0.1, 0.1), (0.00243, 1.1, 1.0, 1.0)] {
            let ell1 = refSpectrum(alpha: alpha, rho: rho, eta: eta).ell1
            let t = Theory.transition(alpha: alpha, lambda: lambda, rho: rho, eta: eta)
            let msg = "α \(alpha) λ \(lambda) ρ \(rho) η \(eta)"
            XCTAssertEqual(t.kind, .firstOrder, msg)
            // just below β_s: two roots above β; just above: none
            XCTAssertEqual(refCubicRootCount(ell1: ell1, alpha: alpha, beta: t.spinodal * (1 - 1e-9), lambda: lambda), 2, msg)
            XCTAssertEqual(refCubicRootCount(ell1: ell1, alpha: alpha, beta: t.spinodal * (1 + 1e-9), lambda: lambda), 0, msg)
            // Δ of the larger root changes sign at β_eq
            func delta(_ beta: Double) -> Float80 {
                guard let r = refCubicRoots(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda), let t = r.last else {
                    XCTFail("no non-zero stationary point at β = \(beta), " + msg); return .nan
                }
                return refExcess80(q: t - Float80(beta), ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)
            }
            XCTAssertLessThan(delta(t.boundary * (1 - 1e-9)), 0, msg)
            XCTAssertGreaterThan(delta(t.boundary * (1 + 1e-9)), 0, msg)
        }
    }

    /// The continuous region never shows two local minima, and in the first-order region two
    /// minima coexist exactly for max(β_c, 0) < β < β_s (MODEL.md §4). This compares two library
    /// routes (stability of the stationary points vs the bisected interval of `Theory.transition`):
    /// a consistency test; the independent references for β_s and β_eq are the Float80 cubic in
    /// testFirstOrderBoundariesAgainstReferences and MODEL's numbers in testFirstOrderExample.
    /// Bug caught: `Transition.coexistence` or the metastable flag disagreeing with the stationary
    /// points (e.g. coexistence from β_c instead of max(β_c, 0) when β_c < 0).
    func testCoexistenceIntervalMatchesStationaryPoints() {
        var g = SplitMix64(seed: 31)
        var firstOrderSeen = 0, coexistSeen = 0
        for _ in 0..<3000 {
            let alpha = logUniform(1e-3, 1e3, &g), lambda = logUniform(1e-3, 30, &g)
            let rho = Double.random(in: 0...3, using: &g), eta = logUniform(0.05, 3, &g)
            let ell1 = refSpectrum(alpha: alpha, rho: rho, eta: eta).ell1
            let t = Theory.transition(alpha: alpha, lambda: lambda, rho: rho, eta: eta)
            if t.kind == .firstOrder { firstOrderSeen += 1 }
            var betas = (0..<12).map { _ in logUniform(1e-4, 100, &g) }
            if t.kind == .firstOrder {   // points inside the window, away from its ends
                let lo = max(t.stability, 0), hi = t.spinodal
                betas += [0.1, 0.5, 0.9].map { lo + $0 * (hi - lo) }
            }
            for beta in betas {
                let lo = max(t.stability, 0), hi = t.spinodal
                if t.kind == .firstOrder && (abs(beta - lo) < 1e-9 * hi || abs(beta - hi) < 1e-9 * hi) { continue }
                let meta = ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda).metastable
                XCTAssertEqual(meta, t.coexistence(beta: beta), "α \(alpha) λ \(lambda) ρ \(rho) η \(eta) β \(beta) kind \(t.kind)")
                if meta { coexistSeen += 1 }
            }
        }
        XCTAssertGreaterThanOrEqual(firstOrderSeen, 30)
        XCTAssertGreaterThan(coexistSeen, 100)
        print("coexistence: \(firstOrderSeen) first-order (α, λ, ρ, η) draws, \(coexistSeen) coexisting points")
    }

    // MARK: train distortion (MODEL.md §3)

    /// Train distortion in excess of tr C − ℓ₁: ℓ₁(1 − ab)² + a²D ≥ 0, equal to MODEL's
    /// ℓ₁ − 2abℓ₁ + a²(b²ℓ₁ + D); = β with train rate ½ log(ℓ₁/β) at λ = 0 (and → so as λ → 0);
    /// ℓ₁ when collapsed. Bug caught: the old definition ρ + η − 2abℓ₁ + Q(b²ℓ₁ + D), −0.5 at
    /// ρ = η = 1, α = 2, β = 0.5, λ → 0.
    func testTrainDistortion() throws {
        var g = SplitMix64(seed: 5)
        for _ in 0..<3000 {
            let inp = try TheoryInput(alpha: logUniform(1e-3, 1e6, &g), beta: logUniform(1e-4, 100, &g),
                                      lambda: Double.random(in: 0...1, using: &g) < 0.2 ? 0 : logUniform(1e-4, 100, &g),
                                      rho: Double.random(in: 0...4, using: &g), eta: logUniform(0.05, 5, &g))
            let r = Theory.solve(inp)
            let o = r.observables
            let ell1 = refSpectrum(alpha: inp.alpha, rho: inp.rho, eta: inp.eta).ell1
            let direct = ell1 - 2 * r.a * r.b * ell1 + r.a * r.a * (r.b * r.b * ell1 + o.D)
            XCTAssertGreaterThanOrEqual(o.distTrain, 0)
            XCTAssertEqual(o.distTrain, direct, accuracy: 1e-12 * ell1, "\(inp)")
            if o.phase == .collapsed { XCTAssertEqual(o.distTrain, ell1, accuracy: 1e-15 * ell1) }
            if inp.lambda == 0 && inp.beta < ell1 {
                XCTAssertEqual(o.distTrain, inp.beta, accuracy: 1e-13 * ell1, "\(inp)")
                XCTAssertEqual(o.rateTrain, 0.5 * log(ell1 / inp.beta), accuracy: 1e-12 * (1 + abs(log(ell1))), "\(inp)")
            }
        }
        // the example of MODEL.md §3 and the λ → 0 limit: 0.5 (not −0.5), within O(λ)
        for lambda in [0.0, 1e-9, 1e-6] {
            let o = Theory.solve(try TheoryInput(alpha: 2, beta: 0.5, lambda: lambda)).observables
            XCTAssertEqual(o.distTrain, 0.5, accuracy: 10 * lambda + 1e-14)
            XCTAssertEqual(o.rateTrain, 0.5 * log(3 / 0.5), accuracy: 10 * lambda + 1e-14)
        }
    }

    // MARK: optimal β below BBP

    /// Below BBP (θ² = 0) every collapsed β minimises ε_g = ρ + Q; the smallest one in the domain is
    /// returned: never 0, never on the non-zero side of a first-order boundary.
    /// Bug caught: returning collapseBoundary's betaC as is (0 where there is no transition, the
    /// midpoint of the bisection bracket at β_eq, the formula β_c rounded to the non-zero side).
    func testOptimalBetaBelowBBP() throws {
        for (alpha, lambda) in [(0.5, 3.0), (0.3, 3.0), (0.54, 3.0), (0.6, 3.0), (0.72, 3.0), (0.78, 3.0),
                                (0.5, 0.01), (0.9, 1.0), (0.2, 0.5)] {
            let b = Theory.optimalBeta(alpha: alpha, lambda: lambda, rho: 1, eta: 1)
            let msg = "α \(alpha) λ \(lambda): β* = \(b)"
            XCTAssertGreaterThanOrEqual(b, 1e-4, msg)
            let r = Theory.solve(try TheoryInput(alpha: alpha, beta: b, lambda: lambda))
            XCTAssertEqual(r.observables.phase, .collapsed, msg)
            XCTAssertEqual(r.observables.epsG, 1, msg)
            // smallest such β: just below it the minimiser is not collapsed (unless b is the domain end)
            let ell1 = refSpectrum(alpha: alpha, rho: 1, eta: 1).ell1
            if b > 1e-4 {
                let mu = lambda / alpha, bc = ell1 / (1 + mu) - mu / ell1
                let firstOrder = mu < ell1 && bc * ell1 < mu / (1 + 2 * mu)
                if !firstOrder { XCTAssertEqual(b, bc, accuracy: 1e-13 * bc, msg) }   // the formula β_c
                // independent: a non-zero a wins just below (Δ ∝ offset there, ∝ offset² at a
                // continuous transition, hence the larger offset for the Double brute force)
                let below = b * (1 - (firstOrder ? 1e-9 : 1e-4))
                let bf = bruteForceMin(ell1: ell1, alpha: alpha, beta: below, lambda: lambda)
                XCTAssertLessThan(bf.loss, below / 2, msg)
            } else {
                XCTAssertLessThanOrEqual(Theory.collapseBoundary(alpha: alpha, lambda: lambda, rho: 1, eta: 1).betaC, 1e-4, msg)
            }
        }
    }

    // MARK: flags

    /// Bits are the CF bit field the results file stores (flag_masks 1, 2, 4, 8); theory flags:
    /// first-order coexistence exactly on max(β_c, 0) < β < β_s (β = 0.045, 0.05, 0.051, 0.052 at the
    /// first-order example; not at 0.04 < β_c, 0.06 > β_s, nor anywhere in a continuous region), null
    /// space exactly at λ = 0, α < 1. Bug caught: flags from `firstOrder` alone (also set at β = 0.04
    /// and 0.06), null space at α ≥ 1.
    func testTheoryFlags() throws {
        XCTAssertEqual(PointFlags.all.map { $0.flag.rawValue }, [1, 2, 4, 8])
        XCTAssertEqual(PointFlags.all.map { $0.name },
                       ["critical_bbp_window", "first_order_coexistence", "lambda0_null_space", "not_converged"])
        for (beta, want) in [(0.04, false), (0.045, true), (0.05, true), (0.051, true), (0.052, true), (0.06, false)] {
            let f = PointFlags.theory(alpha: 0.72, beta: beta, lambda: 3, rho: 1, eta: 1)
            XCTAssertEqual(f.contains(.firstOrderCoexistence), want, "β = \(beta)")
            // layout test (the two overloads agree; both read the library's stationary points)
            XCTAssertEqual(f, PointFlags.theory(Theory.solve(try TheoryInput(alpha: 0.72, beta: beta, lambda: 3))))
            XCTAssertFalse(f.contains(.nullSpace)); XCTAssertFalse(f.contains(.criticalWindow)); XCTAssertFalse(f.contains(.notConverged))
        }
        // β_c < 0 (α = 0.6): coexistence from β → 0⁺ up to β_s
        let t6 = Theory.transition(alpha: 0.6, lambda: 3, rho: 1, eta: 1)
        XCTAssertLessThan(t6.stability, 0)
        XCTAssertTrue(PointFlags.theory(alpha: 0.6, beta: 1e-4, lambda: 3, rho: 1, eta: 1).contains(.firstOrderCoexistence))
        XCTAssertFalse(PointFlags.theory(alpha: 0.6, beta: t6.spinodal * 1.001, lambda: 3, rho: 1, eta: 1).contains(.firstOrderCoexistence))
        for beta in stride(from: 0.05, through: 3, by: 0.05) {
            XCTAssertEqual(PointFlags.theory(alpha: 2, beta: beta, lambda: 1, rho: 1, eta: 1), [])
            XCTAssertEqual(PointFlags.theory(alpha: 0.5, beta: beta, lambda: 3, rho: 1, eta: 1), [])   // no transition
        }
        for (alpha, lambda, want) in [(0.5, 0.0, true), (0.999, 0.0, true), (1.0, 0.0, false), (2.0, 0.0, false), (0.5, 1e-8, false)] {
            XCTAssertEqual(PointFlags.theory(alpha: alpha, beta: 1, lambda: lambda, rho: 1, eta: 1).contains(.nullSpace), want,
                           "α \(alpha) λ \(lambda)")
        }
    }
}
