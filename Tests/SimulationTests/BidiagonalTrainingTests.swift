import Foundation
import XCTest
import VAETheory
import VAESimulation

/// Training on the bidiagonal model (Bidiagonal.swift) and the typed split of the data sets.
final class BidiagonalTrainingTests: XCTestCase {
    let pairs: [(beta: Double, lambda: Double)] = [(0.5, 0.01), (1, 1), (2, 0.01), (3, 1), (0.2, 3), (1.5, 0.1)]

    /// gd (L-BFGS in T's coordinates, O(N) per step) reaches the exact minimiser of the same T:
    /// every observable within 1e-7 where the top gap is resolved (relative gap > 1e-2; the
    /// NearDegenerateTests bound K‖g‖/h₂ is then ≲ 1e-7 at tolerance 1e-9), on both sides of P = N
    /// and of BBP, with N − s coordinates beyond T's dimension when P < N.
    func testGradientTrainingOnTEqualsExactOnT() throws {
        var checked = 0, worst = 0.0
        try timed("gd vs exact on T") {
            for (alpha, n) in [(4.0, 60), (0.5, 80), (2.0, 300), (8.0, 1000), (0.25, 400), (16.0, 2000)] {
                for rep in 0..<2 where !(n >= 1000 && rep == 1) {
                    let data = try DataSet.buildBidiagonal(alpha: alpha, n: n, key: DataKey(rootSeed: 31, replicate: rep))
                    guard data.relativeGap > 1e-2 else { continue }
                    let gd = try Trainer.train(data, pairs: pairs, options: TrainingOptions(solver: .gd))
                    let ex = try Trainer.train(data, pairs: pairs, options: TrainingOptions(solver: .exact))
                    for (g, e) in zip(gd, ex) {
                        if ScalarEquations.minimiser(ell1: data.ell1, alpha: data.alphaEffective, beta: g.beta, lambda: g.lambda).metastable { continue }
                        let tag = "α=\(alpha) N=\(n) rep \(rep) β=\(g.beta) λ=\(g.lambda)"
                        XCTAssertTrue(g.converged, "\(tag): steps \(g.steps) rel \(g.relativeGradNorm)")
                        let (diff, name) = maxDifference(g.observables, e.observables)
                        worst = max(worst, diff)
                        XCTAssertLessThan(diff, 1e-7, "\(tag): \(name) differs by \(diff)")
                        XCTAssertEqual(g.observables.phase, e.observables.phase, tag)
                        XCTAssertLessThanOrEqual(g.loss, e.loss + 1e-12, tag)
                        XCTAssertEqual(g.loss, e.loss, accuracy: 1e-12 * max(1, abs(e.loss)), tag)
                        XCTAssertEqual(g.parameters?.w.count, n)
                        checked += 1
                    }
                }
            }
        }
        print("gd vs exact on T: \(checked) points, worst observable difference \(worst)")
        XCTAssertGreaterThan(checked, 40)
    }

    /// The gd data set's exact solver is the exact data set's (same T, same top pair, same bits), and
    /// a data set is a pure function of its key.
    func testExactOnTheGdDataSetEqualsTheExactDataSet() throws {
        let key = DataKey(rootSeed: 4, replicate: 9)
        let top = try DataSet.buildBidiagonalTop(alpha: 3, n: 500, rho: 1.5, eta: 0.7, key: key)
        let full = try DataSet.buildBidiagonal(alpha: 3, n: 500, rho: 1.5, eta: 0.7, key: key)
        XCTAssertEqual(top.values, full.top.values); XCTAssertEqual(top.spikeOverlaps, full.top.spikeOverlaps)
        XCTAssertEqual(top.traceOverN, full.traceOverN)
        for (a, b) in zip(try Trainer.train(top, pairs: pairs, options: TrainingOptions(solver: .exact)),
                          try Trainer.train(full, pairs: pairs, options: TrainingOptions(solver: .exact))) {
            XCTAssertEqual(observableVector(a.observables).map(\.bitPattern), observableVector(b.observables).map(\.bitPattern))
        }
        let routed = try XCTUnwrap(try DataSet.build(alpha: 3, n: 500, rho: 1.5, eta: 0.7, key: key, solver: .exact, dataModel: .bidiagonal) as? TopPairSpectrum)
        XCTAssertEqual(routed.values, top.values)
        XCTAssertEqual(routed.dataModel, .bidiagonal)
        XCTAssertNotNil(routed.tridiagonal); XCTAssertNil(routed.krylov)
        XCTAssertTrue(try DataSet.build(alpha: 3, n: 500, key: key, solver: .gd, dataModel: .bidiagonal) is TridiagonalSample)
        // the spike's shape does not enter the law (nor the bits) under bidiagonal
        let g = try DataSet.buildBidiagonalTop(alpha: 3, n: 500, rho: 1.5, eta: 0.7, spike: .gaussian, key: key)
        XCTAssertEqual(g.values, top.values)
        // another replicate: other numbers
        XCTAssertNotEqual(try DataSet.buildBidiagonalTop(alpha: 3, n: 500, rho: 1.5, eta: 0.7, key: DataKey(rootSeed: 4, replicate: 10)).ell1, top.ell1)
    }

