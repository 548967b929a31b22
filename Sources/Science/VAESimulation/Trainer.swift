// Training of the linear β-VAE on one data set (MODEL.md §2, §6): three solvers, same loss,
// same observables.
//
// All solvers minimise the per-sample loss L/P of MODEL.md §2. In C's eigenbasis, with the
// normalised coordinates ŵ = Uᵀ W/√N, v̂ = Uᵀ V/√N, θ = log D (so D > 0 always), ℓ = eig(C),
// μ = λ/α (α = P/N) and the constants ½ tr C − β/2 dropped:
//
//     f = −Σ ℓᵢ ŵᵢ v̂ᵢ + ½ (Q + β)(S + D) − (β/2) θ + (μ/2)(Q + E),
//         Q = |ŵ|², E = |v̂|², S = Σ ℓᵢ v̂ᵢ²,
//     ∂f/∂ŵ = −ℓ∘v̂ + (S + D + μ) ŵ,   ∂f/∂v̂ = −ℓ∘ŵ + ((Q + β) ℓ + μ)∘v̂,   ∂f/∂θ = ½((Q + β) D − β).
//
// This f equals ℒ of MODEL.md §4 on the scalar ansatz, and every solver reports it as `loss`.
// Gradient norm (basis-independent, the same for every solver):
//     ‖g‖ = sqrt(|∂f/∂ŵ|² + |∂f/∂v̂|² + (∂f/∂D)²)  = sqrt(N|∂f/∂W|² + N|∂f/∂V|² + (∂f/∂D)²),
// and the stopping rule is the RELATIVE norm ‖g‖ / (ℓ₁ + β + μ) ≤ tolerance (ℓ₁ + β + μ bounds
// the size of the individual terms of the gradient per unit parameter, so the ratio is scale-free).
//
// `Trainer.train` accepts any `TrainingData` (DataModel.swift) and dispatches to the data set's own
// `solve`: here the full-spectrum solvers; the top pair's exact minimiser in TopPair.swift; gd in
// T's coordinates under the bidiagonal model in Bidiagonal.swift; the shared L-BFGS in LBFGS.swift.
import Foundation
import VAETheory
import LinearAlgebra

/// How a (β, λ) pair is trained on one data set (the spec's `simulation.solver`).
public enum Solver: String, CaseIterable, Sendable {
    /// Default. Full-batch gradient training from the random start, in C's eigenbasis, or in T's
    /// coordinates under the bidiagonal model (O(N) per step): limited-memory quasi-Newton (L-BFGS, 10 pairs) with a weak-Wolfe line search, so it
    /// never diverges (every accepted step decreases L up to round-off) and needs far fewer steps
    /// than plain gradient descent on ill-conditioned points.
    case gd
    /// The published method: full-batch Adam (lr 1e-3, β₁ 0.9, β₂ 0.999, ε 1e-8) on the total
    /// loss L, W, V ~ N(0,1), D = 1 (optimised as log D), computed through C (O(N²) per step).
    case adam
    /// The spectral minimiser of this sample: W, V along v₁ with the scalars of MODEL.md §4 for
    /// the empirical ℓ₁ (VAETheory.ScalarEquations.minimiser); global minimum by construction.
    case exact
}

/// What `Trainer.train` does: the solver and its stopping rule.
public struct TrainingOptions: Sendable {
    /// The solver.
    public var solver: Solver
    /// Stop when ‖g‖/(ℓ₁ + β + μ) ≤ tolerance.
    public var tolerance: Double
    /// Step limit (L-BFGS iterations or Adam steps; ignored by `exact`); reaching it means not converged.
    public var maxSteps: Int
    /// Adam learning rate (published: 1e-3).
    public var learningRate: Double = 1e-3
    /// L-BFGS memory for `gd`.
    public var memory: Int = 10

    /// Default tolerance of solver `s`: 1e-9 for gd and exact, 1e-6 for adam.
    public static func defaultTolerance(_ s: Solver) -> Double {
        switch s { case .gd: return 1e-9; case .adam: return 1e-6; case .exact: return 1e-9 }
    }
    /// Default step limit of solver `s`: 100 000 for gd, 10 000 for adam, 0 for exact.
    public static func defaultMaxSteps(_ s: Solver) -> Int {
        switch s { case .gd: return 100_000; case .adam: return 10_000; case .exact: return 0 }
    }
    /// Options of `solver`, with its default tolerance and step limit where nil is given.
    public init(solver: Solver = .gd, tolerance: Double? = nil, maxSteps: Int? = nil) {
        self.solver = solver
        self.tolerance = tolerance ?? TrainingOptions.defaultTolerance(solver)
        self.maxSteps = maxSteps ?? TrainingOptions.defaultMaxSteps(solver)
    }
}

