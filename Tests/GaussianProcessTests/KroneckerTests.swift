import XCTest
import LinearAlgebra
import Spectral
@testable import GaussianProcess

/// Every Kronecker operation against the assembled dense matrix (kron of the factors).
final class KroneckerTests: XCTestCase {
    static func kron(_ a: DenseMatrix, _ b: DenseMatrix) -> DenseMatrix {
        // C-order grids: the index of (i, j) is i · n_b + j, so A ⊗ B in the usual sense.
        var c = DenseMatrix(rows: a.rows * b.rows, columns: a.columns * b.columns)
        for i in 0..<a.rows { for j in 0..<a.columns { for k in 0..<b.rows { for l in 0..<b.columns {
            c[i * b.rows + k, j * b.columns + l] = a[i, j] * b[k, l]
        }}}}
        return c
    }

    static func kron(_ factors: [DenseMatrix]) -> DenseMatrix { factors.dropFirst().reduce(factors[0]) { kron($0, $1) } }

    static func random(_ rows: Int, _ columns: Int, seed: UInt64) -> DenseMatrix {
        var g = NormalGenerator(seed: seed)
        return DenseMatrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in g.next() })
    }

    /// A random SPD matrix B Bᵀ + n I.
    static func spd(_ n: Int, seed: UInt64) -> DenseMatrix {
        let b = random(n, n, seed: seed)
        var a = try! b.multiplied(by: b, transposeOther: true)
        for i in 0..<n { a[i, i] += Double(n) }
        return a
    }

    static func maxDifference(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }

    func testModeProductMatchesDefinitionOnEveryModeAndTranspose() {
        let shape = [3, 4, 5]
        let x = Self.random(60, 1, seed: 1).values
        for mode in 0..<3 {
            for transpose in [false, true] {
                let n = shape[mode], r = 2
                let u = transpose ? Self.random(n, r, seed: 7) : Self.random(r, n, seed: 7)
                let y = ModeProduct.apply(u, transpose: transpose, to: x, shape: shape, mode: mode)
                var newShape = shape; newShape[mode] = r
                // Definition: y[..., a, ...] = Σ_i op(U)[a, i] x[..., i, ...].
                var expected = [Double](repeating: 0, count: y.count)
                for i0 in 0..<newShape[0] { for i1 in 0..<newShape[1] { for i2 in 0..<newShape[2] {
                    var s = 0.0
                    for i in 0..<n {
                        var src = [i0, i1, i2]; src[mode] = i
                        let a = [i0, i1, i2][mode]
                        let op = transpose ? u[i, a] : u[a, i]
                        s += op * x[(src[0] * shape[1] + src[1]) * shape[2] + src[2]]
                    }
                    expected[(i0 * newShape[1] + i1) * newShape[2] + i2] = s
                }}}
                XCTAssertLessThan(Self.maxDifference(y, expected), 1e-13 * 10, "mode \(mode) transpose \(transpose)")
            }
        }
    }

    func testGramIsTheProductOfUnfoldings() {
        let shape = [3, 4, 5]
        let x = Self.random(60, 1, seed: 2).values, y = Self.random(60, 1, seed: 3).values
        for mode in 0..<3 {
            let m = ModeProduct.gram(x, y, shape: shape, mode: mode)
            let n = shape[mode]
            for j in 0..<n { for k in 0..<n {
                var s = 0.0
                for i0 in 0..<shape[0] { for i1 in 0..<shape[1] { for i2 in 0..<shape[2] {
                    let idx = [i0, i1, i2]
                    guard idx[mode] == j else { continue }
                    var other = idx; other[mode] = k
                    s += x[(i0 * shape[1] + i1) * shape[2] + i2] * y[(other[0] * shape[1] + other[1]) * shape[2] + other[2]]
                }}}
                XCTAssertEqual(m[j, k], s, accuracy: 1e-12, "mode \(mode) (\(j), \(k))")
            }}
        }
    }

    func testKroneckerProductMatchesDenseKronIncludingRectangularFactors() {
        let factors = [Self.random(2, 3, seed: 4), Self.random(4, 4, seed: 5), Self.random(3, 2, seed: 6)]
        let op = KroneckerProduct(factors)
        XCTAssertEqual(op.rows, 24); XCTAssertEqual(op.columns, 24)
        let x = Self.random(24, 1, seed: 8).values
        let dense = Self.kron(factors)
        XCTAssertLessThan(Self.maxDifference(op.apply(x), dense.apply(x)), 1e-12)
        XCTAssertLessThan(Self.maxDifference(op.transposed.apply(x), dense.transposed.apply(x)), 1e-12)
    }

    func testEigendecompositionSolveAndLogDeterminantMatchDenseCholesky() throws {
        for shape in [[6, 5], [4, 3, 5]] {
            let factors = shape.enumerated().map { Self.spd($0.element, seed: UInt64(10 + $0.offset)) }
            let s = 0.7, noise = 0.3
            var dense = Self.kron(factors)
            for i in dense.values.indices { dense.values[i] *= s }
            for i in 0..<dense.rows { dense[i, i] += noise }
            let chol = try DenseCholesky(dense)
            let eigen = try KroneckerEigendecomposition(factors)
            let y = Self.random(dense.rows, 1, seed: 20).values
            let expected = try chol.solve(y)
            let got = eigen.solve(y, scale: s, shift: noise)
            // Both backward stable: agreement to κ · ε with κ ≤ ~1e3 for these matrices.
            XCTAssertLessThan(Self.maxDifference(got, expected), 1e-11 * expected.map(abs).max()!, "\(shape)")
            XCTAssertEqual(eigen.logDeterminant(scale: s, shift: noise), chol.logDeterminant, accuracy: 1e-10 * abs(chol.logDeterminant))
        }
    }

    func testPerAxisCholeskySolveAndLogDeterminant() throws {
        let factors = [Self.spd(5, seed: 30), Self.spd(3, seed: 31), Self.spd(4, seed: 32)]
        let dense = Self.kron(factors)
        let chol = try DenseCholesky(dense)
        let kc = try KroneckerCholesky(factors)
        let y = Self.random(60, 1, seed: 33).values
        let expected = try chol.solve(y)
        XCTAssertLessThan(Self.maxDifference(kc.solve(y), expected), 1e-11 * expected.map(abs).max()!)
        XCTAssertEqual(kc.logDeterminant, chol.logDeterminant, accuracy: 1e-10 * abs(chol.logDeterminant))
    }
}

