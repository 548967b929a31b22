// Observables of MODEL.md §3 for trained parameters, and the finite-N phase rule.
import Foundation
import LinearAlgebra
import VAETheory

/// The finite-N phase rule (m is never exactly 0 at finite N).
///
/// * collapsed    — Q < `collapsedQ` = 1e-8. A converged collapsed point has Q at round-off level
///                  (≲ 1e-15); any non-collapsed minimum has Q = a² = O(1) except within ~1e-8 of
///                  a continuous transition.
/// * learning     — the squared overlap of W with the spike, θ̂² = m²/Q, exceeds 9·c/N;
/// * overlearning — otherwise.
///
/// Why 9 c/N: MODEL.md §5 — below BBP (κ = ρ/η < √γ, γ = 1/α) the minimiser lies along v₁ whose
/// overlap obeys √N θ ≈ Gaussian with variance c = (1 + κ)/(1 − κ/√γ)², so N θ̂² ≈ c χ²₁ and
/// "N θ̂² > 9c" is a 3σ event (probability 0.27 %). Inside the BBP window |1 − κ/√γ| < N^(−1/3)
/// c is capped at (1 + κ) N^(2/3) (there the finite-N phase is genuinely ambiguous). Above BBP
/// the reference is the smallest noise level c = 1 + κ (the α → 0 value of the same formula):
/// a learning-phase overlap θ² → (1 − γ/κ²)/(1 + γ/κ) = O(1) passes it as soon as
/// N θ² > 9 (1 + κ). (With κ = 0 the rule is "N θ̂² > 9": no signal ⇒ overlearning.)
public enum FiniteNPhase {
    public static let collapsedQ = 1e-8
    public static let sigmas2 = 9.0

    /// The overlap noise coefficient c used by the rule (see above).
    public static func noiseCoefficient(n: Int, alpha: Double, rho: Double, eta: Double) -> Double {
        let kappa = rho / eta
        let sqrtGamma = (1 / alpha).squareRoot()
        let x = kappa / sqrtGamma
        if x < 1 {
            let delta = max(1 - x, pow(Double(n), -1.0 / 3.0))
            return (1 + kappa) / (delta * delta)
        }
        return 1 + kappa
    }

    public static func classify(m: Double, Q: Double, n: Int, alpha: Double, rho: Double, eta: Double) -> Phase {
        if !(Q >= collapsedQ) { return .collapsed }
        let c = noiseCoefficient(n: n, alpha: alpha, rho: rho, eta: eta)
        let theta2 = m * m / Q
        return Double(n) * theta2 > sigmas2 * c ? .learning : .overlearning
    }
}

/// Parameters in C's eigenbasis, normalised: ŵ = Uᵀ W/√N, v̂ = Uᵀ V/√N (so Q = |ŵ|²).
public struct EigenParameters: Sendable {
    public var w: [Double]
    public var v: [Double]
    public var D: Double
    public init(w: [Double], v: [Double], D: Double) {
        self.w = w
        self.v = v
        self.D = D
    }
}

extension SampleSpectrum {
    /// ŵ = Uᵀ x/√N for a vector in the original basis.
    public func toEigenbasis(_ x: [Double]) -> [Double] {
        var y = BLAS.matvec(vectors, rows: n, cols: n, x)
        let s = 1 / Double(n).squareRoot()
        for i in 0..<n { y[i] *= s }
        return y
    }

    /// MODEL.md §3 observables of (W, V, D) given in C's eigenbasis (normalised), m ≥ 0 convention,
    /// finite-N phase rule of ``FiniteNPhase``. Test quantities exact from Σ.
    public func observables(_ p: EigenParameters) -> Observables {
        var m = 0.0, d = 0.0, Q = 0.0, E = 0.0, R = 0.0, S = 0.0, K = 0.0
        for i in 0..<n {
            let w = p.w[i], v = p.v[i], o = spikeOverlaps[i], l = values[i]
            m += w * o; d += v * o; Q += w * w; E += v * v; R += w * v
            S += l * v * v; K += l * w * v
        }
        if m < 0 { m = -m; d = -d }
        let D = p.D
        let epsG = rho - 2 * rho.squareRoot() * m + Q
        let sTest = eta * E + rho * d * d
        let kl = D - log(D) - 1
        let rateTrain = 0.5 * (S + kl), rateTest = 0.5 * (sTest + kl)
        let distTrain = rho + eta - 2 * K + Q * (S + D)
        let distTest = rho + eta - 2 * (eta * R + rho * m * d) + Q * (sTest + D)
        let phase = FiniteNPhase.classify(m: m, Q: Q, n: n, alpha: alphaEffective, rho: rho, eta: eta)
        return Observables(m: m, d: d, Q: Q, E: E, R: R, D: D, epsG: epsG, rateTrain: rateTrain,
                           rateTest: rateTest, distTrain: distTrain, distTest: distTest, phase: phase)
    }
}
