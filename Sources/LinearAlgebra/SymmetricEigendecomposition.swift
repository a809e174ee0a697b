import COpenBLAS

/// A = V Λ Vᵀ for symmetric A by LAPACK's divide and conquer, `dsyevd` (the fastest LAPACK
/// driver when all eigenvectors are wanted). Only the upper triangle of A is read.
public struct SymmetricEigendecomposition: Sendable {
    /// Eigenvalues, ascending.
    public let eigenvalues: [Double]
    /// Orthonormal eigenvectors as columns, in the order of `eigenvalues`.
    public let eigenvectors: DenseMatrix

    /// From known parts (columns of `eigenvectors` orthonormal, in the order of `eigenvalues`).
    public init(eigenvalues: [Double], eigenvectors: DenseMatrix) {
        precondition(eigenvectors.columns == eigenvalues.count, "one eigenvector per eigenvalue")
        self.eigenvalues = eigenvalues; self.eigenvectors = eigenvectors
    }

    public init(_ a: DenseMatrix) throws {
        guard a.rows == a.columns else {
            throw LinearAlgebraError.invalidArgument("symmetric eigendecomposition of a \(a.rows)×\(a.columns) matrix")
        }
        try a.checkLAPACKSize("dsyevd")
        let n = a.rows
        var v = a.values
        var w = [Double](repeating: 0, count: n)
        if n > 0 {
            let info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "U")), Int32(n), &v, Int32(n), &w)
            if info > 0 { throw LinearAlgebraError.library("dsyevd: \(info) eigenvalues did not converge") }
            if info < 0 { throw LinearAlgebraError.library("dsyevd: argument \(-info) invalid") }
        }
        eigenvalues = w
        eigenvectors = DenseMatrix(rows: n, columns: n, values: v)
    }
}

extension SymmetricEigendecomposition {
    /// The eigenpairs of the symmetric tridiagonal matrix with `diagonal` (n) and `offDiagonal`
    /// (n − 1), by LAPACK's `dstev` (implicit QL/QR): Lanczos quadrature needs the first entry
    /// of every eigenvector.
    public static func tridiagonal(diagonal: [Double], offDiagonal: [Double]) throws -> SymmetricEigendecomposition {
        let n = diagonal.count
        guard offDiagonal.count == max(n - 1, 0) else {
            throw LinearAlgebraError.invalidArgument("tridiagonal: \(n) diagonal and \(offDiagonal.count) off-diagonal entries")
        }
        var d = diagonal, e = offDiagonal + [0]
        var z = [Double](repeating: 0, count: n * n)
        if n > 0 {
            let info = LAPACKE_dstev(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), Int32(n), &d, &e, &z, Int32(n))
            if info > 0 { throw LinearAlgebraError.library("dstev: \(info) off-diagonal elements did not converge") }
            if info < 0 { throw LinearAlgebraError.library("dstev: argument \(-info) invalid") }
        }
        return SymmetricEigendecomposition(eigenvalues: d, eigenvectors: DenseMatrix(rows: n, columns: n, values: z))
    }
}
