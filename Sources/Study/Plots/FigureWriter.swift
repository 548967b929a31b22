// Writing figures to disk: SVG, and PNG through rsvg-convert when it is installed — every file
// through `SafeFile` (a fresh temporary file, synced, renamed into place: never written through a
// link, never truncated in place). Each SVG carries a mark naming the results file it was drawn
// from; an existing figure file is replaced only when it is this results file's own figure (the
// SVG's mark names it; a PNG goes with its SVG), otherwise the whole plot is refused before
// anything is written (exit 2, naming the file) unless the user passes --overwrite.
import Foundation
import Statistics
import ResultsFile

/// Writes figures as SVG (and PNG when `rsvg-convert` is on PATH), see the file header.
public enum FigureWriter {
    /// The path of `rsvg-convert` if it is on PATH.
    public static func rsvgConvert() -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let p = String(dir) + "/rsvg-convert"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    /// The mark written as the SVG's second line: which results file the figure belongs to.
    static func mark(source: String) -> String { "<!-- vaesweep figure of: \(source) -->" }

    /// The results file whose figure `svgPath` is (nil: not a vaesweep figure, or unreadable).
    static func owner(ofSVG svgPath: String) -> String? {
        guard let h = FileHandle(forReadingAtPath: svgPath) else { return nil }
        defer { try? h.close() }
        let head = String(decoding: (try? h.read(upToCount: 4096)) ?? Data(), as: UTF8.self)
        let prefix = "<!-- vaesweep figure of: "
        guard let r = head.range(of: prefix), let end = head.range(of: " -->", range: r.upperBound..<head.endIndex) else { return nil }
        return String(head[r.upperBound..<end.lowerBound])
    }

    /// The SVG text with the ownership mark after its XML declaration.
    static func marked(_ svg: String, source: String) -> String {
        guard let nl = svg.firstIndex(of: "\n"), svg.hasPrefix("<?xml") else { return mark(source: source) + "\n" + svg }
        return String(svg[...nl]) + mark(source: source) + "\n" + String(svg[svg.index(after: nl)...])
    }

    /// Refuse (`Refusal`, exit 2) unless every figure file that already exists in `dir` is
    /// `source`'s own figure, or `overwrite`. Checked for all files before any is written.
    static func checkTargets(_ names: [String], in dir: String, png: Bool, source: String, overwrite: Bool) throws {
        guard !overwrite else { return }
        for name in names {
            let svg = (dir as NSString).appendingPathComponent(name + ".svg")
            let pngPath = (dir as NSString).appendingPathComponent(name + ".png")
            for (path, isSVG) in [(svg, true)] + (png ? [(pngPath, false)] : []) {
                var st = stat()
                guard lstat(path, &st) == 0 else { continue }
                let regular = (st.st_mode & S_IFMT) == S_IFREG
                let ours = regular && owner(ofSVG: svg) == source
                if !ours {
                    let what = !regular ? "is not a regular file (a symbolic link or a directory)"
                        : (isSVG ? "is not a figure of '\(source)'" : "does not go with a figure of '\(source)'")
                    throw Refusal("--out: '\(path)' exists and \(what); plot into another directory or pass --overwrite to replace it")
                }
            }
        }
    }

    /// Write each figure to `dir` (created if needed), drawn from the results file `source`;
    /// returns the paths written, SVGs first per figure. Throws `Refusal` (nothing written) when a
    /// figure file of another origin is in the way and `overwrite` is false, or `dir` is not a
    /// directory.
    public static func write(_ figures: [Figure], to dir: String, png: Bool = true, source: String,
                             overwrite: Bool = false) throws -> [String] {
        var st = stat()
        if lstat(dir, &st) == 0 {
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                throw Refusal("--out: '\(dir)' exists and is not a directory; give a directory for the figures")
            }
        } else {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        let source = URL(fileURLWithPath: source).standardizedFileURL.path
        let converter = png ? rsvgConvert() : nil
        try checkTargets(figures.map(\.name), in: dir, png: converter != nil, source: source, overwrite: overwrite)
        var out: [String] = []
        for f in figures {
            let svgPath = (dir as NSString).appendingPathComponent(f.name + ".svg")
            let svg = marked(f.svg, source: source)
            try SafeFile.write(Data(svg.utf8), to: svgPath, role: "--out")
            out.append(svgPath)
            if let converter, let bytes = try render(svg, converter: converter) {
                let pngPath = (dir as NSString).appendingPathComponent(f.name + ".png")
                try SafeFile.write(bytes, to: pngPath, role: "--out")
                out.append(pngPath)
            }
        }
        return out
    }

    /// The PNG of `svg` from rsvg-convert, which reads the SVG on stdin and writes the PNG to
    /// stdout (so it never opens a file of ours by name); nil when it fails.
    static func render(_ svg: String, converter: String) throws -> Data? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: converter)
        p.arguments = ["-f", "png", "-z", "1.5", "-b", "white"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        p.standardError = FileHandle.nullDevice
        try p.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let box = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { box.data = output.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        input.fileHandleForWriting.write(Data(svg.utf8))
        try? input.fileHandleForWriting.close()
        group.wait()
        p.waitUntilExit()
        return p.terminationStatus == 0 && !box.data.isEmpty ? box.data : nil
    }
}
