import MPIKit
import TestSupport
import XCTest

/// The launcher of the MPI family this package was built against (`make ... MPI=openmpi|mpich`):
/// Debian's `mpirun`/`mpiexec` alternatives point to one family only, so name it explicitly.
func familyLauncher(ranks: Int) -> (String, [String]) {
    switch MPI.buildFamily {
    case "mpich": return ("/usr/bin/mpiexec.mpich", ["-n", "\(ranks)"])
    default: return ("/usr/bin/mpirun.openmpi", ["-np", "\(ranks)", "--oversubscribe"])
    }
}

/// MPI for real: three ranks under the build family's launcher, every collective and
/// point-to-point call checked on every rank by the `mpi-selftest` program, which also checks the
/// launch detection against MPI's own rank and the MPIEnvironment lifetime.
final class MPITests: XCTestCase {
    var selftest: String { productsDirectory.appendingPathComponent("mpi-selftest").path }

    func testThreeRanksUnderTheFamilyLauncher() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: selftest), "build mpi-selftest first: \(selftest)")
        let (launcher, args) = familyLauncher(ranks: 3)
        let r = try runProcess(launcher, args + [selftest])
        XCTAssertEqual(r.status, 0, "\(launcher) failed:\n\(r.stdout)\n\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init).sorted()
        XCTAssertEqual(lines, ["rank 0/3 ok", "rank 1/3 ok", "rank 2/3 ok"], r.stderr)
    }

    func testSingletonWithoutLauncher() throws {
        let r = try runProcess(selftest, [])
        XCTAssertEqual(r.status, 0, "\(r.stdout)\n\(r.stderr)")
        XCTAssertEqual(r.stdout, "rank 0/1 ok\n", r.stderr)
    }

    /// Every rank throws out of `MPIEnvironment.run`: MPI is still finalised on each, so the
    /// launcher reports ranks that exited with status 3, not ranks that exited without
    /// MPI_Finalize ("exiting improperly" in Open MPI).
    func testThrowingRanksStillFinalise() throws {
        let (launcher, args) = familyLauncher(ranks: 2)
        let r = try runProcess(launcher, args + [selftest, "--throw"])
        XCTAssertNotEqual(r.status, 0)
        let lines = r.stdout.split(separator: "\n").map(String.init).sorted()
        XCTAssertEqual(lines, ["rank 0/2 threw; MPI finalised: true", "rank 1/2 threw; MPI finalised: true"], r.stderr)
        XCTAssertFalse(r.stderr.contains("improperly"), r.stderr)
    }

    func testBuildFamilyMatchesTheLibrary() {
        let library = MPI.libraryVersion()  // callable before MPI_Init
        XCTAssertTrue(["openmpi", "mpich"].contains(MPI.buildFamily), MPI.buildFamily)
        if MPI.buildFamily == "openmpi" {
            XCTAssertTrue(library.hasPrefix("Open MPI v"), library)
            XCTAssertTrue(MPI.buildDescription.hasPrefix("Open MPI "), MPI.buildDescription)
        } else {
            XCTAssertTrue(library.contains("MPICH"), library)
            XCTAssertTrue(MPI.buildDescription.hasPrefix("MPICH "), MPI.buildDescription)
        }
        // the header's version is the library's version (same package on this machine)
        let headerVersion = MPI.buildDescription.split(separator: " ").last.map(String.init) ?? "?"
        XCTAssertTrue(library.contains(headerVersion), "\(MPI.buildDescription) vs \(library)")
        XCTAssertTrue(["3.1", "4.0", "4.1", "5.0"].contains(MPI.standardVersion), MPI.standardVersion)
    }
}

/// Launch detection from the environment alone, one case per launcher and the precedence rules.
final class MPILaunchTests: XCTestCase {
    func testEachLauncher() {
        let cases: [([String: String], MPILaunch?)] = [
            ([:], nil),
            (["OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_SIZE": "4", "PMIX_RANK": "2"], MPILaunch(launcher: .openMPI, rank: 2, size: 4)),
            (["PMIX_RANK": "3", "SLURM_PROCID": "3", "SLURM_NTASKS": "8"], MPILaunch(launcher: .pmix, rank: 3, size: nil)),
            (["PMI_RANK": "1", "PMI_SIZE": "3"], MPILaunch(launcher: .pmi, rank: 1, size: 3)),
            (["PALS_RANKID": "5", "PALS_NODEID": "1"], MPILaunch(launcher: .pals, rank: 5, size: nil)),
            (["SLURM_PROCID": "7", "SLURM_NTASKS": "16"], MPILaunch(launcher: .slurm, rank: 7, size: 16)),
        ]
        for (env, expected) in cases { XCTAssertEqual(MPILaunch.detect(in: env), expected, "\(env)") }
    }

    func testLauncherVariablesBeatAnInheritedSlurmRank() {
        // mpirun / mpiexec inside a batch script: every rank inherits the script's SLURM_PROCID=0
        XCTAssertEqual(MPILaunch.detect(in: ["SLURM_PROCID": "0", "SLURM_NTASKS": "1", "OMPI_COMM_WORLD_RANK": "1"])?.rank, 1)
        XCTAssertEqual(MPILaunch.detect(in: ["SLURM_PROCID": "0", "PMI_RANK": "2", "PMI_SIZE": "3"]),
                       MPILaunch(launcher: .pmi, rank: 2, size: 3))
        XCTAssertFalse(MPILaunch.isLaunchRankZero(in: ["SLURM_PROCID": "0", "PMI_RANK": "2"]))
        XCTAssertFalse(MPILaunch.isLaunchRankZero(in: ["SLURM_PROCID": "0", "PALS_RANKID": "1"]))
    }

    func testRankZeroAndBadValues() {
        XCTAssertTrue(MPILaunch.isLaunchRankZero(in: [:]), "a plain run prints")
        XCTAssertTrue(MPILaunch.isLaunchRankZero(in: ["PMI_RANK": "0", "PMI_SIZE": "4"]))
        XCTAssertTrue(MPILaunch.isLaunchRankZero(in: ["PMIX_RANK": "0"]))
        XCTAssertFalse(MPILaunch.isLaunchRankZero(in: ["PMIX_RANK": "1"]))
        // a value that is not a rank is ignored, the next variable decides
        XCTAssertEqual(MPILaunch.detect(in: ["PMI_RANK": "x", "SLURM_PROCID": "1"]), MPILaunch(launcher: .slurm, rank: 1, size: nil))
        XCTAssertEqual(MPILaunch.detect(in: ["OMPI_COMM_WORLD_RANK": "-1"]), nil)
        XCTAssertEqual(MPILaunch.detect(in: ["PMI_RANK": "4", "PMI_SIZE": "many"]), MPILaunch(launcher: .pmi, rank: 4, size: nil))
    }
}
