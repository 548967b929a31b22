import XCTest
import VAETheory

// Independent references written here (not the implementation re-run): the BBP formulas, the
// closed-form minimisation over (b, D) at fixed a, a dense brute-force scan, Richardson
// extrapolation to α = ∞ and the printed numbers of MODEL.md.

/// Deterministic generator for reproducible random parameters (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// BBP of MODEL.md §4, written independently of the library.
func refSpectrum(alpha: Double, rho: Double, eta: Double) -> (ell1: Double, theta2: Double) {
    let g = 1 / alpha, k = rho / eta
    if k > g.squareRoot() { return (eta * (1 + k) * (1 + g / k), (1 - g / (k * k)) / (1 + g / k)) }
    return (eta * (1 + g.squareRoot()) * (1 + g.squareRoot()), 0)
}

/// ℒ(a, b, D) of MODEL.md §4 written out.
func refLoss(_ a: Double, _ b: Double, _ D: Double, ell1: Double, alpha: Double, beta: Double, lambda: Double) -> Double {
    -a * b * ell1 + 0.5 * (a * a + beta) * (b * b * ell1 + D) - 0.5 * beta * log(D) + lambda * (a * a + b * b) / (2 * alpha)
}

/// ℒ minimised over b and D in closed form at fixed a (∂ℒ/∂b = 0 and ∂ℒ/∂D = 0 are linear / explicit).
func refProfile(_ a: Double, ell1: Double, alpha: Double, beta: Double, lambda: Double) -> Double {
    let b = alpha * ell1 * a / ((a * a + beta) * alpha * ell1 + lambda)
    let D = beta / (a * a + beta)
    return refLoss(a, b, D, ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)
}

/// Dense scan of the profile over a ∈ [0, amax] followed by golden-section refinement around the best
/// grid points: an upper bound on (and, refined, essentially equal to) the global minimum of ℒ.
func bruteForceMin(ell1: Double, alpha: Double, beta: Double, lambda: Double, amax: Double = 10, n: Int = 20000) -> (a: Double, loss: Double) {
    let f = { (a: Double) in refProfile(a, ell1: ell1, alpha: alpha, beta: beta, lambda: lambda) }
    let h = amax / Double(n)
    var vals = [Double](repeating: 0, count: n + 1)
    for i in 0...n { vals[i] = f(Double(i) * h) }
    var best = (a: 0.0, loss: vals[0])
    for i in 0...n {
        let isLocalMin = (i == 0 || vals[i] <= vals[i - 1]) && (i == n || vals[i] <= vals[i + 1])
        guard isLocalMin else { continue }
        var lo = max(0, Double(i - 1) * h), hi = min(amax, Double(i + 1) * h)
        let r = (5.0.squareRoot() - 1) / 2
        var x1 = hi - r * (hi - lo), x2 = lo + r * (hi - lo)
        var f1 = f(x1), f2 = f(x2)
        for _ in 0..<120 {
            if f1 < f2 { hi = x2; x2 = x1; f2 = f1; x1 = hi - r * (hi - lo); f1 = f(x1) }
            else { lo = x1; x1 = x2; f1 = f2; x2 = lo + r * (hi - lo); f2 = f(x2) }
        }
        for (x, v) in [(x1, f1), (x2, f2), (Double(i) * h, vals[i])] where v < best.loss { best = (x, v) }
    }
    return best
}

func logUniform(_ lo: Double, _ hi: Double, _ g: inout SplitMix64) -> Double {
    exp(Double.random(in: log(lo)...log(hi), using: &g))
}

final class TheoryTests: XCTestCase {

    // MARK: α → ∞ limits (Richardson-extrapolated from α = 5e5 and 1e6; see the report: at α = 1e6
    // the finite-α corrections are O(1/α) ≈ 1e-6, so the limit itself is checked by extrapolation).

    /// f(∞) ≈ 2 f(2α) − f(α), error O(1/α²) ≈ 1e-12 at α = 5e5.
    func richardson(_ f: (Double) -> Double) -> Double { 2 * f(1e6) - f(5e5) }

