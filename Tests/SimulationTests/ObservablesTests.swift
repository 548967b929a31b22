import XCTest
import LinearAlgebra
import VAETheory
import VAESimulation

final class ObservablesTests: XCTestCase {
    /// Eigenbasis observables equal MODEL.md §3 computed directly from W, V, C, Σ in the original basis.
    func testObservablesMatchDirectFormulas() throws {
        let (rho, eta, n) = (2.0, 0.5, 30)
        let data = try DataSet.build(alpha: 3, n: n, rho: rho, eta: eta, spike: .gaussian, key: DataKey(rootSeed: 4))
        let c = data.covariance!
        let s = GaussianStream(rootSeed: 123, stream: 9)
        var W = s.normals(row: 0, count: n), V = s.normals(row: 1, count: n)
        let D = 0.37
        // make m > 0 to avoid the sign flip in the comparison
        if BLAS.dot(W, data.spikeVector) < 0 { W = W.map { -$0 }; V = V.map { -$0 } }
        let nd = Double(n), ws = data.spikeVector
        let m = BLAS.dot(W, ws) / nd, d = BLAS.dot(V, ws) / nd, Q = BLAS.dot(W, W) / nd, E = BLAS.dot(V, V) / nd, R = BLAS.dot(W, V) / nd
        let CV = BLAS.matvec(c, rows: n, cols: n, V)
        let S = BLAS.dot(V, CV) / nd, K = BLAS.dot(W, CV) / nd
        // Σ = η I + (ρ/N) W* W*ᵀ
        var sigma = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { sigma[i * n + j] = (i == j ? eta : 0) + rho / nd * ws[i] * ws[j] } }
        let SV = BLAS.matvec(sigma, rows: n, cols: n, V)
        let sTest = BLAS.dot(V, SV) / nd, kTest = BLAS.dot(W, SV) / nd
        let o = data.observables(EigenParameters(w: data.toEigenbasis(W), v: data.toEigenbasis(V), D: D))
        let want: [Double] = [m, d, Q, E, R, D, rho - 2 * rho.squareRoot() * m + Q,
                              0.5 * (S + D - log(D) - 1), 0.5 * (sTest + D - log(D) - 1),
                              rho + eta - 2 * K + Q * (S + D), rho + eta - 2 * kTest + Q * (sTest + D)]
        let got = observableVector(o)
        for i in 0..<want.count { XCTAssertEqual(got[i], want[i], accuracy: 1e-12 * (1 + abs(want[i])), observableNames[i]) }
        // m ≥ 0 convention: (−W, −V) gives the same observables.
        let o2 = data.observables(EigenParameters(w: data.toEigenbasis(W.map { -$0 }), v: data.toEigenbasis(V.map { -$0 }), D: D))
        XCTAssertEqual(observableVector(o2), observableVector(o))
    }

    /// gd vs exact at ρ ≠ η with a Gaussian spike.
    func testGradientTrainingMatchesExactOtherRhoEta() throws {
        let data = try DataSet.build(alpha: 5, n: 50, rho: 2, eta: 0.5, spike: .gaussian, key: DataKey(rootSeed: 8), keepCovariance: false)
        XCTAssertGreaterThan(data.relativeGap, 1e-3)
        for (beta, lambda) in [(0.3, 0.01), (1.0, 0.5), (2.0, 2.0), (4.0, 0.1)] {
            let g = try Trainer.train(data, beta: beta, lambda: lambda, options: TrainingOptions())
            let e = try Trainer.train(data, beta: beta, lambda: lambda, options: TrainingOptions(solver: .exact))
            XCTAssertTrue(g.converged)
            let (diff, name) = maxDifference(g.observables, e.observables)
            XCTAssertLessThan(diff, 1e-6, "β=\(beta) λ=\(lambda) \(name)")
        }
    }
}
