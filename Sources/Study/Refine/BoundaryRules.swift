// The boundary rules (the session's first round of a study that has none yet). The theory is
// cheap, so it locates each boundary itself and the plan inserts coordinate values of the lattice
// (Ladder.swift) that bracket it to the relative resolution δ, then places simulations on both
// sides so that the figures resolve the boundary beyond the initial grid:
//   - β_c(α) (continuous collapse) and β_eq(α) (first order) at every (α, λ) of the study whose
//     boundary lies inside its β range;
//   - the optimal β of ε_g (above BBP), likewise;
//   - the BBP threshold α = (η/ρ)² when it lies inside the α range (every (β, λ) simulated there).
// A simulated side is the lattice value nearest the boundary that is outside every finite-N window
// of MODEL.md §7 step 2 (and outside first-order coexistence, where a point is reported apart) at
// two consecutive N of the ladder: the cheapest pair at which the bracket itself is clear, else the
// pair that gets closest. A side is skipped when the study already simulates a value at least as
// close on that side.
import Foundation
import ResultsFile
import Statistics
import VAETheory

extension PlanContext {
    /// Lattice steps a simulated side may move out from the bracket.
    static let maxOutwardSteps = 60

    /// Consecutive ladder pairs from the study's second-largest N upwards (cheapest first).
    var nPairs: [(Int, Int)] {
        let l = ladder.values
        let ns = data.N.sorted()
        let start = ns.count >= 2 ? ns[ns.count - 2] : (ns.first ?? 0)
        guard let i0 = l.firstIndex(where: { $0 >= start }) else { return [] }
        return (i0..<max(i0, l.count - 1)).map { (l[$0], l[$0 + 1]) }
    }

    /// Replicates of a boundary simulation: the study's replicate count.
    var baseReplicates: Int { min(options.maxReplicates, max(2, data.seeds.count)) }

    /// The side value of a bracket: from lattice index `k0` outward by `dir`, the first value
    /// clear at both N of a pair (the cheapest pair that clears k0, else the pair with the fewest
    /// steps); nil when none within `maxSteps` and the bounds.
    func side(k0: Int, dir: Int, maxSteps: Int, within: ClosedRange<Double>, clear: (Double, Int) -> Bool) -> (value: Double, pair: (Int, Int), steps: Int)? {
        var best: (value: Double, pair: (Int, Int), steps: Int)? = nil
        for pair in nPairs {
            for k in 0...maxSteps {
                if let b = best, k >= b.steps { break }
                let v = lattice.value(k0 + dir * k)
                guard within.contains(v) else { break }
                if clear(v, pair.0) && clear(v, pair.1) {
                    best = (v, pair, k)
                    break
                }
            }
            if best?.steps == 0 { break }
        }
        return best
    }

    func boundaryGroups(notes: inout [String]) -> [ActionGroup] {
        guard let betaMin = data.beta.first, let betaMax = data.beta.last,
              let alphaMin = data.alpha.first, let alphaMax = data.alpha.last else { return [] }
        var out: [ActionGroup] = []
        for l in data.lam.indices { for a in data.alpha.indices {
            let alpha = data.alpha[a], lambda = data.lam[l]
            let t = Theory.transition(alpha: alpha, lambda: lambda, rho: rho, eta: eta)
            if t.kind != .none, t.boundary > betaMin, t.boundary < betaMax {
                let rule: Refinement.Rule = t.kind == .firstOrder ? .firstOrderBoundary : .collapseBoundary
                let name = t.kind == .firstOrder ? "β_eq" : "β_c"
                out += betaBracket(alpha: alpha, lambda: lambda, at: t.boundary, rule: rule, name: name, transition: t,
                                   outward: true, range: betaMin...betaMax, notes: &notes)
            }
            if Theory.spectrum(alpha: alpha, rho: rho, eta: eta).theta2 > 0 {
                let best = Theory.optimalBeta(alpha: alpha, lambda: lambda, rho: rho, eta: eta)
                if best > betaMin, best < betaMax {
                    out += betaBracket(alpha: alpha, lambda: lambda, at: best, rule: .optimalBeta, name: "β*", transition: t,
                                       outward: false, range: betaMin...betaMax, notes: &notes)
                }
            }
        } }
        let bbp = Theory.bbpThreshold(rho: rho, eta: eta)
        if bbp > alphaMin, bbp < alphaMax { out += bbpBracket(at: bbp, range: alphaMin...alphaMax, notes: &notes) }
        return out
    }

