// Calibration of the validation recipe for the design at hand (MODEL.md §7 step 8): what a CORRECT
// theory gives. K synthetic sweeps of the same design — the file's α, β, λ, N, replicate ids and its
// per-point pattern of usable replicates, the same ρ and η — are drawn from the exact finite-N law
// (`ExactLawSampler`), each under its own root seed (`Calibration.rootSeed(k, of:)`, never the file's,
// so no synthetic stream can coincide with the file's own), with the theory values of the engine
// (the truth of that law). Each is validated by the very same code (`Validation.compute`), and the
// verdicts are tallied per phase and per α group.
//
// Sweeps are independent; the points within one sweep are not (all (β, λ) and observables at one α
// share their data sets), so uncertainties are computed between sweeps: the standard error of a
// fraction is the standard deviation of the per-sweep fractions over √K.
import Foundation
import ResultsFile
import VAESimulation
import VAETheory

/// Verdict tallies of the K synthetic sweeps of a calibration.
public struct CalibrationResult: Sendable, Equatable {
    /// Number of synthetic sweeps.
    public var sweeps: Int
    /// The sampler used (one line).
    public var sampler: String
    /// The design fingerprint (`Calibration.fingerprint`): a stored calibration is reused only for
    /// a file with the same one.
    public var design: String
    /// The recipe version and widening the calibration was computed with.
    public var recipeVersion: Int, bbpWideningBelow: Double, bbpWideningAbove: Double
    /// Per sweep and key — "all", the phases "learning", "overlearning", "collapsed", and
    /// "quantity:<q>", "alpha:<α>" — counts of agree, marginal, disagree (index 0, 1, 2), in sweep order.
    public var perSweep: [[String: [Int]]]
    /// Per sweep: the number of α groups with ≥ 1 disagreement, and of α groups with ≥ 1 decided point.
    public var disagreeingGroups: [Int], testedGroups: [Int]
    /// Wall-clock seconds of the calibration.
    public var seconds: Double

    /// The phase keys of `perSweep`, in report order.
    public static let phaseKeys = ["all", "learning", "overlearning", "collapsed"]
    /// Every key present in the sweeps: the phase keys, then "quantity:…" and "alpha:…" ones.
    public var keys: [String] {
        let extra = Set(perSweep.flatMap(\.keys)).subtracting(CalibrationResult.phaseKeys)
        return CalibrationResult.phaseKeys + extra.sorted()
    }

    /// Total agree, marginal, disagree over the sweeps for `phase`.
    public func totals(_ phase: String = "all") -> [Int] {
        perSweep.reduce([0, 0, 0]) { acc, s in zip(acc, s[phase] ?? [0, 0, 0]).map { $0 + $1 } }
    }

    /// The expected fraction of the decided (point, observable) pairs with verdict index `k`
    /// (0 agree, 1 marginal, 2 disagree) for `phase`, and its standard error between sweeps.
    public func fraction(_ k: Int, phase: String = "all") -> (value: Double, se: Double) {
        let t = totals(phase)
        let decided = t.reduce(0, +)
        guard decided > 0 else { return (.nan, .nan) }
        let f = Double(t[k]) / Double(decided)
        // ratio estimator's between-sweep standard error
        let K = perSweep.count
        guard K >= 2 else { return (f, .nan) }
        var s2 = 0.0
        let meanDecided = Double(decided) / Double(K)
        for s in perSweep {
            let c = s[phase] ?? [0, 0, 0]
            let r = Double(c[k]) - f * Double(c.reduce(0, +))
            s2 += r * r
        }
        let se = (s2 / Double(K - 1)).squareRoot() / (Double(K).squareRoot() * meanDecided)
        return (f, se)
    }

    /// The chance that one α group has ≥ 1 disagreement.
    public var groupDisagreementProbability: Double {
        let tested = testedGroups.reduce(0, +)
        return tested > 0 ? Double(disagreeingGroups.reduce(0, +)) / Double(tested) : .nan
    }
    /// The chance that a sweep has ≥ 1 (resp. ≥ 2) disagreeing α groups.
    public func sweepProbability(atLeast g: Int) -> Double {
        perSweep.isEmpty ? .nan : Double(disagreeingGroups.filter { $0 >= g }.count) / Double(perSweep.count)
    }
    /// A 95 % upper bound on a fraction of which `count` of `total` were seen (the "rule of three"
    /// for 0; Poisson otherwise, treating the events as independent).
    public static func upperBound(count: Int, total: Int) -> Double {
        guard total > 0 else { return .nan }
        // exact Poisson upper limit at 95 % for small counts, normal approximation beyond
        let table = [2.996, 4.744, 6.296, 7.754, 9.154, 10.513, 11.842, 13.148, 14.435, 15.705]
        let u = count < table.count ? table[count] : Double(count) + 1.645 * Double(count).squareRoot() + 1
        return u / Double(total)
    }
}

