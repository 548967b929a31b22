// The parameter domains of the project, defined once: the theory engine, the spec parser and the
// command line all check their values here, so a value one of them accepts is never refused (or
// silently mishandled) by another.
//
// Why these bounds: α, β, λ, ρ, η are the theory engine's domain (the caps on ρ, η keep ℓ₁ ≲ 1e9,
// so every power of ℓ₁ in the stationary-point cubic stays far from overflow and the observables,
// differences of O(ρ + η) terms, stay meaningful next to β ≥ 1e-4). N ≥ 2 and P = round(αN) ≥ 2
// (MODEL.md §1: P = round(αN) samples; one sample has no spread); N at most 1e5 with the data matrix
// held in memory, 1e8 when the data are drawn from the exact law without it (MODEL.md §8).

/// A parameter whose values the project checks.
public enum Parameter: String, CaseIterable, Sendable {
    /// Signal strength ρ, noise strength η (MODEL.md §1).
    case rho, eta
    /// Sample complexity α = P/N, KL weight β, weight decay λ.
    case alpha, beta, lambda
    /// The dimension N of a simulated data set.
    case n = "N"
    /// A replicate (seed) id, and the number of replicate ids of a grid.
    case seed, seedCount = "seeds"
    /// The relative gradient-norm tolerance of training (0: run to the step limit).
    case tolerance
    /// The step limit of training (`max_steps`), and a replay's exact step count.
    case maxSteps = "max_steps", steps
}

/// The allowed values of one parameter: an interval, open or closed at each end, of reals or integers.
public struct Domain: Sendable, Equatable, CustomStringConvertible {
    /// The ends of the interval.
    public let lower: Double, upper: Double
    /// Whether an end is excluded.
    public let lowerOpen: Bool, upperOpen: Bool
    /// Whether only integers are allowed.
    public let integer: Bool

    /// The interval [lower, upper] (or with open ends).
    public init(_ lower: Double, _ upper: Double, lowerOpen: Bool = false, upperOpen: Bool = false, integer: Bool = false) {
        self.lower = lower; self.upper = upper; self.lowerOpen = lowerOpen; self.upperOpen = upperOpen; self.integer = integer
    }

    /// Whether `x` is finite, inside the interval, and integral when required.
    public func contains(_ x: Double) -> Bool {
        guard x.isFinite else { return false }
        if integer && x != x.rounded() { return false }
        let aboveLower = lowerOpen ? x > lower : x >= lower
        let belowUpper = upperOpen ? x < upper : x <= upper
        return aboveLower && belowUpper
    }

    /// The closed interval [lower, upper] (open ends included).
    public var range: ClosedRange<Double> { lower...upper }

    /// `[1e-3, 1e6]`, `(0, 1)`, `2 … 100000` (integers).
    public var description: String {
        func num(_ x: Double) -> String { integer && abs(x) < 1e15 ? String(Int64(x)) : "\(x)" }
        if integer { return "\(num(lower)) … \(num(upper))" }
        return (lowerOpen ? "(" : "[") + "\(num(lower)), \(num(upper))" + (upperOpen ? ")" : "]")
    }
}

/// A value outside its parameter's domain; `field` names it as the caller spells it
/// ("model.eta", "--eta", "eta").
public struct DomainError: Error, CustomStringConvertible, Equatable {
    /// The offending field, as the caller names it.
    public let field: String
    /// Why it was refused (not finite, or outside the domain, with the value).
    public let message: String
    /// An error about `field`.
    public init(field: String, message: String) { self.field = field; self.message = message }
    /// "field: message".
    public var description: String { "\(field): \(message)" }
}

/// The parameter domains (see the file header).
public enum Domains {
    /// Largest N with the data matrix held in memory (the explicit data model).
    public static let maxExplicitN = 100_000
    /// Largest N when the data set is drawn from the exact finite-N law (MODEL.md §8).
    public static let maxN = 100_000_000
    /// Largest P·N of one explicit data set (the samples held in memory: 4e9 doubles = 32 GB).
    public static let maxExplicitSamplesTimesN = 4e9

    /// The domain of parameter `p`.
    public static func of(_ p: Parameter) -> Domain {
        switch p {
        case .alpha: return Domain(1e-3, 1e6)
        case .beta: return Domain(1e-4, 100)
        case .lambda: return Domain(0, 100)
        case .rho: return Domain(0, 1e6)
        case .eta: return Domain(1e-6, 1e6)
        case .n: return Domain(2, Double(maxN), integer: true)
        case .seed: return Domain(0, Double(Int32.max), integer: true)
        case .seedCount: return Domain(1, 1e6, integer: true)
        case .tolerance: return Domain(0, 1, upperOpen: true)
        case .maxSteps: return Domain(1, 1e9, integer: true)
        case .steps: return Domain(0, 1e9, integer: true)
        }
    }

    /// Throws a `DomainError` naming `field` (default: the parameter's name) unless `value` lies in
    /// `p`'s domain.
    public static func check(_ p: Parameter, _ value: Double, field: String? = nil) throws {
        let d = of(p)
        guard d.contains(value) else {
            let name = field ?? p.rawValue
            if !value.isFinite { throw DomainError(field: name, message: "must be a finite number, got \(value)") }
            if d.integer && value != value.rounded() { throw DomainError(field: name, message: "must be an integer, got \(value)") }
            throw DomainError(field: name, message: "\(value) is outside the domain \(d)")
        }
    }

    /// `check` for an integer value.
    public static func check(_ p: Parameter, _ value: Int, field: String? = nil) throws {
        try check(p, Double(value), field: field)
    }

    /// N for a data model that holds the data matrix (`explicit: true`) or not: N's domain, and at
    /// most `maxExplicitN` with explicit data.
    public static func checkN(_ n: Int, explicit: Bool, field: String? = nil) throws {
        try check(.n, n, field: field)
        if explicit && n > maxExplicitN {
            throw DomainError(field: field ?? Parameter.n.rawValue,
                              message: "\(n) is above \(maxExplicitN), the largest N with the data matrix in memory (the exact-law data model takes N up to \(maxN))")
        }
    }

    /// P = round(α N) must be at least 2 (MODEL.md §1; one sample would be trained at another α
    /// than its label).
    public static func checkSampleCount(alpha: Double, n: Int, field: String? = nil) throws {
        let p = (alpha * Double(n)).rounded()
        guard p >= 2 else {
            throw DomainError(field: field ?? Parameter.alpha.rawValue,
                              message: "α = \(alpha) with N = \(n) gives P = round(αN) = \(Int(p)) samples; at least 2 are needed")
        }
    }
}
