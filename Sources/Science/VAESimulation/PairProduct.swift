// C·[W V] for a symmetric row-major C in one pass over C (dgemm with two right-hand sides).
#if canImport(COpenBLAS)
import COpenBLAS
#endif
import LinearAlgebra

func symmetricTimesPair(_ c: [Double], n: Int, _ w: [Double], _ v: [Double], _ cw: inout [Double], _ cv: inout [Double]) {
    #if canImport(COpenBLAS)
    var b = [Double](repeating: 0, count: 2 * n)
    for i in 0..<n { b[2 * i] = w[i]; b[2 * i + 1] = v[i] }
    var out = [Double](repeating: 0, count: 2 * n)
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), 2, Int32(n), 1, c, Int32(n), b, 2, 0, &out, 2)
    for i in 0..<n { cw[i] = out[2 * i]; cv[i] = out[2 * i + 1] }
    #else
    BLAS.gemv(c, rows: n, cols: n, w, y: &cw)
    BLAS.gemv(c, rows: n, cols: n, v, y: &cv)
    #endif
}
