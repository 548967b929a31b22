// Asymptotic theory of the linear β-VAE (MODEL.md §4): BBP spectrum, scalar minimiser, observables,
// collapse boundary and optimal β.

import Foundation

/// Bad theory input: `field` names the offending parameter ("alpha", "beta", "lambda", "rho", "eta").
public struct TheoryInputError: Error, CustomStringConvertible {
    public let field: String
    public let message: String
    public init(field: String, message: String) { self.field = field; self.message = message }
    public var description: String { "\(field): \(message)" }
}

/// A validated theory input point.
/// Domain: α ∈ [1e-3, 1e6], β ∈ [1e-4, 100], λ ∈ [0, 100], ρ ∈ [0, 1e6], η ∈ [1e-6, 1e6], all finite.
/// (The caps on ρ, η keep ℓ₁ ≤ ~1e9 so that every power of ℓ₁ in the cubic stays far from overflow and
/// the observables, differences of O(ρ + η) terms, stay meaningful next to β ≥ 1e-4.)
public struct TheoryInput: Sendable, Equatable {
    public var alpha, beta, lambda, rho, eta: Double

    public static let alphaRange: ClosedRange<Double> = 1e-3...1e6
    public static let betaRange: ClosedRange<Double> = 1e-4...100
    public static let lambdaRange: ClosedRange<Double> = 0...100
    public static let rhoRange: ClosedRange<Double> = 0...1e6
    public static let etaRange: ClosedRange<Double> = 1e-6...1e6

    public init(alpha: Double, beta: Double, lambda: Double, rho: Double = 1, eta: Double = 1) throws {
        try TheoryInput.check("alpha", alpha, TheoryInput.alphaRange)
        try TheoryInput.check("beta", beta, TheoryInput.betaRange)
        try TheoryInput.check("lambda", lambda, TheoryInput.lambdaRange)
        try TheoryInput.check("rho", rho, TheoryInput.rhoRange)
        try TheoryInput.check("eta", eta, TheoryInput.etaRange)
        self.alpha = alpha; self.beta = beta; self.lambda = lambda; self.rho = rho; self.eta = eta
    }

    /// Throws a `TheoryInputError` naming `field` unless `value` is finite and inside `range`.
    public static func check(_ field: String, _ value: Double, _ range: ClosedRange<Double>) throws {
        guard value.isFinite else {
            throw TheoryInputError(field: field, message: "must be a finite number, got \(value)")
        }
        guard range.contains(value) else {
            throw TheoryInputError(field: field,
                                   message: "\(value) is outside the domain [\(range.lowerBound), \(range.upperBound)]")
        }
    }
}

/// The theory's answer at one input point.
public struct TheoryResult: Sendable {
    public var input: TheoryInput
    public var observables: Observables
    /// Scalars of the global minimiser (a ≥ 0), top eigenvalue ℓ₁, overlap θ², loss ℒ(a).
    public var a, b, ell1, theta2, loss: Double
    /// Another local minimum coexists with the returned global one (first-order region).
    public var metastable: Bool
    public init(input: TheoryInput, observables: Observables, a: Double, b: Double, ell1: Double,
                theta2: Double, loss: Double, metastable: Bool) {
        self.input = input; self.observables = observables; self.a = a; self.b = b
        self.ell1 = ell1; self.theta2 = theta2; self.loss = loss; self.metastable = metastable
    }
}

public enum Theory {

    /// The N → ∞ minimiser at one input point.
    public static func solve(_ input: TheoryInput) -> TheoryResult {
        let (ell1, theta2) = spectrum(alpha: input.alpha, rho: input.rho, eta: input.eta)
        let (best, metastable) = ScalarEquations.minimiser(ell1: ell1, alpha: input.alpha, beta: input.beta,
                                                           lambda: input.lambda)
        let obs = observables(a: best.a, b: best.b, D: best.D, ell1: ell1, theta2: theta2,
                              rho: input.rho, eta: input.eta)
        return TheoryResult(input: input, observables: obs, a: best.a, b: best.b, ell1: ell1,
                            theta2: theta2, loss: best.loss, metastable: metastable)
    }

