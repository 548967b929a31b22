import Foundation
import XCTest
import VAETheory
import VAESimulation

/// Large N against the N = ∞ theory (issue 22): N = 10⁶, α ∈ {0.25, 2, 4, 16} (ρ = η = 1: one
/// overlearning α below BBP, three learning), 50 replicates of the bidiagonal model, the exact
/// solver at two (β, λ) pairs away from every boundary. The seed mean of ℓ̂₁, θ̂², tr C/N and of m,
/// Q, ε_g, rate_test, dist_test must agree with `Theory.solve` within 3 standard errors plus the
/// finite-size term of MODEL.md §7: learning O(1/N) (allowance 20/N); overlearning the Tracy–Widom
/// shift of ℓ̂₁ (mean −1.2065 σ_TW; allowed 1.5 σ_TW, σ_TW = η(√P + √N)(P^(−1/2) + N^(−1/2))^(1/3)/P)
/// and the edge overlap θ̂² ≈ c/N (c = (1 + κ)/(1 − x)², an upper bound at finite N), propagated
/// through the exact minimiser (so Q, rates ~ N^(−2/3), m ~ N^(−1/2)).
final class BidiagonalLargeNTests: XCTestCase {
    func testSeedMeansAgreeWithTheoryAtAMillion() throws {
        let n = 1_000_000, reps = 50, rho = 1.0, eta = 1.0
        let pairs: [(beta: Double, lambda: Double)] = [(1, 0.1), (0.5, 1)]
        let names = ["ell1", "theta2", "trC/N", "m", "Q", "eps_g", "rate_test", "dist_test"]
        var rows: [String] = [], worstZ = 0.0
        try timed("large N: 4 α × \(reps) replicates at N = 10⁶") {
            for alpha in [0.25, 2, 4, 16] {
                var stats = [[[Double]]](repeating: [[Double]](repeating: [], count: names.count), count: pairs.count)
                for r in 0..<reps {
                    let d = try DataSet.buildBidiagonalTop(alpha: alpha, n: n, rho: rho, eta: eta, key: DataKey(rootSeed: 1, replicate: r))
                    XCTAssertFalse(d.nearDegenerate && alpha > 1, "α=\(alpha) rep \(r)")
                    for (k, pr) in pairs.enumerated() {
                        let o = try Trainer.train(d, beta: pr.beta, lambda: pr.lambda, options: TrainingOptions(solver: .exact)).observables
                        for (q, v) in [d.ell1, d.theta * d.theta, d.traceOverN, o.m, o.Q, o.epsG, o.rateTest, o.distTest].enumerated() { stats[k][q].append(v) }
                    }
                }
                let spec = Theory.spectrum(alpha: alpha, rho: rho, eta: eta)
                let learning = FiniteNPhase.bbpRatio(alpha: alpha, rho: rho, eta: eta) > 1
                let p = Double(DataSet.sampleCount(alpha: alpha, n: n)), nd = Double(n)
                let sigmaTW = eta * (p.squareRoot() + nd.squareRoot()) * pow(1 / p.squareRoot() + 1 / nd.squareRoot(), 1.0 / 3.0) / p
                let x = FiniteNPhase.bbpRatio(alpha: alpha, rho: rho, eta: eta)
                let cEdge = (1 + rho / eta) / ((1 - x) * (1 - x))
                for (k, pr) in pairs.enumerated() {
                    let th = Theory.solve(try TheoryInput(alpha: alpha, beta: pr.beta, lambda: pr.lambda, rho: rho, eta: eta))
                    func obs(_ l1: Double, _ t2: Double) -> [Double] {
                        let s = ScalarEquations.minimiser(ell1: l1, alpha: alpha, beta: pr.beta, lambda: pr.lambda).best
                        let o = Theory.observables(a: s.a, b: s.b, D: s.D, ell1: l1, theta2: t2, rho: rho, eta: eta)
                        return [o.m, o.Q, o.epsG, o.rateTest, o.distTest]
                    }
                    let ref = [spec.ell1, spec.theta2, eta + rho / nd] + obs(spec.ell1, spec.theta2)
                    XCTAssertEqual(ref[4], th.observables.Q, accuracy: 1e-12)
                    var allow = [Double](repeating: 20 / nd, count: names.count)
                    if !learning {
                        let lo = spec.ell1 - 1.5 * sigmaTW
                        let shifted = [lo, cEdge / nd, eta + rho / nd] + obs(lo, cEdge / nd)
                        let shifted0 = obs(lo, 0)
                        allow = (0..<names.count).map { q in
                            abs(shifted[q] - ref[q]) + (q >= 3 ? abs(shifted0[q - 3] - ref[q]) : 0) + 20 / nd
                        }
                    }
                    var cells: [String] = []
                    for q in 0..<names.count {
                        let v = stats[k][q]
                        let mean = v.reduce(0, +) / Double(v.count)
                        let se = (v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count - 1) / Double(v.count)).squareRoot()
                        let dev = mean - ref[q]
                        let z = (abs(dev) - allow[q]) / max(se, 1e-300)
                        worstZ = max(worstZ, z)
                        cells.append(String(format: "%@ %.6f−%.6f (se %.1e, allow %.1e, z %.1f)", names[q], mean, ref[q], se, allow[q], dev / max(se, 1e-300)))
                        XCTAssertLessThanOrEqual(abs(dev), 3 * se + allow[q],
                                                 "α=\(alpha) β=\(pr.beta) λ=\(pr.lambda) \(names[q]): mean \(mean) theory \(ref[q]) se \(se) allowance \(allow[q])")
                    }
                    rows.append(String(format: "α=%g β=%g λ=%g [%@]: ", alpha, pr.beta, pr.lambda, learning ? "learning" : "overlearning") + cells.joined(separator: "; "))
                }
            }
        }
        for r in rows { print(r) }
        print("large N: worst (|mean − theory| − allowance)/se = \(worstZ)")
    }
}
