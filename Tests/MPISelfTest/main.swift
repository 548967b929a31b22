// mpi-selftest: run under `mpirun -np K` (Open MPI) or `mpiexec -n K` (MPICH) by InteropTests and
// cluster/tests/run-mpich-tests.sh. Exercises every MPIKit call and checks the values on every
// rank; prints one "rank r/K ok" line per rank and exits non-zero on a mismatch.
import Foundation
import MPIKit

/// One line in one write(2): launchers forward each rank's output in the chunks it was written
/// in (Hydra with stdin at /dev/null showed "rank 0/2 okrank 1/2 ok\n\n" from `print`).
func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

func selfTest(_ mpi: MPIEnvironment) throws -> [String] {
    var failures: [String] = []
    func expect(_ ok: Bool, _ what: String) { if !ok { failures.append(what) } }
    let comm = mpi.world
    let rank = comm.rank, size = comm.size
    expect(MPI.isInitialized, "isInitialized")
    expect(mpi.threadLevel >= .funneled, "thread level \(mpi.threadLevel)")
    do {
        _ = try MPIEnvironment(threading: .single)
        expect(false, "a second MPIEnvironment must throw")
    } catch let e as MPIError {
        expect(e.kind == .lifetime("MPI is already initialised (one MPIEnvironment per process)"), "second environment: \(e)")
    }

    // the launcher's environment names the same rank and size MPI reports
    let launch = MPILaunch.detect()  // nil when run alone (a singleton): rank 0
    expect((launch?.rank ?? 0) == rank, "MPILaunch rank \(String(describing: launch)) vs MPI rank \(rank)")
    if let n = launch?.size { expect(n == size, "MPILaunch size \(n) vs MPI size \(size)") }
    // the headers this binary was compiled against belong to the library it runs with
    let library = MPI.libraryVersion()
    switch MPI.buildFamily {
    case "openmpi": expect(library.hasPrefix("Open MPI"), "built for Open MPI, runs \(library.prefix(40))")
    case "mpich": expect(library.contains("MPICH"), "built for MPICH, runs \(library.prefix(40))")
    default: expect(false, "unknown build family \(MPI.buildFamily)")
    }

    // broadcast: arrays of Double and Int, scalars, strings, bytes
    let d = try comm.broadcast(rank == 0 ? [1.5, -2.25, .pi] : [], root: 0)
    expect(d == [1.5, -2.25, .pi], "broadcast [Double]: \(d)")
    let ints = try comm.broadcast(rank == size - 1 ? [7, -8, Int.max] : [0], root: size - 1)
    expect(ints == [7, -8, Int.max], "broadcast [Int] from last rank: \(ints)")
    let s = try comm.broadcast(rank == 0 ? "β-VAE ✓" : "", root: 0)
    expect(s == "β-VAE ✓", "broadcast String: \(s)")
    let x = try comm.broadcast(rank == 0 ? 42.0 : 0, root: 0)
    expect(x == 42.0, "broadcast scalar")

    // gatherv with unequal counts: rank r sends r+1 values 100r + i
    let mine = (0...rank).map { Double(100 * rank + $0) }
    let gathered = try comm.gatherv(mine, root: 0)
    if rank == 0 {
        expect(gathered.count == size, "gatherv count")
        for r in 0..<size { expect(gathered[r] == (0...r).map { Double(100 * r + $0) }, "gatherv block \(r): \(gathered[r])") }
    } else {
        expect(gathered.isEmpty, "gatherv non-root empty")
    }

    // point to point: a ring of [Double] and [Int]; probe before receiving
    let next = (rank + 1) % size, prev = (rank + size - 1) % size
    if size > 1 {
        if rank % 2 == 0 {
            try comm.send([Double(rank), 0.5], to: next, tag: 7)
            try comm.send([rank, -rank, 3], to: next, tag: 8)
        }
        var status: ProbeStatus? = nil
        let t0 = MPI.wallTime()
        while status == nil && MPI.wallTime() - t0 < 10 { status = try comm.probe(Double.self, from: prev, tag: 7) }
        expect(status == ProbeStatus(source: prev, tag: 7, count: 2), "probe: \(String(describing: status))")
        let (dv, src, tag) = try comm.receive(Double.self, from: prev, tag: 7)
        expect(dv == [Double(prev), 0.5] && src == prev && tag == 7, "receive [Double]: \(dv) from \(src) tag \(tag)")
        let (iv, _, _) = try comm.receive(Int.self, from: Communicator.anySource, tag: 8)
        expect(iv == [prev, -prev, 3], "receive [Int]: \(iv)")
        if rank % 2 == 1 {
            try comm.send([Double(rank), 0.5], to: next, tag: 7)
            try comm.send([rank, -rank, 3], to: next, tag: 8)
        }
        // bytes, counted as bytes by MPI_Get_count
        try comm.send([UInt8](repeating: UInt8(rank), count: 5), to: next, tag: 9)
        let bytesStatus = try { () throws -> ProbeStatus? in
            var st: ProbeStatus? = nil
            while st == nil && MPI.wallTime() - t0 < 10 { st = try comm.probe(UInt8.self, from: prev, tag: 9) }
            return st
        }()
        expect(bytesStatus?.count == 5, "probe bytes: \(String(describing: bytesStatus))")
        let (bytes, _, _) = try comm.receive(UInt8.self, from: prev, tag: 9)
        expect(bytes == [UInt8](repeating: UInt8(prev), count: 5), "receive bytes")
    }
    let total = try comm.allReduceSum(Double(rank))
    expect(total == Double(size * (size - 1) / 2), "allReduceSum")
    let mx = try comm.allReduceMax(rank * 3)
    expect(mx == 3 * (size - 1), "allReduceMax")
    expect(!MPI.processorName().isEmpty, "processorName")
    try comm.barrier()
    return failures
}

// `mpi-selftest --throw`: every rank throws out of `MPIEnvironment.run` after a barrier; the
// environment must still finalise MPI, so the launcher sees ranks that exited properly with status 3.
if CommandLine.arguments.contains("--throw") {
    struct Planned: Error {}
    var rank = -1, size = -1
    do {
        try MPIEnvironment.run(threading: .funneled) { mpi in
            rank = mpi.world.rank
            size = mpi.world.size
            try mpi.world.barrier()
            throw Planned()
        }
    } catch is Planned {
        say("rank \(rank)/\(size) threw; MPI finalised: \(!MPI.isInitialized)")
        exit(3)
    }
}

let (rank, size, failures, anyFailure) = try MPIEnvironment.run(threading: .funneled) { mpi in
    let failures = try selfTest(mpi)
    let anyFailure = try mpi.world.allReduceMax(failures.isEmpty ? 0 : 1)
    return (mpi.world.rank, mpi.world.size, failures, anyFailure)
}
var problems = failures
if MPI.isInitialized { problems.append("MPI still initialised after MPIEnvironment.run returned") }
do {
    _ = try MPIEnvironment()
    problems.append("an MPIEnvironment after finalisation must throw")
} catch let e as MPIError {
    if e.kind != .lifetime("MPI was already finalised; it cannot be restarted") { problems.append("restart: \(e)") }
}
if problems.isEmpty {
    say("rank \(rank)/\(size) ok")
} else {
    say("rank \(rank)/\(size) FAILED: \(problems.joined(separator: "; "))")
}
exit(anyFailure == 0 && problems.isEmpty ? 0 : 1)
