import COpenBLAS

/// Column-major dense matrix backed by BLAS/LAPACK.
///
/// Used for small reference computations (tests compare every sparse solver against it) and
/// for the dense blocks of later methods (Hessenberg matrices, Kronecker factors).
public struct DenseMatrix: LinearOperator, Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// Column-major: entry (i, j) at `values[i + j * rows]`, LAPACK's layout.
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]? = nil) {
        self.rows = rows; self.columns = columns
        self.values = values ?? [Double](repeating: 0, count: rows * columns)
        precondition(self.values.count == rows * columns, "DenseMatrix: \(self.values.count) values for \(rows)×\(columns)")
    }

    public subscript(i: Int, j: Int) -> Double {
        get { values[i + j * rows] }
        set { values[i + j * rows] = newValue }
    }

    /// y = A x through `dgemv`.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        guard rows > 0, columns > 0 else { return }
        values.withUnsafeBufferPointer { a in
            cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, a.baseAddress, Int32(rows),
                        x.baseAddress, 1, 0, y.baseAddress, 1)
        }
    }

    /// Solves A x = b by LU with partial pivoting (`dgesv`); throws for a singular matrix.
    public func solve(_ b: [Double]) throws -> [Double] {
        guard rows == columns, b.count == rows else {
            throw LinearAlgebraError.invalidArgument("dense solve: matrix \(rows)×\(columns), right-hand side \(b.count)")
        }
        var a = values, x = b
        var pivots = [Int32](repeating: 0, count: rows)
        let info = LAPACKE_dgesv(LAPACK_COL_MAJOR, Int32(rows), 1, &a, Int32(rows), &pivots, &x, Int32(rows))
        if info > 0 { throw LinearAlgebraError.singular("U(\(info),\(info)) is exactly zero in dgesv") }
        if info < 0 { throw LinearAlgebraError.library("dgesv: argument \(-info) invalid") }
        return x
    }

    /// Eigenvalues of a symmetric matrix, ascending (`dsyev`).
    public func symmetricEigenvalues() throws -> [Double] {
        guard rows == columns else { throw LinearAlgebraError.invalidArgument("eigenvalues of a \(rows)×\(columns) matrix") }
        var a = values
        var w = [Double](repeating: 0, count: rows)
        let info = LAPACKE_dsyev(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "U")), Int32(rows), &a, Int32(rows), &w)
        if info != 0 { throw LinearAlgebraError.library("dsyev failed with info \(info)") }
        return w
    }
}
