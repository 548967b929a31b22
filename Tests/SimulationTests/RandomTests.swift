import Foundation
import XCTest
import VAESimulation

final class RandomTests: XCTestCase {
    /// Random123 `kat_vectors`, the three philox4x32 10 lines (counter[4] key[2] → output[4]).
    func testPhiloxKnownAnswers() {
        let cases: [((UInt32, UInt32, UInt32, UInt32), (UInt32, UInt32), (UInt32, UInt32, UInt32, UInt32))] = [
            ((0, 0, 0, 0), (0, 0), (0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8)),
            ((0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff), (0xffffffff, 0xffffffff),
             (0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd)),
            ((0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344), (0xa4093822, 0x299f31d0),
             (0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1)),
        ]
        for (ctr, key, want) in cases {
            let got = Philox4x32.block(ctr, key: key)
            XCTAssertEqual([got.0, got.1, got.2, got.3], [want.0, want.1, want.2, want.3])
        }
    }

    func testGaussianMomentsAndRandomAccess() {
        let s = GaussianStream(rootSeed: 7, stream: 42)
        let z = s.normals(row: 3, count: 200_001)
        let n = Double(z.count)
        let mean = z.reduce(0, +) / n
        let m2 = z.reduce(0) { $0 + $1 * $1 } / n
        let m4 = z.reduce(0) { $0 + $1 * $1 * $1 * $1 } / n
        XCTAssertEqual(mean, 0, accuracy: 5 * (1 / n).squareRoot())
        XCTAssertEqual(m2, 1, accuracy: 5 * (2 / n).squareRoot())
        XCTAssertEqual(m4, 3, accuracy: 5 * (96 / n).squareRoot())
        // Prefixes agree (pure function of the counter) and rows/streams differ.
        XCTAssertEqual(Array(z.prefix(11)), s.normals(row: 3, count: 11))
        XCTAssertNotEqual(z[0], s.normals(row: 4, count: 1)[0])
        XCTAssertNotEqual(z[0], GaussianStream(rootSeed: 7, stream: 43).normals(row: 3, count: 1)[0])
        XCTAssertNotEqual(z[0], GaussianStream(rootSeed: 8, stream: 42).normals(row: 3, count: 1)[0])
    }

    func testDataKeyStreamsDistinct() {
        // Keyed by VALUES (stream version 2): purpose × α bits × N × replicate all give distinct
        // streams, and α values one ulp apart are different data sets.
        var ids = Set<UInt64>()
        let alphas = [0.3, 0.30000000000000004, 2.0]
        for p in [StreamPurpose.spike, .samples, .initialisation, .krylovStart] {
            for a in alphas { for n in [250, 500, 1000] { for r in 0..<3 {
                ids.insert(DataKey(rootSeed: 1, replicate: r).stream(p, alpha: a, n: n).stream)
            } } }
        }
        XCTAssertEqual(ids.count, 108)
    }

