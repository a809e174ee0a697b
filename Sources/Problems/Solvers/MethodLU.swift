import Foundation
import LinearAlgebra

extension MethodEntry {
    /// Sparse LU by UMFPACK.
    static let lu = MethodEntry(
        name: "lu", help: "sparse LU by UMFPACK (any nonsingular matrix)",
        usesPreconditioner: false, iterative: false,
        solve: { request, d in
            let t0 = Date()
            let lu = try LUFactorization(request.matrix)
            d.add("umfpack_analyze_seconds", lu.analyzeSeconds); d.add("umfpack_factor_seconds", lu.factorSeconds)
            return DirectSolve.solve(request, factor: lu, setupSeconds: Date().timeIntervalSince(t0), &d)
        })
}
