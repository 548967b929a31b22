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

/// The roots t > β of MODEL.md §4's cubic
///     p(t) = μ ℓ₁² t³ + (β ℓ₁² + 2 ℓ₁ μ²) t² + (μ³ + 2 β ℓ₁ μ − ℓ₁² μ − β ℓ₁³) t + β μ²,
/// found independently of the library: p is evaluated in Float80 from these unshifted
/// coefficients, (β, ∞) is cut at the real critical points of p (roots of the quadratic p′), and
/// each monotone piece holds one root iff p changes sign across it (p → +∞), found by bisection.
/// nil when a sign is not resolved (|p| within 8 ulp of the sum of the monomials' magnitudes: a root
/// at β or a double root). μ = 0: p = β ℓ₁² t (t − ℓ₁), one root t = ℓ₁ iff ℓ₁ > β.
func refCubicRoots(ell1: Double, alpha: Double, beta: Double, lambda: Double) -> [Float80]? {
    typealias F = Float80
    let l = F(ell1), b = F(beta), mu = F(lambda) / F(alpha)
    if mu == 0 {
        if abs(l - b) <= 1e-15 * l { return nil }
        return l > b ? [l] : []
    }
    let A = mu * l * l, B = b * l * l + 2 * l * mu * mu
    let C = mu * mu * mu + 2 * b * l * mu - l * l * mu - b * l * l * l, D = b * mu * mu
    let Cabs = mu * mu * mu + 2 * b * l * mu + l * l * mu + b * l * l * l
    func p(_ t: F) -> F { ((A * t + B) * t + C) * t + D }
    func sign(_ t: F) -> Int? {
        let v = p(t)
        let bound = 8 * F.ulpOfOne * (((A * t + B) * t + Cabs) * t + D)
        if abs(v) <= bound { return nil }
        return v > 0 ? 1 : -1
    }
    func bisect(_ lo0: F, _ hi0: F) -> F {
        var lo = lo0, hi = hi0
        let up = p(hi) > 0
        for _ in 0..<400 {
            let mid = lo + (hi - lo) / 2
            if mid <= lo || mid >= hi { break }
            if (p(mid) > 0) == up { hi = mid } else { lo = mid }
        }
        return lo + (hi - lo) / 2
    }
    // p′(t) = 3A t² + 2B t + C; B > 0, so the stable quadratic formula uses −(B + √disc).
    var cuts: [F] = [b]
    let disc = B * B - 3 * A * C
    if disc > 0 {
        let qq = -(B + disc.squareRoot())
        cuts += [qq / (3 * A), C / qq].sorted().filter { $0 > b }
    }
    var signs: [Int] = []
    for c in cuts {
        guard let s = sign(c) else { return nil }
        signs.append(s)
    }
    var roots: [F] = []
    for k in 0..<cuts.count {
        var hi: F, sHi: Int
        if k + 1 < cuts.count { hi = cuts[k + 1]; sHi = signs[k + 1] } else {
            hi = max(2 * cuts[k], 1); while p(hi) <= 0 { hi *= 2 }; sHi = 1
        }
        if sHi != signs[k] { roots.append(bisect(cuts[k], hi)) }
    }
    return roots
}

/// The number of roots t > β of MODEL.md §4's cubic (`refCubicRoots`), nil when unresolved.
func refCubicRootCount(ell1: Double, alpha: Double, beta: Double, lambda: Double) -> Int? {
    refCubicRoots(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)?.count
}

final class TheoryTests: XCTestCase {

    // MARK: α → ∞ limits (MODEL.md §4): checked with MODEL's first-order terms (the residual after
    // them must be O(α⁻²): |residual|·α² stays bounded from α = 1e4 to 1e6, which a wrong 1/α
    // coefficient δ violates as soon as δ·α > the bound) and by Richardson extrapolation
    // 2f(2α) − f(α) (error O(1/α²) ≈ 1e-12 at α = 5e5) — never as f(10⁶) = limit
    // (β_c(10⁶) − 2 = 2·10⁻⁶ at ρ = η = 1, λ = 0).

    /// f(∞) ≈ 2 f(2α) − f(α), error O(1/α²) ≈ 1e-12 at α = 5e5.
    func richardson(_ f: (Double) -> Double) -> Double { 2 * f(1e6) - f(5e5) }

