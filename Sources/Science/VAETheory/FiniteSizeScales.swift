// Finite-size scales used by the validation recipe (MODEL.md §7 step 2): how fast the collapse
// boundary moves with the sample's top eigenvalue, and the spread of that eigenvalue at finite N.
import Foundation

extension Theory {
    /// dβ_c/dℓ₁ of the stability threshold β_c = ℓ₁/(1 + μ) − μ/ℓ₁ (μ = λ/α): 1/(1 + μ) + μ/ℓ₁²
    /// (1 as λ → 0).
    public static func stabilityThresholdSlope(ell1: Double, alpha: Double, lambda: Double) -> Double {
        let mu = lambda / alpha
        return 1 / (1 + mu) + mu / (ell1 * ell1)
    }

    /// d(boundary)/dℓ₁ of the collapse phase boundary along β at top eigenvalue `ell1`
    /// (``Transition/boundary``): the analytic slope of β_c for a continuous transition, a central
    /// difference (relative step 1e-4) of β_eq for a first-order one, 0 without a transition.
    public static func boundarySlope(ell1: Double, alpha: Double, lambda: Double) -> Double {
        let t = transition(ell1: ell1, alpha: alpha, lambda: lambda)
        switch t.kind {
        case .none: return 0
        case .continuous: return t.boundary > 0 ? stabilityThresholdSlope(ell1: ell1, alpha: alpha, lambda: lambda) : 0
        case .firstOrder:
            let h = 1e-4 * ell1
            let up = transition(ell1: ell1 + h, alpha: alpha, lambda: lambda).boundary
            let dn = transition(ell1: ell1 - h, alpha: alpha, lambda: lambda).boundary
            return (up - dn) / (2 * h)
        }
    }

    /// The spread (standard deviation) σ_N of the top sample eigenvalue ℓ̂₁ of C at dimension `n`
    /// with `p` samples (MODEL.md §7 step 2), γ = N/P, κ = ρ/η:
    /// above BBP (κ > √γ) the Gaussian law η(1 + κ)√(2(1 − γ/κ²)/P) (Paul 2007); at or below it
    /// the Tracy–Widom scale 1.268 η (√P + √N)(P^(−1/2) + N^(−1/2))^(1/3)/P (Johnstone 2001;
    /// 1.268 = sd of TW₁).
    public static func topEigenvalueSpread(n: Int, p: Int, rho: Double, eta: Double) -> Double {
        let nd = Double(n), pd = Double(p)
        let gamma = nd / pd, kappa = rho / eta
        if kappa > gamma.squareRoot() {
            return eta * (1 + kappa) * (2 * (1 - gamma / (kappa * kappa)) / pd).squareRoot()
        }
        return 1.268 * eta * (pd.squareRoot() + nd.squareRoot()) * cbrt(1 / pd.squareRoot() + 1 / nd.squareRoot()) / pd
    }
}
