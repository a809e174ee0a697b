/// Errors thrown by the linear-algebra layer: bad arguments and C-library failures.
/// Each message names the sizes, the pivot or the library status that went wrong.
public enum LinearAlgebraError: Error, CustomStringConvertible, Equatable {
    case invalidArgument(String)
    /// Cholesky met a non-positive pivot; `column` is 0-based.
    case notPositiveDefinite(column: Int, size: Int)
    case notSymmetric(relativeAsymmetry: Double)
    case singular(String)
    case library(String)
    /// A C library could not allocate (CHOLMOD_OUT_OF_MEMORY, UMFPACK's out_of_memory): the
    /// input is too large for the memory this process may use, not a defect.
    case outOfMemory(String)

    public var description: String {
        switch self {
        case .invalidArgument(let m): m
        case .notPositiveDefinite(let c, let n):
            "matrix is not positive definite (Cholesky pivot \(c + 1) of \(n) is not positive)"
        case .notSymmetric(let r):
            "matrix is not symmetric (largest |A-Aᵀ| is \(r) of the largest |A| entry)"
        case .singular(let m): "matrix is singular: \(m)"
        case .library(let m): m
        case .outOfMemory(let m): "out of memory: \(m)"
        }
    }
}
