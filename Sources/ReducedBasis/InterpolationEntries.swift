import Foundation
import LinearAlgebra

/// The online half of a `NonintrusiveAffineForm`: the M_A matrix entries (row, column) with
/// Q_A[P, :], and the M_f right-hand-side points with Q_f[P, :]. β(μ) and γ(μ) come from those
/// entries of A(μ) and f(μ) alone. Offline the form builds it; a saved model stores it as two
/// arrays (`matrixArray`, `loadArray`) and reads it back (`init(matrixArray:loadArray:size:)`),
/// so both stages compute the coefficients with the same code.
public struct InterpolationEntries: Sendable {
    public let entries: [(row: Int, column: Int)]
    public let matrixQ: DenseMatrix
    public let points: [Int]
    public let loadQ: DenseMatrix

    public init(entries: [(row: Int, column: Int)], matrixQ: DenseMatrix, points: [Int], loadQ: DenseMatrix) {
        self.entries = entries; self.matrixQ = matrixQ; self.points = points; self.loadQ = loadQ
    }

    /// The rows an assembly must provide: those of the entries and the points, sorted.
    public var rows: [Int] { Array(Set(entries.map(\.row) + points)).sorted() }

    /// β and γ from a matrix and right-hand side of which at least `rows` are present.
    public func coefficients(matrix: CSRMatrix, load: [Double]) throws -> (beta: [Double], gamma: [Double]) {
        let values = try entries.map { e -> Double in
            guard e.row < matrix.rows, e.column < matrix.columns, let k = matrix.entryIndex(row: e.row, column: e.column) else {
                throw LinearAlgebraError.invalidArgument(
                    "the matrix has no stored entry (\(e.row + 1), \(e.column + 1)), an interpolation entry of the training matrices")
            }
            return matrix.values[k]
        }
        guard points.allSatisfy({ $0 < load.count }) else {
            throw LinearAlgebraError.invalidArgument("the right-hand side has \(load.count) entries, fewer than the interpolation points need")
        }
        return (entries.isEmpty ? [] : try matrixQ.solve(values), points.isEmpty ? [] : try loadQ.solve(points.map { load[$0] }))
    }

    /// Per entry: row, column, its row of Q_A[P, :] (M_A × (2 + M_A), row-major).
    public var matrixArray: [Double] {
        entries.indices.flatMap { i in [Double(entries[i].row), Double(entries[i].column)] + (0..<entries.count).map { matrixQ[i, $0] } }
    }

    /// Per point: index, its row of Q_f[P, :] (M_f × (1 + M_f), row-major).
    public var loadArray: [Double] {
        points.indices.flatMap { i in [Double(points[i])] + (0..<points.count).map { loadQ[i, $0] } }
    }

    /// Reads the two arrays back for `terms` matrix and `loadTerms` load terms on `size`
    /// unknowns; nil when they do not fit (wrong length, an index off the grid, a value not finite).
    public init?(matrixArray a: [Double], loadArray f: [Double], terms qa: Int, loadTerms qf: Int, size: Int) {
        guard a.count == qa * (2 + qa), f.count == qf * (1 + qf), a.allSatisfy(\.isFinite), f.allSatisfy(\.isFinite) else { return nil }
        func index(_ x: Double) -> Int? { x >= 0 && x < Double(size) && x.rounded() == x ? Int(x) : nil }
        var entries: [(row: Int, column: Int)] = [], q = DenseMatrix(rows: qa, columns: qa)
        for i in 0..<qa {
            let start = i * (2 + qa)
            guard let r = index(a[start]), let c = index(a[start + 1]) else { return nil }
            entries.append((r, c))
            for j in 0..<qa { q[i, j] = a[start + 2 + j] }
        }
        var points: [Int] = [], qf2 = DenseMatrix(rows: qf, columns: qf)
        for i in 0..<qf {
            guard let p = index(f[i * (1 + qf)]) else { return nil }
            points.append(p)
            for j in 0..<qf { qf2[i, j] = f[i * (1 + qf) + 1 + j] }
        }
        self.init(entries: entries, matrixQ: q, points: points, loadQ: qf2)
    }
}
