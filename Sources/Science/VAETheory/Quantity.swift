// The observables of MODEL.md §3 by name, defined once. Every list of observable names in the
// project (the JSON keys, the results file's `theory_<q>` / `sim_<q>`, the validated subset)
// derives from this type.

/// One numeric observable of MODEL.md §3. The raw value is its name in JSON output and in the
/// results file (`theory_<q>`, `sim_<q>`); `allCases` is the storage and payload order.
public enum Quantity: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
    /// m = W·W*/N, d = V·W*/N, Q = |W|²/N, E = |V|²/N, R = W·V/N, D the encoder variance.
    case m, d, Q, E, R, D
    /// ε_g = ρ − 2√ρ m + Q.
    case epsG = "eps_g"
    /// Rate (mean KL, nats) on the training data and on the population.
    case rateTrain = "rate_train", rateTest = "rate_test"
    /// Distortion (MODEL.md §3) on the training data and on the population.
    case distTrain = "dist_train", distTest = "dist_test"

    /// The name (`rawValue`).
    public var name: String { rawValue }
    /// The name: interpolating a quantity gives its file and JSON name.
    public var description: String { rawValue }

    /// Position in `allCases` (the storage order).
    public var index: Int {
        switch self {
        case .m: return 0
        case .d: return 1
        case .Q: return 2
        case .E: return 3
        case .R: return 4
        case .D: return 5
        case .epsG: return 6
        case .rateTrain: return 7
        case .rateTest: return 8
        case .distTrain: return 9
        case .distTest: return 10
        }
    }

    /// Number of observables (11).
    public static let count = allCases.count

    /// The netCDF `long_name` of the observable.
    public var longName: String {
        switch self {
        case .m: return "overlap of decoder W with the spike, W·W*/N"
        case .d: return "overlap of encoder V with the spike, V·W*/N"
        case .Q: return "decoder norm |W|²/N"
        case .E: return "encoder norm |V|²/N"
        case .R: return "decoder–encoder overlap W·V/N"
        case .D: return "encoder variance D"
        case .epsG: return "signal-recovery error |√ρ W* − W|²/N"
        case .rateTrain: return "rate (mean KL) on the training data"
        case .rateTest: return "rate (mean KL) on the population"
        case .distTrain: return "distortion on the training data"
        case .distTest: return "distortion on the population"
        }
    }

    /// The netCDF `units` of the observable (rates in nats).
    public var units: String {
        switch self {
        case .rateTrain, .rateTest: return "nat"
        default: return "1"
        }
    }

    /// The name shown in reports (ε_g for eps_g, the name otherwise).
    public var displayName: String { self == .epsG ? "ε_g" : rawValue }

    /// The observable named `name`, or nil.
    public init?(name: String) { self.init(rawValue: name) }
}

extension Observables {
    /// The value of observable `q`.
    public subscript(_ q: Quantity) -> Double {
        get {
            switch q {
            case .m: return m
            case .d: return d
            case .Q: return Q
            case .E: return E
            case .R: return R
            case .D: return D
            case .epsG: return epsG
            case .rateTrain: return rateTrain
            case .rateTest: return rateTest
            case .distTrain: return distTrain
            case .distTest: return distTest
            }
        }
        set {
            switch q {
            case .m: m = newValue
            case .d: d = newValue
            case .Q: Q = newValue
            case .E: E = newValue
            case .R: R = newValue
            case .D: D = newValue
            case .epsG: epsG = newValue
            case .rateTrain: rateTrain = newValue
            case .rateTest: rateTest = newValue
            case .distTrain: distTrain = newValue
            case .distTest: distTest = newValue
            }
        }
    }
}
