import Foundation
import Plots
import Statistics
import ResultsFile
import VAETheory
import XCTest

/// A refined study in memory: sparse by design, with N added at some points, replicates added at
/// others, and a β inserted for the theory alone.
enum RefinedFixture {
    static let alpha = [1.0, 2, 3], beta = [0.5, 1, 3]
    static let N = [100, 200, 400, 800, 1600, 3200, 6400, 12800]
    /// (a, b, n) → the round of each replicate (seed index), nil: not run. Round 0 is the input
    /// (N = 100, 200 at every (α, β ≠ 3), 2 seeds); β = 3 (b = 2) was inserted for the theory only.
    static func round(_ a: Int, _ b: Int, _ n: Int, _ s: Int) -> Int? {
        if b == 2 { return nil }
        if a == 1 && b == 1 && (n == 2 || n == 3) { return 1 }       // larger N at a point
        if a == 0 && b == 0 && n == 0 && s >= 2 { return 2 }          // more replicates at an existing N
        if a == 2 && b == 0 && n == 7 && s < 3 { return 3 }           // the largest N
        return n < 2 && s < 2 ? 0 : nil
    }
    /// The (α, β, λ, N) positions with a replicate computed in a round ≥ 1.
    static let refined: Set<[Int]> = [[1, 1, 2], [1, 1, 3], [0, 0, 0], [2, 0, 7]]

    /// The rounds table: 0 the input, 1 … 3 refinement rounds; `pending` leaves round 3 unfinished.
    static func rounds(pending: Bool) -> [Refinement.Round] {
        var r0 = Refinement.Round(round: 0, complete: true)
        r0.simulatedPoints = 20; r0.theoryPoints = 6; r0.costEstimate = 0.5
        (r0.agree, r0.marginal, r0.disagree, r0.undecided, r0.apart) = (10, 1, 0, 2, 3)
        var r1 = Refinement.Round(round: 1, complete: true)
        (r1.precisionActions, r1.windowActions, r1.boundaryActions) = (2, 1, 4)
        r1.simulatedPoints = 8; r1.theoryPoints = 3; r1.costEstimate = 1.25; r1.coreSeconds = 3.5; r1.wallSeconds = 1.75
        (r1.agree, r1.marginal, r1.disagree, r1.undecided, r1.apart) = (12, 0, 1, 1, 2)
        var r2 = Refinement.Round(round: 2, complete: true)
        r2.precisionActions = 1; r2.simulatedPoints = 2; r2.costEstimate = 0.75; r2.coreSeconds = 2.25; r2.wallSeconds = 2.25
        (r2.agree, r2.marginal, r2.disagree, r2.undecided, r2.apart) = (13, 0, 1, 0, 2)
        var r3 = Refinement.Round(round: 3, complete: !pending)
        r3.windowActions = 1; r3.simulatedPoints = 3; r3.costEstimate = 6.5; r3.coreSeconds = 9; r3.wallSeconds = 9
        if !pending { (r3.agree, r3.marginal, r3.disagree, r3.undecided, r3.apart) = (15, 0, 0, 0, 1) }
        return [r0, r1, r2, r3]
    }

    /// The study; `refinement: false` gives the same points without a refinement record, and
    /// `pending`/`finished` set the state of the latest session.
    static func data(refinement: Bool = true, pending: Bool = false, finished: String = "every target met") throws -> ResultsData {
        var d = try Synthetic.data(alpha: alpha, beta: beta, lam: [1], N: N, seeds: 4,
                                   sim: { _, t, _, _, _, n, s in t + (s % 2 == 0 ? 0.03 : -0.03) / sqrt(Double(N[n])) },
                                   status: { a, b, _, n, s in round(a, b, n, s) == nil ? .notRun : .ok })
        guard refinement else { return d }
        var simRound = [Int8](repeating: -1, count: d.simCount)
        for a in alpha.indices { for b in beta.indices { for n in N.indices { for s in d.seeds.indices {
            if let k = round(a, b, n, s) { simRound[d.simIndex(a, b, 0, n, s)] = Int8(k) }
        } } } }
        let theoryRound = (0..<d.theoryCount).map { t in Int8(t % beta.count == 2 ? 1 : 0) }
        d.refinement = Refinement(rounds: rounds(pending: pending), actions: [], theoryRound: theoryRound, simRound: simRound,
                                  options: "budget_core_hours = 0.5; rounds = 3", firstRound: 1,
                                  finished: pending ? "" : finished, base: "in.h5 (vaesweep test, commit abc)", plan: [])
        return d
    }
}

