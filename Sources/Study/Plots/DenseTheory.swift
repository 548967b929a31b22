// The theory engine evaluated on dense grids for the figures: smooth curves in α or β (≥ 400
// points) and phase maps in the (α, β) plane (≥ 300 × 300), independent of the sweep's grid.
import Foundation
import Statistics
import VAETheory

/// Dense evaluations of the N = ∞ theory (VAETheory's `Theory.solve`).
public enum DenseTheory {
    /// Points on a dense curve (ε_g versus α, RD curves over β).
    public static let curvePoints = 400
    /// Cells per side of a dense phase map.
    public static let mapCells = 300

    /// `count` values over [lo, hi] ∩ `domain`, evenly in the scale's coordinate (log or linear, as
    /// the sweep's grid); empty when the interval is empty.
    public static func grid(_ lo: Double, _ hi: Double, count: Int = curvePoints, kind: ScaleKind,
                            domain: ClosedRange<Double>) -> [Double] {
        let a = max(lo, domain.lowerBound), b = min(hi, domain.upperBound)
        guard a.isFinite, b.isFinite, b > a, count >= 2 else { return a == b && a.isFinite ? [a] : [] }
        return denseGrid(a, b, count: count, kind: kind)
    }

    /// The theory's observables at one point, nil outside the engine's domain.
    public static func observables(alpha: Double, beta: Double, lambda: Double, rho: Double, eta: Double) -> Observables? {
        guard let input = try? TheoryInput(alpha: alpha, beta: beta, lambda: lambda, rho: rho, eta: eta) else { return nil }
        return Theory.solve(input).observables
    }

    /// Phase codes on a `cells` × `cells` map: cell (i, j) at the centre of the i-th of `cells` equal
    /// steps across `x` and the j-th across `y` (in each scale's coordinate); −1 outside the domain.
    /// Row-major by β: index j * cells + i.
    public static func phaseMap(x: (Double, Double), xKind: ScaleKind, y: (Double, Double), yKind: ScaleKind,
                                lambda: Double, rho: Double, eta: Double, cells: Int = mapCells) -> (alphas: [Double], betas: [Double], phases: [Int8]) {
        func centres(_ r: (Double, Double), _ kind: ScaleKind) -> [Double] {
            let t: (Double) -> Double = { kind == .log ? log10($0) : $0 }
            let lo = t(r.0), hi = t(r.1)
            return (0..<cells).map { i in
                let v = lo + (Double(i) + 0.5) / Double(cells) * (hi - lo)
                return kind == .log ? pow(10, v) : v
            }
        }
        let alphas = centres(x, xKind), betas = centres(y, yKind)
        var phases = [Int8](repeating: -1, count: cells * cells)
        for j in 0..<cells {
            for i in 0..<cells {
                if let o = observables(alpha: alphas[i], beta: betas[j], lambda: lambda, rho: rho, eta: eta) {
                    phases[j * cells + i] = o.phase.rawValue
                }
            }
        }
        return (alphas, betas, phases)
    }
}
