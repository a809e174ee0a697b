import Foundation
import LinearAlgebra

/// Nonintrusive EIM of a parametrised sparse matrix (Casenave, Ern & Lelièvre, "A nonintrusive
/// reduced basis method applied to aeroacoustic simulations", Adv. Comput. Math. 41, 2015):
/// from assembled training matrices A(μ₁) … A(μ_K) with one sparsity pattern, EIM on their
/// nonzero values gives
///
///     A(μ) ≈ Σ_m β_m(μ) Q_m,   Q[P, :] β(μ) = A(μ)[P],
///
/// with the Q_m in the span of the chosen training matrices and P a set of M entries (row,
/// column). Only those M entries of A(μ) are needed online, however A depends on μ: the
/// assembly code is a black box. The same works for right-hand sides (`EmpiricalInterpolation`
/// on the vectors).
public struct MatrixInterpolation: Sendable {
    /// The common pattern (values are those of the first training matrix).
    public let pattern: CSRMatrix
    public let interpolation: EmpiricalInterpolation
    /// The interpolation entries as (row, column).
    public let entries: [(row: Int, column: Int)]

    public init(training: [CSRMatrix], tolerance: Double, maxTerms: Int, selection: EmpiricalInterpolation.Selection = .eim) throws {
        guard let first = training.first else { throw LinearAlgebraError.invalidArgument("matrix interpolation of no matrices") }
        for (k, a) in training.enumerated() where a.rows != first.rows || a.columns != first.columns
            || a.rowPointers != first.rowPointers || a.columnIndices != first.columnIndices {
            throw LinearAlgebraError.invalidArgument(
                "training matrix \(k + 1) has another sparsity pattern than the first (same rows, columns and stored entries needed)")
        }
        let nnz = first.nonzeros
        let snapshots = DenseMatrix(rows: nnz, columns: training.count, values: training.flatMap(\.values))
        interpolation = try EmpiricalInterpolation(snapshots: snapshots, tolerance: tolerance, maxTerms: maxTerms, selection: selection)
        pattern = first
        // Entry index → (row, column) through the row pointers.
        var rowOf = [Int](repeating: 0, count: nnz)
        for i in 0..<first.rows { for e in Int(first.rowPointers[i])..<Int(first.rowPointers[i + 1]) { rowOf[e] = i } }
        entries = interpolation.points.map { (rowOf[$0], Int(first.columnIndices[$0])) }
    }

    public var terms: Int { interpolation.terms }

    /// Q_m as matrices on the common pattern.
    public func termMatrices() -> [CSRMatrix] {
        let n = pattern.nonzeros
        return (0..<terms).map { m in
            var q = pattern
            q.values = Array(interpolation.basis.values[(m * n)..<((m + 1) * n)])
            return q
        }
    }

    /// β(μ) from the M entries A(μ)[P] (in the order of `entries`).
    public func coefficients(entries values: [Double]) throws -> [Double] { try interpolation.coefficients(values) }

    /// The approximation of a matrix with the common pattern, from its entries at P only.
    public func approximate(_ a: CSRMatrix) throws -> CSRMatrix {
        var out = pattern
        out.values = try interpolation.interpolate(interpolation.points.map { a.values[$0] })
        return out
    }
}
