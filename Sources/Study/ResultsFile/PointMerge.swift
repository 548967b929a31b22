// Copying points between studies by coordinate VALUE (bit patterns: 0.3 and 0.30000000000000004
// are different points), the one mechanism behind `--reuse` (fill what is missing), `merge` (the
// union, refusing a point that differs) and journal replay (a later record replaces an earlier one).
import Foundation

/// What `merge` does when the target already has a result for a point the source offers.
public enum ConflictPolicy: Sendable {
    /// Keep the target's result (copy only points the target lacks): `--reuse`.
    case keepExisting
    /// Take the source's result: journal replay (a later record of a point replaces an earlier one).
    case replace
    /// The two must be equal in every reproducible field, else `MergeConflict`: `vaesweep merge`.
    /// A simulated point that failed in one input and is ok in another is the ok one (a failure is
    /// the absence of a result, not a different result).
    case refuseDifferent
}

/// Two studies hold different results for the same point.
public struct MergeConflict: Error, CustomStringConvertible {
    /// The kind of point and its coordinate values (α, β, λ[, N, seed]).
    public let kind: PointKind, coordinates: [Double]
    /// The point, as "alpha=…, beta=…, lam=…[, N=…, seed=…]".
    public var point: String {
        let c = coordinates
        return "alpha=\(c[0]), beta=\(c[1]), lam=\(c[2])" + (c.count == 5 ? ", N=\(Int(c[3])), seed=\(Int(c[4]))" : "")
    }
    /// The first variable that differs.
    public let variable: String
    /// "point (…) differs in 'variable'".
    public var description: String { "point (\(point)) differs in '\(variable)'" }
}

/// How many points a merge stored.
public struct MergeCount: Equatable, Sendable {
    /// Points stored (copied, or replacing a result).
    public var storedTheory = 0, storedSimulation = 0
    /// Of those, points the target had no result for before.
    public var addedTheory = 0, addedSimulation = 0
    /// Nothing stored yet.
    public init() {}
    /// All points stored.
    public var stored: Int { storedTheory + storedSimulation }
}

/// Points of one kind identified by coordinate values, each followed by its field values in table
/// order (the journal's record layout): per point `kind.coordinateCount` coordinates (α, β, λ
/// [, N, seed]) and then `kind.fieldCount` values.
public struct PointBatch: Sendable {
    /// Theory or simulated points.
    public let kind: PointKind
    /// The flat values (see the type's description).
    public let values: [Double]
    /// Values per point.
    public var stride: Int { kind.coordinateCount + kind.fieldCount }
    /// Number of points.
    public var count: Int { values.count / stride }

    /// A batch after checking its layout: a whole number of points, integral N and seed, every
    /// field value admitted by its field. Throws `RecordError` (nothing is stored from a bad batch).
    public init(kind: PointKind, values: [Double]) throws {
        self.kind = kind
        self.values = values
        let w = kind.coordinateCount + kind.fieldCount, c = kind.coordinateCount
        guard values.count % w == 0 else { throw RecordError("a record of \(values.count) values is not a whole number of \(kind) points") }
        for k in 0..<(values.count / w) {
            let p = values[(k * w)..<((k + 1) * w)]
            let b = p.startIndex
            if kind == .simulation {
                for x in [p[b + 3], p[b + 4]] where !(x.isFinite && x == x.rounded() && abs(x) < 1e15) {
                    throw RecordError("N or seed \(x) is not an integer")
                }
            }
            switch kind {
            case .theory: try TheoryRecord.validate(p[(b + c)...])
            case .simulation: try SimulationRecord.validate(p[(b + c)...])
            }
        }
    }
}

extension ResultsData {
    /// Lookups from this study's coordinate values to positions.
    struct AxisLookup {
        let alpha, beta, lam, n, seed: AxisIndex
        init(_ a: StudyAxes) {
            alpha = AxisIndex(a.alpha); beta = AxisIndex(a.beta); lam = AxisIndex(a.lam)
            n = AxisIndex(a.N); seed = AxisIndex(a.seeds)
        }
    }

