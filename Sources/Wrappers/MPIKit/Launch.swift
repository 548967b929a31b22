// Which rank a process is, read from the launcher's environment before MPI is initialised (no MPI
// calls): used to print bad-input messages once per job and to decide who talks before MPI_Init.
// Launcher-specific variables come before SLURM_PROCID, because `mpirun`/`mpiexec` inside a batch
// script pass the script's SLURM_PROCID=0 on to every rank they start.
import Foundation

/// The rank (and size, when known) that the launcher gave this process.
public struct MPILaunch: Equatable, Sendable {
    /// The launcher (or process-management interface) that set the rank.
    public enum Launcher: String, Sendable, CaseIterable {
        /// Open MPI's `mpirun` (OMPI_COMM_WORLD_RANK / OMPI_COMM_WORLD_SIZE).
        case openMPI
        /// A PMIx server, e.g. `srun --mpi=pmix` or OpenPMIx-based launchers (PMIX_RANK).
        case pmix
        /// MPICH's Hydra `mpiexec` or `srun --mpi=pmi2` (PMI_RANK / PMI_SIZE).
        case pmi
        /// HPE Cray PALS `mpiexec`/`aprun` (PALS_RANKID).
        case pals
        /// SLURM's `srun` (SLURM_PROCID / SLURM_NTASKS).
        case slurm
    }

    /// Which launcher set the rank.
    public let launcher: Launcher
    /// This process's rank in the launch (MPI_COMM_WORLD rank once MPI starts).
    public let rank: Int
    /// The number of processes launched, when the launcher says.
    public let size: Int?

    /// Creates a launch description.
    public init(launcher: Launcher, rank: Int, size: Int?) {
        self.launcher = launcher
        self.rank = rank
        self.size = size
    }

    /// The environment variables read, in order of precedence: (launcher, rank, size).
    public static let variables: [(launcher: Launcher, rank: String, size: String?)] = [
        (.openMPI, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
        (.pmix, "PMIX_RANK", nil),
        (.pmi, "PMI_RANK", "PMI_SIZE"),
        (.pals, "PALS_RANKID", nil),
        (.slurm, "SLURM_PROCID", "SLURM_NTASKS"),
    ]

    /// The launch described by `environment`, or nil when no launcher variable holds a rank
    /// (a plain command-line run). Values that are not non-negative integers are ignored.
    public static func detect(in environment: [String: String] = ProcessInfo.processInfo.environment) -> MPILaunch? {
        func number(_ key: String?) -> Int? {
            guard let key, let text = environment[key], let n = Int(text.trimmingCharacters(in: .whitespaces)), n >= 0
            else { return nil }
            return n
        }
        for v in variables {
            if let rank = number(v.rank) { return MPILaunch(launcher: v.launcher, rank: rank, size: number(v.size)) }
        }
        return nil
    }

    /// This process's launch rank; 0 when not started by a launcher.
    public static var rank: Int { detect()?.rank ?? 0 }

    /// Whether this process is launch rank 0 (or was not started by a launcher): the one that
    /// should print once-per-job messages.
    public static var isLaunchRankZero: Bool { rank == 0 }

    /// `isLaunchRankZero` for a given environment (testable).
    public static func isLaunchRankZero(in environment: [String: String]) -> Bool {
        (detect(in: environment)?.rank ?? 0) == 0
    }
}
