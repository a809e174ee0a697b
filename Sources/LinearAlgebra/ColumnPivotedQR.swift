import COpenBLAS

/// The column order of the QR factorisation with column pivoting, A P = Q R (`dgeqp3`, the
/// BLAS-3 Businger–Golub algorithm): the first k pivots pick k well-conditioned columns. Q-DEIM
/// uses it to choose interpolation points (Drmač & Gugercin, SIAM J. Sci. Comput. 38, 2016).
public enum ColumnPivotedQR {
    /// The pivot order: column `pivots[0]` of A is the first chosen, and so on (0-based).
    public static func pivots(_ a: DenseMatrix) throws -> [Int] {
        try a.checkLAPACKSize("dgeqp3")
        let m = a.rows, n = a.columns
        guard m > 0, n > 0 else { return Array(0..<n) }
        var values = a.values
        var jpvt = [Int32](repeating: 0, count: n)   // 0: every column is free to move
        var tau = [Double](repeating: 0, count: min(m, n))
        let info = LAPACKE_dgeqp3(LAPACK_COL_MAJOR, Int32(m), Int32(n), &values, Int32(m), &jpvt, &tau)
        if info != 0 { throw LinearAlgebraError.library("dgeqp3: argument \(-info) invalid") }
        return jpvt.map { Int($0) - 1 }
    }
}