    func testLargeAlphaCollapseThreshold() throws {
        for (rho, eta, lambda) in [(1.0, 1.0, 1.0), (2.0, 0.5, 0.01), (0.7, 1.3, 10.0), (1.0, 1.0, 0.0)] {
            let cb = Theory.collapseBoundary(alpha: 1e6, lambda: lambda, rho: rho, eta: eta)
            XCTAssertFalse(cb.firstOrder)
            XCTAssertEqual(cb.betaC, rho + eta, accuracy: 1e-4 * (rho + eta))
            let ext = richardson { Theory.collapseBoundary(alpha: $0, lambda: lambda, rho: rho, eta: eta).betaC }
            XCTAssertEqual(ext, rho + eta, accuracy: 1e-8)
            // phase of solve just below / above
            let below = Theory.solve(try TheoryInput(alpha: 1e6, beta: (rho + eta) * (1 - 1e-3), lambda: lambda, rho: rho, eta: eta))
            let above = Theory.solve(try TheoryInput(alpha: 1e6, beta: (rho + eta) * (1 + 1e-3), lambda: lambda, rho: rho, eta: eta))
            XCTAssertEqual(below.observables.phase, .learning)
            XCTAssertEqual(above.observables.phase, .collapsed)
        }
    }

    func testLargeAlphaEpsGRateDistortion() throws {
        // (the finite-α correction is O((1 + λ/β)/α): λ is kept ≤ 1 here so that α = 1e6 is asymptotic)
        for (rho, eta, lambda) in [(1.0, 1.0, 1.0), (2.0, 0.5, 0.01), (0.7, 1.3, 0.3), (1.0, 1.0, 0.0)] {
            for frac in [0.05, 0.3, 0.5, 0.8, 0.95] {
                let beta = frac * (rho + eta)
                func obs(_ alpha: Double) -> Observables {
                    Theory.solve(try! TheoryInput(alpha: alpha, beta: beta, lambda: lambda, rho: rho, eta: eta)).observables
                }
                let epsInf = pow(rho.squareRoot() - (rho + eta - beta).squareRoot(), 2)
                let rateInf = 0.5 * log((rho + eta) / beta)
                XCTAssertEqual(richardson { obs($0).epsG }, epsInf, accuracy: 1e-8, "rho \(rho) eta \(eta) beta \(beta)")
                XCTAssertEqual(richardson { obs($0).distTest }, beta, accuracy: 1e-8)
                XCTAssertEqual(richardson { obs($0).rateTest }, rateInf, accuracy: 1e-8)
                XCTAssertEqual(richardson { obs($0).Q }, rho + eta - beta, accuracy: 1e-8)
                // direct values at α = 1e6 agree within the O(1/α) finite-size correction
                let tol = 1e-5 * (1 + lambda / beta)
                XCTAssertEqual(obs(1e6).epsG, epsInf, accuracy: tol)
                XCTAssertEqual(obs(1e6).distTest, beta, accuracy: tol)
                XCTAssertEqual(obs(1e6).rateTest, rateInf, accuracy: tol)
            }
        }
    }

    func testLargeAlphaOptimalBetaIsEta() {
        for (rho, eta, lambda) in [(1.0, 1.0, 1.0), (2.0, 0.5, 0.01), (0.7, 1.3, 0.1)] {
            XCTAssertEqual(Theory.optimalBeta(alpha: 1e6, lambda: lambda, rho: rho, eta: eta), eta, accuracy: 1e-4)
            let ext = richardson { Theory.optimalBeta(alpha: $0, lambda: lambda, rho: rho, eta: eta) }
            XCTAssertEqual(ext, eta, accuracy: 1e-8)
        }
    }

    // MARK: BBP

