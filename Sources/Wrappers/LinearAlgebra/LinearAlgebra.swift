// LinearAlgebra: the few BLAS/LAPACK calls vaesweep needs, with Swift arrays and Swift errors.
//
// Conventions: matrices are dense `[Double]`, row-major. A symmetric n×n matrix is stored full
// (both triangles), so row-major and column-major coincide and LAPACK can take it as is.
import COpenBLAS

/// A LAPACK routine reported failure (`info != 0`) or the arguments were inconsistent.
public struct LinearAlgebraError: Error, CustomStringConvertible {
    public let routine: String
    public let info: Int
    public let detail: String
    public var description: String { "\(routine) failed (info = \(info)): \(detail)" }
}

/// Eigenpairs of a symmetric matrix, eigenvalues in DESCENDING order.
/// `vectors` holds eigenvector j contiguously at `vectors[j*n ..< (j+1)*n]` (unit length).
public struct SymmetricEigen {
    public let n: Int
    public let values: [Double]
    public let vectors: [Double]

    /// Eigenvector `j` (0 = largest eigenvalue) as a new array.
    public func vector(_ j: Int) -> [Double] { Array(vectors[(j * n)..<((j + 1) * n)]) }
}

public enum BLAS {
    /// Number of threads OpenBLAS uses (set `OPENBLAS_NUM_THREADS=1` per MPI rank).
    public static var threads: Int { Int(openblas_get_num_threads()) }
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    /// OpenBLAS build configuration string (for provenance), e.g. "OpenBLAS 0.3.21 ...".
    public static var configuration: String { String(cString: openblas_get_config()) }
    /// The CPU kernel family OpenBLAS selected at run time.
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// Gram update of a row-major sample block: `C ← alpha · Xᵀ X + beta · C` with X of shape
    /// rows × n (row-major) and C n × n. Only the upper triangle is computed by `dsyrk`;
    /// call ``symmetrizeUpper(_:n:)`` once after the last block.
    public static func syrkGram(_ x: UnsafeBufferPointer<Double>, rows: Int, n: Int,
                                alpha: Double, beta: Double, into c: UnsafeMutableBufferPointer<Double>) {
        precondition(x.count >= rows * n && c.count >= n * n, "syrkGram: buffer too small")
        guard rows > 0 else {
            if beta != 1 { for i in 0..<(n * n) { c[i] *= beta } }
            return
        }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(rows), alpha,
                    x.baseAddress, Int32(n), beta, c.baseAddress, Int32(n))
    }

    /// Convenience: the full symmetric Gram matrix `alpha · XᵀX` of a row-major rows × n matrix.
    public static func gram(_ x: [Double], rows: Int, n: Int, alpha: Double = 1) -> [Double] {
        var c = [Double](repeating: 0, count: n * n)
        x.withUnsafeBufferPointer { xp in
            c.withUnsafeMutableBufferPointer { cp in
                syrkGram(xp, rows: rows, n: n, alpha: alpha, beta: 0, into: cp)
            }
        }
        symmetrizeUpper(&c, n: n)
        return c
    }

    /// Copy the upper triangle of a row-major n × n matrix into its lower triangle.
    public static func symmetrizeUpper(_ c: inout [Double], n: Int) {
        c.withUnsafeMutableBufferPointer { p in
            for i in 0..<n { for j in 0..<i { p[i * n + j] = p[j * n + i] } }
        }
    }

    /// `y ← alpha · A x + beta · y` with A row-major rows × cols (`transpose`: Aᵀ x).
    public static func gemv(_ a: [Double], rows: Int, cols: Int, _ x: [Double], alpha: Double = 1,
                            beta: Double = 0, y: inout [Double], transpose: Bool = false) {
        let (nx, ny) = transpose ? (rows, cols) : (cols, rows)
        precondition(a.count >= rows * cols && x.count >= nx, "gemv: buffer too small")
        if y.count < ny { y += [Double](repeating: 0, count: ny - y.count) }
        cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(rows), Int32(cols),
                    alpha, a, Int32(cols), x, 1, beta, &y, 1)
    }

    /// `C ← alpha · A B + beta · C` for row-major A (m × k), B (k × n), C (m × n) (dgemm).
    public static func gemm(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int, alpha: Double = 1,
                            beta: Double = 0, c: inout [Double]) {
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n, "gemm: buffer too small")
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(max(1, k)), b, Int32(max(1, n)), beta, &c, Int32(max(1, n)))
    }

    /// `A x` for row-major A.
    public static func matvec(_ a: [Double], rows: Int, cols: Int, _ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: rows)
        gemv(a, rows: rows, cols: cols, x, y: &y)
        return y
    }

    /// Dot product.
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "dot: length mismatch")
        return cblas_ddot(Int32(x.count), x, 1, y, 1)
    }
}

