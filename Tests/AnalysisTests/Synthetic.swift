// Synthetic results for the Plots tests: a grid filled from the theory engine, optional simulated
// replicates derived from it, and a writer that follows the results-file schema of `vaesweep run`
// (root coordinates as dimension scales, theory_*/sim_*/status variables, root attributes).
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HDF5Kit
import Plots
import Statistics
import ResultsFile
import VAETheory

enum Synthetic {
    /// A replicate: value of quantity q, or nil for "not run".
    typealias SimRule = (_ q: Quantity, _ theory: Double, _ a: Int, _ b: Int, _ l: Int, _ n: Int, _ s: Int) -> Double

    /// A ResultsData on the given grid with theory from the engine. With `N` and `seeds > 0`, simulated
    /// values come from `sim` (default: theory exactly), `status` from `status` (default ok) and the
    /// replicate phases from `phase` (default: the theory phase).
    static func data(alpha: [Double], beta: [Double], lam: [Double], rho: Double = 1, eta: Double = 1,
                     N: [Int] = [], seeds: Int = 0,
                     sim: SimRule? = nil,
                     status: ((Int, Int, Int, Int, Int) -> PointStatus)? = nil,
                     phase: ((_ a: Int, _ b: Int, _ l: Int, _ n: Int, _ s: Int, _ theory: Int8) -> Int8)? = nil) throws -> ResultsData {
        var d = ResultsData(axes: StudyAxes(alpha: alpha, beta: beta, lam: lam, N: N, seeds: Array(0..<seeds)),
                            attributes: RootAttributes([RootKey.rho: .double(rho), RootKey.eta: .double(eta),
                                                        RootKey.spike: .string("ones"), RootKey.solver: .string("synthetic")]))
        var th = [Quantity: [Double]]()
        for q in Quantity.allCases { th[q] = Array(repeating: .nan, count: d.theoryCount) }
        let phaseRule = phase
        var phase = [Int8](repeating: -1, count: d.theoryCount)
        for a in alpha.indices { for b in beta.indices { for l in lam.indices {
            let r = Theory.solve(try TheoryInput(alpha: alpha[a], beta: beta[b], lambda: lam[l], rho: rho, eta: eta))
            let i = d.theoryIndex(a, b, l)
            for q in Quantity.allCases { th[q]![i] = r.observables[q] }
            phase[i] = r.observables.phase.rawValue
        } } }
        for q in Quantity.allCases { d[theory: q] = th[q] }
        d.theoryPhase = phase
        guard !N.isEmpty, seeds > 0 else { return d }
        var sv = [Quantity: [Double]]()
        for q in Quantity.allCases { sv[q] = Array(repeating: .nan, count: d.simCount) }
        var sp = [Int8](repeating: -1, count: d.simCount)
        var st = [Int8](repeating: 0, count: d.simCount)
        var done = 0
        for a in alpha.indices { for b in beta.indices { for l in lam.indices { for n in N.indices { for s in 0..<seeds {
            let i = d.simIndex(a, b, l, n, s)
            let code = status?(a, b, l, n, s) ?? .ok
            st[i] = code.rawValue
            if code == .notRun { continue }
            done += 1
            for q in Quantity.allCases {
                let t = th[q]![d.theoryIndex(a, b, l)]
                sv[q]![i] = sim?(q, t, a, b, l, n, s) ?? t
            }
            let tp = phase[d.theoryIndex(a, b, l)]
            sp[i] = phaseRule?(a, b, l, n, s, tp) ?? tp
        } } } } }
        for q in Quantity.allCases { d[sim: q] = sv[q] }
        d.simPhase = sp
        d.status = st
        d.attributes[RootKey.pointsDone] = .int(Int64(done))
        d.attributes[RootKey.pointsTotal] = .int(Int64(d.simCount))
        return d
    }

    /// Write `d` in the results-file schema.
    static func write(_ d: ResultsData, to path: String) throws {
        // Through the real writer of the results-file module (what `vaesweep run` uses), so the
        // analysis tests read exactly the schema a sweep writes.
        var d = d
        if d.hasSimulation {
            if d.simSteps == nil { d.simSteps = [Int64](repeating: 100, count: d.simCount) }
            if d.simGradNorm == nil { d.simGradNorm = [Double](repeating: 1e-9, count: d.simCount) }
            if d.simSeconds == nil { d.simSeconds = [Double](repeating: 0.01, count: d.simCount) }
        }
        var attrs = RootAttributes([
            RootKey.rho: .double(d.rho), RootKey.eta: .double(d.eta),
            RootKey.spike: .string("ones"), RootKey.solver: .string("synthetic"),
            RootKey.simulated: .int(d.hasSimulation ? 1 : 0),
            RootKey.pointsDone: .int(Int64(d.pointsDone ?? 0)), RootKey.pointsTotal: .int(Int64(d.pointsTotal ?? 0)),
            RootKey.toolVersion: .string("test"),
        ])
        for (k, v) in d.attributes.values { attrs[k] = v }
        d.attributes = attrs
        try ResultsWriter.write(d, to: path)
    }

    /// A fresh temporary directory.
    static func tempDir(_ tag: String) throws -> String {
        let dir = NSTemporaryDirectory() + "vaesweep-plots-\(tag)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Minimal XML reader over Foundation's XMLParser: every element with its attributes, text and the
/// chain of enclosing `g` groups' `data-series` label.
final class SVGElements: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
        var series: String?
        var groupClasses: [String]
    }
    private(set) var elements: [Element] = []
    private var stack: [(name: String, attrs: [String: String], index: Int)] = []
    private(set) var parseError: Error?

    static func parse(_ svg: String) -> SVGElements? {
        let p = XMLParser(data: Data(svg.utf8))
        let r = SVGElements()
        p.delegate = r
        return p.parse() ? r : nil
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        let series = stack.reversed().first(where: { $0.name == "g" && $0.attrs["data-series"] != nil })?.attrs["data-series"]
        let classes = stack.filter { $0.name == "g" }.compactMap { $0.attrs["class"] }
        elements.append(Element(name: elementName, attributes: attributeDict, text: "", series: series, groupClasses: classes))
        stack.append((elementName, attributeDict, elements.count - 1))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let top = stack.last { elements[top.index].text += string }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { self.parseError = parseError }

    /// `data-series` labels of series groups, in document order.
    var seriesLabels: [String] {
        elements.filter { $0.name == "g" && ($0.attributes["class"] ?? "").split(separator: " ").contains("series") }
            .compactMap { $0.attributes["data-series"] }
    }

    /// Translate of a marker path.
    static func translate(_ e: Element) -> (Double, Double)? {
        guard let t = e.attributes["transform"], t.hasPrefix("translate(") else { return nil }
        let inner = t.dropFirst("translate(".count).dropLast()
        let parts = inner.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }
}
