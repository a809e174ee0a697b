import XCTest
import LinearAlgebra
@testable import Krylov

final class PreconditionerTests: XCTestCase {
    /// IC(0) of a tridiagonal matrix has no dropped fill, so it is the exact Cholesky factor.
    func testIC0IsExactOnTridiagonal() throws {
        let n = 50
        var ri = [Int32](), ci = [Int32](), v = [Double]()
        for i in 0..<n {
            ri.append(Int32(i)); ci.append(Int32(i)); v.append(2.5)
            if i > 0 { ri.append(Int32(i)); ci.append(Int32(i - 1)); v.append(-1) }
            if i + 1 < n { ri.append(Int32(i)); ci.append(Int32(i + 1)); v.append(-1) }
        }
        let a = try CSRMatrix(rows: n, columns: n, rowIndices: ri, columnIndices: ci, values: v)
        let b = Fixture.randomVector(n)
        let z = try IncompleteCholeskyPreconditioner(a).apply(b)
        XCTAssertLessThan(Fixture.relativeError(z, try a.denseMatrix().solve(b)), 1e-13)
    }

    /// An SPD matrix that is not an M-matrix, on a 4-cycle pattern so that IC(0) drops fill:
    /// its eigenvalues are 1 ± 0.7·√2 (smallest ≈ 0.0101 > 0) and the fourth pivot of IC(0) is
    /// negative (checked with NumPy when the test was written). The factorisation must succeed
    /// through the documented shift, and PCG with it must still converge to the true solution.
    func testIC0ShiftsOnPivotBreakdown() throws {
        let v: [[Double]] = [[1, 0.7, 0.7, 0], [0.7, 1, 0, -0.7], [0.7, 0, 1, 0.7], [0, -0.7, 0.7, 1]]
        let dense = DenseMatrix(rows: 4, columns: 4, values: (0..<16).map { v[$0 % 4][$0 / 4] })
        XCTAssertGreaterThan(try dense.symmetricEigenvalues()[0], 0.01)
        var ri = [Int32](), ci = [Int32](), vals = [Double]()
        for i in 0..<4 { for j in 0..<4 where v[i][j] != 0 { ri.append(Int32(i)); ci.append(Int32(j)); vals.append(v[i][j]) } }
        let a = try CSRMatrix(rows: 4, columns: 4, rowIndices: ri, columnIndices: ci, values: vals)
        let ic = try IncompleteCholeskyPreconditioner(a)
        XCTAssertGreaterThan(ic.shift, 0)
        let b = [1.0, 2, 3, 4]
        let (x, result) = try ConjugateGradient(matrix: a, preconditioner: ic, options: IterativeOptions(rtol: 1e-12)).solve(b)
        XCTAssertEqual(result.reason, .converged_rtol)
        // κ(A) ≈ 1.99/0.0101 ≈ 197, so rtol 1e-12 bounds the relative error by 2e-10.
        XCTAssertLessThan(Fixture.relativeError(x, try dense.solve(b)), 2e-10)
    }

    /// SSOR with ω = 1 is symmetric Gauss–Seidel: M = (D+L) D⁻¹ (D+U); check M·(M⁻¹ r) = r.
    func testSSORInvertsItsDefiningProduct() throws {
        let a = Fixture.diffusion2D(5)
        let r = Fixture.randomVector(a.rows)
        let z = try SSORPreconditioner(a, omega: 1).apply(r)
        let d = a.diagonal()
        let upper = a.triangle(lower: false), lower = a.triangle(lower: true)
        let w = upper.apply(z)                          // (D+U) z
        let s = zip(w, d).map { $0 / $1 }               // D⁻¹ (D+U) z
        let back = lower.apply(s)                       // (D+L) D⁻¹ (D+U) z
        XCTAssertLessThan(Fixture.relativeError(back, r), 1e-13)
        XCTAssertThrowsError(try SSORPreconditioner(a, omega: 2))
    }

    func testJacobiRejectsZeroDiagonal() throws {
        let a = try CSRMatrix(rows: 2, columns: 2, rowIndices: [0, 1], columnIndices: [1, 0], values: [1, 1])
        XCTAssertThrowsError(try JacobiPreconditioner(a)) { XCTAssertTrue("\($0)".contains("row 1"), "\($0)") }
    }
}
