// The published method, faithfully: full-batch Adam on the RAW P × N data matrix (O(P N) per step,
// four matrix–vector products), for benchmarking against the spectral solvers. The Adam update of
// W and V is `Trainer.adamStepWV`, the one routine every Adam in this module takes.
import Foundation
import LinearAlgebra

/// The published training method, kept as a benchmark baseline (see the file header).
public enum PublishedAdam {
    /// Run `steps` full-batch Adam steps (lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-8) on the total loss L of
    /// MODEL.md §2 with the sample matrix `x` (P × N row-major), from W, V given, D = 1 (as log D).
    /// Returns the final (W, V, D) and the wall-clock seconds.
    public static func run(x: [Double], p: Int, n: Int, beta: Double, lambda: Double,
                           W w0: [Double], V v0: [Double], steps: Int, learningRate: Double = 1e-3)
        -> (W: [Double], V: [Double], D: Double, seconds: Double) {
        let t0 = Date()
        var W = w0, V = v0, th = 0.0
        let nd = Double(n), pd = Double(p), rs = 1 / nd.squareRoot()
        var mW = [Double](repeating: 0, count: n), vW = mW, mV = mW, vV = mW
        var mT = 0.0, vT = 0.0
        var u = [Double](repeating: 0, count: p), wx = u, r = u
        var xu = mW, xr = mW, gW = mW, gV = mW
        let b1 = 0.9, b2 = 0.999, eps = 1e-8
        var b1t = 1.0, b2t = 1.0
        for _ in 0..<steps {
            BLAS.gemv(x, rows: p, cols: n, V, alpha: rs, y: &u)      // u_μ = V·x^μ/√N
            BLAS.gemv(x, rows: p, cols: n, W, alpha: rs, y: &wx)     // W·x^μ/√N
            var Q = 0.0, uu = 0.0
            for i in 0..<n { Q += W[i] * W[i] }
            Q /= nd
            for m in 0..<p { uu += u[m] * u[m] }
            let D = exp(th)
            for m in 0..<p { r[m] = (Q + beta) * u[m] - wx[m] }
            BLAS.gemv(x, rows: p, cols: n, u, alpha: rs, y: &xu, transpose: true)
            BLAS.gemv(x, rows: p, cols: n, r, alpha: rs, y: &xr, transpose: true)
            b1t *= b1; b2t *= b2
            let c1 = 1 / (1 - b1t), c2 = 1 / (1 - b2t)
            let aW = (uu + pd * D) / nd + lambda
            // Gradients of the total loss L (so the shared Adam step takes them at scale 1: 1·g = g exactly).
            for i in 0..<n {
                gW[i] = -xu[i] + aW * W[i]
                gV[i] = xr[i] + lambda * V[i]
            }
            Trainer.adamStepWV(W: &W, V: &V, gW: gW, gV: gV, scale: 1, mW: &mW, vW: &vW, mV: &mV, vV: &vV,
                               b1: b1, b2: b2, c1: c1, c2: c2, lr: learningRate, eps: eps)
            let gt = 0.5 * pd * (D * (Q + beta) - beta)
            th = Trainer.adamStepScalar(th, g: gt, m: &mT, v: &vT, b1: b1, b2: b2, c1: c1, c2: c2, lr: learningRate, eps: eps)
        }
        return (W, V, exp(th), Date().timeIntervalSince(t0))
    }
}
