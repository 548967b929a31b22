// Replay of a published run (issue 12 §4): train on a GIVEN P × N data matrix from GIVEN initial
// weights, with full-batch Adam in the published parametrisation (Adam on D itself, clamped
// positive) or on log D (this project's), reporting the observables along the way.
//
// The loss and gradients are those of `Trainer`'s Adam (MODEL.md §2, total loss L = P·f, computed
// through C = XᵀX/P in the original basis, since Adam is not rotation invariant):
//   ∂L/∂W = P (a W − C V)/N,  a = VᵀCV/N + D + μ,   ∂L/∂V = P ((Q + β) C V + μ V − C W)/N,
//   ∂L/∂D = (P/2) ((Q + β) − β/D),   ∂L/∂log D = D ∂L/∂D,   μ = λ/α, α = P/N.
// With `.logD`, a start from the data set's own random initial weights and D = 1, the result is
// `Trainer.train(…, solver: .adam)` run for the same number of steps (tolerance 0).
import Foundation
import LinearAlgebra
import VAETheory

/// The variable Adam updates for the encoder variance.
public enum AdamVariable: String, CaseIterable, Sendable {
    /// D itself, clamped to ≥ `Replay.dFloor` after each step (the authors' parametrisation).
    case D
    /// θ = log D (this project's Adam; D > 0 by construction).
    case logD
}

/// One observation of a replayed training run.
public struct ReplaySnapshot: Sendable {
    /// Adam steps taken so far.
    public var step: Int
    /// The observables at this step (MODEL.md §3).
    public var observables: Observables
    /// ‖g‖ and ‖g‖/(ℓ₁ + β + μ), as `SimulationResult` defines them.
    public var gradNorm: Double
    /// ‖g‖/(ℓ₁ + β + μ), the quantity the stopping rule compares with the tolerance.
    public var relativeGradNorm: Double
}

/// Replays a published training run (Adam on given data and weights) in this project's terms, step by step.
public enum Replay {
    /// The smallest D the `.D` parametrisation keeps (D must stay positive, MODEL.md §6).
    public static let dFloor = 1e-8

    /// The data set of a given sample matrix `x` (P × N, row-major) with spike `spike` (length N):
    /// C = XᵀX/P, all its eigenpairs, the spike overlaps. `key` seeds only the default initial weights.
    public static func spectrum(x: [Double], p: Int, n: Int, spike: [Double], rho: Double, eta: Double,
                                key: DataKey = DataKey()) throws -> SampleSpectrum {
        guard p >= 1, n >= 1, x.count == p * n else { throw SimulationError("data matrix: expected \(p) × \(n) values, got \(x.count)", kind: .invalidData) }
        guard spike.count == n else { throw SimulationError("spike: length \(spike.count), expected N = \(n)", kind: .invalidData) }
        guard x.allSatisfy(\.isFinite) else { throw SimulationError("data matrix: non-finite value", kind: .invalidData) }
        guard spike.allSatisfy(\.isFinite) else { throw SimulationError("spike: non-finite value", kind: .invalidData) }
        let t0 = Date()
        let c = BLAS.gram(x, rows: p, n: n, alpha: 1 / Double(p))
        let t1 = Date()
        let eig = try LAPACK.symmetricEigen(c, n: n)
        let invSqrtN = 1 / Double(n).squareRoot()
        let omega = BLAS.matvec(eig.vectors, rows: n, cols: n, spike.map { $0 * invSqrtN })
        var tr = 0.0
        for i in 0..<n { tr += c[i * n + i] }
        // The kind label: all ones is the published spike; any other given vector is labelled
        // .gaussian (the vector itself, which is what every computation uses, is `spikeVector`).
        let kind: Spike = spike.allSatisfy { $0 == 1 } ? .ones : .gaussian
        return SampleSpectrum(n: n, p: p, alpha: Double(p) / Double(n), rho: rho, eta: eta, spike: kind, key: key,
                              values: eig.values, vectors: eig.vectors, spikeOverlaps: omega, spikeVector: spike,
                              covariance: c, traceOverN: tr / Double(n),
                              secondsCovariance: t1.timeIntervalSince(t0), secondsEigen: Date().timeIntervalSince(t1))
    }