    /// Asserts |f(α) − (limit + c1/α)|·α² ≤ bound at α = 1e4, 1e5, 1e6 (rounding of f allowed for).
    func assertSecondOrder(_ name: String, _ f: (Double) -> Double, limit: Double, c1: Double, bound: Double,
                           file: StaticString = #filePath, line: UInt = #line) {
        for alpha in [1e4, 1e5, 1e6] {
            let v = f(alpha)
            let res = v - (limit + c1 / alpha)
            let rounding = 1e-14 * max(1, abs(v))
            XCTAssertLessThanOrEqual(abs(res), bound / (alpha * alpha) + rounding,
                                     "\(name) at α = \(alpha): residual·α² = \(res * alpha * alpha)", file: file, line: line)
        }
    }

    /// β_c = L + [ηL/ρ − λ(L + 1/L)]/α + O(α⁻²), ℓ₁ = L(1 + η/(ρα)), θ² = 1 − ηL/(ρ²α) + O(α⁻²).
    /// Bug caught: dropping β_c's −μ/ℓ₁ term (residual·α² = λα/L, past the bound at α = 1e5 for
    /// every λ > 0 here), a wrong BBP formula (ℓ₁ or θ²'s 1/α term).
    func testLargeAlphaCollapseThreshold() throws {
        for (rho, eta, lambda) in [(1.0, 1.0, 1.0), (2.0, 0.5, 0.01), (0.7, 1.3, 10.0), (1.0, 1.0, 0.0)] {
            let L = rho + eta
            assertSecondOrder("β_c ρ=\(rho) η=\(eta) λ=\(lambda)",
                              { Theory.collapseBoundary(alpha: $0, lambda: lambda, rho: rho, eta: eta).betaC },
                              limit: L, c1: eta * L / rho - lambda * (L + 1 / L), bound: 10 * (1 + lambda * lambda))
            assertSecondOrder("ℓ₁", { Theory.spectrum(alpha: $0, rho: rho, eta: eta).ell1 }, limit: L, c1: L * eta / rho, bound: 0)
            assertSecondOrder("θ²", { Theory.spectrum(alpha: $0, rho: rho, eta: eta).theta2 },
                              limit: 1, c1: -eta * L / (rho * rho), bound: 50)
            for alpha in [1e4, 1e6] {
                let cb = Theory.collapseBoundary(alpha: alpha, lambda: lambda, rho: rho, eta: eta)
                XCTAssertFalse(cb.firstOrder)
                XCTAssertEqual(Theory.transition(alpha: alpha, lambda: lambda, rho: rho, eta: eta).kind, .continuous)
            }
            let ext = richardson { Theory.collapseBoundary(alpha: $0, lambda: lambda, rho: rho, eta: eta).betaC }
            XCTAssertEqual(ext, L, accuracy: 1e-8)
            // phase of solve just below / above (β_c(1e6) is within 3e-5 of L for these λ)
            let below = Theory.solve(try TheoryInput(alpha: 1e6, beta: L * (1 - 1e-3), lambda: lambda, rho: rho, eta: eta))
            let above = Theory.solve(try TheoryInput(alpha: 1e6, beta: L * (1 + 1e-3), lambda: lambda, rho: rho, eta: eta))
            XCTAssertEqual(below.observables.phase, .learning)
            XCTAssertEqual(above.observables.phase, .collapsed)
        }
    }

    /// Q = L − β + [ηL/ρ − λ((L² − 1)/β + 2/L)]/α + O(α⁻²) (β < L, λ/(αβ) ≪ 1); ε_g, test distortion
    /// and test rate by Richardson: (√ρ − √(L − β))², β, ½ log(L/β).
    /// Bug caught: a wrong λ term in the scalar equations (Q's 1/α coefficient), a wrong test
    /// distortion/rate formula (their limits).
    func testLargeAlphaEpsGRateDistortion() throws {
        for (rho, eta, lambda) in [(1.0, 1.0, 1.0), (2.0, 0.5, 0.01), (0.7, 1.3, 0.3), (1.0, 1.0, 0.0)] {
            let L = rho + eta
            for frac in [0.05, 0.3, 0.5, 0.8, 0.95] {
                let beta = frac * L
                func obs(_ alpha: Double) -> Observables {
                    Theory.solve(try! TheoryInput(alpha: alpha, beta: beta, lambda: lambda, rho: rho, eta: eta)).observables
                }
                let epsInf = pow(rho.squareRoot() - (L - beta).squareRoot(), 2)
                let rateInf = 0.5 * log(L / beta)
                XCTAssertEqual(richardson { obs($0).epsG }, epsInf, accuracy: 1e-8, "rho \(rho) eta \(eta) beta \(beta)")
                XCTAssertEqual(richardson { obs($0).distTest }, beta, accuracy: 1e-8)
                XCTAssertEqual(richardson { obs($0).rateTest }, rateInf, accuracy: 1e-8)
                XCTAssertEqual(richardson { obs($0).Q }, L - beta, accuracy: 1e-8)
                // (second-order constant of Q: ≲ 40 (1 + λ/β)² over these cases, measured at 50 digits)
                assertSecondOrder("Q ρ=\(rho) η=\(eta) λ=\(lambda) β=\(beta)", { obs($0).Q }, limit: L - beta,
                                  c1: eta * L / rho - lambda * ((L * L - 1) / beta + 2 / L),
                                  bound: 100 * (1 + lambda / beta) * (1 + lambda / beta))
            }
        }
    }