    /// BBP: ℓ₁ and θ² in the N → ∞ limit (MODEL.md §4), γ = 1/α, κ = ρ/η.
    public static func spectrum(alpha: Double, rho: Double, eta: Double) -> (ell1: Double, theta2: Double) {
        let gamma = 1 / alpha
        let kappa = rho / eta
        let sg = gamma.squareRoot()
        if kappa > sg {
            let ell1 = eta * (1 + kappa) * (1 + gamma / kappa)
            // 1 − γ/κ² written as (κ − √γ)(κ + √γ)/κ² to keep relative precision near BBP
            let theta2 = ((kappa - sg) * (kappa + sg) / (kappa * kappa)) / (1 + gamma / kappa)
            return (ell1, theta2)
        }
        return (eta * (1 + sg) * (1 + sg), 0)
    }

    /// α above which m > 0 (BBP): (η/ρ)²  (+∞ for ρ = 0).
    public static func bbpThreshold(rho: Double, eta: Double) -> Double {
        let r = eta / rho
        return r * r
    }

    /// β at which the collapsed state becomes LOCALLY stable (MODEL.md §4):
    /// β_c(α) = ℓ₁/(1 + μ) − μ/ℓ₁ (may be ≤ 0: then it is stable at every β > 0).
    public static func collapsedStabilityThreshold(alpha: Double, lambda: Double, rho: Double, eta: Double) -> Double {
        let ell1 = spectrum(alpha: alpha, rho: rho, eta: eta).ell1
        let mu = lambda / alpha
        return ell1 / (1 + mu) - mu / ell1
    }

