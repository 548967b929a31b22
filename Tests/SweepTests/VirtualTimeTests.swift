import Foundation
import ResultsFile
import Sweep
import XCTest

/// The coordinator on a virtual clock (`VirtualNetwork`, VirtualTime.swift). The code under test is
/// `Coordinator.run` itself, the type `SweepPlan.coordinate` runs under MPI: the network only
/// answers its messages (work arrives, takes its given seconds, the result comes back in the
/// worker's own chunks), so every decision in these schedules — who gets which item when, when a
/// message is seen, when a drain stops the handing out — is the production coordinator's. The
/// references are schedules worked out by hand (in the comments), in binary-exact numbers (a poll
/// interval of 1/4 s, costs in eighths), so the makespans are compared exactly.
final class VirtualTimeTests: XCTestCase {
    /// The coordinator suite's small grid (3 α × 2 β × 2 λ × 2 N × 2 seeds).
    static let spec = CoordinatorTests.spec

    /// Seven data sets A…G of the test grid with the costs of the hand-worked schedule.
    static let costs: [Double] = [5, 3.875, 3, 3, 2, 2, 1]

    struct Setup {
        let grid: Grid
        let store: ResultStore
        let items: [WorkItem]
        let net: VirtualNetwork
        let coordinator: Coordinator
    }

    /// Three computing ranks (rank 0's thread, ranks 1 and 2), no latency, no coordinator time, the
    /// coordinator polling every 1/4 s; items A…G cost `costs`, payloads are the real computation.
    func setup(interrupted: ((VirtualNetwork) -> Bool)? = nil) throws -> Setup {
        let grid = try Grid(spec: try SweepSpec.parse(Self.spec), theoryBlock: 5)
        let store = ResultStore(grid: grid)
        let items = Array(store.remainingWork().filter { $0.kind == .simulation }.prefix(Self.costs.count))
        var cost: [Int: Double] = [:]
        for (item, c) in zip(items, Self.costs) { cost[item.unit] = c }
        let computer = UnitComputer(grid: grid)
        var model = VirtualNetwork.Model(seconds: { cost[$0.unit]! }, payload: { computer.compute($0) })
        model.latency = 0; model.bandwidth = .infinity; model.messageOverhead = 0; model.coordinatorTime = .none
        let net = VirtualNetwork(size: 3, model: model)
        var c = Coordinator(transport: net, store: store, journal: nil, host: "node0", compute: { _ in [] },
                            interrupted: { interrupted?(net) ?? false })
        c.runtime = net
        c.pollInterval = 0.25
        return Setup(grid: grid, store: store, items: items, net: net, coordinator: c)
    }

