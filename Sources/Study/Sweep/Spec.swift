// The sweep specification: a TOML file parsed with TOMLKit into a validated `SweepSpec`.
// Every problem is a `SpecError` naming the offending key, so the CLI can print one line and
// exit 2 before any MPI work starts.
import Foundation
import ResultsFile
import TOMLKit
import VAESimulation
import VAETheory

/// A validated sweep specification.
public struct SweepSpec: Equatable, Sendable {
    /// `model.rho`: the signal strength ρ ≥ 0 (MODEL.md §1). Default 1.
    public var rho: Double = 1
    /// `model.eta`: the noise strength (variance) η > 0 (MODEL.md §1). Default 1.
    public var eta: Double = 1
    /// `model.spike`: the spike W* ("ones", or "gaussian" rescaled to |W*|² = N; MODEL.md §1). Default ones.
    public var spike: Spike = .ones
    /// `grid.alpha`: the sample ratios α, ascending, distinct, in α's domain (`Domains`).
    public var alpha: [Double] = []
    /// `grid.beta`: the KL weights β, ascending, distinct, in β's domain.
    public var beta: [Double] = []
    /// `grid.lambda`: the weight-decay strengths λ, ascending, distinct, in λ's domain.
    public var lambda: [Double] = []
    /// `grid.N`: the simulated dimensions, ascending, distinct, in N's domain (empty when not simulating).
    public var N: [Int] = []
    /// Replicate ids, ascending (`seeds = 5` → 0…4; `[5, 6, 7]`; `{ start = 5, count = 10 }`).
    public var seedIDs: [Int] = []
    /// Number of replicates.
    public var seeds: Int { seedIDs.count }
    /// `simulation.run`: whether the simulation is run next to the theory. Default true.
    public var simulate: Bool = true
    /// `simulation.solver`: how each simulated point is trained (gd, adam or exact). Default gd.
    public var solver: Solver = .gd
    /// `simulation.data`: how each data set is drawn — the P × N samples ("explicit", default) or
    /// the exact finite-N law without them ("bidiagonal", MODEL.md §8; exact and gd only).
    public var dataModel: DataModel = .explicit
    /// `simulation.seed`: the root of every random stream (≥ 0). Default 1.
    public var rootSeed: UInt64 = 1
    /// `simulation.tolerance` in its domain, or nil for the solver's default (`TrainingOptions.defaultTolerance`).
    public var tolerance: Double? = nil
    /// `simulation.max_steps` in its domain, or nil for the solver's default (`TrainingOptions.defaultMaxSteps`).
    public var maxSteps: Int? = nil
    /// `output.path`, when the spec names one (not part of the canonical form).
    public var outputPath: String? = nil
    /// The TOML text as given (stored in the results file for provenance).
    public var text: String = ""

    /// An empty spec with the defaults above and no grid values (use `parse` or `load` for a valid one).
    public init() {}

    /// A canonical, order-fixed text of everything that determines the numbers (not the output
    /// path): two specs are the same sweep exactly when their canonical forms are equal.
    public var canonical: String {
        func list(_ xs: [Double]) -> String { "[" + xs.map { String(format: "%.17g", $0) }.joined(separator: ", ") + "]" }
        var lines = [
            // the spike's shape does not enter the bidiagonal model's law (MODEL.md §8)
            "model.rho = \(rho)", "model.eta = \(eta)",
            "model.spike = \(simulate && dataModel == .bidiagonal ? StudySettings.irrelevantSpike : spike.rawValue)",
            "grid.alpha = \(list(alpha))", "grid.beta = \(list(beta))", "grid.lambda = \(list(lambda))",
            "simulation.run = \(simulate)",
        ]
        if simulate {
            lines += [
                "grid.N = [" + N.map(String.init).joined(separator: ", ") + "]", "grid.seeds = [" + seedIDs.map(String.init).joined(separator: ", ") + "]",
                "simulation.solver = \(solver.rawValue)", "simulation.seed = \(rootSeed)",
                "simulation.tolerance = \(tolerance.map { "\($0)" } ?? "default")",
                "simulation.max_steps = \(maxSteps.map { "\($0)" } ?? "default")",
            ]
            // (only when not the default, so the canonical form of every explicit spec is unchanged)
            if dataModel != .explicit { lines.append("simulation.data = \(dataModel.rawValue)") }
        }
        return lines.joined(separator: "\n")
    }

