// Tests of the MODEL.md §7 recipe's statistics against independent references: the Student-t tail
// against scipy, the fit against numpy's lstsq, the Welch ν / guard / composition and the t-verdict
// against closed forms computed here, and each regime's ansatz against synthetic data of known q∞
// (coverage over many replicates).
import Foundation
import Statistics
import ResultsFile
import TestSupport
import VAETheory
import XCTest

/// Run python3 with `script`; returns stdout parsed as JSON.
func pythonJSON(_ script: String) throws -> Any {
    let dir = try Synthetic.tempDir("py")
    let (rc, out, err) = try ReadmeSnippetTests.python(["-c", script], cwd: dir)
    XCTAssertEqual(rc, 0, err)
    return try JSONSerialization.jsonObject(with: Data(out.utf8), options: .fragmentsAllowed)
}

final class StudentTTests: XCTestCase {
    /// P(t_ν > t) equals scipy.stats.t.sf to 1e-12 relative over t ∈ [−3, 30] and ν ∈ [0.5, 2e6]
    /// (real ν, tails down to 1e-200), and the verdict thresholds are the normal tails at 2 and 3.
    /// Would fail on: a normal approximation (ν = 5: 0.0510 vs 0.0455 at t = 2), a one-sided p, a
    /// lost 1 − x (t → 0), lgamma cancellation at large ν.
    func testTailEqualsScipy() throws {
        let ts = [0, 1e-4, 0.05, 0.5, 1, 1.96, 2, 2.5, 3, 4, 6, 10, 30, -1.5, -3]
        let nus = [0.5, 1, 1.5, 2, 3.3, 4, 5, 7.9, 12, 30, 100, 1000, 1e5, 2e6]
        let script = """
        import json
        from scipy.stats import t, norm
        ts = \(ts); nus = \(nus)
        print(json.dumps({"sf": [[float(t.sf(x, n)) for x in ts] for n in nus],
                          "two": float(2 * norm.sf(2)), "three": float(2 * norm.sf(3))}))
        """
        let obj = try XCTUnwrap(try pythonJSON(script) as? [String: Any])
        let sf = try XCTUnwrap(obj["sf"] as? [[Double]])
        var worst = 0.0
        for (i, nu) in nus.enumerated() {
            for (j, t) in ts.enumerated() {
                let ref = sf[i][j], got = StudentT.sf(t, nu: nu)
                let rel = abs(got - ref) / max(ref, 1e-300)
                worst = max(worst, rel)
                XCTAssertLessThan(rel, 1e-12, "t = \(t), ν = \(nu): \(got) vs scipy \(ref)")
                XCTAssertEqual(StudentT.twoSidedP(t, nu: nu), min(1, 2 * StudentT.sf(abs(t), nu: nu)), accuracy: 0)
            }
        }
        XCTAssertEqual(Verdict.agreeP, obj["two"] as! Double, accuracy: 1e-15)
        XCTAssertEqual(Verdict.disagreeP, obj["three"] as! Double, accuracy: 1e-16)
        XCTAssertEqual(Verdict.of(p: 0.05), .agree)
        XCTAssertEqual(Verdict.of(p: 0.01), .marginal)
        XCTAssertEqual(Verdict.of(p: 0.002), .disagree)
        print("StudentT: worst relative error against scipy \(worst)")
    }
}