final class RefinedFigureTests: XCTestCase {
    /// Rings (in the data series, not the legend) of a figure, with their centres.
    func rings(_ x: SVGElements) -> [(Double, Double)] {
        x.elements.filter { $0.name == "circle" && $0.attributes["class"] == "refined-ring" && $0.series != nil }
            .map { (Double($0.attributes["cx"]!)!, Double($0.attributes["cy"]!)!) }
    }
    func legendRings(_ x: SVGElements) -> Int {
        x.elements.filter { $0.attributes["class"] == "refined-ring" && $0.groupClasses.contains("legend") }.count
    }
    func texts(_ x: SVGElements, _ s: String) -> Int { x.elements.filter { $0.name == "text" && $0.text == s }.count }
    /// The data markers of the series `series` accepts, each with its tooltip (the `title` child).
    func markerTips(_ x: SVGElements, series: (String) -> Bool) -> [(marker: SVGElements.Element, tip: String)] {
        x.elements.indices.compactMap { i in
            let e = x.elements[i]
            guard e.attributes["class"] == "marker", let s = e.series, series(s) else { return nil }
            let next = i + 1 < x.elements.count ? x.elements[i + 1] : nil
            return (e, next?.name == "title" ? next!.text : "")
        }
    }

    /// Phase diagram: one ring per refined (α, β, λ, N) marker, centred on it; markers dodged by
    /// their local index among the N with data at the point (the old dodge over all 8 N put the
    /// N = 12800 marker at α = 3 at +28 px, the N = 100 one at −28 px: spacing 8 and 48, not 8 and 8).
    func testPhaseDiagramRingsAndLocalDodge() throws {
        let d = try RefinedFixture.data()
        let x = try XCTUnwrap(SVGElements.parse(Figures.phaseDiagram(d).svg))
        let markers = markerTips(x) { $0.hasPrefix("sim phases") }
        // the marker's point from its tooltip "α=… β=… N=…: phase"
        func key(_ tip: String) -> [Int] {
            let words = tip.split(separator: ":")[0].split(separator: " ")
            let a = RefinedFixture.alpha.firstIndex(of: Double(words[0].dropFirst(2))!)!
            let b = RefinedFixture.beta.firstIndex(of: Double(words[1].dropFirst(2))!)!
            let n = RefinedFixture.N.firstIndex(of: Int(words[2].dropFirst(2))!)!
            return [a, b, n]
        }
        let keyed = markers.map { (key($0.tip), SVGElements.translate($0.marker)!) }
        // every (α, β ≠ 3, N) with a replicate has a marker; β = 3 (theory only) has none
        var expected = 0
        for a in 0..<3 { for b in 0..<3 { for n in RefinedFixture.N.indices where (0..<4).contains(where: { RefinedFixture.round(a, b, n, $0) != nil }) { expected += 1 } } }
        XCTAssertEqual(markers.count, expected)
        XCTAssertEqual(expected, 2 * 6 + 2 + 1)
        XCTAssertFalse(keyed.contains { $0.0[1] == 2 })
        let refinedMarkers = keyed.filter { RefinedFixture.refined.contains($0.0) }
        XCTAssertEqual(refinedMarkers.count, RefinedFixture.refined.count)
        let r = rings(x)
        XCTAssertEqual(r.count, RefinedFixture.refined.count)
        for (k, p) in refinedMarkers {
            XCTAssertTrue(r.contains { abs($0.0 - p.0) < 0.01 && abs($0.1 - p.1) < 0.01 }, "no ring on the marker of \(k)")
        }
        XCTAssertEqual(legendRings(x), 1)
        XCTAssertEqual(texts(x, Figures.refinedLegend), 1)
        // local dodge: at (α = 3, β = 0.5) the N present are 100, 200, 12800 → −8, 0, +8 px around α
        let here = keyed.filter { $0.0[0] == 2 && $0.0[1] == 0 }.sorted { $0.0[2] < $1.0[2] }.map { $0.1.0 }
        XCTAssertEqual(here.count, 3)
        XCTAssertEqual(here[1] - here[0], 8, accuracy: 1e-9)
        XCTAssertEqual(here[2] - here[1], 8, accuracy: 1e-9)
        // and at (α = 2, β = 1), N = 100 … 800: −12, −4, 4, 12, centred where (α = 2, β = 0.5)'s pair is
        let four = keyed.filter { $0.0[0] == 1 && $0.0[1] == 1 }.sorted { $0.0[2] < $1.0[2] }.map { $0.1.0 }
        let pair = keyed.filter { $0.0[0] == 1 && $0.0[1] == 0 }.map { $0.1.0 }
        XCTAssertEqual(four.count, 4); XCTAssertEqual(pair.count, 2)
        XCTAssertEqual(four.reduce(0, +) / 4, pair.reduce(0, +) / 2, accuracy: 1e-9)
        XCTAssertEqual(four[3] - four[0], 24, accuracy: 1e-9)
        // the N heading of 8 sizes gives their range (the full list overflows the legend box)
        XCTAssertEqual(texts(x, "N = 100 … 12800, left → right"), 1)
    }

