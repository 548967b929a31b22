// The precision rule. For every simulated (α, β, λ) and observable not reported apart, the target
// se is min(--target-se, half the distance to the nearest other phase's prediction) — the second
// term is what "undecided" measures (MODEL.md §7 step 6), so an undecided point is chased until it
// can be decided. The se compared is the STATISTICAL part of var(q∞) = Σ_N c_N² s_N², which depends
// on the replicates' spread and the design, never on their means: the plan ignores z and the
// verdict (stopping on z biases the verdict, MODEL.md §7), and the misspecification guard's
// (q∞ − q∞′)², a function of the means, is left out for the same reason.
//
// The worst observable of a point (largest se/target) picks between two designs by the variance
// model var(q∞) ∝ Σ_N c_N² N^(−2r)/n_N (c the fit's intercept row under the a-priori weights
// n_N·N, r the spread exponent of the ansatz: 2/3 for Q/rate/distortion below BBP, else 1/2):
//   - more replicates at every usable N (at most ×4 per round and --max-replicates), or
//   - one N of the ladder above the point's largest N with data, outside every window of the
//     observable, with the largest usable N's replicates (each such N is a candidate);
// choosing the larger ln(var now / var after) per reference core-second.
import Foundation
import ResultsFile
import Statistics
import VAETheory

/// The precision rule's variance model (see the file header).
public enum VarianceModel {
    /// The exponent r of the per-replicate spread σ_N ∝ N^(−r) of an ansatz (MODEL.md §5, §7).
    public static func spreadExponent(_ a: Ansatz) -> Double { a == .overlearningEdge ? 2.0 / 3.0 : 0.5 }

    /// var(q∞) of a design (N, replicates) up to a constant (nil: cannot fit): Σ_N c_N² N^(−2r)/n_N
    /// for a fitted ansatz (composed ε_g: m's), N^(−2r)/n at the largest N for the others.
    public static func variance(_ design: [(n: Int, reps: Int)], ansatz: Ansatz) -> Double? {
        guard let last = design.last, design.allSatisfy({ $0.reps >= 1 }) else { return nil }
        let fitAnsatz = ansatz == .composed ? Ansatz.overlearningOverlap : ansatz
        let r = spreadExponent(fitAnsatz)
        func sigma2(_ n: Int) -> Double { pow(Double(n), -2 * r) }
        guard let basis = fitAnsatz.basis(usable: design.count) else {
            return sigma2(last.n) / Double(last.reps)   // collapsed, single N: the largest N alone
        }
        guard let f = FiniteSizeFit.fit(n: design.map(\.n), values: design.map { _ in 0 },
                                        weights: design.map { FiniteSizeFit.weight(n: $0.n, replicates: $0.reps) },
                                        exponents: basis) else { return nil }
        return zip(f.interceptRow, design).reduce(0) { $0 + $1.0 * $1.0 * sigma2($1.1.n) / Double($1.1.reps) }
    }
}

extension PlanContext {
    func precisionGroups(notes: inout [String]) -> [ActionGroup] {
        var out: [ActionGroup] = []
        for a in data.alpha.indices { for b in data.beta.indices { for l in data.lam.indices {
            let key = PointKey(alpha: data.alpha[a], beta: data.beta[b], lambda: data.lam[l])
            var worst: (q: Quantity, pv: PointValidation, se: Double, target: Double)? = nil
            for q in Validation.quantities {
                let pv = point(a, b, l, q)
                guard pv.verdict != .noData, !pv.verdict.isExcluded else { continue }
                let target = min(options.targetSE ?? .infinity, pv.alternativeDistance / 2)
                guard target.isFinite, target > 0 else { continue }
                guard let e = pv.estimate else {
                    notes.append("unmet: precision at \(PlanContext.describe(key)): \(pv.quantity) has no estimate (\(pv.reason))")
                    continue
                }
                let se = e.statisticalVariance.squareRoot()
                if se > target, worst.map({ se / target > $0.se / $0.target }) ?? true { worst = (q, pv, se, target) }
            }
            guard let w = worst, let group = precisionGroup(key, w.q, w.pv, se: w.se, target: w.target) else {
                if let w = worst {
                    notes.append("unmet: precision at \(PlanContext.describe(key)): se(\(w.q)) \(formatNumber(w.se)) > target \(formatNumber(w.target)) at the replicate and N caps")
                }
                continue
            }
            out.append(group)
        } } }
        return out
    }