final class FiniteSizeFitTests: XCTestCase {
    /// The fit equals numpy.linalg.lstsq on the √w-scaled design with the same a-priori weights
    /// (coefficients), and the intercept row c equals the first row of pinv(√w A) times √w (so
    /// q∞ = Σ c_N q̃_N); Σ c = 1. Every ansatz basis of §7 step 3 with 2–6 values of N.
    /// Would fail on: weights 1/s² or none, a wrong exponent, the intercept row of another weighting.
    func testFitEqualsNumpyLstsq() throws {
        var g = Normals(state: 3)
        var cases: [(n: [Int], y: [Double], w: [Double], e: [Double])] = []
        for k in 2...6 {
            for ansatz in [Ansatz.learning, .overlearningEdge, .overlearningOverlap] {
                let e = ansatz.basis(usable: k)!
                let n = (0..<k).map { 200 * (1 << $0) + Int(50 * g.uniform()) }
                let reps = (0..<k).map { _ in 2 + Int(8 * g.uniform()) }
                let w = zip(n, reps).map { FiniteSizeFit.weight(n: $0, replicates: $1) }
                let y = n.map { 0.7 + 3 * pow(Double($0), -e[1]) + 0.01 * g.next() }
                cases.append((n, y, w, e))
            }
        }
        let payload = cases.map { ["n": $0.n, "y": $0.y, "w": $0.w, "e": $0.e] as [String: Any] }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
        let script = """
        import json, numpy as np
        out = []
        for c in json.loads('''\(json)'''):
            n = np.array(c["n"], float); y = np.array(c["y"]); w = np.array(c["w"]); e = np.array(c["e"])
            A = n[:, None] ** (-e[None, :]); sw = np.sqrt(w)
            coef = np.linalg.lstsq(sw[:, None] * A, sw * y, rcond=None)[0]
            row = np.linalg.pinv(sw[:, None] * A)[0] * sw
            out.append({"coef": coef.tolist(), "row": row.tolist()})
        print(json.dumps(out))
        """
        let ref = try XCTUnwrap(try pythonJSON(script) as? [[String: [Double]]])
        XCTAssertEqual(ref.count, cases.count)
        for (c, r) in zip(cases, ref) {
            let f = try XCTUnwrap(FiniteSizeFit.fit(n: c.n, values: c.y, weights: c.w, exponents: c.e))
            for (a, b) in zip(f.coefficients, r["coef"]!) { XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, abs(b)), "\(c.e) k=\(c.n.count)") }
            for (a, b) in zip(f.interceptRow, r["row"]!) { XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, abs(b)), "\(c.e) k=\(c.n.count)") }
            XCTAssertEqual(f.interceptRow.reduce(0, +), 1, accuracy: 1e-9)
            XCTAssertEqual(zip(f.interceptRow, c.y).reduce(0) { $0 + $1.0 * $1.1 }, f.qInf, accuracy: 1e-9)
        }
        XCTAssertNil(FiniteSizeFit.fit(n: [100, 200], values: [1, 2], weights: [1, 1], exponents: [0, 1, 1.5]))
        XCTAssertNil(FiniteSizeFit.fit(n: [100, 100], values: [1, 2], weights: [1, 1], exponents: [0, 1]))
    }
}

/// Synthetic point data with known q∞ for the recipe (`Validation.point`).
enum RegimeData {
    /// The N = ∞ theory values of the validated observables at (α, β, λ), ρ = η = 1.
    static func theory(_ alpha: Double, _ beta: Double, _ lambda: Double) throws -> (values: [Quantity: Double], phase: Phase) {
        let r = Theory.solve(try TheoryInput(alpha: alpha, beta: beta, lambda: lambda))
        let all = Dictionary(uniqueKeysWithValues: Quantity.allCases.map { ($0, r.observables[$0]) })
        return (Validation.quantities.reduce(into: [:]) { $0[$1] = all[$1]! }, r.observables.phase)
    }

    /// A point whose replicates follow q = q∞ + a N^(−ω₁) + b N^(−ω₂) + σ N^(−1/2) g per observable
    /// (ω from the phase's ansatz); in overlearning ε_g = ρ − 2√ρ m + Q per replicate with m and Q
    /// correlated (ρ_mQ = 0.6), as the composed estimate must handle.
    static func point(alpha: Double, beta: Double, lambda: Double, N: [Int], replicates: Int,
                      secondTerm: Bool, g: inout Normals) throws -> PointInput {
        let (t, phase) = try theory(alpha, beta, lambda)
        var sizes: [SizeInput] = []
        for n in N {
            let nd = Double(n)
            var v: [Quantity: [Double]] = [:]
            for q in Validation.quantities { v[q] = [] }
            for _ in 0..<replicates {
                let g1 = g.next(), g2 = g.next()
                for q in Validation.quantities {
                    let ansatz = Ansatz.of(quantity: q == .epsG && phase == .overlearning ? .Q : q, phase: phase)
                    let (w1, w2) = ansatz.exponents ?? (1, 1.5)
                    let a = 0.8, b = secondTerm ? -1.5 : 0
                    let noise = q == .m ? g1 : (q == .Q ? 0.6 * g1 + 0.8 * g2 : g.next())
                    v[q]!.append(t[q]! + a * pow(nd, -w1) + b * pow(nd, -w2) + 0.5 * noise / nd.squareRoot())
                }
                if phase == .overlearning { v[.epsG]![v[.epsG]!.count - 1] = 1 - 2 * v[.m]!.last! + v[.Q]!.last! }
            }
            sizes.append(SizeInput(n: n, values: v))
        }
        return PointInput(alpha: alpha, beta: beta, lambda: lambda, theory: t, phase: phase, sizes: sizes)
    }
}

