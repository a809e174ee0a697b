import Configuration
import Foundation
import Krylov
import LinearAlgebra

extension PreconditionerEntry {
    /// IC(0): incomplete Cholesky with the pattern of A.
    static let ic0 = PreconditionerEntry(
        name: "ic0", help: "incomplete Cholesky with zero fill, natural ordering; diagonal shift on breakdown",
        workspace: { n, d, _ in Workspace.triangle(n, d) + 8 * n }
    ) { a, _, _, _, d in
        let ic = try IncompleteCholeskyPreconditioner(SolverRegistry.assembled(a, for: "ic0"))
        d.add("ic0_shift", ic.shift)
        return ic
    }
}
