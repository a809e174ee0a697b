import LinearAlgebra

/// Jacobi (diagonal) preconditioning, M = diag(A).
///
/// Its application is fused with the rᵀz product PCG needs, one pass over three vectors.
/// A zero diagonal entry is an error at setup (M would not exist); a negative one is accepted
/// and shows up in PCG as `diverged_indefinite_preconditioner`, as in PETSc.
public struct JacobiPreconditioner: Preconditioner {
    public let rows: Int
    public var columns: Int { rows }
    public var name: String { "jacobi" }
    public let setupSeconds: Double = 0
    /// 1 / aᵢᵢ
    public let inverseDiagonal: [Double]

    public init(_ a: CSRMatrix) throws {
        let d = a.diagonal()
        if let i = d.firstIndex(where: { $0 == 0 || !$0.isFinite }) {
            throw LinearAlgebraError.invalidArgument("Jacobi: diagonal entry of row \(i + 1) is \(d[i])")
        }
        rows = a.rows
        inverseDiagonal = d.map { 1 / $0 }
    }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        _ = applyAndDotWithInput(x, into: y)
    }

    public func applyAndDotWithInput(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) -> Double {
        inverseDiagonal.withUnsafeBufferPointer { Vec.scaleAndDot($0, r, into: z) }
    }
}
