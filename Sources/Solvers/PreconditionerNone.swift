import Configuration
import Foundation
import Krylov
import LinearAlgebra

extension PreconditionerEntry {
    /// No preconditioning (M = I).
    static let none = PreconditionerEntry(name: "none", help: "no preconditioning", solvesSingular: true, matrixFree: true) { a, structure, _, _, _ in
        guard let rows = a?.rows ?? structure?.unknowns else { throw ComponentWiringError(description: "internal: 'none' got no matrix and no grid") }
        return IdentityPreconditioner(size: rows)
    }
}
