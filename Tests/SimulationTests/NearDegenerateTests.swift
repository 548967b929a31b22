import XCTest
import VAETheory
import VAESimulation

/// gd vs exact when the top eigen-gap is tiny.
///
/// Bound. Near the minimiser x*, g(x) ≈ H (x − x*), so the stopping point is within
/// ‖x − x*‖ ≤ ‖g‖/h_min of it. The smallest curvature belongs to the (ŵ₂, v̂₂) block,
///     H₂ = [[S + D + μ, −ℓ₂], [−ℓ₂, (Q + β) ℓ₂ + μ]],   h₂ = λ_min(H₂) ≈ ℓ₁ (ℓ₁ − ℓ₂)/tr H₂,
/// which vanishes with the gap (at ℓ₂ = ℓ₁ the minimum becomes a circle). Every observable is
/// Lipschitz in (ŵ, v̂, D) with constant ≤ K = 2 (1 + √ρ + ρ + η)(1 + |x*|)² near x*, hence
///     |Δ observable| ≤ K ‖g‖ / h₂   (with ‖g‖ ≤ tol (ℓ₁ + β + μ) at convergence),
/// i.e. O(tol · ℓ₁/(ℓ₁ − ℓ₂)): with tol = 1e-9 a relative gap of 1e-3 still gives ~1e-6, a gap of
/// 1e-6 only ~1e-3 in m, d and the test quantities. The rotation-invariant quantities of the
/// top-two subspace (Q, E, R, D and the train rate/distortion) are insensitive to the mixing
/// angle to first order and stay at ~1e-6 whatever the gap.
final class NearDegenerateTests: XCTestCase {
    func synthetic(n: Int, ell1: Double, relGap: Double) -> SampleSpectrum {
        var values = [ell1, ell1 * (1 - relGap)]
        for i in 2..<n { values.append(2.5 - 2.3 * Double(i - 2) / Double(n - 2)) }
        var omega = [0.6, 0.5] + [Double](repeating: 0, count: n - 2)
        let rest = (1 - 0.36 - 0.25) / Double(n - 2)
        for i in 2..<n { omega[i] = (i % 2 == 0 ? 1 : -1) * rest.squareRoot() }
        var vecs = [Double](repeating: 0, count: n * n)
        for i in 0..<n { vecs[i * n + i] = 1 }
        return SampleSpectrum(n: n, p: 4 * n, alpha: 4, rho: 1, eta: 1, spike: .ones, key: DataKey(rootSeed: 99),
                              values: values, vectors: vecs, spikeOverlaps: omega, spikeVector: [], covariance: nil,
                              traceOverN: values.reduce(0, +) / Double(n), secondsCovariance: 0, secondsEigen: 0)
    }

    /// ‖∇f‖ at (ŵ, v̂, D) from the closed form of MODEL §2 in the eigenbasis, computed here from the
    /// spectrum alone (independently of the solver's own gradient code and of what it reports):
    /// ∂f/∂ŵᵢ = (S + D + μ) ŵᵢ − ℓᵢ v̂ᵢ, ∂f/∂v̂ᵢ = ((Q + β) ℓᵢ + μ) v̂ᵢ − ℓᵢ ŵᵢ, ∂f/∂D = ½(Q + β − β/D).
    func independentGradientNorm(_ data: SampleSpectrum, _ p: EigenParameters, beta: Double, mu: Double) -> Double {
        var Q = 0.0, S = 0.0
        for i in 0..<data.n { Q += p.w[i] * p.w[i]; S += data.values[i] * p.v[i] * p.v[i] }
        var g2 = 0.0
        for i in 0..<data.n {
            let l = data.values[i]
            let gw = (S + p.D + mu) * p.w[i] - l * p.v[i]
            let gv = ((Q + beta) * l + mu) * p.v[i] - l * p.w[i]
            g2 += gw * gw + gv * gv
        }
        let gD = 0.5 * (Q + beta - beta / p.D)
        return (g2 + gD * gD).squareRoot()
    }

    /// Issue 17 item 2. The tolerance is K‖g‖/h₂ with ‖g‖ recomputed here (not gd's report) and
    /// CAPPED at 1e-2: uncapped it reached ≈ 2 at a relative gap of 1e-7 while m ≈ 1, so any answer
    /// passed. Plausible bug caught: a stopping rule on a stalled loss decrease ("converged" when f
    /// changes by < 1e-12 relative), which in a near-degenerate pair stops with the rotation inside
    /// the pair unresolved (m, d off by O(0.1)) while the gap-scaled bound stays O(1). A solver that
    /// misreports its gradient norm is caught by the comparison with the recomputed one.
    func testNearDegenerateTopPair() throws {
        for relGap in [1e-3, 1e-5, 1e-7] {
            let data = synthetic(n: 40, ell1: 3, relGap: relGap)
            for (beta, lambda) in [(0.5, 0.01), (1.0, 1.0)] {
                let opt = TrainingOptions(solver: .gd)
                let g = try Trainer.train(data, beta: beta, lambda: lambda, options: opt)
                let e = try Trainer.train(data, beta: beta, lambda: lambda, options: TrainingOptions(solver: .exact))
                XCTAssertTrue(g.converged, "gap \(relGap): steps \(g.steps)")
                let o = e.observables, mu = lambda / data.alphaEffective
                let gIndep = independentGradientNorm(data, try XCTUnwrap(g.parameters), beta: beta, mu: mu)
                XCTAssertEqual(gIndep, g.gradNorm, accuracy: 1e-9 * (data.ell1 + beta + mu) + 1e-6 * gIndep,
                               "gd's reported gradient norm disagrees with the recomputed one")
                XCTAssertLessThanOrEqual(gIndep / (data.ell1 + beta + mu), opt.tolerance * (1 + 1e-6))
                let A = o.E * data.values[0] + o.D + mu, B = (o.Q + beta) * data.values[1] + mu
                let h2 = 0.5 * (A + B) - ((0.25 * (A - B) * (A - B)) + data.values[1] * data.values[1]).squareRoot()
                let K = 2 * (1 + 1 + 1 + 1) * pow(1 + (o.Q + o.E).squareRoot(), 2)
                let bound = min(max(K * gIndep / h2, 1e-6), 1e-2)
                let x = observableVector(g.observables), y = observableVector(o)
                var worst = 0.0, worstInvariant = 0.0
                for i in 0..<x.count {
                    let d = abs(x[i] - y[i])
                    worst = max(worst, d)
                    if [2, 3, 4, 5, 7, 9].contains(i) { worstInvariant = max(worstInvariant, d) }
                }
                print("gap \(relGap) β=\(beta) λ=\(lambda): steps \(g.steps) |g| \(gIndep) h2 \(h2) bound \(bound) worst \(worst) invariant \(worstInvariant)")
                XCTAssertLessThanOrEqual(worst, bound, "gap \(relGap) β=\(beta) λ=\(lambda)")
                XCTAssertLessThan(worstInvariant, 1e-6)
                if relGap >= 1e-3 { XCTAssertLessThan(worst, 1e-6) }
            }
        }
    }
}
