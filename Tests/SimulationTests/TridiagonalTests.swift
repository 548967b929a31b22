import Foundation
import XCTest
import LinearAlgebra
import VAETheory
import VAESimulation

/// The tridiagonal T = BᵀB/P of the bidiagonal model and its top pair (Tridiagonal.swift): T from
/// the χ variables exactly as MODEL.md §8 says, the top pair against a dense eigendecomposition of
/// the same T, truncation against the untruncated solve, and the whole-T Sturm check.
final class TridiagonalTests: XCTestCase {
    /// T's entries and tr C/N recomputed by hand from the χ variables (variable 2j = diagonal j of B,
    /// 2j + 1 = superdiagonal j), bitwise, on both sides of P = N.
    func testTIsBuiltFromTheChiVariablesOfSection8() throws {
        for (alpha, n, rho, eta) in [(3.0, 40, 2.0, 0.5), (0.3, 50, 1.0, 1.0), (1.0, 7, 0.0, 2.0), (0.05, 30, 1.0, 1.0)] {
            let key = DataKey(rootSeed: 3, replicate: 1)
            let t = try DataSet.tridiagonal(alpha: alpha, n: n, rho: rho, eta: eta, key: key)
            let p = DataSet.sampleCount(alpha: alpha, n: n), s = p >= n ? n : p + 1
            XCTAssertEqual(t.p, p); XCTAssertEqual(t.matrix.dimension, s)
            let chi = ChiStream(key: key, alpha: alpha, n: n)
            var d = [Double](repeating: 0, count: s), e = [Double](repeating: 0, count: s - 1)
            for j in 0..<min(n, p) { d[j] = (j == 0 ? (rho + eta).squareRoot() : eta.squareRoot()) * chi.chi(degrees: p - j, variable: 2 * j) }
            for j in 0..<(s - 1) { e[j] = eta.squareRoot() * chi.chi(degrees: n - 1 - j, variable: 2 * j + 1) }
            // the degrees of MODEL.md §8: last diagonal χ_{P−N+1} (P ≥ N) or χ_1 (P < N); last superdiagonal χ_1 or χ_{N−P}
            XCTAssertEqual(p - (min(n, p) - 1), p >= n ? p - n + 1 : 1)
            XCTAssertEqual(n - 1 - (s - 2), p >= n ? 1 : n - p)
            let pd = Double(p)
            for j in 0..<s {
                let prev = j > 0 ? e[j - 1] : 0
                XCTAssertEqual(t.matrix.diagonal[j].bitPattern, ((d[j] * d[j] + prev * prev) * (1 / pd)).bitPattern, "α=\(alpha) T_\(j)\(j)")
                if j < s - 1 { XCTAssertEqual(t.matrix.offDiagonal[j].bitPattern, (d[j] * e[j] * (1 / pd)).bitPattern) }
            }
            let frob = (d + e).reduce(0) { $0 + $1 * $1 }
            XCTAssertEqual(t.traceOverN, frob / (pd * Double(n)), accuracy: 1e-14 * t.traceOverN)
            // tr T = tr C
            XCTAssertEqual(t.matrix.diagonal.reduce(0, +) / Double(n), t.traceOverN, accuracy: 1e-13 * t.traceOverN)
        }
    }

    func dense(_ t: Tridiagonal) -> [Double] {
        let s = t.dimension
        var a = [Double](repeating: 0, count: s * s)
        for i in 0..<s { a[i * s + i] = t.diagonal[i] }
        for i in 0..<(s - 1) { a[i * s + i + 1] = t.offDiagonal[i]; a[(i + 1) * s + i] = t.offDiagonal[i] }
        return a
    }

