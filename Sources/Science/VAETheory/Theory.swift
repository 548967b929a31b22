// Asymptotic theory of the linear β-VAE (MODEL.md §4): BBP spectrum, scalar minimiser, observables,
// collapse boundary and optimal β.

import Foundation

/// A validated theory input point: α, β, λ, ρ, η each inside its domain of `Domains` (the one
/// table of parameter domains, Domain.swift).
public struct TheoryInput: Sendable, Equatable {
    /// Sample complexity α = P/N, KL weight β, weight decay λ, signal strength ρ, noise strength η
    /// (MODEL.md §1–2); each inside its domain.
    public var alpha, beta, lambda, rho, eta: Double

    /// A point after checking every parameter; throws `DomainError` naming the first bad one
    /// ("alpha", "beta", "lambda", "rho", "eta").
    public init(alpha: Double, beta: Double, lambda: Double, rho: Double = 1, eta: Double = 1) throws {
        try Domains.check(.alpha, alpha)
        try Domains.check(.beta, beta)
        try Domains.check(.lambda, lambda)
        try Domains.check(.rho, rho)
        try Domains.check(.eta, eta)
        self.alpha = alpha; self.beta = beta; self.lambda = lambda; self.rho = rho; self.eta = eta
    }
}

/// The theory's answer at one input point.
public struct TheoryResult: Sendable {
    /// The input point solved.
    public var input: TheoryInput
    /// The N → ∞ observables and phase at the global minimiser (MODEL.md §3–4).
    public var observables: Observables
    /// Scalars of the global minimiser (a ≥ 0), top eigenvalue ℓ₁, overlap θ², loss ℒ(a).
    public var a, b, ell1, theta2, loss: Double
    /// Another local minimum coexists with the returned global one (first-order region).
    public var metastable: Bool
    /// Δ = ℒ − β/2, the loss difference to the collapsed point (≤ 0; 0 when collapsed).
    public var lossExcess: Double
    /// A result from its parts (as `Theory.solve` assembles them).
    public init(input: TheoryInput, observables: Observables, a: Double, b: Double, ell1: Double,
                theta2: Double, loss: Double, metastable: Bool, lossExcess: Double = 0) {
        self.input = input; self.observables = observables; self.a = a; self.b = b
        self.ell1 = ell1; self.theta2 = theta2; self.loss = loss; self.metastable = metastable
        self.lossExcess = lossExcess
    }
}

/// The kind of collapse transition along β at fixed (α, λ) (MODEL.md §4).
public enum TransitionKind: String, Sendable, CaseIterable {
    /// ℓ₁ ≤ μ: the collapsed point is the global minimum at every β > 0.
    case none
    /// Q → 0 continuously as β ↑ β_c (β_c ℓ₁ ≥ μ/(1 + 2μ); always at μ = 0).
    case continuous
    /// μ < ℓ₁ and β_c ℓ₁ < μ/(1 + 2μ): a non-zero minimum and the stable collapsed point coexist
    /// for max(β_c, 0) < β < β_s; the global minimum jumps at β_eq.
    case firstOrder
}

/// The collapse transition along β at fixed (ℓ₁, α, λ) (MODEL.md §4), μ = λ/α.
public struct Transition: Sendable, Equatable {
    /// None, continuous or first order.
    public var kind: TransitionKind
    /// β_c = ℓ₁/(1 + μ) − μ/ℓ₁: the collapsed point is a local minimum iff β > β_c (may be ≤ 0).
    public var stability: Double
    /// The phase boundary: the global minimiser is non-zero for β < boundary and collapsed for
    /// β ≥ boundary. Continuous: max(β_c, 0) (the formula). First order: β_eq, bisected to adjacent
    /// doubles and reported as the COLLAPSED end. None: 0.
    public var boundary: Double
    /// The spinodal: a non-zero local minimum exists iff β < spinodal. First order: β_s (bisected,
    /// reported as the end where the non-zero minimum no longer exists); continuous: max(β_c, 0); none: 0.
    public var spinodal: Double

