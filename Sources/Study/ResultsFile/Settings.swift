// What makes two stored points "the same point" (MODEL.md §6): equal coordinates AND equal
// result-determining settings. Theory points depend on (ρ, η) and the numerics version;
// simulated points also on the data model, the spike (explicit data only: the law of the
// bidiagonal model does not depend on it), solver, tolerance, max_steps, root seed and stream version.
// `--reuse`, `--resume` after a spec change and `merge` all compare settings through this type.
import Foundation
import VAESimulation

/// The result-determining settings of a study (root attributes of a results file).
public struct StudySettings: Equatable, Sendable {
    /// The signal strength ρ.
    public var rho: Double
    /// The noise strength η.
    public var eta: Double
    /// `NumericsVersion.current` of the code that computed the points (MODEL.md §6).
    public var numericsVersion: Int64
    /// Simulation settings; nil for a theory-only study.
    public var simulation: Simulation?

    /// The settings that also determine simulated points.
    public struct Simulation: Equatable, Sendable {
        /// How the data sets are drawn (nil: a value this vaesweep does not know; a file without
        /// the attribute was written before the bidiagonal model existed: explicit).
        public var dataModel: DataModel?
        /// The spike kind (nil: irrelevant — the bidiagonal model —, a file without the attribute,
        /// or a value this vaesweep does not know).
        public var spike: Spike?
        /// The solver (nil: a file without the attribute, or with a value this vaesweep does not know).
        public var solver: Solver?
        /// Resolved values (a spec's "default" is stored as the number it means).
        public var tolerance: Double
        /// The resolved step limit (−1 for a file written before it was stored).
        public var maxSteps: Int64
        /// The root seed of every random stream.
        public var rootSeed: UInt64
        /// `DataKey.streamVersion` of the random streams (MODEL.md §6).
        public var streamVersion: Int64
        /// Settings of a simulating study, with `tolerance` and `maxSteps` already resolved.
        public init(dataModel: DataModel? = .explicit, spike: Spike?, solver: Solver?, tolerance: Double, maxSteps: Int64,
                    rootSeed: UInt64, streamVersion: Int64) {
            self.dataModel = dataModel
            self.spike = dataModel == .bidiagonal ? nil : spike
            self.solver = solver; self.tolerance = tolerance; self.maxSteps = maxSteps
            self.rootSeed = rootSeed; self.streamVersion = streamVersion
        }
        /// What the `spike` attribute says: the kind, "irrelevant" under the bidiagonal model.
        var spikeText: String { dataModel == .bidiagonal ? StudySettings.irrelevantSpike : (spike?.rawValue ?? "?") }
    }

    /// The `spike` attribute (and canonical spec value) of a study whose data model makes the
    /// spike's shape irrelevant (the bidiagonal model, MODEL.md §8).
    public static let irrelevantSpike = "irrelevant"

    /// Settings of a study; `simulation` nil for theory only.
    public init(rho: Double, eta: Double, numericsVersion: Int64, simulation: Simulation?) {
        self.rho = rho; self.eta = eta; self.numericsVersion = numericsVersion; self.simulation = simulation
    }

    /// As root attributes, in a fixed order.
    public var attributes: [(String, AttributeValue)] {
        var a: [(String, AttributeValue)] = [
            (RootKey.rho, .double(rho)), (RootKey.eta, .double(eta)),
            (RootKey.numericsVersion, .int(numericsVersion)),
            (RootKey.simulated, .int(simulation == nil ? 0 : 1)),
        ]
        if let s = simulation {
            a += [(RootKey.dataModel, .string(s.dataModel?.rawValue ?? "?")),
                  (RootKey.spike, .string(s.spikeText)), (RootKey.solver, .string(s.solver?.rawValue ?? "?")),
                  (RootKey.tolerance, .double(s.tolerance)), (RootKey.maxSteps, .int(s.maxSteps)),
                  (RootKey.rootSeed, .int(Int64(bitPattern: s.rootSeed))),
                  (RootKey.streamVersion, .int(s.streamVersion))]
        }
        return a
    }

