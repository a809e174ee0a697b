import Configuration
import Foundation
import Krylov
import LinearAlgebra

extension PreconditionerEntry {
    /// No preconditioning (M = I).
    static let none = PreconditionerEntry(name: "none", help: "no preconditioning", solvesSingular: true) { a, _, _, _, _ in
        IdentityPreconditioner(size: a.rows)
    }
}