    /// `canonical` text with the solver defaults resolved to the numbers they mean
    /// (`simulation.tolerance = default` → the solver's default tolerance, likewise `max_steps`):
    /// the form two sweeps are compared in, so a spec that says the default and a file that stores
    /// the resolved value (a merged file) are the same sweep.
    public static func resolvingDefaults(_ canonical: String) -> String {
        var lines = canonical.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let solverLine = lines.first { $0.hasPrefix("simulation.solver = ") }
        guard let solver = solverLine.flatMap({ Solver(rawValue: String($0.dropFirst("simulation.solver = ".count))) }) else { return canonical }
        for i in lines.indices {
            if lines[i] == "simulation.tolerance = default" { lines[i] = "simulation.tolerance = \(TrainingOptions.defaultTolerance(solver))" }
            if lines[i] == "simulation.max_steps = default" { lines[i] = "simulation.max_steps = \(TrainingOptions.defaultMaxSteps(solver))" }
        }
        return lines.joined(separator: "\n")
    }

    /// The result-determining settings of this sweep (what `--reuse`, `--resume` and `merge`
    /// compare; MODEL.md §6). Defaults are resolved to the numbers they mean.
    public var settings: StudySettings {
        StudySettings(rho: rho, eta: eta, numericsVersion: Int64(NumericsVersion.current),
                      simulation: simulate ? .init(dataModel: dataModel, spike: spike, solver: solver,
                                                   tolerance: tolerance ?? TrainingOptions.defaultTolerance(solver),
                                                   maxSteps: Int64(maxSteps ?? TrainingOptions.defaultMaxSteps(solver)),
                                                   rootSeed: rootSeed, streamVersion: Int64(DataKey.streamVersion))
                                  : nil)
    }

