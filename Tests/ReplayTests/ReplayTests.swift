import Foundation
import ResultsFile
import TestSupport
import VAESimulation
import VAETheory
import XCTest

/// Runs python3 (numpy is installed for the tests) with `script` in `cwd`.
func python(_ script: String, cwd: String) throws -> (Int32, String, String) {
    let r = try runProcess("/usr/bin/env", ["python3", "-c", script], currentDirectory: cwd)
    return (r.status, r.stdout, r.stderr)
}

/// Save `values` (row-major, `shape`) as .npy with numpy (an independent writer), dtype `dtype`.
func saveNPY(_ values: [Double], shape: [Int], to path: String, dtype: String = "float64", order: String = "C") throws {
    let dir = (path as NSString).deletingLastPathComponent
    let json = dir + "/" + UUID().uuidString + ".json"
    try ("[" + values.map { "\($0)" }.joined(separator: ",") + "]").write(toFile: json, atomically: true, encoding: .utf8)
    let shapeText = "(" + shape.map(String.init).joined(separator: ",") + ("," as String) + ")"
    let (rc, _, err) = try python("""
        import json, numpy as np
        a = np.array(json.load(open("\(json)")), dtype=np.float64).reshape(\(shapeText)).astype("\(dtype)")
        np.save("\(path)", np.asfortranarray(a) if "\(order)" == "F" else a)
        """, cwd: dir)
    XCTAssertEqual(rc, 0, err)
}

final class NPYTests: XCTestCase {
    /// numpy-written files read back exactly (float64, float32, versions 1.0 and 2.0, 1-D and 2-D);
    /// every bad file is one error naming the file. Would fail on: a wrong header-length width for
    /// version 2, float32 read as float64, fortran order accepted (transposed data), a truncated
    /// file accepted.
    func testReadsNumpyFilesAndRejectsBadOnes() throws {
        let dir = try temporaryDirectory("npy").path
        let (rc, _, err) = try python("""
            import numpy as np
            a = np.arange(12, dtype=np.float64).reshape(3, 4) / 7.0
            np.save("f8.npy", a); np.save("f4.npy", a.astype(np.float32)); np.save("vec.npy", a[0])
            with open("v2.npy", "wb") as f: np.lib.format.write_array(f, a, version=(2, 0))
            np.save("fortran.npy", np.asfortranarray(a)); np.save("int.npy", np.arange(4)); np.save("big.npy", a.astype(">f8"))
            b = open("f8.npy", "rb").read(); open("trunc.npy", "wb").write(b[:-5]); open("long.npy", "wb").write(b + b"\\0")
            open("junk.npy", "wb").write(b"hello world, not numpy")
            """, cwd: dir)
        XCTAssertEqual(rc, 0, err)
        let expected = (0..<12).map { Double($0) / 7 }
        let f8 = try NPY.read(path: dir + "/f8.npy")
        XCTAssertEqual(f8.shape, [3, 4]); XCTAssertEqual(f8.values, expected); XCTAssertEqual(f8.descr, "<f8")
        XCTAssertEqual(try NPY.read(path: dir + "/v2.npy").values, expected)
        let f4 = try NPY.read(path: dir + "/f4.npy")
        XCTAssertEqual(f4.values, expected.map { Double(Float($0)) })
        XCTAssertEqual(try NPY.read(path: dir + "/vec.npy").shape, [4])
        for (name, word) in [("fortran", "fortran"), ("int", "dtype"), ("big", "dtype"), ("trunc", "truncated"),
                             ("long", "after the data"), ("junk", "magic"), ("missing", "cannot read")] {
            let path = dir + "/\(name).npy"
            XCTAssertThrowsError(try NPY.read(path: path), name) { e in
                let s = "\(e)"
                XCTAssertTrue(s.hasPrefix(path) && s.contains(word) && !s.contains("\n"), "\(name): \(s)")
            }
        }
    }
}

