// Reading a spec back from its canonical form (`SweepSpec.canonical`: "key = value" lines, every
// number printed to round-trip exactly), as a journal's header stores it: what `vaesweep status`
// rebuilds a running sweep's grid from, without the spec file.
import Foundation
import ResultsFile
import VAESimulation

extension SweepSpec {
    /// The spec whose canonical form is `text` (the output path and the TOML text are not part of
    /// it). Throws `SpecError` naming the line for anything the canonical writer never produces.
    public init(canonical text: String) throws {
        self.init()
        func numbers(_ v: String, _ key: String) throws -> [Double] {
            guard v.hasPrefix("["), v.hasSuffix("]") else { throw SpecError(key, "not a list: \(v)") }
            let inner = v.dropFirst().dropLast()
            if inner.trimmingCharacters(in: .whitespaces).isEmpty { return [] }
            return try inner.split(separator: ",").map { part in
                guard let x = Double(part.trimmingCharacters(in: .whitespaces)) else { throw SpecError(key, "bad number \(part)") }
                return x
            }
        }
        func integers(_ v: String, _ key: String) throws -> [Int] {
            try numbers(v, key).map { x in
                guard x == x.rounded(), abs(x) < 1e15 else { throw SpecError(key, "not an integer: \(x)") }
                return Int(x)
            }
        }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw SpecError("", "bad canonical spec line '\(line)'") }
            let (k, v) = (parts[0], parts[1])
            func double() throws -> Double {
                guard let x = Double(v) else { throw SpecError(k, "bad number \(v)") }
                return x
            }
            switch k {
            case "model.rho": rho = try double()
            case "model.eta": eta = try double()
            case "model.spike": spike = Spike(rawValue: v) ?? .ones   // "irrelevant" under the bidiagonal model
            case "grid.alpha": alpha = try numbers(v, k)
            case "grid.beta": beta = try numbers(v, k)
            case "grid.lambda": lambda = try numbers(v, k)
            case "grid.N": N = try integers(v, k)
            case "grid.seeds": seedIDs = try integers(v, k)
            case "simulation.run": simulate = v == "true"
            case "simulation.solver":
                guard let s = Solver(rawValue: v) else { throw SpecError(k, "unknown solver \(v)") }
                solver = s
            case "simulation.data":
                guard let m = DataModel(rawValue: v) else { throw SpecError(k, "unknown data model \(v)") }
                dataModel = m
            case "simulation.seed":
                guard let s = UInt64(v) else { throw SpecError(k, "bad seed \(v)") }
                rootSeed = s
            case "simulation.tolerance": tolerance = v == "default" ? nil : try double()
            case "simulation.max_steps":
                if v == "default" { maxSteps = nil } else {
                    guard let s = Int(v) else { throw SpecError(k, "bad step count \(v)") }
                    maxSteps = s
                }
            default:
                throw SpecError(k, "unknown key in a canonical spec")
            }
        }
    }
}

extension SweepSpec {
    /// The spec of exactly the study with these settings on these axes: for files no single spec
    /// produced (`merge`, the rounds of `vaesweep refine`), so `run` can extend them later. Its TOML
    /// text is `toml`. Throws `Refusal` ("ROLE: 'SOURCE' has no known …") for settings of an older or
    /// damaged file that lack the data model, solver or spike.
    public init(settings s: StudySettings, axes: StudyAxes, source: String, role: String) throws {
        self.init()
        rho = s.rho; eta = s.eta
        alpha = axes.alpha; beta = axes.beta; lambda = axes.lam
        if let sim = s.simulation, axes.simulates {
            guard let dataModel = sim.dataModel, let solver = sim.solver,
                  let spike = sim.spike ?? (dataModel == .bidiagonal ? .ones : nil) else {
                let key = sim.dataModel == nil ? RootKey.dataModel : (sim.solver == nil ? RootKey.solver : RootKey.spike)
                throw Refusal("\(role): '\(source)' has no known \(key) (an older or damaged file); its points cannot be used")
            }
            simulate = true
            N = axes.N; seedIDs = axes.seeds
            self.dataModel = dataModel
            self.spike = spike   // (irrelevant under the bidiagonal model)
            self.solver = solver
            rootSeed = sim.rootSeed
            tolerance = sim.tolerance
            maxSteps = Int(sim.maxSteps)
        } else {
            simulate = false
        }
        text = toml
    }
}
