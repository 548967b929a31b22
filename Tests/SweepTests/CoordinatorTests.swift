import Foundation
import ResultsFile
import Sweep
import VAETheory
import XCTest

/// The coordinator's protocol driven in memory (no mpirun), in the spirit of swift-nio's
/// EmbeddedChannel: hello / work / stop, chunked results, a drain in the middle, an unexpected
/// message and a worker returning a malformed result. The reference for the numbers is the same
/// work computed directly by `UnitComputer`, one item at a time, in this process.
final class CoordinatorTests: XCTestCase {
    static let spec = """
    [grid]
    alpha = [0.5, 2.0, 4.0]
    beta = [0.5, 1.5]
    lambda = [0.01, 1.0]
    N = [20, 30]
    seeds = 2
    """

    func makeGrid(theoryBlock: Int = 5) throws -> Grid {
        try Grid(spec: try SweepSpec.parse(Self.spec), theoryBlock: theoryBlock)
    }

    /// Every work item computed directly: the reference store.
    func reference(_ grid: Grid) throws -> ResultStore {
        let store = ResultStore(grid: grid), computer = UnitComputer(grid: grid)
        for item in store.remainingWork() { try store.apply(item, payload: computer.compute(item)) }
        return store
    }

    /// Run a coordinator on rank 0 of an in-memory network with `workers` worker threads.
    func runNetwork(grid: Grid, workers: Int, chunk: Int, drainAfter: Int? = nil,
                    worker: (@Sendable (InMemoryTransport, UnitComputer) throws -> Void)? = nil) throws -> (ResultStore, CoordinatorOutcome) {
        let net = InMemoryNetwork(size: workers + 1)
        let computer = UnitComputer(grid: grid)
        let store = ResultStore(grid: grid)
        let group = DispatchGroup()
        final class Errors: @unchecked Sendable { var list: [Error] = []; let lock = NSLock() }
        let errors = Errors()
        for r in 1...max(1, workers) where workers > 0 {
            let t = net.endpoint(r)
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    if let worker { try worker(t, computer) } else {
                        try Coordinator.work(transport: t, host: "node\(r)", chunk: chunk, compute: { computer.compute($0) },
                                             interrupted: { false })
                    }
                } catch { errors.lock.lock(); errors.list.append(error); errors.lock.unlock() }
            }
        }
        var recorded = 0
        let coordinator = Coordinator(transport: net.endpoint(0), store: store, journal: nil, host: "node0",
                                      compute: { computer.compute($0) },
                                      interrupted: { if let d = drainAfter { recorded += 1; return recorded > d }; return false })
        let outcome: CoordinatorOutcome
        do {
            outcome = try coordinator.run(work: store.remainingWork())
        } catch {
            // as MPI_Abort would: release every worker still waiting for the coordinator
            for r in stride(from: 1, through: workers, by: 1) { try? net.endpoint(0).send(.stop, to: r) }
            group.wait()
            throw error
        }
        group.wait()
        XCTAssertTrue(errors.list.isEmpty, "\(errors.list)")
        return (store, outcome)
    }

    func assertSameResults(_ a: ResultStore, _ b: ResultStore, file: StaticString = #filePath, line: UInt = #line) {
        // every field of every point, compared by name through the records (bitwise)
        for t in 0..<a.data.theoryCount {
            XCTAssertEqual(a.data.theoryRecord(at: t), b.data.theoryRecord(at: t), "theory point \(t)", file: file, line: line)
        }
        for i in 0..<a.data.simCount {
            var x = a.data.simRecord(at: i), y = b.data.simRecord(at: i)
            x.seconds = 0; y.seconds = 0   // wall time: the one field that is not reproducible
            XCTAssertEqual(x, y, "simulated point \(i)", file: file, line: line)
        }
    }

    /// hello / work / stop with 3 workers and results in chunks of 7 values (every payload is
    /// split): the gathered store equals the direct computation, bitwise, and every host said
    /// hello. Catches: chunks reassembled out of order or attributed to the wrong rank, a result
    /// applied to another item's points, a worker never stopped (the test would hang).
    func testWorkIsHandedOutGatheredInChunksAndStopped() throws {
        let grid = try makeGrid()
        let ref = try reference(grid)
        let (store, outcome) = try runNetwork(grid: grid, workers: 3, chunk: 7)
        XCTAssertTrue(outcome.complete)
        XCTAssertEqual(outcome.hosts.sorted(), ["node0", "node1", "node2", "node3"])
        XCTAssertEqual(outcome.pointsComputed, grid.pointsTotal)
        assertSameResults(store, ref)
        // rank 0 alone (no workers) gives the same
        let (alone, o2) = try runNetwork(grid: grid, workers: 0, chunk: 7)
        XCTAssertTrue(o2.complete)
        assertSameResults(alone, ref)
    }

    /// A drain requested part-way: no new work is handed out, the work in flight is finished
    /// and recorded, and what is recorded is exactly the direct computation's values.
    func testADrainStopsHandingOutWork() throws {
        let grid = try makeGrid(theoryBlock: 2)
        let ref = try reference(grid)
        let (store, outcome) = try runNetwork(grid: grid, workers: 2, chunk: 1000, drainAfter: 3)
        XCTAssertFalse(outcome.complete)
        XCTAssertGreaterThan(store.pointsDone, 0)
        XCTAssertLessThan(store.pointsDone, grid.pointsTotal)
        for i in 0..<grid.simulationPoints where store.data.status![i] != PointStatus.notRun.rawValue {
            for q in Quantity.allCases { XCTAssertEqual(store.data[sim: q]![i].bitPattern, ref.data[sim: q]![i].bitPattern) }
        }
        XCTAssertEqual(store.remainingWork().reduce(0) { $0 + $1.points }, grid.pointsTotal - store.pointsDone,
                       "what is left is exactly what was not recorded")
    }

    /// A worker that sends a coordinator's message (`stop`) instead of a hello: a protocol error
    /// naming the rank, not a hang and not a crash.
    func testAnUnexpectedMessageIsAProtocolError() throws {
        let grid = try makeGrid()
        XCTAssertThrowsError(try runNetwork(grid: grid, workers: 1, chunk: 100, worker: { t, _ in
            try t.send(.stop, to: 0)
            _ = try? t.receive(from: 0)
        })) { e in
            XCTAssertTrue(e is ProtocolError, "\(e)")
            XCTAssertTrue("\(e)".contains("rank 1"), "\(e)")
        }
    }

    /// A worker returning a result of the wrong length: the coordinator refuses to record it
    /// (nothing half-applied) and names the rank.
    func testAMalformedResultIsRejected() throws {
        let grid = try makeGrid()
        XCTAssertThrowsError(try runNetwork(grid: grid, workers: 1, chunk: 100, worker: { t, computer in
            try t.send(.hello(host: "bad", interrupted: false), to: 0)
            guard case let .work(item) = try t.receive(from: 0) else { return }
            let payload = computer.compute(item)
            try t.send(.resultPart(Array(payload.dropLast())), to: 0)
            try t.send(.resultEnd(interrupted: false, seconds: 0), to: 0)
            _ = try? t.receive(from: 0)
        })) { e in
            XCTAssertTrue(e is ProtocolError, "\(e)")
            XCTAssertTrue("\(e)".contains("rank 1") && "\(e)".contains("bad result"), "\(e)")
        }
    }

    /// Work items travel as [Int]; a malformed one is rejected by the decoder rather than
    /// trapping (the first release sent one Double per byte of a host name, and `UInt8($0)`
    /// trapped on a bad value).
    func testMessagesOfTheMPITransportDecodeOrFailCleanly() throws {
        let grid = try makeGrid()
        for item in ResultStore(grid: grid).remainingWork() {
            XCTAssertEqual(WorkItem(encoded: item.encoded, grid: grid), item)
        }
        XCTAssertNil(WorkItem(encoded: [0, 0, 99], grid: grid), "pair index out of range")
        XCTAssertNil(WorkItem(encoded: [0, 0], grid: grid), "no points")
    }
}
