import Foundation
import Krylov
import LinearAlgebra

extension PreconditionerEntry {
    static let none = PreconditionerEntry(name: "none", help: "no preconditioning", solvesSingular: true) { a, _, _, _, _ in
        IdentityPreconditioner(size: a.rows)
    }

    static let jacobi = PreconditionerEntry(name: "jacobi", help: "diagonal scaling, M = diag(A)", solvesSingular: true,
                                            workspace: { n, _, _ in 8 * n }) { a, _, _, _, _ in
        try JacobiPreconditioner(a)
    }

    static let ic0 = PreconditionerEntry(
        name: "ic0", help: "incomplete Cholesky with zero fill, natural ordering; diagonal shift on breakdown",
        workspace: { n, d, _ in Workspace.triangle(n, d) + 8 * n }
    ) { a, _, _, _, d in
        let ic = try IncompleteCholeskyPreconditioner(a)
        d.add("ic0_shift", ic.shift)
        return ic
    }

    static let cholmod = PreconditionerEntry(
        name: "cholmod", help: "exact Cholesky factor by CHOLMOD (CG then converges in one step)",
        workspace: { n, d, _ in Workspace.factor(n, d) }
    ) { a, _, _, _, d in
        let c = try CholeskyFactorization(a)
        d.add("cholmod_factor_nonzeros", c.factorNonzeros)
        return c
    }
}
