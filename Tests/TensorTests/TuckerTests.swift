import Foundation
import XCTest
import LinearAlgebra
@testable import Tensor

final class TuckerTests: XCTestCase {
    /// Deterministic pseudo-random numbers in (−1, 1).
    func random(_ count: Int, seed: UInt64) -> [Double] {
        var s = seed
        return (0..<count).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Double(s >> 11) / Double(1 << 52) - 1
        }
    }

    /// Unfolding and mode product against the definitions written as loops.
    func testUnfoldingAndModeProductMatchTheDefinitions() {
        let x = DenseTensor(shape: [3, 4, 2], values: random(24, seed: 1))
        let u = DenseMatrix(rows: 5, columns: 4, values: random(20, seed: 2))
        let y = x.modeProduct(u, mode: 1)
        XCTAssertEqual(y.shape, [3, 5, 2])
        for i in 0..<3 { for r in 0..<5 { for c in 0..<2 {
            var s = 0.0
            for j in 0..<4 { s += u[r, j] * x.values[(i * 4 + j) * 2 + c] }
            XCTAssertEqual(y.values[(i * 5 + r) * 2 + c], s, accuracy: 1e-14)
        }}}
        let ut = DenseMatrix(rows: 4, columns: 5, values: random(20, seed: 3))
        let z = x.modeProduct(ut, mode: 1, transpose: true)
        for i in 0..<3 { for r in 0..<5 { for c in 0..<2 {
            var s = 0.0
            for j in 0..<4 { s += ut[j, r] * x.values[(i * 4 + j) * 2 + c] }
            XCTAssertEqual(z.values[(i * 5 + r) * 2 + c], s, accuracy: 1e-14)
        }}}
        let m = x.unfolding(2)
        XCTAssertEqual([m.rows, m.columns], [2, 12])
        for i in 0..<3 { for j in 0..<4 { for c in 0..<2 { XCTAssertEqual(m[c, i * 4 + j], x.values[(i * 4 + j) * 2 + c]) } } }
    }

    /// A separable function f(x)g(y)h(z)w(t) has Tucker rank 1 in every mode, found by the
    /// tolerance rule, and is reproduced to rounding.
    func testSeparableFunctionHasRankOne() throws {
        let n = [9, 8, 7, 6]
        let x = DenseTensor(shape: n) { i in
            exp(Double(i[0]) / 9) * cos(Double(i[1])) * (1 + Double(i[2] * i[2])) * sin(1 + Double(i[3]))
        }
        for method in [TuckerTensor.hosvd, TuckerTensor.sthosvd] {
            let t = try method(x, .tolerance(1e-12))
            XCTAssertEqual(t.ranks, [1, 1, 1, 1])
            let r = t.reconstruct()
            let err = zip(r.values, x.values).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            XCTAssertLessThan(err, 1e-13 * x.frobeniusNorm)
        }
    }

    /// A tensor of exact multilinear rank (2, 3, 2) is recovered exactly by those ranks and the
    /// tolerance rule finds them; one rank lower in a mode gives a positive error.
    func testExactLowRankIsRecovered() throws {
        let core = DenseTensor(shape: [2, 3, 2], values: random(12, seed: 4))
        let factors = [DenseMatrix(rows: 10, columns: 2, values: random(20, seed: 5)),
                       DenseMatrix(rows: 11, columns: 3, values: random(33, seed: 6)),
                       DenseMatrix(rows: 12, columns: 2, values: random(24, seed: 7))]
        let x = TuckerTensor(core: core, factors: factors).reconstruct()
        let t = try TuckerTensor.sthosvd(x, .tolerance(1e-10))
        XCTAssertEqual(t.ranks, [2, 3, 2])
        let err = zip(t.reconstruct().values, x.values).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        XCTAssertLessThan(err, 1e-12 * x.frobeniusNorm)
        let lower = try TuckerTensor.hosvd(x, .ranks([2, 2, 2]))
        XCTAssertGreaterThan(pow(x.frobeniusNorm, 2) - pow(lower.core.frobeniusNorm, 2), 1e-6 * pow(x.frobeniusNorm, 2))
    }

    /// On a tensor without low-rank structure (1/(1 + 25|x|²) sampled plus noise): the HOSVD
    /// error obeys its computable bound — at most the sum over modes of the dropped singular
    /// values squared (De Lathauwer et al. 2000, Prop. 10) — which is itself at most d times the
    /// best error squared, so HOSVD ≤ √d × best ≤ √d × HOOI; HOOI from the ST-HOSVD start never
    /// increases the error; the tolerance rule meets its tolerance.
    func testErrorBoundsAndHOOIMonotonicity() throws {
        let n = 16
        let noise = random(n * n * n, seed: 8)
        var k = 0
        let x = DenseTensor(shape: [n, n, n]) { i in
            let p = i.map { -1 + 2 * Double($0) / Double(n - 1) }
            defer { k += 1 }
            return 1 / (1 + 25 * (p[0] * p[0] + p[1] * p[1] + p[2] * p[2])) + 1e-3 * noise[k]
        }
        let ranks = [4, 4, 4]
        let h = try TuckerTensor.hosvd(x, .ranks(ranks))
        let hosvdError = (pow(x.frobeniusNorm, 2) - pow(h.core.frobeniusNorm, 2)).squareRoot()
        let reconstructionError = zip(h.reconstruct().values, x.values).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        XCTAssertEqual(hosvdError, reconstructionError, accuracy: 1e-10 * x.frobeniusNorm,
                       "orthonormal factors: error = √(‖X‖² − ‖G‖²)")
        var bound = 0.0
        for mode in 0..<3 {
            let s = try SingularValueDecomposition(x.unfolding(mode)).singularValues
            bound += s[ranks[mode]...].map { $0 * $0 }.reduce(0, +)
        }
        XCTAssertLessThanOrEqual(hosvdError, bound.squareRoot() * (1 + 1e-12))
        let (hooi, errors) = try TuckerTensor.hooi(x, ranks: ranks)
        // The errors are √(‖X‖² − ‖G‖²): ‖G‖² comes out of d mode products of n^d entries, each
        // rounded to about n·ε, so it carries ~d·n·ε·‖X‖² ≈ 1e-14 ‖X‖² of rounding, and the
        // error ~that/(2·error); near convergence HOOI's true decrease is below that. Allowed:
        // 1e-13 ‖X‖² / error (10× the estimate).
        let slack = 1e-13 * pow(x.frobeniusNorm, 2) / errors.last!
        for (a, b) in zip(errors, errors.dropFirst()) { XCTAssertLessThanOrEqual(b, a + slack) }
        XCTAssertLessThan(errors.last!, errors.first!, "HOOI improves on its ST-HOSVD start here")
        XCTAssertLessThanOrEqual(hosvdError, 3.squareRoot() * errors.last! * (1 + 1e-12))
        XCTAssertEqual(hooi.ranks, ranks)
        for eps in [1e-2, 1e-3] {
            let t = try TuckerTensor.sthosvd(x, .tolerance(eps))
            let e = zip(t.reconstruct().values, x.values).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
            XCTAssertLessThanOrEqual(e, eps * x.frobeniusNorm, "tolerance \(eps): ranks \(t.ranks)")
        }
    }
}
