import XCTest
@testable import LinearAlgebra

final class UmfpackTests: XCTestCase {
    func testNonsymmetricSolveAgreesWithDenseLU() throws {
        // Laplacian plus a convection-like skew part: nonsymmetric, nonsingular.
        let l = TestMatrices.laplacian2D(6)
        var ri = [Int32](), ci = [Int32](), v = [Double]()
        for i in 0..<l.rows { for k in Int(l.rowPointers[i])..<Int(l.rowPointers[i + 1]) {
            let j = Int(l.columnIndices[k])
            ri.append(Int32(i)); ci.append(Int32(j)); v.append(l.values[k] + (j == i + 1 ? 0.5 : 0))
        }}
        let a = try CSRMatrix(rows: l.rows, columns: l.rows, rowIndices: ri, columnIndices: ci, values: v)
        XCTAssertGreaterThan(a.asymmetry(), 0)
        let b = TestMatrices.randomVector(a.rows, seed: 3)
        let x = try LUFactorization(a).solve(b)
        XCTAssertLessThan(TestMatrices.relativeError(x, try a.denseMatrix().solve(b)), 1e-12)
    }

    func testSingularMatrixIsAnError() throws {
        let a = try CSRMatrix(rows: 2, columns: 2, rowIndices: [0, 0, 1, 1], columnIndices: [0, 1, 0, 1], values: [1, 2, 2, 4])
        XCTAssertThrowsError(try LUFactorization(a)) { XCTAssertTrue("\($0)".contains("singular"), "\($0)") }
    }
}