    /// Read back from root attributes. Files written before an attribute existed get the value
    /// that marks them as older: numerics and stream version 1, unknown tolerance (NaN) and
    /// max_steps (−1), which never equal a current study's.
    public init(attributes a: [String: AttributeValue]) throws {
        func double(_ k: String) -> Double? {
            switch a[k] { case let .double(x)?: return x; case let .int(i)?: return Double(i); default: return nil }
        }
        func int(_ k: String) -> Int64? {
            switch a[k] { case let .int(i)?: return i; case let .double(x)?: return x == x.rounded() ? Int64(exactly: x) : nil; default: return nil }
        }
        func string(_ k: String) -> String? { if case let .string(s)? = a[k] { return s }; return nil }
        guard let rho = double(RootKey.rho), let eta = double(RootKey.eta) else {
            throw ResultsError("lacks the root attributes 'rho' and 'eta'")
        }
        self.rho = rho
        self.eta = eta
        numericsVersion = int(RootKey.numericsVersion) ?? 1
        if (int(RootKey.simulated) ?? 0) != 0 {
            simulation = Simulation(dataModel: string(RootKey.dataModel).map { DataModel(rawValue: $0) } ?? .explicit,
                                    spike: string(RootKey.spike).flatMap(Spike.init(rawValue:)),
                                    solver: string(RootKey.solver).flatMap(Solver.init(rawValue:)),
                                    tolerance: double(RootKey.tolerance) ?? .nan, maxSteps: int(RootKey.maxSteps) ?? -1,
                                    rootSeed: UInt64(bitPattern: int(RootKey.rootSeed) ?? -1),
                                    streamVersion: int(RootKey.streamVersion) ?? 1)
        } else {
            simulation = nil
        }
    }

    /// The first key whose value makes theory points of `self` and `other` different.
    public func firstTheoryDifference(from other: StudySettings) -> String? {
        if rho.bitPattern != other.rho.bitPattern { return RootKey.rho }
        if eta.bitPattern != other.eta.bitPattern { return RootKey.eta }
        if numericsVersion != other.numericsVersion { return RootKey.numericsVersion }
        return nil
    }

    /// The first key whose value makes simulated points of `self` and `other` different (nil when
    /// both simulate with equal settings, or when either does not simulate).
    public func firstSimulationDifference(from other: StudySettings) -> String? {
        if let k = firstTheoryDifference(from: other) { return k }
        guard let s = simulation, let o = other.simulation else { return nil }
        if s.streamVersion != o.streamVersion { return RootKey.streamVersion }
        if s.dataModel != o.dataModel { return RootKey.dataModel }
        if s.spike != o.spike { return RootKey.spike }   // both nil under the bidiagonal model
        if s.solver != o.solver { return RootKey.solver }
        if s.tolerance.bitPattern != o.tolerance.bitPattern { return RootKey.tolerance }
        if s.maxSteps != o.maxSteps { return RootKey.maxSteps }
        if s.rootSeed != o.rootSeed { return RootKey.rootSeed }
        return nil
    }

    /// The first key in which the two studies differ at all (simulating or not included).
    public func firstDifference(from other: StudySettings) -> String? {
        if (simulation == nil) != (other.simulation == nil) { return RootKey.simulated }
        return firstSimulationDifference(from: other)
    }

    /// One `key = value` per line (exact: Swift prints the shortest round-tripping decimal).
    public var serialized: String {
        attributes.map { "\($0.0) = \($0.1)" }.joined(separator: "\n")
    }

    /// Parse `serialized`.
    public init(serialized text: String) throws {
        var a: [String: AttributeValue] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw ResultsError("bad settings line '\(line)'") }
            let (k, v) = (parts[0], parts[1])
            switch RootKey.kind(of: k) {
            case .double?: guard let x = Double(v) else { throw ResultsError("bad value of \(k): '\(v)'") }; a[k] = .double(x)
            case .int?: guard let x = Int64(v) else { throw ResultsError("bad value of \(k): '\(v)'") }; a[k] = .int(x)
            case .string?: a[k] = .string(v)
            case .doubles?, nil: throw ResultsError("unknown settings key '\(k)'")
            }
        }
        try self.init(attributes: a)
    }
}
