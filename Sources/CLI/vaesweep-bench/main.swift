// vaesweep-bench: performance figures (not tests). `vaesweep-bench [theory|simulation|sweep|all]`.
// Each benchmark prints measured numbers and ratios against a baseline run in the same process.
import Foundation

let which = CommandLine.arguments.dropFirst().first ?? "all"
let benches: [(String, () throws -> Void)] = [
    ("theory", runTheoryBenchmark),
    ("simulation", runSimulationBenchmark),
]
var ran = false
for (name, body) in benches where which == "all" || which == name {
    print("== \(name) ==")
    try body()
    ran = true
}
if !ran {
    FileHandle.standardError.write(Data("usage: vaesweep-bench [\(benches.map { $0.0 }.joined(separator: "|"))|all]\n".utf8))
    exit(2)
}