    /// A TOML spec of exactly this sweep (every value with 17 significant digits, so it parses
    /// back to the same bits). Used for files that no single spec produced (`merge`).
    public var toml: String {
        func num(_ x: Double) -> String {
            let t = String(format: "%.17g", x)
            return t.contains(where: { ".en".contains($0) }) ? t : t + ".0"   // a TOML float, not an integer
        }
        func list(_ xs: [Double]) -> String { "[" + xs.map(num).joined(separator: ", ") + "]" }
        var lines = ["[model]", "rho = \(num(rho))", "eta = \(num(eta))", "spike = \"\(spike.rawValue)\"", "", "[grid]",
                     "alpha = \(list(alpha))", "beta = \(list(beta))", "lambda = \(list(lambda))"]
        if simulate {
            lines += ["N = [" + N.map(String.init).joined(separator: ", ") + "]",
                      "seeds = [" + seedIDs.map(String.init).joined(separator: ", ") + "]"]
        }
        lines += ["", "[simulation]", "run = \(simulate)"]
        if simulate {
            lines += ["solver = \"\(solver.rawValue)\"", "seed = \(rootSeed)"]
            if dataModel != .explicit { lines.append("data = \"\(dataModel.rawValue)\"") }
            if let tolerance { lines.append("tolerance = \(num(tolerance))") }
            if let maxSteps { lines.append("max_steps = \(maxSteps)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: parsing

    /// Parse and validate a spec file.
    public static func load(path: String) throws -> SweepSpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpecError("", "cannot read spec file '\(path)'")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SpecError("", "spec file '\(path)' is not UTF-8 text")
        }
        return try parse(text)
    }

    /// Parse and validate spec text.
    public static func parse(_ text: String) throws -> SweepSpec {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw SpecError("", "TOML syntax error at line \(e.source.begin.line), column \(e.source.begin.column): \(e.description)")
        }
        var spec = SweepSpec()
        spec.text = text
        try checkKeys(root, allowed: ["model", "grid", "simulation", "output"], prefix: "")

        let model = try table(root, "model", required: false)
        let grid = try table(root, "grid", required: true)!
        let sim = try table(root, "simulation", required: false)
        let output = try table(root, "output", required: false)
        if let model { try checkKeys(model, allowed: ["rho", "eta", "spike"], prefix: "model.") }
        try checkKeys(grid, allowed: ["alpha", "beta", "lambda", "N", "seeds"], prefix: "grid.")
        if let sim { try checkKeys(sim, allowed: ["run", "solver", "data", "seed", "tolerance", "max_steps"], prefix: "simulation.") }
        if let output { try checkKeys(output, allowed: ["path"], prefix: "output.") }

        if let model {
            if let v = try number(model, "rho", "model.rho") {
                try check(.rho, v, "model.rho")
                spec.rho = coordinateValue(v)   // −0.0 is 0
            }
            if let v = try number(model, "eta", "model.eta") {
                try check(.eta, v, "model.eta")
                spec.eta = v
            }
            if let s = try string(model, "spike", "model.spike") {
                guard let k = Spike(rawValue: s) else {
                    throw SpecError("model.spike", "must be \"ones\" or \"gaussian\" (got \"\(s)\")")
                }
                spec.spike = k
            }
        }
        if let sim {
            if let v = sim["run"] {
                guard let b = v.bool else { throw SpecError("simulation.run", "must be true or false (got \(v.type))") }
                spec.simulate = b
            }
            if let s = try string(sim, "solver", "simulation.solver") {
                guard let k = Solver(rawValue: s) else {
                    throw SpecError("simulation.solver", "must be \"gd\", \"adam\" or \"exact\" (got \"\(s)\")")
                }
                spec.solver = k
            }
            if let s = try string(sim, "data", "simulation.data") {
                guard let k = DataModel(rawValue: s) else {
                    throw SpecError("simulation.data", "must be \"explicit\" or \"bidiagonal\" (got \"\(s)\")")
                }
                spec.dataModel = k
            }
            if spec.simulate {
                do { try spec.dataModel.check(solver: spec.solver) } catch { throw SpecError("simulation.solver", "\(error)") }
            }
            if let v = try integer(sim, "seed", "simulation.seed") {
                guard v >= 0 else { throw SpecError("simulation.seed", "must be ≥ 0 (got \(v))") }
                spec.rootSeed = UInt64(v)
            }
            if let v = try number(sim, "tolerance", "simulation.tolerance") {
                try check(.tolerance, v, "simulation.tolerance")
                spec.tolerance = v
            }
            if let v = try integer(sim, "max_steps", "simulation.max_steps") {
                try check(.maxSteps, Double(v), "simulation.max_steps")
                spec.maxSteps = v
            }
        }
        if let output, let p = try string(output, "path", "output.path") {
            guard !p.isEmpty else { throw SpecError("output.path", "must not be empty") }
            spec.outputPath = p
        }

        spec.alpha = try axis(grid, "alpha", "grid.alpha", domain: .alpha)
        spec.beta = try axis(grid, "beta", "grid.beta", domain: .beta)
        spec.lambda = try axis(grid, "lambda", "grid.lambda", domain: .lambda)
        if spec.simulate {
            guard grid["N"] != nil else { throw SpecError("grid.N", "required when simulation.run is true") }
            let ns = try axis(grid, "N", "grid.N", domain: .n)
            spec.N = ns.map { Int($0) }
            for n in spec.N {
                do { try Domains.checkN(n, explicit: spec.dataModel == .explicit, field: "grid.N") } catch let e as DomainError {
                    throw SpecError(e.field, e.message)
                }
            }
            guard grid["seeds"] != nil else { throw SpecError("grid.seeds", "required when simulation.run is true") }
            spec.seedIDs = try seedList(grid)
            // P = round(αN) ≥ 2 at every (α, N) (MODEL.md §1): one sample would be trained at another α
            for a in spec.alpha { for n in spec.N {
                do { try Domains.checkSampleCount(alpha: a, n: n, field: "grid") } catch let e as DomainError { throw SpecError(e.field, e.message) }
            } }
        } else {
            // A theory-only sweep may still name N/seeds (ignored), but they must be well-formed.
            if grid["N"] != nil { _ = try axis(grid, "N", "grid.N", domain: .n) }
            if grid["seeds"] != nil { _ = try seedList(grid) }
        }
        return spec
    }

    // MARK: helpers

    /// Throws a `SpecError` naming `name` unless `v` lies in `p`'s domain (`Domains`).
    static func check(_ p: Parameter, _ v: Double, _ name: String) throws {
        do { try Domains.check(p, v, field: name) } catch let e as DomainError { throw SpecError(e.field, e.message) }
    }

    /// `grid.seeds`: a count n (ids 0 … n−1), a list of distinct ids, or `{ start, count }`;
    /// returned ascending.
    static func seedList(_ grid: TOMLTable) throws -> [Int] {
        let name = "grid.seeds"
        guard let v = grid["seeds"] else { throw SpecError(name, "required") }
        let maxID = Int(Domains.of(.seed).upper)
        var ids: [Int]
        if let n = v.int {
            try check(.seedCount, Double(n), name)
            ids = Array(0..<n)
        } else if let arr = v.array {
            guard !arr.isEmpty else { throw SpecError(name, "must not be empty") }
            try check(.seedCount, Double(arr.count), name)
            ids = try arr.enumerated().map { i, e in
                guard let id = e.int else { throw SpecError("\(name)[\(i)]", "must be an integer (got \(e.type))") }
                try check(.seed, Double(id), "\(name)[\(i)]")
                return id
            }
        } else if let t = v.table {
            try checkKeys(t, allowed: ["start", "count"], prefix: name + ".")
            guard let start = try integer(t, "start", name + ".start") else { throw SpecError(name + ".start", "required") }
            guard let count = try integer(t, "count", name + ".count") else { throw SpecError(name + ".count", "required") }
            try check(.seed, Double(start), name + ".start")
            try check(.seedCount, Double(count), name + ".count")
            guard start <= maxID - (count - 1) else { throw SpecError(name, "ids beyond \(maxID)") }
            ids = Array(start..<(start + count))
        } else {
            throw SpecError(name, "must be a count, a list of ids or a { start, count } table (got \(v.type))")
        }
        var seen = Set<Int>()
        for id in ids where !seen.insert(id).inserted { throw SpecError(name, "duplicate id \(id)") }
        return ids.sorted()
    }

    private static func checkKeys(_ t: TOMLTable, allowed: Set<String>, prefix: String) throws {
        for k in t.keys.sorted() where !allowed.contains(k) {
            throw SpecError(prefix + k, "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }

    private static func table(_ t: TOMLTable, _ key: String, required: Bool) throws -> TOMLTable? {
        guard let v = t[key] else {
            if required { throw SpecError(key, "missing table [\(key)]") }
            return nil
        }
        guard let tab = v.table else { throw SpecError(key, "must be a table [\(key)] (got \(v.type))") }
        return tab
    }

    /// A finite number (integers accepted).
    private static func number(_ t: TOMLTable, _ key: String, _ name: String) throws -> Double? {
        guard let v = t[key] else { return nil }
        return try finite(v, name)
    }

    private static func finite(_ v: TOMLValueConvertible, _ name: String) throws -> Double {
        let x: Double
        if let d = v.double { x = d } else if let i = v.int { x = Double(i) } else {
            throw SpecError(name, "must be a number (got \(v.type))")
        }
        guard x.isFinite else { throw SpecError(name, "must be finite (got \(x))") }
        return x
    }

    private static func integer(_ t: TOMLTable, _ key: String, _ name: String) throws -> Int? {
        guard let v = t[key] else { return nil }
        guard let i = v.int else { throw SpecError(name, "must be an integer (got \(v.type))") }
        return i
    }

    private static func string(_ t: TOMLTable, _ key: String, _ name: String) throws -> String? {
        guard let v = t[key] else { return nil }
        guard let s = v.string else { throw SpecError(name, "must be a string (got \(v.type))") }
        return s
    }

    /// A grid axis: a non-empty list of distinct finite values in `domain`, or a range table
    /// `{ start, stop, count, scale = "linear" | "log" }`.
    static func axis(_ t: TOMLTable, _ key: String, _ name: String, domain p: Parameter) throws -> [Double] {
        guard let v = t[key] else { throw SpecError(name, "required") }
        var values: [Double]
        if let arr = v.array {
            guard !arr.isEmpty else { throw SpecError(name, "must not be empty") }
            values = try arr.enumerated().map { i, e in try finite(e, "\(name)[\(i)]") }
        } else if let r = v.table {
            try checkKeys(r, allowed: ["start", "stop", "count", "scale"], prefix: name + ".")
            guard let start = try number(r, "start", name + ".start") else { throw SpecError(name + ".start", "required") }
            guard let stop = try number(r, "stop", name + ".stop") else { throw SpecError(name + ".stop", "required") }
            guard let count = try integer(r, "count", name + ".count") else { throw SpecError(name + ".count", "required") }
            guard count >= 1 else { throw SpecError(name + ".count", "must be ≥ 1 (got \(count))") }
            guard count <= 10_000_000 else { throw SpecError(name + ".count", "must be ≤ 1e7 (got \(count))") }
            let scale = try string(r, "scale", name + ".scale") ?? "linear"
            switch scale {
            case "linear":
                // both ends exactly as written (so a later list value equal to an end is the same point)
                values = (0..<count).map { i in
                    i == 0 ? start : (i == count - 1 ? stop : start + (stop - start) * Double(i) / Double(count - 1))
                }
            case "log":
                guard start > 0, stop > 0 else {
                    throw SpecError(name, "a log range needs start > 0 and stop > 0 (got \(start) … \(stop))")
                }
                let (l0, l1) = (log(start), log(stop))
                values = (0..<count).map { i in
                    i == 0 ? start : (i == count - 1 ? stop : exp(l0 + (l1 - l0) * Double(i) / Double(count - 1)))
                }
            default:
                throw SpecError(name + ".scale", "must be \"linear\" or \"log\" (got \"\(scale)\")")
            }
            if count > 1 && start == stop { throw SpecError(name, "start == stop gives duplicate values") }
        } else {
            throw SpecError(name, "must be a list or a { start, stop, count, scale } table (got \(v.type))")
        }
        for x in values { try check(p, x, name) }
        var seen = Set<Double>()
        for x in values where !seen.insert(x).inserted {
            throw SpecError(name, "duplicate value \(x)")
        }
        // Stored ascending whatever the order given: the random streams are keyed by values,
        // so the order carries no meaning.
        return values.map(coordinateValue).sorted()
    }
}