    /// The theory bracket and the two simulated sides of a boundary along β at (α, λ).
    private func betaBracket(alpha: Double, lambda: Double, at x: Double, rule: Refinement.Rule, name: String,
                             transition t: Transition, outward: Bool, range: ClosedRange<Double>,
                             notes: inout [String]) -> [ActionGroup] {
        var out: [ActionGroup] = []
        let br = lattice.bracket(x)
        let where_ = "\(name)(α=\(formatNumber(alpha, significant: 10)), λ=\(formatNumber(lambda, significant: 10))) = \(formatNumber(x, significant: 6))"
        let below = data.beta.last { $0 < x }, above = data.beta.first { $0 >= x }
        if !(below.map { b in above.map { $0 / b <= 1 + options.resolution * (1 + 1e-9) } ?? false } ?? false) {
            var g = ActionGroup(rule: rule, items: [br.lo, br.hi].map { .init(point: PointKey(alpha: alpha, beta: $0, lambda: lambda), n: -1, replicates: 0) },
                                priority: 0, text: "\(where_): theory at β = \(formatNumber(br.lo, significant: 10)), \(formatNumber(br.hi, significant: 10)) (bracket δ = \(formatNumber(options.resolution)))")
            g.newBeta = [br.lo, br.hi]
            out.append(g)
        }
        let a = alphaIx[alpha]!, l = lamIx[lambda]!
        func simulated(_ beta: Double) -> Bool {
            guard let b = betaIx[beta] else { return false }
            return data.N.indices.contains { n in data.seeds.indices.contains { data.isDone(.simulation, data.simIndex(a, b, l, n, $0)) } }
        }
        func clear(_ beta: Double, _ n: Int) -> Bool {
            guard beta >= Domains.of(.beta).lower, !t.coexistence(beta: beta) else { return false }
            return Validation.quantities.allSatisfy {
                Validation.windowExclusion($0, n: n, alpha: alpha, beta: beta, lambda: lambda, rho: rho, eta: eta).isEmpty
            }
        }
        for (dir, k0, sideName) in [(-1, br.kLo, "below"), (1, br.kHi, "above")] {
            guard let s = side(k0: k0, dir: dir, maxSteps: outward ? PlanContext.maxOutwardSteps : 0, within: range, clear: clear) else {
                notes.append("\(where_): no simulated side \(sideName) (inside a window at every N up to \(ladder.values.last ?? 0) within the β range)")
                continue
            }
            let nearest = data.beta.filter { dir < 0 ? $0 < x : $0 > x }.filter(simulated).min { abs($0 - x) < abs($1 - x) }
            if let n = nearest, abs(n - x) <= abs(s.value - x) {
                continue   // the grid already simulates as close on this side
            }
            let key = PointKey(alpha: alpha, beta: s.value, lambda: lambda)
            var g = ActionGroup(rule: rule, items: [s.pair.0, s.pair.1].map { .init(point: key, n: $0, replicates: doneSeeds(key, n: $0).count + baseReplicates) },
                                priority: 0, text: "\(where_): simulated \(sideName) at β = \(formatNumber(s.value, significant: 10)) with N = \(s.pair.0), \(s.pair.1), \(baseReplicates) replicates" + (s.steps > 0 ? " (\(s.steps) lattice steps out: the windows)" : ""))
            g.newBeta = [s.value]
            out.append(g)
        }
        return out
    }

    /// The theory bracket and the two simulated sides of the BBP threshold along α (every (β, λ)).
    private func bbpBracket(at x: Double, range: ClosedRange<Double>, notes: inout [String]) -> [ActionGroup] {
        var out: [ActionGroup] = []
        let br = lattice.bracket(x)
        let where_ = "BBP α = \(formatNumber(x, significant: 6))"
        let nominal = (beta: data.beta[0], lambda: data.lam[0])
        let below = data.alpha.last { $0 < x }, above = data.alpha.first { $0 >= x }
        if !(below.map { b in above.map { $0 / b <= 1 + options.resolution * (1 + 1e-9) } ?? false } ?? false) {
            var g = ActionGroup(rule: .bbp, items: [br.lo, br.hi].map { .init(point: PointKey(alpha: $0, beta: nominal.beta, lambda: nominal.lambda), n: -1, replicates: 0) },
                                priority: 0, text: "\(where_): theory at α = \(formatNumber(br.lo, significant: 10)), \(formatNumber(br.hi, significant: 10)) (bracket δ = \(formatNumber(options.resolution)))")
            g.newAlpha = [br.lo, br.hi]
            out.append(g)
        }
        func simulated(_ alpha: Double) -> Bool {
            guard let a = alphaIx[alpha] else { return false }
            return data.beta.indices.contains { b in data.lam.indices.contains { l in data.N.indices.contains { n in
                data.seeds.indices.contains { data.isDone(.simulation, data.simIndex(a, b, l, n, $0)) } } } }
        }
        func clear(_ alpha: Double, _ n: Int) -> Bool {
            guard Domains.of(.alpha).contains(alpha) else { return false }
            let w = Validation.windows(n: n, alpha: alpha, beta: nominal.beta, lambda: nominal.lambda, rho: rho, eta: eta, options: .standard)
            return !w.critical && !w.widened
        }
        for (dir, k0, sideName) in [(-1, br.kLo, "below"), (1, br.kHi, "above")] {
            guard let s = side(k0: k0, dir: dir, maxSteps: PlanContext.maxOutwardSteps, within: range, clear: clear) else {
                notes.append("\(where_): no simulated side \(sideName) (inside the BBP window at every N up to \(ladder.values.last ?? 0) within the α range)")
                continue
            }
            let nearest = data.alpha.filter { dir < 0 ? $0 < x : $0 > x }.filter(simulated).min { abs($0 - x) < abs($1 - x) }
            if let n = nearest, abs(n - x) <= abs(s.value - x) { continue }
            var items: [ActionGroup.Item] = []
            for beta in data.beta { for lambda in data.lam { for n in [s.pair.0, s.pair.1] {
                let key = PointKey(alpha: s.value, beta: beta, lambda: lambda)
                items.append(.init(point: key, n: n, replicates: baseReplicates))
            } } }
            var g = ActionGroup(rule: .bbp, items: items, priority: 0,
                                text: "\(where_): simulated \(sideName) at α = \(formatNumber(s.value, significant: 10)) (every β, λ) with N = \(s.pair.0), \(s.pair.1), \(baseReplicates) replicates" + (s.steps > 0 ? " (\(s.steps) lattice steps out: the BBP window)" : ""))
            g.newAlpha = [s.value]
            out.append(g)
        }
        return out
    }
}