final class RecipeTests: XCTestCase {
    /// Each regime's ansatz recovers a known q∞ within its se: over 1500 synthetic points per regime
    /// (5 replicates per N, the default design), the fraction with p > 0.05, i.e. |q∞ − truth| within
    /// the Student-t 95 % interval of ν, is 95 % within binomial error where the model is exact
    /// (learning with 3 N, leading term only; 4 N with both terms and the 3-coefficient basis), and
    /// at least that (the guard is conservative) in overlearning with 3 N and both terms. The mean
    /// standardised error is ≈ 0 (no bias). Would fail on: a wrong exponent, weights not n_N·N
    /// coupled to var = Σ c² s², the m–Q covariance left out of the composed ε_g, ν by the normal
    /// (coverage ≈ 91 % at ν ≈ 6), a guard that does not widen se.
    func testEachRegimeRecoversQInfWithinItsSe() throws {
        struct Regime { var name: String; var alpha: Double; var N: [Int]; var second: Bool; var exact: Bool }
        let regimes = [
            Regime(name: "learning 3N", alpha: 4, N: [250, 500, 1000], second: false, exact: true),
            Regime(name: "learning 4N", alpha: 4, N: [250, 500, 1000, 2000], second: true, exact: true),
            Regime(name: "overlearning 3N guard", alpha: 0.25, N: [256, 512, 1024], second: true, exact: false),
            Regime(name: "overlearning 4N", alpha: 0.25, N: [256, 512, 1024, 2048], second: true, exact: true),
        ]
        let reps = 1500
        var g = Normals(state: 99)
        for r in regimes {
            var covered: [Quantity: Int] = [:], total: [Quantity: Int] = [:], zsum: [Quantity: Double] = [:], unguarded: [Quantity: Int] = [:]
            var ansatzSeen: [Quantity: Set<String>] = [:]
            for _ in 0..<reps {
                let input = try RegimeData.point(alpha: r.alpha, beta: 1, lambda: 0.01, N: r.N, replicates: 5, secondTerm: r.second, g: &g)
                for p in Validation.point(input, rho: 1, eta: 1) {
                    XCTAssertTrue(p.verdict.isDecided, "\(r.name) \(p.quantity): \(p.verdict.name) \(p.reason)")
                    guard p.p.isFinite else { continue }
                    total[p.quantity, default: 0] += 1
                    if p.p > 0.05 { covered[p.quantity, default: 0] += 1 }
                    zsum[p.quantity, default: 0] += p.z
                    // the same interval without the guard's term
                    let e = p.estimate!, zs = (e.qInf - p.theory) / e.statisticalVariance.squareRoot()
                    if StudentT.twoSidedP(zs, nu: e.nu) > 0.05 { unguarded[p.quantity, default: 0] += 1 }
                    ansatzSeen[p.quantity, default: []].insert(p.ansatz.name)
                }
            }
            for q in Validation.quantities {
                let n = Double(total[q] ?? 0)
                XCTAssertEqual(n, Double(reps), "\(r.name) \(q)")
                let cov = Double(covered[q] ?? 0) / n
                let sigma = (0.95 * 0.05 / n).squareRoot()
                let meanZ = (zsum[q] ?? 0) / n
                print(String(format: "regime %@ %@: coverage %.3f, mean z %.3f, ansatz %@", r.name, q.rawValue, cov, meanZ, ansatzSeen[q]!.joined(separator: ",")))
                let covNoGuard = Double(unguarded[q] ?? 0) / n
                print(String(format: "    without the guard's term: coverage %.3f", covNoGuard))
                if r.exact {
                    XCTAssertEqual(cov, 0.95, accuracy: 3.5 * sigma + 0.005, "\(r.name) \(q)")
                    XCTAssertLessThan(abs(meanZ), 0.12, "\(r.name) \(q): bias")
                    XCTAssertEqual(cov, covNoGuard, "\(r.name) \(q): no guard with ≥ 4 N or in learning")
                } else {
                    // the 2-coefficient fit cannot follow the N^(−ω₂) term: q∞ is biased, and the guard
                    // restores the coverage the unguarded interval loses
                    XCTAssertGreaterThan(cov, 0.95 - 3.5 * sigma, "\(r.name) \(q)")
                    XCTAssertGreaterThan(cov, covNoGuard, "\(r.name) \(q)")
                }
            }
            let expected = r.alpha > 1 ? "learning_N^-1_N^-3/2" : "composed_eps_g_from_m_and_Q"
            XCTAssertEqual(ansatzSeen[.epsG], [expected])
            if r.alpha < 1 {
                XCTAssertEqual(ansatzSeen[.m], ["overlearning_N^-1/2_N^-5/6"])
                XCTAssertEqual(ansatzSeen[.Q], ["overlearning_N^-2/3_N^-1"])
            }
        }
    }