    /// A transition from its parts (as `Theory.transition` computes them).
    public init(kind: TransitionKind, stability: Double, boundary: Double, spinodal: Double) {
        self.kind = kind; self.stability = stability; self.boundary = boundary; self.spinodal = spinodal
    }

    /// First-order coexistence at β: max(β_c, 0) < β < β_s in the first-order region.
    public func coexistence(beta: Double) -> Bool {
        kind == .firstOrder && beta > max(stability, 0) && beta < spinodal
    }
}

/// The asymptotic theory (MODEL.md §4): spectrum, minimiser, observables, collapse boundary, optimal β.
public enum Theory {

    /// The N → ∞ minimiser at one input point.
    public static func solve(_ input: TheoryInput) -> TheoryResult {
        let (ell1, theta2) = spectrum(alpha: input.alpha, rho: input.rho, eta: input.eta)
        let (best, metastable) = ScalarEquations.minimiser(ell1: ell1, alpha: input.alpha, beta: input.beta,
                                                           lambda: input.lambda)
        let obs = observables(a: best.a, b: best.b, D: best.D, ell1: ell1, theta2: theta2,
                              rho: input.rho, eta: input.eta)
        return TheoryResult(input: input, observables: obs, a: best.a, b: best.b, ell1: ell1,
                            theta2: theta2, loss: best.loss, metastable: metastable, lossExcess: best.excess)
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

    /// The collapse transition along β at (α, λ, ρ, η) with the N → ∞ top eigenvalue.
    public static func transition(alpha: Double, lambda: Double, rho: Double, eta: Double) -> Transition {
        transition(ell1: spectrum(alpha: alpha, rho: rho, eta: eta).ell1, alpha: alpha, lambda: lambda)
    }

    /// The collapse transition along β for top eigenvalue `ell1` (the N → ∞ value or the empirical
    /// ℓ₁ of one sample, MODEL.md §4). Classification by MODEL's criteria; in the first-order region
    /// β_s and β_eq are bisected on the exact stationary points (`ScalarEquations.analyse`):
    /// β_s on "a non-zero local minimum exists", β_eq on "the non-zero minimum has Δ < 0".
    public static func transition(ell1: Double, alpha: Double, lambda: Double) -> Transition {
        let mu = lambda / alpha
        let bs = ell1 / (1 + mu) - mu / ell1
        guard ell1 > 0, ell1.isFinite, mu.isFinite else {
            return Transition(kind: .none, stability: bs, boundary: 0, spinodal: 0)
        }
        if mu > 0 && !(mu < ell1) { return Transition(kind: .none, stability: bs, boundary: 0, spinodal: 0) }
        if !(mu > 0 && bs * ell1 < mu / (1 + 2 * mu)) {
            return Transition(kind: .continuous, stability: bs, boundary: max(bs, 0), spinodal: max(bs, 0))
        }
        func nonZeroMinimumExists(_ beta: Double) -> Bool {
            ScalarEquations.analyse(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda)
                .contains { $0.isLocalMinimum && !$0.solution.isCollapsed }
        }
        func nonZeroWins(_ beta: Double) -> Bool {
            !ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda).best.isCollapsed
        }
        // Bisect pred (true below, false above) on (lo, hi); returns the FALSE end.
        func bisect(_ lo0: Double, _ hi0: Double, _ pred: (Double) -> Bool) -> Double {
            var lo = lo0, hi = hi0
            for _ in 0..<2200 {
                let mid = lo + 0.5 * (hi - lo)
                if mid <= lo || mid >= hi { break }
                if pred(mid) { lo = mid } else { hi = mid }
            }
            return hi
        }
        // Search down (halving) from `start` for a β where pred holds; nil if none above 1e-300.
        func searchDown(from start: Double, _ pred: (Double) -> Bool) -> Double? {
            var b = start
            while b >= 1e-300 {
                if pred(b) { return b }
                b *= 0.5
            }
            return nil
        }
        // No non-zero stationary point exists for β ≥ (ℓ₁ + √(ℓ₁² + 4μ))/2 (from β < t ≤ ℓ₁ + μ/β).
        let top = 0.5 * (ell1 + (ell1 * ell1 + 4 * mu).squareRoot()) * (1 + 1e-12)
        guard let lowS = searchDown(from: bs > 0 ? bs : top, nonZeroMinimumExists) else {
            return Transition(kind: .firstOrder, stability: bs, boundary: 0, spinodal: 0)
        }
        let spin = bisect(lowS, top, nonZeroMinimumExists)
        guard let lowEq = searchDown(from: bs > 0 ? bs : spin, nonZeroWins) else {
            return Transition(kind: .firstOrder, stability: bs, boundary: 0, spinodal: spin)
        }
        let eq = bisect(lowEq, spin, nonZeroWins)
        return Transition(kind: .firstOrder, stability: bs, boundary: eq, spinodal: spin)
    }

