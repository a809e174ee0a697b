import COpenBLAS

/// Dense matrix products through BLAS `dgemm`, and the small helpers the factorisations'
/// tests and users need (identity, transpose, Frobenius norm).
extension DenseMatrix {
    public static func identity(_ n: Int) -> DenseMatrix {
        var m = DenseMatrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    public var transposed: DenseMatrix {
        var t = DenseMatrix(rows: columns, columns: rows)
        for j in 0..<columns { for i in 0..<rows { t[j, i] = self[i, j] } }
        return t
    }

    /// ‖A‖_F.
    public var frobeniusNorm: Double {
        // Scaled by the largest entry so that entries near 1e200 do not overflow.
        let scale = values.reduce(0) { max($0, abs($1)) }
        guard scale > 0, scale.isFinite else { return scale }
        return scale * values.reduce(0) { $0 + ($1 / scale) * ($1 / scale) }.squareRoot()
    }

    /// op(A)·op(B), op = transpose when asked: one `dgemm` call.
    public func multiplied(by b: DenseMatrix, transposeSelf: Bool = false, transposeOther: Bool = false) throws -> DenseMatrix {
        let m = transposeSelf ? columns : rows, k = transposeSelf ? rows : columns
        let kb = transposeOther ? b.columns : b.rows, n = transposeOther ? b.rows : b.columns
        guard k == kb else {
            throw LinearAlgebraError.invalidArgument("matrix product: \(m)×\(k) times \(kb)×\(n)")
        }
        var c = DenseMatrix(rows: m, columns: n)
        guard m > 0, n > 0, k > 0 else { return c }
        values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(CblasColMajor, transposeSelf ? CblasTrans : CblasNoTrans, transposeOther ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), 1, pa.baseAddress, Int32(max(rows, 1)),
                                pb.baseAddress, Int32(max(b.rows, 1)), 0, pc.baseAddress, Int32(max(m, 1)))
                }
            }
        }
        return c
    }

    /// LAPACK sizes are 32-bit here (LP64 OpenBLAS); larger dense matrices are refused.
    func checkLAPACKSize(_ what: String) throws {
        guard rows <= Int(Int32.max), columns <= Int(Int32.max), rows.multipliedReportingOverflow(by: columns).overflow == false else {
            throw LinearAlgebraError.invalidArgument("\(what): a \(rows)×\(columns) matrix exceeds LAPACK's 32-bit sizes")
        }
    }
}
