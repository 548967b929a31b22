// LinearAlgebra: the few BLAS/LAPACK calls vaesweep needs, with Swift arrays and Swift errors.
//
// Conventions: matrices are dense `[Double]`, row-major. A symmetric n×n matrix is stored full
// (both triangles), so row-major and column-major coincide and LAPACK can take it as is.
//
// C stays inside: COpenBLAS is imported `internal` (SE-0409), so no C type can appear in this
// module's public API. BLAS/LAPACK take 32-bit integers (this OpenBLAS is LP64 with 32-bit
// `int`): every size is converted with `int32(_:_:)`, which traps with the name of the argument,
// and LAPACK workspace sizes are computed in 64 bits and refused with a thrown error when they
// exceed 2³¹ − 1 (dsyevd needs 1 + 6n + 2n² doubles: n ≤ 32766).
internal import COpenBLAS

/// A LAPACK routine reported failure (`info != 0`) or the arguments were inconsistent.
public struct LinearAlgebraError: Error, CustomStringConvertible {
    /// The LAPACK routine that failed, e.g. "dsyevd".
    public let routine: String
    /// LAPACK's `info` (0 when the problem was caught before the call, e.g. an oversized workspace).
    public let info: Int
    /// What was being computed (sizes, workspace query or not).
    public let detail: String
    /// An error of `routine` with LAPACK's `info` and a human-readable `detail`.
    public init(routine: String, info: Int, detail: String) {
        self.routine = routine; self.info = info; self.detail = detail
    }
    /// "ROUTINE failed (info = INFO): DETAIL".
    public var description: String { "\(routine) failed (info = \(info)): \(detail)" }
}

/// Eigenpairs of a symmetric matrix, eigenvalues in DESCENDING order.
/// `vectors` holds eigenvector j contiguously at `vectors[j*n ..< (j+1)*n]` (unit length).
public struct SymmetricEigen: Sendable {
    /// The dimension of the matrix (length of each eigenvector).
    public let n: Int
    /// The eigenvalues, largest first (all n of them, or the k largest from `symmetricTopEigen`).
    public let values: [Double]
    /// The eigenvectors, one per eigenvalue, each contiguous (n × `values.count` elements).
    public let vectors: [Double]

    /// Eigenvector `j` (0 = largest eigenvalue) as a new array.
    public func vector(_ j: Int) -> [Double] { Array(vectors[(j * n)..<((j + 1) * n)]) }
}

/// A size as a BLAS/LAPACK 32-bit integer; traps naming the argument when it does not fit.
@inline(__always)
func int32(_ x: Int, _ what: @autoclosure () -> String) -> Int32 {
    guard let v = Int32(exactly: x) else {
        preconditionFailure("LinearAlgebra: \(what()) = \(x) exceeds the 32-bit BLAS/LAPACK integer range")
    }
    return v
}

/// A LAPACK workspace length computed in 64 bits, refused (thrown) above Int32.max.
func workspace(_ count: Int, routine: String, n: Int) throws -> Int32 {
    guard count >= 0, let v = Int32(exactly: count) else {
        throw LinearAlgebraError(routine: routine, info: 0,
                                 detail: "n = \(n) needs a workspace of \(count) elements, more than the 32-bit LAPACK limit 2147483647")
    }
    return v
}

