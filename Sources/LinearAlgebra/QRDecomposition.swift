import COpenBLAS

/// The thin QR factorisation A = Q R of an m×n matrix (m ≥ n): Householder reflections by
/// `dgeqrf`, Q formed explicitly by `dorgqr`. Q is m×n with orthonormal columns, R is n×n upper
/// triangular — an orthonormal basis of the columns of A (recycle spaces, reduced bases).
public struct QRDecomposition: Sendable {
    public let q: DenseMatrix
    public let r: DenseMatrix

    public init(_ a: DenseMatrix) throws {
        var (qr, tau, r) = try Self.householder(a)
        let m = a.rows, n = a.columns
        if n > 0 {
            let info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, Int32(m), Int32(n), Int32(n), &qr, Int32(m), &tau)
            if info != 0 { throw LinearAlgebraError.library("dorgqr: argument \(-info) invalid") }
        }
        q = DenseMatrix(rows: m, columns: n, values: qr)
        self.r = r
    }
}

extension QRDecomposition {
    /// Only R of A = Q R (m ≥ n): `dgeqrf` without forming Q — what a tall-skinny reduction
    /// needs (the left singular vectors of a wide matrix B are those of Rᵀ for Bᵀ = Q R).
    public static func triangularFactor(_ a: DenseMatrix) throws -> DenseMatrix {
        try householder(a).r
    }

    /// `dgeqrf`: the reflectors (in the returned values, with their scalars τ) and R.
    private static func householder(_ a: DenseMatrix) throws -> (qr: [Double], tau: [Double], r: DenseMatrix) {
        try a.checkLAPACKSize("dgeqrf")
        let m = a.rows, n = a.columns
        guard m >= n else {
            throw LinearAlgebraError.invalidArgument("thin QR needs at least as many rows as columns, got \(m)×\(n)")
        }
        var qr = a.values
        var tau = [Double](repeating: 0, count: n)
        var r = DenseMatrix(rows: n, columns: n)
        if n > 0 {
            let info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, Int32(m), Int32(n), &qr, Int32(m), &tau)
            if info != 0 { throw LinearAlgebraError.library("dgeqrf: argument \(-info) invalid") }
            for j in 0..<n { for i in 0...j { r[i, j] = qr[i + j * m] } }
        }
        return (qr, tau, r)
    }
}
