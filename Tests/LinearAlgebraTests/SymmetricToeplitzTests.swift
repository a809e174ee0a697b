import Foundation
import XCTest
@testable import LinearAlgebra

/// Circulant-embedded Toeplitz products and lag sums against the dense matrix and the dense
/// Gram matrix's diagonals, on every mode of a 3-mode tensor, for even and odd orders and for
/// batches that end part-way (more fibres than one batch holds).
final class SymmetricToeplitzTests: XCTestCase {
    func values(_ n: Int, seed: Int) -> [Double] {
        (0..<n).map { (i: Int) -> Double in
            let phase = Double(i * 7 + seed) * 0.37
            return sin(phase) + 0.1 * Double((i + seed) % 5)
        }
    }

    func testModeProductAndLagSumsMatchDenseForms() throws {
        for m in [1, 2, 7, 40] {
            let c = (0..<m).map { exp(-Double($0 * $0) / 50) }
            var dense = DenseMatrix(rows: m, columns: m)
            for j in 0..<m { for i in 0..<m { dense[i, j] = c[abs(i - j)] } }
            let t = try SymmetricToeplitz(firstColumn: c)
            for mode in 0..<3 {
                var shape = [3, 5, 4]
                shape[mode] = m
                let x = values(shape.reduce(1, *), seed: m + mode), y = values(x.count, seed: 3 * m + mode)
                let fast = try t.apply(to: x, shape: shape, mode: mode)
                let reference = ModeProduct.apply(dense, to: x, shape: shape, mode: mode)
                let scale = reference.map(abs).max()!
                for i in reference.indices { XCTAssertEqual(fast[i], reference[i], accuracy: 1e-13 * scale, "m \(m), mode \(mode)") }
                let sums = try SymmetricToeplitz.lagSums(x, y, shape: shape, mode: mode)
                let g = ModeProduct.gram(x, y, shape: shape, mode: mode)
                var diagonals = [Double](repeating: 0, count: 2 * m - 1)
                for j in 0..<m { for i in 0..<m { diagonals[i - j + m - 1] += g[i, j] } }
                let size = diagonals.map(abs).max()!
                for l in diagonals.indices { XCTAssertEqual(sums[l], diagonals[l], accuracy: 1e-12 * size, "m \(m), mode \(mode), lag \(l)") }
            }
        }
    }

    /// 3000 fibres of 700 points: more than one batch of transforms (2²⁰ doubles hold 749 fibres
    /// of the 1400-point embedding), the last one partial.
    func testBatchesThatEndPartWay() throws {
        let m = 700
        let c = (0..<m).map { 1 / (1 + Double($0)) }
        let t = try SymmetricToeplitz(firstColumn: c)
        let shape = [3000, m]
        let x = values(shape.reduce(1, *), seed: 1)
        let fast = try t.apply(to: x, shape: shape, mode: 1)
        var dense = DenseMatrix(rows: m, columns: m)
        for j in 0..<m { for i in 0..<m { dense[i, j] = c[abs(i - j)] } }
        let reference = ModeProduct.apply(dense, to: x, shape: shape, mode: 1)
        let scale = reference.map(abs).max()!
        var worst = 0.0
        for i in reference.indices { worst = max(worst, abs(fast[i] - reference[i])) }
        XCTAssertLessThan(worst, 1e-12 * scale)
    }
}
