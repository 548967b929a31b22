import Foundation
import ResultsFile

/// The `--dry-run` report: every coordinate value (17 significant digits: the values that key the
/// random streams), grid sizes, work items, where the simulation cost goes, and the memory
/// estimate checked before a run starts.
public enum DryRun {
    /// The report for grid `g` writing to `output`: one line per item, joined by newlines (no trailing one).
    public static func report(_ g: Grid, output: String) -> String {
        let s = g.spec
        func values(_ xs: [Double]) -> String { xs.map { String(format: "%.17g", $0) }.joined(separator: ", ") }
        var lines = [
            "alpha  (\(g.nAlpha)): \(values(s.alpha))",
            "beta   (\(g.nBeta)): \(values(s.beta))",
            "lambda (\(g.nLambda)): \(values(s.lambda))",
        ]
        if s.simulate {
            lines.append("N      (\(g.nN)): " + s.N.map(String.init).joined(separator: ", "))
            lines.append("seeds  (\(g.nSeeds)): " + s.seedIDs.map(String.init).joined(separator: ", "))
        }
        lines.append("grid: \(g.nAlpha) alpha × \(g.nBeta) beta × \(g.nLambda) lambda = \(g.theoryPoints) theory points")
        if s.simulate {
            lines.append("simulation: × \(g.nN) N × \(g.nSeeds) seeds = \(g.simulationPoints) points, solver \(s.solver.rawValue), data \(s.dataModel.rawValue)")
            lines.append("work: \(g.simulationUnits) data sets (α, N, replicate; \(g.pairsPerUnit) (β, λ) pairs each) + theory blocks of \(g.theoryBlock) points")
            lines.append("estimated simulation cost share per N (cost model of the \(s.solver.rawValue) solver):")
            for (n, share) in g.costShareByN() { lines.append(String(format: "  N = %-7d %6.2f%%", n, 100 * share)) }
        } else {
            lines.append("simulation: off (theory only)")
        }
        lines.append(MemoryEstimate(grid: g).description)
        lines.append("output: \(output)")
        return lines.joined(separator: "\n")
    }
}
