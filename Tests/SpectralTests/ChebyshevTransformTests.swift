import Foundation
import XCTest
@testable import Spectral

final class ChebyshevTransformTests: XCTestCase {
    /// T_k by the three-term recurrence (independent of the transform).
    func chebyshevT(_ k: Int, _ x: Double) -> Double {
        if k == 0 { return 1 }
        var (a, b) = (1.0, x)
        for _ in 1..<k { (a, b) = (b, 2 * x * b - a) }
        return b
    }

    /// A polynomial of degree ≤ N is interpolated exactly: its coefficients come back to
    /// rounding. Tolerance 1e-14: the transform sums N+1 terms of size ≤ max|c|, so the error
    /// is a few ε·max|c| (max|c| = 1 here).
    func testCoefficientsOfKnownPolynomial1D() throws {
        let n = 17
        let t = try ChebyshevTransform(points: [n])
        let x = ChebyshevTransform.lobattoPoints(n)
        let c: [Double] = (0..<n).map { (k: Int) -> Double in
            let kk = Double(k)
            return k % 3 == 0 ? 1 / (kk + 1) : -0.5 / (kk + 2)
        }
        let f = x.map { xi in (0..<n).reduce(0.0) { $0 + c[$1] * chebyshevT($1, xi) } }
        let back = t.coefficients(fromValues: f)
        for k in 0..<n { XCTAssertEqual(back[k], c[k], accuracy: 1e-14, "k = \(k)") }
        let again = t.values(fromCoefficients: back)
        for j in 0..<n { XCTAssertEqual(again[j], f[j], accuracy: 1e-14) }
    }

    func testRoundTrip3DOnPolynomial() throws {
        let shape = [5, 4, 6]
        let t = try ChebyshevTransform(points: shape)
        let xs = shape.map(ChebyshevTransform.lobattoPoints)
        // p(x, y, z) = 3 T_2(x) T_1(y) − T_4(x) T_3(y) T_5(z) + 0.25
        var f = [Double]()
        for i in 0..<5 { for j in 0..<4 { for k in 0..<6 {
            let (x, y, z) = (xs[0][i], xs[1][j], xs[2][k])
            f.append(3 * chebyshevT(2, x) * chebyshevT(1, y) - chebyshevT(4, x) * chebyshevT(3, y) * chebyshevT(5, z) + 0.25)
        }}}
        let c = t.coefficients(fromValues: f)
        func at(_ a: Int, _ b: Int, _ d: Int) -> Double { c[(a * 4 + b) * 6 + d] }
        XCTAssertEqual(at(2, 1, 0), 3, accuracy: 1e-14)
        XCTAssertEqual(at(4, 3, 5), -1, accuracy: 1e-14)
        XCTAssertEqual(at(0, 0, 0), 0.25, accuracy: 1e-14)
        let others = c.enumerated().filter { ![(2 * 4 + 1) * 6, (4 * 4 + 3) * 6 + 5, 0].contains($0.offset) }
        XCTAssertLessThan(others.map { abs($0.element) }.max()!, 1e-14)
        let back = t.values(fromCoefficients: c)
        XCTAssertLessThan(zip(back, f).map { abs($0 - $1) }.max()!, 1e-14)
    }

    func testLobattoPointsAreSymmetric() {
        let x = ChebyshevTransform.lobattoPoints(8)
        XCTAssertEqual(x.first, 1); XCTAssertEqual(x.last, -1)
        for j in 0..<8 { XCTAssertEqual(x[j], -x[7 - j]) }
    }
}
