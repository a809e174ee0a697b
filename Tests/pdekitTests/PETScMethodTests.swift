import Foundation
import XCTest
import Storage

/// `method = "petsc"`: PETSc's KSP and PC through libpdekit-petsc.so, on one process. Its
/// solutions agree with CHOLMOD's, its options pass through and the unused ones are named, its
/// reasons keep PETSc's sign, and its failures are one-line errors.
final class PETScMethodTests: CLITestCase {
    func solution(_ folder: String) throws -> [Double] { try NPY.read(work.appendingPathComponent("\(folder)/solution.npy")).values }

    func record(_ folder: String) throws -> String {
        try String(contentsOf: work.appendingPathComponent("\(folder)/run.toml"), encoding: .utf8)
    }

    /// 2D and 3D, four PETSc solvers against CHOLMOD. The bound: ‖x − x*‖/‖x*‖ ≤ κ(A)·‖b − Ax‖/‖b‖,
    /// with κ below 10³ for these grids (5-point 31², h = 1/32: λmax/λmin ≈ (8/h²)/(2π²) ≈ 415,
    /// times the coefficient's contrast 2; 7-point 15³: ≈ 2 · 104).
    func testPETScSolvesAgreeWithCHOLMOD() throws {
        let solvers = ["ksp_type = \"cg\"\npc_type = \"hypre\"", "ksp_type = \"cg\"\npc_type = \"gamg\"",
                       "ksp_type = \"gmres\"\npc_type = \"ilu\"", "ksp_type = \"preonly\"\npc_type = \"lu\""]
        for (g, grid) in ["[31, 31]", "[15, 15, 15]"].enumerated() {
            let reference = "ref\(g)"
            let path = try petscProblem("p\(g)", grid: grid, petsc: solvers[0])
            let direct = try pdekit(["run", path, "-o", reference, "--set", "solver.method=direct"])
            XCTAssertEqual(direct.status, 0, direct.stderr)
            let exact = try solution(reference)
            let norm = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
            for (k, petsc) in solvers.enumerated() {
                let path = try petscProblem("p\(g)_\(k)", grid: grid, petsc: petsc)
                let r = try pdekit(["run", path, "-o", "s\(g)_\(k)", "--error-if-not-converged"])
                XCTAssertEqual(r.status, 0, "\(grid) \(petsc): \(r.stderr)")
                let x = try solution("s\(g)_\(k)")
                XCTAssertEqual(x.count, exact.count)
                let residual = try XCTUnwrap(recordNumber(try record("s\(g)_\(k)"), "relative_residual"))
                let error = zip(x, exact).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() / norm
                XCTAssertLessThanOrEqual(error, 1e3 * residual + 1e-13, "\(grid) \(petsc): error \(error), residual \(residual)")
                XCTAssertLessThanOrEqual(residual, 1e-10, "\(grid) \(petsc)")
                let expected = k == 3 ? "converged_direct" : "converged_rtol"
                XCTAssertTrue(try record("s\(g)_\(k)").contains("reason = \"\(expected)\""), "\(grid) \(petsc)")
            }
        }
    }

