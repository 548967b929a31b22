// C·[W V] for a symmetric row-major C in one pass over C (one dgemm with two right-hand sides).
import LinearAlgebra

func symmetricTimesPair(_ c: [Double], n: Int, _ w: [Double], _ v: [Double], _ cw: inout [Double], _ cv: inout [Double]) {
    var b = [Double](repeating: 0, count: 2 * n)
    for i in 0..<n { b[2 * i] = w[i]; b[2 * i + 1] = v[i] }
    var out = [Double](repeating: 0, count: 2 * n)
    BLAS.gemm(c, b, m: n, k: n, n: 2, c: &out)
    for i in 0..<n { cw[i] = out[2 * i]; cv[i] = out[2 * i + 1] }
}
