import Foundation
import Storage
import XCTest

/// Singular problems: a right-hand side with a null-space component (an all-Neumann problem
/// whose f violates the compatibility condition) has no solution, and no run may call it
/// converged.
final class NullSpaceTests: CLITestCase {
    func neumann(rhs: String, rtol: String = "1e-8") throws -> String {
        try write("n.toml", """
            [problem]
            name = "n"
            kind = "pde"
            [pde]
            grid = [33, 33]
            rhs = "\(rhs)"
            parameters = { c = 0 }
            boundary = { all = { type = "neumann" } }
            [solver]
            method = "cg"
            preconditioner = "gmg"
            rtol = \(rtol)
            [sweep.parameters]
            "pde.parameters.c" = [0, 1]
            """)
    }

    func testIncompatibleRightHandSideIsNotConverged() throws {
        // f = 1 + c integrates to 1 + c over the unit square, never 0.
        let path = try neumann(rhs: "1 + c")
        let r = try pdekit(["run", path, "-o", "a"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("diverged_null") && r.stderr.contains("compatibility"), r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("a/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("reason = \"diverged_null\""), record)
        // b = f·(cell volume / h²): 1 at the 31² interior nodes, 1/2 on the 4·31 side nodes, 1/4
        // at the corners. Its mean's share of ‖b‖ is Σb / (√n ‖b‖) = 1024 / (33 · √992.25).
        let share = 1024 / (33 * 992.25.squareRoot())
        XCTAssertEqual(recordNumber(record, "rhs_mean_removed") ?? 0, share, accuracy: 1e-12)
        let strict = try pdekit(["run", path, "-o", "b", "--error-if-not-converged"])
        XCTAssertEqual(strict.status, 3, strict.stderr)
        XCTAssertTrue(strict.stderr.contains("diverged_null"), strict.stderr)
        // A sweep lists both cases as not converged, with the removed share in its own column.
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "s"]).status, 0)
        let t = try CSV.read(work.appendingPathComponent("s/sweep.csv")).records
        let status = t[0].firstIndex(of: "status")!, removed = t[0].firstIndex(of: "rhs_mean_removed")!
        XCTAssertEqual(t.dropFirst().map { $0[status] }, ["not_converged", "not_converged"], "\(t)")
        for row in t.dropFirst() { XCTAssertEqual(Double(row[removed])!, share, accuracy: 1e-12) }
    }

    func testCompatibleRightHandSideConverges() throws {
        // cos(πx)cos(πy) integrates to zero, and the half cells at the Neumann sides make the
        // discrete sum exact to rounding (measured 2e-18 of ‖b‖).
        let path = try neumann(rhs: "cos(pi*x)*cos(pi*y)")
        let r = try pdekit(["run", path, "-o", "a", "--error-if-not-converged"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("a/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("reason = \"converged_rtol\""), record)
        XCTAssertLessThan(recordNumber(record, "rhs_mean_removed") ?? 1, 1e-12)
    }

    /// A singular matrix from another tool (SciPy's graph Laplacian of a grid: the constants are
    /// its null space, as in PyAMG's Neumann `unit_square`) with an inconsistent right-hand
    /// side: no method may call it solved, and the advice no longer sends the user to LU, which
    /// fails on it too.
    func testSingularMatrixFromAnotherToolIsNeverCalledSolved() throws {
        let script = """
            import numpy as np, scipy.sparse as sp, scipy.io as sio, sys
            n = 12
            grid = sp.diags([1, 1], [-1, 1], shape=(n, n))
            adjacency = sp.kron(grid, sp.eye(n)) + sp.kron(sp.eye(n), grid)
            laplacian = sp.csgraph.laplacian(adjacency.tocsr()).tocoo()
            sio.mmwrite(sys.argv[1] + '/L.mtx', laplacian)
            np.save(sys.argv[1] + '/b.npy', np.ones(n * n))
            print('ok')
            """
        let (status, text) = try python(script, work.path)
        XCTAssertEqual(status, 0, text)
        func system(_ method: String, _ preconditioner: String = "none") throws -> String {
            try write("\(method).toml", "[problem]\nkind = \"linear_system\"\n[system]\nmatrix = \"L.mtx\"\nrhs = \"b.npy\"\n[solver]\n"
                + "method = \"\(method)\"\npreconditioner = \"\(preconditioner)\"\nmax_iterations = 500\n")
        }
        // CHOLMOD meets the zero pivot: refused, with advice that works.
        let r = try pdekit(["run", try system("direct"), "-o", "direct"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("no unique solution") && r.stderr.contains("nullspace = \"constants\""), r.stderr)
        // UMFPACK's pivots are rounding-sized, not zero: its refined residual stays at 12 ‖b‖,
        // diverged_direct_residual; the iterative methods stop without converging.
        for (method, preconditioner) in [("lu", "none"), ("cg", "jacobi"), ("gmres", "jacobi"), ("gcrodr", "none")] {
            let r = try pdekit(["run", try system(method, preconditioner), "-o", method, "--error-if-not-converged"])
            XCTAssertNotEqual(r.status, 0, "\(method) called the singular, inconsistent system solved: \(r.stderr)")
        }
    }

    /// `[system] nullspace = "constants"` (PETSc's MatSetNullSpace with the constants): CG
    /// solves the consistent system to the zero-mean solution, which NumPy checks from the
    /// written files; an inconsistent b is diverged_null; a matrix whose rows do not sum to
    /// zero is refused naming the key.
    func testDeclaredConstantNullSpaceOfALinearSystem() throws {
        let script = """
            import numpy as np, scipy.sparse as sp, scipy.io as sio, sys
            n = 12
            grid = sp.diags([1, 1], [-1, 1], shape=(n, n))
            adjacency = sp.kron(grid, sp.eye(n)) + sp.kron(sp.eye(n), grid)
            L = sp.csgraph.laplacian(adjacency.tocsr()).tocsr()
            sio.mmwrite(sys.argv[1] + '/L.mtx', L.tocoo())
            x = np.random.default_rng(0).standard_normal(n * n)
            np.save(sys.argv[1] + '/x.npy', x - x.mean())
            np.save(sys.argv[1] + '/b.npy', L @ x)
            np.save(sys.argv[1] + '/ones.npy', np.ones(n * n))
            M = L.tolil(); M[0, 0] += 1
            sio.mmwrite(sys.argv[1] + '/M.mtx', M.tocoo())
            print('ok')
            """
        let (status, text) = try python(script, work.path)
        XCTAssertEqual(status, 0, text)
        func system(_ matrix: String, _ rhs: String, method: String = "cg", preconditioner: String = "jacobi") throws -> String {
            try write("s.toml", "[problem]\nkind = \"linear_system\"\n[system]\nmatrix = \"\(matrix)\"\nrhs = \"\(rhs)\"\n"
                + "nullspace = \"constants\"\n[solver]\nmethod = \"\(method)\"\npreconditioner = \"\(preconditioner)\"\nrtol = 1e-10\n")
        }
        try assertBadInput(["check", try system("M.mtx", "b.npy")], ["system.nullspace", "row or column 1"])
        try assertBadInput(["check", try system("L.mtx", "b.npy", method: "direct")], ["solver.method", "nullspace"])
        try assertBadInput(["check", try system("L.mtx", "b.npy", preconditioner: "amg")], ["solver.preconditioner", "amg"])
        let r = try pdekit(["run", try system("L.mtx", "b.npy"), "-o", "ok", "--error-if-not-converged"])
        XCTAssertEqual(r.status, 0, r.stderr)
        // ‖x − x̂‖ ≤ κ_eff · rtol · ‖x‖ with κ_eff = λ_max/λ_2 of the 12×12 grid Laplacian
        // (8 / (2 − 2cos(π/12)) ≈ 117): 1e-10 · 117 < 1e-7.
        let check = try python("""
            import numpy as np, sys
            u = np.load(sys.argv[1] + '/ok/solution.npy'); x = np.load(sys.argv[1] + '/x.npy')
            e = np.linalg.norm(u - x) / np.linalg.norm(x)
            assert abs(u.mean()) < 1e-12 and e < 1e-7, (u.mean(), e)
            print('ok')
            """, work.path)
        XCTAssertEqual(check.status, 0, check.output)
        let inconsistent = try pdekit(["run", try system("L.mtx", "ones.npy"), "-o", "no", "--error-if-not-converged"])
        XCTAssertEqual(inconsistent.status, 3, inconsistent.stderr)
        XCTAssertTrue(inconsistent.stderr.contains("diverged_null"), inconsistent.stderr)
    }
}
