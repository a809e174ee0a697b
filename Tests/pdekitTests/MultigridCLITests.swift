import Foundation
import XCTest
import Storage

/// Multigrid from the command line, attacked: bad options and inputs are one-line errors that
/// name the key, exit 2 and leave no output; `--view` shows the hierarchy.
final class MultigridCLITests: CLITestCase {
    func problem(_ solver: String, pde: String = "grid = [33, 33]\nrhs = 1") throws -> String {
        try write("m.toml", "[problem]\nname = \"m\"\nkind = \"pde\"\n[pde]\n\(pde)\n[solver]\n\(solver)\n")
    }

    func assertRefused(_ solver: String, mentions: [String], pde: String = "grid = [33, 33]\nrhs = 1",
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try problem(solver, pde: pde)
        let r = try pdekit(["run", path, "-o", "out"])
        XCTAssertEqual(r.status, 2, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr, file: file, line: line)
        for word in mentions { XCTAssertTrue(r.stderr.contains(word), "\(word) not in: \(r.stderr)", file: file, line: line) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("out").path), file: file, line: line)
    }

    func testBadOptionsAreNamed() throws {
        try assertRefused("method = \"gmg\"\n[solver.gmg]\ncycle = \"x\"", mentions: ["solver.gmg.cycle"])
        try assertRefused("method = \"gmg\"\n[solver.gmg]\npre_smooth = -1", mentions: ["solver.gmg.pre_smooth"])
        try assertRefused("method = \"gmg\"\n[solver.gmg]\npre_smooth = 0\npost_smooth = 0", mentions: ["post_smooth"])
        try assertRefused("method = \"gmg\"\n[solver.gmg]\nomega = 0.5", mentions: ["solver.gmg.omega", "jacobi"])
        try assertRefused("method = \"gmg\"\n[solver.gmg]\ncoarse_size = 0", mentions: ["solver.gmg.coarse_size"])
        try assertRefused("method = \"cg\"\npreconditioner = \"gmg\"\n[solver.gmg]\ncycle = \"fmg\"",
                          mentions: ["solver.preconditioner", "symmetric"])
        try assertRefused("method = \"cg\"\npreconditioner = \"gmg\"\n[solver.gmg]\npre_smooth = 2", mentions: ["symmetric"])
        try assertRefused("method = \"amg\"\n[solver.amg]\nalgorithm = \"magic\"", mentions: ["solver.amg.algorithm"])
        try assertRefused("method = \"amg\"\n[solver.amg]\nstrength_threshold = 1.5", mentions: ["solver.amg.strength_threshold"])
        try assertRefused("method = \"amg\"\n[solver.amg]\ntruncation = nan", mentions: ["solver.amg.truncation"])
        try assertRefused("method = \"amg\"\n[solver.amg]\nnear_nullspace = \"none.npy\"", mentions: ["near_nullspace", "aggregation"])
        try assertRefused("method = \"amg\"\n[solver.amg]\nalgorithm = \"aggregation\"\nnear_nullspace = \"none.npy\"",
                          mentions: ["near_nullspace", "none.npy"])
        try assertRefused("method = \"direct\"\noperator = \"stencil\"", mentions: ["solver.operator"])
    }

    /// The structured solvers build −div(a∇u) alone: with a velocity or reaction term they
    /// refuse instead of solving a different equation; GMRES and LU take it.
    func testStructuredSolversRefuseLowerOrderTerms() throws {
        let convective = "grid = [33, 33]\nrhs = 1\nvelocity = [1, 0]"
        try assertRefused("method = \"gmg\"", mentions: ["solver.method", "velocity"], pde: convective)
        try assertRefused("method = \"fft\"", mentions: ["solver.method", "velocity"], pde: "grid = [33, 33]\nrhs = 1\nreaction = 2")
        try assertRefused("method = \"gmres\"\noperator = \"stencil\"", mentions: ["solver.operator"], pde: convective)
        try assertRefused("method = \"cg\"", mentions: ["symmetric"], pde: convective)
        try assertRefused("method = \"gmres\"\n[solver.gmres]\nrestart = 0", mentions: ["solver.gmres.restart"], pde: convective)
        for method in ["gmres", "lu"] {
            let path = try problem("method = \"\(method)\"\npreconditioner = \"jacobi\"", pde: convective)
            let r = try pdekit(["run", path, "-o", method, "--error-if-not-converged"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
    }

    func testNearNullspaceOfTheWrongSizeOrNaNIsRefused() throws {
        try NPY.write([1.0, 2, 3], shape: [3], to: work.appendingPathComponent("short.npy"))
        try assertRefused("method = \"amg\"\n[solver.amg]\nalgorithm = \"aggregation\"\nnear_nullspace = \"short.npy\"",
                          mentions: ["solver.amg.near_nullspace", "1089"])
        try NPY.write([Double.nan, 1], shape: [2], to: work.appendingPathComponent("nan.npy"))
        try assertRefused("method = \"amg\"\n[solver.amg]\nalgorithm = \"aggregation\"\nnear_nullspace = \"nan.npy\"",
                          mentions: ["near_nullspace", "NaN"])
        try NPY.write([Double](repeating: 1, count: 8), shape: [2, 2, 2], to: work.appendingPathComponent("cube.npy"))
        try assertRefused("method = \"amg\"\n[solver.amg]\nalgorithm = \"aggregation\"\nnear_nullspace = \"cube.npy\"",
                          mentions: ["near_nullspace", "shape"])
    }

    func testGridMethodsNeedAGrid() throws {
        let path = try write("s.toml", """
            [problem]
            name = "s"
            kind = "linear_system"
            [system]
            matrix = "\(Self.packageRoot.appendingPathComponent("problems/data/laplace12.mtx").path)"
            rhs = "\(Self.packageRoot.appendingPathComponent("problems/data/laplace12_b.npy").path)"
            [solver]
            method = "gmg"
            """)
        let r = try pdekit(["run", path, "-o", "out"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("kind = \"pde\""), r.stderr)
        // AMG takes the same matrix.
        let amg = try pdekit(["run", path, "-o", "amg", "--set", "solver.method=amg", "--error-if-not-converged"])
        XCTAssertEqual(amg.status, 0, amg.stderr)
    }

    func testViewShowsTheHierarchyAndTheRecordHasIt() throws {
        let path = try problem("method = \"cg\"\npreconditioner = \"gmg\"\noperator = \"stencil\"")
        let r = try pdekit(["run", path, "-o", "g", "--view"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("gmg_level_sizes"), r.stdout)
        XCTAssertTrue(r.stdout.contains("33x33, 16x16"), r.stdout)
        let record = try String(contentsOf: work.appendingPathComponent("g/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("operator = \"stencil\""), record)
        let a = try pdekit(["run", path, "-o", "a", "--view", "--set", "solver.preconditioner=amg"])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertTrue(a.stdout.contains("amg_operator_complexity"), a.stdout)
    }

    /// `operator` unset: the stencil where the solve then assembles no matrix (a preconditioner
    /// that needs none, a problem without velocity or reaction), the assembled matrix elsewhere;
    /// the record says which, and whether A was assembled. Both give the same solution to
    /// rounding (CG's tolerance: 1e-10 relative, with κ ≈ 440 at 33², far below the 1e-6 used).
    func testStencilIsTheDefaultWhereNoMatrixIsNeeded() throws {
        let cases: [(String, String, String, Bool)] = [
            ("gmg", "method = \"cg\"\npreconditioner = \"gmg\"\nrtol = 1e-10", "grid = [33, 33]\nrhs = 1", true),
            ("none", "method = \"cg\"\npreconditioner = \"none\"\nrtol = 1e-10", "grid = [33, 33]\nrhs = 1", true),
            ("jacobi", "method = \"cg\"\npreconditioner = \"jacobi\"\nrtol = 1e-10", "grid = [33, 33]\nrhs = 1", false),
            ("given", "method = \"cg\"\npreconditioner = \"gmg\"\noperator = \"assembled\"\nrtol = 1e-10", "grid = [33, 33]\nrhs = 1", false),
            ("convection", "method = \"gmres\"\npreconditioner = \"none\"\nrtol = 1e-10", "grid = [33, 33]\nrhs = 1\nvelocity = [1, 0]", false),
        ]
        var solutions: [String: [Double]] = [:]
        for (name, solver, pde, stencil) in cases {
            let r = try pdekit(["run", try problem(solver, pde: pde), "-o", name])
            XCTAssertEqual(r.status, 0, r.stderr)
            let record = try String(contentsOf: work.appendingPathComponent("\(name)/run.toml"), encoding: .utf8)
            XCTAssertTrue(record.contains("operator = \"\(stencil ? "stencil" : "assembled")\""), "\(name): \(record)")
            XCTAssertEqual(record.contains("matrix = \"not assembled"), stencil, name)
            XCTAssertEqual(!record.contains("nonzeros = "), stencil, name)
            solutions[name] = try NPY.read(work.appendingPathComponent("\(name)/solution.npy")).values
        }
        let reference = try XCTUnwrap(solutions["given"])
        for name in ["gmg", "none", "jacobi"] {
            let x = try XCTUnwrap(solutions[name])
            let difference = zip(x, reference).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            let error = difference / reference.map { $0 * $0 }.reduce(0, +).squareRoot()
            XCTAssertLessThan(error, 1e-6, name)
        }
    }

    /// The memory check counts the CSR matrix only where it is assembled.
    func testMemoryEstimateLeavesOutTheMatrixOfAStencilSolve() throws {
        for (preconditioner, matrixFree) in [("gmg", true), ("jacobi", false)] {
            let path = try problem("method = \"cg\"\npreconditioner = \"\(preconditioner)\"", pde: "grid = [255, 255]\nrhs = 1")
            let r = try pdekit(["check", path], environment: ["PDEKIT_MEMORY_LIMIT": "1M"])
            XCTAssertEqual(r.status, 2, r.stderr)
            XCTAssertEqual(r.stderr.contains("(matrix 0 MB,"), matrixFree, r.stderr)
        }
    }

    /// Extreme sizes: a 2×200 grid (semicoarsening of the long axis), 1D, `levels = 1` (CHOLMOD
    /// alone) and a 3×3 grid with W-cycles down to one unknown.
    func testDegenerateGridsStillSolve() throws {
        for (pde, extra) in [("grid = [2, 200]\nrhs = 1", ""), ("grid = [2000]\nrhs = 1", ""),
                             ("grid = [20, 20, 20]\nrhs = 1", "\n[solver.gmg]\nlevels = 1"),
                             ("grid = [3, 3]\nrhs = 1", "\n[solver.gmg]\ncycle = \"w\"\ncoarse_size = 1")] {
            let path = try problem("method = \"gmg\"" + extra, pde: pde)
            let r = try pdekit(["run", path, "-o", "d", "--error-if-not-converged"])
            XCTAssertEqual(r.status, 0, "\(pde): \(r.stderr)")
        }
    }

    /// No Dirichlet side: −Δu = f with zero-flux (all-Neumann) or periodic sides determines u up
    /// to a constant. The methods that declare it solve the consistent system (mean of b
    /// removed, solution at zero mean); they agree with each other to the solver tolerance, the
    /// error against the exact solution falls with h² (second-order finite volumes: the ratio
    /// over one halving must exceed 3), and the others refuse with exit 2 naming the key.
    func testSingularAllNeumannAndPeriodicProblems() throws {
        let cases = [
            ("neumann", "rhs = \"2*pi^2*cos(pi*x)*cos(pi*y)\"\nexact = \"cos(pi*x)*cos(pi*y)\"\nboundary = { all = { type = \"neumann\" } }"),
            ("periodic",
             "rhs = \"8*pi^2*sin(2*pi*x)*cos(2*pi*y)\"\nexact = \"sin(2*pi*x)*cos(2*pi*y)\"\nboundary = { all = { type = \"periodic\" } }"),
        ]
        let methods = ["method = \"gmg\"", "method = \"cg\"\npreconditioner = \"gmg\"", "method = \"cg\"\npreconditioner = \"amg\"",
                       "method = \"cg\"\npreconditioner = \"jacobi\"", "method = \"cg\"\npreconditioner = \"ssor\"", "method = \"amg\"",
                       "method = \"fft\"", "method = \"cg\"\npreconditioner = \"fft\""]
        for (name, pde) in cases {
            var errors: [Int: Double] = [:]
            for n in [33, 65] {
                var solutions: [[Double]] = []
                for (k, method) in methods.enumerated() {
                    let path = try problem(method + "\nrtol = 1e-10\nmax_iterations = 5000", pde: "grid = [\(n), \(n)]\n" + pde)
                    let out = "\(name)\(n)_\(k)"
                    let r = try pdekit(["run", path, "-o", out, "--error-if-not-converged"])
                    XCTAssertEqual(r.status, 0, "\(name) \(method): \(r.stderr)")
                    XCTAssertTrue(r.stdout.contains("singular"), r.stdout)
                    let record = try String(contentsOf: work.appendingPathComponent(out + "/run.toml"), encoding: .utf8)
                    XCTAssertNotNil(recordNumber(record, "rhs_mean_removed"))
                    let x = try NPY.read(work.appendingPathComponent(out + "/solution.npy")).values
                    XCTAssertLessThanOrEqual(abs(x.reduce(0, +)) / Double(x.count), 1e-12, "zero mean")
                    solutions.append(x)
                    if k == 0 { errors[n] = try XCTUnwrap(recordNumber(record, "relative_l2_error")) }
                }
                let reference = solutions[0], scale = reference.map(abs).max()!
                for (k, x) in solutions.enumerated().dropFirst() {
                    XCTAssertLessThanOrEqual(zip(x, reference).map { abs($0 - $1) }.max()! / scale, 1e-7, "\(name) \(methods[k]) vs gmg")
                }
            }
            XCTAssertGreaterThan(errors[33]! / errors[65]!, 3, "\(name): errors \(errors)")
        }
        let neumann = "grid = [33, 33]\nrhs = \"cos(pi*x)\"\nboundary = { all = { type = \"neumann\" } }"
        try assertRefused("method = \"direct\"", mentions: ["solver.method", "singular"], pde: neumann)
        try assertRefused("method = \"cg\"\npreconditioner = \"ic0\"", mentions: ["solver.preconditioner", "singular"], pde: neumann)
        try assertRefused("method = \"amg\"\n[solver.amg]\nalgorithm = \"aggregation\"", mentions: ["solver.method", "classical"], pde: neumann)
        try assertRefused("method = \"gmres\"", mentions: ["pde.boundary", "Dirichlet"], pde: neumann + "\nreaction = 1")
    }

    /// `preconditioner_reuse = "keep"` with `operator = "stencil"`: a kept multigrid
    /// preconditioner holds the previous case's stencil, which must not stand in for this
    /// case's operator (it did: the second case solved the first case's system and reported
    /// convergence). Each case of the sweep matches the same case solved alone with the
    /// assembled matrix, to the solves' tolerance.
    func testKeptMultigridDoesNotReplaceTheCasesOperator() throws {
        let path = try write("k.toml", """
            [problem]
            name = "k"
            kind = "pde"
            [pde]
            grid = [31, 31]
            rhs = 1
            coefficient = "1 + k*x"
            parameters = { k = 0 }
            [solver]
            method = "cg"
            preconditioner = "gmg"
            operator = "stencil"
            preconditioner_reuse = "keep"
            rtol = 1e-10
            [sweep.parameters]
            "pde.parameters.k" = [0, 9]
            """)
        let r = try pdekit(["sweep", path, "-o", "kept", "--jobs", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for (i, k) in [0, 9].enumerated() {
            let alone = try pdekit(["run", path, "-o", "alone\(i)", "--set", "pde.parameters.k=\(k)", "--set", "solver.operator=assembled",
                                    "--set", "solver.preconditioner_reuse=rebuild"])
            XCTAssertEqual(alone.status, 0, alone.stderr)
            let u = try NPY.read(work.appendingPathComponent(String(format: "kept/case-%04d/solution.npy", i))).values
            let v = try NPY.read(work.appendingPathComponent("alone\(i)/solution.npy")).values
            // Both solve A u = 1 to rtol 1e-10 with κ(A) ≈ 4·10² · 10 (grid × coefficient
            // contrast): they agree to about κ·rtol ≈ 1e-6 relative; the wrong operator (k = 0
            // for k = 9) differs by O(1).
            let diff = zip(u, v).map { abs($0 - $1) }.max()!, scale = v.map(abs).max()!
            XCTAssertLessThan(diff, 1e-6 * scale, "case \(i) (k = \(k))")
        }
    }
}
