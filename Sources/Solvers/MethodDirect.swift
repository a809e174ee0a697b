import Configuration
import Foundation
import LinearAlgebra

extension MethodEntry {
    /// Sparse Cholesky by CHOLMOD.
    static let direct = MethodEntry(
        name: "direct", help: "sparse Cholesky by CHOLMOD, supernodal (SPD matrices)",
        usesPreconditioner: false, iterative: false,
        validate: { a, structure, _ in SolverRegistry.symmetryProblem(a, "direct", structure) },
        workspace: { n, d, _ in Workspace.factor(n, d) + 16 * n },
        solve: { request, d in
            let t0 = Date()
            let c: CholeskyFactorization = try DirectSolve.factor(request, key: .cholmod, &d)
            d.add("cholmod_analyze_seconds", c.analyzeSeconds); d.add("cholmod_factor_seconds", c.factorSeconds)
            d.add("cholmod_factor_nonzeros", c.factorNonzeros); d.add("cholmod_supernodal", c.isSupernodal)
            return DirectSolve.solve(request, factor: c, operator: try request.assembled(for: "direct"),
                                     setupSeconds: Date().timeIntervalSince(t0), &d)
        })
}
