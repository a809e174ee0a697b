import Configuration
import Foundation
import Krylov
import LinearAlgebra

extension PreconditionerEntry {
    /// Jacobi: M = diag(A).
    static let jacobi = PreconditionerEntry(name: "jacobi", help: "diagonal scaling, M = diag(A)", solvesSingular: true,
                                            workspace: { n, _, _ in 8 * n }) { a, _, _, _, _ in
        try JacobiPreconditioner(SolverRegistry.assembled(a, for: "jacobi"))
    }
}