    /// BoxMuller.ln against libm's log (a second implementation): ≤ 2 ulp over (0, 1), at the ends
    /// of the uniforms' range, across the √½ split and on every binade the uniforms reach.
    func testDeterministicLogAgainstLibm() {
        var u: [Double] = [0x1p-54, 0x1p-53 * 1.5, 0.5, 0.70710678118654746, 0.70710678118654757,
                           0.99999999999999989, 1 - 0x1p-54, 0.75, 0.999, 1e-10]
        var state: UInt64 = 99
        for _ in 0..<400_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            u.append((Double(state >> 11) + 0.5) * 0x1p-53)
            u.append(Double(state >> 11) * 0x1p-53 * pow(2, -Double(state & 63)) + 0x1p-60)
        }
        var worst = 0.0
        for x in u where x > 0 && x < 1 {
            let ref = log(x), got = BoxMuller.ln(x)
            let ulps = abs(got - ref) / ref.ulp
            worst = max(worst, ulps)
            if ulps > 2 { XCTFail("ln(\(x)) = \(got), libm \(ref): \(ulps) ulp"); break }
        }
        print("BoxMuller.ln: worst \(worst) ulp against libm over \(u.count) points")
        XCTAssertEqual(BoxMuller.ln(0.5), -0.69314718055994529)   // −ln 2, correctly rounded
    }

    /// sin 2πu and cos 2πu against libm's sin/cos of 2πu (whose own argument carries ≤ ½ ulp of
    /// 2πu ≤ 4.4e-16): ≤ 1e-15 absolute, and exact at the quadrant points.
    func testDeterministicSinCosAgainstLibm() {
        var state: UInt64 = 7
        var worst = 0.0
        for i in 0..<400_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = i < 9 ? Double(i) / 8 : (Double(state >> 11) + 0.5) * 0x1p-53
            let sc = BoxMuller.sinCosTwoPi(u)
            let a = 2 * Double.pi * u
            let e = max(abs(sc.sin - sin(a)), abs(sc.cos - cos(a)))
            worst = max(worst, e)
            if e > 1e-15 { XCTFail("sinCosTwoPi(\(u)) = \(sc), libm (\(sin(a)), \(cos(a)))"); break }
            XCTAssertEqual(sc.sin * sc.sin + sc.cos * sc.cos, 1, accuracy: 7e-16)   // 3 ulp of 1
        }
        print("BoxMuller.sinCosTwoPi: worst \(worst) absolute against libm")
        for (u, sv, cv) in [(0.0, 0.0, 1.0), (0.25, 1.0, 0.0), (0.5, 0.0, -1.0), (0.75, -1.0, 0.0), (1.0, 0.0, 1.0)] {
            let sc = BoxMuller.sinCosTwoPi(u)
            XCTAssertEqual(sc.sin, sv, "sin 2π·\(u)"); XCTAssertEqual(sc.cos, cv, "cos 2π·\(u)")
        }
    }

    /// The deviates against the Box–Muller formula through libm: equal to 1e-14 relative (so the
    /// stream is Box–Muller up to round-off), and the two deviates of a block independent in
    /// distribution (correlation within 5σ of 0).
    func testDeviatesAreBoxMuller() {
        let s = GaussianStream(rootSeed: 3, stream: 17)
        let z = s.normals(row: 5, count: 20_001)
        var j = 0, blockIndex: UInt32 = 0, corr = 0.0
        let key = s.key, st = s.stream
        while j < z.count {
            let b = Philox4x32.block((blockIndex, 5, UInt32(truncatingIfNeeded: st), UInt32(truncatingIfNeeded: st >> 32)), key: key)
            let u1 = GaussianStream.uniform(b.0, b.1), u2 = GaussianStream.uniform(b.2, b.3)
            let r = (-2 * log(u1)).squareRoot()
            XCTAssertEqual(z[j], r * cos(2 * Double.pi * u2), accuracy: 1e-14 * max(1, r))
            if j + 1 < z.count {
                XCTAssertEqual(z[j + 1], r * sin(2 * Double.pi * u2), accuracy: 1e-14 * max(1, r))
                corr += z[j] * z[j + 1]
            }
            j += 2; blockIndex += 1
        }
        XCTAssertEqual(corr / 10_000, 0, accuracy: 5 / 100)
        // The chunked, vectorised fill gives bitwise the per-block definition, across chunk
        // boundaries (256 blocks) and for odd counts (the last block's cosine alone).
        for count in [1, 2, 3, 511, 512, 513, 1025] {
            let w = s.normals(row: 9, count: count)
            for j in 0..<((count + 1) / 2) {
                let b = Philox4x32.block((UInt32(j), 9, UInt32(truncatingIfNeeded: st), UInt32(truncatingIfNeeded: st >> 32)), key: key)
                let r = (-2 * BoxMuller.ln(GaussianStream.uniform(b.0, b.1))).squareRoot()
                let sc = BoxMuller.sinCosTwoPi(GaussianStream.uniform(b.2, b.3))
                XCTAssertEqual(w[2 * j], r * sc.cos, "count \(count) deviate \(2 * j)")
                if 2 * j + 1 < count { XCTAssertEqual(w[2 * j + 1], r * sc.sin, "count \(count) deviate \(2 * j + 1)") }
            }
        }
    }
}
