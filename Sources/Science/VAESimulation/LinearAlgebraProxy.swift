import LinearAlgebra

/// Thin indirection to the LinearAlgebra wrapper (square row-major matrix times vector).
enum LinearAlgebraProxy {
    @inline(__always)
    static func matvec(_ a: [Double], _ n: Int, _ x: [Double]) -> [Double] { BLAS.matvec(a, rows: n, cols: n, x) }
    @inline(__always)
    static func matvecT(_ a: [Double], _ n: Int, _ x: [Double]) -> [Double] {
        var y = [Double](repeating: 0, count: n)
        BLAS.gemv(a, rows: n, cols: n, x, y: &y, transpose: true)
        return y
    }
}
