import COpenBLAS

/// The thin SVD A = U Σ Vᵀ (m×k, k, k×n with k = min(m, n)) by LAPACK's divide and conquer,
/// `dgesdd` — the driver for Tucker's HOSVD and for POD bases.
public struct SingularValueDecomposition: Sendable {
    /// Left singular vectors as columns (m×k).
    public let u: DenseMatrix
    /// Singular values, descending.
    public let singularValues: [Double]
    /// Right singular vectors as rows (k×n): Vᵀ.
    public let vt: DenseMatrix

    public init(_ a: DenseMatrix) throws {
        try a.checkLAPACKSize("dgesdd")
        let m = a.rows, n = a.columns, k = min(m, n)
        var work = a.values
        var s = [Double](repeating: 0, count: k)
        var u = [Double](repeating: 0, count: m * k)
        var vt = [Double](repeating: 0, count: k * n)
        if k > 0 {
            let info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "S")), Int32(m), Int32(n), &work, Int32(m),
                                      &s, &u, Int32(m), &vt, Int32(k))
            if info > 0 { throw LinearAlgebraError.library("dgesdd: the bidiagonal SVD did not converge (info \(info))") }
            if info < 0 { throw LinearAlgebraError.library("dgesdd: argument \(-info) invalid") }
        }
        self.u = DenseMatrix(rows: m, columns: k, values: u)
        singularValues = s
        self.vt = DenseMatrix(rows: k, columns: n, values: vt)
    }

    /// The number of singular values above `tolerance`·σ₁ (a numerical rank).
    public func rank(relativeTolerance tolerance: Double) -> Int {
        guard let first = singularValues.first, first > 0 else { return 0 }
        return singularValues.filter { $0 > tolerance * first }.count
    }
}
