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
}
