// The bidiagonal model (MODEL.md §8): the exact finite-N law of C without the data matrix.
//
// Rotated so that w* = e₁, X = U B Vᵀ with V e₁ = e₁ and B upper bidiagonal with independent entries
// (Dumitriu–Edelman 2002, the spike on the first column). With P = round(α N):
//   P ≥ N (B is N × N): diagonal √(ρ+η) χ_P, √η χ_{P−1}, …, √η χ_{P−N+1}; superdiagonal √η χ_{N−1}, …, √η χ_1;
//   P < N (B is P × (P+1)): diagonal √(ρ+η) χ_P, √η χ_{P−1}, …, √η χ_1; superdiagonal √η χ_{N−1}, …, √η χ_{N−P}.
// C's spectrum is that of T = BᵀB/P (s × s, s = N or P + 1; the other N − s eigenvalues of C are 0),
// the overlap of an eigenvector with w* is its FIRST component, tr C = ‖B‖²_F/P.
// Variables (ChiStream.swift, stream purpose `.bidiagonal`): diagonal entry j is variable 2j,
// superdiagonal entry j is variable 2j + 1 (each on its own row of the counter-based stream).
// Memory: B's two arrays, turned into T's in place (16 s bytes); nothing of size P.
//
// gd: L-BFGS (LBFGS.swift) on x = [ŵ, v̂, log D] ∈ R^(2N+1) in the rotated coordinates (first =
// w*), with products by T on the first s coordinates (the remaining N − s see no data). MODEL.md §8:
// this has exactly the law of training on X. Observables: m = ŵ₁, d = v̂₁; S = v̂ᵀTv̂; the train
// distortion in excess of tr C − ℓ₁ as a sum of non-negative terms, max(ℓ₁ − uᵀTu, 0) +
// max(rᵀTr, 0) + QD (u = ŵ/|ŵ|, r = u − √Q v̂), the explicit path's decomposition without C's
// eigenbasis; test quantities from Σ as everywhere.
import Foundation
import VAETheory

extension DataSet {
    /// T = BᵀB/P of the bidiagonal data set (α, N, ρ, η, key) and tr C/N = ‖B‖²_F/(P N): the χ
    /// variables of the file header, in place. Deterministic bit for bit on every machine.
    public static func tridiagonal(alpha: Double, n: Int, rho: Double = 1, eta: Double = 1,
                                   key: DataKey) throws -> (matrix: Tridiagonal, traceOverN: Double, p: Int) {
        guard n >= 1 else { throw SimulationError("n must be ≥ 1") }
        guard alpha > 0, alpha.isFinite else { throw SimulationError("alpha must be > 0") }
        guard rho >= 0, rho.isFinite, eta > 0, eta.isFinite else { throw SimulationError("need rho ≥ 0, eta > 0") }
        let p = sampleCount(alpha: alpha, n: n)
        let s = p >= n ? n : p + 1
        guard 2 * (s - 1) + 1 <= ChiStream.maxVariable else {
            throw SimulationError("bidiagonal: N = \(n) needs more than 2^32 χ variables")
        }
        let chi = ChiStream(key: key, alpha: alpha, n: n)
        let nDiag = min(n, p), sqrtEta = eta.squareRoot(), sqrtSpike = (rho + eta).squareRoot()
        var d = [Double](repeating: 0, count: s), e = [Double](repeating: 0, count: s - 1)
        d.withUnsafeMutableBufferPointer { dp in e.withUnsafeMutableBufferPointer { ep in
            // d_j = scale_j χ_{P−j} (variable 2j), e_j = √η χ_{N−1−j} (variable 2j + 1).
            chi.fillChi(into: dp.baseAddress!, count: 1, firstVariable: 0, firstDegrees: p, scale: sqrtSpike)
            chi.fillChi(into: dp.baseAddress! + 1, count: nDiag - 1, firstVariable: 2, stride: 2, firstDegrees: p - 1, scale: sqrtEta)
            if s > 1 { chi.fillChi(into: ep.baseAddress!, count: s - 1, firstVariable: 1, stride: 2, firstDegrees: n - 1, scale: sqrtEta) }
        } }
        var sum = 0.0
        d.withUnsafeBufferPointer { sum = sumOfSquares($0.baseAddress!, count: s) }
        if s > 1 { e.withUnsafeBufferPointer { sum += sumOfSquares($0.baseAddress!, count: s - 1) } }
        // T in place: T_jj = (d_j² + e_{j−1}²)/P, T_{j,j+1} = d_j e_j/P.
        let invP = 1 / Double(p)
        d.withUnsafeMutableBufferPointer { dp in e.withUnsafeMutableBufferPointer { ep in
            var prev = 0.0
            for j in 0..<s {
                let dj = dp[j]
                dp[j] = (dj * dj + prev * prev) * invP
                if j < s - 1 { let ej = ep[j]; ep[j] = dj * ej * invP; prev = ej }
            }
        } }
        return (Tridiagonal(diagonal: d, offDiagonal: e), sum / (Double(p) * Double(n)), p)
    }