    /// α → ∞: β* → η. The location's 1/α term, derived from Q's expansion above by solving
    /// Q(β*) = ρθ², is β* = η + [2ηL/ρ − λ((L² − 1)/η + 2/L)]/α + O(α⁻²); MODEL.md §4 prints only
    /// the λ = 0 part 2ηL/(ρα) (at ρ = η = λ = 1 the λ part is −4/α). The VALUE: ε_g(β = η) exceeds
    /// the finite-α optimum ρ(1 − θ²) only at O(α⁻²).
    /// Bug caught: an optimal β found from a wrong target (e.g. Q = ρ instead of ρθ²: 1/α term off).
    func testLargeAlphaOptimalBetaIsEta() throws {
        for (rho, eta, lambda) in [(1.0, 1.0, 1.0), (2.0, 0.5, 0.01), (0.7, 1.3, 0.1), (1.0, 1.0, 0.0)] {
            let L = rho + eta
            let c1 = 2 * eta * L / rho - lambda * ((L * L - 1) / eta + 2 / L)
            assertSecondOrder("β* ρ=\(rho) η=\(eta) λ=\(lambda)", { Theory.optimalBeta(alpha: $0, lambda: lambda, rho: rho, eta: eta) },
                              limit: eta, c1: c1, bound: 100)
            let ext = richardson { Theory.optimalBeta(alpha: $0, lambda: lambda, rho: rho, eta: eta) }
            XCTAssertEqual(ext, eta, accuracy: 1e-8)
            for alpha in [1e3, 1e4] {
                let th2 = refSpectrum(alpha: alpha, rho: rho, eta: eta).theta2
                let excess = Theory.solve(try TheoryInput(alpha: alpha, beta: eta, lambda: lambda, rho: rho, eta: eta)).observables.epsG
                    - rho * (1 - th2)
                XCTAssertGreaterThanOrEqual(excess, -1e-13)
                XCTAssertLessThanOrEqual(excess, 100 / (alpha * alpha) + 1e-13, "α \(alpha)")
            }
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
        // first-order region and edge cases. β = 0.051, 0.052 lie between β_eq = 0.05052 and
        // β_s = 0.05223: the non-zero LOCAL minimum exists but the collapsed point is global (by
        // 6.0e-5 and 1.7e-4). Bug caught: a solver that always prefers the non-zero local minimum
        // (passes at every other β of this list).
        for beta in stride(from: 0.01, through: 0.1, by: 0.005) { cases.append((0.72, beta, 3, 1, 1)) }
        cases += [(0.72, 0.051, 3, 1, 1), (0.72, 0.052, 3, 1, 1)]
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

    /// ℓ₁ ≈ 1065 (α = 1e-3) and ≈ 336, 121: the loss of the returned (a, b, D) is recomputed
    /// independently (refLoss), as in the other brute-force cases. Bug caught: a mis-reported loss
    /// (e.g. the μq/2 term dropped from ℒ in `point`) that would pass a check of the reported
    /// number alone.
    func testSmallAlphaLargeEigenvalueAgainstBruteForce() throws {
        for (alpha, beta, lambda) in [(1e-3, 1e-4, 0.0), (1e-3, 0.5, 0.01), (3e-3, 10.0, 0.001), (1e-2, 1.0, 0.0)] {
            let r = Theory.solve(try TheoryInput(alpha: alpha, beta: beta, lambda: lambda, rho: 1, eta: 1))
            let ell1 = refSpectrum(alpha: alpha, rho: 1, eta: 1).ell1
            let bf = bruteForceMin(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda, amax: 2 * ell1.squareRoot() + 1, n: 40000)
            let own = refLoss(r.a, r.b, r.observables.D, ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)
            let scale = max(1, abs(bf.loss))
            let msg = "alpha \(alpha) beta \(beta) lambda \(lambda): a \(r.a) vs brute a \(bf.a)"
            XCTAssertGreaterThan(ell1, 100)
            XCTAssertLessThanOrEqual(r.loss, bf.loss + 1e-10 * scale, msg)
            XCTAssertLessThanOrEqual(own, bf.loss + 1e-10 * scale, msg)
            XCTAssertEqual(own, r.loss, accuracy: 1e-12 * scale, msg)
            XCTAssertGreaterThanOrEqual(own, bf.loss - 1e-9 * scale, msg)
            XCTAssertGreaterThan(r.a, 1, msg)   // every case is far from collapse (β ≪ β_c ≈ ℓ₁)
        }
    }

    // MARK: stationarity

    /// Every returned non-zero point satisfies MODEL §4's three equations, and per case the NUMBER
    /// of non-zero stationary points equals the number of roots t > β of MODEL §4's cubic counted
    /// independently (`refCubicRootCount`, Float80) — so a case with no non-zero point is checked
    /// too. Bug caught: a root finder that drops a root (e.g. only the larger root when the
    /// collapsed point is stable: the saddle goes missing) or invents one.
    func testStationarityEquations() {
        var g = SplitMix64(seed: 7)
        var worst = 0.0
        var checkedPoints = 0, checkedCases = 0, unresolved = 0
        var countsSeen = [0, 0, 0]
        func check(_ ell1: Double, _ alpha: Double, _ beta: Double, _ lambda: Double) {
            let pts = ScalarEquations.stationaryPoints(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)
            XCTAssertTrue(pts.contains { $0.a == 0 && $0.b == 0 && $0.D == 1 }, "collapsed point missing")
            XCTAssertLessThanOrEqual(pts.count, 3)
            for i in 1..<pts.count { XCTAssertLessThanOrEqual(pts[i - 1].excess, pts[i].excess) }
            let nonZero = pts.filter { $0.a != 0 }
            if let want = refCubicRootCount(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda) {
                XCTAssertEqual(nonZero.count, want, "ell1 \(ell1) alpha \(alpha) beta \(beta) lambda \(lambda)")
                checkedCases += 1
                if want < 3 { countsSeen[want] += 1 }
            } else {
                unresolved += 1
            }
            for s in nonZero {
                let (a, b, D) = (s.a, s.b, s.D)
                XCTAssertGreaterThan(a, 0)
                let bEq = alpha * ell1 * a / ((a * a + beta) * alpha * ell1 + lambda)
                let aEq = alpha * ell1 * b / (alpha * (b * b * ell1 + D) + lambda)
                let dEq = beta / (a * a + beta)
                let res = max(abs(b - bEq) / abs(b), abs(a - aEq) / abs(a), abs(D - dEq) / D)
                worst = max(worst, res)
                checkedPoints += 1
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
        // near the continuous transition (tiny a) and in the first-order window (two non-zero points
        // for β_c < β < β_s)
        for k in 1...12 {
            let alpha = 3.0, lambda = 1.0, ell1 = refSpectrum(alpha: alpha, rho: 1, eta: 1).ell1
            let mu = lambda / alpha, bc = ell1 / (1 + mu) - mu / ell1
            check(ell1, alpha, bc * (1 - pow(10, -Double(k))), lambda)
        }
        for beta in stride(from: 0.02, through: 0.1, by: 0.001) { check(refSpectrum(alpha: 0.72, rho: 1, eta: 1).ell1, 0.72, beta, 3) }
        XCTAssertGreaterThan(checkedPoints, 10000)
        XCTAssertGreaterThan(checkedCases, 19900)
        XCTAssertLessThanOrEqual(unresolved, 20)
        XCTAssertGreaterThan(countsSeen[0], 100); XCTAssertGreaterThan(countsSeen[1], 1000); XCTAssertGreaterThan(countsSeen[2], 5)
        print("stationarity: \(checkedCases) cases (root counts 0/1/2: \(countsSeen)), \(unresolved) unresolved; \(checkedPoints) non-zero points, worst relative residual \(worst)")
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
        // train distortion in excess of tr C − ℓ₁ (MODEL.md §3), written as MODEL writes it.
        // Bug caught: subtracting ρ + η instead (the old definition: ρ + η − 2abℓ₁ + Q(b²ℓ₁ + D)).
        XCTAssertEqual(o.distTrain, ell1 - 2 * a * b * ell1 + Q * (b * b * ell1 + D), accuracy: 1e-14)
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
        XCTAssertEqual(best.a, 0.1818, accuracy: 0.0001)
        XCTAssertEqual(0.025 - best.loss, 6.94e-5, accuracy: 0.01e-5)
        XCTAssertEqual(best.excess, -6.94e-5, accuracy: 0.01e-5)
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
        // the boundary: first order, strictly above the stability threshold, equal losses there.
        // MODEL.md §4 prints β_c = 0.04061, β_eq = 0.05052, β_s = 0.05223 (50-digit values:
        // 0.0406148482, 0.0505155091, 0.0522310104). Bug caught: a solver that always prefers the
        // non-zero local minimum (its boundary would be β_s), or one that always prefers the
        // collapsed point where it is stable (boundary β_c).
        let cb = Theory.collapseBoundary(alpha: alpha, lambda: lambda, rho: 1, eta: 1)
        XCTAssertTrue(cb.firstOrder)
        let stab = ell1 / (1 + mu) - mu / ell1
        XCTAssertEqual(Theory.collapsedStabilityThreshold(alpha: alpha, lambda: lambda, rho: 1, eta: 1), stab, accuracy: 1e-14)
        XCTAssertEqual(stab, 0.04061, accuracy: 1e-5)
        XCTAssertEqual(cb.betaC, 0.05052, accuracy: 1e-5)
        let tr = Theory.transition(alpha: alpha, lambda: lambda, rho: 1, eta: 1)
        XCTAssertEqual(tr.kind, .firstOrder)
        XCTAssertEqual(tr.spinodal, 0.05223, accuracy: 1e-5)
        XCTAssertEqual(tr.boundary, cb.betaC)
        let below = ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: cb.betaC * (1 - 1e-9), lambda: lambda)
        let above = ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: cb.betaC * (1 + 1e-9), lambda: lambda)
        XCTAssertGreaterThan(below.best.a, 0.05); XCTAssertTrue(below.metastable)
        XCTAssertEqual(above.best.a, 0); XCTAssertTrue(above.metastable)
        // at β_eq the two minima have equal loss: the profile (refProfile, independent of the
        // library) at the non-zero minimum equals the collapsed β/2 to the bisection's resolution
        let nz = try XCTUnwrap(ScalarEquations.stationaryPoints(ell1: ell1, alpha: alpha, beta: cb.betaC, lambda: lambda).first { $0.a > 0.1 })
        XCTAssertEqual(refProfile(nz.a, ell1: ell1, alpha: alpha, beta: cb.betaC, lambda: lambda), cb.betaC / 2, accuracy: 1e-14)
        // β = 0.051, 0.052: the non-zero local minimum lies ABOVE the collapsed one (by 6.02522e-5
        // and 1.662796e-4 at 50 digits), so the global minimiser is collapsed, and the pair is metastable
        for (beta, gap) in [(0.051, 6.02522e-5), (0.052, 1.662796e-4)] {
            let m = ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)
            XCTAssertTrue(m.best.isCollapsed, "β = \(beta)")
            XCTAssertTrue(m.metastable)
            let local = try XCTUnwrap(ScalarEquations.stationaryPoints(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda).first { $0.a > 0.1 })
            XCTAssertEqual(refProfile(local.a, ell1: ell1, alpha: alpha, beta: beta, lambda: lambda) - beta / 2, gap, accuracy: 1e-10)
            XCTAssertEqual(Theory.solve(try TheoryInput(alpha: alpha, beta: beta, lambda: lambda)).observables.phase, .collapsed)
        }
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
                    guard let e = err as? DomainError else { return XCTFail("wrong error type \(err)") }
                    XCTAssertEqual(e.field, field)
                    XCTAssertTrue(e.description.contains(field))
                }
            }
        }
        XCTAssertNoThrow(try TheoryInput(alpha: 1e-3, beta: 1e-4, lambda: 0, rho: 0, eta: 1e-3))
        XCTAssertNoThrow(try TheoryInput(alpha: 1e6, beta: 100, lambda: 100, rho: 10, eta: 10))
    }
}
