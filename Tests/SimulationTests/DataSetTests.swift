import XCTest
import LinearAlgebra
import VAESimulation

final class DataSetTests: XCTestCase {
    func testBlockedCovarianceMatchesDirectAndIsDeterministic() throws {
        let key = DataKey(rootSeed: 3, replicate: 4)
        let n = 37, alpha = 3.3
        let x = DataSet.sampleMatrix(alpha: alpha, n: n, rho: 1.5, eta: 0.7, spike: .gaussian, key: key)
        let p = DataSet.sampleCount(alpha: alpha, n: n)
        XCTAssertEqual(p, 122)
        let direct = BLAS.gram(x, rows: p, n: n, alpha: 1 / Double(p))
        // Tiny blocks (64 rows minimum → 2 blocks) vs one block: same matrix to round-off.
        let blocked = DataSet.covariance(alpha: alpha, n: n, rho: 1.5, eta: 0.7, spike: .gaussian, key: key, blockElements: 1)
        for i in 0..<(n * n) { XCTAssertEqual(blocked[i], direct[i], accuracy: 1e-13) }
        let again = DataSet.covariance(alpha: alpha, n: n, rho: 1.5, eta: 0.7, spike: .gaussian, key: key, blockElements: 1)
        XCTAssertEqual(blocked, again)   // bitwise
        let w = DataSet.spikeVector(alpha: alpha, n: n, spike: .gaussian, key: key)
        XCTAssertEqual(w.reduce(0) { $0 + $1 * $1 }, Double(n), accuracy: 1e-10)
        XCTAssertEqual(DataSet.spikeVector(alpha: alpha, n: 5, spike: .ones, key: key), [1, 1, 1, 1, 1])
    }

    func testSpectrumConsistent() throws {
        let key = DataKey(rootSeed: 1)
        let d = try DataSet.build(alpha: 2, n: 60, rho: 1, eta: 1, spike: .ones, key: key)
        XCTAssertEqual(d.p, 120)
        XCTAssertEqual(d.values.count, 60)
        for j in 1..<60 { XCTAssertGreaterThanOrEqual(d.values[j - 1], d.values[j]) }
        XCTAssertEqual(d.spikeOverlaps.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-12)
        XCTAssertEqual(d.values.reduce(0, +) / 60, d.traceOverN, accuracy: 1e-12)
        // Population check on a large sample: E[tr C/N] = η + ρ/N.
        let big = try DataSet.build(alpha: 10, n: 200, rho: 1, eta: 1, spike: .gaussian, key: key)
        XCTAssertEqual(big.traceOverN, 1 + 1.0 / 200, accuracy: 0.01)
        // BBP: θ² → (1 − γ/κ²)/(1 + γ/κ) = 0.818 at α = 10, κ = 1 (finite-N error ~ 1/√N)
        XCTAssertEqual(big.theta * big.theta, 0.9 / 1.1, accuracy: 0.06)
    }
}