    /// The top pair (ℓ₁, ℓ₂, ω₁, ω₂) against dsyevd of T as a dense matrix, untruncated and with a
    /// deliberately small first block (the block must grow and still give the same pair).
    func testTopPairAgainstDenseEigendecomposition() throws {
        var checked = 0
        for alpha in [0.25, 0.5, 1, 2, 4] {
            for (n, rep) in [(30, 0), (200, 1), (600, 2)] {
                let t = try DataSet.tridiagonal(alpha: alpha, n: n, key: DataKey(rootSeed: 8, replicate: rep)).matrix
                let s = t.dimension
                let eig = try LAPACK.symmetricEigen(dense(t), n: s)
                for block in [nil, 8] as [Int?] {
                    let r = t.topPair(initialBlock: block)
                    let tag = "α=\(alpha) N=\(n) block \(block.map(String.init) ?? "auto") (m = \(r.info.leadingBlock), attempts \(r.info.attempts))"
                    XCTAssertEqual(r.values[0], eig.values[0], accuracy: 1e-13 * eig.values[0], tag)
                    XCTAssertEqual(r.values[1], eig.values[1], accuracy: 1e-13 * eig.values[0], tag)
                    XCTAssertFalse(r.info.nearDegenerate, tag)
                    XCTAssertLessThanOrEqual(r.info.overlapErrorBound, 1e-9, tag)
                    XCTAssertEqual(abs(r.firstComponents[0]), abs(eig.vectors[0]), accuracy: 1e-10, tag)
                    XCTAssertEqual(abs(r.firstComponents[1]), abs(eig.vectors[s]), accuracy: 1e-9, tag)
                    XCTAssertGreaterThan(r.firstComponents[0], 0, "Perron vector: first component positive")
                    if block != nil { XCTAssertGreaterThan(r.info.attempts, 1, tag) }
                    checked += 1
                }
            }
        }
        XCTAssertEqual(checked, 30)
        // Degenerate shapes: N = 1 (s = 1), P = 1 < N (s = 2, rank one), N = 2.
        for (alpha, n) in [(3.0, 1), (0.01, 50), (3.0, 2), (0.5, 3)] {
            let t = try DataSet.tridiagonal(alpha: alpha, n: n, key: DataKey(rootSeed: 8)).matrix
            let eig = try LAPACK.symmetricEigen(dense(t), n: t.dimension)
            let r = t.topPair()
            XCTAssertEqual(r.values[0], eig.values[0], accuracy: 1e-13 * eig.values[0], "α=\(alpha) N=\(n)")
            XCTAssertEqual(abs(r.firstComponents[0]), abs(eig.vectors[0]), accuracy: 1e-10, "α=\(alpha) N=\(n)")
            if t.dimension > 1 { XCTAssertEqual(r.values[1], eig.values[1], accuracy: 1e-13 * eig.values[0], "α=\(alpha) N=\(n)") }
            let d = try DataSet.buildBidiagonalTop(alpha: alpha, n: n, key: DataKey(rootSeed: 8))
            let o = try Trainer.train(d, beta: 0.5, lambda: 0.1, options: TrainingOptions(solver: .exact)).observables
            XCTAssertTrue(observableVector(o).allSatisfy(\.isFinite), "α=\(alpha) N=\(n)")
        }
        for r in [0, 1, 2, 7, 8, 9, 26, 27, 28, 999_999, 1_000_000, 1_000_001, 100_000_000, Int.max] {
            let c = Tridiagonal.ceilCubeRoot(r)
            XCTAssertTrue(Double(c) >= cbrt(Double(r)) - 1e-9 && Double(c - 1) < cbrt(Double(r)) + 1e-9, "⌈∛\(r)⌉ = \(c)")
        }
        XCTAssertEqual(Tridiagonal.ceilCubeRoot(1_000_000), 100); XCTAssertEqual(Tridiagonal.ceilCubeRoot(1_000_001), 101)
    }

