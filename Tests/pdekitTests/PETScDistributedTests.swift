import Foundation
import XCTest
import Storage

/// `mpirun -n P pdekit run` with `method = "petsc"`: one system over P ranks. Each rank
/// assembles and writes its own slab; the folder is the one a single process writes, the
/// solution agrees with CHOLMOD's, and a failure anywhere is one error line and no folder.
final class PETScDistributedTests: CLITestCase {
    func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: work.appendingPathComponent(path))) }
    func record(_ folder: String) throws -> String {
        try String(contentsOf: work.appendingPathComponent("\(folder)/run.toml"), encoding: .utf8)
    }
    func errorLines(_ stderr: String) -> Int { stderr.split(separator: "\n").filter { $0.hasPrefix("pdekit: error:") }.count }

    /// 2D and 3D on 1, 2 and 4 ranks (CG + BoomerAMG), and PCMG on pdekit's grid hierarchy,
    /// against CHOLMOD on one process. The bound is the one PETScMethodTests derives,
    /// ‖x − x*‖/‖x*‖ ≤ κ(A)·‖b − Ax‖/‖b‖ with κ < 10³ for these grids. The layout is the
    /// single-process one byte for byte where it must be: the NPY header of solution.npy, and the
    /// whole of coefficient.npy, whose slabs the ranks evaluate apart.
    func testRanksAgreeWithCHOLMODAndWriteTheSameLayout() throws {
        for (g, grid) in ["[31, 31]", "[15, 15, 15]"].enumerated() {
            let reference = "ref\(g)"
            let direct = try pdekit(["run", try petscProblem("p\(g)", grid: grid, petsc: ""), "-o", reference, "--set", "solver.method=direct"])
            XCTAssertEqual(direct.status, 0, direct.stderr)
            let exact = try NPY.read(work.appendingPathComponent("\(reference)/solution.npy")).values
            let norm = exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
            let header = try bytes("\(reference)/solution.npy").prefix(128)
            for (pc, ranks) in [("hypre", 1), ("hypre", 2), ("hypre", 4), ("mg", 2)] {
                let name = "s\(g)_\(pc)_\(ranks)"
                let path = try petscProblem(name, grid: grid, petsc: "ksp_type = \"cg\"\npc_type = \"\(pc)\"")
                let r = try mpirun(ranks, ["run", path, "-o", name, "--error-if-not-converged"])
                XCTAssertEqual(r.status, 0, "\(grid) \(pc) -n \(ranks): \(r.stderr)")
                // One summary line, from rank 0.
                XCTAssertEqual(r.stdout.components(separatedBy: "converged_rtol").count - 1, 1, r.stdout)
                let x = try NPY.read(work.appendingPathComponent("\(name)/solution.npy")).values
                XCTAssertEqual(x.count, exact.count)
                XCTAssertEqual(try bytes("\(name)/solution.npy").prefix(128), header)
                XCTAssertEqual(try bytes("\(name)/coefficient.npy"), try bytes("\(reference)/coefficient.npy"), "\(grid) -n \(ranks)")
                let record = try self.record(name)
                let residual = try XCTUnwrap(recordNumber(record, "relative_residual"))
                let error = zip(x, exact).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() / norm
                XCTAssertLessThanOrEqual(residual, 1e-10, "\(grid) \(pc) -n \(ranks)")
                XCTAssertLessThanOrEqual(error, 1e3 * residual + 1e-13, "\(grid) \(pc) -n \(ranks): error \(error), residual \(residual)")
                XCTAssertEqual(record.contains("ranks = \(ranks)"), ranks > 1, record)
                if pc == "mg" { XCTAssertNotNil(recordNumber(record, "mg_levels").flatMap { $0 >= 2 ? $0 : nil }, record) }
            }
        }
    }

    /// A linear system from SciPy (problems/data/laplace12.mtx), 12 rows split 4/4/4 over 3
    /// ranks, with PETSc's parallel default preconditioner (block Jacobi: PETSc has no parallel
    /// ILU), against the exact solution stored beside it. κ ≈ 61 and rtol 1e-12 (the file's).
    func testALinearSystemFromAnotherToolOverThreeRanks() throws {
        let path = Self.packageRoot.appendingPathComponent("problems/linear_system.toml").path
        let r = try mpirun(3, ["run", path, "-o", "ls", "--set", "solver.method=petsc", "--error-if-not-converged"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let x = try NPY.read(work.appendingPathComponent("ls/solution.npy")).values
        let exact = try NPY.read(Self.packageRoot.appendingPathComponent("problems/data/laplace12_x.npy")).values
        XCTAssertEqual(x.count, exact.count)
        let error = zip(x, exact).map { abs($0 - $1) }.max() ?? .nan
        XCTAssertLessThan(error / (exact.map(abs).max() ?? 1), 1e3 * 1e-12)
        let record = try record("ls")
        XCTAssertTrue(record.contains("ranks = 3") && record.contains("pc_type = \"bjacobi\""), record)
    }

    func testOptionsPassThroughAndUnusedOnesAreNamedOnce() throws {
        let path = try petscProblem("o", grid: "[31, 31]", petsc: """
            ksp_type = "cg"
            pc_type = "hypre"
            options = "-pc_hypre_boomeramg_strong_threshold 0.55 -my_typo 3"
            """)
        let r = try mpirun(2, ["run", path, "-o", "o", "--view"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.components(separatedBy: "Threshold for strong coupling 0.55").count - 1, 1, r.stdout)
        XCTAssertEqual(r.stderr.components(separatedBy: "PETSc did not use -my_typo 3").count - 1, 1, r.stderr)
        XCTAssertTrue(try record("o").contains("unused_options = \"-my_typo 3\""))
    }

    /// Unpreconditioned Richardson with step 1 diverges (PETScMethodTests says why): the
    /// negative reason on every rank, the folder written, status 3 under --error-if-not-converged.
    func testDivergingSolveReportsANegativeReason() throws {
        let path = try petscProblem("d", grid: "[31, 31]", petsc: """
            ksp_type = "richardson"
            pc_type = "none"
            options = "-ksp_richardson_scale 1"
            """)
        let r = try mpirun(2, ["run", path, "-o", "d"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try record("d")
        XCTAssertTrue(record.contains("reason = \"diverged_dtol\"") && record.contains("reason_code = -4"), record)
        let strict = try mpirun(2, ["run", path, "-o", "d2", "--error-if-not-converged"])
        XCTAssertEqual(strict.status, 3, strict.stderr)
        XCTAssertEqual(errorLines(strict.stderr), 1, strict.stderr)
    }

    /// A failure on one rank only (the coefficient turns negative for x > 0.6, in rank 1's slab
    /// of a 31² grid: rank 0 reads nodes up to x = 0.5) ends both ranks with rank 1's message,
    /// printed once; so does a failure on every rank. Nothing is left in the folder.
    func testAFailureOnAnyRankIsOneErrorLineAndNoFolder() throws {
        let local = try mpirun(2, ["run", try petscProblem("f1", grid: "[31, 31]", coefficient: "0.6 - x", petsc: ""), "-o", "f1"])
        XCTAssertEqual(local.status, 2, local.stderr)
        XCTAssertEqual(errorLines(local.stderr), 1, local.stderr)
        XCTAssertTrue(local.stderr.contains("pde.coefficient") && local.stderr.contains("must be positive"), local.stderr)
        let everywhere = try mpirun(2, ["run", try petscProblem("f2", grid: "[31, 31]", petsc: "pc_type = \"nosuch\""), "-o", "f2"])
        XCTAssertEqual(everywhere.status, 2, everywhere.stderr)
        XCTAssertEqual(errorLines(everywhere.stderr), 1, everywhere.stderr)
        XCTAssertTrue(everywhere.stderr.contains("nosuch"), everywhere.stderr)
        let invalid = try mpirun(2, ["run", try petscProblem("f3", grid: "[31, 31]", petsc: "ksp_type = 3"), "-o", "f3"])
        XCTAssertEqual(invalid.status, 2, invalid.stderr)
        XCTAssertEqual(errorLines(invalid.stderr), 1, invalid.stderr)
        let tooFew = try mpirun(4, ["run", try petscProblem("f4", grid: "[3, 31]", petsc: ""), "-o", "f4"])
        XCTAssertEqual(tooFew.status, 2, tooFew.stderr)
        XCTAssertTrue(tooFew.stderr.contains("3 planes of unknowns for 4 ranks"), tooFew.stderr)
        XCTAssertEqual(try leftovers(), [])
    }

    /// kill -9 of one rank once the staging folder exists: mpirun ends the job, and no folder
    /// that looks complete appears (the destination does not exist at all).
    func testKillingOneRankLeavesNoCompleteFolder() throws {
        // Richardson with a tiny step: thousands of cheap iterations, seconds of solving.
        let path = try petscProblem("k", grid: "[255, 255]", petsc: """
            ksp_type = "richardson"
            pc_type = "none"
            options = "-ksp_richardson_scale 1e-9 -ksp_max_it 10000000"
            """)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/mpirun")
        p.arguments = ["--oversubscribe", "-n", "2", Self.executable.path, "run", path, "-o", "k"]
        p.environment = Self.environmentWithoutMPI.merging(Self.mpirunEnvironment) { $1 }
        p.currentDirectoryURL = work
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        // The staging folder appears once both ranks assembled; the solve then runs for seconds.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, p.isRunning, !(try FileManager.default.contentsOfDirectory(atPath: work.path).contains { $0.hasPrefix(".k.tmp-") }) {
            usleep(50_000)
        }
        XCTAssertTrue(p.isRunning, "mpirun ended before the solve (status \(p.terminationStatus))")
        usleep(300_000)
        let ranks = try childProcesses(of: p.processIdentifier)
        XCTAssertEqual(ranks.count, 2, "ranks of mpirun: \(ranks)")
        let victim = try XCTUnwrap(ranks.last)
        XCTAssertEqual(kill(victim, SIGKILL), 0)
        p.waitUntilExit()
        XCTAssertNotEqual(p.terminationStatus, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("k").path))
    }

    /// The processes whose parent is `pid` (/proc/<pid>/task/<pid>/children).
    func childProcesses(of pid: Int32) throws -> [Int32] {
        let text = try String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)
        return text.split(separator: " ").compactMap { Int32($0) }
    }
}