/// Running a calibration (see the file header).
public enum Calibration {
    /// The default K of `summary` (the bidiagonal sampler: hundreds of sweeps of the default
    /// design take seconds).
    public static let defaultSweeps = 200
    /// `summary`'s default calibration is skipped when its predicted cost exceeds this many
    /// reference CPU seconds (CostModel); `--calibrate K` runs whatever is asked.
    public static let summaryBudgetSeconds = 90.0

    /// The root seed of synthetic sweep `k` of a file whose own root seed is `fileSeed`: a hash of
    /// ("calibration", fileSeed, k), never equal to `fileSeed`.
    public static func rootSeed(_ k: Int, of fileSeed: UInt64) -> UInt64 {
        var s = streamID([0x6361_6C69_6272_6174, fileSeed, UInt64(k)])   // "calibrat"
        if s == fileSeed { s &+= 1 }
        return s
    }

    /// The file's root seed (attribute `root_seed`; 1, the default, when absent).
    public static func fileRootSeed(_ d: ResultsData) -> UInt64 {
        d.attributes.int(RootKey.rootSeed).map { UInt64(bitPattern: $0) } ?? 1
    }

    /// The replicate pattern of `d`: which (a, b, l, n, s) hold a usable replicate (status ok and a
    /// finite ε_g), row-major like the simulation arrays.
    static func usableMask(_ d: ResultsData) -> [Bool] {
        guard d.hasSimulation else { return [] }
        let eps = d[sim: .epsG]
        return (0..<d.simCount).map { i in d.isOK(i) && (eps.map { $0[i].isFinite } ?? true) }
    }

    /// A string that identifies the design: coordinates, ρ, η, the replicate pattern (hashed) and
    /// the recipe constants.
    public static func fingerprint(_ d: ResultsData, options: RecipeOptions = .standard) -> String {
        let mask = usableMask(d)
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in mask { h = (h ^ (b ? 1 : 0)) &* 0x100_0000_01B3 }
        func list(_ v: [Double]) -> String { v.map { "\($0)" }.joined(separator: ",") }
        return "recipe=\(Validation.recipeVersion);widening=\(options.bbpWideningBelow),\(options.bbpWideningAbove);"
            + "sigmas=\(options.collapseSigmas);rho=\(d.rho);eta=\(d.eta);"
            + "alpha=\(list(d.alpha));beta=\(list(d.beta));lam=\(list(d.lam));N=\(d.N.map(String.init).joined(separator: ","));"
            + "seeds=\(d.seeds.map(String.init).joined(separator: ","));mask=\(String(h, radix: 16))"
    }

    /// Predicted reference CPU seconds of one synthetic sweep of `d`'s design with the standard
    /// (bidiagonal) sampler.
    public static func predictedSecondsPerSweep(_ d: ResultsData) -> Double {
        var s = 0.0
        for a in d.alpha.indices { for n in d.N.indices {
            s += DataSet.estimatedCost(alpha: d.alpha[a], n: d.N[n], solver: .exact, pairs: d.beta.count * d.lam.count,
                                         rho: d.rho, eta: d.eta, dataModel: .bidiagonal) * Double(d.seeds.count)
        } }
        return s
    }

    /// One synthetic sweep of `d`'s design drawn by `sampler`: theory from the engine, replicates
    /// exactly where `d` has usable ones, each from the exact minimiser of its draw.
    public static func syntheticSweep(like d: ResultsData, sampler: any ExactLawSampler) throws -> ResultsData {
        let mask = usableMask(d)
        var s = ResultsData.empty(axes: d.axes, rho: d.rho, eta: d.eta)
        s.path = "synthetic"
        s.attributes[RootKey.solver] = .string("exact")
        s.attributes[RootKey.spike] = d.attributes[RootKey.spike] ?? .string("ones")
        for a in d.alpha.indices { for b in d.beta.indices { for l in d.lam.indices {
            let i = s.theoryIndex(a, b, l)
            guard let input = try? TheoryInput(alpha: d.alpha[a], beta: d.beta[b], lambda: d.lam[l], rho: d.rho, eta: d.eta) else { continue }
            s.setTheory(TheoryRecord(Theory.solve(input)), at: i)
        } } }
        let pairs = d.beta.indices.flatMap { b in d.lam.indices.map { l in (b, l) } }
        let values = pairs.map { (beta: d.beta[$0.0], lambda: d.lam[$0.1]) }
        for a in d.alpha.indices { for n in d.N.indices { for sIdx in d.seeds.indices {
            let wanted = pairs.filter { mask[d.simIndex(a, $0.0, $0.1, n, sIdx)] }
            guard !wanted.isEmpty else { continue }
            let data = try sampler.sample(alpha: d.alpha[a], n: d.N[n], replicate: d.seeds[sIdx])
            let results = ExactLaw.exactPoints(data, pairs: values)
            for (k, pr) in pairs.enumerated() where mask[d.simIndex(a, pr.0, pr.1, n, sIdx)] {
                let i = s.simIndex(a, pr.0, pr.1, n, sIdx)
                guard let r = results[k] else { s.setSim(.failed, at: i); continue }
                s.setSim(SimulationRecord(values: QuantityValues(r.observables), phase: r.observables.phase, steps: 0,
                                          gradNorm: .nan, seconds: .nan, status: r.ok ? .ok : .failed, flags: r.flags), at: i)
            }
        } } }
        return s
    }