    func testOptionsPassThroughAndUnusedOnesAreNamed() throws {
        let path = try petscProblem("o", grid: "[31, 31]", petsc: """
            ksp_type = "cg"
            pc_type = "hypre"
            options = "-pc_hypre_boomeramg_strong_threshold 0.55 -my_typo 3"
            """)
        let r = try pdekit(["run", path, "-o", "o", "--view"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // KSPView shows the option BoomerAMG received; CG tests the true residual.
        XCTAssertTrue(r.stdout.contains("Threshold for strong coupling 0.55"), r.stdout)
        XCTAssertTrue(r.stdout.contains("using UNPRECONDITIONED norm type"), r.stdout)
        XCTAssertTrue(r.stderr.contains("PETSc did not use -my_typo 3"), r.stderr)
        let record = try record("o")
        XCTAssertTrue(record.contains("unused_options = \"-my_typo 3\""), record)
        XCTAssertTrue(record.contains("petsc_reason = \"CONVERGED_RTOL\""), record)
        // An option overrides what [solver] set: PETSc's own max_it stops CG after 2 iterations.
        let capped = try pdekit(["run", path, "-o", "c", "--set", "solver.petsc.options=\"-ksp_max_it 2\""])
        XCTAssertEqual(capped.status, 0, capped.stderr)
        XCTAssertTrue(try self.record("c").contains("reason = \"diverged_max_iterations\""))
        XCTAssertFalse(capped.stderr.contains("did not use"), capped.stderr)
    }

    func testDivergingSolvesKeepPETScsNegativeReason() throws {
        // Unpreconditioned Richardson with step 1 on a matrix whose eigenvalues reach 8/h²: the
        // residual grows until PETSc's divergence test stops it.
        let path = try petscProblem("d", grid: "[31, 31]", petsc: """
            ksp_type = "richardson"
            pc_type = "none"
            options = "-ksp_richardson_scale 1"
            """)
        let r = try pdekit(["run", path, "-o", "d"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try record("d")
        XCTAssertTrue(record.contains("reason = \"diverged_dtol\"") && record.contains("reason_code = -4"), record)
        XCTAssertTrue(record.contains("petsc_reason = \"DIVERGED_DTOL\""), record)
        let strict = try pdekit(["run", path, "-o", "d2", "--error-if-not-converged"])
        XCTAssertEqual(strict.status, 3, strict.stderr)
    }

    func testBadPETScInputIsOneLineWithoutOutput() throws {
        try assertBadInput(["run", try petscProblem("b1", grid: "[15, 15]", petsc: "pc_type = \"nosuch\""), "-o", "b1"],
                           ["Unable to find requested PC type nosuch"])
        try assertBadInput(["run", try petscProblem("b2", grid: "[15, 15]", petsc: "options = \"ksp_monitor\""), "-o", "b2"],
                           ["solver.petsc.options", "ksp_monitor"])
        try assertBadInput(["run", try petscProblem("b3", grid: "[15, 15]", petsc: "ksp_type = \"cg; rm\""), "-o", "b3"],
                           ["ksp_type", "not a PETSc type name"])
        let missing = try pdekit(["run", try petscProblem("b4", grid: "[15, 15]", petsc: ""), "-o", "b4"],
                                 environment: ["PDEKIT_PETSC_LIBRARY": work.appendingPathComponent("none.so").path])
        XCTAssertEqual(missing.status, 2, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("libpdekit-petsc.so") && missing.stderr.contains("none.so"), missing.stderr)
        XCTAssertEqual(try leftovers(), [])
        // A launcher's variables without a parallel launch (a Slurm batch script that runs
        // pdekit without srun): MPI has one rank, and the run solves on this process as usual.
        for (k, launcher) in [["OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "2"], ["SLURM_PROCID": "0", "SLURM_NTASKS": "2"]].enumerated() {
            let ranked = try pdekit(["run", try petscProblem("b5", grid: "[15, 15]", petsc: ""), "-o", "b5_\(k)"], environment: launcher)
            XCTAssertEqual(ranked.status, 0, ranked.stderr)
            XCTAssertFalse(try record("b5_\(k)").contains("ranks ="))
        }
    }

    /// A linear system from SciPy (problems/data/laplace12.mtx) against its exact solution.
    func testLinearSystemFromAnotherTool() throws {
        let path = Self.packageRoot.appendingPathComponent("problems/linear_system.toml").path
        let r = try pdekit(["run", path, "-o", "ls", "--set", "solver.method=petsc", "--set", "solver.preconditioner=none",
                            "--set", "solver.petsc.ksp_type=\"cg\"", "--set", "solver.petsc.pc_type=\"gamg\"", "--error-if-not-converged"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let x = try solution("ls")
        let exact = try NPY.read(Self.packageRoot.appendingPathComponent("problems/data/laplace12_x.npy")).values
        let error = zip(x, exact).map { abs($0 - $1) }.max() ?? .nan
        // κ of the 12 × 12 Laplacian ≈ 61; rtol 1e-12 (the file's).
        XCTAssertLessThan(error / (exact.map(abs).max() ?? 1), 1e3 * 1e-12)
    }

    /// PETSc is not thread-safe: a sweep's workers take turns, and the results do not depend on
    /// --jobs.
    func testSweepWorkersTakeTurns() throws {
        let path = try write("sw.toml", """
            [problem]
            name = "sw"
            kind = "pde"
            [pde]
            grid = [31, 31]
            rhs = 1
            coefficient = "1 + c*x*y"
            parameters = { c = 0 }
            [solver]
            method = "petsc"
            [solver.petsc]
            ksp_type = "cg"
            pc_type = "gamg"
            [sweep.parameters]
            "pde.parameters.c" = { linear = [0, 5], count = 6 }
            """)
        for jobs in [1, 2] {
            let r = try pdekit(["sweep", path, "-o", "sw\(jobs)", "--jobs", "\(jobs)"])
            XCTAssertEqual(r.status, 0, r.stderr)
        }
        for c in 0..<6 {
            let name = String(format: "case-%04d/solution.npy", c)
            XCTAssertEqual(try NPY.read(work.appendingPathComponent("sw1/" + name)), try NPY.read(work.appendingPathComponent("sw2/" + name)))
        }
    }

    /// Under mpirun each rank runs its shard's PETSc cases on its own process; MPI, started by
    /// the first solve, is finalised before the rank exits (otherwise mpirun fails the job).
    func testMpirunSweepOfPETScCasesEndsCleanly() throws {
        let path = try write("mp.toml", """
            [problem]
            name = "mp"
            kind = "pde"
            [pde]
            grid = [31, 31]
            rhs = 1
            coefficient = "1 + c*x*y"
            parameters = { c = 0 }
            [solver]
            method = "petsc"
            [solver.petsc]
            ksp_type = "cg"
            pc_type = "hypre"
            [sweep.parameters]
            "pde.parameters.c" = { linear = [0, 3], count = 4 }
            """)
        let r = try mpirun(2, ["sweep", path, "-o", "mp", "--merge"])
        XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        XCTAssertFalse(r.stderr.contains("exiting improperly"), r.stderr)
        let (records, _) = try CSV.read(work.appendingPathComponent("mp/sweep.csv"))
        let status = try XCTUnwrap(records.first?.firstIndex(of: "status"))
        XCTAssertEqual(records.dropFirst().map { $0[status] }, ["ok", "ok", "ok", "ok"])
    }
}