/// The BLAS calls vaesweep uses (OpenBLAS, row-major) and OpenBLAS's thread and build settings.
public enum BLAS {
    /// Number of threads OpenBLAS uses (set `OPENBLAS_NUM_THREADS=1` per MPI rank).
    public static var threads: Int { Int(openblas_get_num_threads()) }
    /// Set the number of OpenBLAS threads for this process (traps when `n` exceeds Int32).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(int32(n, "threads")) }
    /// OpenBLAS build configuration string (for provenance), e.g. "OpenBLAS 0.3.21 ...".
    public static var configuration: String { String(cString: openblas_get_config()) }
    /// The CPU kernel family OpenBLAS selected at run time.
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// Gram update of a row-major sample block: `C ← alpha · Xᵀ X + beta · C` with X of shape
    /// rows × n (row-major) and C n × n. Only the upper triangle is computed by `dsyrk`;
    /// call ``symmetrizeUpper(_:n:)`` once after the last block.
    public static func syrkGram(_ x: UnsafeBufferPointer<Double>, rows: Int, n: Int,
                                alpha: Double, beta: Double, into c: UnsafeMutableBufferPointer<Double>) {
        precondition(rows >= 0 && n >= 0 && x.count >= rows * n && c.count >= n * n,
                     "syrkGram: X is \(rows)×\(n) in \(x.count) elements, C is \(n)×\(n) in \(c.count)")
        guard rows > 0 else {
            if beta != 1 { for i in 0..<(n * n) { c[i] *= beta } }
            return
        }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, int32(n, "syrkGram n"), int32(rows, "syrkGram rows"), alpha,
                    x.baseAddress, int32(max(1, n), "syrkGram ld"), beta, c.baseAddress, int32(max(1, n), "syrkGram ldc"))
    }

    /// Outer Gram matrix of a row-major rows × n block: `G ← alpha · X Xᵀ + beta · G` (rows × rows,
    /// upper triangle only; symmetrise afterwards). The P × P side of a wide sample matrix.
    public static func syrkOuter(_ x: UnsafeBufferPointer<Double>, rows: Int, n: Int,
                                 alpha: Double, beta: Double, into g: UnsafeMutableBufferPointer<Double>) {
        precondition(rows >= 0 && n >= 0 && x.count >= rows * n && g.count >= rows * rows,
                     "syrkOuter: X is \(rows)×\(n) in \(x.count) elements, G is \(rows)×\(rows) in \(g.count)")
        guard rows > 0 else { return }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, int32(rows, "syrkOuter rows"), int32(n, "syrkOuter n"), alpha,
                    x.baseAddress, int32(max(1, n), "syrkOuter ld"), beta, g.baseAddress, int32(max(1, rows), "syrkOuter ldg"))
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
        precondition(c.count >= n * n, "symmetrizeUpper: matrix is \(n)×\(n) but holds \(c.count) elements")
        c.withUnsafeMutableBufferPointer { p in
            for i in 0..<n { for j in 0..<i { p[i * n + j] = p[j * n + i] } }
        }
    }

    /// `y ← alpha · A x + beta · y` with A row-major rows × cols (`transpose`: Aᵀ x).
    /// `y` must already have exactly the output length (rows, or cols when transposed): it is
    /// never resized.
    public static func gemv(_ a: [Double], rows: Int, cols: Int, _ x: [Double], alpha: Double = 1,
                            beta: Double = 0, y: inout [Double], transpose: Bool = false) {
        let (nx, ny) = transpose ? (rows, cols) : (cols, rows)
        let shape = "A is \(rows)×\(cols)\(transpose ? " (transposed)" : "")"
        precondition(rows >= 0 && cols >= 0 && a.count >= rows * cols,
                     "gemv: \(shape) but holds \(a.count) elements")
        precondition(x.count == nx, "gemv: \(shape) needs x of length \(nx), got \(x.count)")
        precondition(y.count == ny, "gemv: \(shape) needs y of length \(ny), got \(y.count)")
        guard rows > 0, cols > 0 else {
            if ny > 0 { for i in 0..<ny { y[i] = beta == 0 ? 0 : beta * y[i] } }
            return
        }
        cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, int32(rows, "gemv rows"), int32(cols, "gemv cols"),
                    alpha, a, int32(cols, "gemv lda"), x, 1, beta, &y, 1)
    }

    /// `C ← alpha · A B + beta · C` for row-major A (m × k), B (k × n), C (m × n) (dgemm).
    public static func gemm(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int, alpha: Double = 1,
                            beta: Double = 0, c: inout [Double]) {
        precondition(m >= 0 && k >= 0 && n >= 0 && a.count >= m * k && b.count >= k * n && c.count >= m * n,
                     "gemm: A is \(m)×\(k) in \(a.count) elements, B \(k)×\(n) in \(b.count), C \(m)×\(n) in \(c.count)")
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int32(m, "gemm m"), int32(n, "gemm n"), int32(k, "gemm k"), alpha,
                    a, int32(max(1, k), "gemm lda"), b, int32(max(1, n), "gemm ldb"), beta, &c, int32(max(1, n), "gemm ldc"))
    }

    /// General row-major dgemm on sub-matrices: `C ← alpha · op(A) op(B) + beta · C`, C m × n,
    /// op(A) m × k (A stored m × k with leading dimension lda, or k × m when `transA`), op(B) k × n
    /// likewise. The buffers must hold the last addressed element.
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafeBufferPointer<Double>, lda: Int, b: UnsafeBufferPointer<Double>, ldb: Int,
                            beta: Double, c: UnsafeMutableBufferPointer<Double>, ldc: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative shape m = \(m), n = \(n), k = \(k)")
        if m == 0 || n == 0 { return }
        let (ar, ac) = transA ? (k, m) : (m, k)
        let (br, bc) = transB ? (n, k) : (k, n)
        func need(_ r: Int, _ c: Int, _ ld: Int) -> Int { r == 0 || c == 0 ? 0 : (r - 1) * ld + c }
        precondition(lda >= max(1, ac) && ldb >= max(1, bc) && ldc >= max(1, n),
                     "gemm: leading dimensions lda = \(lda), ldb = \(ldb), ldc = \(ldc) for A \(ar)×\(ac), B \(br)×\(bc), C \(m)×\(n)")
        precondition(a.count >= need(ar, ac, lda) && b.count >= need(br, bc, ldb) && c.count >= need(m, n, ldc),
                     "gemm: A \(ar)×\(ac) (ld \(lda)) in \(a.count) elements, B \(br)×\(bc) (ld \(ldb)) in \(b.count), C \(m)×\(n) (ld \(ldc)) in \(c.count)")
        if k == 0 {
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
            return
        }
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    int32(m, "gemm m"), int32(n, "gemm n"), int32(k, "gemm k"), alpha, a.baseAddress, int32(lda, "gemm lda"),
                    b.baseAddress, int32(ldb, "gemm ldb"), beta, c.baseAddress, int32(ldc, "gemm ldc"))
    }

    /// `A x` for row-major A.
    public static func matvec(_ a: [Double], rows: Int, cols: Int, _ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: rows)
        gemv(a, rows: rows, cols: cols, x, y: &y)
        return y
    }

    /// Dot product.
    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "dot: lengths \(x.count) and \(y.count) differ")
        return cblas_ddot(int32(x.count, "dot length"), x, 1, y, 1)
    }
}