    func testBBPThreshold() throws {
        for (rho, eta) in [(1.0, 1.0), (2.0, 1.0), (0.5, 1.0), (1.0, 0.3), (3.0, 2.0)] {
            let ac = Theory.bbpThreshold(rho: rho, eta: eta)
            XCTAssertEqual(ac, (eta / rho) * (eta / rho), accuracy: 1e-15 * ac)
            for (alpha, learns) in [(ac * 0.5, false), (ac * 0.999, false), (ac, false), (ac * 1.001, true), (ac * 2, true)] {
                let sp = Theory.spectrum(alpha: alpha, rho: rho, eta: eta)
                let ref = refSpectrum(alpha: alpha, rho: rho, eta: eta)
                XCTAssertEqual(sp.ell1, ref.ell1, accuracy: 1e-13 * ref.ell1)
                XCTAssertEqual(sp.theta2, ref.theta2, accuracy: 1e-13)
                let r = Theory.solve(try TheoryInput(alpha: alpha, beta: 0.05, lambda: 0.01, rho: rho, eta: eta))
                XCTAssertGreaterThan(r.observables.Q, 0)
                if learns {
                    XCTAssertGreaterThan(r.observables.m, 0, "rho \(rho) eta \(eta) alpha \(alpha)")
                    XCTAssertEqual(r.observables.phase, .learning)
                } else {
                    XCTAssertEqual(r.observables.m, 0, "rho \(rho) eta \(eta) alpha \(alpha)")
                    XCTAssertEqual(r.observables.phase, .overlearning)
                }
            }
        }
        // ρ = 0: never learns
        XCTAssertEqual(Theory.bbpThreshold(rho: 0, eta: 1), .infinity)
        XCTAssertEqual(Theory.solve(try TheoryInput(alpha: 1e6, beta: 0.1, lambda: 0, rho: 0, eta: 1)).observables.m, 0)
    }

    // MARK: global minimality against brute force

    func testGlobalMinimumAgainstBruteForce() throws {
        var g = SplitMix64(seed: 2024)
        var cases: [(Double, Double, Double, Double, Double)] = []
        for _ in 0..<250 {
            cases.append((logUniform(0.05, 1e6, &g), logUniform(1e-4, 100, &g),
                          Double.random(in: 0...1, using: &g) < 0.1 ? 0 : logUniform(1e-3, 100, &g),
                          Double.random(in: 0...3, using: &g), logUniform(0.1, 3, &g)))
        }
        // first-order region and edge cases
        for beta in stride(from: 0.01, through: 0.1, by: 0.005) { cases.append((0.72, beta, 3, 1, 1)) }
        cases += [(1e6, 0.5, 0, 1, 1), (1e6, 1e-4, 100, 1, 1), (0.05, 100, 100, 3, 3), (1, 1, 1, 1, 1)]
        for (alpha, beta, lambda, rho, eta) in cases {
            let r = Theory.solve(try TheoryInput(alpha: alpha, beta: beta, lambda: lambda, rho: rho, eta: eta))
            let ell1 = refSpectrum(alpha: alpha, rho: rho, eta: eta).ell1
            XCTAssertLessThan(r.a, 10)
            let bf = bruteForceMin(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)
            let own = refLoss(r.a, r.b, r.observables.D, ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)
            let scale = max(1, abs(bf.loss))
            let msg = "alpha \(alpha) beta \(beta) lambda \(lambda) rho \(rho) eta \(eta): a \(r.a) vs brute a \(bf.a)"
            XCTAssertLessThanOrEqual(r.loss, bf.loss + 1e-10 * scale, msg)
            XCTAssertLessThanOrEqual(own, bf.loss + 1e-10 * scale, msg)
            XCTAssertEqual(own, r.loss, accuracy: 1e-12 * scale, msg)
            XCTAssertGreaterThanOrEqual(r.loss, bf.loss - 1e-9 * scale, msg)   // refined scan is sharp
        }
    }

    func testSmallAlphaLargeEigenvalueAgainstBruteForce() throws {
        for (alpha, beta, lambda) in [(1e-3, 1e-4, 0.0), (1e-3, 0.5, 0.01), (3e-3, 10.0, 0.001), (1e-2, 1.0, 0.0)] {
            let r = Theory.solve(try TheoryInput(alpha: alpha, beta: beta, lambda: lambda, rho: 1, eta: 1))
            let ell1 = refSpectrum(alpha: alpha, rho: 1, eta: 1).ell1
            let bf = bruteForceMin(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda, amax: 2 * ell1.squareRoot() + 1, n: 40000)
            XCTAssertLessThanOrEqual(r.loss, bf.loss + 1e-10 * max(1, abs(bf.loss)))
        }
    }

    // MARK: stationarity

