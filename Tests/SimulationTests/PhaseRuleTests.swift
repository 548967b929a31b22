import XCTest
import VAETheory
import VAESimulation

// The finite-N phase rule and critical window of MODEL.md §5, and the flags of a simulated point.
// References: the rule's formulas written out here, MODEL's measured numbers (learning fractions),
// and real samples (the rule's label of the exact minimiser is the label of θ² = (v₁·w*)², since the
// minimiser lies along v₁: θ̂² = m²/Q = θ²).

/// MODEL.md §5's c(x) written out: (1 + κ)/max(|1 − x|, N^(−1/3))², x = κ√α.
func refNoise(n: Int, alpha: Double, rho: Double, eta: Double) -> Double {
    let kappa = rho / eta, x = kappa * alpha.squareRoot()
    let d = max(abs(1 - x), pow(Double(n), -1.0 / 3))
    return (1 + kappa) / (d * d)
}

/// The rule before MODEL.md's correction: noise 1 + κ above BBP (x ≥ 1). Used only to show that the
/// samples below would expose it.
func oldRuleLearns(theta2: Double, n: Int, alpha: Double, rho: Double, eta: Double) -> Bool {
    let kappa = rho / eta, x = kappa * alpha.squareRoot()
    let c = x < 1 ? refNoise(n: n, alpha: alpha, rho: rho, eta: eta) : 1 + kappa
    return Double(n) * theta2 > 9 * c
}

final class PhaseRuleTests: XCTestCase {

    /// θ² = (v₁·w*)² and the effective α of one sample (top of the spectrum only).
    func sampleOverlap(alpha: Double, n: Int, replicate: Int, rootSeed: UInt64 = 4242) throws -> (theta2: Double, alphaEff: Double) {
        let t = try DataSet.topSpectrum(alpha: alpha, n: n, key: DataKey(rootSeed: rootSeed, replicate: replicate))
        return (t.overlap * t.overlap, Double(t.p) / Double(n))
    }

    /// The rule's label of a non-collapsed minimiser along v₁ (a = 0.7: any a with Q ≥ 1e-8).
    func label(theta2: Double, n: Int, alpha: Double) -> Phase {
        FiniteNPhase.classify(m: 0.7 * theta2.squareRoot(), Q: 0.49, n: n, alpha: alpha, rho: 1, eta: 1)
    }