final class ReplayTests: XCTestCase {
    /// `simulate --data X.npy` with the same sample and start as an internal run reproduces that run:
    /// the data matrix of (α = 2, N = 20, seed 3) written by numpy, the initial weights as N × 1 and
    /// 1 × N files, 400 Adam steps on log D. Would fail if the replay used another loss scaling (per
    /// sample instead of total), another C (e.g. XᵀX without 1/P), or read the matrix transposed.
    func testReplayReproducesInternalSimulate() throws {
        let dir = try temporaryDirectory("replay").path
        let (alpha, n, beta, lambda, seed) = (2.0, 20, 0.7, 0.3, 3)
        let key = DataKey(rootSeed: 1, replicate: seed)
        let x = DataSet.sampleMatrix(alpha: alpha, n: n, rho: 1, eta: 1, spike: .ones, key: key)
        let p = DataSet.sampleCount(alpha: alpha, n: n)
        try saveNPY(x, shape: [p, n], to: dir + "/X.npy")
        let data = try DataSet.build(alpha: alpha, n: n, key: key)
        let start = Trainer.initialParameters(data, beta: beta, lambda: lambda)
        try saveNPY(start.W, shape: [n, 1], to: dir + "/W0.npy")
        try saveNPY(start.V, shape: [1, n], to: dir + "/V0.npy", dtype: "float64")
        let common = ["--beta", "\(beta)", "--lambda", "\(lambda)", "--solver", "adam", "--json"]
        let inside = try runVaesweep(["simulate", "--alpha", "2", "--n", "20", "--seed", "3", "--max-steps", "400", "--tolerance", "0"] + common)
        XCTAssertEqual(inside.status, 0, inside.stderr)
        let ref = try XCTUnwrap(try jsonLines(inside.stdout).first)
        XCTAssertEqual(ref["steps"] as? Int, 400)
        let replay = try runVaesweep(["simulate", "--data", dir + "/X.npy", "--init-decoder", dir + "/W0.npy", "--init-encoder", dir + "/V0.npy",
                                      "--init-variance", "1", "--adam-variable", "logD", "--steps", "400", "--history", "100"] + common)
        XCTAssertEqual(replay.status, 0, replay.stderr)
        let lines = try jsonLines(replay.stdout)
        XCTAssertEqual(lines.filter { $0["kind"] as? String == "history" }.map { $0["step"] as? Int }, [0, 100, 200, 300, 400])
        let res = try XCTUnwrap(lines.last)
        XCTAssertEqual(res["kind"] as? String, "result")
        XCTAssertEqual(res["steps"] as? Int, 400)
        XCTAssertEqual(res["p"] as? Int, p)
        for q in Quantity.allCases.map(\.rawValue) {
            let a = try XCTUnwrap(ref[q] as? Double, q), b = try XCTUnwrap(res[q] as? Double, q)
            XCTAssertEqual(b, a, accuracy: 1e-9 * max(1, abs(a)), q)
        }
        // the last history line is the result
        XCTAssertEqual(lines[lines.count - 2]["eps_g"] as? Double, res["eps_g"] as? Double)
        // the exact minimiser of the same sample, alongside
        let exact = try Trainer.train(data, beta: beta, lambda: lambda, options: TrainingOptions(solver: .exact)).observables
        XCTAssertEqual(res["exact_eps_g"] as? Double ?? .nan, exact.epsG, accuracy: 1e-9)
        XCTAssertEqual(res["sample_ell1"] as? Double ?? .nan, data.ell1, accuracy: 1e-9 * data.ell1)
        // without init files the default start is this tool's random start for --seed (same result)
        let dflt = try runVaesweep(["simulate", "--data", dir + "/X.npy", "--seed", "3", "--steps", "400"] + common)
        XCTAssertEqual(dflt.status, 0, dflt.stderr)
        let r2 = try XCTUnwrap(try jsonLines(dflt.stdout).last)
        XCTAssertEqual(r2["eps_g"] as? Double ?? .nan, ref["eps_g"] as? Double ?? .nan, accuracy: 1e-9)
    }

