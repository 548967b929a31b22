// `vaesweep-bench validate` (make validate; not part of CI): simulated ε_g against the N = ∞
// theory and the finite-N correction of MODEL.md §5, ρ = η = 1, α ∈ {0.5, 2, 8},
// β ∈ {0.5, 1, 2, 3}, λ ∈ {0.01, 1}, N ∈ {250, 500, 1000, 2000}, 5 replicates, default solver (gd),
// with the exact spectral minimiser of each sample as a cross-check.
import Foundation
import VAESimulation
import VAETheory

func runValidation() throws {
    if CommandLine.arguments.dropFirst().first != "validate" {
        print("validation skipped (long): run `vaesweep-bench validate`")
        return
    }
    let rho = 1.0, eta = 1.0
    let alphas = [0.5, 2.0, 8.0], betas = [0.5, 1.0, 2.0, 3.0], lambdas = [0.01, 1.0]
    let ns = [250, 500, 1000, 2000], reps = 5
    var pairs: [(beta: Double, lambda: Double)] = []
    for l in lambdas { for b in betas { pairs.append((b, l)) } }
    struct Row { var eps: [Double] = []; var maxQ = 0.0; var gdExact = 0.0; var unconverged = 0; var phases: [Phase] = [] }
    var table: [String: Row] = [:]
    func keyOf(_ a: Int, _ n: Int, _ p: Int) -> String { "\(a)/\(n)/\(p)" }
    let t0 = Date()
    for (ai, alpha) in alphas.enumerated() {
        for n in ns {
            for rep in 0..<reps {
                let data = try DataSet.build(alpha: alpha, n: n, rho: rho, eta: eta, spike: .ones,
                                             key: DataKey(rootSeed: 1, replicate: rep),
                                             keepCovariance: false)
                let gd = try Trainer.train(data, pairs: pairs, options: TrainingOptions(solver: .gd))
                let ex = try Trainer.train(data, pairs: pairs, options: TrainingOptions(solver: .exact))
                for (pi, (g, e)) in zip(gd, ex).enumerated() {
                    var row = table[keyOf(ai, n, pi)] ?? Row()
                    row.eps.append(g.observables.epsG)
                    row.maxQ = max(row.maxQ, g.observables.Q)
                    row.gdExact = max(row.gdExact, abs(g.observables.epsG - e.observables.epsG))
                    if !g.converged { row.unconverged += 1 }
                    row.phases.append(g.observables.phase)
                    table[keyOf(ai, n, pi)] = row
                }
            }
            FileHandle.standardError.write(Data(String(format: "  α=%g N=%d done (%.0f s)\n", alpha, n, Date().timeIntervalSince(t0)).utf8))
        }
    }
    print("ρ = η = 1; ε_g mean ± std over \(reps) replicates (gd); theory N=∞; finite-N value (MODEL.md §5, overlearning");
    print("outside the BBP window); gap = |mean − reference|, reference = finite-N value where it applies, else N=∞.")
    print("  α     β     λ     N  phase(theory) sim-phases      ε_g(sim) ± std      ε_g(∞)   ε_g(N)    gap  gap/se  |gd−exact|")
    var largest: [Int: Double] = [:]
    var failures: [String] = []
    var followUp: [(Double, Double, Double, Double, Phase)] = []
    func fmt(_ x: Double) -> String { String(format: "%.4g", x) }
    for (ai, alpha) in alphas.enumerated() {
        for (pi, pr) in pairs.enumerated() {
            let th = Theory.solve(try TheoryInput(alpha: alpha, beta: pr.beta, lambda: pr.lambda, rho: rho, eta: eta))
            let o = th.observables
            for n in ns {
                let row = table[keyOf(ai, n, pi)]!
                let mean = row.eps.reduce(0, +) / Double(row.eps.count)
                let sd = (row.eps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(row.eps.count - 1)).squareRoot()
                var finite = Double.nan
                let kappa = rho / eta, sg = (1 / alpha).squareRoot()
                if o.phase == .overlearning && 1 - kappa / sg > pow(Double(n), -1.0 / 3.0) {
                    let c = (1 + kappa) / pow(1 - kappa / sg, 2)
                    finite = o.epsG - 2 * rho.squareRoot() * o.Q.squareRoot() * (2 * c / (Double.pi * Double(n))).squareRoot()
                }
                let ref = finite.isNaN ? o.epsG : finite
                let gap = abs(mean - ref)
                largest[n] = max(largest[n] ?? 0, gap)
                let counts = [Phase.learning, .overlearning, .collapsed].map { p in row.phases.filter { $0 == p }.count }
                let ph = "L\(counts[0]) O\(counts[1]) C\(counts[2])"
                let se = sd / Double(row.eps.count).squareRoot()
                print(String(format: "%5.1f %5.2f %5.2f %5d  %-12@  %-10@ %8.4f ± %.4f   %8.4f %8@ %7.4f %6@  %.1e%@",
                             alpha, pr.beta, pr.lambda, n, o.phase.name as NSString, ph as NSString, mean, sd, o.epsG,
                             (finite.isNaN ? "   —" : String(format: "%8.4f", finite)) as NSString, gap,
                             (se > 0 && gap > 1e-6 ? String(format: "%6.1f", gap / se) : "     —") as NSString, row.gdExact,
                             (row.unconverged > 0 ? " (\(row.unconverged) unconverged)" : "") as NSString))
                if n == 2000 {
                    switch o.phase {
                    case .learning where gap >= 0.03:
                        failures.append("learning α=\(alpha) β=\(pr.beta) λ=\(pr.lambda) gap \(fmt(gap))")
                        followUp.append((alpha, pr.beta, pr.lambda, ref, o.phase))
                    case .overlearning where !finite.isNaN && gap >= 0.05:
                        failures.append("overlearning α=\(alpha) β=\(pr.beta) λ=\(pr.lambda) gap \(fmt(gap))")
                        followUp.append((alpha, pr.beta, pr.lambda, ref, o.phase))
                    case .collapsed where row.maxQ >= 1e-8:
                        failures.append("collapsed α=\(alpha) β=\(pr.beta) λ=\(pr.lambda) max Q \(fmt(row.maxQ)) (β_c(α) = \(fmt(Theory.collapsedStabilityThreshold(alpha: alpha, lambda: pr.lambda, rho: rho, eta: eta))))")
                        followUp.append((alpha, pr.beta, pr.lambda, ref, o.phase))
                    default: break
                    }
                }
            }
        }
    }
    print("largest gap by N (and gap·√N, constant if ∝ 1/√N):")
    for n in ns { print(String(format: "  N = %5d: %.4f   (%.3f)", n, largest[n]!, largest[n]! * Double(n).squareRoot())) }
    print(failures.isEmpty ? "targets at N = 2000: all met" : "targets at N = 2000 NOT met:\n  " + failures.joined(separator: "\n  "))
    // Follow-up: is a missed target statistical? More replicates (5 … 44) at N = 2000 with the exact
    // minimiser of each sample (equal to gd to ~1e-7 above), top eigenpair only.
    if !followUp.isEmpty {
        let extra = 40, n = 2000
        print("follow-up at N = 2000, \(extra) more replicates (5 … 44; exact minimiser of each sample, top eigenpair only):")
        print("  α     β     λ   reference   mean ± se (40)     gap   gap/se   frac(Q<1e-8)  phase(theory)")
        // One top-of-spectrum per (α, replicate), shared by every point of that α.
        var byAlpha: [Double: [(ell1: Double, overlap: Double, p: Int)]] = [:]
        for alpha in Set(followUp.map { $0.0 }).sorted() {
            byAlpha[alpha] = try (reps..<(reps + extra)).map { rep in
                let t = try DataSet.topSpectrum(alpha: alpha, n: n, rho: rho, eta: eta, spike: .ones,
                                                key: DataKey(rootSeed: 1, replicate: rep))
                return (t.ell1, t.overlap, t.p)
            }
        }
        for (alpha, beta, lambda, ref, phase) in followUp {
            var eps: [Double] = [], collapsedCount = 0
            for top in byAlpha[alpha]! {
                let sol = ScalarEquations.minimiser(ell1: top.ell1, alpha: Double(top.p) / Double(n), beta: beta, lambda: lambda).best
                let m = sol.a * abs(top.overlap)
                eps.append(rho - 2 * rho.squareRoot() * m + sol.a * sol.a)
                if sol.a * sol.a < 1e-8 { collapsedCount += 1 }
            }
            let mean = eps.reduce(0, +) / Double(extra)
            let sd = (eps.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(extra - 1)).squareRoot()
            let se = sd / Double(extra).squareRoot()
            print(String(format: "%5.1f %5.2f %5.2f   %8.4f   %8.4f ± %.4f   %6.4f %6@   %.2f          %@", alpha, beta, lambda, ref, mean, se,
                         abs(mean - ref), (se > 0 ? String(format: "%6.1f", abs(mean - ref) / se) : "     —") as NSString,
                         Double(collapsedCount) / Double(extra), phase.name as NSString))
        }
    }
    print(String(format: "total %.0f s", Date().timeIntervalSince(t0)))
}
