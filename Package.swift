// swift-tools-version:6.0
import PackageDescription

// Dependency direction (docs/architecture.md):
//   LinearAlgebra <- Krylov, Spectral, Multigrid <- Solvers (the method/preconditioner registry) <- Problems <- Runner <- pdekit
//   LinearAlgebra, Spectral, Storage <- Discretisation (grids, expressions, FD assembly, random fields) <- Problems
//   Storage, TOMLKit <- Configuration (problem documents, table readers) <- Solvers, Problems
//   LinearAlgebra, Spectral <- Tensor (Chebyshev–Tucker)
//   LinearAlgebra, Krylov <- GaussianProcess (Kronecker GPs)
//   LinearAlgebra, Storage <- ReducedBasis (EIM, nonintrusive matrix EIM, reduced basis, the model archive)
//   Storage depends on nothing numerical (CHDF5, Debian's libhdf5, writes dataset files).
//   PETScShim (C, Debian's PETSc + CMPI) is its own shared library, libpdekit-petsc.so, that Solvers loads
//   with dlopen on the first method = "petsc" solve: nothing else links PETSc or MPI. PETScBridge is the
//   header of the types both sides share.
let package = Package(
    name: "pdekit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "pdekit", targets: ["pdekit"]),
        .library(name: "pdekit-petsc", type: .dynamic, targets: ["PETScShim"]),
        .library(name: "PDEKit", targets: ["LinearAlgebra", "Krylov", "Spectral", "Multigrid", "Tensor", "GaussianProcess", "ReducedBasis",
                                           "Discretisation", "Configuration", "Solvers", "Problems", "Storage", "Runner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CSuiteSparse", path: "Sources/CSuiteSparse"),
        .systemLibrary(name: "CFFTW", path: "Sources/CFFTW", pkgConfig: "fftw3",
                       providers: [.apt(["libfftw3-dev"])]),
        // The serial HDF5 (with Open MPI's HDF5 installed, as PETSc pulls it in, hdf5.pc points at
        // the MPI build), loaded with dlopen when a dataset.h5 is written (Sources/CHDF5/shim.h).
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev"])]),
        // Debian's default PETSc (libpetsc-real3.18-dev) through its /usr/lib/petsc link; not
        // pkg-config: PETSc.pc's -Wdate-time and -D_FORTIFY_SOURCE make SwiftPM warn on every build.
        .target(name: "PETScShim", dependencies: ["CMPI", "PETScBridge"], path: "Sources/PETScShim",
                cSettings: [.unsafeFlags(["-I/usr/lib/petsc/include"])],
                linkerSettings: [.unsafeFlags(["-L/usr/lib/petsc/lib"]), .linkedLibrary("petsc_real")]),
        // The bridge's types alone (a header): what Solvers needs to call the library it loads.
        .target(name: "PETScBridge", path: "Sources/PETScBridge"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),

        .target(name: "LinearAlgebra", dependencies: ["CSuiteSparse", "COpenBLAS", "CFFTW"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "Krylov", dependencies: ["LinearAlgebra"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "Spectral", dependencies: ["LinearAlgebra"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "Multigrid", dependencies: ["LinearAlgebra"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "Tensor", dependencies: ["LinearAlgebra", "Spectral"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "GaussianProcess", dependencies: ["LinearAlgebra", "Krylov"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "ReducedBasis", dependencies: ["LinearAlgebra", "Storage"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "Storage", dependencies: ["CHDF5"]),
        .target(name: "Discretisation", dependencies: ["LinearAlgebra", "Spectral", "Storage"]),
        .target(name: "Configuration", dependencies: ["Storage", "TOMLKit"]),
        .target(name: "Solvers", dependencies: ["Configuration", "LinearAlgebra", "Krylov", "Multigrid", "Spectral", "Storage", "PETScBridge"]),
        .target(name: "Problems", dependencies: ["Configuration", "Discretisation", "Solvers", "LinearAlgebra", "Storage"]),
        .target(name: "Runner", dependencies: ["Problems", "Configuration", "Discretisation", "Solvers", "Spectral", "Tensor", "GaussianProcess",
                                               "ReducedBasis", "LinearAlgebra", "Storage"]),
        .executableTarget(name: "pdekit", dependencies: [
            "Runner", "Problems", "Configuration", "Solvers", "Storage", "LinearAlgebra",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "pdekit-bench", dependencies: ["Runner", "Problems", "Configuration", "Discretisation", "Solvers", "Krylov",
                                                               "Spectral", "Multigrid", "GaussianProcess", "ReducedBasis", "LinearAlgebra", "Storage"],
                          path: "bench/Sources/pdekit-bench"),

        .testTarget(name: "PETScShimTests", dependencies: ["PETScShim"]),
        .testTarget(name: "PETScBridgeTests", dependencies: ["PETScBridge"]),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(name: "KrylovTests", dependencies: ["Krylov", "LinearAlgebra"]),
        .testTarget(name: "MultigridTests", dependencies: ["Multigrid", "LinearAlgebra", "Krylov", "Discretisation", "Storage"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "GaussianProcessTests", dependencies: ["GaussianProcess", "LinearAlgebra", "Krylov", "Spectral"]),
        .testTarget(name: "ReducedBasisTests", dependencies: ["ReducedBasis", "LinearAlgebra", "Spectral", "Storage"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor", "LinearAlgebra", "Spectral"]),
        .testTarget(name: "SpectralTests", dependencies: ["Spectral", "LinearAlgebra", "Discretisation"]),
        .testTarget(name: "DiscretisationTests", dependencies: ["Discretisation", "LinearAlgebra", "Spectral"]),
        .testTarget(name: "ConfigurationTests", dependencies: ["Configuration"]),
        .testTarget(name: "SolversTests", dependencies: ["Solvers", "Configuration", "LinearAlgebra"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ProblemsTests", dependencies: ["Problems", "Configuration", "Discretisation", "Solvers", "Krylov", "LinearAlgebra",
                                                          "Storage"]),
        .testTarget(name: "RunnerTests", dependencies: ["Runner", "Problems", "Configuration", "Discretisation", "Solvers", "Storage", "LinearAlgebra",
                                                        "ReducedBasis"]),
        .testTarget(name: "pdekitTests", dependencies: ["Storage", "Problems", "Configuration", "Discretisation", "Spectral"]),
    ]
)
