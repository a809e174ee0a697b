import XCTest
@testable import LinearAlgebra

final class VectorKernelsTests: XCTestCase {
    func testFusedCGUpdateMatchesSeparateSteps() {
        let n = 100_003  // several chunks and a ragged tail
        let p = TestMatrices.randomVector(n, seed: 1), q = TestMatrices.randomVector(n, seed: 2)
        var x = TestMatrices.randomVector(n, seed: 3), r = TestMatrices.randomVector(n, seed: 4)
        let x0 = x, r0 = r, alpha = 0.37
        let rr = p.withUnsafeBufferPointer { pp in q.withUnsafeBufferPointer { qp in
            x.withUnsafeMutableBufferPointer { xp in r.withUnsafeMutableBufferPointer { rp in
                Vec.cgUpdate(alpha: alpha, p: pp, q: qp, x: xp, r: rp) } } } }
        for i in stride(from: 0, to: n, by: 997) {
            XCTAssertEqual(x[i], x0[i] + alpha * p[i]); XCTAssertEqual(r[i], r0[i] - alpha * q[i])
        }
        let naive = r.map { $0 * $0 }.reduce(0, +)
        XCTAssertEqual(rr, naive, accuracy: Double(n) * .ulpOfOne * naive)
    }

    func testDotAndXpby() {
        let x = [1.0, 2, 3, 4, 5], y = [5.0, 4, 3, 2, 1]
        XCTAssertEqual(x.withUnsafeBufferPointer { a in y.withUnsafeBufferPointer { Vec.dot(a, $0) } }, 35)
        var p = y
        x.withUnsafeBufferPointer { a in p.withUnsafeMutableBufferPointer { Vec.xpby(a, 2, $0) } }
        XCTAssertEqual(p, [11, 10, 9, 8, 7])
    }
}

/// After OpenBLAS's workers are parked (pdekit's main does it at start), a BLAS call that runs
/// threaded starts them again and computes what it did before.
final class ParkedBLASThreadsTests: XCTestCase {
    func testThreadedProductsAfterParkingEqualTheSerialOnes() throws {
        let n = 400
        var a = DenseMatrix(rows: n, columns: n), b = DenseMatrix(rows: n, columns: n)
        for i in 0..<n { for j in 0..<n { a[i, j] = Double((i * 7 + j * 3) % 11) - 5; b[i, j] = Double((i * 5 + j) % 13) - 6 } }
        Parallel.parkBLASThreads()
        let threaded = try a.multiplied(by: b)
        Parallel.parkBLASThreads()
        let again = try a.multiplied(by: b)
        // Small integers: every product and sum is exact, in any order and on any thread count.
        for i in stride(from: 0, to: n, by: 37) {
            for j in stride(from: 0, to: n, by: 41) {
                let exact = (0..<n).reduce(0.0) { $0 + a[i, $1] * b[$1, j] }
                XCTAssertEqual(threaded[i, j], exact)
                XCTAssertEqual(again[i, j], exact)
            }
        }
    }
}
