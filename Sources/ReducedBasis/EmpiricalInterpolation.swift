import Foundation
import LinearAlgebra

/// The empirical interpolation method: a basis q₁ … q_M of a family of vectors g(μ) (functions on
/// a grid, or the nonzeros of matrices A(μ)) and M interpolation points p₁ … p_M, so that
///
///     g(μ) ≈ Σ_m β_m(μ) q_m,   with β(μ) solving  Q[P, :] β = g(μ)[P],
///
/// i.e. the approximation needs g(μ) only at the M points. Three ways to choose them:
/// - `.eim`, the greedy of Barrault, Maday, Nguyen & Patera (C. R. Acad. Sci. Paris 339, 2004):
///   add the training member worst interpolated so far (max-norm), its residual as the next basis
///   vector and the residual's largest entry as the next point. Q[P, :] is then lower triangular
///   with unit diagonal, and the errors of the training members never increase.
/// - `.deim` (Chaturantabut & Sorensen, SIAM J. Sci. Comput. 32, 2010): a POD basis of the
///   training members, points by the DEIM greedy on it.
/// - `.qdeim` (Drmač & Gugercin 2016): the same POD basis, points from a column-pivoted QR of Qᵀ.
public struct EmpiricalInterpolation: Sendable {
    public enum Selection: String, Sendable, CaseIterable { case eim, deim, qdeim }

    /// n × M.
    public let basis: DenseMatrix
    /// Row indices into the vectors, one per basis vector.
    public let points: [Int]
    /// For `.eim`: the training members chosen, in order (μ₁ … μ_M).
    public let chosen: [Int]
    /// The largest relative training error (max-norm over max-norm) after m = 0 … M terms.
    public let errors: [Double]
    /// Why the construction stopped, in words.
    public let stopReason: String
    /// Q[P, :] (M × M).
    public let interpolationMatrix: DenseMatrix

    public var terms: Int { points.count }