    /// ε_g versus α: a ring on each refined (α, β, λ, N) marker; no series for a (β, N) without
    /// data (β = 3 is theory only); N index 7 gets the open circle, not N index 0's filled one.
    func testEpsGRingsAndSparseSeries() throws {
        let d = try RefinedFixture.data()
        let fig = Figures.epsGVersusAlpha(d)
        let x = try XCTUnwrap(SVGElements.parse(fig.svg))
        XCTAssertFalse(fig.svg.contains("NaN"))
        let sim = fig.series.filter { $0.hasPrefix("sim ") }
        // (β, N) with data: β = 0.5 at N = 100, 200, 12800; β = 1 at N = 100, 200, 400, 800
        XCTAssertEqual(Set(sim), ["sim β=0.5 N=100 λ=1", "sim β=0.5 N=200 λ=1", "sim β=0.5 N=12800 λ=1",
                                  "sim β=1 N=100 λ=1", "sim β=1 N=200 λ=1", "sim β=1 N=400 λ=1", "sim β=1 N=800 λ=1"])
        let markers = x.elements.filter { $0.attributes["class"] == "marker" && ($0.series ?? "").hasPrefix("sim ") }
        XCTAssertEqual(markers.count, 2 * 6 + 2 + 1)
        let r = rings(x)
        XCTAssertEqual(r.count, RefinedFixture.refined.count)
        // each ring sits on a marker of a refined series: β = 1 at N = 400, 800; β = 0.5 at N = 100, 12800
        let ringed = Set(x.elements.filter { $0.attributes["class"] == "refined-ring" && $0.series != nil }.map { $0.series! })
        XCTAssertEqual(ringed, ["sim β=1 N=400 λ=1", "sim β=1 N=800 λ=1", "sim β=0.5 N=100 λ=1", "sim β=0.5 N=12800 λ=1"])
        for c in r {
            XCTAssertTrue(markers.contains { m in SVGElements.translate(m).map { abs($0.0 - c.0) < 0.01 && abs($0.1 - c.1) < 0.01 } ?? false })
        }
        XCTAssertEqual(legendRings(x), 1)
        let m0 = x.elements.first { $0.series == "sim β=0.5 N=100 λ=1" && $0.attributes["class"] == "marker" }!
        let m7 = x.elements.first { $0.series == "sim β=0.5 N=12800 λ=1" && $0.attributes["class"] == "marker" }!
        XCTAssertEqual(m0.attributes["d"], m7.attributes["d"])
        XCTAssertNotEqual(m0.attributes["fill"], "white")
        XCTAssertEqual(m7.attributes["fill"], "white")
    }

