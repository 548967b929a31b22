import XCTest
import VAETheory
import VAESimulation

final class BaselineAndPhaseTests: XCTestCase {
    /// Adam on the raw data matrix and Adam through C are the same algorithm: same iterates.
    func testPublishedAdamOnRawDataEqualsAdamThroughC() throws {
        let key = DataKey(rootSeed: 2)
        let (alpha, n, beta, lambda) = (3.0, 24, 0.7, 0.5)
        let data = try DataSet.build(alpha: alpha, n: n, key: key)
        let x = DataSet.sampleMatrix(alpha: alpha, n: n, rho: 1, eta: 1, spike: .ones, key: key)
        let start = Trainer.initialParameters(data, beta: beta, lambda: lambda)
        let raw = PublishedAdam.run(x: x, p: data.p, n: n, beta: beta, lambda: lambda, W: start.W, V: start.V, steps: 300)
        let viaC = try Trainer.train(data, beta: beta, lambda: lambda,
                                     options: TrainingOptions(solver: .adam, tolerance: 0, maxSteps: 300))
        let o = data.observables(EigenParameters(w: data.toEigenbasis(raw.W), v: data.toEigenbasis(raw.V), D: raw.D))
        let (diff, name) = maxDifference(o, viaC.observables)
        XCTAssertLessThan(diff, 1e-9, name)
        XCTAssertEqual(viaC.steps, 300)
    }

    /// The finite-N phase rule on points deep inside each phase (ρ = η = 1), several seeds and N.
    func testFiniteNPhaseRuleDeepInsidePhases() throws {
        // (α, β, λ, expected): learning far above BBP; overlearning far below BBP (α = 0.1,
        // c = 4.3); collapsed well above β_c.
        let cases: [(Double, Double, Double, Phase)] = [
            (8, 0.5, 0.01, .learning), (16, 1, 1, .learning),
            (0.1, 0.5, 0.01, .overlearning), (0.2, 1, 0.01, .overlearning),
            (4, 3, 1, .collapsed), (0.5, 8, 0.01, .collapsed),
        ]
        for (alpha, beta, lambda, want) in cases {
            XCTAssertEqual(Theory.solve(try TheoryInput(alpha: alpha, beta: beta, lambda: lambda)).observables.phase, want)
            for n in [100, 300] {
                for rep in 0..<4 {
                    let data = try DataSet.build(alpha: alpha, n: n, key: DataKey(rootSeed: 17, replicate: rep), keepCovariance: false)
                    for solver in [Solver.gd, .exact] {
                        let r = try Trainer.train(data, beta: beta, lambda: lambda, options: TrainingOptions(solver: solver))
                        XCTAssertEqual(r.observables.phase, want, "α=\(alpha) β=\(beta) λ=\(lambda) N=\(n) rep \(rep) \(solver): m=\(r.observables.m) Q=\(r.observables.Q)")
                    }
                }
            }
        }
        XCTAssertEqual(FiniteNPhase.classify(m: 0.3, Q: 1e-9, n: 100, alpha: 4, rho: 1, eta: 1), .collapsed)
    }
}
