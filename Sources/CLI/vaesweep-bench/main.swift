// vaesweep-bench: performance figures (not tests). `vaesweep-bench [theory|simulation|sweep|largen|bidiagonal|refine|all]`
// (`all` = those six; refine: RefineBench.swift), `vaesweep-bench validate` for the large-N accuracy table, and
// `vaesweep-bench scale` for the coordinator at 16 … 4 096 virtual ranks (ScaleBench.swift).
// Each benchmark prints measured numbers and ratios against a baseline run in the same process.
import Foundation

let which = CommandLine.arguments.dropFirst().first ?? "all"
let benches: [(String, () throws -> Void)] = [
    ("theory", runTheoryBenchmark),
    ("simulation", runSimulationBenchmark),
    ("sweep", runSweepBenchmark),
    ("validate", runValidation),
    ("largen", runLargeNBenchmark),
    ("bidiagonal", runBidiagonalBenchmark),
    ("scale", runScaleBenchmark),
    ("refine", runRefineBenchmark),
]
if CommandLine.arguments.dropFirst().first == "largen-child" {
    try runLargeNChild(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}
if CommandLine.arguments.dropFirst().first == "bidiagonal-child" {
    try runBidiagonalChild(Array(CommandLine.arguments.dropFirst(2)))
    exit(0)
}
let inAll: Set<String> = ["theory", "simulation", "sweep", "largen", "bidiagonal", "refine"]
var ran = false
for (name, body) in benches where (which == "all" && inAll.contains(name)) || which == name {
    print("== \(name) ==")
    try body()
    ran = true
}
if !ran {
    FileHandle.standardError.write(Data("usage: vaesweep-bench [\(benches.map { $0.0 }.joined(separator: "|"))|all]\n".utf8))
    exit(2)
}