    /// Validation: a ring on each q∞ marker at a point with a refined N, none elsewhere.
    func testValidationRings() throws {
        let d = try RefinedFixture.data()
        let fig = try XCTUnwrap(Figures.validation(d))
        let x = try XCTUnwrap(SVGElements.parse(fig.svg))
        XCTAssertFalse(fig.svg.contains("NaN"))
        let markers = markerTips(x) { $0.hasPrefix("q_inf") }
        XCTAssertGreaterThan(markers.count, 0)
        // the (a, b) of a q∞ marker: α from its tooltip, β from its series
        let refinedPoints = Set(RefinedFixture.refined.map { [$0[0], $0[1]] })
        var expected: [(Double, Double)] = []
        for (m, tip) in markers {
            let a = RefinedFixture.alpha.firstIndex(of: Double(tip.split(separator: " ")[0].dropFirst(2))!)!
            let b = RefinedFixture.beta.firstIndex(of: Double(m.series!.split(separator: " ")[1].dropFirst(2))!)!
            XCTAssertNotEqual(b, 2, "an estimate at the theory-only β")
            if refinedPoints.contains([a, b]) { expected.append(SVGElements.translate(m)!) }
        }
        XCTAssertGreaterThan(expected.count, 0)
        let r = rings(x)
        XCTAssertEqual(r.count, expected.count)
        for p in expected { XCTAssertTrue(r.contains { abs($0.0 - p.0) < 0.01 && abs($0.1 - p.1) < 0.01 }) }
        XCTAssertEqual(legendRings(x), 1)
    }

    /// Without a refinement record (the same points), or with one whose points are all round 0,
    /// no figure draws a ring or its legend entry, and the subtitle says "partial" as before.
    func testNoRingsWithoutRefinedPoints() throws {
        let plain = try RefinedFixture.data(refinement: false)
        var roundZero = try RefinedFixture.data()
        roundZero.refinement!.simRound = roundZero.refinement!.simRound.map { min($0, 0) }
        for (d, partial) in [(plain, true), (roundZero, false)] {
            for fig in [Figures.phaseDiagram(d), Figures.epsGVersusAlpha(d), try XCTUnwrap(Figures.validation(d))] {
                let x = try XCTUnwrap(SVGElements.parse(fig.svg))
                XCTAssertEqual(x.elements.filter { $0.attributes["class"] == "refined-ring" }.count, 0, fig.name)
                XCTAssertEqual(texts(x, Figures.refinedLegend), 0, fig.name)
                let sub = x.elements.first { $0.attributes["class"] == "figure-subtitle" }!.text
                XCTAssertEqual(sub.contains("partial: "), partial, sub)
                XCTAssertEqual(sub.contains("refined: 3 rounds"), !partial, sub)
            }
        }
    }
}