    /// Full-batch Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) for exactly `steps` steps from (W0, V0, D0) on the
    /// total loss L, updating `variable`. `history(snapshot)` is called at step 0 and every `every`
    /// steps (never when `every` is nil or ≤ 0). `converged` in the result means ‖g‖/(ℓ₁ + β + μ) ≤
    /// `tolerance` at the end.
    public static func adam(_ data: SampleSpectrum, beta: Double, lambda: Double,
                            W0: [Double], V0: [Double], D0: Double, steps: Int, variable: AdamVariable,
                            learningRate: Double = 1e-3, tolerance: Double = TrainingOptions.defaultTolerance(.adam),
                            every: Int? = nil, history: (ReplaySnapshot) -> Void = { _ in }) throws -> SimulationResult {
        let n = data.n, nd = Double(n), pd = Double(data.p)
        guard beta > 0, beta.isFinite else { throw SimulationError("beta must be > 0") }
        guard lambda >= 0, lambda.isFinite else { throw SimulationError("lambda must be ≥ 0") }
        guard W0.count == n, V0.count == n else { throw SimulationError("initial weights: length \(W0.count), \(V0.count), expected N = \(n)", kind: .invalidData) }
        guard D0 > 0, D0.isFinite else { throw SimulationError("initial variance must be > 0") }
        guard steps >= 0 else { throw SimulationError("steps must be ≥ 0") }
        guard let cov = data.covariance else { throw SimulationError("replay needs the covariance matrix", kind: .unsupported) }
        let t0 = Date()
        let mu = lambda / data.alphaEffective
        let sc = data.ell1 + beta + mu
        var W = W0, V = V0, D = D0, th = log(D0)
        var mW = [Double](repeating: 0, count: n), vW = mW, mV = mW, vV = mW
        var mT = 0.0, vT = 0.0
        let b1 = 0.9, b2 = 0.999, eps = 1e-8
        var b1t = 1.0, b2t = 1.0
        var gW = mW, gV = mW, CW = mW, CV = mW
        var gD = 0.0, gnorm = 0.0
        // per-sample gradient at the current point (gW, gV, gD = ∂f/∂D) and ‖g‖
        func gradient() {
            let (bq, g2) = Trainer.weightGradient(cov: cov, W: W, V: V, D: D, beta: beta, mu: mu,
                                                  CW: &CW, CV: &CV, gW: &gW, gV: &gV)
            gD = 0.5 * (bq - beta / D)
            gnorm = (nd * g2 + gD * gD).squareRoot()
        }
        func snapshot(_ step: Int) -> ReplaySnapshot {
            let p = EigenParameters(w: data.toEigenbasis(W), v: data.toEigenbasis(V), D: D)
            return ReplaySnapshot(step: step, observables: data.observables(p), gradNorm: gnorm, relativeGradNorm: gnorm / sc)
        }
        let report = (every ?? 0) > 0
        gradient()
        if report { history(snapshot(0)) }
        var finite = gnorm.isFinite
        var done = 0
        while done < steps && finite {
            done += 1
            b1t *= b1; b2t *= b2
            let c1 = 1 / (1 - b1t), c2 = 1 / (1 - b2t)
            Trainer.adamStepWV(W: &W, V: &V, gW: gW, gV: gV, scale: pd, mW: &mW, vW: &vW, mV: &mV, vV: &vV,
                               b1: b1, b2: b2, c1: c1, c2: c2, lr: learningRate, eps: eps)
            switch variable {
            case .logD:
                let gt = pd * gD * D
                th = Trainer.adamStepScalar(th, g: gt, m: &mT, v: &vT, b1: b1, b2: b2, c1: c1, c2: c2, lr: learningRate, eps: eps)
                D = exp(th)
            case .D:
                let gt = pd * gD
                D = max(Trainer.adamStepScalar(D, g: gt, m: &mT, v: &vT, b1: b1, b2: b2, c1: c1, c2: c2, lr: learningRate, eps: eps), dFloor)
            }
            gradient()
            finite = gnorm.isFinite
            if report && (done % every! == 0 || done == steps) { history(snapshot(done)) }
        }
        let p = EigenParameters(w: data.toEigenbasis(W), v: data.toEigenbasis(V), D: D)
        var o = data.observables(p)
        if !finite { o = Observables(m: .nan, d: .nan, Q: .nan, E: .nan, R: .nan, D: .nan, epsG: .nan, rateTrain: .nan,
                                     rateTest: .nan, distTrain: .nan, distTest: .nan, phase: o.phase) }
        let theta = log(D)
        let loss = lossPerSample(data, W: W, V: V, D: D, beta: beta, mu: mu, CV: CV, theta: theta)
        return SimulationResult(observables: o, steps: done, gradNorm: gnorm, relativeGradNorm: gnorm / sc,
                                converged: finite && gnorm / sc <= tolerance, seconds: Date().timeIntervalSince(t0),
                                finiteLoss: loss.isFinite, loss: loss, beta: beta, lambda: lambda, solver: .adam)
    }

    /// f = −WᵀCV/N + ½ (Q + β)(S + D) − (β/2) log D + (μ/2)(Q + E) (the Trainer's f, constants dropped).
    static func lossPerSample(_ data: SampleSpectrum, W: [Double], V: [Double], D: Double, beta: Double, mu: Double,
                              CV: [Double], theta: Double) -> Double {
        let nd = Double(data.n)
        var K = 0.0, Q = 0.0, E = 0.0, S = 0.0
        for i in 0..<data.n { K += W[i] * CV[i]; Q += W[i] * W[i]; E += V[i] * V[i]; S += V[i] * CV[i] }
        K /= nd; Q /= nd; E /= nd; S /= nd
        return -K + 0.5 * (Q + beta) * (S + D) - 0.5 * beta * theta + 0.5 * mu * (Q + E)
    }
}
