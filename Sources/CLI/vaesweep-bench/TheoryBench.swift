func runTheoryBenchmark() throws { print("theory benchmark: not yet written") }