final class RefinedSummaryTests: XCTestCase {
    /// The whitespace-separated fields of each line of `text`.
    func rows(_ text: String) -> [[String]] { text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) } }

    /// A finished refinement: the rounds table with its numbers, the stop reason, options, base;
    /// "refined study" instead of "partial" (the same points without the record are partial).
    func testFinishedRefinementSection() throws {
        let d = try RefinedFixture.data()
        let s = Summary.compute(d)
        let text = s.text()
        XCTAssertFalse(text.lowercased().contains("partial"), text)
        XCTAssertFalse(text.contains("unfinished"), text)
        XCTAssertTrue(PartialFile.warnings(d).isEmpty)
        let done = d.pointsDone!
        XCTAssertEqual(done, 2 * 6 * 2 + 2 + 2 * 4 + 3)
        XCTAssertTrue(text.contains("refined study: 3 rounds after the input, \(done) of the grid's \(d.pointsTotal!) points computed"), text)
        XCTAssertTrue(text.contains("  stopped: every target met\n"), text)
        XCTAssertTrue(text.contains("  options: budget_core_hours = 0.5; rounds = 3\n"), text)
        XCTAssertTrue(text.contains("  base: in.h5 (vaesweep test, commit abc)\n"), text)
        let table = rows(text)
        XCTAssertTrue(table.contains(["round", "complete", "precision", "window", "boundary", "simulated", "theory", "cost", "est.",
                                      "core-s", "agree", "marginal", "disagree", "undecided", "apart"]), text)
        XCTAssertTrue(table.contains(["0", "yes", "0", "0", "0", "20", "6", "0.5", "—", "10", "1", "0", "2", "3"]), text)
        XCTAssertTrue(table.contains(["1", "yes", "2", "1", "4", "8", "3", "1.25", "3.5", "12", "0", "1", "1", "2"]), text)
        XCTAssertTrue(table.contains(["2", "yes", "1", "0", "0", "2", "0", "0.75", "2.25", "13", "0", "1", "0", "2"]), text)
        XCTAssertTrue(table.contains(["3", "yes", "0", "1", "0", "3", "0", "6.5", "9", "15", "0", "0", "0", "1"]), text)
        // the records carry the same
        let recs = s.records()
        func value(_ r: SummaryRecord, _ k: String) -> SummaryValue? { r.first { $0.key == k }?.value }
        let roundRecs = recs.filter { value($0, "kind") == .string("refinement_round") }
        XCTAssertEqual(roundRecs.map { value($0, "round") }, [.int(0), .int(1), .int(2), .int(3)])
        XCTAssertEqual(value(roundRecs[1], "actions_boundary"), .int(4))
        XCTAssertEqual(value(roundRecs[1], "cost_estimate"), .double(1.25))
        XCTAssertEqual(value(roundRecs[1], "core_seconds"), .double(3.5))
        XCTAssertEqual(value(roundRecs[1], "disagree"), .int(1))
        let session = try XCTUnwrap(recs.first { value($0, "kind") == .string("refinement") })
        XCTAssertEqual(value(session, "rounds"), .int(3))
        XCTAssertEqual(value(session, "unfinished"), .bool(false))
        XCTAssertEqual(value(session, "pending_round"), .int(-1))
        XCTAssertEqual(value(session, "finished"), .string("every target met"))
        XCTAssertEqual(value(session, "points_computed"), .int(done))
        // without the record, the same sparse points are a partial file, with no refinement section
        let plain = Summary.compute(try RefinedFixture.data(refinement: false)).text()
        XCTAssertTrue(plain.contains("partial file: \(done) of \(d.pointsTotal!) points done"), plain)
        XCTAssertFalse(plain.contains("refinement"), plain)
    }

    /// A drained refine (round 3 pending) is unfinished: said in the completion, the section, the
    /// warning and the figures' subtitle; the pending row has "no" and no verdict counts.
    func testPendingRoundIsFlagged() throws {
        let d = try RefinedFixture.data(pending: true)
        let s = Summary.compute(d)
        let text = s.text()
        XCTAssertTrue(text.contains("unfinished refinement: refinement round 3 is pending"), text)
        XCTAssertTrue(text.contains("  unfinished: pending round 3 "), text)
        XCTAssertFalse(text.contains("stopped:"), text)
        XCTAssertTrue(rows(text).contains(["3", "no", "0", "1", "0", "3", "0", "6.5", "9", "—", "—", "—", "—", "—"]), text)
        let w = PartialFile.warnings(d)
        XCTAssertEqual(w.count, 1)
        XCTAssertTrue(w[0].contains("is an unfinished refinement: refinement round 3 is pending"), w[0])
        let session = try XCTUnwrap(s.records().first { $0.contains { $0.key == "kind" && $0.value == .string("refinement") } })
        XCTAssertTrue(session.contains { $0.key == "pending_round" && $0.value == .int(3) })
        XCTAssertTrue(session.contains { $0.key == "unfinished" && $0.value == .bool(true) })
        let x = try XCTUnwrap(SVGElements.parse(Figures.phaseDiagram(d).svg))
        let sub = x.elements.first { $0.attributes["class"] == "figure-subtitle" }!.text
        XCTAssertTrue(sub.hasSuffix("unfinished refinement: round 3 pending"), sub)
        // a session that recorded no stop after a complete round (drained or killed between rounds)
        let drained = try RefinedFixture.data(finished: "")
        let subtitle = try XCTUnwrap(SVGElements.parse(Figures.epsGVersusAlpha(drained).svg)).elements
            .first { $0.attributes["class"] == "figure-subtitle" }!.text
        XCTAssertTrue(subtitle.hasSuffix("unfinished refinement: stopped between rounds"), subtitle)
        let between = Summary.compute(drained).text()
        XCTAssertTrue(between.contains("  unfinished: the refine stopped after round 3 without recording why"), between)
        XCTAssertTrue(between.contains("unfinished refinement: the refine stopped between rounds"), between)
    }
}
