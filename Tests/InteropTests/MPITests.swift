import TestSupport
import XCTest

/// MPI for real: three ranks under mpirun, every collective and point-to-point call checked on
/// every rank by the `mpi-selftest` program.
final class MPITests: XCTestCase {
    func testThreeRanksUnderMpirun() throws {
        let exe = productsDirectory.appendingPathComponent("mpi-selftest").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: exe), "build mpi-selftest first: \(exe)")
        let r = try runProcess("/usr/bin/mpirun", ["-np", "3", "--oversubscribe", exe])
        XCTAssertEqual(r.status, 0, "mpirun failed:\n\(r.stdout)\n\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init).sorted()
        XCTAssertEqual(lines, ["rank 0/3 ok", "rank 1/3 ok", "rank 2/3 ok"], r.stderr)
    }
}
