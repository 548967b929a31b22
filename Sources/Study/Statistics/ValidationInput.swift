// What the validation recipe reads from a results file, read in ONE place (so the typed-accessor
// refactor of ResultsData changes only this file): per grid point the theory values, phase and
// caveat flags, and per N the per-replicate values of the validated observables (aligned by
// replicate, NaN where a replicate is not usable) with the file's critical-window flag.
import Foundation
import ResultsFile
import VAETheory

/// The file's data at one grid point, as the recipe sees it.
public struct PointInput: Sendable {
    /// Coordinates of the point.
    public var alpha: Double, beta: Double, lambda: Double
    /// The file's theory value of each validated observable (NaN when absent).
    public var theory: [Quantity: Double]
    /// The file's theory phase (nil when absent: the recipe then asks the engine).
    public var phase: Phase?
    /// Theory caveats (file flags, replicate flags' point caveats, or recomputed).
    public var flags: PointFlags
    /// Per N, ascending.
    public var sizes: [SizeInput]
    /// A point's data (for tests and callers that hold data outside a results file).
    public init(alpha: Double, beta: Double, lambda: Double, theory: [Quantity: Double], phase: Phase?,
                flags: PointFlags = [], sizes: [SizeInput]) {
        self.alpha = alpha; self.beta = beta; self.lambda = lambda; self.theory = theory; self.phase = phase
        self.flags = flags; self.sizes = sizes
    }
}

/// The replicates of one (point, N).
public struct SizeInput: Sendable {
    /// System size N.
    public var n: Int
    /// Per observable, the replicate values aligned by replicate index (NaN: not run, failed, non-finite).
    public var values: [Quantity: [Double]]
    /// Whether the file flags any replicate critical (`sim_flags`); nil when the file has no flags.
    public var criticalFromFile: Bool?
    /// The replicates of one N.
    public init(n: Int, values: [Quantity: [Double]], criticalFromFile: Bool? = nil) {
        self.n = n; self.values = values; self.criticalFromFile = criticalFromFile
    }
}

extension Validation {
    /// The point (a, b, l) of `d` with its sizes in the order `nOrder` (indices into d.N).
    static func readPoint(_ d: ResultsData, _ a: Int, _ b: Int, _ l: Int, nOrder: [Int]) -> PointInput {
        var theory: [Quantity: Double] = [:]
        for q in quantities { theory[q] = d.theoryValue(q, a, b, l) }
        let phase = d.theoryPhaseAt(a, b, l).flatMap { Phase(rawValue: $0) }
        var sizes: [SizeInput] = []
        if d.hasSimulation {
            for n in nOrder {
                var values: [Quantity: [Double]] = [:]
                for q in quantities {
                    guard let arr = d[sim: q] else { continue }
                    values[q] = (0..<d.seeds.count).map { s in
                        let i = d.simIndex(a, b, l, n, s)
                        return d.isOK(i) && arr[i].isFinite ? arr[i] : .nan
                    }
                }
                var critical: Bool? = nil
                if let f = d.simFlags {
                    critical = (0..<d.seeds.count).contains { PointFlags(rawValue: f[d.simIndex(a, b, l, n, $0)]).contains(.criticalWindow) }
                }
                sizes.append(SizeInput(n: d.N[n], values: values, criticalFromFile: critical))
            }
        }
        return PointInput(alpha: d.alpha[a], beta: d.beta[b], lambda: d.lam[l], theory: theory, phase: phase,
                          flags: theoryFlags(d, a, b, l), sizes: sizes)
    }

    /// The theory caveats of a point: `theory_flags` when present (with the point caveats of the
    /// replicates' `sim_flags`), else recomputed (first-order coexistence from `theory_metastable`
    /// or the engine; λ = 0 with α < 1 from the coordinates).
    static func theoryFlags(_ d: ResultsData, _ a: Int, _ b: Int, _ l: Int) -> PointFlags {
        let i = d.theoryIndex(a, b, l)
        if let f = d.theoryFlags {
            // a writer may set the point caveats on the replicates only: take their union too
            var flags = PointFlags(rawValue: f[i])
            if let sf = d.simFlags {
                for n in d.N.indices { for s in d.seeds.indices {
                    flags.formUnion(PointFlags(rawValue: sf[d.simIndex(a, b, l, n, s)]).intersection([.firstOrderCoexistence, .nullSpace]))
                } }
            }
            return flags
        }
        var flags: PointFlags = []
        let alpha = d.alpha[a], lambda = d.lam[l]
        if lambda == 0 && alpha < 1 { flags.insert(.nullSpace) }
        if let m = d.theoryMetastable?[i], m >= 0 {
            if m == 1 { flags.insert(.firstOrderCoexistence) }
        } else if let input = try? TheoryInput(alpha: alpha, beta: d.beta[b], lambda: lambda, rho: d.rho, eta: d.eta),
                  Theory.solve(input).metastable {
            flags.insert(.firstOrderCoexistence)
        }
        return flags
    }

    /// Whether the file's theory and simulation flags were both present (else recomputed).
    static func flagsFromFile(_ d: ResultsData) -> Bool {
        d.theoryFlags != nil && (d.simFlags != nil || !d.hasSimulation)
    }
}