    /// The whole schedule, by hand. The hellos of ranks 1 and 2 (time 0) get A and B; then, no
    /// message pending, rank 0's own thread starts, with C. C ends at 3 (a local result wakes the
    /// wait at once): D on rank 0 (3 → 6). B ends at 3.875, between two of the coordinator's waits
    /// of 1/4 s, so it is seen at 4 (the polling delay of the real code): E (4 → 6). A at 5: F
    /// (5 → 7). D and E at 6: G on rank 0 (6 → 7), stop rank 2. F and G at 7: stop rank 1, the
    /// end. Makespan 7 (the bound max(Σ/3, largest) = 19.875/3 = 6.625); busy 7, 7, 5.875.
    /// Catches: the expensive items not handed out first, rank 0's thread given the most
    /// expensive one, results seen late or early (a wait that is not the code's), work sent to a
    /// rank still computing (the network throws), ranks not stopped, busy seconds not gathered
    /// with the results.
    func testTheScheduleOfThreeWorkersIsTheHandWorkedOne() throws {
        let s = try setup()
        let outcome = try s.coordinator.run(work: s.items)
        let (A, B, C, D, E, F, G) = (s.items[0], s.items[1], s.items[2], s.items[3], s.items[4], s.items[5], s.items[6])
        typealias X = VirtualNetwork.Assignment
        XCTAssertEqual(s.net.schedule, [
            X(rank: 1, item: A, sent: 0, start: 0, end: 5),
            X(rank: 2, item: B, sent: 0, start: 0, end: 3.875),
            X(rank: 0, item: C, sent: 0, start: 0, end: 3),
            X(rank: 0, item: D, sent: 3, start: 3, end: 6),
            X(rank: 2, item: E, sent: 4, start: 4, end: 6),
            X(rank: 1, item: F, sent: 5, start: 5, end: 7),
            X(rank: 0, item: G, sent: 6, start: 6, end: 7),
        ])
        XCTAssertEqual(s.net.virtualTime, 7, "makespan")
        XCTAssertEqual(s.net.statistics.stoppedAt, [nil, 7, 6])
        XCTAssertEqual(outcome.wallSeconds, 7)
        XCTAssertEqual(outcome.busySeconds, [7, 7, 5.875])
        XCTAssertEqual(outcome.loadBalance, 19.875 / 21)
        XCTAssertEqual(outcome.itemsComputed, 7)
        XCTAssertEqual(outcome.hosts, ["node0", "virtual1", "virtual2"])
        // the results went through the real store: every point of A…G equals the direct computation
        let computer = UnitComputer(grid: s.grid)
        for item in s.items {
            let ref = computer.compute(item), w = item.kind.fieldCount
            for (k, p) in item.indices.enumerated() {
                let i = s.grid.simulationIndex(unit: item.unit, pair: p)
                var got = s.store.data.simRecord(at: i), want = try SimulationRecord(decoding: ref[(k * w)..<((k + 1) * w)])
                got.seconds = 0; want.seconds = 0
                XCTAssertEqual(got, want)
            }
        }
        XCTAssertEqual(s.store.pointsDone, s.items.reduce(0) { $0 + $1.points })
    }

    /// A drain at virtual time 3.5 (the coordinator's own `interrupted()`, polled before each
    /// item is handed out): D was handed out at 3, before it; at 4 B's rank is stopped instead of
    /// getting E, at 5 A's rank likewise, D ends at 6 and rank 0 takes nothing more: A–D
    /// recorded, makespan 6. Catches: work handed out after a drain, work in flight dropped.
    func testADrainInVirtualTimeFinishesTheItemsInFlight() throws {
        let s = try setup(interrupted: { $0.virtualTime >= 3.5 })
        let outcome = try s.coordinator.run(work: s.items)
        XCTAssertFalse(outcome.complete)
        XCTAssertEqual(s.net.schedule.map(\.item), Array(s.items.prefix(4)))
        XCTAssertEqual(s.net.virtualTime, 6)
        XCTAssertEqual(s.net.statistics.stoppedAt, [nil, 5, 4])
        XCTAssertEqual(s.store.pointsDone, s.items.prefix(4).reduce(0) { $0 + $1.points })
    }