    func testStationarityEquations() {
        var g = SplitMix64(seed: 7)
        var worst = 0.0
        var checked = 0
        func check(_ ell1: Double, _ alpha: Double, _ beta: Double, _ lambda: Double) {
            let pts = ScalarEquations.stationaryPoints(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)
            XCTAssertTrue(pts.contains { $0.a == 0 && $0.b == 0 && $0.D == 1 }, "collapsed point missing")
            XCTAssertLessThanOrEqual(pts.count, 3)
            for i in 1..<pts.count { XCTAssertLessThanOrEqual(pts[i - 1].loss, pts[i].loss) }
            for s in pts where s.a != 0 {
                let (a, b, D) = (s.a, s.b, s.D)
                XCTAssertGreaterThan(a, 0)
                let bEq = alpha * ell1 * a / ((a * a + beta) * alpha * ell1 + lambda)
                let aEq = alpha * ell1 * b / (alpha * (b * b * ell1 + D) + lambda)
                let dEq = beta / (a * a + beta)
                let res = max(abs(b - bEq) / abs(b), abs(a - aEq) / abs(a), abs(D - dEq) / D)
                worst = max(worst, res)
                checked += 1
                XCTAssertLessThanOrEqual(res, 1e-12, "ell1 \(ell1) alpha \(alpha) beta \(beta) lambda \(lambda) a \(a)")
                XCTAssertEqual(s.loss, refLoss(a, b, D, ell1: ell1, alpha: alpha, beta: beta, lambda: lambda),
                               accuracy: 1e-12 * max(1, abs(s.loss)))
            }
        }
        for _ in 0..<20000 {
            let alpha = logUniform(1e-3, 1e6, &g)
            let rho = Double.random(in: 0...5, using: &g), eta = logUniform(0.01, 10, &g)
            let ell1 = refSpectrum(alpha: alpha, rho: rho, eta: eta).ell1
            let lambda = Double.random(in: 0...1, using: &g) < 0.1 ? 0 : logUniform(1e-6, 100, &g)
            check(ell1, alpha, logUniform(1e-4, 100, &g), lambda)
        }
        // near the continuous transition (tiny a) and in the first-order window
        for k in 1...12 {
            let alpha = 3.0, lambda = 1.0, ell1 = refSpectrum(alpha: alpha, rho: 1, eta: 1).ell1
            let mu = lambda / alpha, bc = ell1 / (1 + mu) - mu / ell1
            check(ell1, alpha, bc * (1 - pow(10, -Double(k))), lambda)
        }
        for beta in stride(from: 0.02, through: 0.1, by: 0.001) { check(refSpectrum(alpha: 0.72, rho: 1, eta: 1).ell1, 0.72, beta, 3) }
        XCTAssertGreaterThan(checked, 10000)
        print("stationarity: \(checked) non-zero points, worst relative residual \(worst)")
    }

    // MARK: properties

    func testPhysicalProperties() throws {
        var g = SplitMix64(seed: 99)
        var collapsedSeen = 0
        for _ in 0..<5000 {
            let inp = try TheoryInput(alpha: logUniform(1e-3, 1e6, &g), beta: logUniform(1e-4, 100, &g),
                                      lambda: Double.random(in: 0...100, using: &g), rho: Double.random(in: 0...4, using: &g),
                                      eta: logUniform(0.05, 5, &g))
            let r = Theory.solve(inp)
            let o = r.observables
            XCTAssertGreaterThanOrEqual(o.epsG, 0)
            XCTAssertGreaterThan(o.D, 0); XCTAssertLessThanOrEqual(o.D, 1)
            XCTAssertGreaterThanOrEqual(o.rateTrain, 0); XCTAssertGreaterThanOrEqual(o.rateTest, 0)
            XCTAssertGreaterThanOrEqual(o.m, 0)
            XCTAssertGreaterThanOrEqual(o.distTest, 0)
            XCTAssertEqual(o.Q, r.a * r.a, accuracy: 1e-15 * o.Q)
            if o.phase == .collapsed {
                collapsedSeen += 1
                XCTAssertEqual(o.Q, 0); XCTAssertEqual(o.E, 0); XCTAssertEqual(o.R, 0); XCTAssertEqual(o.D, 1)
                XCTAssertEqual(o.m, 0); XCTAssertEqual(o.rateTest, 0); XCTAssertEqual(o.rateTrain, 0)
                XCTAssertEqual(o.epsG, inp.rho, accuracy: 1e-15)
                XCTAssertEqual(o.distTest, inp.rho + inp.eta, accuracy: 1e-14)
            } else {
                XCTAssertGreaterThan(o.Q, 0)
                XCTAssertEqual(o.phase, r.theta2 > 0 ? .learning : .overlearning)
            }
        }
        XCTAssertGreaterThan(collapsedSeen, 100)
    }

