// The statistics of q∞ (MODEL.md §7 steps 1, 3–5): every estimate of the recipe is LINEAR in the
// per-N means, q∞ = c₀ + Σ_N Σ_k w_kN · x̄_kN (k over the observables combined: one for a plain fit,
// m and Q for the composed ε_g of the overlearning phase), so its variance is the sum over N of the
// variance of the per-replicate combination y_i = Σ_k w_kN x_kNi divided by n_N:
//
//     var(q∞) = Σ_N V_N,   V_N = var_ddof1(y_N·)/n_N   (floored at Σ_k w_kN² · seFloor²),
//
// which for one observable is Σ_N c_N² s_N² and for the composed ε_g includes the per-replicate
// covariance of m and Q at each N. Degrees of freedom by Welch–Satterthwaite,
// ν = (Σ V_N)² / Σ_N V_N²/(n_N − 1). The misspecification guard (step 5) adds (q∞ − q∞′)² to the
// variance (not to ν's statistical part).
import Foundation
import VAETheory

/// The per-replicate values of the observables at one N, aligned by replicate (NaN = not usable).
public struct ReplicateSample: Sendable, Equatable {
    /// System size N.
    public var n: Int
    /// Values per observable, aligned by replicate index (every array the same length).
    public var values: [Quantity: [Double]]
    /// An additive correction per observable, applied to every replicate: q_th(α) − q_th(P/N), the
    /// comparison at the sample's own P/N of step 1.
    public var shift: [Quantity: Double]

    /// A sample at `n`.
    public init(n: Int, values: [Quantity: [Double]], shift: [Quantity: Double] = [:]) {
        self.n = n; self.values = values; self.shift = shift
    }

    /// Replicates usable for `q` (finite).
    public func count(_ q: Quantity) -> Int { values[q]?.filter(\.isFinite).count ?? 0 }

    /// Mean (shifted) and s_N² = var(ddof 1)/n of `q` (NaN with fewer than 2; s² NOT floored).
    public func stats(_ q: Quantity) -> (mean: Double, s2: Double, count: Int) {
        let v = values[q]?.filter(\.isFinite) ?? []
        guard !v.isEmpty else { return (.nan, .nan, 0) }
        let m = v.reduce(0, +) / Double(v.count)
        let s2 = v.count > 1 ? v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1) / Double(v.count) : .nan
        return (m + (shift[q] ?? 0), s2, v.count)
    }
}

/// q∞ with its variance and degrees of freedom (MODEL.md §7 step 4).
public struct FiniteSizeEstimate: Sendable, Equatable {
    /// The estimate q∞.
    public var qInf: Double
    /// Σ_N V_N, the variance from the replicates.
    public var statisticalVariance: Double
    /// The misspecification guard's (q∞ − q∞′)² (0 when the guard does not apply).
    public var guardVariance: Double
    /// Welch–Satterthwaite degrees of freedom.
    public var nu: Double
    /// The per-N variance contributions V_N, and replicates n_N, in the order of the sizes used.
    public var perN: [(n: Int, variance: Double, replicates: Int)]

    /// var(q∞) = statistical + guard.
    public var variance: Double { statisticalVariance + guardVariance }
    /// se(q∞) = √var(q∞).
    public var se: Double { variance.squareRoot() }

    public static func == (l: FiniteSizeEstimate, r: FiniteSizeEstimate) -> Bool {
        l.qInf == r.qInf && l.statisticalVariance == r.statisticalVariance && l.guardVariance == r.guardVariance
            && l.nu == r.nu && l.perN.map(\.n) == r.perN.map(\.n) && l.perN.map(\.variance) == r.perN.map(\.variance)
    }

    /// The linear estimate c₀ + Σ_N Σ_k weights[N][k] · x̄_kN over `samples`, with its variance from the
    /// per-replicate combination at each N and Welch ν. A replicate enters at N only when every
    /// observable with a non-zero weight there is finite. Nil when some N has fewer than 2 such
    /// replicates.
    public static func linear(constant: Double, samples: [ReplicateSample], weights: [[Quantity: Double]]) -> FiniteSizeEstimate? {
        guard samples.count == weights.count, !samples.isEmpty else { return nil }
        let floor2 = FiniteSizeFit.seFloor * FiniteSizeFit.seFloor
        var q = constant, vTot = 0.0, denom = 0.0
        var perN: [(n: Int, variance: Double, replicates: Int)] = []
        for (s, w) in zip(samples, weights) {
            let keys = w.keys.filter { w[$0]! != 0 }.sorted { $0.index < $1.index }
            if keys.isEmpty { continue }
            let len = keys.map { s.values[$0]?.count ?? 0 }.min() ?? 0
            var y: [Double] = []
            for i in 0..<len {
                var acc = 0.0, ok = true
                for k in keys {
                    let x = s.values[k]![i]
                    if !x.isFinite { ok = false; break }
                    acc += w[k]! * x
                }
                if ok { y.append(acc) }
            }
            guard y.count >= 2 else { return nil }
            let n = Double(y.count)
            let m = y.reduce(0, +) / n
            let v = y.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1) / n
            let vf = max(v, keys.reduce(0.0) { $0 + w[$1]! * w[$1]! } * floor2)
            q += m + keys.reduce(0.0) { $0 + w[$1]! * (s.shift[$1] ?? 0) }
            vTot += vf
            denom += vf * vf / (n - 1)
            perN.append((s.n, vf, y.count))
        }
        guard !perN.isEmpty else { return nil }
        return FiniteSizeEstimate(qInf: q, statisticalVariance: vTot, guardVariance: 0,
                                  nu: denom > 0 ? vTot * vTot / denom : .infinity, perN: perN)
    }

    /// The fit of observable `q` over `samples` on `exponents` with the a-priori weights n_N·N, as a
    /// linear estimate (q∞ = Σ c_N q̃_N). Nil when the fit or the estimate is impossible.
    public static func fitted(_ q: Quantity, samples: [ReplicateSample], exponents: [Double]) -> (FiniteSizeFit, FiniteSizeEstimate)? {
        let st = samples.map { $0.stats(q) }
        guard st.allSatisfy({ $0.count >= 2 }) else { return nil }
        let w = zip(samples, st).map { FiniteSizeFit.weight(n: $0.n, replicates: $1.count) }
        guard let f = FiniteSizeFit.fit(n: samples.map(\.n), values: st.map(\.mean), weights: w, exponents: exponents),
              let e = linear(constant: 0, samples: samples, weights: f.interceptRow.map { [q: $0] }) else { return nil }
        return (f, e)
    }
}
