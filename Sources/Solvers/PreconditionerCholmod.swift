import Configuration
import Foundation
import Krylov
import LinearAlgebra

extension PreconditionerEntry {
    /// The exact Cholesky factor as a preconditioner (a check of the Krylov wrapper; CG converges in one step).
    static let cholmod = PreconditionerEntry(
        name: "cholmod", help: "exact Cholesky factor by CHOLMOD (CG then converges in one step)",
        workspace: { n, d, _ in Workspace.factor(n, d) }
    ) { a, _, _, _, d in
        let c = try CholeskyFactorization(SolverRegistry.assembled(a, for: "cholmod"))
        d.add("cholmod_factor_nonzeros", c.factorNonzeros)
        return c
    }
}