    func testObservablesFromScalarsMatchModelFormulas() {
        let (a, b, D, ell1, theta2, rho, eta) = (0.8, 0.3, 0.4, 2.7, 0.55, 1.3, 0.6)
        let o = Theory.observables(a: a, b: b, D: D, ell1: ell1, theta2: theta2, rho: rho, eta: eta)
        let th = theta2.squareRoot()
        let m = a * th, d = b * th, Q = a * a, E = b * b, R = a * b
        XCTAssertEqual(o.m, m, accuracy: 1e-15); XCTAssertEqual(o.d, d, accuracy: 1e-15)
        XCTAssertEqual(o.Q, Q); XCTAssertEqual(o.E, E); XCTAssertEqual(o.R, R); XCTAssertEqual(o.D, D)
        XCTAssertEqual(o.epsG, rho - 2 * rho.squareRoot() * m + Q, accuracy: 1e-14)
        XCTAssertEqual(o.rateTrain, 0.5 * (b * b * ell1 + D - log(D) - 1), accuracy: 1e-14)
        XCTAssertEqual(o.rateTest, 0.5 * (eta * E + rho * d * d + D - log(D) - 1), accuracy: 1e-14)
        XCTAssertEqual(o.distTest, rho + eta - 2 * (eta * R + rho * m * d) + Q * (eta * E + rho * d * d + D), accuracy: 1e-14)
        XCTAssertEqual(o.distTrain, rho + eta - 2 * a * b * ell1 + Q * (b * b * ell1 + D), accuracy: 1e-14)
        XCTAssertEqual(o.phase, .learning)
        // sign representative: (−a, −b) gives the same observables with m ≥ 0
        XCTAssertEqual(Theory.observables(a: -a, b: -b, D: D, ell1: ell1, theta2: theta2, rho: rho, eta: eta), o)
        XCTAssertEqual(Theory.observables(a: a, b: b, D: D, ell1: ell1, theta2: 0, rho: rho, eta: eta).phase, .overlearning)
        XCTAssertEqual(Theory.observables(a: 0, b: 0, D: 1, ell1: ell1, theta2: theta2, rho: rho, eta: eta).phase, .collapsed)
        XCTAssertEqual(Phase.allCases.map { $0.name }, ["collapsed", "overlearning", "learning"])
        XCTAssertEqual(Phase(name: "learning"), .learning)
    }

    // MARK: first-order example of MODEL.md §4 (ρ = η = 1, λ = 3, α = 0.72)