    /// Welch ν, the guard and the t-verdict equal a direct computation: at a learning point (3 N,
    /// unequal replicate counts) q∞ = Σ c_N q̄_N with the closed-form intercept row of a weighted
    /// 2-coefficient regression (w = n_N·N), var = Σ c² s², ν = var²/Σ (c² s²)²/(n − 1) by hand, and
    /// p = 2 t.sf(|z|, ν) from scipy; in overlearning the guard's (q∞ − q∞′)² and the composed ε_g's
    /// per-replicate variance (with the m–Q covariance) by hand as well.
    func testWelchNuAndVerdictEqualDirectComputation() throws {
        var g = Normals(state: 5)
        func closedFormRow(_ n: [Int], _ reps: [Int], omega: Double) -> [Double] {
            let x = n.map { pow(Double($0), -omega) }, w = zip(n, reps).map { Double($0) * Double($1) }
            let W = w.reduce(0, +), Sx = zip(w, x).reduce(0) { $0 + $1.0 * $1.1 }, Sxx = zip(w, x).reduce(0) { $0 + $1.0 * $1.1 * $1.1 }
            return (0..<n.count).map { w[$0] * (Sxx - x[$0] * Sx) / (W * Sxx - Sx * Sx) }
        }
        func meanVar(_ v: [Double]) -> (Double, Double) {
            let m = v.reduce(0, +) / Double(v.count)
            return (m, v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1) / Double(v.count))
        }
        // learning: α = 4, unequal replicate counts
        let N = [250, 500, 1000], reps = [3, 6, 4]
        var input = try RegimeData.point(alpha: 4, beta: 1, lambda: 0.01, N: N, replicates: 6, secondTerm: false, g: &g)
        for (k, r) in reps.enumerated() { for q in Validation.quantities { input.sizes[k].values[q] = Array(input.sizes[k].values[q]!.prefix(r)) } }
        let c = closedFormRow(N, reps, omega: 1)
        let st = input.sizes.map { meanVar($0.values[.Q]!) }
        let qInf = zip(c, st).reduce(0) { $0 + $1.0 * $1.1.0 }
        let parts = zip(c, st).map { $0 * $0 * $1.1 }
        let v = parts.reduce(0, +)
        let nu = v * v / zip(parts, reps).reduce(0) { $0 + $1.0 * $1.0 / Double($1.1 - 1) }
        // put the theory 2.6 se away so that the verdict is decided by the t tail (normal: marginal; t: agree?)
        input.theory[.Q] = qInf - 2.6 * v.squareRoot()
        let z = 2.6
        let pRef = try XCTUnwrap(try pythonJSON("import json; from scipy.stats import t; print(json.dumps(float(2 * t.sf(\(z), \(nu)))))") as? Double)
        let p = try XCTUnwrap(Validation.point(input, rho: 1, eta: 1).first { $0.quantity == .Q })
        XCTAssertEqual(p.ansatz, .learning)
        XCTAssertEqual(p.qInf, qInf, accuracy: 1e-12)
        XCTAssertEqual(p.seInf, v.squareRoot(), accuracy: 1e-12 * v.squareRoot())
        XCTAssertEqual(p.nu, nu, accuracy: 1e-9 * nu)
        XCTAssertEqual(p.z, z, accuracy: 1e-9)
        XCTAssertEqual(p.p, pRef, accuracy: 1e-12)
        XCTAssertEqual(p.verdict, Verdict.of(p: pRef))
        XCTAssertEqual(p.verdict, pRef > Verdict.agreeP ? .agree : .marginal)
        XCTAssertEqual(p.dof, 1)