    /// The flat index of the point of `kind` with these coordinate values (α, β, λ[, N, seed]), or
    /// nil when it is not on this study's axes.
    public func flatIndex(_ kind: PointKind, coordinates c: [Double]) -> Int? {
        let me = AxisLookup(axes)
        guard let a = me.alpha[c[0]], let b = me.beta[c[1]], let l = me.lam[c[2]] else { return nil }
        if kind == .theory { return theoryIndex(a, b, l) }
        guard c.count == 5, axes.simulates, let n = me.n[Int(c[3])], let s = me.seed[Int(c[4])] else { return nil }
        return simIndex(a, b, l, n, s)
    }

    /// Whether the point at flat index `i` of `kind` has a result (theory: a phase; simulation: a
    /// status other than not run).
    public func isDone(_ kind: PointKind, _ i: Int) -> Bool {
        switch kind {
        case .theory: return (theoryColumns[TheoryRecord.phasePosition]?[i] ?? -1) >= 0
        case .simulation: return (simColumns[SimulationRecord.statusPosition]?[i] ?? 0) != 0
        }
    }

    /// Store one point at flat index `i` under `policy`: `value(k)` is field k (of the kind's
    /// table) of the incoming point, `coordinates` its coordinate values (for a conflict's message).
    /// Returns (stored, newly done). Every column of the kind must be present; the values must be
    /// admitted by their fields (`PointRecord.validate`).
    public mutating func store(_ kind: PointKind, at i: Int, value: (Int) -> Double, policy: ConflictPolicy,
                               coordinates: () -> [Double]) throws -> (stored: Bool, added: Bool) {
        let infos = kind.fieldInfos
        let done = isDone(kind, i)
        if done {
            switch policy {
            case .keepExisting:
                return (false, false)
            case .refuseDifferent:
                let cols = columns(kind)
                if kind == .simulation {
                    let s = SimulationRecord.statusPosition, failed = Double(PointStatus.failed.rawValue), ok = Double(PointStatus.ok.rawValue)
                    if cols[s]![i] == ok && value(s) == failed { return (false, false) }   // keep the result
                    if cols[s]![i] == failed && value(s) == ok { break }                   // a result replaces a failure
                }
                for (k, info) in infos.enumerated() where info.reproducible && cols[k]![i].bitPattern != value(k).bitPattern {
                    throw MergeConflict(kind: kind, coordinates: coordinates(), variable: info.name)
                }
                return (false, false)
            case .replace:
                break
            }
        }
        switch kind {
        case .theory: for k in infos.indices { theoryColumns[k]![i] = value(k) }
        case .simulation: for k in infos.indices { simColumns[k]![i] = value(k) }
        }
        return (true, !done)
    }

    /// `store` under `.replace` for a run of points at once: the records of `indices.count`
    /// points of `kind`, one after another in `rows` (validated: `PointRecord.validate`), stored at
    /// the distinct flat indices `indices`, column by column. Returns how many of the points were
    /// not done before. (Rank 0 stores every result so; point by point it was half its time per
    /// result at 4 096 virtual ranks, `vaesweep-bench scale`.)
    @discardableResult
    public mutating func storeReplacing(_ kind: PointKind, at indices: [Int], rows: ArraySlice<Double>) -> Int {
        let w = kind.fieldCount
        precondition(rows.count == indices.count * w, "\(rows.count) values for \(indices.count) points of \(w) fields")
        var added = 0
        for i in indices where !isDone(kind, i) { added += 1 }
        switch kind {
        case .theory: for k in 0..<w { theoryColumns[k]!.set(at: indices, rows: rows, stride: w, offset: k) }
        case .simulation: for k in 0..<w { simColumns[k]!.set(at: indices, rows: rows, stride: w, offset: k) }
        }
        return added
    }

