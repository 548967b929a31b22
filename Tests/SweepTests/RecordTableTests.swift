import Foundation
import HDF5Kit
import ResultsFile
import Sweep
import VAESimulation
import TestSupport
import VAETheory
import XCTest

/// The one field table per kind of point (Records.swift) is where a point's layout is defined:
/// every field of the tables reaches the file (with its metadata), the reader, the wire payload and
/// the journal, by iterating the tables themselves — so a field added to a table is covered here
/// without another edit — and a payload or journal record with two fields swapped no longer
/// reproduces the point it came from.
final class RecordTableTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws { dir = try temporaryDirectory("records") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    static let specText = "[grid]\nalpha = [0.5, 2.0]\nbeta = [1.0, 3.0]\nlambda = [0.0, 1.0]\nN = [10, 20]\nseeds = [3, 4]\n"

    /// A value field `info` admits and that differs from its fill (random floats; random integers
    /// of the allowed range).
    func admittedValue(_ info: FieldInfo, _ rng: inout TestRNG) -> Double {
        guard let d = info.allowed else { return rng.uniform() * 10 }
        let lo = d.lower, hi = min(d.upper, 1e6)
        while true {
            let v = (lo + Double(rng.next() % UInt64(hi - lo + 1))).rounded()
            if v != info.fill && info.admits(v) { return v }
        }
    }

    /// Every column of every field filled with admitted, non-fill values.
    func randomStudy(_ grid: Grid) -> ResultsData {
        var rng = TestRNG(state: 17)
        var d = ResultStore(grid: grid).data
        for (k, f) in TheoryRecord.fields.enumerated() {
            for t in 0..<d.theoryCount { d.theoryColumns[k]![t] = admittedValue(f.info, &rng) }
        }
        for (k, f) in SimulationRecord.fields.enumerated() {
            for i in 0..<d.simCount { d.simColumns[k]![i] = admittedValue(f.info, &rng) }
        }
        // a point counts as done only with a phase (theory) or a status (simulation)
        for t in 0..<d.theoryCount where d.theoryPhase![t] < 0 { d.theoryColumns[TheoryRecord.phasePosition]![t] = 1 }
        for i in 0..<d.simCount where d.status![i] == 0 { d.simColumns[SimulationRecord.statusPosition]![i] = 1 }
        return d
    }

    func assertSamePoints(_ a: ResultsData, _ b: ResultsData, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for t in 0..<a.theoryCount {
            XCTAssertEqual(a.theoryRecord(at: t), b.theoryRecord(at: t), "\(what): theory point \(t)", file: file, line: line)
        }
        for i in 0..<a.simCount {
            XCTAssertEqual(a.simRecord(at: i), b.simRecord(at: i), "\(what): simulated point \(i)", file: file, line: line)
        }
    }

    /// The file: one variable per field with its type, fill value, long_name, units and CF flags;
    /// the reader gives every value back. The journal and the wire payload: every field round-trips.
    func testEveryFieldReachesTheFileTheReaderThePayloadAndTheJournal() throws {
        let grid = try Grid(spec: try SweepSpec.parse(Self.specText))
        var d = randomStudy(grid)
        d.attributes = RootAttributes(grid.spec.settings.attributes)
        let path = dir.appendingPathComponent("all.h5").path
        try ResultsWriter.write(d, to: path)
        let f = try HDF5File.open(path)
        defer { try? f.close() }
        for info in PointKind.theory.fieldInfos + PointKind.simulation.fieldInfos {
            XCTAssertTrue(f.contains(info.name), "\(info.name) missing from the file")
            let ds = try f.openDataset(info.name)
            XCTAssertEqual(try ds.stringAttribute("long_name"), info.longName, info.name)
            if let units = info.units { XCTAssertEqual(try ds.stringAttribute("units"), units, info.name) }
            switch info.type {
            case .float64: XCTAssertTrue(try ds.fillValue(Double.self).isNaN == info.fill.isNaN, info.name)
            case .int64: XCTAssertEqual(Double(try ds.fillValue(Int64.self)), info.fill, info.name)
            case .int8: XCTAssertEqual(Double(try ds.fillValue(Int8.self)), info.fill, info.name)
            case .uint8: XCTAssertEqual(Double(try ds.fillValue(UInt8.self)), info.fill, info.name)
            }
            switch info.flags {
            case let .values(v, m)?:
                XCTAssertEqual(try ds.attribute("flag_values", as: Int8.self), v, info.name)
                XCTAssertEqual(try ds.stringAttribute("flag_meanings"), m, info.name)
            case let .masks(v, m)?:
                XCTAssertEqual(try ds.attribute("flag_masks", as: UInt8.self), v, info.name)
                XCTAssertEqual(try ds.stringAttribute("flag_meanings"), m, info.name)
            case nil:
                XCTAssertFalse(ds.hasAttribute("flag_meanings"), info.name)
            }
        }
        let back = try ResultsData.read(path: path)
        assertSamePoints(d, back, "file")
        // each record property lands in the variable of its name (an independent reference for the
        // tables' get/set closures: a table whose closures read the wrong property fails here)
        let t0 = d.theoryRecord(at: 1), s0 = d.simRecord(at: 1)
        func raw(_ name: String) throws -> Double { try f.openDataset(name).read(Double.self)[1] }
        for q in Quantity.allCases {
            XCTAssertEqual(try raw("theory_" + q.rawValue), t0.values[q], q.rawValue)
            XCTAssertEqual(try raw("sim_" + q.rawValue), s0.values[q], q.rawValue)
        }
        XCTAssertEqual(try raw("theory_phase"), Double(t0.phase?.rawValue ?? -1))
        XCTAssertEqual(try raw("theory_metastable"), t0.metastable.map { $0 ? 1 : 0 } ?? -1)
        XCTAssertEqual(try raw("theory_flags"), Double(t0.flags.rawValue))
        XCTAssertEqual(try raw("sim_phase"), Double(s0.phase?.rawValue ?? -1))
        XCTAssertEqual(try raw("sim_steps"), Double(s0.steps ?? -1))
        XCTAssertEqual(try raw("sim_grad_norm"), s0.gradNorm)
        XCTAssertEqual(try raw("sim_seconds"), s0.seconds)
        XCTAssertEqual(try raw("status"), Double(s0.status.rawValue))
        XCTAssertEqual(try raw("sim_flags"), Double(s0.flags.rawValue))

        // the wire payload: the encoded records of every work item, applied to an empty store
        let store = ResultStore(grid: grid)
        for item in store.remainingWork() {
            var payload: [Double] = []
            for k in 0..<item.points {
                let i = item.kind == .theory ? item.indices[k] : grid.simulationIndex(unit: item.unit, pair: item.indices[k])
                payload += item.kind == .theory ? d.theoryRecord(at: i).encoded() : d.simRecord(at: i).encoded()
            }
            try store.apply(item, payload: payload)
        }
        assertSamePoints(d, store.data, "payload")
        XCTAssertTrue(store.isComplete)

        // the journal: value-keyed records written, read back, replayed into an empty store
        let jpath = dir.appendingPathComponent("j.journal").path
        let journal = try Journal.create(path: jpath, settings: grid.spec.settings.serialized, canonicalSpec: grid.spec.canonical)
        for item in store.remainingWork() + ResultStore(grid: grid).remainingWork() {
            var payload: [Double] = []
            for k in 0..<item.points {
                let i = item.kind == .theory ? item.indices[k] : grid.simulationIndex(unit: item.unit, pair: item.indices[k])
                payload += item.kind == .theory ? d.theoryRecord(at: i).encoded() : d.simRecord(at: i).encoded()
            }
            try journal.append(kind: item.kind, values: store.record(item, payload: payload))
        }
        let replay = ResultStore(grid: grid)
        let contents = try Journal.read(path: jpath) { r in (try? replay.apply(record: r.values, kind: r.kind)) != nil }
        XCTAssertNil(contents.damage)
        assertSamePoints(d, replay.data, "journal")
        // the memory estimate counts every field at its storage size
        XCTAssertEqual(PointKind.simulation.bytesPerPoint,
                       SimulationRecord.fields.reduce(0) { $0 + $1.info.type.byteCount })
    }