    /// The bidiagonal exact data set: T → its top pair (Tridiagonal.swift) → ℓ₁, ℓ₂, ω₁, ω₂ (first
    /// components), tr C/N; T is dropped. `initialBlock` as in `Tridiagonal.topPair` (tests).
    public static func buildBidiagonalTop(alpha: Double, n: Int, rho: Double = 1, eta: Double = 1, spike: Spike = .ones,
                                          key: DataKey, initialBlock: Int? = nil) throws -> TopPairSpectrum {
        let t0 = Date()
        let t = try tridiagonal(alpha: alpha, n: n, rho: rho, eta: eta, key: key)
        return topPair(of: t, alpha: alpha, n: n, rho: rho, eta: eta, spike: spike, key: key, since: t0, initialBlock: initialBlock)
    }

    /// The bidiagonal gd data set: T kept, with its top pair (for ℓ₁ and the exact solver).
    public static func buildBidiagonal(alpha: Double, n: Int, rho: Double = 1, eta: Double = 1, spike: Spike = .ones,
                                       key: DataKey) throws -> TridiagonalSample {
        let t0 = Date()
        let t = try tridiagonal(alpha: alpha, n: n, rho: rho, eta: eta, key: key)
        let top = topPair(of: t, alpha: alpha, n: n, rho: rho, eta: eta, spike: spike, key: key, since: t0, initialBlock: nil)
        return TridiagonalSample(matrix: t.matrix, top: top)
    }

    static func topPair(of t: (matrix: Tridiagonal, traceOverN: Double, p: Int), alpha: Double, n: Int, rho: Double, eta: Double,
                        spike: Spike, key: DataKey, since t0: Date, initialBlock: Int?) -> TopPairSpectrum {
        let t1 = Date()
        var r = t.matrix.topPair(initialBlock: initialBlock)
        let t2 = Date()
        r.info.secondsSamples = t1.timeIntervalSince(t0); r.info.secondsEigen = t2.timeIntervalSince(t1)
        return TopPairSpectrum(n: n, p: t.p, alpha: alpha, rho: rho, eta: eta, spike: spike, key: key, dataModel: .bidiagonal,
                               values: r.values, spikeOverlaps: r.firstComponents, traceOverN: t.traceOverN,
                               source: .tridiagonal(r.info))
    }
}

/// A bidiagonal-model data set with T kept (gd in T's coordinates; exact from its top pair).
public struct TridiagonalSample: TrainingData {
    /// T = BᵀB/P (s × s).
    public let matrix: Tridiagonal
    /// The top pair of T (the exact solver's data set of the same key, bit for bit).
    public let top: TopPairSpectrum

    public var n: Int { top.n }
    public var p: Int { top.p }
    public var alpha: Double { top.alpha }
    public var rho: Double { top.rho }
    public var eta: Double { top.eta }
    public var spike: Spike { top.spike }
    public var key: DataKey { top.key }
    public var dataModel: DataModel { .bidiagonal }
    public var ell1: Double { top.ell1 }
    public var theta: Double { top.theta }
    public var traceOverN: Double { top.traceOverN }
    public var relativeGap: Double { top.relativeGap }

    /// exact (the top pair's minimiser) or gd (L-BFGS on T); adam is refused.
    public func solve(beta: Double, lambda: Double, options: TrainingOptions) throws -> SimulationResult {
        switch options.solver {
        case .exact: return try top.solve(beta: beta, lambda: lambda, options: options)
        case .adam: throw DataModel.adamRefusal
        case .gd:
            let mu = lambda / alphaEffective
            let obj = TridiagonalObjective(t: matrix, n: n, beta: beta, mu: mu)
            let start = Trainer.initialParameters(self, beta: beta, lambda: lambda)
            let sc = 1 / Double(n).squareRoot()
            var x0 = [Double](repeating: 0, count: 2 * n + 1)
            for i in 0..<n { x0[i] = start.W[i] * sc; x0[n + i] = start.V[i] * sc }   // D = 1
            let r = Trainer.minimise(obj, from: x0, scale: ell1 + beta + mu, options: options)
            return finish(obj, x: r.x, beta: beta, lambda: lambda, steps: r.steps, converged: r.converged)
        }
    }