        // overlearning: α = 0.25, 3 N → guard; composed ε_g
        let No = [256, 512, 1024]
        let o = try RegimeData.point(alpha: 0.25, beta: 1, lambda: 0.01, N: No, replicates: 5, secondTerm: true, g: &g)
        let res = Validation.point(o, rho: 1, eta: 1)
        let pq = try XCTUnwrap(res.first { $0.quantity == .Q })
        let cq = closedFormRow(No, [5, 5, 5], omega: 2.0 / 3.0), cg = closedFormRow(No, [5, 5, 5], omega: 1)
        let sq = o.sizes.map { meanVar($0.values[.Q]!) }
        let q1 = zip(cq, sq).reduce(0) { $0 + $1.0 * $1.1.0 }, q2 = zip(cg, sq).reduce(0) { $0 + $1.0 * $1.1.0 }
        let vq = zip(cq, sq).reduce(0) { $0 + $1.0 * $1.0 * $1.1.1 }
        XCTAssertEqual(pq.ansatz, .overlearningEdge)
        XCTAssertEqual(pq.qInf, q1, accuracy: 1e-12)
        XCTAssertEqual(pq.guardQInf, q2, accuracy: 1e-12)
        XCTAssertEqual(pq.seInf * pq.seInf, vq + (q1 - q2) * (q1 - q2), accuracy: 1e-12 * (vq + (q1 - q2) * (q1 - q2)))
        // composed ε_g: per replicate y = −2 c^m m + c^Q Q at each N
        let pe = try XCTUnwrap(res.first { $0.quantity == .epsG })
        XCTAssertEqual(pe.ansatz, .composed)
        let cm = closedFormRow(No, [5, 5, 5], omega: 0.5)
        var e = 1.0, ve = 0.0, den = 0.0
        for k in 0..<3 {
            let y = zip(o.sizes[k].values[.m]!, o.sizes[k].values[.Q]!).map { -2 * cm[k] * $0 + cq[k] * $1 }
            let (m, s2) = meanVar(y)
            e += m; ve += s2; den += s2 * s2 / 4
        }
        let cm2 = closedFormRow(No, [5, 5, 5], omega: 5.0 / 6.0)
        let mG = zip(cm2, o.sizes.map { meanVar($0.values[.m]!).0 }).reduce(0) { $0 + $1.0 * $1.1 }
        let eG = 1 - 2 * mG + q2
        XCTAssertEqual(pe.qInf, e, accuracy: 1e-12)
        XCTAssertEqual(pe.guardQInf, eG, accuracy: 1e-12)
        XCTAssertEqual(pe.nu, ve * ve / den, accuracy: 1e-9 * pe.nu)
        XCTAssertEqual(pe.seInf * pe.seInf, ve + (e - eG) * (e - eG), accuracy: 1e-12 * pe.seInf * pe.seInf)
        // and the variance WITHOUT the covariance term would differ (the test can tell them apart)
        var vIndep = 0.0
        for k in 0..<3 { vIndep += 4 * cm[k] * cm[k] * meanVar(o.sizes[k].values[.m]!).1 + cq[k] * cq[k] * meanVar(o.sizes[k].values[.Q]!).1 }
        XCTAssertGreaterThan(abs(vIndep - ve), 0.05 * ve)
    }

    /// The windows and classes apart, each with its reason: the BBP window widened (×2 below BBP)
    /// for the θ-dependent observables only (α = 0.75: §5 lets N = 1000 through, the widened window does
    /// not; Q keeps it), the collapse-boundary window from σ_N of ℓ̂₁ (α = 2, β = 3, λ = 0.01 is
    /// β − β_c = 0.017, MODEL §7's example, with 3 σ_N dβ_c/dℓ₁ ≈ 0.13 at N = 1000), the critical window, first-order coexistence and the λ = 0
    /// null space; a single N gives the labelled one-N comparison.
    func testWindowsAndApartClassesWithReasons() throws {
        var g = Normals(state: 8)
        // α = 0.75, x = 0.866: below the §5 lower edge 0.9 at N = 1000, inside 1 − 2·0.1 = 0.8
        XCTAssertFalse(FiniteNPhase.isCritical(n: 1000, alpha: 0.75, rho: 1, eta: 1))
        XCTAssertTrue(Validation.inWidenedBBPWindow(n: 1000, alpha: 0.75, rho: 1, eta: 1, below: 2, above: 1.2))
        XCTAssertFalse(Validation.inWidenedBBPWindow(n: 1000, alpha: 0.75, rho: 1, eta: 1, below: 1, above: 1))
        // above BBP ×1.2: α = 2 (x = 1.414) is usable from N = 500 on (1 + 1.2·(18/500)^(1/3) = 1.396)
        XCTAssertFalse(Validation.inWidenedBBPWindow(n: 500, alpha: 2, rho: 1, eta: 1, below: 2, above: 1.2))
        XCTAssertTrue(Validation.inWidenedBBPWindow(n: 500, alpha: 2, rho: 1, eta: 1, below: 2, above: 1.5))
        let near = try RegimeData.point(alpha: 0.75, beta: 0.5, lambda: 0.01, N: [400, 1000, 2000], replicates: 5, secondTerm: false, g: &g)
        let r = Validation.point(near, rho: 1, eta: 1)
        for p in r {
            if Validation.thetaDependent.contains(p.quantity) {
                XCTAssertEqual(p.verdict, .excludedWindow, p.quantity.rawValue)
                XCTAssertTrue(p.reason.contains("BBP window widened (×2 below, ×1.2 above BBP)"), p.reason)
            } else {
                XCTAssertTrue(p.verdict.isDecided, "\(p.quantity): \(p.reason)")
                XCTAssertEqual(p.usableN, [1000, 2000])   // N = 400 is critical (x > 1 − 400^(−1/3) = 0.864)
                XCTAssertTrue(p.reason.contains("N = 400 in the critical BBP window"), p.reason)
            }
        }
        // collapse boundary: σ_N by hand and the window's decision
        let n = 1000, P = 2000
        let sigma = Theory.topEigenvalueSpread(n: n, p: P, rho: 1, eta: 1)
        XCTAssertEqual(sigma, 2 * (2 * (1 - 0.5) / 2000.0).squareRoot(), accuracy: 1e-15)   // η(1+κ)√(2(1 − γ/κ²)/P)
        let tw = Theory.topEigenvalueSpread(n: 1000, p: 250, rho: 1, eta: 1)
        XCTAssertEqual(tw, 1.268 * (250.0.squareRoot() + 1000.0.squareRoot()) * cbrt(1 / 250.0.squareRoot() + 1 / 1000.0.squareRoot()) / 250, accuracy: 1e-15)
        let bc = Theory.collapsedStabilityThreshold(alpha: 2, lambda: 0.01, rho: 1, eta: 1)
        XCTAssertEqual(bc, 3 / 1.005 - 0.005 / 3, accuracy: 1e-14)   // ℓ₁ = 3 at α = 2: β − β_c = 0.0166
        let slope = Theory.stabilityThresholdSlope(ell1: 3, alpha: 2, lambda: 0.01)
        XCTAssertEqual(slope, 1 / 1.005 + 0.005 / 9, accuracy: 1e-15)
        XCTAssertEqual(Theory.boundarySlope(ell1: 3, alpha: 2, lambda: 0.01), slope, accuracy: 0)
        XCTAssertEqual(Validation.inCollapseBoundaryWindow(n: n, p: P, beta: 3, lambda: 0.01, rho: 1, eta: 1, sigmas: 3),
                       abs(3 - bc) < 3 * slope * sigma)
        XCTAssertTrue(Validation.inCollapseBoundaryWindow(n: n, p: P, beta: 3, lambda: 0.01, rho: 1, eta: 1, sigmas: 3))
        XCTAssertFalse(Validation.inCollapseBoundaryWindow(n: n, p: P, beta: 1, lambda: 0.01, rho: 1, eta: 1, sigmas: 3))
        let edge = try RegimeData.point(alpha: 2, beta: 3, lambda: 0.01, N: [250, 500, 1000], replicates: 5, secondTerm: false, g: &g)
        for p in Validation.point(edge, rho: 1, eta: 1) {
            XCTAssertEqual(p.verdict, .excludedWindow, p.quantity.rawValue)
            XCTAssertTrue(p.reason.contains("collapse-boundary window"), p.reason)
            XCTAssertNotEqual(p.verdict, .disagree)
        }
        // first order, null space, critical at every N
        var fo = try RegimeData.point(alpha: 4, beta: 1, lambda: 0.01, N: [250, 1000], replicates: 3, secondTerm: false, g: &g)
        fo.flags = [.firstOrderCoexistence]
        XCTAssertTrue(Validation.point(fo, rho: 1, eta: 1).allSatisfy { $0.verdict == .excludedFirstOrder && $0.reason.contains("first-order") })
        var ns = try RegimeData.point(alpha: 0.25, beta: 1, lambda: 0, N: [256, 1024], replicates: 3, secondTerm: false, g: &g)
        ns.flags = [.nullSpace]
        for p in Validation.point(ns, rho: 1, eta: 1) {
            XCTAssertEqual(p.verdict == .excludedNullSpace, Validation.nullSpaceQuantities.contains(p.quantity), p.quantity.rawValue)
        }
        let crit = try RegimeData.point(alpha: 1, beta: 0.5, lambda: 1, N: [250, 1000], replicates: 3, secondTerm: false, g: &g)
        XCTAssertTrue(Validation.point(crit, rho: 1, eta: 1).allSatisfy { $0.verdict == .excludedCritical && $0.reason.contains("critical BBP window") })
        // one N: labelled comparison, ν = n − 1, biased in overlearning
        let one = try RegimeData.point(alpha: 0.25, beta: 1, lambda: 0.01, N: [1024], replicates: 6, secondTerm: false, g: &g)
        for p in Validation.point(one, rho: 1, eta: 1, singleN: true) {
            XCTAssertEqual(p.ansatz, .singleN, p.quantity.rawValue)
            XCTAssertEqual(p.nu, 5, accuracy: 1e-9)
            XCTAssertTrue(p.biased)
            XCTAssertTrue(p.reason.contains("one N: no extrapolation"), p.reason)
        }
    }

    /// Step 1: the comparison at the sample's own P/N. At α = 0.25, N = 250 (P = 63, P/N = 0.252) the
    /// replicates equal the theory AT P/N exactly, so q̃_N = q_th(α) and the fit recovers the theory
    /// exactly (z ≈ 0); MODEL §7's example, Q_th shifted by −0.021, is what is subtracted.
    func testComparisonAtTheSamplesOwnAlpha() throws {
        let N = [250, 500, 1000]
        let (t, phase) = try RegimeData.theory(0.25, 1, 0.01)
        XCTAssertEqual(phase, .overlearning)
        var sizes: [SizeInput] = []
        var shifts: [Double] = []
        for n in N {
            let p = Int((0.25 * Double(n)).rounded())
            let (te, _) = try RegimeData.theory(Double(p) / Double(n), 1, 0.01)
            shifts.append(te[.Q]! - t[.Q]!)
            var v: [Quantity: [Double]] = [:]
            for q in Validation.quantities { v[q] = [te[q]! - 1e-4, te[q]! + 1e-4, te[q]!] }
            sizes.append(SizeInput(n: n, values: v))
        }
        XCTAssertEqual(shifts[0], -0.021, accuracy: 0.0015)   // MODEL §7 step 1's example
        XCTAssertEqual(shifts[2], 0, accuracy: 0)              // P = 250 exactly
        let res = Validation.point(PointInput(alpha: 0.25, beta: 1, lambda: 0.01, theory: t, phase: phase, sizes: sizes), rho: 1, eta: 1)
        for p in res {
            XCTAssertEqual(p.qInf, p.theory, accuracy: 1e-9 * max(1, abs(p.theory)), p.quantity.rawValue)
            if p.quantity == .Q { XCTAssertEqual(p.sizes[0].shift, shifts[0], accuracy: 0) }
            XCTAssertEqual(p.verdict, .agree, p.quantity.rawValue)
        }
    }
}