    /// Builds the interpolation of the columns of `snapshots` (n × K training members) to a
    /// relative max-norm `tolerance` or `maxTerms` terms, whichever comes first.
    public init(snapshots: DenseMatrix, tolerance: Double, maxTerms: Int, selection: Selection = .eim) throws {
        let n = snapshots.rows, k = snapshots.columns
        guard n > 0, k > 0 else { throw LinearAlgebraError.invalidArgument("empirical interpolation of \(k) vectors of length \(n)") }
        let scale = snapshots.values.reduce(0) { max($0, abs($1)) }
        guard scale.isFinite else { throw LinearAlgebraError.invalidArgument("empirical interpolation: a training vector is not finite") }
        let limit = min(maxTerms, n, k)
        var q = [Double](), p = [Int](), chosen = [Int](), errors = [Double]()
        var stop = "reached max_terms = \(maxTerms)"
        var r = snapshots.values   // residuals of every training member, column-major n × k
        func maxResidual() -> (column: Int, value: Double) {
            var best = (0, -1.0)
            r.withUnsafeBufferPointer { rp in
                for c in 0..<k { var m = 0.0; for i in 0..<n { m = max(m, abs(rp[i + c * n])) }; if m > best.1 { best = (c, m) } }
            }
            return best
        }
        switch selection {
        case .eim:
            var worst = maxResidual()
            errors.append(scale > 0 ? worst.value / scale : 0)
            while true {
                if scale == 0 || worst.value <= tolerance * scale {
                    stop = scale == 0 ? "every training vector is zero" : "tolerance \(tolerance) reached"; break
                }
                if p.count >= limit { break }
                let c = worst.column
                var point = 0, peak = 0.0
                for i in 0..<n where abs(r[i + c * n]) > peak { peak = abs(r[i + c * n]); point = i }
                // New basis vector: the residual scaled to 1 at its point (no earlier point is
                // touched, as the residual vanishes there).
                let pivot = r[point + c * n]
                let qm = (0..<n).map { r[$0 + c * n] / pivot }
                // Every residual loses its component along q_m: R ← R − q_m R[point, :].
                r.withUnsafeMutableBufferPointer { rp in
                    for j in 0..<k {
                        let a = rp[point + j * n]
                        if a != 0 { for i in 0..<n { rp[i + j * n] -= a * qm[i] } }
                    }
                }
                q += qm; p.append(point); chosen.append(c)
                worst = maxResidual()
                errors.append(worst.value / scale)
            }
        case .deim, .qdeim:
            // POD basis: left singular vectors down to the tolerance in the 2-norm sense, then
            // the points; the max-norm training errors are measured afterwards.
            let svd = try SingularValueDecomposition(snapshots)
            let s = svd.singularValues
            var m = 0
            while m < min(limit, s.count) && s[m] > tolerance * (s.first ?? 0) { m += 1 }
            stop = m == limit ? "reached max_terms = \(maxTerms)" : "singular value \(m + 1) below tolerance \(tolerance) × the first"
            m = max(m, 1)
            q = Array(svd.u.values[0..<(n * m)])
            let u = DenseMatrix(rows: n, columns: m, values: q)
            p = selection == .deim ? try Self.deimPoints(u) : Array(try ColumnPivotedQR.pivots(u.transposed).prefix(m))
        }
        let m = p.count
        basis = DenseMatrix(rows: n, columns: m, values: q)
        points = p
        self.chosen = chosen
        var pm = DenseMatrix(rows: m, columns: m)
        for j in 0..<m { for i in 0..<m { pm[i, j] = q[p[i] + j * n] } }
        interpolationMatrix = pm
        stopReason = stop
        if selection != .eim {
            // Training errors after all M terms (the POD variants have no greedy history).
            var worst = 0.0
            for c in 0..<k {
                let g = (0..<n).map { snapshots[$0, c] }
                let approx = try Self.interpolate(basis: basis, matrix: pm, values: p.map { g[$0] })
                worst = max(worst, zip(g, approx).reduce(0) { max($0, abs($1.0 - $1.1)) })
            }
            errors = [scale > 0 ? worst / scale : 0]
        }
        self.errors = errors
    }

    /// DEIM's greedy on a basis U: each new point where the next basis vector is worst
    /// interpolated by the previous ones.
    static func deimPoints(_ u: DenseMatrix) throws -> [Int] {
        let n = u.rows, m = u.columns
        var p = [(0..<n).max { abs(u[$0, 0]) < abs(u[$1, 0]) }!]
        for l in 1..<max(m, 1) where l < m {
            var a = DenseMatrix(rows: l, columns: l)
            for j in 0..<l { for i in 0..<l { a[i, j] = u[p[i], j] } }
            let c = try a.solve(p.map { u[$0, l] })
            var best = 0, peak = -1.0
            for i in 0..<n {
                var v = u[i, l]
                for j in 0..<l { v -= u[i, j] * c[j] }
                if abs(v) > peak { peak = abs(v); best = i }
            }
            p.append(best)
        }
        return p
    }

    /// β(μ) from the values g(μ)[P].
    public func coefficients(_ valuesAtPoints: [Double]) throws -> [Double] {
        precondition(valuesAtPoints.count == terms, "one value per interpolation point")
        guard terms > 0 else { return [] }
        return try interpolationMatrix.solve(valuesAtPoints)
    }

    /// Σ_m β_m q_m from the values g(μ)[P].
    public func interpolate(_ valuesAtPoints: [Double]) throws -> [Double] {
        try Self.interpolate(basis: basis, matrix: interpolationMatrix, values: valuesAtPoints)
    }

    static func interpolate(basis: DenseMatrix, matrix: DenseMatrix, values: [Double]) throws -> [Double] {
        guard basis.columns > 0 else { return [Double](repeating: 0, count: basis.rows) }
        return basis.apply(try matrix.solve(values))
    }
}
