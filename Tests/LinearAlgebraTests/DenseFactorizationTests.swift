import Foundation
import LinearAlgebra
import XCTest

/// Conformance of the dense LAPACK wrappers: every factorisation reconstructs its matrix and
/// has the structure it promises, to the backward error of a stable algorithm, and matches a
/// closed form where one exists.
///
/// Tolerances: Householder QR, dsyevd, dgesdd and Cholesky are backward stable, so the
/// reconstruction error is bounded by c·n·ε·‖A‖ with a modest c; we allow c = 10
/// (`backward(n, norm)`), and n·ε·10 for the orthogonality of computed bases.
final class DenseFactorizationTests: XCTestCase {
    let eps = Double.ulpOfOne

    func backward(_ n: Int, _ norm: Double) -> Double { 10 * Double(n) * eps * norm }

    /// A seeded matrix with entries in [−1, 1) (SplitMix64: the same on every machine).
    func random(_ m: Int, _ n: Int, seed: UInt64) -> DenseMatrix {
        var state = seed
        func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1.0p-52 - 1
        }
        return DenseMatrix(rows: m, columns: n, values: (0..<m * n).map { _ in next() })
    }

    /// tridiag(−1, 2, −1): eigenvalues 2 − 2cos(kπ/(n+1)), determinant n + 1.
    func laplacian(_ n: Int) -> DenseMatrix {
        var a = DenseMatrix(rows: n, columns: n)
        for i in 0..<n {
            a[i, i] = 2
            if i > 0 { a[i, i - 1] = -1; a[i - 1, i] = -1 }
        }
        return a
    }

    func difference(_ a: DenseMatrix, _ b: DenseMatrix) -> Double {
        DenseMatrix(rows: a.rows, columns: a.columns, values: zip(a.values, b.values).map { $0 - $1 }).frobeniusNorm
    }

    func testProductMatchesTheDefinitionForEveryTransposeCombination() throws {
        let a = random(7, 5, seed: 1), b = random(5, 4, seed: 2)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let left = ta ? a.transposed : a, right = tb ? b.transposed : b
            let c = try left.multiplied(by: right, transposeSelf: ta, transposeOther: tb)
            var expected = DenseMatrix(rows: 7, columns: 4)
            for i in 0..<7 { for j in 0..<4 { for k in 0..<5 { expected[i, j] += a[i, k] * b[k, j] } } }
            // Each entry is a 5-term dot product of numbers below 1: rounding below 5·ε·5.
            XCTAssertLessThan(difference(c, expected), 25 * eps * 7 * 4, "transposes \(ta) \(tb)")
        }
        XCTAssertThrowsError(try a.multiplied(by: a))
    }

    func testSymmetricEigendecompositionOfTheLaplacian() throws {
        let n = 40
        let a = laplacian(n)
        let e = try SymmetricEigendecomposition(a)
        for k in 1...n {
            XCTAssertEqual(e.eigenvalues[k - 1], 2 - 2 * cos(Double(k) * .pi / Double(n + 1)), accuracy: backward(n, 4))
        }
        // A V = V Λ and Vᵀ V = I.
        let av = try a.multiplied(by: e.eigenvectors)
        var vl = e.eigenvectors
        for j in 0..<n { for i in 0..<n { vl[i, j] *= e.eigenvalues[j] } }
        XCTAssertLessThan(difference(av, vl), backward(n, a.frobeniusNorm))
        let vtv = try e.eigenvectors.multiplied(by: e.eigenvectors, transposeSelf: true)
        XCTAssertLessThan(difference(vtv, .identity(n)), backward(n, Double(n).squareRoot()))
        XCTAssertThrowsError(try SymmetricEigendecomposition(random(3, 4, seed: 1)))
    }

    func testCholeskySolvesAndLogDeterminant() throws {
        let n = 30
        let a = laplacian(n)
        let c = try DenseCholesky(a)
        XCTAssertEqual(c.logDeterminant, log(Double(n + 1)), accuracy: backward(n, 1))
        let llt = try c.factor.multiplied(by: c.factor, transposeOther: true)
        XCTAssertLessThan(difference(llt, a), backward(n, a.frobeniusNorm))
        for j in 0..<n { for i in 0..<j { XCTAssertEqual(c.factor[i, j], 0) } }
        // A X = B for several right-hand sides: relative residual below κ-free backward error.
        let b = random(n, 3, seed: 7)
        let x = try c.solve(b)
        let ax = try a.multiplied(by: x)
        XCTAssertLessThan(difference(ax, b), backward(n, a.frobeniusNorm * x.frobeniusNorm))
        // Not positive definite: the pivot is named.
        var indefinite = laplacian(4)
        indefinite[2, 2] = -1
        XCTAssertThrowsError(try DenseCholesky(indefinite)) { error in
            XCTAssertEqual(error as? LinearAlgebraError, .notPositiveDefinite(column: 2, size: 4))
        }
    }

    func testSingularValueDecompositionReconstructsAndOrders() throws {
        for (m, n) in [(9, 5), (5, 9), (6, 6)] {
            let a = random(m, n, seed: UInt64(m * 10 + n))
            let s = try SingularValueDecomposition(a)
            let k = min(m, n)
            XCTAssertEqual(s.singularValues.count, k)
            XCTAssertEqual(s.singularValues, s.singularValues.sorted(by: >))
            var us = s.u
            for j in 0..<k { for i in 0..<m { us[i, j] *= s.singularValues[j] } }
            XCTAssertLessThan(difference(try us.multiplied(by: s.vt), a), backward(max(m, n), a.frobeniusNorm))
            XCTAssertLessThan(difference(try s.u.multiplied(by: s.u, transposeSelf: true), .identity(k)), backward(m, 1))
            XCTAssertLessThan(difference(try s.vt.multiplied(by: s.vt, transposeOther: true), .identity(k)), backward(n, 1))
        }
        // SPD: singular values are the eigenvalues; a rank-2 product has numerical rank 2.
        let lap = try SingularValueDecomposition(laplacian(12))
        XCTAssertEqual(lap.singularValues.first!, 2 + 2 * cos(Double.pi / 13), accuracy: backward(12, 4))
        let low = try random(8, 2, seed: 3).multiplied(by: random(2, 6, seed: 4))
        XCTAssertEqual(try SingularValueDecomposition(low).rank(relativeTolerance: 1e-12), 2)
    }

    func testThinQRIsOrthonormalTimesUpperTriangular() throws {
        let a = random(12, 5, seed: 11)
        let qr = try QRDecomposition(a)
        XCTAssertEqual(qr.q.rows, 12); XCTAssertEqual(qr.q.columns, 5)
        XCTAssertLessThan(difference(try qr.q.multiplied(by: qr.r), a), backward(12, a.frobeniusNorm))
        XCTAssertLessThan(difference(try qr.q.multiplied(by: qr.q, transposeSelf: true), .identity(5)), backward(12, 1))
        for j in 0..<5 { for i in (j + 1)..<5 { XCTAssertEqual(qr.r[i, j], 0) } }
        XCTAssertThrowsError(try QRDecomposition(random(3, 5, seed: 1)))
    }

    func testEmptyMatricesAreHandled() throws {
        XCTAssertEqual(try SymmetricEigendecomposition(DenseMatrix(rows: 0, columns: 0)).eigenvalues, [])
        XCTAssertEqual(try DenseCholesky(DenseMatrix(rows: 0, columns: 0)).logDeterminant, 0)
        XCTAssertEqual(try SingularValueDecomposition(DenseMatrix(rows: 3, columns: 0)).singularValues, [])
    }
}