    /// Results larger than one message arrive in the worker's chunks (`Coordinator.resultMessages`)
    /// and every message costs its latency and transfer: latency 1/2 s, 8 bytes per second (one
    /// value per second), chunks of 7 values. No hello is there yet at time 0 (it is due at
    /// 1.625), so rank 0's thread starts at once, with A (5 s); the hello is seen at 1.75 and gets
    /// B (4 s): the 48-byte work arrives at 8.25, B ends at 12.25, and its 68 values (4 points ×
    /// 17) in 10 chunks plus the 16-byte end take 70 s more: the end is delivered at 82.75 (a
    /// quarter-second, so seen at once) and the stop reaches rank 1 half a second later.
    /// Catches: chunks dropped or merged, transfer or latency not counted.
    func testChunksAndLatencyCostTheirTime() throws {
        let grid = try Grid(spec: try SweepSpec.parse(Self.spec), theoryBlock: 5)
        let store = ResultStore(grid: grid)
        let items = Array(store.remainingWork().prefix(2))
        let computer = UnitComputer(grid: grid)
        var model = VirtualNetwork.Model(seconds: { $0 == items[0] ? 5 : 4 }, payload: { computer.compute($0) })
        model.latency = 0.5; model.bandwidth = 8; model.messageOverhead = 0; model.coordinatorTime = .none; model.chunk = 7
        model.helloTime = 1.625
        let net = VirtualNetwork(size: 2, model: model)
        var c = Coordinator(transport: net, store: store, journal: nil, host: "node0", compute: { _ in [] }, interrupted: { false })
        c.runtime = net
        c.pollInterval = 0.25
        let outcome = try c.run(work: items)
        XCTAssertEqual(items[1].points * SimulationRecord.fields.count, 68)
        XCTAssertEqual(net.schedule[1], VirtualNetwork.Assignment(rank: 1, item: items[1], sent: 1.75, start: 8.25, end: 12.25))
        XCTAssertEqual(net.statistics.received, 1 + 10 + 1)
        XCTAssertEqual(net.statistics.stoppedAt[1], 12.25 + 70 + 0.5 + 0.5)
        XCTAssertEqual(net.virtualTime, 12.25 + 70 + 0.5)
        XCTAssertEqual(outcome.busySeconds, [5, 4])
        XCTAssertEqual(store.pointsDone, items[0].points + items[1].points)
    }

    /// The hand-out order (`Grid.handOutOrder`) on a grid whose theory block and cheapest data
    /// sets are too small for rank 0 to keep up with at 1 000 ranks: those are spread evenly
    /// among the rest (none first, none last), the rest keep the most-expensive-first order, and
    /// every item is there once. At 1 rank only the theory block moves (a theory point costs rank 0
    /// more to record than to compute); the data sets keep their order.
    /// Catches: items lost or repeated by the reordering, small items bunched at the end again.
    func testSmallItemsAreSpreadAmongTheOthersAtManyRanks() throws {
        let grid = try Grid(spec: try SweepSpec.parse("""
            [grid]
            alpha = [0.5, 2.0, 4.0, 8.0]
            beta = [0.5, 1.5]
            lambda = [0.01, 1.0]
            N = [20, 400, 800, 1600]
            seeds = 2
            [simulation]
            solver = "exact"
            """))
        let work = ResultStore(grid: grid).remainingWork()
        XCTAssertEqual(grid.handOutOrder(work, ranks: 1).filter { $0.kind == .simulation }, work.filter { $0.kind == .simulation })
        let order = grid.handOutOrder(work, ranks: 1000)
        XCTAssertEqual(order.count, work.count)
        XCTAssertEqual(Set(order.map(\.encoded)), Set(work.map(\.encoded)), "every item once")
        let total = work.map(grid.estimatedSeconds).reduce(0, +)
        func small(_ w: WorkItem) -> Bool {
            let c = grid.estimatedSeconds(w)
            return c < 2 * 1000 * Double(w.points) * Grid.recordSecondsPerPoint && c < total / 20_000
        }
        let smallOnes = work.filter(small), bigOnes = work.filter { !small($0) }
        XCTAssertFalse(smallOnes.isEmpty); XCTAssertFalse(bigOnes.isEmpty)
        XCTAssertTrue(smallOnes.contains { $0.kind == .theory }, "the theory block is among them")
        XCTAssertTrue(smallOnes.contains { $0.kind == .simulation }, "and the N = 20 data sets")
        XCTAssertEqual(order.filter { !small($0) }, bigOnes, "the others keep their order")
        XCTAssertFalse(small(order.first!)); XCTAssertFalse(small(order.last!))
        // evenly: between two small items there are about B / (S + 1) others
        let positions = order.indices.filter { small(order[$0]) }
        let gaps = zip(positions.dropFirst(), positions).map { $0 - $1 - 1 }
        let even = Double(bigOnes.count) / Double(smallOnes.count + 1)
        XCTAssertTrue(gaps.allSatisfy { Double($0) >= even - 1.5 && Double($0) <= even + 1.5 }, "\(gaps) vs \(even)")
    }
}