    /// The formulas: c(x) the same on both sides of BBP, the 9c/N threshold, Q < 1e-8 collapsed, the
    /// critical window (1 − w, 1 + (4.5(1 + κ)²/N)^(1/3)). Bug caught: noise 1 + κ above BBP (the old
    /// rule: c(1.5) = 2 instead of 8 at N = 1000, κ = 1), a window not open at its ends.
    func testRuleFormulas() {
        let n = 1000   // w = 0.1
        for (alpha, c) in [(0.25, 8.0), (2.25, 8.0), (1.1025, 200.0), (0.9025, 200.0), (1.0, 200.0), (0.0625, 2 / 0.5625)] {
            XCTAssertEqual(FiniteNPhase.noiseCoefficient(n: n, alpha: alpha, rho: 1, eta: 1), c, accuracy: 1e-9 * c, "α \(alpha)")
            XCTAssertEqual(FiniteNPhase.noiseCoefficient(n: n, alpha: alpha, rho: 1, eta: 1), refNoise(n: n, alpha: alpha, rho: 1, eta: 1),
                           accuracy: 1e-12 * c)
            let threshold = 9 * c / Double(n)
            if threshold < 1 {
                XCTAssertEqual(label(theta2: threshold * (1 + 1e-9), n: n, alpha: alpha), .learning, "α \(alpha)")
            }
            XCTAssertEqual(label(theta2: threshold * (1 - 1e-9), n: n, alpha: alpha), .overlearning, "α \(alpha)")
        }
        // ρ ≠ η: κ = 4, α = 1 → x = 4, c = 5/9
        XCTAssertEqual(FiniteNPhase.noiseCoefficient(n: 8000, alpha: 1, rho: 2, eta: 0.5), 5.0 / 9, accuracy: 1e-14)
        XCTAssertEqual(FiniteNPhase.classify(m: 0.3, Q: 0.99e-8, n: 100, alpha: 4, rho: 1, eta: 1), .collapsed)
        XCTAssertEqual(FiniteNPhase.classify(m: 0, Q: 1.01e-8, n: 100, alpha: 4, rho: 1, eta: 1), .overlearning)
        // window at N = 1000, κ = 1: x ∈ (0.9, 1 + 0.018^(1/3) = 1.26207)
        let w = FiniteNPhase.criticalWindow(n: n, rho: 1, eta: 1)
        XCTAssertEqual(w.lower, 0.9, accuracy: 1e-12)
        XCTAssertEqual(w.upper, 1 + pow(0.018, 1.0 / 3), accuracy: 1e-12)
        for (x, crit) in [(0.89, false), (0.91, true), (1.0, true), (1.26, true), (1.27, false), (3.0, false)] {
            XCTAssertEqual(FiniteNPhase.isCritical(n: n, alpha: x * x, rho: 1, eta: 1), crit, "x \(x)")
        }
        // the window's upper edge is where the N = ∞ learning overlap θ² ≈ 2(x − 1)/(1 + κ) meets 9c/N
        let xu = w.upper
        let theta2Edge = refSpectrumSim(alpha: xu * xu).theta2
        XCTAssertEqual(Double(n) * 2 * (xu - 1) / 2, 9 * refNoise(n: n, alpha: xu * xu, rho: 1, eta: 1), accuracy: 1e-9)
        XCTAssertEqual(theta2Edge, 2 * (xu - 1) / 2, accuracy: 0.3 * theta2Edge)   // leading order only
    }

    /// MODEL.md §5: "0 % false learning below BBP". Samples at ρ = η = 1, α = 0.3 … 0.9, N = 200 and
    /// 400, 8 replicates each; labelled end to end (exact minimiser → observables → phase) for some.
    /// Bug caught: a smaller noise below BBP (e.g. 1 + κ as above BBP: 30 of these 80 samples would be
    /// "learning"), or the window cap w missing (c blows up / vanishes near x = 1).
    func testNoFalseLearningBelowBBP() throws {
        var labelled = 0, oldBelowRuleFalse = 0
        for alpha in [0.3, 0.5, 0.7, 0.8, 0.9] {
            for n in [200, 400] {
                for rep in 0..<8 {
                    let (theta2, a) = try sampleOverlap(alpha: alpha, n: n, replicate: rep)
                    XCTAssertEqual(label(theta2: theta2, n: n, alpha: a), .overlearning, "α \(alpha) N \(n) rep \(rep): Nθ² = \(Double(n) * theta2)")
                    if Double(n) * theta2 > 9 * 2 { oldBelowRuleFalse += 1 }
                    labelled += 1
                }
            }
        }
        XCTAssertEqual(labelled, 80)
        print("below BBP: 0/\(labelled) learning; a noise of 1 + κ would have labelled \(oldBelowRuleFalse) learning")
        // end to end on a few full data sets
        for (alpha, n) in [(0.5, 200), (0.9, 200)] {
            for rep in 0..<3 {
                let data = try DataSet.build(alpha: alpha, n: n, key: DataKey(rootSeed: 4242, replicate: rep), keepCovariance: false)
                let r = try Trainer.train(data, beta: 0.3, lambda: 0.01, options: TrainingOptions(solver: .exact))
                XCTAssertGreaterThan(r.observables.Q, 1e-3)
                XCTAssertEqual(r.observables.phase, .overlearning)
                XCTAssertEqual(r.observables.m * r.observables.m / r.observables.Q, data.theta * data.theta, accuracy: 1e-12)
            }
        }
    }

