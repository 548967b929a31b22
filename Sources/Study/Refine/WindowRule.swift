// The window rule. A (point, observable) reported apart because fewer than 2 of its N lie outside
// the finite-N windows of MODEL.md §7 step 2 (the critical BBP window, its widening for the
// θ-dependent observables, the collapse-boundary window) gets the smallest N of the ladder above
// its largest N that lie outside every window of every such observable of the point, until each
// has 2 usable N — with the point's replicates. The windows are theory (`Validation.windows`), so
// the rule never looks at the data's values. A point still inside a window at the N cap stays
// apart, and the plan says at which N it would leave (first-order coexistence and the λ = 0
// null space are never windows: no N helps them).
import Foundation
import ResultsFile
import Statistics
import VAETheory

extension PlanContext {
    func windowGroups(notes: inout [String]) -> [ActionGroup] {
        var out: [ActionGroup] = []
        for a in data.alpha.indices { for b in data.beta.indices { for l in data.lam.indices {
            let key = PointKey(alpha: data.alpha[a], beta: data.beta[b], lambda: data.lam[l])
            let apart = Validation.quantities.map { point(a, b, l, $0) }
                .filter { $0.verdict == .excludedCritical || $0.verdict == .excludedWindow }
            guard !apart.isEmpty else { continue }
            // usable N each observable already has, and the point's replicates
            var have = apart.map { $0.sizes.filter(\.usable).count }
            let reps = min(options.maxReplicates, max(2, apart.flatMap(\.sizes).map(\.seeds).max() ?? 2))
            let largest = apart[0].sizes.filter { $0.seeds > 0 }.map(\.n).max() ?? 0
            var chosen: [Int] = []
            for n in ladder.above(largest) where have.contains(where: { $0 < 2 }) {
                let clear = apart.allSatisfy {
                    Validation.windowExclusion($0.quantity, n: n, alpha: key.alpha, beta: key.beta, lambda: key.lambda,
                                               rho: rho, eta: eta).isEmpty
                }
                if clear { chosen.append(n); have = have.map { $0 + 1 } }
            }
            let names = apart.map { "\($0.quantity)" }.joined(separator: ", ")
            guard !have.contains(where: { $0 < 2 }) else {
                notes.append("unmet: window at \(PlanContext.describe(key)) (\(names)): still inside a window at every N of the ladder up to \(ladder.values.last ?? 0) (--max-n)")
                continue
            }
            let items = chosen.map { ActionGroup.Item(point: key, n: $0, replicates: doneSeeds(key, n: $0).count + reps) }
            let cost = standaloneCost(items)
            out.append(ActionGroup(rule: .window, items: items, priority: -cost,
                                   text: "\(PlanContext.describe(key)): \(names) apart (\(apart[0].reason)): N = \(chosen.map(String.init).joined(separator: ", ")) with \(reps) replicates leave the windows"))
        } } }
        return out
    }
}
