import ArgumentParser
import Foundation
import Plots
import Statistics
import ResultsFile

/// `vaesweep plot RESULTS.h5 [--out DIR] [--point α,β,λ …]`: the study's figures as SVG (and PNG
/// with rsvg-convert); with --point only the per-point validation figure of each point given.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Write the study's figures (SVG, and PNG if rsvg-convert is installed) from a results file.",
        discussion: """
            Figures: eps_g_vs_alpha (ε_g versus α, theory lines per β, simulation mean ± std per N), \
            phase_diagram ((α, β) plane per λ: theory phases, β_c(α), BBP line, β = ρ + η, simulated phases), \
            rate_distortion (test distortion versus test rate with the Gaussian-source curve) and \
            agreement (|simulation − theory| of ε_g versus N with a 1/√N guide; only with simulations) and \
            validation (per λ the (α, β) plane coloured by the verdict of ε_g, and q_∞ ± se against the theory; \
            only with simulations). --point α,β,λ (repeatable): instead, for each grid point given, the \
            per-point validation figure point_alpha…_beta…_lam… (one panel per validated observable against \
            N^(−ω₁) of its ansatz: per-N means ± s_N, used or left out with the reason, the fitted curve \
            q∞ + a N^(−ω₁) (+ b N^(−ω₂)), the guard's refit, q∞ ± se(q∞) and the theory value). Theory curves and phase shading are evaluated by the theory engine on dense \
            grids (400 α or β; 300 × 300 (α, β) cells). Missing points (NaN, status not ok) are skipped; a partial \
            file (.partial, missing sim_*/status, fewer points done than planned) gives a warning and the subtitle \
            "partial: K of M points"; a refined study is sparse by design (subtitle "refined: K rounds, …"; \
            "unfinished refinement: …" with a warning while a round is pending), and its points with a \
            replicate computed by refine (round ≥ 1) are ringed in the phase diagram, ε_g and validation figures.
            """)

    @Argument(help: "Results file written by `vaesweep run`.")
    var results: String

    @Option(name: .long, help: "Output directory (created if needed).")
    var out: String = "figures"

    @Flag(name: .long, help: "Write SVG only, even if rsvg-convert is available.")
    var noPng = false

    @Flag(help: "Replace figure files in the output directory that are not this results file's own figures.")
    var overwrite = false

    @Flag(name: .long, help: "Print one JSON object per written file instead of plain paths.")
    var json = false

    @Option(name: .long, help: "Only the per-point validation figure of grid point α,β,λ (repeatable).")
    var point: [DoubleList] = []

    func validate() throws {
        for p in point where p.values.count != 3 {
            throw ValidationError("--point: expected α,β,λ (three numbers), got \(p.values.count)")
        }
    }

    func run() throws {
        let data: ResultsData
        do { data = try ResultsData.read(path: results) } catch { throw report(error) }
        for w in PartialFile.warnings(data) { warn(w) }
        var figures: [Figure]
        if point.isEmpty {
            figures = Figures.all(data)
        } else {
            guard data.hasSimulation else { throw ValidationError("--point: \(results) holds no simulations: nothing to validate") }
            let v = Validation.compute(data)
            figures = []
            for p in point {
                let (al, be, la) = (p.values[0], p.values[1], p.values[2])
                guard let (a, b, l) = Figures.gridIndex(data, alpha: al, beta: be, lambda: la) else {
                    func list(_ v: [Double]) -> String { v.map { formatNumber($0) }.joined(separator: ",") }
                    throw ValidationError("--point: \(formatNumber(al)),\(formatNumber(be)),\(formatNumber(la)) is not a grid point of \(results) "
                                          + "(alpha \(list(data.alpha)); beta \(list(data.beta)); lambda \(list(data.lam)))")
                }
                if let f = Figures.point(data, a: a, b: b, l: l, validation: v) { figures.append(f) }
            }
        }
        let written: [String]
        do { written = try FigureWriter.write(figures, to: out, png: !noPng, source: results, overwrite: overwrite) } catch let e as ExitCoded {
            throw report(e)
        } catch {
            throw report(CommandFailure.failure("cannot write figures to '\(out)': \(error)"))
        }
        for path in written {
            if json {
                var o = JSONObject()
                let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
                o.add("figure", name)
                o.add("format", (path as NSString).pathExtension)
                o.add("path", path)
                if let f = figures.first(where: { $0.name == name }) { o.add("series", f.series.count) }
                print(o.line)
            } else {
                print(path)
            }
        }
        let notes = figures.flatMap { f in f.notes.map { "\(f.name): \($0)" } }
            + (data.hasSimulation || !point.isEmpty ? [] : ["agreement, validation: skipped (no simulation data in the file)"])
        for n in notes { FileHandle.standardError.write(Data(("note: " + n + "\n").utf8)) }
    }
}