/// The outcome of training one (β, λ) pair on one data set.
public struct SimulationResult: Sendable {
    /// The MODEL.md §3 observables at the final parameters, with the finite-N phase.
    public var observables: Observables
    /// Optimiser steps taken (L-BFGS iterations, Adam steps; 0 for exact).
    public var steps: Int
    /// Final ‖g‖ (see the file header) and ‖g‖/(ℓ₁ + β + μ).
    public var gradNorm: Double
    /// ‖g‖/(ℓ₁ + β + μ): the quantity compared with the tolerance.
    public var relativeGradNorm: Double
    /// Whether the stopping rule was met within `maxSteps` with a finite loss (exact: true unless the loss is non-finite).
    public var converged: Bool
    /// Wall-clock seconds for this (β, λ) pair (initial projection + training + observables).
    public var seconds: Double
    /// False when the loss became non-finite (diverged).
    public var finiteLoss: Bool
    /// Final per-sample loss f (= ℒ of MODEL.md §4, constants dropped).
    public var loss: Double
    /// The KL weight β of the pair.
    public var beta: Double
    /// The weight decay λ of the pair.
    public var lambda: Double
    /// The solver that produced the result.
    public var solver: Solver
    /// The final parameters (normalised, as the observables use them) in the basis the solver
    /// trained in: C's eigenbasis on a full spectrum; T's coordinates (first = w*) on a bidiagonal
    /// T. nil for `exact` on a top pair (the minimiser is a√N v₁, b√N v₁: a = √Q, b = √E).
    public var parameters: EigenParameters? = nil
}

/// f and its gradient in the eigenbasis (x = [ŵ, v̂, θ], length 2N + 1).
struct EigenObjective: TrainingObjective {
    let l: [Double]
    let n: Int
    let beta: Double
    let mu: Double

    func evaluate(_ x: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) -> Double {
        var Q = 0.0, S = 0.0, E = 0.0, K = 0.0
        l.withUnsafeBufferPointer { lp in
            for i in 0..<n {
                let w = x[i], v = x[n + i], li = lp[i]
                Q += w * w; E += v * v; S += li * v * v; K += li * w * v
            }
            let th = x[2 * n], D = exp(th)
            let a = S + D + mu, bq = Q + beta
            for i in 0..<n {
                let w = x[i], v = x[n + i], li = lp[i]
                g[i] = a * w - li * v
                g[n + i] = (bq * li + mu) * v - li * w
            }
            g[2 * n] = 0.5 * (bq * D - beta)
        }
        let th = x[2 * n], D = exp(th)
        return -K + 0.5 * (Q + beta) * (S + D) - 0.5 * beta * th + 0.5 * mu * (Q + E)
    }

    /// ‖g‖ with the D-component ∂f/∂D = (∂f/∂θ)/D.
    func gradNorm(_ g: UnsafePointer<Double>, theta: Double) -> Double {
        var s = 0.0
        for i in 0..<(2 * n) { s += g[i] * g[i] }
        let gd = g[2 * n] / exp(theta)
        return (s + gd * gd).squareRoot()
    }
}

/// Training the linear β-VAE on a data set (see the file header): the random start and the three solvers.
public enum Trainer {
    /// The random start of one (β, λ) pair, in the original basis: W, V with i.i.d. N(0,1)
    /// entries from the `initialisation` stream keyed by the data key and the bit patterns of β
    /// and λ (so a pair starts from the same point whatever list or rank it is run in).
    /// Under the bidiagonal model the same vectors are the start in T's coordinates (i.i.d.
    /// Gaussian vectors are rotation-invariant and independent of the data, MODEL.md §8).
    public static func initialParameters(_ data: any TrainingData, beta: Double, lambda: Double) -> (W: [Double], V: [Double]) {
        let s = data.key.stream(.initialisation, alpha: data.alpha, n: data.n, [beta.bitPattern, lambda.bitPattern])
        return (s.normals(row: 0, count: data.n), s.normals(row: 1, count: data.n))
    }

    /// Train every (β, λ) pair on one data set (C and its spectrum built once).
    public static func train(_ data: any TrainingData, pairs: [(beta: Double, lambda: Double)],
                             options: TrainingOptions) throws -> [SimulationResult] {
        try pairs.map { try train(data, beta: $0.beta, lambda: $0.lambda, options: options) }
    }

