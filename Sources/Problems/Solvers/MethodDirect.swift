import Foundation
import LinearAlgebra

extension MethodEntry {
    /// Sparse Cholesky by CHOLMOD.
    static let direct = MethodEntry(
        name: "direct", help: "sparse Cholesky by CHOLMOD, supernodal (SPD matrices)",
        usesPreconditioner: false, iterative: false,
        validate: { a, _, _ in SolverRegistry.symmetryProblem(a, "direct") },
        workspace: { n, d, _ in Workspace.factor(n, d) + 16 * n },
        solve: { request, d in
            let t0 = Date()
            // A sweep's previous case with the same pattern: refactor, skipping the analysis.
            let c: CholeskyFactorization
            if let kept = request.carry?.value("cholmod", as: CholeskyFactorization.self), kept.hasPattern(of: request.matrix) {
                do { try kept.refactor(values: request.matrix.values) } catch { request.carry?.set("cholmod", nil); throw error }
                c = kept
                d.add("analysis_reused", true)
            } else {
                request.carry?.set("cholmod", nil)  // free the old factor before making a new one
                c = try CholeskyFactorization(request.matrix)
                request.carry?.set("cholmod", c)
                d.add("analysis_reused", false)
            }
            d.add("cholmod_analyze_seconds", c.analyzeSeconds); d.add("cholmod_factor_seconds", c.factorSeconds)
            d.add("cholmod_factor_nonzeros", c.factorNonzeros); d.add("cholmod_supernodal", c.isSupernodal)
            return DirectSolve.solve(request, factor: c, setupSeconds: Date().timeIntervalSince(t0), &d)
        })
}
