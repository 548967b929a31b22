// mpi-selftest: run under `mpirun -np K` by InteropTests. Exercises every MPIKit call and checks
// the values on every rank; prints one "rank r/K ok" line per rank and exits non-zero on a mismatch.
import Foundation
import MPIKit

var failures: [String] = []
func expect(_ ok: Bool, _ what: String) { if !ok { failures.append(what) } }

let comm = try MPI.initialize()
let rank = comm.rank, size = comm.size
expect(MPI.isInitialized, "isInitialized")
_ = try MPI.initialize()  // second call is a guarded no-op

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
    // bytes
    try comm.send([UInt8](repeating: UInt8(rank), count: 5), to: next, tag: 9)
    let (bytes, _, _) = try comm.receive(UInt8.self, from: prev, tag: 9)
    expect(bytes == [UInt8](repeating: UInt8(prev), count: 5), "receive bytes")
}
let total = try comm.allReduceSum(Double(rank))
expect(total == Double(size * (size - 1) / 2), "allReduceSum")
let mx = try comm.allReduceMax(rank * 3)
expect(mx == 3 * (size - 1), "allReduceMax")
expect(!MPI.processorName().isEmpty, "processorName")
try comm.barrier()

if failures.isEmpty {
    print("rank \(rank)/\(size) ok")
} else {
    print("rank \(rank)/\(size) FAILED: \(failures.joined(separator: "; "))")
}
let anyFailure = try comm.allReduceMax(failures.isEmpty ? 0 : 1)
MPI.finalize()
exit(anyFailure == 0 ? 0 : 1)