    /// The collapse phase boundary (see ``Transition``): for β ≥ betaC the global minimiser is
    /// collapsed, for β < betaC it is not. Continuous transition: betaC = max(β_c, 0) with
    /// β_c = ℓ₁/(1+μ) − μ/ℓ₁; first order (μ < ℓ₁ and β_c ℓ₁ < μ/(1+2μ)): betaC = β_eq, where the two
    /// minima have equal loss; no transition (ℓ₁ ≤ μ): betaC = 0, firstOrder = false.
    public static func collapseBoundary(alpha: Double, lambda: Double, rho: Double, eta: Double) -> (betaC: Double, firstOrder: Bool) {
        let t = transition(alpha: alpha, lambda: lambda, rho: rho, eta: eta)
        return (t.boundary, t.kind == .firstOrder)
    }

    /// argmin over β in the theory domain (β ≥ 1e-4) of ε_g at (α, λ, ρ, η), computed directly
    /// (bisection, no grid). ε_g(a) = ρ − 2√ρ θ a + a² is minimal at a² = ρθ², and the minimiser's
    /// a²(β) decreases with β, so β* solves a²(β) = ρθ² (MODEL.md: β* → ℓ₁ − ρθ² as λ → 0). If ρθ²
    /// exceeds a²(β → 0) the best reachable β is the lower end of the domain (1e-4).
    /// Below BBP (θ² = 0) ε_g = ρ + Q is minimal wherever the minimiser is collapsed; the smallest
    /// such β in the domain is returned: the boundary's collapsed side (never the non-zero side of a
    /// first-order boundary), and 1e-4 when there is no transition (collapsed at every β > 0).
    public static func optimalBeta(alpha: Double, lambda: Double, rho: Double, eta: Double) -> Double {
        let (ell1, theta2) = spectrum(alpha: alpha, rho: rho, eta: eta)
        let target = rho * theta2
        let betaMin = Domains.of(.beta).lower
        if !(target > 0) {
            let t = transition(ell1: ell1, alpha: alpha, lambda: lambda)
            var b = t.kind == .none ? betaMin : max(t.boundary, betaMin)
            // a continuous boundary is the formula β_c, which may round to the non-zero side
            var step = b.ulp, k = 0
            while !ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: b, lambda: lambda).best.isCollapsed && k < 80 {
                b += step; step *= 2; k += 1
            }
            return b
        }
        func q(_ beta: Double) -> Double {
            let a = ScalarEquations.minimiser(ell1: ell1, alpha: alpha, beta: beta, lambda: lambda).best.a
            return a * a
        }
        var lo = betaMin
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
    /// Distortion: test in excess of (N−1)η, train in excess of tr C − ℓ₁ (MODEL.md §3):
    /// ℓ₁(1 − ab)² + a²D ≥ 0 (= β with train rate ½ log(ℓ₁/β) as λ → 0).
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
        // train: in excess of tr C − ℓ₁ (MODEL.md §3), ℓ₁ − 2abℓ₁ + a²(b²ℓ₁ + D) written as a sum
        // of non-negative terms
        let oneMinusAB = 1 - a * b
        let distTrain = ell1 * oneMinusAB * oneMinusAB + Q * D
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