/// The LAPACK symmetric eigensolvers vaesweep uses (all eigenpairs, or the top k).
public enum LAPACK {
    /// Largest n for which ``symmetricEigen(_:n:)`` can run (its workspace 1 + 6n + 2n² must fit
    /// LAPACK's 32-bit integers).
    public static let maxFullEigenN = 32766

    /// All eigenpairs of the symmetric n × n matrix `a` (LAPACK `dsyevd`, divide and conquer).
    public static func symmetricEigen(_ a: [Double], n: Int) throws -> SymmetricEigen {
        var z = a
        let values = try symmetricEigenInPlace(&z, n: n)
        return SymmetricEigen(n: n, values: values, vectors: z)
    }

    /// ``symmetricEigen(_:n:)`` without a copy: `a` is overwritten by the eigenvectors (vector j,
    /// descending order, at `a[j*n ..< (j+1)*n]`); returns the eigenvalues (descending). Peak memory
    /// n² + the 2n² + 6n + 1 workspace instead of 4n² + workspace.
    public static func symmetricEigenInPlace(_ a: inout [Double], n: Int) throws -> [Double] {
        // Workspace sizes of dsyevd (JOBZ = 'V'), computed here in 64 bits BEFORE anything else:
        // LAPACK computes them in 32-bit integers and overflows silently for n ≥ 32767.
        precondition(n >= 0, "symmetricEigen: n = \(n) < 0")
        let (nn2, over) = n.multipliedReportingOverflow(by: n)
        let lworkNeeded = over || nn2 > Int.max / 4 ? Int.max : 1 + 6 * n + 2 * nn2, liworkNeeded = 3 + 5 * n
        var lwork = try workspace(lworkNeeded, routine: "dsyevd", n: n)
        var liwork = try workspace(liworkNeeded, routine: "dsyevd", n: n)
        precondition(a.count == nn2, "symmetricEigen: matrix must be \(n)×\(n) = \(nn2) elements, got \(a.count)")
        if n == 0 { return [] }
        var w = [Double](repeating: 0, count: n)
        var nn = int32(n, "symmetricEigen n"), lda = int32(max(1, n), "symmetricEigen lda"), info: Int32 = 0
        var jobz = CChar(UInt8(ascii: "V")), uplo = CChar(UInt8(ascii: "U"))
        var q: Int32 = -1, iq: Int32 = -1
        var wq = [Double](repeating: 0, count: 1), iwq = [Int32](repeating: 0, count: 1)
        dsyevd_(&jobz, &uplo, &nn, &a, &lda, &w, &wq, &q, &iwq, &iq, &info, 1, 1)
        guard info == 0 else { throw LinearAlgebraError(routine: "dsyevd", info: Int(info), detail: "workspace query, n = \(n)") }
        // Take the larger of our count and LAPACK's (a newer LAPACK may ask for more).
        if wq[0].isFinite, wq[0] > Double(lwork) { lwork = try workspace(Int(wq[0].rounded(.up)), routine: "dsyevd", n: n) }
        if iwq[0] > liwork { liwork = iwq[0] }
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &nn, &a, &lda, &w, &work, &lwork, &iwork, &liwork, &info, 1, 1)
        guard info == 0 else {
            throw LinearAlgebraError(routine: "dsyevd", info: Int(info), detail: "n = \(n)")
        }
        work = []; iwork = []
        // LAPACK returns ascending order (eigenvector j in column j = contiguous in memory);
        // reverse to descending in place.
        a.withUnsafeMutableBufferPointer { z in
            for j in 0..<(n / 2) {
                let s = n - 1 - j
                for i in 0..<n { z.swapAt(j * n + i, s * n + i) }
            }
        }
        return w.reversed()
    }

    /// The `k` largest eigenpairs of the symmetric n × n matrix `a` (LAPACK `dsyevr`, RANGE = 'I').
    public static func symmetricTopEigen(_ a: [Double], n: Int, k: Int) throws -> SymmetricEigen {
        var acopy = a
        return try symmetricTopEigenDestroying(&acopy, n: n, k: k)
    }

    /// ``symmetricTopEigen(_:n:k:)`` that uses `a` as LAPACK's work matrix (its contents are
    /// destroyed), saving the n² copy.
    public static func symmetricTopEigenDestroying(_ a: inout [Double], n: Int, k: Int) throws -> SymmetricEigen {
        precondition(n >= 0 && a.count == n * n, "symmetricTopEigen: matrix must be \(n)×\(n) = \(n * n) elements, got \(a.count)")
        precondition(k >= 1 && k <= n, "symmetricTopEigen: need 1 ≤ k ≤ n, got k = \(k), n = \(n)")
        var nn = int32(n, "symmetricTopEigen n"), lda = int32(n, "symmetricTopEigen lda")
        var il = int32(n - k + 1, "symmetricTopEigen il"), iu = int32(n, "symmetricTopEigen iu")
        var vl = 0.0, vu = 0.0, abstol = 0.0
        var m: Int32 = 0, info: Int32 = 0
        var w = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: n * k)
        var ldz = int32(n, "symmetricTopEigen ldz")
        var isuppz = [Int32](repeating: 0, count: 2 * k)
        var jobz = CChar(UInt8(ascii: "V")), range = CChar(UInt8(ascii: "I")), uplo = CChar(UInt8(ascii: "U"))
        // dsyevr needs lwork ≥ 26n, liwork ≥ 10n (checked in 64 bits first).
        var lwork = try workspace(26 * n, routine: "dsyevr", n: n)
        var liwork = try workspace(10 * n, routine: "dsyevr", n: n)
        var q: Int32 = -1, iq: Int32 = -1
        var wq = [Double](repeating: 0, count: 1), iwq = [Int32](repeating: 0, count: 1)
        dsyevr_(&jobz, &range, &uplo, &nn, &a, &lda, &vl, &vu, &il, &iu, &abstol, &m, &w, &z, &ldz,
                &isuppz, &wq, &q, &iwq, &iq, &info, 1, 1, 1)
        guard info == 0 else { throw LinearAlgebraError(routine: "dsyevr", info: Int(info), detail: "workspace query, n = \(n)") }
        if wq[0].isFinite, wq[0] > Double(lwork) { lwork = try workspace(Int(wq[0].rounded(.up)), routine: "dsyevr", n: n) }
        if iwq[0] > liwork { liwork = iwq[0] }
        var work = [Double](repeating: 0, count: Int(lwork))
        var iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevr_(&jobz, &range, &uplo, &nn, &a, &lda, &vl, &vu, &il, &iu, &abstol, &m, &w, &z, &ldz,
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
