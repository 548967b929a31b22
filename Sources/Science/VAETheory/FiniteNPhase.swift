// The finite-N phase rule and the critical BBP window of MODEL.md §5 (pure formulas: no data).
import Foundation

/// The finite-N phase label of a converged minimiser (m is never exactly 0 at finite N), MODEL.md §5.
///
/// With θ̂² = m²/Q, κ = ρ/η, γ = 1/α, x = κ/√γ and w = N^(−1/3):
/// * collapsed    — Q < `collapsedQ` = 1e-8;
/// * learning     — N θ̂² > 9 c(x), c(x) = (1 + κ)/max(|1 − x|, w)²: the overlap noise of a bulk-edge
///                  eigenvector, the SAME on both sides of BBP (so the label follows the data, not
///                  the side of x = 1 the population parameters sit on);
/// * overlearning — otherwise.
/// Points with 1 − w < x < 1 + (4.5 (1 + κ)²/N)^(1/3) are CRITICAL (`isCritical`): no sample-based
/// label can match the N = ∞ phase there (the upper edge is where a learning overlap
/// θ² ≈ 2(x − 1)/(1 + κ) first clears 9 c/N). Simulations pass the effective α = P/N.
public enum FiniteNPhase {
    /// Q below which a finite-N minimiser is labelled collapsed.
    public static let collapsedQ = 1e-8
    /// The learning threshold: learning when N θ̂² > `sigmas2` · c(x) (MODEL.md §5).
    public static let sigmas2 = 9.0

    /// x = κ/√γ = (ρ/η)√α (x > 1: above BBP).
    public static func bbpRatio(alpha: Double, rho: Double, eta: Double) -> Double {
        (rho / eta) * alpha.squareRoot()
    }

    /// w = N^(−1/3), the half-width of the BBP window in x.
    public static func windowWidth(n: Int) -> Double { pow(Double(n), -1.0 / 3.0) }

    /// The overlap noise coefficient c(x) = (1 + κ)/max(|1 − x|, w)².
    public static func noiseCoefficient(n: Int, alpha: Double, rho: Double, eta: Double) -> Double {
        let kappa = rho / eta
        let x = bbpRatio(alpha: alpha, rho: rho, eta: eta)
        let delta = max(abs(1 - x), windowWidth(n: n))
        return (1 + kappa) / (delta * delta)
    }

    /// The critical window in x: (1 − w, 1 + (4.5 (1 + κ)²/N)^(1/3)), open at both ends.
    public static func criticalWindow(n: Int, rho: Double, eta: Double) -> (lower: Double, upper: Double) {
        let kappa = rho / eta
        let nd = Double(n)
        return (1 - windowWidth(n: n), 1 + cbrt(4.5 * (1 + kappa) * (1 + kappa) / nd))
    }

    /// True inside the critical BBP window (MODEL.md §5).
    public static func isCritical(n: Int, alpha: Double, rho: Double, eta: Double) -> Bool {
        let x = bbpRatio(alpha: alpha, rho: rho, eta: eta)
        let w = criticalWindow(n: n, rho: rho, eta: eta)
        return x > w.lower && x < w.upper
    }

    /// The label of a converged minimiser with overlap m = W·W*/N and Q = |W|²/N.
    public static func classify(m: Double, Q: Double, n: Int, alpha: Double, rho: Double, eta: Double) -> Phase {
        if !(Q >= collapsedQ) { return .collapsed }
        let c = noiseCoefficient(n: n, alpha: alpha, rho: rho, eta: eta)
        let theta2 = m * m / Q
        return Double(n) * theta2 > sigmas2 * c ? .learning : .overlearning
    }
}
