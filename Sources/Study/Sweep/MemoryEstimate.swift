// The memory a sweep needs, estimated before it starts and checked against what the node has.
import Foundation
import ResultsFile
import VAESimulation

/// The memory a sweep needs, estimated before it starts (bytes).
public struct MemoryEstimate: CustomStringConvertible {
    /// Rank 0: every result array, a reused file in memory, plus one data set of its own work.
    public var rank0: Double
    /// Every other rank: the largest data set (C, its eigenvectors, solver workspace, samples).
    public var perRank: Double
    /// MemAvailable of this node and the ranks on it (when the launcher says).
    public var available: Double?
    /// Ranks sharing this node, from the launcher's environment (1 when none says).
    public var ranksOnNode: Int

    /// Estimate the memory of a sweep over `grid` that also loads a reused file of `reusedFileBytes`
    /// bytes on rank 0; reads MemAvailable and the launcher's ranks per node.
    public init(grid: Grid, reusedFileBytes: Double = 0) {
        // Results: one column per field of the field tables (Records.swift).
        let results = Double(grid.theoryPoints) * Double(PointKind.theory.bytesPerPoint)
            + Double(grid.simulationPoints) * Double(PointKind.simulation.bytesPerPoint)
        var largest = 0.0
        let s = grid.spec
        if s.simulate {
            for a in s.alpha { for n in s.N { largest = max(largest, MemoryEstimate.dataSetBytes(alpha: a, n: n, grid: grid)) } }
        }
        perRank = largest + 64e6   // + the process itself (runtime, libraries, MPI buffers)
        rank0 = results + reusedFileBytes + perRank
        available = MemoryEstimate.memAvailable()
        ranksOnNode = MemoryEstimate.ranksOnThisNode()
    }

    /// Peak bytes of one data set with the spec's solver (`DataSet.estimatedPeakBytes`: C or the
    /// samples, eigenvectors or a Krylov basis, workspace) plus its results.
    static func dataSetBytes(alpha: Double, n: Int, grid: Grid) -> Double {
        DataSet.estimatedPeakBytes(alpha: alpha, n: n, solver: grid.spec.solver, rho: grid.spec.rho, eta: grid.spec.eta,
                                   dataModel: grid.spec.dataModel)
            + Double(grid.pairsPerUnit) * Double(PointKind.simulation.fieldCount) * 8 * 2
    }

    /// MemAvailable from /proc/meminfo (nil where unknown).
    static func memAvailable() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let parts = line.split(separator: " ")
            if parts.count >= 2, let kb = Double(parts[1]) { return kb * 1024 }
        }
        return nil
    }

    /// Ranks on this node according to the launcher (1 when no launcher says).
    static func ranksOnThisNode() -> Int {
        let env = ProcessInfo.processInfo.environment
        for k in ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "PALS_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE"] {
            if let v = env[k], let n = Int(v), n > 0 { return n }
        }
        if let v = env["SLURM_TASKS_PER_NODE"], let n = Int(v.prefix { $0.isNumber }), n > 0 { return n }
        return 1
    }

    static func gib(_ b: Double) -> String { String(format: "%.2f GiB", b / 1_073_741_824) }

    /// One line: rank 0's and each other rank's estimate, and the memory available on this node.
    public var description: String {
        var s = "memory estimate: rank 0 \(MemoryEstimate.gib(rank0)) (results + one data set), each other rank \(MemoryEstimate.gib(perRank))"
        if let available {
            s += "; available \(MemoryEstimate.gib(available)) on this node for \(ranksOnNode) rank\(ranksOnNode == 1 ? "" : "s")"
        }
        return s
    }

    /// Refuse (exit 2) when the estimate exceeds what this node has.
    public func check() throws {
        guard let available else { return }
        let others = perRank * Double(max(0, ranksOnNode - 1))
        if rank0 + others > available {
            throw Refusal("the sweep needs about \(MemoryEstimate.gib(rank0 + others)) on this node (rank 0 \(MemoryEstimate.gib(rank0)), \(ranksOnNode - 1) other rank(s) \(MemoryEstimate.gib(perRank)) each) but \(MemoryEstimate.gib(available)) is available; shrink the grid, use fewer ranks per node, or pass --force")
        }
    }
}
