import Configuration
import Foundation
import LinearAlgebra

extension MethodEntry {
    /// Sparse LU by UMFPACK.
    static let lu = MethodEntry(
        name: "lu", help: "sparse LU by UMFPACK (any nonsingular matrix)",
        usesPreconditioner: false, iterative: false,
        workspace: { n, d, _ in Workspace.factor(n, d) + 16 * n },
        solve: { request, d in
            let t0 = Date()
            let lu: LUFactorization = try DirectSolve.factor(request, key: .umfpack, &d)
            d.add("umfpack_analyze_seconds", lu.analyzeSeconds); d.add("umfpack_factor_seconds", lu.factorSeconds)
            return DirectSolve.solve(request, factor: lu, operator: try request.assembled(for: "lu"),
                                     setupSeconds: Date().timeIntervalSince(t0), &d)
        })
}
