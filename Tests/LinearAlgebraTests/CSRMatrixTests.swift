import XCTest
@testable import LinearAlgebra

final class CSRMatrixTests: XCTestCase {
    func testTripletsAreSortedAndDuplicatesSummed() throws {
        let a = try CSRMatrix(rows: 2, columns: 3, rowIndices: [1, 0, 0, 1, 0], columnIndices: [2, 2, 0, 2, 2],
                              values: [1, 2, 3, 4, 5])
        XCTAssertEqual(a.rowPointers, [0, 2, 3])
        XCTAssertEqual(a.columnIndices, [0, 2, 2])
        XCTAssertEqual(a.values, [3, 7, 5])
    }

    func testOutOfRangeTripletIsRejectedWithItsIndex() {
        XCTAssertThrowsError(try CSRMatrix(rows: 2, columns: 2, rowIndices: [0, 2], columnIndices: [0, 0], values: [1, 1])) {
            XCTAssertTrue("\($0)".contains("triplet 1"), "\($0)")
        }
    }

    func testUnsortedCSRIsRejected() {
        XCTAssertThrowsError(try CSRMatrix(rows: 1, columns: 3, rowPointers: [0, 2], columnIndices: [2, 1], values: [1, 1]))
    }

    /// Conformance: the operator agrees with its dense matrix (exactly: same products, same order).
    func testApplyMatchesDenseAcrossThreadChunks() {
        // 200² rows crosses the parallel threshold, so the chunked path is exercised.
        let a = TestMatrices.laplacian2D(200)
        let x = TestMatrices.randomVector(a.columns)
        let y = a.apply(x)
        var expected = [Double](repeating: 0, count: a.rows)
        for i in 0..<a.rows {
            for k in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) { expected[i] += a.values[k] * x[Int(a.columnIndices[k])] }
        }
        XCTAssertEqual(y, expected)
        let d = x.withUnsafeBufferPointer { xp in
            var out = [Double](repeating: 0, count: a.rows)
            return out.withUnsafeMutableBufferPointer { a.applyAndDot(xp, into: $0) }
        }
        let naive = zip(x, expected).map(*).reduce(0, +)
        // Summation order differs (chunked partial sums): a relative bound of n·ε covers it.
        XCTAssertEqual(d, naive, accuracy: Double(a.rows) * .ulpOfOne * abs(naive))
    }

    func testSmallDenseConformance() {
        let a = TestMatrices.laplacian2D(4)
        let dense = a.denseMatrix()
        let x = TestMatrices.randomVector(16, seed: 9)
        XCTAssertEqual(dense.apply(x).count, 16)
        for (u, v) in zip(dense.apply(x), a.apply(x)) { XCTAssertEqual(u, v, accuracy: 1e-14) }
        XCTAssertEqual(dense[0, 0], 4); XCTAssertEqual(dense[0, 1], -1); XCTAssertEqual(dense[0, 5], 0)
    }

    func testTransposeAndAsymmetry() throws {
        let a = try CSRMatrix(rows: 2, columns: 2, rowIndices: [0, 0, 1], columnIndices: [0, 1, 1], values: [2, 1, 3])
        let t = a.transposed()
        XCTAssertEqual(t.denseMatrix().values, [2, 1, 0, 3])
        XCTAssertEqual(a.asymmetry(), 1.0 / 3.0)
        XCTAssertEqual(TestMatrices.laplacian2D(5).asymmetry(), 0)
        XCTAssertEqual(a.triangle(lower: true).values, [2, 3])
        XCTAssertEqual(a.diagonal(), [2, 3])
    }
}