    /// Adam under bidiagonal: refused with kind `.unsupported` and one line saying why, by the
    /// builder, by both bidiagonal data sets and by `DataModel.check`; gd on an exact-only data
    /// set is refused too.
    func testAdamIsRefusedUnderBidiagonal() throws {
        let key = DataKey(rootSeed: 1)
        func assertRefusal(_ body: () throws -> Void, mentions words: [String], line: UInt = #line) {
            XCTAssertThrowsError(try body(), line: line) { e in
                guard let s = e as? SimulationError else { return XCTFail("not a SimulationError: \(e)", line: line) }
                guard case .unsupported = s.kind else { return XCTFail("kind \(s.kind)", line: line) }
                XCTAssertFalse(s.description.contains("\n"), line: line)
                for w in words { XCTAssertTrue(s.description.contains(w), "\(s.description) lacks \(w)", line: line) }
            }
        }
        let adam = TrainingOptions(solver: .adam)
        assertRefusal({ _ = try DataSet.build(alpha: 2, n: 50, key: key, solver: .adam, dataModel: .bidiagonal) }, mentions: ["rotation-equivariant", "explicit"])
        assertRefusal({ try DataModel.bidiagonal.check(solver: .adam) }, mentions: ["rotation-equivariant", "explicit"])
        assertRefusal({ _ = try Trainer.train(DataSet.buildBidiagonal(alpha: 2, n: 50, key: key), beta: 1, lambda: 1, options: adam) }, mentions: ["rotation-equivariant"])
        assertRefusal({ _ = try Trainer.train(DataSet.buildBidiagonalTop(alpha: 2, n: 50, key: key), beta: 1, lambda: 1, options: adam) }, mentions: ["rotation-equivariant"])
        assertRefusal({ _ = try Trainer.train(DataSet.buildBidiagonalTop(alpha: 2, n: 50, key: key), beta: 1, lambda: 1, options: TrainingOptions(solver: .gd)) }, mentions: ["solver: .gd"])
        XCTAssertNoThrow(try DataModel.bidiagonal.check(solver: .gd))
        XCTAssertNoThrow(try DataModel.explicit.check(solver: .adam))
    }

