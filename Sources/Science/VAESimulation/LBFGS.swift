// The L-BFGS minimiser of the `gd` solver (MODEL.md §6), shared by every data set that can train
// with it: C's eigenbasis (EigenObjective, Trainer.swift) and T's coordinates under the bidiagonal
// model (TridiagonalObjective, Bidiagonal.swift). L-BFGS only takes dot products, axpys and the
// objective, so it is rotation-equivariant: in T's coordinates it has the law of training on X
// (MODEL.md §8).
//
// Memory `options.memory` pairs (default 10), two-loop recursion with the scaling s·y/y·y, first
// step steepest descent of length 1/(ℓ₁ + β + μ + 1), weak-Wolfe line search (c₁ 1e-4, c₂ 0.9,
// bisection/expansion, 60 trials, Armijo with a 1e-12 relative round-off allowance), restart on a
// non-descent direction or a failed search (stop after 4 failures in a row); stop when
// ‖g‖/(ℓ₁ + β + μ) ≤ tolerance or after `maxSteps` steps.

/// f and its gradient on x = [ŵ, v̂, θ = log D] (length 2N + 1) in some orthonormal basis.
protocol TrainingObjective {
    /// f(x); writes ∇f into g.
    func evaluate(_ x: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) -> Double
    /// ‖g‖ with the D-component ∂f/∂D = (∂f/∂θ)/D (θ = the last coordinate of x).
    func gradNorm(_ g: UnsafePointer<Double>, theta: Double) -> Double
}

extension Trainer {
    /// Minimise `obj` from `x0` by L-BFGS (see the file header); `sc` = ℓ₁ + β + μ.
    static func minimise<O: TrainingObjective>(_ obj: O, from x0: [Double], scale sc: Double,
                                               options: TrainingOptions) -> (x: [Double], steps: Int, converged: Bool) {
        let dim = x0.count
        var x = x0
        var g = [Double](repeating: 0, count: dim)
        var xn = x, gn = g, d = g
        let mem = max(1, options.memory)
        var sMem = [[Double]](), yMem = [[Double]](), rhoMem = [Double]()
        var alphaTmp = [Double](repeating: 0, count: mem)
        var f = x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { obj.evaluate(xp.baseAddress!, $0.baseAddress!) } }
        var steps = 0
        var converged = false
        var failures = 0
        while true {
            let gnorm = g.withUnsafeBufferPointer { obj.gradNorm($0.baseAddress!, theta: x[dim - 1]) }
            if !gnorm.isFinite || !f.isFinite { break }
            if gnorm / sc <= options.tolerance { converged = true; break }
            if steps >= options.maxSteps { break }
            // Two-loop recursion: d = −H g.
            for i in 0..<dim { d[i] = -g[i] }
            let k = sMem.count
            if k > 0 {
                for j in stride(from: k - 1, through: 0, by: -1) {
                    let a = rhoMem[j] * dot(sMem[j], d)
                    alphaTmp[j] = a
                    axpy(-a, yMem[j], &d)
                }
                let gamma = dot(sMem[k - 1], yMem[k - 1]) / dot(yMem[k - 1], yMem[k - 1])
                for i in 0..<dim { d[i] *= gamma }
                for j in 0..<k {
                    let b = rhoMem[j] * dot(yMem[j], d)
                    axpy(alphaTmp[j] - b, sMem[j], &d)
                }
            } else {
                // First step: steepest descent with a step below 1/(largest curvature scale).
                let s = 1 / (sc + 1)
                for i in 0..<dim { d[i] *= s }
            }
            var dg = dot(d, g)
            if !(dg < 0) {
                sMem.removeAll(); yMem.removeAll(); rhoMem.removeAll()
                let s = 1 / (sc + 1)
                for i in 0..<dim { d[i] = -g[i] * s }
                dg = dot(d, g)
            }
            // Weak-Wolfe line search (bisection/expansion); the Armijo test allows round-off
            // (1e-12 relative) so that the method still progresses when f is flat to machine precision.
            let c1 = 1e-4, c2 = 0.9
            let epsF = 1e-12 * (1 + abs(f))
            var t = 1.0, lo = 0.0, hi = Double.infinity
            var accepted = false
            var fNew = f
            for _ in 0..<60 {
                for i in 0..<dim { xn[i] = x[i] + t * d[i] }
                fNew = xn.withUnsafeBufferPointer { xp in gn.withUnsafeMutableBufferPointer { obj.evaluate(xp.baseAddress!, $0.baseAddress!) } }
                if !(fNew <= f + c1 * t * dg + epsF) {
                    hi = t
                } else if dot(gn, d) < c2 * dg {
                    lo = t
                } else {
                    accepted = true; break
                }
                t = hi.isFinite ? 0.5 * (lo + hi) : 2 * t
            }
            if !accepted {
                failures += 1
                sMem.removeAll(); yMem.removeAll(); rhoMem.removeAll()
                if failures > 3 { break }
                continue
            }
            failures = 0
            var s = [Double](repeating: 0, count: dim), y = s
            for i in 0..<dim { s[i] = xn[i] - x[i]; y[i] = gn[i] - g[i] }
            let sy = dot(s, y)
            if sy > 1e-300 {
                if sMem.count == mem { sMem.removeFirst(); yMem.removeFirst(); rhoMem.removeFirst() }
                sMem.append(s); yMem.append(y); rhoMem.append(1 / sy)
            }
            swap(&x, &xn); swap(&g, &gn); f = fNew
            steps += 1
        }
        return (x, steps, converged)
    }

    @inline(__always) static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in for i in 0..<ap.count { s += ap[i] * bp[i] } } }
        return s
    }
    @inline(__always) static func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in for i in 0..<xp.count { yp[i] += a * xp[i] } } }
    }
}
