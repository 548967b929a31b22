import LinearAlgebra
import TestSupport
import XCTest

/// BLAS/LAPACK against naive Swift loops on random matrices.
final class LinearAlgebraTests: XCTestCase {
    func randomMatrix(_ rows: Int, _ cols: Int, seed: UInt64) -> [Double] {
        var rng = TestRNG(state: seed)
        return (0..<(rows * cols)).map { _ in rng.uniform() }
    }

    func testGramMatchesNaiveLoops() {
        let p = 37, n = 11
        let x = randomMatrix(p, n, seed: 1)
        let c = BLAS.gram(x, rows: p, n: n, alpha: 0.5)
        for i in 0..<n {
            for j in 0..<n {
                var s = 0.0
                for mu in 0..<p { s += x[mu * n + i] * x[mu * n + j] }
                XCTAssertEqual(c[i * n + j], 0.5 * s, accuracy: 1e-12)
            }
        }
    }

    func testBlockedSyrkEqualsOneShot() {
        let p = 50, n = 9
        let x = randomMatrix(p, n, seed: 2)
        var c = [Double](repeating: 0, count: n * n)
        x.withUnsafeBufferPointer { xp in
            c.withUnsafeMutableBufferPointer { cp in
                for start in stride(from: 0, to: p, by: 16) {
                    let rows = min(16, p - start)
                    let block = UnsafeBufferPointer(rebasing: xp[(start * n)..<((start + rows) * n)])
                    BLAS.syrkGram(block, rows: rows, n: n, alpha: 1, beta: start == 0 ? 0 : 1, into: cp)
                }
            }
        }
        BLAS.symmetrizeUpper(&c, n: n)
        let full = BLAS.gram(x, rows: p, n: n)
        for k in 0..<(n * n) { XCTAssertEqual(c[k], full[k], accuracy: 1e-12) }
    }

    func testGemvAndDot() {
        let r = 13, c = 7
        let a = randomMatrix(r, c, seed: 3), x = randomMatrix(c, 1, seed: 4), xt = randomMatrix(r, 1, seed: 5)
        let y = BLAS.matvec(a, rows: r, cols: c, x)
        var yt = [Double](repeating: 1, count: c)
        BLAS.gemv(a, rows: r, cols: c, xt, alpha: 2, beta: -1, y: &yt, transpose: true)
        for i in 0..<r {
            var s = 0.0
            for j in 0..<c { s += a[i * c + j] * x[j] }
            XCTAssertEqual(y[i], s, accuracy: 1e-13)
        }
        for j in 0..<c {
            var s = 0.0
            for i in 0..<r { s += a[i * c + j] * xt[i] }
            XCTAssertEqual(yt[j], 2 * s - 1, accuracy: 1e-13)
        }
        XCTAssertEqual(BLAS.dot(x, x), x.reduce(0) { $0 + $1 * $1 }, accuracy: 1e-13)
    }

    func testGemmMatchesNaiveLoops() {
        let m = 7, k = 5, n = 3
        let a = randomMatrix(m, k, seed: 11), b = randomMatrix(k, n, seed: 12)
        var c = [Double](repeating: 0.5, count: m * n)
        BLAS.gemm(a, b, m: m, k: k, n: n, alpha: 2, beta: 1, c: &c)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for l in 0..<k { s += a[i * k + l] * b[l * n + j] }
                XCTAssertEqual(c[i * n + j], 2 * s + 0.5, accuracy: 1e-13)
            }
        }
    }

    func symmetricRandom(_ n: Int, seed: UInt64) -> [Double] {
        let b = randomMatrix(n, n, seed: seed)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { a[i * n + j] = b[i * n + j] + b[j * n + i] } }
        return a
    }

    func residual(_ a: [Double], _ n: Int, _ v: [Double], _ l: Double) -> Double {
        var r = 0.0
        for i in 0..<n {
            var s = 0.0
            for j in 0..<n { s += a[i * n + j] * v[j] }
            r += (s - l * v[i]) * (s - l * v[i])
        }
        return r.squareRoot()
    }

    func testFullEigenDecomposition() throws {
        let n = 40
        let a = symmetricRandom(n, seed: 6)
        let norm = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let e = try LAPACK.symmetricEigen(a, n: n)
        XCTAssertEqual(e.values.count, n)
        for j in 1..<n { XCTAssertGreaterThanOrEqual(e.values[j - 1], e.values[j]) }
        // trace = sum of eigenvalues, Frobenius² = sum of squares (independent invariants)
        XCTAssertEqual(e.values.reduce(0, +), (0..<n).reduce(0) { $0 + a[$1 * n + $1] }, accuracy: 1e-10 * norm)
        XCTAssertEqual(e.values.reduce(0) { $0 + $1 * $1 }, norm * norm, accuracy: 1e-10 * norm * norm)
        for j in 0..<n {
            let v = e.vector(j)
            XCTAssertEqual(v.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-12)
            XCTAssertLessThan(residual(a, n, v, e.values[j]), 1e-10 * norm)
        }
    }

    func testTopEigenpairsMatchPowerIteration() throws {
        let n = 30
        // A spiked matrix with a clear top eigenvalue: I + 5 u uᵀ + small noise.
        var a = symmetricRandom(n, seed: 7).map { 0.01 * $0 }
        var rng = TestRNG(state: 8)
        let u = (0..<n).map { _ in rng.uniform() }
        let un = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in 0..<n { for j in 0..<n { a[i * n + j] += 5 * u[i] * u[j] / (un * un) + (i == j ? 1 : 0) } }
        let norm = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let top = try LAPACK.symmetricTopEigen(a, n: n, k: 3)
        let full = try LAPACK.symmetricEigen(a, n: n)
        for j in 0..<3 {
            XCTAssertEqual(top.values[j], full.values[j], accuracy: 1e-12 * norm)
            XCTAssertLessThan(residual(a, n, top.vector(j), top.values[j]), 1e-10 * norm)
        }
        // Independent reference: power iteration for the top eigenvector (up to sign).
        var v = [Double](repeating: 1, count: n)
        for _ in 0..<2000 {
            var w = [Double](repeating: 0, count: n)
            for i in 0..<n { for j in 0..<n { w[i] += a[i * n + j] * v[j] } }
            let wn = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
            v = w.map { $0 / wn }
        }
        let t = top.vector(0)
        let sign: Double = zip(t, v).reduce(0) { $0 + $1.0 * $1.1 } >= 0 ? 1 : -1
        for i in 0..<n { XCTAssertEqual(sign * t[i], v[i], accuracy: 1e-9) }
    }
}

