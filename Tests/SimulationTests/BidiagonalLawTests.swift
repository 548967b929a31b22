import Foundation
import XCTest
import VAETheory
import VAESimulation

/// Equality in law (MODEL.md §8): the bidiagonal model against explicit data, by two-sample
/// Kolmogorov–Smirnov tests of ℓ̂₁, θ̂², tr C/N and of the exact solver's m, Q, ε_g, rate_test,
/// dist_test (β = 1, λ = 0.1: no replicate collapsed, so no ties), 400 replicates per model. The
/// full table (α ∈ {0.25, 0.5, 1, 2, 4} × N ∈ {200, 500}, ~75 s) runs with VAESWEEP_LAW_FULL=1; the
/// unit suite runs its cheaper 8 cells (N = 200 at every α, N = 500 at α ≤ 1; ~25 s). Each (α, N)
/// cell uses independent data, so Fisher's method is valid per quantity over the cells; the 8
/// quantities of one cell share samples (their combination over all tests is reported, and is
/// anti-conservative).
final class BidiagonalLawTests: XCTestCase {
    static let quantities = ["ell1", "theta2", "trC/N", "m", "Q", "eps_g", "rate_test", "dist_test"]

    /// The 8 statistics of one data set (exact solver at β = 1, λ = 0.1).
    static func statistics(_ d: TopPairSpectrum) throws -> [Double] {
        let o = try Trainer.train(d, beta: 1, lambda: 0.1, options: TrainingOptions(solver: .exact)).observables
        return [d.ell1, d.theta * d.theta, d.traceOverN, o.m, o.Q, o.epsG, o.rateTest, o.distTest]
    }

    /// Samples of the two models at (α, N): [quantity][replicate].
    static func samples(alpha: Double, n: Int, reps: Int, rootSeed: UInt64) throws -> (explicit: [[Double]], bidiagonal: [[Double]]) {
        var e = [[Double]](repeating: [], count: quantities.count), b = e
        for r in 0..<reps {
            let key = DataKey(rootSeed: rootSeed, replicate: r)
            for (q, v) in try statistics(DataSet.buildTop(alpha: alpha, n: n, key: key)).enumerated() { e[q].append(v) }
            for (q, v) in try statistics(DataSet.buildBidiagonalTop(alpha: alpha, n: n, key: key)).enumerated() { b[q].append(v) }
        }
        return (e, b)
    }

