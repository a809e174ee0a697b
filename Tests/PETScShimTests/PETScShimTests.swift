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

    func solve(_ n: Int, ksp: String, pc: String, options: String = "") -> (status: Int32, x: [Double], reason: Int32, text: String) {
        let a = laplacian(n), b = [Double](repeating: 1, count: n)
        var x = [Double](repeating: 0, count: n), iterations: Int32 = 0, reason: Int32 = 0, setup = 0.0, solve = 0.0
        var text = [CChar](repeating: 0, count: 1 << 16)
        let status = pdekit_petsc_solve(Int32(n), a.rows, a.columns, a.values, b, &x, 0, ksp, pc, options, 1e-10, 0, 1000, 0,
                                        &iterations, &reason, &setup, &solve, &text, Int32(text.count))
        return (status, x, reason, String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    func testConvergesWithTheTrueResidual() {
        let n = 50
        let r = solve(n, ksp: "cg", pc: "jacobi")
        XCTAssertEqual(r.status, 0, r.text)
        XCTAssertEqual(r.reason, 2, r.text)  // KSP_CONVERGED_RTOL
        XCTAssertTrue(r.text.contains("reason\tCONVERGED_RTOL") && r.text.contains("norm\tUNPRECONDITIONED"), r.text)
        // ‖b − Ax‖ ≤ rtol ‖b‖, recomputed here.
        let a = laplacian(n)
        var residual = 0.0
        for i in 0..<n {
            var ax = 0.0
            for k in Int(a.rows[i])..<Int(a.rows[i + 1]) { ax += a.values[k] * r.x[Int(a.columns[k])] }
            residual += (1 - ax) * (1 - ax)
        }
        XCTAssertLessThanOrEqual(residual.squareRoot(), 1e-10 * Double(n).squareRoot())
    }

    func testAPETScErrorIsReturnedWithItsMessage() {
        let r = solve(10, ksp: "cg", pc: "nosuch")
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.text.contains("nosuch"), r.text)
        // The options database is cleared after a failure: the next solve is unaffected.
        XCTAssertEqual(solve(10, ksp: "cg", pc: "none").status, 0)
    }
}
