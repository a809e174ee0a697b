import COpenBLAS
import Foundation

/// A = L Lᵀ for a dense symmetric positive definite A (`dpotrf`), with solves (`dpotrs`) and
/// the log-determinant 2 Σ log Lᵢᵢ — what Gaussian-process likelihoods need. Only the lower
/// triangle of A is read.
public struct DenseCholesky: Sendable {
    /// The factor L in the lower triangle (the strict upper triangle is zero).
    public let factor: DenseMatrix

    public init(_ a: DenseMatrix) throws {
        guard a.rows == a.columns else {
            throw LinearAlgebraError.invalidArgument("Cholesky of a \(a.rows)×\(a.columns) matrix")
        }
        try a.checkLAPACKSize("dpotrf")
        let n = a.rows
        var l = a.values
        if n > 0 {
            let info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), &l, Int32(n))
            if info > 0 { throw LinearAlgebraError.notPositiveDefinite(column: Int(info) - 1, size: n) }
            if info < 0 { throw LinearAlgebraError.library("dpotrf: argument \(-info) invalid") }
        }
        for j in 0..<n { for i in 0..<j { l[i + j * n] = 0 } }
        factor = DenseMatrix(rows: n, columns: n, values: l)
    }

    public var size: Int { factor.rows }

    /// Y ← Y A⁻¹ = Y L⁻ᵀ L⁻¹ for `rows` row-major rows of length n at `y` (each row a fibre):
    /// two `dtrsm`s on the factor, which read row-major is Lᵀ.
    public func solveRows(_ y: UnsafeMutablePointer<Double>, rows: Int) {
        let n = size
        guard n > 0, rows > 0 else { return }
        factor.values.withUnsafeBufferPointer { l in
            cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit,
                        Int32(rows), Int32(n), 1, l.baseAddress, Int32(n), y, Int32(n))
            cblas_dtrsm(CblasRowMajor, CblasRight, CblasUpper, CblasTrans, CblasNonUnit,
                        Int32(rows), Int32(n), 1, l.baseAddress, Int32(n), y, Int32(n))
        }
    }

    /// Y ← A⁻¹ Y = L⁻ᵀ L⁻¹ Y for an n × `columns` row-major block at `y` (fibres as columns).
    public func solveColumns(_ y: UnsafeMutablePointer<Double>, columns: Int) {
        let n = size
        guard n > 0, columns > 0 else { return }
        factor.values.withUnsafeBufferPointer { l in
            cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit,
                        Int32(n), Int32(columns), 1, l.baseAddress, Int32(n), y, Int32(columns))
            cblas_dtrsm(CblasRowMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit,
                        Int32(n), Int32(columns), 1, l.baseAddress, Int32(n), y, Int32(columns))
        }
    }

    /// log det A = 2 Σ log Lᵢᵢ (no overflow for large n, unlike det A itself).
    public var logDeterminant: Double {
        (0..<size).reduce(0) { $0 + 2 * log(factor[$1, $1]) }
    }

    /// X with A X = B, for the columns of B at once.
    public func solve(_ b: DenseMatrix) throws -> DenseMatrix {
        guard b.rows == size else {
            throw LinearAlgebraError.invalidArgument("Cholesky solve: matrix \(size)×\(size), right-hand side \(b.rows)×\(b.columns)")
        }
        var x = b.values
        var l = factor.values
        if size > 0 && b.columns > 0 {
            let info = LAPACKE_dpotrs(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), Int32(size), Int32(b.columns), &l, Int32(size), &x, Int32(size))
            if info != 0 { throw LinearAlgebraError.library("dpotrs: argument \(-info) invalid") }
        }
        return DenseMatrix(rows: b.rows, columns: b.columns, values: x)
    }

    public func solve(_ b: [Double]) throws -> [Double] {
        try solve(DenseMatrix(rows: b.count, columns: 1, values: b)).values
    }

    /// A⁻¹ from the factor (`dpotri`, n³/3 + n³/3 flops; solving against the identity costs
    /// 2n³), both triangles filled.
    public func inverse() throws -> DenseMatrix {
        let n = size
        var v = factor.values
        if n > 0 {
            let info = LAPACKE_dpotri(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "L")), Int32(n), &v, Int32(n))
            if info != 0 { throw LinearAlgebraError.library("dpotri: info \(info)") }
        }
        for j in 0..<n { for i in 0..<j { v[i + j * n] = v[j + i * n] } }
        return DenseMatrix(rows: n, columns: n, values: v)
    }
}