    /// MODEL.md §5: above BBP 75 % learning at N = 400, α = 2, and 100 % at N = 1000, α = 2.
    /// 40 replicates at N = 400: the fraction must lie within 3 binomial s.d. (±6.8 %·3) of 75 %.
    /// Bug caught: the old noise 1 + κ above BBP (100 % at N = 400 — shown below on the same samples).
    func testLearningFractionsAboveBBP() throws {
        var learn = 0, oldLearn = 0
        let reps = 40
        for rep in 0..<reps {
            let (theta2, a) = try sampleOverlap(alpha: 2, n: 400, replicate: rep)
            XCTAssertFalse(FiniteNPhase.isCritical(n: 400, alpha: a, rho: 1, eta: 1))
            if label(theta2: theta2, n: 400, alpha: a) == .learning { learn += 1 }
            if oldRuleLearns(theta2: theta2, n: 400, alpha: a, rho: 1, eta: 1) { oldLearn += 1 }
        }
        let frac = Double(learn) / Double(reps)
        print("N = 400, α = 2: \(learn)/\(reps) learning (MODEL: 75 %); old rule \(oldLearn)/\(reps)")
        XCTAssertGreaterThanOrEqual(frac, 0.75 - 3 * 0.068)
        XCTAssertLessThanOrEqual(frac, 0.75 + 3 * 0.068)
        XCTAssertEqual(oldLearn, reps)
        for rep in 0..<6 {
            let (theta2, a) = try sampleOverlap(alpha: 2, n: 1000, replicate: rep)
            XCTAssertEqual(label(theta2: theta2, n: 1000, alpha: a), .learning, "N = 1000 rep \(rep): Nθ² = \(1000 * theta2)")
        }
    }

    /// MODEL.md §5's flip example: at N = 400, α = 0.95, 1.0, 1.05 (all inside the critical window)
    /// the rule with noise 1 + κ above BBP gave 0 %, 62 %, 80 % learning while θ² barely moved. With
    /// the same noise on both sides the label follows the data: the three fractions are equal (here
    /// all 0: 9c/N = 9·2·400^(2/3)/400 = 2.4 > 1 inside the window), and every point is flagged critical.
    /// Bug caught: the one-sided noise (the fractions jump at α = 1 — shown on the same samples).
    func testNoFlipAtBBP() throws {
        var fractions: [Double] = [], oldFractions: [Double] = [], medians: [Double] = []
        let reps = 20
        for alpha in [0.95, 1.0, 1.05] {
            var learn = 0, oldLearn = 0
            var th: [Double] = []
            for rep in 0..<reps {
                let (theta2, a) = try sampleOverlap(alpha: alpha, n: 400, replicate: rep)
                XCTAssertTrue(FiniteNPhase.isCritical(n: 400, alpha: a, rho: 1, eta: 1))
                XCTAssertTrue(PointFlags.simulation(n: 400, alpha: a, beta: 0.5, lambda: 0.01, rho: 1, eta: 1, ell1: 4,
                                                    converged: true).contains(.criticalWindow))
                if label(theta2: theta2, n: 400, alpha: a) == .learning { learn += 1 }
                if oldRuleLearns(theta2: theta2, n: 400, alpha: a, rho: 1, eta: 1) { oldLearn += 1 }
                th.append(theta2)
            }
            fractions.append(Double(learn) / Double(reps))
            oldFractions.append(Double(oldLearn) / Double(reps))
            medians.append(th.sorted()[reps / 2])
        }
        print("N = 400, α = 0.95/1.0/1.05: learning \(fractions), old rule \(oldFractions), median θ² \(medians)")
        XCTAssertEqual(fractions, [0, 0, 0])
        XCTAssertEqual(oldFractions[0], 0)
        XCTAssertGreaterThan(oldFractions[2] - oldFractions[0], 0.3)   // the data would expose the old rule
    }