    func finish(_ obj: TridiagonalObjective, x: [Double], beta: Double, lambda: Double, steps: Int, converged: Bool) -> SimulationResult {
        var g = [Double](repeating: 0, count: 2 * n + 1)
        let f = x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { obj.evaluate(xp.baseAddress!, $0.baseAddress!) } }
        let gn = g.withUnsafeBufferPointer { obj.gradNorm($0.baseAddress!, theta: x[2 * n]) }
        let p = EigenParameters(w: Array(x[0..<n]), v: Array(x[n..<(2 * n)]), D: exp(x[2 * n]))
        return SimulationResult(observables: observables(p), steps: steps, gradNorm: gn,
                                relativeGradNorm: gn / (ell1 + beta + obj.mu), converged: converged && f.isFinite, seconds: 0,
                                finiteLoss: f.isFinite, loss: f, beta: beta, lambda: lambda, solver: .gd, parameters: p)
    }

    /// MODEL.md §3 observables of (ŵ, v̂, D) in T's coordinates (see the file header).
    public func observables(_ q: EigenParameters) -> Observables {
        var Q = 0.0, E = 0.0, R = 0.0
        for i in 0..<n { let w = q.w[i], v = q.v[i]; Q += w * w; E += v * v; R += w * v }
        let S = q.v.withUnsafeBufferPointer { matrix.quadraticForm($0.baseAddress!) }
        let l1 = ell1
        var distTrain = max(l1, 0)
        if Q > 0 {
            let norm = Q.squareRoot(), inv = 1 / norm
            // Coordinates beyond T's dimension s see T = 0 and drop out of both forms.
            var u = [Double](repeating: 0, count: matrix.dimension), r = u
            for i in 0..<matrix.dimension { u[i] = q.w[i] * inv; r[i] = u[i] - norm * q.v[i] }
            let uTu = u.withUnsafeBufferPointer { matrix.quadraticForm($0.baseAddress!) }
            let rTr = r.withUnsafeBufferPointer { matrix.quadraticForm($0.baseAddress!) }
            distTrain = max(l1 - uTu, 0) + max(rTr, 0) + Q * q.D
        }
        return assembleObservables(m: q.w[0], d: q.v[0], Q: Q, E: E, R: R, S: S, D: q.D, distTrain: distTrain,
                                   n: n, alpha: alphaEffective, rho: rho, eta: eta)
    }
}

/// f and its gradient in T's coordinates (x = [ŵ, v̂, θ], length 2N + 1; T acts on the first s):
///     f = −ŵᵀTv̂ + ½ (Q + β)(v̂ᵀTv̂ + D) − (β/2) θ + (μ/2)(Q + E),
///     ∂f/∂ŵ = (S + D + μ) ŵ − T v̂,   ∂f/∂v̂ = (Q + β) T v̂ + μ v̂ − T ŵ,   ∂f/∂θ = ½ ((Q + β) D − β).
struct TridiagonalObjective: TrainingObjective {
    let t: Tridiagonal
    let n: Int
    let beta: Double
    let mu: Double

    func evaluate(_ x: UnsafePointer<Double>, _ g: UnsafeMutablePointer<Double>) -> Double {
        let s = t.dimension
        // g holds T v̂ in its first half and T ŵ in its second while the sums are formed.
        t.times(x + n, into: g)
        t.times(x, into: g + n)
        var Q = 0.0, E = 0.0, S = 0.0, K = 0.0
        for i in 0..<n { let w = x[i], v = x[n + i]; Q += w * w; E += v * v }
        for i in 0..<s { S += x[n + i] * g[i]; K += x[i] * g[i] }
        let th = x[2 * n], D = exp(th)
        let a = S + D + mu, bq = Q + beta
        for i in 0..<s {
            let tv = g[i], tw = g[n + i]
            g[i] = a * x[i] - tv
            g[n + i] = bq * tv + mu * x[n + i] - tw
        }
        for i in s..<n { g[i] = a * x[i]; g[n + i] = mu * x[n + i] }
        g[2 * n] = 0.5 * (bq * D - beta)
        return -K + 0.5 * (Q + beta) * (S + D) - 0.5 * beta * th + 0.5 * mu * (Q + E)
    }

    func gradNorm(_ g: UnsafePointer<Double>, theta: Double) -> Double {
        var s = 0.0
        for i in 0..<(2 * n) { s += g[i] * g[i] }
        let gd = g[2 * n] / exp(theta)
        return (s + gd * gd).squareRoot()
    }
}