    /// The top-pair exact path gives the bits of the full-spectrum exact path on the same top pair
    /// (the pre-split code path: a SampleSpectrum zero-padded past the pair, as buildTop used to
    /// return), and agrees with the full eigendecomposition of the same sample within 1e-9.
    func testTopPairExactIsBitwiseTheFullSpectrumPath() throws {
        var cases = 0
        for (alpha, n, spike) in [(4.0, 300, Spike.gaussian), (0.5, 400, .ones), (1.0, 250, .gaussian), (0.02, 100, .ones), (8.0, 1, .ones)] {
            let key = DataKey(rootSeed: 17, replicate: cases)
            let top = try DataSet.buildTop(alpha: alpha, n: n, spike: spike, key: key)
            var values = [Double](repeating: 0, count: n), omega = values
            for j in 0..<top.values.count { values[j] = top.values[j]; omega[j] = top.spikeOverlaps[j] }
            let padded = SampleSpectrum(n: n, p: top.p, alpha: alpha, rho: 1, eta: 1, spike: spike, key: key, values: values,
                                        vectors: [], spikeOverlaps: omega, spikeVector: [], covariance: nil,
                                        traceOverN: top.traceOverN, secondsCovariance: 0, secondsEigen: 0)
            let full = try DataSet.build(alpha: alpha, n: n, spike: spike, key: key, keepCovariance: false)
            let a = try Trainer.train(top, pairs: pairs, options: TrainingOptions(solver: .exact))
            let b = try Trainer.train(padded, pairs: pairs, options: TrainingOptions(solver: .exact))
            let c = try Trainer.train(full, pairs: pairs, options: TrainingOptions(solver: .exact))
            for ((x, y), z) in zip(zip(a, b), c) {
                let tag = "α=\(alpha) N=\(n) β=\(x.beta) λ=\(x.lambda)"
                XCTAssertEqual(observableVector(x.observables).map(\.bitPattern), observableVector(y.observables).map(\.bitPattern), tag)
                XCTAssertEqual(x.observables.phase, y.observables.phase, tag)
                XCTAssertEqual([x.loss, x.gradNorm, x.relativeGradNorm].map(\.bitPattern), [y.loss, y.gradNorm, y.relativeGradNorm].map(\.bitPattern), tag)
                XCTAssertEqual(x.converged, y.converged); XCTAssertEqual(x.steps, 0)
                XCTAssertEqual(top.flags(x), padded.flags(y))
                if !top.nearDegenerate {
                    let (diff, name) = maxDifference(x.observables, z.observables)
                    XCTAssertLessThanOrEqual(diff, 1e-9, "\(tag): \(name)")
                }
            }
            cases += 1
        }
    }

    /// Cost and memory estimates know the data model: O(N) under bidiagonal (N = 10⁸ fits in
    /// 4 GB for exact), far below explicit, default = explicit (existing callers unchanged), adam
    /// under bidiagonal +∞ (refused).
    func testEstimatesKnowTheDataModel() {
        for s in Solver.allCases {
            XCTAssertEqual(DataSet.estimatedCost(alpha: 4, n: 8000, solver: s, pairs: 8),
                           DataSet.estimatedCost(alpha: 4, n: 8000, solver: s, pairs: 8, dataModel: .explicit))
            XCTAssertEqual(DataSet.estimatedPeakBytes(alpha: 4, n: 8000, solver: s),
                           DataSet.estimatedPeakBytes(alpha: 4, n: 8000, solver: s, dataModel: .explicit))
        }
        let peak8 = DataSet.estimatedPeakBytes(alpha: 4, n: 100_000_000, solver: .exact, dataModel: .bidiagonal)
        XCTAssertGreaterThanOrEqual(peak8, 16e8); XCTAssertLessThan(peak8, 4e9)
        let cost8 = DataSet.estimatedCost(alpha: 4, n: 100_000_000, solver: .exact, dataModel: .bidiagonal)
        XCTAssertTrue(cost8 > 1 && cost8 < 30, "\(cost8)")
        XCTAssertLessThan(100 * DataSet.estimatedCost(alpha: 4, n: 8000, solver: .exact, dataModel: .bidiagonal),
                          DataSet.estimatedCost(alpha: 4, n: 8000, solver: .exact))
        XCTAssertLessThan(DataSet.estimatedCost(alpha: 4, n: 100_000, solver: .exact, pairs: 8, dataModel: .bidiagonal),
                          DataSet.estimatedCost(alpha: 4, n: 100_000, solver: .gd, pairs: 8, dataModel: .bidiagonal))
        XCTAssertEqual(DataSet.estimatedCost(alpha: 4, n: 1000, solver: .adam, dataModel: .bidiagonal), .infinity)
        XCTAssertEqual(DataSet.estimatedPeakBytes(alpha: 4, n: 1000, solver: .adam, dataModel: .bidiagonal), .infinity)
        for (a, n) in [(1e7, 10_000_000), (1e-3, 1), (0.5, 100_000_000)] {
            for s in [Solver.exact, .gd] {
                let c = DataSet.estimatedCost(alpha: a, n: n, solver: s, pairs: 8, dataModel: .bidiagonal)
                let m = DataSet.estimatedPeakBytes(alpha: a, n: n, solver: s, dataModel: .bidiagonal)
                XCTAssertTrue(c.isFinite && c > 0 && m.isFinite && m > 0, "\(s) α=\(a) N=\(n)")
            }
        }
    }
}
