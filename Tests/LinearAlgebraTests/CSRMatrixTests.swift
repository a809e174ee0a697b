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

final class SparseProductTests: XCTestCase {
    /// Gustavson's product against the dense product, for rectangular random sparse matrices
    /// with empty rows and columns, on one and on several threads (the same result bit for bit).
    func testProductMatchesDenseAndIsThreadIndependent() throws {
        func random(_ rows: Int, _ cols: Int, density: Double, seed: UInt64) throws -> CSRMatrix {
            var state = seed
            func next() -> Double { state = state &* 6364136223846793005 &+ 1442695040888963407; return Double(state >> 11) / Double(1 << 53) }
            var ri = [Int32](), ci = [Int32](), v = [Double]()
            for i in 0..<rows { for j in 0..<cols where next() < density { ri.append(Int32(i)); ci.append(Int32(j)); v.append(next() - 0.5) } }
            return try CSRMatrix(rows: rows, columns: cols, rowIndices: ri, columnIndices: ci, values: v)
        }
        let a = try random(9000, 300, density: 0.01, seed: 1), b = try random(300, 200, density: 0.05, seed: 2)
        let saved = Parallel.threadCount
        defer { Parallel.setThreadCount(saved) }
        Parallel.setThreadCount(1)
        let c1 = try a.multiplied(by: b)
        Parallel.setThreadCount(3)
        let c3 = try a.multiplied(by: b)
        XCTAssertEqual(c1.rowPointers, c3.rowPointers); XCTAssertEqual(c1.columnIndices, c3.columnIndices)
        XCTAssertTrue(c1.values == c3.values)
        let dense = try a.denseMatrix().multiplied(by: b.denseMatrix())
        let mine = c1.denseMatrix()
        var worst = 0.0
        for i in 0..<dense.rows { for j in 0..<dense.columns { worst = max(worst, abs(dense[i, j] - mine[i, j])) } }
        XCTAssertLessThanOrEqual(worst, 1e-13)
        XCTAssertThrowsError(try b.multiplied(by: a))
    }
}
