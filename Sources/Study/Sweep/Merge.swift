// `vaesweep merge`: the union of several results files of one study (equal settings) in one
// normal results file. A point present in two inputs must be the same in every data variable
// except the wall-time diagnostic `sim_seconds`; otherwise the merge is refused naming the point.
import Foundation
import ResultsFile
import VAESimulation

/// `vaesweep merge`: combines results files of equal settings into one (see the file header).
public enum Merge {
    /// Merge `inputs` into a new `ResultsData` (not written). Throws `Refusal` (exit 2) for
    /// inputs of different settings and for conflicting points.
    public static func merge(_ inputs: [(path: String, data: ResultsData)]) throws -> (data: ResultsData, spec: SweepSpec) {
        guard let first = inputs.first else { throw Refusal("merge: no input files") }
        let settings = try inputs.map { try $0.data.settings() }
        let simRef = settings.firstIndex { $0.simulation != nil }
        for (k, s) in settings.enumerated() {
            if let key = s.firstTheoryDifference(from: settings[0]) {
                throw Refusal("merge: '\(inputs[k].path)' and '\(first.path)' differ in \(key); their points are not the same points")
            }
            if let r = simRef, let key = s.firstSimulationDifference(from: settings[r]) {
                throw Refusal("merge: '\(inputs[k].path)' and '\(inputs[r].path)' differ in \(key); their points are not the same points")
            }
        }
        func union(_ xs: [[Double]]) -> [Double] {
            var seen = Set<UInt64>(), out: [Double] = []
            for x in xs.joined() where seen.insert(x.bitPattern).inserted { out.append(x) }
            return out.sorted()
        }
        let sims = inputs.filter { $0.data.hasSimulation }
        let alpha = union(inputs.map { $0.data.alpha }), beta = union(inputs.map { $0.data.beta })
        let lam = union(inputs.map { $0.data.lam })
        let N = union(sims.map { $0.data.N.map(Double.init) }).map { Int($0) }
        let seeds = union(sims.map { $0.data.seeds.map(Double.init) }).map { Int($0) }
        var out = ResultsData.empty(alpha: alpha, beta: beta, lam: lam, N: N, seeds: seeds,
                                    rho: settings[0].rho, eta: settings[0].eta)
        let aIx = AxisIndex(alpha), bIx = AxisIndex(beta), lIx = AxisIndex(lam), nIx = AxisIndex(N), sIx = AxisIndex(seeds)
        var theoryFrom = [Int](repeating: -1, count: out.theoryCount)
        var simFrom = [Int](repeating: -1, count: out.simCount)
        func conflict(_ what: String, _ variable: String, _ i: Int, _ j: Int) -> Refusal {
            Refusal("merge: point (\(what)) differs between '\(inputs[j].path)' and '\(inputs[i].path)' in '\(variable)'")
        }
        func same(_ x: Double, _ y: Double) -> Bool { x.bitPattern == y.bitPattern }
        for (k, input) in inputs.enumerated() {
            let d = input.data
            guard let ph = d.theoryPhase else { continue }
            for a in 0..<d.alpha.count { for b in 0..<d.beta.count { for l in 0..<d.lam.count {
                let o = d.theoryIndex(a, b, l)
                guard (0...2).contains(ph[o]) else { continue }
                let t = out.theoryIndex(aIx[d.alpha[a]]!, bIx[d.beta[b]]!, lIx[d.lam[l]]!)
                let what = "alpha=\(d.alpha[a]), beta=\(d.beta[b]), lam=\(d.lam[l])"
                let meta = d.theoryMetastable?[o] ?? -1, flags = d.theoryFlags?[o] ?? 0
                if theoryFrom[t] >= 0 {
                    for q in Quantity.names where !same(out.theory[q]![t], d.theory[q]?[o] ?? .nan) {
                        throw conflict(what, Variable.theory(q), k, theoryFrom[t])
                    }
                    if out.theoryPhase![t] != ph[o] { throw conflict(what, Variable.theoryPhase, k, theoryFrom[t]) }
                    if out.theoryMetastable![t] != meta { throw conflict(what, Variable.theoryMetastable, k, theoryFrom[t]) }
                    if out.theoryFlags![t] != flags { throw conflict(what, Variable.theoryFlags, k, theoryFrom[t]) }
                    continue
                }
                for q in Quantity.names { out.theory[q]![t] = d.theory[q]?[o] ?? .nan }
                out.theoryPhase![t] = ph[o]; out.theoryMetastable![t] = meta; out.theoryFlags![t] = flags
                theoryFrom[t] = k
            } } }
            guard d.hasSimulation, let st = d.status else { continue }
            for a in 0..<d.alpha.count { for b in 0..<d.beta.count { for l in 0..<d.lam.count {
                for n in 0..<d.N.count { for r in 0..<d.seeds.count {
                    let o = d.simIndex(a, b, l, n, r)
                    guard st[o] == PointStatus.ok.rawValue else { continue }
                    let i = out.simIndex(aIx[d.alpha[a]]!, bIx[d.beta[b]]!, lIx[d.lam[l]]!, nIx[d.N[n]]!, sIx[d.seeds[r]]!)
                    let what = "alpha=\(d.alpha[a]), beta=\(d.beta[b]), lam=\(d.lam[l]), N=\(d.N[n]), seed=\(d.seeds[r])"
                    let phase = d.simPhase?[o] ?? -1, flags = d.simFlags?[o] ?? 0
                    if simFrom[i] >= 0 {
                        for q in Quantity.names + [SimExtra.steps, SimExtra.gradNorm] where !same(out.sim[q]![i], d.sim[q]?[o] ?? .nan) {
                            throw conflict(what, Variable.sim(q), k, simFrom[i])
                        }
                        if out.simPhase![i] != phase { throw conflict(what, Variable.simPhase, k, simFrom[i]) }
                        if out.simFlags![i] != flags { throw conflict(what, Variable.simFlags, k, simFrom[i]) }
                        continue
                    }
                    for q in Quantity.names + SimExtra.names { out.sim[q]![i] = d.sim[q]?[o] ?? .nan }
                    out.simPhase![i] = phase; out.simFlags![i] = flags; out.status![i] = st[o]
                    simFrom[i] = k
                }}
            } } }
        }
        // The spec of exactly this union (so `run` can extend it later).
        var spec = SweepSpec()
        spec.rho = settings[0].rho; spec.eta = settings[0].eta
        spec.alpha = alpha; spec.beta = beta; spec.lambda = lam
        if let r = simRef, let s = settings[r].simulation {
            spec.simulate = true
            spec.N = N; spec.seedIDs = seeds
            spec.spike = Spike(rawValue: s.spike) ?? .ones
            spec.solver = Solver(rawValue: s.solver) ?? .gd
            spec.rootSeed = s.rootSeed
            spec.tolerance = s.tolerance
            spec.maxSteps = Int(s.maxSteps)
        } else {
            spec.simulate = false
        }
        spec.text = spec.toml
        let done = theoryFrom.lazy.filter { $0 >= 0 }.count + simFrom.lazy.filter { $0 >= 0 }.count
        var attrs = (simRef.map { settings[$0] } ?? settings[0]).attributes
        attrs += [
            (RootKey.title, .string("vaesweep: linear β-VAE, theory versus simulation (merged)")),
            (RootKey.conventions, .string("CF-1.8")),
            (RootKey.spec, .string(spec.text)), (RootKey.specCanonical, .string(spec.canonical)),
            (RootKey.command, .string(CommandLine.arguments.joined(separator: " "))),
        ]
        attrs += Provenance.code(gitCommit: Provenance.gitCommit())
        attrs += [
            (RootKey.pointsDone, .int(Int64(done))), (RootKey.pointsTotal, .int(Int64(out.theoryCount + out.simCount))),
            (RootKey.pointsFailed, .int(0)), (RootKey.complete, .int(done == out.theoryCount + out.simCount ? 1 : 0)),
            (RootKey.mergedFrom, .string(inputs.map { i -> String in
                let v: String = { if case let .string(s)? = i.data.rootAttributes[RootKey.toolVersion] { return s }; return "?" }()
                let c: String = { if case let .string(s)? = i.data.rootAttributes[RootKey.gitCommit] { return s }; return "?" }()
                return "\(i.path) (vaesweep \(v), commit \(c))"
            }.joined(separator: "; "))),
            (RootKey.endTime, .string(Provenance.isoNow())),
        ]
        out.rootAttributes = Dictionary(attrs, uniquingKeysWith: { $1 })
        return (out, spec)
    }
}