    /// Adam on D itself (the published parametrisation, clamped at 1e-8) equals an independent
    /// implementation on the RAW data matrix (per-sample u_μ = V·x/√N, no covariance), including a
    /// start where the first step drives D below zero (clamp). Would fail if the D variant updated
    /// log D, skipped the clamp, or used ∂L/∂log D as the D gradient.
    func testAdamOnDMatchesIndependentImplementation() throws {
        let (n, p) = (8, 13)
        var g = TestRNG(state: 99)
        let x = (0..<(p * n)).map { _ in g.uniform() * 1.7 }
        let w0 = (0..<n).map { _ in g.uniform() }, v0 = (0..<n).map { _ in g.uniform() }
        let wStar = [Double](repeating: 1, count: n)
        let data = try Replay.spectrum(x: x, p: p, n: n, spike: wStar, rho: 1, eta: 1)
        for (beta, lambda, d0, steps) in [(0.6, 0.2, 1.0, 300), (1e-4, 0.5, 1e-3, 200)] {
            let r = try Replay.adam(data, beta: beta, lambda: lambda, W0: w0, V0: v0, D0: d0, steps: steps, variable: .D)
            // independent: full-batch Adam on L = Σ_μ ½[|x|² − 2 (W·x/√N) u + Q (u² + D)] + β/2 Σ_μ [u² + D − log D − 1] + λ/2 (|W|² + |V|²)
            var W = w0, V = v0, D = d0
            var mW = [Double](repeating: 0, count: n), vW = mW, mV = mW, vV = mW, mD = 0.0, vD = 0.0
            var clamped = false
            let nd = Double(n), rs = 1 / nd.squareRoot()
            for t in 1...steps {
                var gW = [Double](repeating: 0, count: n), gV = gW, gD = 0.0
                let Q = W.reduce(0) { $0 + $1 * $1 } / nd
                for mu in 0..<p {
                    let row = Array(x[(mu * n)..<((mu + 1) * n)])
                    let u = zip(V, row).reduce(0) { $0 + $1.0 * $1.1 } * rs
                    let wx = zip(W, row).reduce(0) { $0 + $1.0 * $1.1 } * rs
                    for i in 0..<n {
                        // ∂/∂W of −wx·u + ½ Q (u² + D); ∂/∂V of −wx·u + ½ (Q + β) u²
                        gW[i] += -row[i] * rs * u + W[i] / nd * (u * u + D)
                        gV[i] += (-wx + (Q + beta) * u) * row[i] * rs
                    }
                    gD += 0.5 * (Q + beta) - 0.5 * beta / D
                }
                for i in 0..<n { gW[i] += lambda * W[i]; gV[i] += lambda * V[i] }
                let c1 = 1 / (1 - pow(0.9, Double(t))), c2 = 1 / (1 - pow(0.999, Double(t)))
                for i in 0..<n {
                    mW[i] = 0.9 * mW[i] + 0.1 * gW[i]; vW[i] = 0.999 * vW[i] + 0.001 * gW[i] * gW[i]
                    mV[i] = 0.9 * mV[i] + 0.1 * gV[i]; vV[i] = 0.999 * vV[i] + 0.001 * gV[i] * gV[i]
                    W[i] -= 1e-3 * mW[i] * c1 / ((vW[i] * c2).squareRoot() + 1e-8)
                    V[i] -= 1e-3 * mV[i] * c1 / ((vV[i] * c2).squareRoot() + 1e-8)
                }
                mD = 0.9 * mD + 0.1 * gD; vD = 0.999 * vD + 0.001 * gD * gD
                D -= 1e-3 * mD * c1 / ((vD * c2).squareRoot() + 1e-8)
                if D < 1e-8 { D = 1e-8; clamped = true }
            }
            if d0 < 0.01 { XCTAssertTrue(clamped, "the clamp case must clamp") }
            let o = r.observables
            let Q = W.reduce(0) { $0 + $1 * $1 } / nd, E = V.reduce(0) { $0 + $1 * $1 } / nd
            let R = zip(W, V).reduce(0) { $0 + $1.0 * $1.1 } / nd
            let m = zip(W, wStar).reduce(0) { $0 + $1.0 * $1.1 } / nd
            XCTAssertEqual(r.steps, steps)
            XCTAssertEqual(o.D, D, accuracy: 1e-10 * max(1, D), "β=\(beta)")
            XCTAssertEqual(o.Q, Q, accuracy: 1e-10 * max(1, Q))
            XCTAssertEqual(o.E, E, accuracy: 1e-10 * max(1, E))
            XCTAssertEqual(abs(o.R), abs(R), accuracy: 1e-10)
            XCTAssertEqual(o.m, abs(m), accuracy: 1e-10)
            // and the logD variant is a different trajectory (the parametrisation matters)
            let rl = try Replay.adam(data, beta: beta, lambda: lambda, W0: w0, V0: v0, D0: d0, steps: steps, variable: .logD)
            XCTAssertGreaterThan(abs(rl.observables.D - o.D), 1e-6)
        }
    }

