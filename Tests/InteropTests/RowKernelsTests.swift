import LinearAlgebra
import TestSupport
import XCTest

/// The exact path's streaming kernels against naive loops (a second method), on every shape the
/// pipelining has a branch for: even and odd row counts (the last row alone), even and odd n
/// (the scalar tail), one to five vectors (pairs plus the odd one), and accumulation.
final class RowKernelsTests: XCTestCase {
    func random(_ count: Int, seed: UInt64) -> [Double] {
        var rng = TestRNG(state: seed)
        return (0..<count).map { _ in 2 * rng.uniform() - 1 }
    }

    /// z_k = Σ_r (x_r·v_k) x_r with plain scalar loops.
    func naiveGram(_ x: [Double], rows: Int, n: Int, _ v: [Double], b: Int) -> [Double] {
        var z = [Double](repeating: 0, count: b * n)
        for k in 0..<b {
            for r in 0..<rows {
                var d = 0.0
                for i in 0..<n { d += x[r * n + i] * v[k * n + i] }
                for i in 0..<n { z[k * n + i] += d * x[r * n + i] }
            }
        }
        return z
    }

    func testGramTimesMatchesNaiveLoopsOnEveryShape() {
        var seed: UInt64 = 10
        for rows in [1, 2, 3, 4, 5, 8, 33] {
            for n in [1, 2, 7, 16, 31] {
                for b in 1...5 {
                    seed += 1
                    let x = random(rows * n, seed: seed), v = random(b * n, seed: seed + 1000)
                    let ref = naiveGram(x, rows: rows, n: n, v, b: b)
                    let start = random(b * n, seed: seed + 2000)
                    var z = start
                    x.withUnsafeBufferPointer { xp in v.withUnsafeBufferPointer { vp in z.withUnsafeMutableBufferPointer { zp in
                        RowKernels.gramTimes(xp, rows: rows, n: n, vp, count: b, alpha: 0.25, accumulate: false, into: zp)
                    } } }
                    var za = start
                    x.withUnsafeBufferPointer { xp in v.withUnsafeBufferPointer { vp in za.withUnsafeMutableBufferPointer { zp in
                        RowKernels.gramTimes(xp, rows: rows, n: n, vp, count: b, alpha: 0.25, accumulate: true, into: zp)
                    } } }
                    let scale = Double(rows * n)
                    for i in 0..<(b * n) {
                        XCTAssertEqual(z[i], 0.25 * ref[i], accuracy: 1e-14 * scale, "rows \(rows) n \(n) b \(b) element \(i)")
                        XCTAssertEqual(za[i], start[i] + 0.25 * ref[i], accuracy: 1e-14 * scale, "accumulate: rows \(rows) n \(n) b \(b)")
                    }
                }
            }
        }
    }

    func testRowDotsAndRowCombineMatchNaiveLoops() {
        for (rows, n, b) in [(1, 1, 1), (5, 7, 3), (8, 16, 2), (33, 31, 5)] {
            let x = random(rows * n, seed: UInt64(rows * 100 + n)), v = random(b * n, seed: 77), w = random(rows * b, seed: 78)
            var y = [Double](repeating: .nan, count: rows * b)
            var z = [Double](repeating: .nan, count: b * n)
            x.withUnsafeBufferPointer { xp in
                v.withUnsafeBufferPointer { vp in y.withUnsafeMutableBufferPointer { RowKernels.rowDots(xp, rows: rows, n: n, vp, count: b, alpha: 3, into: $0) } }
                w.withUnsafeBufferPointer { wp in z.withUnsafeMutableBufferPointer { RowKernels.rowCombine(xp, rows: rows, n: n, wp, count: b, alpha: 0.5, accumulate: false, into: $0) } }
            }
            for r in 0..<rows {
                for k in 0..<b {
                    var d = 0.0
                    for i in 0..<n { d += x[r * n + i] * v[k * n + i] }
                    XCTAssertEqual(y[r * b + k], 3 * d, accuracy: 1e-13 * Double(n), "rowDots rows \(rows) n \(n) b \(b)")
                }
            }
            for k in 0..<b {
                for i in 0..<n {
                    var s = 0.0
                    for r in 0..<rows { s += w[r * b + k] * x[r * n + i] }
                    XCTAssertEqual(z[k * n + i], 0.5 * s, accuracy: 1e-13 * Double(rows), "rowCombine rows \(rows) n \(n) b \(b)")
                }
            }
        }
    }

    /// The same row's dot product is bitwise the same whether it is formed by the first pair, by
    /// the pipelined loop or by `rowDots`, and the kernel gives the same bits on a second call.
    func testDotsAreConsistentAndDeterministic() {
        let rows = 9, n = 13, b = 3
        let x = random(rows * n, seed: 5), v = random(b * n, seed: 6)
        var y = [Double](repeating: 0, count: rows * b)
        x.withUnsafeBufferPointer { xp in v.withUnsafeBufferPointer { vp in y.withUnsafeMutableBufferPointer {
            RowKernels.rowDots(xp, rows: rows, n: n, vp, count: b, alpha: 1, into: $0) } } }
        // X with only row r non-zero: gramTimes gives z_k = (x_r·v_k) x_r with the dot formed by the
        // first pair (r = 0), the pipelined loop (r = 3) or the odd last row (r = 8).
        for r in [0, 3, 8] {
            var xr = [Double](repeating: 0, count: rows * n)
            for i in 0..<n { xr[r * n + i] = x[r * n + i] }
            var z = [Double](repeating: 0, count: b * n)
            xr.withUnsafeBufferPointer { xp in v.withUnsafeBufferPointer { vp in z.withUnsafeMutableBufferPointer {
                RowKernels.gramTimes(xp, rows: rows, n: n, vp, count: b, alpha: 1, accumulate: false, into: $0) } } }
            for k in 0..<b { XCTAssertEqual(z[k * n], y[r * b + k] * x[r * n], "row \(r) vector \(k)") }
        }
        var z1 = [Double](repeating: 0, count: b * n), z2 = z1
        x.withUnsafeBufferPointer { xp in v.withUnsafeBufferPointer { vp in
            z1.withUnsafeMutableBufferPointer { RowKernels.gramTimes(xp, rows: rows, n: n, vp, count: b, alpha: 1, accumulate: false, into: $0) }
            z2.withUnsafeMutableBufferPointer { RowKernels.gramTimes(xp, rows: rows, n: n, vp, count: b, alpha: 1, accumulate: false, into: $0) }
        } }
        XCTAssertEqual(z1, z2)
    }
}