final class CentrosymmetricTests: XCTestCase {
    /// The half-size route gives A V = V Λ with V orthonormal and Λ ascending, for even and odd
    /// sizes, on a kernel matrix and on a random symmetric centrosymmetric one.
    func testHalfSizeEigendecompositionIsAnEigendecomposition() throws {
        for n in [2, 3, 8, 9, 40, 41] {
            let x = (0..<n).map { Double($0) / Double(max(n - 1, 1)) }
            let kernel = Kernel1D(.matern52, parameters: [0.3]).matrix(x, x)
            let r = KroneckerTests.random(n, n, seed: UInt64(n))
            var random = DenseMatrix(rows: n, columns: n)
            // Symmetrise over the four images (i, j), (j, i), (n−1−i, n−1−j), (n−1−j, n−1−i).
            for i in 0..<n { for j in 0..<n {
                // Summed in sorted order so that all four images get bitwise the same value.
                random[i, j] = [r[i, j], r[j, i], r[n - 1 - i, n - 1 - j], r[n - 1 - j, n - 1 - i]].sorted().reduce(0, +) / 4
            }}
            for a in [kernel, random] {
                XCTAssertTrue(SymmetricEigendecomposition.isCentrosymmetric(a))
                for parallel in [false, true] {
                    let e = try SymmetricEigendecomposition.centrosymmetric(a, parallel: parallel)
                    let v = e.eigenvectors
                    let av = try a.multiplied(by: v)
                    let vtv = try v.multiplied(by: v, transposeSelf: true)
                    let scale = a.frobeniusNorm
                    for j in 0..<n {
                        for i in 0..<n {
                            XCTAssertEqual(av[i, j], v[i, j] * e.eigenvalues[j], accuracy: 1e-13 * Double(n) * scale, "n \(n)")
                            XCTAssertEqual(vtv[i, j], i == j ? 1 : 0, accuracy: 1e-13 * Double(n), "n \(n)")
                        }
                        if j > 0 { XCTAssertLessThanOrEqual(e.eigenvalues[j - 1], e.eigenvalues[j]) }
                    }
                    let reference = try SymmetricEigendecomposition(a).eigenvalues
                    XCTAssertLessThan(KroneckerTests.maxDifference(e.eigenvalues, reference), 1e-13 * Double(n) * scale)
                }
            }
        }
    }
}
