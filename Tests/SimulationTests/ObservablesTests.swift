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
        // ℓ₁ of C by power iteration (independent of the eigen-solver); train distortion in excess
        // of tr C − ℓ₁ (MODEL.md §3). Bug caught: subtracting ρ + η instead (the old definition).
        let ell1 = powerIterationTopEigenvalue(c, n: n)
        XCTAssertEqual(ell1, data.ell1, accuracy: 1e-10 * ell1)
        let want: [Double] = [m, d, Q, E, R, D, rho - 2 * rho.squareRoot() * m + Q,
                              0.5 * (S + D - log(D) - 1), 0.5 * (sTest + D - log(D) - 1),
                              ell1 - 2 * K + Q * (S + D), rho + eta - 2 * kTest + Q * (sTest + D)]
        let got = observableVector(o)
        for i in 0..<want.count { XCTAssertEqual(got[i], want[i], accuracy: 1e-12 * (1 + abs(want[i])), observableNames[i]) }
        // m ≥ 0 convention: (−W, −V) gives the same observables.
        let o2 = data.observables(EigenParameters(w: data.toEigenbasis(W.map { -$0 }), v: data.toEigenbasis(V.map { -$0 }), D: D))
        XCTAssertEqual(observableVector(o2), observableVector(o))
    }

    /// Train distortion (MODEL.md §3): ℓ₁ − 2WᵀCV/N + Q(VᵀCV/N + D) ≥ 0 for ANY (W, V, D) (Eckart–Young),
    /// equal to that direct formula (C from the data, ℓ₁ by power iteration); at the exact minimiser
    /// ℓ₁(1 − ab)² + a²D with the sample's ℓ₁; at λ = 0 (P > N) equal to β with train rate
    /// ½ log(ℓ₁/β) (the Gaussian R(D) of variance ℓ₁), for the exact solver and for gd.
    /// Bug caught: the old definition ρ + η − 2WᵀCV/N + Q(VᵀCV/N + D) (≈ −0.5 at ρ = η = 1, α = 2,
    /// β = 0.5, λ = 0), or a cancellation-prone evaluation going below 0 at the minimiser with tiny β.
    func testTrainDistortionNonNegativeAndClosedForm() throws {
        for (alpha, n, seed) in [(2.0, 40, 1), (0.5, 40, 2), (8.0, 25, 3)] {
            let data = try DataSet.build(alpha: alpha, n: n, rho: 1, eta: 1, spike: .ones, key: DataKey(rootSeed: UInt64(seed)))
            let c = data.covariance!
            let ell1 = powerIterationTopEigenvalue(c, n: n)
            let nd = Double(n)
            let s = GaussianStream(rootSeed: 77, stream: UInt64(seed))
            for k in 0..<20 {
                // random parameters, some nearly aligned with v₁ (W, V ∝ v₁ + noise): small excess
                var W = s.normals(row: UInt64(2 * k), count: n), V = s.normals(row: UInt64(2 * k + 1), count: n)
                let scale = pow(10, -Double(k % 5))
                let v1 = Array(data.vectors[0..<n])
                let a = Double(k % 3) + 0.5, b = (1 - 1e-3 * Double(k % 4)) / a   // ab ≈ 1: excess ≈ a²D + O(scale)
                W = (0..<n).map { a * nd.squareRoot() * v1[$0] + scale * W[$0] }
                V = (0..<n).map { b * nd.squareRoot() * v1[$0] + scale * V[$0] }
                let D = pow(10, -Double(k % 7))
                let CV = BLAS.matvec(c, rows: n, cols: n, V)
                let Q = BLAS.dot(W, W) / nd, S = BLAS.dot(V, CV) / nd, K = BLAS.dot(W, CV) / nd
                let direct = ell1 - 2 * K + Q * (S + D)
                let got = data.observables(EigenParameters(w: data.toEigenbasis(W), v: data.toEigenbasis(V), D: D)).distTrain
                XCTAssertGreaterThanOrEqual(got, 0)
                XCTAssertEqual(got, direct, accuracy: 1e-11 * (ell1 + Q * (S + D)), "α \(alpha) k \(k)")
            }
            // exactly at zero excess (W = a√N v₁, V = √N v₁/a, D → 0): ≥ 0 after rounding, and tiny.
            // The direct formula ℓ₁ − 2K + Q(S + D) rounds to ≈ ±1e-16 ℓ₁ here, negative for some a.
            var negativeDirect = 0
            for k in 1...200 {
                let a = 0.37 * Double(k)
                var w = [Double](repeating: 0, count: n), v = w
                w[0] = a; v[0] = 1 / a
                let p = EigenParameters(w: w, v: v, D: 1e-300)
                let got = data.trainDistortion(p)
                XCTAssertGreaterThanOrEqual(got, 0, "a \(a)")
                XCTAssertLessThanOrEqual(got, 1e-14 * data.ell1, "a \(a)")
                XCTAssertEqual(data.observables(p).distTrain, got)
                let l = data.ell1
                if l - 2 * l * w[0] * v[0] + w[0] * w[0] * (l * v[0] * v[0] + p.D) < 0 { negativeDirect += 1 }
            }
            XCTAssertGreaterThan(negativeDirect, 0, "the alignment cases no longer probe rounding")
            for (beta, lambda) in [(0.5, 0.0), (1e-4, 0.0), (0.3, 0.01), (1.0, 1.0), (2.5, 0.5), (50.0, 0.1)] {
                let e = try Trainer.train(data, beta: beta, lambda: lambda, options: TrainingOptions(solver: .exact))
                let sol = ScalarEquations.minimiser(ell1: data.ell1, alpha: data.alphaEffective, beta: beta, lambda: lambda).best
                let closed = data.ell1 * (1 - sol.a * sol.b) * (1 - sol.a * sol.b) + sol.a * sol.a * sol.D
                let msg = "α \(alpha) β \(beta) λ \(lambda)"
                XCTAssertGreaterThanOrEqual(e.observables.distTrain, 0, msg)
                XCTAssertEqual(e.observables.distTrain, closed, accuracy: 1e-13 * data.ell1, msg)
                if lambda == 0 && data.p > n && beta < data.ell1 {
                    XCTAssertEqual(e.observables.distTrain, beta, accuracy: 1e-13 * data.ell1, msg)
                    XCTAssertEqual(e.observables.rateTrain, 0.5 * log(data.ell1 / beta), accuracy: 1e-12, msg)
                    if beta == 0.5 && alpha == 2 {
                        // the old definition: ρ + η − ℓ₁ + β < 0 (ℓ₁ ≈ 3 for α = 2)
                        XCTAssertLessThan(2 - data.ell1 + beta, -0.2)
                    }
                    if beta >= 0.1 {
                        let g = try Trainer.train(data, beta: beta, lambda: lambda, options: TrainingOptions(solver: .gd))
                        XCTAssertTrue(g.converged, msg)
                        XCTAssertEqual(g.observables.distTrain, beta, accuracy: 1e-6, msg)
                        XCTAssertEqual(g.observables.rateTrain, 0.5 * log(data.ell1 / beta), accuracy: 1e-6, msg)
                    }
                }
            }
        }
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

/// Top eigenvalue of a symmetric positive semi-definite n×n matrix (row-major) by power iteration
/// with Rayleigh quotients, independent of the library's eigen-solver (converges when ℓ₁ > ℓ₂).
func powerIterationTopEigenvalue(_ c: [Double], n: Int) -> Double {
    var x = [Double](repeating: 1, count: n)
    for i in 0..<n { x[i] += 0.01 * Double(i % 7) }
    var lambda = 0.0
    for _ in 0..<20000 {
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n { var s = 0.0; for j in 0..<n { s += c[i * n + j] * x[j] }; y[i] = s }
        var num = 0.0, den = 0.0
        for i in 0..<n { num += x[i] * y[i]; den += x[i] * x[i] }
        let next = num / den
        let norm = y.reduce(0) { $0 + $1 * $1 }.squareRoot()
        x = y.map { $0 / norm }
        if abs(next - lambda) <= 1e-15 * abs(next) { lambda = next; break }
        lambda = next
    }
    return lambda
}
