// Streaming kernels over the rows of a tall row-major matrix X (rows × n) against a few vectors
// (the exact path's Krylov products, issue 15). Pure Swift on SIMD2<Double> (the x86-64 and arm64
// baselines), no packing: level-3 BLAS packs X for every call when one dimension is as small as a
// Krylov block (measured: the packing copies were 37 % of an N = 4000 exact point), while these
// kernels read X exactly once per product and keep the work in registers.
//
// `gramTimes` fuses z_k += α Σ_r (x_r · v_k) x_r over row pairs, software-pipelined: the loop that
// adds rows (r, r+1) into Z also forms the dot products of rows (r+2, r+3), so the next rows stream
// in from memory while the current ones are used from cache. Vectors are taken two at a time.
//
// Determinism: the order of every sum is fixed by this code (two-lane partial sums, lane 0 + lane 1,
// then the odd tail), with separate multiplies and adds (Swift never contracts them to FMA), so
// the results are bit-identical on every machine and for every block size split into the same
// pairs; they differ from dgemm's only by round-off.

/// Row-streaming kernels for products with a tall row-major matrix (see the file header).
public enum RowKernels {
    typealias D2 = SIMD2<Double>

    @inline(__always)
    static func ld(_ p: UnsafePointer<Double>) -> D2 { UnsafeRawPointer(p).loadUnaligned(as: D2.self) }
    @inline(__always)
    static func st(_ p: UnsafeMutablePointer<Double>, _ v: D2) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: D2.self) }

    /// `z[k] ← (accumulate ? z[k] : 0) + alpha · Σ_r (x_r · v_k) x_r` for the `count` vectors
    /// v_k = `v[k n ..< (k+1) n]` and the `rows` rows x_r of `x` (row-major, row length n); z is
    /// count × n. One read of X.
    public static func gramTimes(_ x: UnsafeBufferPointer<Double>, rows: Int, n: Int,
                                 _ v: UnsafeBufferPointer<Double>, count b: Int, alpha: Double, accumulate: Bool,
                                 into z: UnsafeMutableBufferPointer<Double>) {
        precondition(rows >= 0 && n >= 0 && b >= 0, "gramTimes: negative shape rows = \(rows), n = \(n), count = \(b)")
        precondition(x.count >= rows * n && v.count >= b * n && z.count >= b * n,
                     "gramTimes: X is \(rows)×\(n) in \(x.count), V \(b)×\(n) in \(v.count), Z \(b)×\(n) in \(z.count) elements")
        guard b > 0, n > 0 else { return }
        let zp = z.baseAddress!
        if !accumulate { zp.update(repeating: 0, count: b * n) }
        guard rows > 0 else { return }
        let xp = x.baseAddress!, vp = v.baseAddress!
        // y holds the dot products of the current row pair, next those of the following pair.
        var y = [Double](repeating: 0, count: 2 * b), next = y
        y.withUnsafeMutableBufferPointer { yb in next.withUnsafeMutableBufferPointer { nb in
            var cur = yb.baseAddress!, nxt = nb.baseAddress!
            if rows >= 2 { dotsPair(xp, xp + n, n: n, v: vp, count: b, into: cur) }
            var r = 0
            while r + 2 <= rows {
                let xa = xp + r * n, xb = xa + n
                let hasNext = r + 4 <= rows
                var k = 0
                while k + 2 <= b {
                    let (ca0, ca1) = (alpha * cur[k], alpha * cur[k + 1])
                    let (cb0, cb1) = (alpha * cur[b + k], alpha * cur[b + k + 1])
                    let z0 = zp + k * n, z1 = z0 + n
                    if hasNext {
                        let d = addPairDotPair(xa, xb, ca0, ca1, cb0, cb1, z0, z1, xb + n, xb + 2 * n, vp + k * n, vp + (k + 1) * n, n: n)
                        nxt[k] = d.0; nxt[k + 1] = d.1; nxt[b + k] = d.2; nxt[b + k + 1] = d.3
                    } else {
                        addPair(xa, xb, ca0, cb0, z0, n: n); addPair(xa, xb, ca1, cb1, z1, n: n)
                    }
                    k += 2
                }
                if k < b {   // odd count: the last vector alone
                    addPair(xa, xb, alpha * cur[k], alpha * cur[b + k], zp + k * n, n: n)
                    if hasNext {
                        nxt[k] = dot(xb + n, vp + k * n, n: n); nxt[b + k] = dot(xb + 2 * n, vp + k * n, n: n)
                    }
                }
                swap(&cur, &nxt)
                r += 2
            }
            if r < rows {   // odd row count: the last row alone
                let xl = xp + r * n
                for k in 0..<b { addPair(xl, xl, alpha * dot(xl, vp + k * n, n: n), 0, zp + k * n, n: n) }
            }
        } }
    }

    /// `y[r b + k] = alpha · x_r · v_k` for every row r of x and vector k of v (y is rows × count). One read of X.
    public static func rowDots(_ x: UnsafeBufferPointer<Double>, rows: Int, n: Int,
                               _ v: UnsafeBufferPointer<Double>, count b: Int, alpha: Double,
                               into y: UnsafeMutableBufferPointer<Double>) {
        precondition(rows >= 0 && n >= 0 && b >= 0, "rowDots: negative shape rows = \(rows), n = \(n), count = \(b)")
        precondition(x.count >= rows * n && v.count >= b * n && y.count >= rows * b,
                     "rowDots: X is \(rows)×\(n) in \(x.count), V \(b)×\(n) in \(v.count), Y \(rows)×\(b) in \(y.count) elements")
        guard b > 0, rows > 0 else { return }
        let xp = x.baseAddress!, yp = y.baseAddress!
        guard n > 0 else { yp.update(repeating: 0, count: rows * b); return }
        let vp = v.baseAddress!
        var pair = [Double](repeating: 0, count: 2 * b)
        pair.withUnsafeMutableBufferPointer { pb in
            let t = pb.baseAddress!
            var r = 0
            while r + 2 <= rows {
                dotsPair(xp + r * n, xp + (r + 1) * n, n: n, v: vp, count: b, into: t)
                for k in 0..<b { yp[r * b + k] = alpha * t[k]; yp[(r + 1) * b + k] = alpha * t[b + k] }
                r += 2
            }
            if r < rows { for k in 0..<b { yp[r * b + k] = alpha * dot(xp + r * n, vp + k * n, n: n) } }
        }
    }

    /// `z[k] ← (accumulate ? z[k] : 0) + alpha · Σ_r y[r b + k] x_r` (z is count × n, y rows × count). One read of X.
    public static func rowCombine(_ x: UnsafeBufferPointer<Double>, rows: Int, n: Int,
                                  _ y: UnsafeBufferPointer<Double>, count b: Int, alpha: Double, accumulate: Bool,
                                  into z: UnsafeMutableBufferPointer<Double>) {
        precondition(rows >= 0 && n >= 0 && b >= 0, "rowCombine: negative shape rows = \(rows), n = \(n), count = \(b)")
        precondition(x.count >= rows * n && y.count >= rows * b && z.count >= b * n,
                     "rowCombine: X is \(rows)×\(n) in \(x.count), Y \(rows)×\(b) in \(y.count), Z \(b)×\(n) in \(z.count) elements")
        guard b > 0, n > 0 else { return }
        let zp = z.baseAddress!
        if !accumulate { zp.update(repeating: 0, count: b * n) }
        guard rows > 0 else { return }
        let xp = x.baseAddress!, yp = y.baseAddress!
        var r = 0
        while r + 2 <= rows {
            let xa = xp + r * n, xb = xa + n
            for k in 0..<b { addPair(xa, xb, alpha * yp[r * b + k], alpha * yp[(r + 1) * b + k], zp + k * n, n: n) }
            r += 2
        }
        if r < rows { let xl = xp + r * n; for k in 0..<b { addPair(xl, xl, alpha * yp[r * b + k], 0, zp + k * n, n: n) } }
    }

    // MARK: inner loops

    /// x · v in the fixed order: two-lane partial sums, lane 0 + lane 1, then the odd tail.
    @inline(__always)
    static func dot(_ x: UnsafePointer<Double>, _ v: UnsafePointer<Double>, n: Int) -> Double {
        var a = D2(), i = 0
        let n2 = n & ~1
        while i < n2 { a += ld(x + i) * ld(v + i); i += 2 }
        var s = a[0] + a[1]
        if n2 < n { s += x[n2] * v[n2] }
        return s
    }

    /// Dot products of rows xa, xb with every vector: t[k] = xa·v_k, t[b + k] = xb·v_k (same order as `dot`).
    @inline(__always)
    static func dotsPair(_ xa: UnsafePointer<Double>, _ xb: UnsafePointer<Double>, n: Int, v: UnsafePointer<Double>, count b: Int,
                         into t: UnsafeMutablePointer<Double>) {
        for k in 0..<b { t[k] = dot(xa, v + k * n, n: n); t[b + k] = dot(xb, v + k * n, n: n) }
    }

    /// z += ca·xa + cb·xb, each element as z + (xa·ca + xb·cb).
    @inline(__always)
    static func addPair(_ xa: UnsafePointer<Double>, _ xb: UnsafePointer<Double>, _ ca: Double, _ cb: Double,
                        _ z: UnsafeMutablePointer<Double>, n: Int) {
        let a = D2(repeating: ca), b = D2(repeating: cb)
        let n2 = n & ~1
        var i = 0
        while i < n2 { st(z + i, ld(z + i) + (ld(xa + i) * a + ld(xb + i) * b)); i += 2 }
        if n2 < n { z[n2] = z[n2] + (xa[n2] * ca + xb[n2] * cb) }
    }

    /// The pipelined step: z0 += ca0·xa + cb0·xb and z1 += ca1·xa + cb1·xb (as `addPair`), while
    /// forming (xc·v0, xc·v1, xd·v0, xd·v1) (as `dot`).
    @inline(__always)
    static func addPairDotPair(_ xa: UnsafePointer<Double>, _ xb: UnsafePointer<Double>,
                               _ ca0: Double, _ ca1: Double, _ cb0: Double, _ cb1: Double,
                               _ z0: UnsafeMutablePointer<Double>, _ z1: UnsafeMutablePointer<Double>,
                               _ xc: UnsafePointer<Double>, _ xd: UnsafePointer<Double>,
                               _ v0: UnsafePointer<Double>, _ v1: UnsafePointer<Double>, n: Int) -> (Double, Double, Double, Double) {
        let a0 = D2(repeating: ca0), a1 = D2(repeating: ca1), b0 = D2(repeating: cb0), b1 = D2(repeating: cb1)
        var s0 = D2(), s1 = D2(), t0 = D2(), t1 = D2()
        let n2 = n & ~1
        var i = 0
        while i < n2 {
            let p = ld(xa + i), q = ld(xb + i)
            st(z0 + i, ld(z0 + i) + (p * a0 + q * b0))
            st(z1 + i, ld(z1 + i) + (p * a1 + q * b1))
            let c = ld(xc + i), d = ld(xd + i), w0 = ld(v0 + i), w1 = ld(v1 + i)
            s0 += c * w0; s1 += c * w1; t0 += d * w0; t1 += d * w1
            i += 2
        }
        var r = (s0[0] + s0[1], s1[0] + s1[1], t0[0] + t0[1], t1[0] + t1[1])
        if n2 < n {
            z0[n2] = z0[n2] + (xa[n2] * ca0 + xb[n2] * cb0)
            z1[n2] = z1[n2] + (xa[n2] * ca1 + xb[n2] * cb1)
            r.0 += xc[n2] * v0[n2]; r.1 += xc[n2] * v1[n2]; r.2 += xd[n2] * v0[n2]; r.3 += xd[n2] * v1[n2]
        }
        return r
    }
}
