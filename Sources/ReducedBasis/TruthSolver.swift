import LinearAlgebra

/// The truth solves of a family: CHOLMOD on one sparsity pattern, analysed once and refactored
/// numerically for each matrix (every member of a family shares the pattern of its first).
/// Not thread-safe: one per family and stage.
public final class TruthSolver {
    private var factor: CholeskyFactorization?
    public init() {}

    public func solve(_ a: CSRMatrix, _ f: [Double]) throws -> [Double] {
        if let factor { try factor.refactor(values: a.values) } else { factor = try CholeskyFactorization(a) }
        return factor!.solve(f)
    }
}
