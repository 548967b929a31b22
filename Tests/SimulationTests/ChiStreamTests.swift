import Foundation
import XCTest
import VAESimulation

/// The χ_k sampler of the bidiagonal model (ChiStream.swift): its bits (same function of (key,
/// variable, k) however drawn), its consumption rule, and its law against the exact χ² distribution.
final class ChiStreamTests: XCTestCase {
    let stream = DataKey(rootSeed: 42, replicate: 3).stream(.bidiagonal, alpha: 2, n: 1000)

    /// The single-block helpers are the very deviates `fill` writes (bitwise), and the consumption
    /// rule holds: variable i's χ uses row i only (its value is the x of block 0 of row i for k = 1,
    /// and the first accepted attempt j of blocks 2j, 2j + 1 for k ≥ 2, recomputed here by hand).
    func testSingleBlockHelpersAndConsumptionRule() {
        for row in [0, 1, 77, 4_000_000_000] as [UInt32] {
            let z = stream.normals(row: UInt64(row), count: 40)
            for block in 0..<20 { XCTAssertEqual(stream.cosineDeviate(row: row, block: UInt32(block)).bitPattern, z[2 * block].bitPattern) }
        }
        let chi = ChiStream(stream)
        var attemptsSeen = Set<Int>()
        for i in 0..<3000 {
            let k = [1, 2, 3, 7, 50, 1_000_000][i % 6]
            let got = chi.chi(degrees: k, variable: i)
            // independent re-implementation of the rule (Marsaglia–Tsang with the plain log test)
            let row = UInt32(i)
            if k == 1 { XCTAssertEqual(got, abs(stream.cosineDeviate(row: row, block: 0))); continue }
            let d = 0.5 * Double(k) - 1.0 / 3.0, c = 1 / (3 * d.squareRoot())
            var j: UInt32 = 0, value = Double.nan
            while j < 1000 {
                let x = stream.cosineDeviate(row: row, block: 2 * j)
                let t = 1 + c * x
                if t > 0 {
                    let v = t * t * t, u = stream.uniforms(row: row, block: 2 * j + 1).0
                    if u < 1 - 0.0331 * x * x * x * x || log(u) < 0.5 * x * x + d * (1 - v + log(v)) { value = (2 * d * v).squareRoot(); break }
                }
                j += 1
            }
            attemptsSeen.insert(Int(j))
            XCTAssertEqual(got, value, accuracy: 1e-13 * value, "variable \(i), k = \(k)")
        }
        XCTAssertTrue(attemptsSeen.contains(1), "no rejection exercised")
    }

    /// The chunked fill equals one-at-a-time draws bitwise, whatever the chunking (a variable's
    /// value does not depend on how many others are drawn), and the same key gives the same bits.
    func testFillIsBitwiseOneAtATimeAndIndependentOfTheCount() {
        let chi = ChiStream(stream)
        let count = 1500
        var all = [Double](repeating: 0, count: count)
        all.withUnsafeMutableBufferPointer { chi.fillChi(into: $0.baseAddress!, count: count, firstVariable: 5, stride: 2, firstDegrees: count, scale: 0.7) }
        for j in 0..<count {
            XCTAssertEqual(all[j].bitPattern, (0.7 * chi.chi(degrees: count - j, variable: 5 + 2 * j)).bitPattern, "entry \(j)")
        }
        var part = [Double](repeating: 0, count: 300)
        part.withUnsafeMutableBufferPointer { chi.fillChi(into: $0.baseAddress!, count: 300, firstVariable: 5 + 2 * 600, stride: 2, firstDegrees: count - 600, scale: 0.7) }
        XCTAssertEqual(part.map(\.bitPattern), all[600..<900].map(\.bitPattern))
        let again = ChiStream(key: DataKey(rootSeed: 42, replicate: 3), alpha: 2, n: 1000)
        XCTAssertEqual(again.chi(degrees: 123_456_789, variable: 9).bitPattern, chi.chi(degrees: 123_456_789, variable: 9).bitPattern)
        XCTAssertNotEqual(ChiStream(key: DataKey(rootSeed: 42, replicate: 4), alpha: 2, n: 1000).chi(degrees: 10, variable: 9), chi.chi(degrees: 10, variable: 9))
    }

    /// Moments of χ_k² (mean k, variance 2k, third central moment 8k) for small and huge k, and a
    /// one-sample KS test of each sample against scipy's exact χ²_k CDF (including k = 200, where
    /// both branches of the log test are used, and k = 10⁸).
    func testLawAgainstExactChiSquared() throws {
        let ks = [1, 2, 3, 5, 10, 200, 10_000, 100_000_000]
        let count = 20_000
        var all: [Double] = []
        for (t, k) in ks.enumerated() {
            let chi = ChiStream(DataKey(rootSeed: 7, replicate: t).stream(.bidiagonal, alpha: 1, n: 1))
            let x = (0..<count).map { let c = chi.chi(degrees: k, variable: $0); return c * c }
            let kd = Double(k), nd = Double(count)
            let mean = x.reduce(0, +) / nd
            let m2 = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / nd
            let cubes = x.map { pow($0 - mean, 3) }
            let m3 = cubes.reduce(0, +) / nd
            let seM3 = (cubes.reduce(0) { $0 + ($1 - m3) * ($1 - m3) } / nd / nd).squareRoot()   // empirical
            print(String(format: "χ²_%d: mean %.6g (k), var/2k %.4f, m3/8k %.3f ± %.3f", k, mean, m2 / (2 * kd), m3 / (8 * kd), seM3 / (8 * kd)))
            XCTAssertEqual(mean, kd, accuracy: 5 * (2 * kd / nd).squareRoot(), "k = \(k)")
            XCTAssertEqual(m2 / (2 * kd), 1, accuracy: 5 * ((8 * kd * kd + 48 * kd) / nd).squareRoot() / (2 * kd), "k = \(k)")
            XCTAssertEqual(m3, 8 * kd, accuracy: 5 * seM3, "k = \(k)")
            all += x
        }
        let path = try writeFloat64(all, tag: "chi")
        let out = try python3("""
            import numpy as np, json
            from scipy import stats
            x = np.fromfile("\(path)", dtype="<f8").reshape(\(ks.count), \(count))
            ks = \(ks)
            print(json.dumps([float(stats.kstest(x[i], "chi2", args=(k,)).pvalue) for i, k in enumerate(ks)]))
            """)
        let ps = try JSONDecoder().decode([Double].self, from: Data(out.utf8))
        print("KS p-values against χ²_k (scipy):", zip(ks, ps).map { "k=\($0): \(String(format: "%.3f", $1))" }.joined(separator: ", "))
        for (k, p) in zip(ks, ps) { XCTAssertGreaterThan(p, 1e-3, "χ²_\(k) rejected against the exact distribution") }
        XCTAssertGreaterThan(fisherCombined(ps).p, 1e-3)
    }
}