    func testBidiagonalEqualsExplicitInLaw() throws {
        let full = ProcessInfo.processInfo.environment["VAESWEEP_LAW_FULL"] == "1"
        let alphas = [0.25, 0.5, 1, 2, 4], ns = [200, 500], reps = 400
        let cells = ns.flatMap { n in alphas.filter { full || n == 200 || $0 <= 1 }.map { (n, $0) } }
        var table: [(alpha: Double, n: Int, p: [Double])] = []
        var kept: (explicit: [[Double]], bidiagonal: [[Double]])? = nil
        try timed("equality in law, \(cells.count) cells × \(reps) replicates × 2 models") {
            for (n, alpha) in cells {
                do {
                    let s = try BidiagonalLawTests.samples(alpha: alpha, n: n, reps: reps, rootSeed: 2024)
                    table.append((alpha, n, (0..<BidiagonalLawTests.quantities.count).map { ksTest(s.explicit[$0], s.bidiagonal[$0]).p }))
                    if alpha == 1 && n == 200 { kept = s }
                }
            }
        }
        print("KS p-values, explicit vs bidiagonal (\(reps) replicates each):")
        print("    α     N  " + BidiagonalLawTests.quantities.map { $0.padding(toLength: 9, withPad: " ", startingAt: 0) }.joined(separator: " "))
        for row in table {
            print(String(format: "%5.2f %5d  ", row.alpha, row.n) + row.p.map { String(format: "%-9.3f", $0) }.joined(separator: " "))
        }
        var columnFisher: [Double] = []
        for q in 0..<BidiagonalLawTests.quantities.count { columnFisher.append(fisherCombined(table.map { $0.p[q] }).p) }
        print("Fisher per quantity (\(cells.count) independent cells): " + zip(BidiagonalLawTests.quantities, columnFisher).map { "\($0) \(String(format: "%.3f", $1))" }.joined(separator: ", "))
        let all = table.flatMap(\.p)
        let overall = fisherCombined(all)
        print(String(format: "Fisher over all %d tests: X = %.1f (df %d), p = %.3f; min p = %.4f", all.count, overall.statistic, 2 * all.count, overall.p, all.min()!))
        for row in table { for (q, p) in zip(BidiagonalLawTests.quantities, row.p) { XCTAssertGreaterThan(p, 1e-4, "α=\(row.alpha) N=\(row.n) \(q)") } }
        for (q, p) in zip(BidiagonalLawTests.quantities, columnFisher) { XCTAssertGreaterThan(p, 1e-3, "Fisher over cells rejects \(q)") }
        XCTAssertGreaterThan(overall.p, 1e-4)

        // The KS machinery against scipy once (α = 1, N = 200, ℓ̂₁ and m): the same D, the same
        // asymptotic p (kstwobign), and scipy's exact p for comparison.
        let s = try XCTUnwrap(kept)
        for q in [0, 3] {
            let mine = ksTest(s.explicit[q], s.bidiagonal[q])
            let a = try writeFloat64(s.explicit[q], tag: "ks-a"), b = try writeFloat64(s.bidiagonal[q], tag: "ks-b")
            let out = try python3("""
                import numpy as np, json
                from scipy import stats
                a = np.fromfile("\(a)", dtype="<f8"); b = np.fromfile("\(b)", dtype="<f8")
                r = stats.ks_2samp(a, b)
                en = len(a) * len(b) / (len(a) + len(b))
                print(json.dumps([float(r.statistic), float(stats.kstwobign.sf(np.sqrt(en) * r.statistic)), float(r.pvalue)]))
                """)
            let ref = try JSONDecoder().decode([Double].self, from: Data(out.utf8))
            print("KS \(BidiagonalLawTests.quantities[q]) at α=1 N=200: D \(mine.d) (scipy \(ref[0])), asymptotic p \(mine.p) (scipy kstwobign \(ref[1])), scipy exact p \(ref[2])")
            XCTAssertEqual(mine.d, ref[0], accuracy: 1e-12)
            XCTAssertEqual(mine.p, ref[1], accuracy: 1e-9)
        }
    }

    /// The test has power: a bidiagonal model with ρ off by 15 % (or data of half the α) is rejected
    /// at p < 1e-6 by the same machinery at N = 200 with 200 replicates.
    func testLawTestRejectsAWrongModel() throws {
        var e: [Double] = [], b: [Double] = [], h: [Double] = []
        for r in 0..<200 {
            let key = DataKey(rootSeed: 77, replicate: r)
            e.append(try DataSet.buildTop(alpha: 2, n: 200, key: key).ell1)
            b.append(try DataSet.buildBidiagonalTop(alpha: 2, n: 200, rho: 1.15, key: key).ell1)
            h.append(try DataSet.buildBidiagonalTop(alpha: 1, n: 200, key: key).theta)
        }
        let wrongRho = ksTest(e, b).p
        var et: [Double] = []
        for r in 0..<200 { et.append(try DataSet.buildTop(alpha: 2, n: 200, key: DataKey(rootSeed: 78, replicate: r)).theta) }
        let wrongAlpha = ksTest(et, h).p
        print("power: ρ 1.15 vs 1: p = \(wrongRho); θ at α = 1 vs 2: p = \(wrongAlpha)")
        XCTAssertLessThan(wrongRho, 1e-6)
        XCTAssertLessThan(wrongAlpha, 1e-6)
    }
}