    /// Replay input errors: one line naming the option and file, exit 2.
    func testReplayBadInput() throws {
        let dir = try temporaryDirectory("replaybad").path
        let (rc, _, err) = try python("""
            import numpy as np
            a = np.ones((10, 5)); np.save("X.npy", a); np.save("F.npy", np.asfortranarray(np.ones((10, 5))))
            np.save("W.npy", np.ones((4, 1))); np.save("V.npy", np.ones(5)); np.save("I.npy", np.ones((10, 5), dtype=np.int32))
            """, cwd: dir)
        XCTAssertEqual(rc, 0, err)
        let base = ["simulate", "--beta", "1", "--lambda", "1", "--solver", "adam", "--steps", "5"]
        for (args, words) in [(["--data", dir + "/F.npy"], ["--data", "F.npy", "fortran"]),
                              (["--data", dir + "/I.npy"], ["--data", "I.npy", "dtype"]),
                              (["--data", dir + "/X.npy", "--init-decoder", dir + "/W.npy", "--init-encoder", dir + "/V.npy"], ["--init-decoder", "W.npy", "shape"]),
                              (["--data", dir + "/X.npy", "--init-decoder", dir + "/W.npy"], ["--init-encoder"]),
                              (["--data", dir + "/missing.npy"], ["--data", "missing.npy"]),
                              (["--data", dir + "/X.npy", "--alpha", "2"], ["--alpha"])] {
            let r = try runVaesweep(base + args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            let line = r.stderr.trimmingCharacters(in: .newlines)
            XCTAssertFalse(line.contains("\n"), line)
            for w in words { XCTAssertTrue(line.contains(w), "\(args): \(line)") }
        }
        let gd = try runVaesweep(["simulate", "--beta", "1", "--lambda", "1", "--data", dir + "/X.npy"])
        XCTAssertEqual(gd.status, 2)
        XCTAssertTrue(gd.stderr.contains("--solver"), gd.stderr)
    }
}

/// Typed options of `theory` and `simulate`: one domain (the theory's), usage errors are one line
/// naming the option with exit 2.
final class CommandLineOptionTests: XCTestCase {
    func testOneDomainAndOneLineErrors() throws {
        let cases: [([String], String)] = [
            (["theory", "--alpha", "x", "--beta", "1", "--lambda", "1"], "--alpha"),
            (["theory", "--alpha", "1", "--beta", "200", "--lambda", "1"], "--beta"),
            (["theory", "--alpha", "1", "--beta", "1"], "--lambda"),
            (["theory", "--alpha", "1,", "--beta", "1", "--lambda", "1"], "--alpha"),
            (["theory", "--alpha", "1", "--beta", "1", "--lambda", "1", "--rho", "-1"], "--rho"),
            // simulate used to accept β up to 1e4: the domain is now the theory's
            (["simulate", "--alpha", "2", "--n", "10", "--beta", "200", "--lambda", "1"], "--beta"),
            (["simulate", "--alpha", "2e7", "--n", "10", "--beta", "1", "--lambda", "1"], "--alpha"),
            (["simulate", "--n", "10", "--beta", "1", "--lambda", "1"], "--alpha"),
            (["simulate", "--alpha", "2", "--n", "10", "--beta", "1", "--lambda", "1", "--spike", "spiky"], "--spike"),
            (["simulate", "--alpha", "2", "--n", "10", "--beta", "1", "--lambda", "1", "--solver", "sgd"], "--solver"),
            (["simulate", "--alpha", "2", "--n", "10", "--beta", "1", "--lambda", "1", "--seed", "-1"], "--seed"),
            (["simulate", "--alpha", "2", "--n", "10", "--beta", "1", "--lambda", "1", "--steps", "10"], "--steps"),
            (["simulate", "--alpha", "2", "--n", "0", "--beta", "1", "--lambda", "1"], "--n"),
        ]
        for (args, option) in cases {
            let r = try runVaesweep(args)
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            let text = r.stderr.trimmingCharacters(in: .newlines)
            XCTAssertFalse(text.contains("\n"), "\(args): \(text)")
            XCTAssertTrue(text.hasPrefix("vaesweep: error: ") && text.contains(option), "\(args): \(text)")
        }
        // both commands accept the same β list and agree on the domain's edge
        let t = try runVaesweep(["theory", "--alpha", "2", "--beta", "100,0.5", "--lambda", "0.01", "--json"])
        XCTAssertEqual(t.status, 0, t.stderr)
        XCTAssertEqual(try jsonLines(t.stdout).count, 2)
        let s = try runVaesweep(["simulate", "--alpha", "2", "--n", "12", "--beta", "100,0.5", "--lambda", "0.01", "--solver", "exact", "--json"])
        XCTAssertEqual(s.status, 0, s.stderr)
        XCTAssertEqual(try jsonLines(s.stdout).count, 2)
    }
}
