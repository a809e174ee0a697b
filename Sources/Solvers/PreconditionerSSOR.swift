import Configuration
import Foundation
import Krylov
import LinearAlgebra

extension SSORPreconditioner.Options: ComponentOptions {
    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["omega"] = .double(omega)
        return t
    }
}

extension PreconditionerEntry {
    /// Symmetric SOR, `[solver.ssor] omega`.
    static let ssor = PreconditionerEntry(
        name: "ssor", help: "symmetric SOR, [solver.ssor] omega in (0, 2), default 1",
        solvesSingular: true,
        options: { r in
            guard let r else { return SSORPreconditioner.Options() }
            let omega = try r.double("omega", default: 1)
            guard omega > 0, omega < 2 else { throw r.error("omega", "must lie in (0, 2), got \(omega)") }
            try r.finish()
            return SSORPreconditioner.Options(omega: omega)
        },
        workspace: { n, _, _ in 8 * n }
    ) { a, _, o, _, d in
        d.add("ssor_omega", o.omega)
        return try SSORPreconditioner(SolverRegistry.assembled(a, for: "ssor"), omega: o.omega)
    }
}
