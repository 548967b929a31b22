// Writing figures to disk: SVG, and PNG through rsvg-convert when it is installed.
import Foundation

/// Writes figures as SVG (and PNG when `rsvg-convert` is on PATH).
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

    /// Write each figure to `dir` (created if needed); returns the paths written, SVGs first per figure.
    public static func write(_ figures: [Figure], to dir: String, png: Bool = true) throws -> [String] {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let converter = png ? rsvgConvert() : nil
        var out: [String] = []
        for f in figures {
            let svgPath = (dir as NSString).appendingPathComponent(f.name + ".svg")
            try f.svg.write(toFile: svgPath, atomically: true, encoding: .utf8)
            out.append(svgPath)
            if let converter {
                let pngPath = (dir as NSString).appendingPathComponent(f.name + ".png")
                let p = Process()
                p.executableURL = URL(fileURLWithPath: converter)
                p.arguments = ["-f", "png", "-z", "1.5", "-b", "white", "-o", pngPath, svgPath]
                p.standardError = FileHandle.nullDevice
                try p.run()
                p.waitUntilExit()
                if p.terminationStatus == 0 { out.append(pngPath) }
            }
        }
        return out
    }
}
