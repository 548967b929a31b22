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
            for x in xs.joined().map(coordinateValue) where seen.insert(x.bitPattern).inserted { out.append(x) }
            return out.sorted()
        }
        let sims = inputs.filter { $0.data.hasSimulation }
        let alpha = union(inputs.map { $0.data.alpha }), beta = union(inputs.map { $0.data.beta })
        let lam = union(inputs.map { $0.data.lam })
        let N = union(sims.map { $0.data.N.map(Double.init) }).map { Int($0) }
        let seeds = union(sims.map { $0.data.seeds.map(Double.init) }).map { Int($0) }
        var out = ResultsData.empty(axes: StudyAxes(alpha: alpha, beta: beta, lam: lam, N: N, seeds: seeds),
                                    rho: settings[0].rho, eta: settings[0].eta)
        for (k, input) in inputs.enumerated() {
            do {
                // failed points stay failed (so `run --resume --retry-failed` can still find them)
                try out.merge(from: input.data, theory: true, simulation: input.data.hasSimulation, statuses: [.ok, .failed],
                              onConflict: .refuseDifferent)
            } catch let c as MergeConflict {
                // the earlier input the stored point came from: the first that holds it finished
                let earlier = inputs[..<k].first { i in
                    i.data.flatIndex(c.kind, coordinates: c.coordinates).map { i.data.isDone(c.kind, $0) } ?? false
                }?.path ?? inputs[0].path
                throw Refusal("merge: point (\(c.point)) differs between '\(earlier)' and '\(input.path)' in '\(c.variable)'")
            }
        }
        // The spec of exactly this union (so `run` can extend it later).
        let spec = try SweepSpec(settings: simRef.map { settings[$0] } ?? settings[0], axes: out.axes,
                                 source: inputs[simRef ?? 0].path, role: "merge")
        let done = (0..<out.theoryCount).lazy.filter { out.isDone(.theory, $0) }.count
            + (0..<out.simCount).lazy.filter { out.isDone(.simulation, $0) }.count
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
            (RootKey.pointsFailed, .int(Int64(out.status?.lazy.filter { $0 == PointStatus.failed.rawValue }.count ?? 0))), (RootKey.complete, .int(done == out.theoryCount + out.simCount ? 1 : 0)),
            (RootKey.mergedFrom, .string(inputs.map { $0.data.attributes.origin(path: $0.path) }.joined(separator: "; "))),
            (RootKey.endTime, .string(Provenance.isoNow())),
        ]
        out.attributes = RootAttributes(attrs)
        return (out, spec)
    }
}