public enum LAPACK {
    /// All eigenpairs of the symmetric n × n matrix `a` (LAPACK `dsyevd`, divide and conquer).
    public static func symmetricEigen(_ a: [Double], n: Int) throws -> SymmetricEigen {
        precondition(a.count == n * n, "symmetricEigen: matrix must be n×n")
        var z = a
        var w = [Double](repeating: 0, count: n)
        var nn = Int32(n), lda = Int32(max(1, n)), info: Int32 = 0
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "U"))
        var lwork: Int32 = -1, liwork: Int32 = -1
        var wq = [Double](repeating: 0, count: 1), iq = [Int32](repeating: 0, count: 1)
        dsyevd_(&jobz, &uplo, &nn, &z, &lda, &w, &wq, &lwork, &iq, &liwork, &info, 1, 1)
        guard info == 0 else { throw LinearAlgebraError(routine: "dsyevd", info: Int(info), detail: "workspace query") }
        lwork = Int32(wq[0]); liwork = iq[0]
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &nn, &z, &lda, &w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        guard info == 0 else {
            throw LinearAlgebraError(routine: "dsyevd", info: Int(info), detail: "n = \(n)")
        }
        // LAPACK returns ascending order; reverse to descending, vectors stored contiguously.
        var values = [Double](repeating: 0, count: n)
        var vectors = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            let src = n - 1 - j
            values[j] = w[src]
            for i in 0..<n { vectors[j * n + i] = z[src * n + i] }
        }
        return SymmetricEigen(n: n, values: values, vectors: vectors)
    }

    /// The `k` largest eigenpairs of the symmetric n × n matrix `a` (LAPACK `dsyevr`, RANGE = 'I').
    public static func symmetricTopEigen(_ a: [Double], n: Int, k: Int) throws -> SymmetricEigen {
        precondition(a.count == n * n, "symmetricTopEigen: matrix must be n×n")
        precondition(k >= 1 && k <= n, "symmetricTopEigen: need 1 ≤ k ≤ n")
        var acopy = a
        var nn = Int32(n), lda = Int32(n), il = Int32(n - k + 1), iu = Int32(n)
        var vl = 0.0, vu = 0.0, abstol = 0.0
        var m: Int32 = 0, info: Int32 = 0
        var w = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: n * k)
        var ldz = Int32(n)
        var isuppz = [Int32](repeating: 0, count: 2 * k)
        var jobz = CChar(UInt8(ascii: "V")), range = CChar(UInt8(ascii: "I")), uplo = CChar(UInt8(ascii: "U"))
        var lwork: Int32 = -1, liwork: Int32 = -1
        var wq = [Double](repeating: 0, count: 1), iq = [Int32](repeating: 0, count: 1)
        dsyevr_(&jobz, &range, &uplo, &nn, &acopy, &lda, &vl, &vu, &il, &iu, &abstol, &m, &w, &z, &ldz,
                &isuppz, &wq, &lwork, &iq, &liwork, &info, 1, 1, 1)
        guard info == 0 else { throw LinearAlgebraError(routine: "dsyevr", info: Int(info), detail: "workspace query") }
        lwork = Int32(wq[0]); liwork = iq[0]
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevr_(&jobz, &range, &uplo, &nn, &acopy, &lda, &vl, &vu, &il, &iu, &abstol, &m, &w, &z, &ldz,
                &isuppz, &work, &lwork, &iwork, &liwork, &info, 1, 1, 1)
        guard info == 0, Int(m) == k else {
            throw LinearAlgebraError(routine: "dsyevr", info: Int(info), detail: "n = \(n), k = \(k), found \(m)")
        }
        var values = [Double](repeating: 0, count: k)
        var vectors = [Double](repeating: 0, count: n * k)
        for j in 0..<k {
            let src = k - 1 - j
            values[j] = w[src]
            for i in 0..<n { vectors[j * n + i] = z[src * n + i] }
        }
        return SymmetricEigen(n: n, values: values, vectors: vectors)
    }
}