    /// Two fields of a real payload swapped: a swap of two float fields lands in the store as a
    /// different point (the comparison by name sees it); a swap that puts a value where the field
    /// does not admit it (steps into status, a float into the phase) is refused.
    func testASwappedPayloadOrJournalFieldIsCaught() throws {
        let grid = try Grid(spec: try SweepSpec.parse("[grid]\nalpha = [2.0]\nbeta = [0.5, 1.0]\nlambda = [0.01]\nN = [40]\nseeds = 1\n"))
        let computer = UnitComputer(grid: grid)
        let item = try XCTUnwrap(ResultStore(grid: grid).remainingWork().first { $0.kind == .simulation })
        let payload = computer.compute(item)
        // the reference: the same records computed directly, wall time (not reproducible) zeroed
        let direct = computer.simulate(item).map { r -> SimulationRecord in var r = r; r.seconds = 0; return r }
        func stored(_ s: ResultStore) -> SimulationRecord {
            var r = s.data.simRecord(at: grid.simulationIndex(unit: item.unit, pair: item.indices[0]))
            r.seconds = 0
            return r
        }
        let w = PointKind.simulation.fieldCount
        func swapped(_ x: Int, _ y: Int) -> [Double] { var p = payload; p.swapAt(x, y); return p }

        // the payload's fields by name against the training result itself
        let sample = try DataSet.build(alpha: 2, n: 40, key: DataKey(rootSeed: grid.spec.rootSeed, replicate: 0), solver: .gd)
        let res = try Trainer.train(sample, beta: 0.5, lambda: 0.01, options: computer.trainingOptions)
        let first = try SimulationRecord(decoding: payload[0..<w])
        for q in Quantity.allCases { XCTAssertEqual(first.values[q], res.observables[q], q.rawValue) }
        XCTAssertEqual(first.steps, res.steps); XCTAssertEqual(first.gradNorm, res.gradNorm)
        XCTAssertEqual(first.phase, res.observables.phase); XCTAssertEqual(first.status, .ok)
        XCTAssertEqual(first.flags, sample.flags(res))

        let ok = ResultStore(grid: grid)
        try ok.apply(item, payload: payload)
        XCTAssertEqual(stored(ok), direct[0])

        let m = Quantity.m.index, dd = Quantity.d.index
        let bad = ResultStore(grid: grid)
        try bad.apply(item, payload: swapped(m, dd))
        XCTAssertNotEqual(stored(bad), direct[0])

        XCTAssertThrowsError(try ResultStore(grid: grid).apply(item, payload: swapped(SimulationRecord.stepsPosition, SimulationRecord.statusPosition)))
        XCTAssertThrowsError(try ResultStore(grid: grid).apply(item, payload: swapped(Quantity.Q.index, SimulationRecord.phasePosition)))

        // the journal record (coordinates, then the payload): gradient norm and wall time swapped
        let store = ResultStore(grid: grid)
        var record = store.record(item, payload: payload)
        let c = PointKind.simulation.coordinateCount
        record.swapAt(c + SimulationRecord.gradNormPosition, c + SimulationRecord.secondsPosition)
        try store.apply(record: record, kind: .simulation)
        XCTAssertNotEqual(stored(store), direct[0])
        XCTAssertEqual(payload.count, item.points * w)
    }
}
