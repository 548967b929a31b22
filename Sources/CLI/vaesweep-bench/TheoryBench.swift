// Theory benchmark: solve a 10^5-point (α, β, λ) grid on one core.
import Foundation
import VAETheory

func runTheoryBenchmark() throws {
    let nA = 50, nB = 50, nL = 40           // 100 000 points
    let alphas = (0..<nA).map { 1e-3 * pow(1e9, Double($0) / Double(nA - 1)) }     // 1e-3 … 1e6, log
    let betas = (0..<nB).map { 1e-4 * pow(1e6, Double($0) / Double(nB - 1)) }      // 1e-4 … 100, log
    let lambdas = (0..<nL).map { 100 * Double($0) / Double(nL - 1) }               // 0 … 100, linear
    var inputs: [TheoryInput] = []
    inputs.reserveCapacity(nA * nB * nL)
    for a in alphas { for b in betas { for l in lambdas { inputs.append(try TheoryInput(alpha: a, beta: b, lambda: l)) } } }

    func pass() -> (seconds: Double, checksum: Double, counts: [Int]) {
        var sum = 0.0
        var counts = [0, 0, 0]
        let t0 = DispatchTime.now().uptimeNanoseconds
        for inp in inputs {
            let r = Theory.solve(inp)
            sum += r.observables.epsG
            counts[Int(r.observables.phase.rawValue)] += 1
        }
        let t1 = DispatchTime.now().uptimeNanoseconds
        return (Double(t1 - t0) * 1e-9, sum, counts)
    }
    _ = pass()                                   // warm-up
    var best = Double.infinity
    var last = pass()
    for _ in 0..<3 { last = pass(); best = min(best, last.seconds) }
    let n = Double(inputs.count)
    print("theory: \(inputs.count) points (alpha log 1e-3..1e6 x beta log 1e-4..100 x lambda 0..100), one core")
    print(String(format: "theory: best of 3: %.4f s, %.3g points/s, %.3g us/point (target >= 1e5 points/s: %@)",
                 best, n / best, best / n * 1e6, n / best >= 1e5 ? "met" : "NOT met"))
    print("theory: phases collapsed/overlearning/learning = \(last.counts), checksum sum(eps_g) = \(last.checksum)")
}