    /// Train one (β, λ) pair on `data` with `options` from its random start (`initialParameters`).
    /// Throws `SimulationError` for β ≤ 0, λ < 0, non-finite values or negative options, and (kind
    /// `unsupported`) for a solver the data set cannot serve: gd/adam on a top pair (built for
    /// exact), adam under the bidiagonal model.
    public static func train(_ data: any TrainingData, beta: Double, lambda: Double,
                             options: TrainingOptions) throws -> SimulationResult {
        guard beta > 0, beta.isFinite else { throw SimulationError("beta must be > 0") }
        guard lambda >= 0, lambda.isFinite else { throw SimulationError("lambda must be ≥ 0") }
        guard options.tolerance >= 0, options.maxSteps >= 0 else { throw SimulationError("bad training options") }
        let t0 = Date()
        var r = try data.solve(beta: beta, lambda: lambda, options: options)
        r.seconds = Date().timeIntervalSince(t0)
        return r
    }

    static func scale(_ data: SampleSpectrum, beta: Double, mu: Double) -> Double { data.ell1 + beta + mu }

    static func finish(_ data: SampleSpectrum, x: [Double], beta: Double, lambda: Double, mu: Double,
                       steps: Int, converged: Bool, solver: Solver) -> SimulationResult {
        let n = data.n
        let obj = EigenObjective(l: data.values, n: n, beta: beta, mu: mu)
        var g = [Double](repeating: 0, count: 2 * n + 1)
        let f = x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { obj.evaluate(xp.baseAddress!, $0.baseAddress!) } }
        let gn = g.withUnsafeBufferPointer { obj.gradNorm($0.baseAddress!, theta: x[2 * n]) }
        let p = EigenParameters(w: Array(x[0..<n]), v: Array(x[n..<(2 * n)]), D: exp(x[2 * n]))
        let rel = gn / scale(data, beta: beta, mu: mu)
        return SimulationResult(observables: data.observables(p), steps: steps, gradNorm: gn, relativeGradNorm: rel,
                                converged: converged && f.isFinite, seconds: 0, finiteLoss: f.isFinite, loss: f,
                                beta: beta, lambda: lambda, solver: solver, parameters: p)
    }

    // MARK: exact

    static func exact(_ data: SampleSpectrum, beta: Double, lambda: Double) -> SimulationResult {
        let n = data.n, alpha = data.alphaEffective
        let sol = ScalarEquations.minimiser(ell1: data.ell1, alpha: alpha, beta: beta, lambda: lambda).best
        var x = [Double](repeating: 0, count: 2 * n + 1)
        x[0] = sol.a; x[n] = sol.b; x[2 * n] = log(sol.D)
        return finish(data, x: x, beta: beta, lambda: lambda, mu: lambda / alpha, steps: 0, converged: true, solver: .exact)
    }

    // MARK: gd (L-BFGS in the eigenbasis)

    static func lbfgs(_ data: SampleSpectrum, beta: Double, lambda: Double, options: TrainingOptions) -> SimulationResult {
        let n = data.n
        let mu = lambda / data.alphaEffective
        let obj = EigenObjective(l: data.values, n: n, beta: beta, mu: mu)
        let start = initialParameters(data, beta: beta, lambda: lambda)
        let x0 = data.toEigenbasis(start.W) + data.toEigenbasis(start.V) + [0.0]   // D = 1
        let r = minimise(obj, from: x0, scale: scale(data, beta: beta, mu: mu), options: options)
        return finish(data, x: r.x, beta: beta, lambda: lambda, mu: mu, steps: r.steps, converged: r.converged, solver: .gd)
    }

    // MARK: adam (through C, original basis)

    static func adam(_ data: SampleSpectrum, beta: Double, lambda: Double, options: TrainingOptions) -> SimulationResult {
        let n = data.n, nd = Double(n), pd = Double(data.p)
        let mu = lambda / data.alphaEffective
        let sc = scale(data, beta: beta, mu: mu)
        let start = initialParameters(data, beta: beta, lambda: lambda)
        var W = start.W, V = start.V, th = 0.0
        var mW = [Double](repeating: 0, count: n), vW = mW, mV = mW, vV = mW
        var mT = 0.0, vT = 0.0
        let lr = options.learningRate, b1 = 0.9, b2 = 0.999, eps = 1e-8
        var gW = mW, gV = mW
        var CW = mW, CV = mW
        let cov = data.covariance ?? reconstructCovariance(data)
        var steps = 0, converged = false, finite = true
        var b1t = 1.0, b2t = 1.0
        while true {
            let D = exp(th)
            let (bq, g2) = weightGradient(cov: cov, W: W, V: V, D: D, beta: beta, mu: mu, CW: &CW, CV: &CV, gW: &gW, gV: &gV)
            let gT = 0.5 * (bq * D - beta)
            let gnorm = (nd * g2 + (gT / D) * (gT / D)).squareRoot()
            if !gnorm.isFinite { finite = false; break }
            if gnorm / sc <= options.tolerance { converged = true; break }
            if steps >= options.maxSteps { break }
            steps += 1
            b1t *= b1; b2t *= b2
            let c1 = 1 / (1 - b1t), c2 = 1 / (1 - b2t)
            // Gradient of the TOTAL loss L = P · f.
            adamStepWV(W: &W, V: &V, gW: gW, gV: gV, scale: pd, mW: &mW, vW: &vW, mV: &mV, vV: &vV,
                       b1: b1, b2: b2, c1: c1, c2: c2, lr: lr, eps: eps)
            let gt = pd * gT
            th = adamStepScalar(th, g: gt, m: &mT, v: &vT, b1: b1, b2: b2, c1: c1, c2: c2, lr: lr, eps: eps)
        }
        var x = data.toEigenbasis(W) + data.toEigenbasis(V) + [th]
        if !finite { for i in 0..<x.count where !x[i].isFinite { x[i] = .nan } }
        return finish(data, x: x, beta: beta, lambda: lambda, mu: mu, steps: steps, converged: converged, solver: .adam)
    }

    /// The per-sample gradient of f (MODEL.md §2) with respect to W and V, through C in the
    /// original basis: fills CW = C W, CV = C V, gW = ∂f/∂W, gV = ∂f/∂V, and returns
    /// bq = Q + β and Σ(gW² + gV²). Shared by `adam` and `Replay.adam`.
    @inline(__always)
    static func weightGradient(cov: [Double], W: [Double], V: [Double], D: Double, beta: Double, mu: Double,
                               CW: inout [Double], CV: inout [Double], gW: inout [Double], gV: inout [Double])
        -> (bq: Double, g2: Double) {
        let n = W.count, nd = Double(n)
        symmetricTimesPair(cov, n: n, W, V, &CW, &CV)
        var Q = 0.0, S = 0.0
        for i in 0..<n { Q += W[i] * W[i]; S += V[i] * CV[i] }
        Q /= nd; S /= nd
        let a = S + D + mu, bq = Q + beta
        var g2 = 0.0
        for i in 0..<n {
            gW[i] = (a * W[i] - CV[i]) / nd
            gV[i] = (bq * CV[i] + mu * V[i] - CW[i]) / nd
            g2 += gW[i] * gW[i] + gV[i] * gV[i]
        }
        return (bq, g2)
    }

    /// One Adam update of W and V (the published optimiser, MODEL.md §6): moments from the
    /// gradients `scale · gW`, `scale · gV`, bias corrections `c1`, `c2` = 1/(1 − βᵗ). Shared by
    /// `adam` and `Replay.adam`, so both take exactly the same steps.
    @inline(__always)
    static func adamStepWV(W: inout [Double], V: inout [Double], gW: [Double], gV: [Double], scale pd: Double,
                           mW: inout [Double], vW: inout [Double], mV: inout [Double], vV: inout [Double],
                           b1: Double, b2: Double, c1: Double, c2: Double, lr: Double, eps: Double) {
        for i in 0..<W.count {
            let gw = pd * gW[i], gv = pd * gV[i]
            mW[i] = b1 * mW[i] + (1 - b1) * gw; vW[i] = b2 * vW[i] + (1 - b2) * gw * gw
            mV[i] = b1 * mV[i] + (1 - b1) * gv; vV[i] = b2 * vV[i] + (1 - b2) * gv * gv
            W[i] -= lr * (mW[i] * c1) / ((vW[i] * c2).squareRoot() + eps)
            V[i] -= lr * (mV[i] * c1) / ((vV[i] * c2).squareRoot() + eps)
        }
    }

    /// One Adam step of a scalar (the encoder's log D, or D itself in the published
    /// parametrisation): the moments from gradient `g`, then x − lr m̂/(√v̂ + ε), returned (the caller
    /// assigns it, clamping if it must). The same arithmetic as `adamStepWV` for one coordinate.
    @inline(__always)
    static func adamStepScalar(_ x: Double, g: Double, m: inout Double, v: inout Double,
                               b1: Double, b2: Double, c1: Double, c2: Double, lr: Double, eps: Double) -> Double {
        m = b1 * m + (1 - b1) * g; v = b2 * v + (1 - b2) * g * g
        return x - lr * (m * c1) / ((v * c2).squareRoot() + eps)
    }

    /// C = U diag(ℓ) Uᵀ when the data set did not keep C.
    static func reconstructCovariance(_ data: SampleSpectrum) -> [Double] {
        let n = data.n
        var c = [Double](repeating: 0, count: n * n)
        for j in 0..<n {
            let l = data.values[j]
            for r in 0..<n {
                let a = l * data.vectors[j * n + r]
                if a == 0 { continue }
                for s in 0..<n { c[r * n + s] += a * data.vectors[j * n + s] }
            }
        }
        return c
    }
}