/// Issue 11 item 5 (LAPACK part): dsyevd's workspace 1 + 6n + 2n² overflows LAPACK's 32-bit
/// integers for n ≥ 32767 (today's `Int32(wq[0])` trapped, and LAPACK itself computes the size in
/// 32 bits). It must be refused with a thrown error naming the size, before any n² allocation.
final class LinearAlgebraLimitsTests: XCTestCase {
    func testHugeEigenProblemRefusedWithClearError() {
        XCTAssertThrowsError(try LAPACK.symmetricEigen([], n: 40_000)) { e in
            let text = "\(e)"
            XCTAssertTrue(text.contains("dsyevd") && text.contains("n = 40000") && text.contains("32-bit"), text)
        }
        XCTAssertThrowsError(try LAPACK.symmetricEigen([], n: LAPACK.maxFullEigenN + 1))
        // The largest accepted n needs a workspace just below 2³¹: check the arithmetic, not the run.
        let n = LAPACK.maxFullEigenN
        XCTAssertLessThanOrEqual(1 + 6 * n + 2 * n * n, Int(Int32.max))
        XCTAssertGreaterThan(1 + 6 * (n + 1) + 2 * (n + 1) * (n + 1), Int(Int32.max))
    }

    func testGemmWithTransposesAndLeadingDimensions() {
        // C (2×3, ld 4) = Aᵀ (A stored 4×2, ld 3) · Bᵀ (B stored 3×4, ld 5), against loops.
        var rng = TestRNG(state: 21)
        let a = (0..<12).map { _ in rng.uniform() }, b = (0..<15).map { _ in rng.uniform() }
        var c = [Double](repeating: 7, count: 8)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            BLAS.gemm(transA: true, transB: true, m: 2, n: 3, k: 4, alpha: 1, a: ap, lda: 3, b: bp, ldb: 5, beta: 0, c: cp, ldc: 4)
        } } }
        for i in 0..<2 { for j in 0..<3 {
            var s = 0.0
            for l in 0..<4 { s += a[l * 3 + i] * b[j * 5 + l] }
            XCTAssertEqual(c[i * 4 + j], s, accuracy: 1e-13)
        } }
        XCTAssertEqual(c[3], 7); XCTAssertEqual(c[7], 7)   // padding untouched
    }

    func testOuterGramAndInPlaceEigen() throws {
        var rng = TestRNG(state: 22)
        let x = (0..<(5 * 9)).map { _ in rng.uniform() }
        var g = [Double](repeating: 0, count: 25)
        x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { BLAS.syrkOuter(xp, rows: 5, n: 9, alpha: 0.5, beta: 0, into: $0) } }
        BLAS.symmetrizeUpper(&g, n: 5)
        for i in 0..<5 { for j in 0..<5 {
            var s = 0.0
            for t in 0..<9 { s += x[i * 9 + t] * x[j * 9 + t] }
            XCTAssertEqual(g[i * 5 + j], 0.5 * s, accuracy: 1e-13)
        } }
        let copy = try LAPACK.symmetricEigen(g, n: 5)
        var inPlace = g
        let values = try LAPACK.symmetricEigenInPlace(&inPlace, n: 5)
        XCTAssertEqual(values, copy.values)
        XCTAssertEqual(inPlace, copy.vectors)
    }
}
