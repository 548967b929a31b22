import ArgumentParser
import Foundation
import VAETheory

/// `vaesweep theory`: the N → ∞ minimiser of the linear β-VAE (MODEL.md §4) at one or many points.
struct TheoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "theory",
        abstract: "Asymptotic (N → ∞) theory of the linear β-VAE at one or more parameter points.",
        discussion: "Every option accepts a comma-separated list (e.g. --alpha 0.5,1,2); one result is printed per combination, in the order rho slowest, then eta, alpha, beta, with lambda fastest. "
            + "Domain: \(Domain.describe("alpha", .alpha)), \(Domain.describe("beta", .beta)), "
            + "\(Domain.describe("lambda", .lambda)), \(Domain.describe("rho", .rho)), "
            + "\(Domain.describe("eta", .eta)) (the same domain as `simulate` and a spec). "
            + "Bad input prints one error line naming the option and exits with code 2. "
            + "With --json each line is one JSON object with keys alpha, beta, lambda, rho, eta, m, d, Q, E, R, D, eps_g, rate_train, rate_test, dist_train, dist_test, phase (name) and metastable (boolean)."
    )

    // `parsing: .unconditional` so that a negative number (e.g. `--rho -1`) reaches validate()
    // instead of being taken for an option.
    @Option(name: .long, parsing: .unconditional, help: "Sample complexity α = P/N (list allowed).")
    var alpha: DoubleList
    @Option(name: .long, parsing: .unconditional, help: "KL weight β (list allowed).")
    var beta: DoubleList
    @Option(name: .long, parsing: .unconditional, help: "Weight decay λ (list allowed).")
    var lambda: DoubleList
    @Option(name: .long, parsing: .unconditional, help: "Signal strength ρ (list allowed; slowest-varying).")
    var rho = DoubleList([1])
    @Option(name: .long, parsing: .unconditional, help: "Noise strength η (list allowed; second slowest).")
    var eta = DoubleList([1])
    @Flag(name: .long, help: "Print one JSON object per line instead of a table.")
    var json = false

    func validate() throws {
        try Domain.check("alpha", alpha.values, .alpha)
        try Domain.check("beta", beta.values, .beta)
        try Domain.check("lambda", lambda.values, .lambda)
        try Domain.check("rho", rho.values, .rho)
        try Domain.check("eta", eta.values, .eta)
    }

    func run() throws {
        if !json {
            let cols: [(String, Int)] = [("alpha", 10), ("beta", 10), ("lambda", 10), ("rho", 8), ("eta", 8), ("phase", 12),
                                         ("meta", 8)] + ([Quantity.m, .Q, .D, .epsG, .rateTest].map { ($0.rawValue, 12) }) + [(Quantity.distTest.rawValue, 0)]
            print(cols.map { $0.1 > 0 ? $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) : $0.0 }.joined(separator: " "))
        }
        for r in rho.values { for e in eta.values { for a in alpha.values { for b in beta.values { for l in lambda.values {
            let input: TheoryInput
            do { input = try TheoryInput(alpha: a, beta: b, lambda: l, rho: r, eta: e) } catch let err as DomainError {
                throw ValidationError("--\(err.field): \(err.message)")
            }
            let res = Theory.solve(input)
            let o = res.observables
            if json {
                var j = JSONObject()
                j.add("alpha", a); j.add("beta", b); j.add("lambda", l); j.add("rho", r); j.add("eta", e)
                j.add(o); j.add("metastable", res.metastable)
                print(j.line)
            } else {
                func g(_ x: Double) -> String { String(format: "%-10.4g", x) }
                func g8(_ x: Double) -> String { String(format: "%-8.4g", x) }
                func g12(_ x: Double) -> String { String(format: "%-12.6g", x) }
                print([g(a), g(b), g(l), g8(r), g8(e), o.phase.name.padding(toLength: 12, withPad: " ", startingAt: 0),
                       (res.metastable ? "yes" : "no").padding(toLength: 8, withPad: " ", startingAt: 0),
                       g12(o.m), g12(o.Q), g12(o.D), g12(o.epsG), g12(o.rateTest), String(format: "%.6g", o.distTest)]
                    .joined(separator: " "))
            }
        } } } } }
    }
}