    /// Simulated-point flags: critical window from the effective α, null space at λ = 0 with P < N,
    /// not converged, and first-order coexistence from the SAMPLE's ℓ₁ (two local minima of this
    /// sample's landscape). Bug caught: the window from the grid α instead of P/N, coexistence taken
    /// from the population ℓ₁ (differs at the β checked here), missing bits.
    func testSimulationFlags() throws {
        let data = try DataSet.build(alpha: 0.72, n: 100, key: DataKey(rootSeed: 9), keepCovariance: false)
        let pop = Theory.transition(alpha: 0.72, lambda: 3, rho: 1, eta: 1)
        let smp = Theory.transition(ell1: data.ell1, alpha: data.alphaEffective, lambda: 3)
        XCTAssertEqual(smp.kind, .firstOrder)
        // a β inside the sample's coexistence window, and one inside only the population's (or vice versa)
        let inside = 0.5 * (max(smp.stability, 0) + smp.spinodal)
        XCTAssertTrue(data.flags(beta: inside, lambda: 3, converged: true).contains(.firstOrderCoexistence))
        XCTAssertFalse(data.flags(beta: smp.spinodal * 1.01, lambda: 3, converged: true).contains(.firstOrderCoexistence))
        let popOnly = stride(from: 0.001, through: 0.2, by: 0.0005).first { pop.coexistence(beta: $0) != smp.coexistence(beta: $0) }
        XCTAssertNotNil(popOnly, "sample ℓ₁ \(data.ell1) vs population \(Theory.spectrum(alpha: 0.72, rho: 1, eta: 1).ell1)")
        if let b = popOnly {
            // (library vs library: which ℓ₁ the flag reads; the coexistence interval itself is checked
            // against independent Float80 references in TheoryTests.TransitionTests)
            XCTAssertEqual(data.flags(beta: b, lambda: 3, converged: true).contains(.firstOrderCoexistence), smp.coexistence(beta: b))
            // and it is what the exact stationary points of this sample say
            XCTAssertEqual(smp.coexistence(beta: b),
                           ScalarEquations.minimiser(ell1: data.ell1, alpha: data.alphaEffective, beta: b, lambda: 3).metastable)
        }
        // critical window: α = 1 (x = 1) at N = 100 is critical, α = 4 is not
        let crit = try DataSet.build(alpha: 1, n: 100, key: DataKey(rootSeed: 9), keepCovariance: false)
        XCTAssertEqual(crit.flags(beta: 1, lambda: 1, converged: true), [.criticalWindow])
        let far = try DataSet.build(alpha: 4, n: 100, key: DataKey(rootSeed: 9), keepCovariance: false)
        XCTAssertEqual(far.flags(beta: 1, lambda: 1, converged: true), [])
        XCTAssertEqual(far.flags(beta: 1, lambda: 1, converged: false), [.notConverged])
        XCTAssertEqual(far.flags(beta: 1, lambda: 0, converged: true), [])            // P > N: no null space
        let thin = try DataSet.build(alpha: 0.3, n: 100, key: DataKey(rootSeed: 9), keepCovariance: false)
        XCTAssertEqual(thin.flags(beta: 1, lambda: 0, converged: true), [.nullSpace])
        XCTAssertEqual(thin.flags(beta: 1, lambda: 0.01, converged: true), [])
        // effective α: N = 7, α = 0.999 → P = 7 = N (not < N): no null space although α < 1
        let tiny = try DataSet.build(alpha: 0.999, n: 7, key: DataKey(rootSeed: 9), keepCovariance: false)
        XCTAssertEqual(tiny.p, 7)
        XCTAssertFalse(tiny.flags(beta: 1, lambda: 0, converged: true).contains(.nullSpace))
        // SimulationResult overload: the trainer's converged flag and (β, λ)
        let r = try Trainer.train(far, beta: 1, lambda: 1, options: TrainingOptions(solver: .gd, maxSteps: 1))
        XCTAssertFalse(r.converged)
        XCTAssertEqual(far.flags(r), [.notConverged])
    }
}

/// BBP θ² (MODEL.md §4) at ρ = η = 1, written out for these tests.
func refSpectrumSim(alpha: Double) -> (ell1: Double, theta2: Double) {
    let g = 1 / alpha
    if 1 > g.squareRoot() { return (2 * (1 + g), (1 - g) / (1 + g)) }
    return ((1 + g.squareRoot()) * (1 + g.squareRoot()), 0)
}