    /// The better of the two designs for observable `q` at `key` (nil when neither is possible).
    private func precisionGroup(_ key: PointKey, _ q: Quantity, _ pv: PointValidation, se: Double, target: Double) -> ActionGroup? {
        let usable = pv.sizes.filter(\.usable).map { (n: $0.n, reps: $0.seeds) }
        guard !usable.isEmpty else { return nil }
        let singleDesign = pv.ansatz == .collapsedLargestN || pv.ansatz == .singleN
        let design = singleDesign ? [usable.last!] : usable
        let modelAnsatz = pv.ansatz == .singleN ? Ansatz.collapsedLargestN : pv.ansatz
        guard let v0 = VarianceModel.variance(design, ansatz: modelAnsatz) else { return nil }
        let ratio = se / target
        var candidates: [(items: [ActionGroup.Item], v1: Double, text: String)] = []

        // (a) more replicates at every N of the design
        let factor = min(RefineOptions.replicateGrowth, ratio * ratio * 1.1)
        var items: [ActionGroup.Item] = []
        var grown: [(n: Int, reps: Int)] = []
        for d in design {
            let done = doneSeeds(key, n: d.n).count
            let want = min(Int((Double(d.reps) * factor).rounded(.up)), d.reps + options.maxReplicates - done)
            grown.append((d.n, max(d.reps, want)))
            if want > d.reps { items.append(.init(point: key, n: d.n, replicates: done + want - d.reps)) }
        }
        if !items.isEmpty, let v1 = VarianceModel.variance(grown, ansatz: modelAnsatz) {
            let ns = design.map { String($0.n) }.joined(separator: ", ")
            candidates.append((items, v1, "replicates \(design.map { String($0.reps) }.joined(separator: "/")) → \(grown.map { String($0.reps) }.joined(separator: "/")) at N = \(ns)"))
        }
        // (b) one larger N of the ladder outside every window of q (each is a candidate: a fit of
        //     ≥ 4 N gains a coefficient, so the next N can cost precision where a larger one buys it)
        if let top = usable.last {
            let largest = max(top.n, pv.sizes.filter { $0.seeds > 0 }.map(\.n).max() ?? top.n)
            let reps = min(max(2, top.reps), options.maxReplicates)
            for next in ladder.above(largest) where
                Validation.windowExclusion(q, n: next, alpha: key.alpha, beta: key.beta, lambda: key.lambda, rho: rho, eta: eta).isEmpty {
                // (a largest-N-only design moves to the new N; a fit gains it)
                let newDesign = singleDesign ? [(n: next, reps: reps)] : usable + [(n: next, reps: reps)]
                guard let v1 = VarianceModel.variance(newDesign, ansatz: modelAnsatz) else { continue }
                let done = doneSeeds(key, n: next).count
                candidates.append(([.init(point: key, n: next, replicates: done + reps)], v1, "N = \(next) with \(reps) replicates"))
            }
        }
        var best: (group: ActionGroup, eff: Double)? = nil
        for c in candidates where c.v1 < v0 {
            let cost = standaloneCost(c.items)
            let eff = log(v0 / c.v1) / max(cost, 1e-9)
            guard best.map({ eff > $0.eff }) ?? true else { continue }
            let predicted = se * (c.v1 / v0).squareRoot()
            var g = ActionGroup(rule: .precision, items: c.items, priority: eff,
                                text: "\(PlanContext.describe(key)): se(\(q)) \(formatNumber(se)) > target \(formatNumber(target)): \(c.text) (predicted se \(formatNumber(predicted)))")
            g.se = se; g.target = target
            best = (g, eff)
        }
        return best?.group
    }
}
