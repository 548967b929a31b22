import Foundation
import ResultsFile

/// The `--dry-run` report: grid sizes, unit counts and where the simulation cost goes.
public enum DryRun {
    public static func report(_ g: Grid, output: String) -> String {
        let s = g.spec
        var lines = [
            "grid: \(g.nAlpha) alpha × \(g.nBeta) beta × \(g.nLambda) lambda = \(g.theoryPoints) theory points",
        ]
        if s.simulate {
            lines.append("simulation: × \(g.nN) N × \(g.nSeeds) seeds = \(g.simulationPoints) points, solver \(s.solver.rawValue)")
            lines.append("units: \(g.simulationUnits) data sets (α, N, replicate; \(g.pairsPerUnit) (β, λ) pairs each) + \(g.theoryUnits) theory blocks = \(g.unitCount)")
            lines.append("estimated simulation cost share per N (∝ P·N² + N³):")
            for (n, share) in g.costShareByN() { lines.append(String(format: "  N = %-7d %6.2f%%", n, 100 * share)) }
        } else {
            lines.append("simulation: off (theory only); units: \(g.theoryUnits) theory blocks")
        }
        lines.append("output: \(output)")
        return lines.joined(separator: "\n")
    }
}