    /// The verdict tallies of one validation: per phase key [agree, marginal, disagree], and the
    /// number of disagreeing α groups.
    public static func tally(_ v: Validation) -> (counts: [String: [Int]], disagreeingGroups: Int, testedGroups: Int) {
        var c: [String: [Int]] = [:]
        for key in CalibrationResult.phaseKeys { c[key] = [0, 0, 0] }
        for p in v.points where p.verdict.isDecided {
            let k = p.verdict == .agree ? 0 : (p.verdict == .marginal ? 1 : 2)
            c["all"]![k] += 1
            if let ph = p.phase { c[ph.name, default: [0, 0, 0]][k] += 1 }
            c["quantity:" + p.quantity.rawValue, default: [0, 0, 0]][k] += 1
            c["alpha:" + formatNumber(p.alpha, significant: 12), default: [0, 0, 0]][k] += 1
        }
        let tested = Set(v.points.filter { $0.verdict.isDecided }.map(\.alpha)).count
        return (c, v.disagreeingAlphaGroups.count, tested)
    }

    /// Calibrate the recipe for `d`'s design with `K` synthetic sweeps, `jobs` at a time.
    /// `makeSampler(rootSeed)` gives the sampler of one sweep (default: `ExactLaw.standardSampler`).
    /// `progress(done)` is called after each finished sweep (from any thread).
    public static func run(like d: ResultsData, sweeps K: Int, options: RecipeOptions = .standard, jobs: Int = 1,
                           makeSampler: (@Sendable (UInt64) -> any ExactLawSampler)? = nil,
                           progress: (@Sendable (Int) -> Void)? = nil) throws -> CalibrationResult {
        try run(like: d, sweeps: K, optionsList: [options], jobs: jobs, makeSampler: makeSampler, progress: progress)[0]
    }

    /// The same synthetic sweeps validated under each of `optionsList` (e.g. several BBP widening
    /// factors: the study that chooses `RecipeOptions.bbpWideningBelow/Above`); one result per options, in order.
    public static func run(like d: ResultsData, sweeps K: Int, optionsList: [RecipeOptions], jobs: Int = 1,
                           makeSampler: (@Sendable (UInt64) -> any ExactLawSampler)? = nil,
                           progress: (@Sendable (Int) -> Void)? = nil) throws -> [CalibrationResult] {
        let t0 = Date()
        let fileSeed = fileRootSeed(d)
        let spike = d.attributes.string(RootKey.spike).flatMap(Spike.init(rawValue:)) ?? .ones
        let rho = d.rho, eta = d.eta
        let make: @Sendable (UInt64) -> any ExactLawSampler = makeSampler ?? { seed in
            ExactLaw.standardSampler(rho: rho, eta: eta, spike: spike, rootSeed: seed)
        }
        let box = ResultBox(count: K)
        let design = d
        let workers = max(1, min(jobs, K))
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            var k = w
            while k < K {
                do {
                    let synth = try syntheticSweep(like: design, sampler: make(rootSeed(k, of: fileSeed)))
                    box.set(k, .success(optionsList.map { tally(Validation.compute(synth, options: $0)) }))
                } catch {
                    box.set(k, .failure(error))
                }
                progress?(box.finished)
                k += workers
            }
        }
        let sampler = make(rootSeed(0, of: fileSeed)).description
        let seconds = Date().timeIntervalSince(t0)
        return try optionsList.indices.map { o in
            var perSweep: [[String: [Int]]] = [], groups: [Int] = [], tested: [Int] = []
            for k in 0..<K {
                switch box.results[k] {
                case .success(let ts)?: perSweep.append(ts[o].counts); groups.append(ts[o].disagreeingGroups); tested.append(ts[o].testedGroups)
                case .failure(let e)?: throw e
                case nil: break
                }
            }
            return CalibrationResult(sweeps: K, sampler: sampler, design: fingerprint(d, options: optionsList[o]),
                                     recipeVersion: Validation.recipeVersion, bbpWideningBelow: optionsList[o].bbpWideningBelow,
                                     bbpWideningAbove: optionsList[o].bbpWideningAbove,
                                     perSweep: perSweep, disagreeingGroups: groups, testedGroups: tested, seconds: seconds)
        }
    }

    /// Results of the concurrent sweeps, by index.
    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var results: [Result<[(counts: [String: [Int]], disagreeingGroups: Int, testedGroups: Int)], Error>?]
        private var done = 0
        init(count: Int) { results = Array(repeating: nil, count: count) }
        func set(_ k: Int, _ r: Result<[(counts: [String: [Int]], disagreeingGroups: Int, testedGroups: Int)], Error>) {
            lock.lock(); results[k] = r; done += 1; lock.unlock()
        }
        var finished: Int { lock.lock(); defer { lock.unlock() }; return done }
    }
}