    /// The collapse phase boundary: for β > betaC the global minimiser is collapsed, for β < betaC it is not.
    /// Continuous transition (firstOrder false): betaC = ℓ₁/(1+μ) − μ/ℓ₁ of MODEL.md.
    /// First-order transition (firstOrder true, MODEL.md's criterion β_c ℓ₁ < μ/(1+2μ) or β_c ≤ 0):
    /// betaC is where the two minima have equal loss (≥ the stability threshold), found by bisection
    /// on the phase of the exact minimiser; 0 if the collapsed state wins at every β > 0.
    public static func collapseBoundary(alpha: Double, lambda: Double, rho: Double, eta: Double) -> (betaC: Double, firstOrder: Bool) {
        let ell1 = spectrum(alpha: alpha, rho: rho, eta: eta).ell1
        let mu = lambda / alpha
        let bs = ell1 / (1 + mu) - mu / ell1
        let firstOrder = mu > 0 && bs * ell1 < mu / (1 + 2 * mu)
        if !firstOrder { return (max(bs, 0), false) }
        func nonZeroWins(_ beta: Double) -> Bool {
            !ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda).best.isCollapsed
        }
        // lower end: β_c (non-zero wins there, MODEL §4) or a tiny β; upper end: no non-zero point
        // exists for β ≥ (ℓ₁ + √(ℓ₁² + 4μ))/2 (from β < t ≤ ℓ₁ + μ/β).
        var lo = bs > 0 ? bs : 1e-300
        if bs <= 0 {
            // search down for a β where the non-zero state wins
            var b = max(ell1, 1e-300)
            var found = false
            for _ in 0..<2100 {
                if nonZeroWins(b) { found = true; break }
                b *= 0.5
                if b < 1e-300 { break }
            }
            if !found { return (0, true) }
            lo = b
        }
        var hi = 0.5 * (ell1 + (ell1 * ell1 + 4 * mu).squareRoot()) * (1 + 1e-12)
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid <= lo || mid >= hi { break }
            if nonZeroWins(mid) { lo = mid } else { hi = mid }
        }
        return (0.5 * (lo + hi), true)
    }

    /// argmin over β > 0 of ε_g at (α, λ, ρ, η), computed directly (bisection, no grid).
    /// ε_g(a) = ρ − 2√ρ θ a + a² is minimal at a² = ρθ², and the minimiser's a²(β) decreases with β,
    /// so β* solves a²(β) = ρθ² (MODEL.md: β* → ℓ₁ − ρθ² as λ → 0). If ρθ² exceeds a²(β → 0) the best
    /// reachable β is the lower end of the domain (1e-4); below BBP (θ² = 0) ε_g = ρ + Q is minimal for
    /// every collapsed β, and the smallest such β (the collapse boundary) is returned.
    public static func optimalBeta(alpha: Double, lambda: Double, rho: Double, eta: Double) -> Double {
        let (ell1, theta2) = spectrum(alpha: alpha, rho: rho, eta: eta)
        let target = rho * theta2
        if !(target > 0) { return collapseBoundary(alpha: alpha, lambda: lambda, rho: rho, eta: eta).betaC }
        func q(_ beta: Double) -> Double {
            let a = ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda).best.a
            return a * a
        }
        var lo = TheoryInput.betaRange.lowerBound
        if q(lo) <= target { return lo }
        var hi = max(ell1, lo) * 2
        var k = 0
        while q(hi) > target && k < 100 { hi *= 2; k += 1 }
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid <= lo || mid >= hi { break }
            if q(mid) > target { lo = mid } else { hi = mid }
        }
        // a²(β) is continuous at a continuous transition; pick the end with ε_g smaller
        func eps(_ beta: Double) -> Double {
            let a = q(beta).squareRoot()
            let sr = rho.squareRoot()
            return rho - 2 * sr * theta2.squareRoot() * a + a * a
        }
        return eps(lo) <= eps(hi) ? lo : hi
    }

    /// Observables of MODEL.md §3/§4 from scalars (a,b,D) and (ell1, theta2): used for theory, and by the
    /// simulation's exact solver with EMPIRICAL ell1, theta2. W = a√N v₁, V = b√N v₁, θ = |v₁·w*| ≥ 0;
    /// the representative with m ≥ 0 is reported (signs of a, b flipped together if a < 0).
    /// Phase: collapsed if a == 0, else learning if m > 0, else overlearning.
    public static func observables(a a0: Double, b b0: Double, D: Double, ell1: Double, theta2: Double,
                                   rho: Double, eta: Double) -> Observables {
        let flip = a0 < 0 || (a0 == 0 && b0 < 0)
        let a = flip ? -a0 : a0, b = flip ? -b0 : b0
        let theta = max(theta2, 0).squareRoot()
        let m = a * theta, d = b * theta
        let Q = a * a, E = b * b, R = a * b
        let sr = rho.squareRoot()
        let epsG = (sr - m) * (sr - m) + max(0, Q - m * m)
        let sTrain = b * b * ell1
        let sTest = eta * E + rho * d * d
        let kl = klExcess(D)
        let rateTrain = 0.5 * (sTrain + kl)
        let rateTest = 0.5 * (sTest + kl)
        let distTrain = rho + eta - 2 * a * b * ell1 + Q * (sTrain + D)
        let distTest = rho + eta - 2 * (eta * R + rho * m * d) + Q * (sTest + D)
        let phase: Phase = a == 0 ? .collapsed : (m > 0 ? .learning : .overlearning)
        return Observables(m: m, d: d, Q: Q, E: E, R: R, D: D, epsG: epsG, rateTrain: rateTrain,
                           rateTest: rateTest, distTrain: distTrain, distTest: distTest, phase: phase)
    }

    /// D − log D − 1 ≥ 0, accurate near D = 1 (x − log(1+x), x = D − 1).
    @inline(__always)
    static func klExcess(_ D: Double) -> Double {
        let x = D - 1
        if abs(x) < 0.1 {
            // x²/2 − x³/3 + x⁴/4 − …  (|x| < 0.1: 16 terms reach double precision)
            var term = x * x, s = 0.0
            var k = 2.0
            while k <= 18 { s += term / k; term *= -x; k += 1 }
            return s
        }
        if x < -0.5 { return x - log(D) }   // D − 1 would lose D's digits inside log1p
        return x - log1p(x)
    }
}
