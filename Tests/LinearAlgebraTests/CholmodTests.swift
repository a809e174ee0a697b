import XCTest
@testable import LinearAlgebra

final class CholmodTests: XCTestCase {
    /// Tolerance: a backward-stable Cholesky gives relative error ≲ κ(A)·n·ε; κ of the 12²
    /// Laplacian is below 100, so 1e-11 leaves a wide margin while catching a wrong matrix.
    func testSolveAgreesWithDenseLU() throws {
        let a = TestMatrices.laplacian2D(12)
        let b = TestMatrices.randomVector(a.rows)
        let chol = try CholeskyFactorization(a)
        let x = chol.solve(b)
        let reference = try a.denseMatrix().solve(b)
        XCTAssertLessThan(TestMatrices.relativeError(x, reference), 1e-11)
        XCTAssertTrue(chol.isSupernodal)
        XCTAssertGreaterThanOrEqual(chol.factorNonzeros, a.triangle(lower: true).nonzeros)
    }

    func testRefactorOnSamePatternUsesNewValues() throws {
        let a = TestMatrices.laplacian2D(8)
        let chol = try CholeskyFactorization(a)
        try chol.refactor(values: a.values.map { 2 * $0 })
        let b = TestMatrices.randomVector(a.rows)
        let x = chol.solve(b)
        let reference = try a.denseMatrix().solve(b).map { $0 / 2 }
        XCTAssertLessThan(TestMatrices.relativeError(x, reference), 1e-11)
    }

    func testIndefiniteMatrixIsReportedWithItsPivot() throws {
        // diag(1, -1): the second pivot fails.
        let a = try CSRMatrix(rows: 2, columns: 2, rowIndices: [0, 1], columnIndices: [0, 1], values: [1, -1])
        XCTAssertThrowsError(try CholeskyFactorization(a)) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .notPositiveDefinite(column: 1, size: 2))
            XCTAssertTrue("\(error)".contains("not positive definite"))
        }
    }

    func testNonsymmetricMatrixIsRejected() throws {
        let a = try CSRMatrix(rows: 2, columns: 2, rowIndices: [0, 0, 1], columnIndices: [0, 1, 1], values: [2, 1, 3])
        XCTAssertThrowsError(try CholeskyFactorization(a)) { XCTAssertTrue("\($0)".contains("not symmetric"), "\($0)") }
    }
}
