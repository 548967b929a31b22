func runSimulationBenchmark() throws { print("simulation benchmark: not yet written") }