    func testFirstOrderExample() throws {
        let alpha = 0.72, lambda = 3.0
        let ell1 = refSpectrum(alpha: alpha, rho: 1, eta: 1).ell1
        // β = 0.05: collapsed (loss β/2) and a non-zero minimum near a = 0.18, lower by ≈ 7e-5
        let (best, meta) = ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: 0.05, lambda: lambda)
        XCTAssertTrue(meta)
        XCTAssertEqual(best.a, 0.18, accuracy: 0.005)
        XCTAssertEqual(0.025 - best.loss, 7e-5, accuracy: 0.5e-5)
        let pts = ScalarEquations.stationaryPoints(ell1: ell1, alpha: alpha, beta: 0.05, lambda: lambda)
        XCTAssertEqual(pts.count, 3)   // minimum, collapsed minimum, and the saddle between them
        XCTAssertEqual(pts[1].a, 0); XCTAssertEqual(pts[1].loss, 0.025)
        // the collapsed point is a local minimum: Hessian of ℒ in (a, b) at 0 positive definite (independent check)
        let mu = lambda / alpha
        XCTAssertGreaterThan((1 + mu) * (0.05 * ell1 + mu) - ell1 * ell1, 0)
        // the brute force sees two separated minima
        let r = Theory.solve(try TheoryInput(alpha: alpha, beta: 0.05, lambda: lambda))
        XCTAssertTrue(r.metastable)
        XCTAssertEqual(r.observables.phase, .overlearning)   // α = 0.72 < 1 is below BBP at ρ = η = 1
        // β = 0.08: only the collapsed one
        let only = ScalarEquations.stationaryPoints(ell1: ell1, alpha: alpha, beta: 0.08, lambda: lambda)
        XCTAssertEqual(only.count, 1)
        XCTAssertEqual(only[0], ScalarSolution(a: 0, b: 0, D: 1, loss: 0.04))
        XCTAssertFalse(ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: 0.08, lambda: lambda).metastable)
        // the boundary: first order, strictly above the stability threshold, equal losses there
        let cb = Theory.collapseBoundary(alpha: alpha, lambda: lambda, rho: 1, eta: 1)
        XCTAssertTrue(cb.firstOrder)
        let stab = ell1 / (1 + mu) - mu / ell1
        XCTAssertEqual(Theory.collapsedStabilityThreshold(alpha: alpha, lambda: lambda, rho: 1, eta: 1), stab, accuracy: 1e-14)
        XCTAssertGreaterThan(cb.betaC, stab)
        XCTAssertLessThan(cb.betaC, 0.08)
        let below = ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: cb.betaC * (1 - 1e-9), lambda: lambda)
        let above = ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: cb.betaC * (1 + 1e-9), lambda: lambda)
        XCTAssertGreaterThan(below.best.a, 0.05); XCTAssertTrue(below.metastable)
        XCTAssertEqual(above.best.a, 0); XCTAssertTrue(above.metastable)
    }

    func testContinuousTransitionHasNoMetastability() {
        let ell1 = refSpectrum(alpha: 2, rho: 1, eta: 1).ell1
        for beta in stride(from: 0.1, through: 3, by: 0.01) {
            XCTAssertFalse(ScalarEquations.minimiser(ell1: ell1, alpha: 2, beta: beta, lambda: 1).metastable)
        }
    }

    func testZeroRegularisation() {
        // μ = 0: the non-zero point is exactly t = ℓ₁ (a² = ℓ₁ − β), b = a/ℓ₁, D = β/ℓ₁
        let pts = ScalarEquations.stationaryPoints(ell1: 2.5, alpha: 3, beta: 0.5, lambda: 0)
        XCTAssertEqual(pts.count, 2)
        XCTAssertEqual(pts[0].a, 2.0.squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(pts[0].b, 2.0.squareRoot() / 2.5, accuracy: 1e-15)
        XCTAssertEqual(pts[0].D, 0.2, accuracy: 1e-15)
        XCTAssertEqual(ScalarEquations.stationaryPoints(ell1: 2.5, alpha: 3, beta: 3, lambda: 0).count, 1)
    }

    // MARK: MODEL.md's printed numbers

    func testEpsGTableOfModel() throws {
        let printed = [1.299, 1.439, 1.077, 0.840, 0.705, 0.611, 0.541, 0.486, 0.442, 0.405, 0.374, 0.348, 0.325]
        for (i, v) in printed.enumerated() {
            let r = Theory.solve(try TheoryInput(alpha: 0.4 * Double(i + 1), beta: 1, lambda: 1, rho: 1, eta: 1))
            XCTAssertEqual((r.observables.epsG * 1000).rounded() / 1000, v, accuracy: 1e-12, "alpha = \(0.4 * Double(i + 1))")
        }
    }

    func testFiniteAlphaOptimalBeta() throws {
        for (alpha, printed) in [(2.0, 2.65), (4.0, 1.89), (8.0, 1.47), (32.0, 1.12)] {
            let b = Theory.optimalBeta(alpha: alpha, lambda: 0.01, rho: 1, eta: 1)
            XCTAssertEqual((b * 100).rounded() / 100, printed, accuracy: 1e-12, "alpha \(alpha): \(b)")
            // it is the minimum of ε_g: Q = ρθ² there, ε_g = ρ(1 − θ²) and neighbours are worse
            let th2 = refSpectrum(alpha: alpha, rho: 1, eta: 1).theta2
            let at = Theory.solve(try TheoryInput(alpha: alpha, beta: b, lambda: 0.01)).observables.epsG
            XCTAssertEqual(at, 1 - th2, accuracy: 1e-9)
            for db in [-1e-2, 1e-2] {
                XCTAssertGreaterThan(Theory.solve(try TheoryInput(alpha: alpha, beta: b + db, lambda: 0.01)).observables.epsG, at)
            }
            // λ → 0 limit of MODEL: β* = ℓ₁ − ρθ²
            let ell1 = refSpectrum(alpha: alpha, rho: 1, eta: 1).ell1
            XCTAssertEqual(Theory.optimalBeta(alpha: alpha, lambda: 1e-9, rho: 1, eta: 1), ell1 - th2, accuracy: 1e-6)
        }
    }

    func testCollapseBoundaryValues() throws {
        let cb = Theory.collapseBoundary(alpha: 1, lambda: 0.01, rho: 1, eta: 1)
        XCTAssertEqual((cb.betaC * 100).rounded() / 100, 3.96, accuracy: 1e-12)
        XCTAssertFalse(cb.firstOrder)
        for alpha in [1.0, 1.5, 2, 5, 10, 100, 1e4] {
            let c = Theory.collapseBoundary(alpha: alpha, lambda: 1, rho: 1, eta: 1)
            XCTAssertEqual(c.betaC, 2 - 1 / (2 * (1 + alpha)), accuracy: 1e-13)
            XCTAssertFalse(c.firstOrder)
            // phases on either side
            XCTAssertNotEqual(Theory.solve(try TheoryInput(alpha: alpha, beta: c.betaC * (1 - 1e-6), lambda: 1)).observables.phase, .collapsed)
            XCTAssertEqual(Theory.solve(try TheoryInput(alpha: alpha, beta: c.betaC * (1 + 1e-6), lambda: 1)).observables.phase, .collapsed)
        }
    }

    func testDomainCorners() throws {
        for (rho, eta) in [(1e6, 1e6), (0.0, 1e6), (1e6, 1e-6), (0.0, 1e-6), (1e-6, 1e-6), (1e6, 1.0), (1.0, 1e-6)] {
            for alpha in [1e-3, 1.0, 1e6] { for beta in [1e-4, 100.0] { for lambda in [0.0, 1e-8, 100.0] {
                let r = Theory.solve(try TheoryInput(alpha: alpha, beta: beta, lambda: lambda, rho: rho, eta: eta))
                let o = r.observables
                let msg = "rho \(rho) eta \(eta) alpha \(alpha) beta \(beta) lambda \(lambda)"
                for v in [o.m, o.d, o.Q, o.E, o.R, o.D, o.epsG, o.rateTrain, o.rateTest, o.distTrain, o.distTest, r.loss] {
                    XCTAssertTrue(v.isFinite, msg)
                }
                XCTAssertGreaterThan(o.D, 0, msg); XCTAssertLessThanOrEqual(o.D, 1, msg)
                XCTAssertGreaterThanOrEqual(o.epsG, 0, msg); XCTAssertGreaterThanOrEqual(o.rateTest, 0, msg)
                XCTAssertGreaterThanOrEqual(o.distTest, -1e-12 * (rho + eta), msg)
                if r.a > 0 {
                    let aEq = alpha * r.ell1 * r.b / (alpha * (r.b * r.b * r.ell1 + o.D) + lambda)
                    XCTAssertLessThanOrEqual(abs(r.a - aEq) / r.a, 1e-12, msg)
                }
            } } }
        }
    }

    // MARK: input validation

    func testBadInputNamesTheField() {
        let good: [String: Double] = ["alpha": 1, "beta": 1, "lambda": 1, "rho": 1, "eta": 1]
        let bad: [String: [Double]] = [
            "alpha": [.nan, .infinity, 0, -1, 1e-4, 2e6],
            "beta": [.nan, -.infinity, 0, 1e-5, 101],
            "lambda": [.nan, .infinity, -1e-3, 101],
            "rho": [.nan, .infinity, -0.1, 2e6],
            "eta": [.nan, .infinity, 0, -1, 1e-7, 2e6],
        ]
        for (field, values) in bad {
            for v in values {
                var p = good; p[field] = v
                XCTAssertThrowsError(try TheoryInput(alpha: p["alpha"]!, beta: p["beta"]!, lambda: p["lambda"]!, rho: p["rho"]!, eta: p["eta"]!)) { err in
                    guard let e = err as? TheoryInputError else { return XCTFail("wrong error type \(err)") }
                    XCTAssertEqual(e.field, field)
                    XCTAssertTrue(e.description.contains(field))
                }
            }
        }
        XCTAssertNoThrow(try TheoryInput(alpha: 1e-3, beta: 1e-4, lambda: 0, rho: 0, eta: 1e-3))
        XCTAssertNoThrow(try TheoryInput(alpha: 1e6, beta: 100, lambda: 100, rho: 10, eta: 10))
    }
}