    /// Truncation (MODEL.md §8): on the leading block vs on the whole T, at N = 2·10⁵ below, in and
    /// above the BBP window — ℓ₁, θ and every exact observable move by ≤ 1e-12 (measured: 0).
    func testTruncationMovesNoObservable() throws {
        let pairs: [(beta: Double, lambda: Double)] = [(0.5, 0.01), (1, 1), (2, 0.01), (0.2, 3)]
        var worst = 0.0, truncated = 0
        try timed("truncation vs untruncated, 12 data sets at N = 2e5") {
            for alpha in [0.25, 0.6, 0.9, 1.0, 1.1, 4, 16] {
                for rep in 0..<(alpha == 1 ? 3 : 1) + (alpha < 1 ? 1 : 0) {
                    let key = DataKey(rootSeed: 12, replicate: rep)
                    let n = 200_000
                    let a = try DataSet.buildBidiagonalTop(alpha: alpha, n: n, key: key)
                    let b = try DataSet.buildBidiagonalTop(alpha: alpha, n: n, key: key, initialBlock: n)
                    let ia = try XCTUnwrap(a.tridiagonal), ib = try XCTUnwrap(b.tridiagonal)
                    XCTAssertEqual(ib.leadingBlock, ib.dimension)
                    if ia.leadingBlock < ia.dimension { truncated += 1 }
                    worst = max(worst, abs(a.ell1 - b.ell1) / b.ell1, abs(a.theta - b.theta))
                    XCTAssertEqual(a.ell1, b.ell1, accuracy: 1e-13 * b.ell1, "α=\(alpha)")
                    XCTAssertEqual(a.theta, b.theta, accuracy: 1e-12, "α=\(alpha)")
                    XCTAssertLessThanOrEqual(ia.truncationResidual, 1e-15 * a.ell1, "α=\(alpha)")
                    for (x, y) in zip(try Trainer.train(a, pairs: pairs, options: TrainingOptions(solver: .exact)),
                                      try Trainer.train(b, pairs: pairs, options: TrainingOptions(solver: .exact))) {
                        let (diff, name) = maxDifference(x.observables, y.observables)
                        worst = max(worst, diff)
                        XCTAssertLessThanOrEqual(diff, 1e-12, "α=\(alpha) β=\(x.beta) λ=\(x.lambda): \(name)")
                    }
                    print("α=\(alpha) rep \(rep): block \(ia.leadingBlock) of \(ia.dimension), attempts \(ia.attempts), r_t \(ia.truncationResidual), bound \(ia.overlapErrorBound), Δℓ₁ \(a.ell1 - b.ell1), Δθ \(a.theta - b.theta)")
                }
            }
        }
        print("truncation: worst change \(worst) over all observables; \(truncated) data sets truncated")
        XCTAssertGreaterThan(truncated, 8, "the truncation path was not exercised")
    }

    /// A top eigenvector far from the first coordinates (an isolated large entry at 15 000, which the
    /// leading block cannot see while its own two vectors, localised at 0 and 5, pass the tail test):
    /// the whole-T Sturm count must reject the block, which grows until the true top pair is found.
    func testWholeMatrixCountCatchesAMissedEigenvalue() {
        let s = 20_000
        var a = [Double](repeating: 1, count: s), b = [Double](repeating: 0.1, count: s - 1)
        a[0] = 10; a[5] = 6
        a[15_000] = 20; b[14_999] = 1e-3; b[15_000] = 1e-3
        let t = Tridiagonal(diagonal: a, offDiagonal: b)
        let r = t.topPair()
        XCTAssertEqual(r.values[0], 20, accuracy: 1e-5)
        XCTAssertEqual(r.values[1], 10, accuracy: 2e-3)
        XCTAssertLessThan(abs(r.firstComponents[0]), 1e-100)
        XCTAssertGreaterThanOrEqual(r.info.fullPasses, 1)
        XCTAssertGreaterThan(r.info.attempts, 1)
        XCTAssertEqual(t.countAbove(r.values[0] * (1 + 1e-12)), 0)
        // Without the far entry the first block is accepted at once.
        a[15_000] = 1
        let r0 = Tridiagonal(diagonal: a, offDiagonal: b).topPair()
        XCTAssertEqual(r0.info.attempts, 1); XCTAssertLessThan(r0.info.leadingBlock, s)
        XCTAssertEqual(r0.values[0], 10, accuracy: 2e-3)
        XCTAssertEqual(r0.values[1], 6, accuracy: 5e-3)
    }

    /// A pair closer than the 1e-9 resolution is flagged (θ not fixed), ℓ₁ still exact.
    func testNearDegeneratePairIsFlagged() throws {
        let s = 1200   // above the first block (864): the truncated path
        var a = [Double](repeating: 1, count: s), b = [Double](repeating: 0.05, count: s - 1)
        a[0] = 4; b[0] = 1e-8; a[1] = 4 + 1e-13; b[1] = 1e-8   // two nearly decoupled entries of ≈ 4
        let t = Tridiagonal(diagonal: a, offDiagonal: b)
        let r = t.topPair()
        let eig = try LAPACK.symmetricEigen(dense(t), n: s)
        XCTAssertTrue(r.info.nearDegenerate)
        XCTAssertLessThan(r.info.leadingBlock, s)
        XCTAssertEqual(r.values[0], eig.values[0], accuracy: 1e-13 * eig.values[0])
        // the pair's subspace overlap with e₁ is still determined
        let pair = (r.firstComponents[0] * r.firstComponents[0] + r.firstComponents[1] * r.firstComponents[1]).squareRoot()
        let pairDense = (eig.vectors[0] * eig.vectors[0] + eig.vectors[s] * eig.vectors[s]).squareRoot()
        XCTAssertEqual(pair, pairDense, accuracy: 1e-6)
    }
}
