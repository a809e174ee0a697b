import PETScShim
import XCTest

/// The C bridge alone, called as pdekit's loader calls it: a solve that converges to the asked
/// tolerance with PETSc's reason and types in the text, and a PETSc error returned as its code
/// with PETSc's first message, not printed or fatal.
final class PETScShimTests: XCTestCase {
    /// The 1D Laplacian tridiag(−1, 2, −1) of order n (CSR, 0-based).
    func laplacian(_ n: Int) -> (rows: [Int32], columns: [Int32], values: [Double]) {
        var rows: [Int32] = [0], columns: [Int32] = [], values: [Double] = []
        for i in 0..<n {
            for j in max(0, i - 1)...min(n - 1, i + 1) { columns.append(Int32(j)); values.append(i == j ? 2 : -1) }
            rows.append(Int32(columns.count))
        }
        return (rows, columns, values)
    }

    /// One create + solve. `distributed`: on PETSC_COMM_WORLD (one rank here), where PETSc must
    /// copy the rows and b, so this overwrites them with NaN between create and solve.
    func solve(_ n: Int, ksp: String, pc: String, options: String = "", grid: Bool = false, distributed: Bool = false)
        -> (status: Int32, x: [Double], result: pdekit_petsc_result, text: String) {
        var a = laplacian(n), b = [Double](repeating: 1, count: n)
        var x = [Double](repeating: 0, count: n), result = pdekit_petsc_result()
        var text = [CChar](repeating: 0, count: 1 << 16)
        let status = ksp.withCString { k in
            pc.withCString { p in
                options.withCString { o in
                    a.rows.withUnsafeMutableBufferPointer { rows in
                        a.columns.withUnsafeMutableBufferPointer { columns in
                            a.values.withUnsafeMutableBufferPointer { values in
                                b.withUnsafeMutableBufferPointer { bp in
                                    x.withUnsafeMutableBufferPointer { xp in
                                        var problem = pdekit_petsc_problem(
                                            global_rows: Int32(n), local_rows: Int32(n), first_row: 0, row_pointers: rows.baseAddress,
                                            columns: columns.baseAddress, values: values.baseAddress, b: bp.baseAddress, x: xp.baseAddress,
                                            nonzero_initial_guess: 0, ksp_type: k, pc_type: p, options: o, rtol: 1e-10, atol: 0,
                                            max_iterations: 1000, view: 0, distributed: distributed ? 1 : 0, dimension: grid ? 1 : 0,
                                            shape: (Int32(n), 0, 0))
                                        var system: OpaquePointer?
                                        let made = pdekit_petsc_create(&problem, &system, &text, Int32(text.count))
                                        guard made == 0 else { return made }
                                        if distributed {
                                            values.update(repeating: .nan); bp.update(repeating: .nan)
                                            columns.update(repeating: 0); rows.update(repeating: 0)
                                        }
                                        return pdekit_petsc_solve(system, &problem, &result, &text, Int32(text.count))
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (status, x, result, String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// On one process (PETSc reads the arrays in place) and on PETSC_COMM_WORLD (PETSc's own
    /// copy: the arrays are NaN between create and solve, so any read of them after create
    /// would show in x or in the norms).
    func testConvergesWithTheTrueResidual() {
        let n = 50
        for distributed in [false, true] {
            let r = solve(n, ksp: "cg", pc: "jacobi", distributed: distributed)
            XCTAssertEqual(r.status, 0, r.text)
            XCTAssertEqual(r.result.reason, 2, r.text)  // KSP_CONVERGED_RTOL
            XCTAssertTrue(r.text.contains("reason\tCONVERGED_RTOL") && r.text.contains("norm\tUNPRECONDITIONED"), r.text)
            // ‖b − Ax‖ ≤ rtol ‖b‖, recomputed here.
            let a = laplacian(n)
            var residual = 0.0
            for i in 0..<n {
                var ax = 0.0
                for k in Int(a.rows[i])..<Int(a.rows[i + 1]) { ax += a.values[k] * r.x[Int(a.columns[k])] }
                residual += (1 - ax) * (1 - ax)
            }
            XCTAssertLessThanOrEqual(residual.squareRoot(), 1e-10 * Double(n).squareRoot(), "distributed \(distributed)")
            // The bridge's own residual is the same ‖b − Ax‖ (to rounding in a sum of 50 terms).
            XCTAssertEqual(r.result.residual_norm, residual.squareRoot(), accuracy: 1e-12 + 1e-6 * residual.squareRoot())
            XCTAssertEqual(r.result.rhs_norm, Double(n).squareRoot(), accuracy: 1e-12)
        }
    }

    /// pc_type = mg on a 1D grid of 2^7 − 1 unknowns: by default levels 127 and 63 (a level is
    /// coarsened while it has more than 100 unknowns), with -pc_mg_levels up to 7 (127, 63, ...,
    /// 1); CG converges to 1e-10 in a few iterations, where CG + Jacobi needs about n/2 = 63 for
    /// this matrix. Without a grid, mg is refused with a message.
    func testGeometricMultigridLevelsFromTheGrid() {
        let n = 127
        let r = solve(n, ksp: "cg", pc: "mg", grid: true)
        XCTAssertEqual(r.status, 0, r.text)
        XCTAssertEqual(r.result.reason, 2, r.text)
        XCTAssertTrue(r.text.contains("levels\t2\n"), r.text)
        XCTAssertLessThanOrEqual(r.result.iterations, 10, r.text)
        let deeper = solve(n, ksp: "cg", pc: "mg", options: "-pc_mg_levels 6", grid: true)
        XCTAssertEqual(deeper.status, 0, deeper.text)
        XCTAssertTrue(deeper.text.contains("levels\t6\n"), deeper.text)
        XCTAssertFalse(deeper.text.contains("unused"), deeper.text)
        let tooMany = solve(n, ksp: "cg", pc: "mg", options: "-pc_mg_levels 8", grid: true)
        XCTAssertNotEqual(tooMany.status, 0)
        XCTAssertTrue(tooMany.text.contains("allows 1 to 7 levels"), tooMany.text)
        let noGrid = solve(n, ksp: "cg", pc: "mg")
        XCTAssertNotEqual(noGrid.status, 0)
        XCTAssertTrue(noGrid.text.contains("gamg or hypre"), noGrid.text)
    }

    func testAPETScErrorIsReturnedWithItsMessage() {
        let r = solve(10, ksp: "cg", pc: "nosuch")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.text.contains("nosuch"), r.text)
        // The options database is cleared after a failure: the next solve is unaffected.
        XCTAssertEqual(solve(10, ksp: "cg", pc: "none").status, 0)
    }
}
