import ArgumentParser
import Foundation
import VAETheory

/// `vaesweep theory`: the N → ∞ minimiser of the linear β-VAE (MODEL.md §4) at one or many points.
struct TheoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "theory",
        abstract: "Asymptotic (N → ∞) theory of the linear β-VAE at one or more parameter points.",
        discussion: "Every option accepts a comma-separated list (e.g. --alpha 0.5,1,2); one result is printed per combination, in the order rho slowest, then eta, alpha, beta, with lambda fastest. "
            + "Domain: alpha in [1e-3, 1e6], beta in [1e-4, 100], lambda in [0, 100], rho in [0, 1e6], eta in [1e-6, 1e6]. "
            + "Bad input prints one error line naming the option and exits with code 2. "
            + "With --json each line is one JSON object with keys alpha, beta, lambda, rho, eta, m, d, Q, E, R, D, eps_g, rate_train, rate_test, dist_train, dist_test, phase (name) and metastable (boolean)."
    )

    @Option(name: .long, parsing: .unconditional, help: "Sample complexity α = P/N (list allowed). Required.")
    var alpha: String?
    @Option(name: .long, parsing: .unconditional, help: "KL weight β (list allowed). Required.")
    var beta: String?
    @Option(name: .long, parsing: .unconditional, help: "Weight decay λ (list allowed). Required.")
    var lambda: String?
    @Option(name: .long, parsing: .unconditional, help: "Signal strength ρ (list allowed; slowest-varying). Default 1.")
    var rho: String?
    @Option(name: .long, parsing: .unconditional, help: "Noise strength η (list allowed; second slowest). Default 1.")
    var eta: String?
    @Flag(name: .long, help: "Print one JSON object per line instead of a table.")
    var json = false

    /// Parse a comma-separated list of finite doubles inside `range`; on error print one line and exit 2.
    static func parseList(_ option: String, _ text: String?, default def: Double?, range: ClosedRange<Double>) -> [Double] {
        guard let text = text else {
            if let d = def { return [d] }
            fail("missing required option --\(option)")
        }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var out: [Double] = []
        for p in parts {
            guard !p.isEmpty, let v = Double(p) else {
                fail("--\(option): cannot parse '\(p)' as a number (expected e.g. --\(option) 0.5,1,2)")
            }
            do { try TheoryInput.check(option, v, range) } catch let e as TheoryInputError {
                fail("--\(option): \(e.message)")
            } catch { fail("--\(option): \(error)") }
            out.append(v)
        }
        return out
    }

    func run() throws {
        let alphas = Self.parseList("alpha", alpha, default: nil, range: TheoryInput.alphaRange)
        let betas = Self.parseList("beta", beta, default: nil, range: TheoryInput.betaRange)
        let lambdas = Self.parseList("lambda", lambda, default: nil, range: TheoryInput.lambdaRange)
        let rhos = Self.parseList("rho", rho, default: 1, range: TheoryInput.rhoRange)
        let etas = Self.parseList("eta", eta, default: 1, range: TheoryInput.etaRange)

        if !json {
            let cols: [(String, Int)] = [("alpha", 10), ("beta", 10), ("lambda", 10), ("rho", 8), ("eta", 8), ("phase", 12),
                                         ("meta", 8), ("m", 12), ("Q", 12), ("D", 12), ("eps_g", 12), ("rate_test", 12), ("dist_test", 0)]
            print(cols.map { $0.1 > 0 ? $0.0.padding(toLength: $0.1, withPad: " ", startingAt: 0) : $0.0 }.joined(separator: " "))
        }
        for r in rhos { for e in etas { for a in alphas { for b in betas { for l in lambdas {
            let input: TheoryInput
            do { input = try TheoryInput(alpha: a, beta: b, lambda: l, rho: r, eta: e) } catch let err as TheoryInputError {
                fail("--\(err.field): \(err.message)")
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
