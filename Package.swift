// swift-tools-version:6.0
//
// vaesweep — theory-versus-simulation sweeps of the high-dimensional linear β-VAE.
//
// Layers (each depends only on those above it in this list):
//   1. Sources/Interop   C system-library targets + tiny header shims (Open MPI, HDF5, OpenBLAS/LAPACK)
//   2. Sources/Wrappers  safe Swift wrappers: MPIKit, HDF5Kit, LinearAlgebra
//   3. Sources/Science   pure Swift science, no MPI: VAETheory, VAESimulation
//   4. Sources/Study     ResultsFile (the one module that writes AND reads the HDF5 schema; the point
//                        records' field tables; safe files), Sweep (spec, grid, work distribution,
//                        journal, MPI runner, reuse, merge, status), Statistics (finite-size fits,
//                        verdicts, calibration, the validation file, summary), Plots (the figures),
//                        Refine (`vaesweep refine`: round plans, rounds in one MPI job)
//   5. Sources/CLI       the `vaesweep` command-line tool and the benchmarks
import PackageDescription


// The MPI family, chosen here and only here: VAESWEEP_MPI=openmpi (default, pkg-config `ompi`) or
// mpich (pkg-config `mpich`; also Intel MPI, MVAPICH, Cray MPICH). Build each into its own
// --scratch-path (the Makefile does: `make build MPI=mpich` -> .build-mpich).
let mpiFamily = Context.environment["VAESWEEP_MPI"] ?? "openmpi"
let mpiPkgConfig: String = switch mpiFamily {
case "openmpi": "ompi"
case "mpich": "mpich"
default: fatalError("VAESWEEP_MPI=\(mpiFamily): expected openmpi or mpich")
}

let package = Package(
    name: "vaesweep",
    products: [
        .executable(name: "vaesweep", targets: ["vaesweep"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // 1. C interop
        .systemLibrary(name: "CMPI", path: "Sources/Interop/CMPI", pkgConfig: mpiPkgConfig),
        .systemLibrary(name: "CHDF5", path: "Sources/Interop/CHDF5", pkgConfig: "hdf5"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/Interop/COpenBLAS", pkgConfig: "openblas"),

        // 2. Safe Swift wrappers
        .target(name: "MPIKit", dependencies: ["CMPI"], path: "Sources/Wrappers/MPIKit"),
        .target(name: "HDF5Kit", dependencies: ["CHDF5"], path: "Sources/Wrappers/HDF5Kit"),
        .target(name: "LinearAlgebra", dependencies: ["COpenBLAS"], path: "Sources/Wrappers/LinearAlgebra"),

        // 3. Science (pure Swift + BLAS, no MPI)
        .target(name: "VAETheory", path: "Sources/Science/VAETheory"),
        .target(name: "VAESimulation", dependencies: ["VAETheory", "LinearAlgebra"],
                path: "Sources/Science/VAESimulation"),

        // 4. The study: results file, sweep, analysis
        .target(name: "ResultsFile", dependencies: ["HDF5Kit", "VAETheory", "VAESimulation"],
                path: "Sources/Study/ResultsFile"),
        .target(name: "Sweep",
                dependencies: ["MPIKit", "HDF5Kit", "LinearAlgebra", "VAETheory", "VAESimulation", "ResultsFile",
                               .product(name: "TOMLKit", package: "TOMLKit")],
                path: "Sources/Study/Sweep"),
        .target(name: "Statistics", dependencies: ["ResultsFile", "VAETheory", "VAESimulation"],
                path: "Sources/Study/Statistics"),
        .target(name: "Plots", dependencies: ["Statistics", "ResultsFile", "VAETheory"],
                path: "Sources/Study/Plots"),
        .target(name: "Refine", dependencies: ["Sweep", "Statistics", "ResultsFile", "MPIKit", "VAETheory", "VAESimulation"],
                path: "Sources/Study/Refine"),

        // 5. Command line
        .executableTarget(name: "vaesweep",
                          dependencies: ["Sweep", "Refine", "ResultsFile", "Statistics", "Plots", "VAETheory", "VAESimulation", "LinearAlgebra", "MPIKit",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Sources/CLI/vaesweep"),

        .executableTarget(name: "vaesweep-bench",
                          dependencies: ["Sweep", "Refine", "Statistics", "ResultsFile", "VAETheory", "VAESimulation", "LinearAlgebra", "TestSupport"],
                          path: "Sources/CLI/vaesweep-bench"),

        // Test programs and suites
        .executableTarget(name: "mpi-selftest", dependencies: ["MPIKit"], path: "Tests/MPISelfTest"),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "InteropTests", dependencies: ["MPIKit", "HDF5Kit", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "TheoryTests", dependencies: ["VAETheory"]),
        .testTarget(name: "SimulationTests", dependencies: ["VAESimulation", "VAETheory", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "SweepTests", dependencies: ["Sweep", "ResultsFile", "Statistics", "HDF5Kit", "VAETheory", "VAESimulation", "TestSupport"]),
        .testTarget(name: "AnalysisTests", dependencies: ["Statistics", "Plots", "ResultsFile", "HDF5Kit", "VAETheory", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "RefineTests", dependencies: ["Refine", "Sweep", "Statistics", "ResultsFile", "HDF5Kit", "VAETheory", "VAESimulation", "TestSupport"]),
        .testTarget(name: "ReplayTests", dependencies: ["ResultsFile", "VAESimulation", "VAETheory", "TestSupport"]),
    ]
)
