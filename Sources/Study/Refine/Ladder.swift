// Where new coordinate values come from, so that rounds share them and the file's axes stay
// small: N from a ladder (the study's N, then doublings of the largest up to the cap), inserted
// α and β values from one relative lattice {(1 + δ)^k} (rounded to 10 significant digits, so a
// value does not depend on the last bit of exp), shared by every boundary of every (α, λ).
import Foundation

/// The N values a refine may add (see the file header).
public struct NLadder: Sendable {
    /// Ascending.
    public let values: [Int]

    /// The study's N values, then doublings of the largest up to `cap` (values above `cap` dropped).
    public init(axis: [Int], cap: Int) {
        var v = Set(axis.filter { $0 <= cap })
        if var top = axis.max() {
            while top <= cap / 2 { top *= 2; v.insert(top) }
        }
        values = v.sorted()
    }

    /// The ladder values above `n`, ascending.
    public func above(_ n: Int) -> [Int] { values.filter { $0 > n } }
}

/// The relative lattice {(1 + δ)^k} of inserted α and β values.
public struct Lattice: Sendable {
    /// The relative spacing δ.
    public let delta: Double
    /// The lattice of spacing δ.
    public init(delta: Double) { self.delta = delta }
    private var logStep: Double { log1p(delta) }

    /// Lattice value k, rounded to 10 significant digits.
    public func value(_ k: Int) -> Double {
        let x = exp(Double(k) * logStep)
        return Double(String(format: "%.10g", x))!
    }

    /// The lattice index of the largest value strictly below x (x > 0).
    public func indexBelow(_ x: Double) -> Int {
        var k = Int((log(x) / logStep).rounded(.down))
        while value(k) >= x { k -= 1 }
        while value(k + 1) < x { k += 1 }
        return k
    }

    /// The lattice values just below and just above x (both ≠ x): a bracket of relative width δ
    /// (2δ when x is itself on the lattice).
    public func bracket(_ x: Double) -> (lo: Double, hi: Double, kLo: Int, kHi: Int) {
        let k = indexBelow(x)
        var kh = k + 1
        if value(kh) == x { kh += 1 }
        return (value(k), value(kh), k, kh)
    }
}