    /// Copy the points of `source` that lie on this study's axes (by value) and that it holds
    /// finished — theory points with a phase; simulated points whose status is in `statuses` — under
    /// `policy`. `theory`/`simulation` choose the kinds (the caller has checked the settings:
    /// `StudySettings`). Throws `MergeConflict` under `.refuseDifferent`.
    @discardableResult
    public mutating func merge(from source: ResultsData, theory: Bool = true, simulation: Bool = true,
                               statuses: Set<PointStatus> = [.ok], onConflict policy: ConflictPolicy) throws -> MergeCount {
        var count = MergeCount()
        let me = AxisLookup(axes)
        let am = source.alpha.map { me.alpha[$0] }, bm = source.beta.map { me.beta[$0] }, lm = source.lam.map { me.lam[$0] }
        func coordinates(_ a: Int, _ b: Int, _ l: Int, _ n: Int? = nil, _ r: Int? = nil) -> [Double] {
            var c = [source.alpha[a], source.beta[b], source.lam[l]]
            if let n, let r { c += [Double(source.N[n]), Double(source.seeds[r])] }
            return c
        }
        if theory, let ph = source.theoryColumns[TheoryRecord.phasePosition] {
            let cols = source.theoryColumns, fills = TheoryRecord.fields.map(\.info.fill)
            for a in source.alpha.indices { guard let ta = am[a] else { continue }
                for b in source.beta.indices { guard let tb = bm[b] else { continue }
                    for l in source.lam.indices { guard let tl = lm[l] else { continue }
                        let o = source.theoryIndex(a, b, l)
                        guard (0...2).contains(ph[o]) else { continue }
                        let r = try store(.theory, at: theoryIndex(ta, tb, tl), value: { k in cols[k]?[o] ?? fills[k] },
                                          policy: policy, coordinates: { coordinates(a, b, l) })
                        if r.stored { count.storedTheory += 1 }
                        if r.added { count.addedTheory += 1 }
                    }
                }
            }
        }
        guard simulation, axes.simulates, source.hasSimulation else { return count }
        let nm = source.N.map { me.n[$0] }, rm = source.seeds.map { me.seed[$0] }
        let cols = source.simColumns, fills = SimulationRecord.fields.map(\.info.fill)
        let codes = Set(statuses.map { Double($0.rawValue) })
        let okCode = Double(PointStatus.ok.rawValue)
        for a in source.alpha.indices { guard let ta = am[a] else { continue }
            for b in source.beta.indices { guard let tb = bm[b] else { continue }
                for l in source.lam.indices { guard let tl = lm[l] else { continue }
                    for n in source.N.indices { guard let tn = nm[n] else { continue }
                        for r in source.seeds.indices { guard let tr = rm[r] else { continue }
                            let o = source.simIndex(a, b, l, n, r)
                            // a file without `status` counts every point as ok
                            let st = cols[SimulationRecord.statusPosition]?[o] ?? okCode
                            guard codes.contains(st) else { continue }
                            let res = try store(.simulation, at: simIndex(ta, tb, tl, tn, tr),
                                                value: { k in k == SimulationRecord.statusPosition ? st : (cols[k]?[o] ?? fills[k]) },
                                                policy: policy, coordinates: { coordinates(a, b, l, n, r) })
                            if res.stored { count.storedSimulation += 1 }
                            if res.added { count.addedSimulation += 1 }
                        }
                    }
                }
            }
        }
        return count
    }

    /// Store the points of `batch` that lie on this study's axes (others are ignored) under `policy`.
    @discardableResult
    public mutating func merge(_ batch: PointBatch, onConflict policy: ConflictPolicy) throws -> MergeCount {
        var count = MergeCount()
        let me = AxisLookup(axes)
        let w = batch.stride, c = batch.kind.coordinateCount
        let v = batch.values
        for k in 0..<batch.count {
            let b = k * w
            guard let a = me.alpha[v[b]], let bb = me.beta[v[b + 1]], let l = me.lam[v[b + 2]] else { continue }
            let coordinates = { Array(v[b..<(b + c)]) }
            switch batch.kind {
            case .theory:
                let r = try store(.theory, at: theoryIndex(a, bb, l), value: { v[b + c + $0] }, policy: policy, coordinates: coordinates)
                if r.stored { count.storedTheory += 1 }
                if r.added { count.addedTheory += 1 }
            case .simulation:
                guard axes.simulates, let n = me.n[Int(v[b + 3])], let s = me.seed[Int(v[b + 4])] else { continue }
                let r = try store(.simulation, at: simIndex(a, bb, l, n, s), value: { v[b + c + $0] }, policy: policy, coordinates: coordinates)
                if r.stored { count.storedSimulation += 1 }
                if r.added { count.addedSimulation += 1 }
            }
        }
        return count
    }
}
