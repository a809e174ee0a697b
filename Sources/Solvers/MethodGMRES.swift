import Configuration
import Foundation
import Krylov
import LinearAlgebra
import Multigrid

/// `[solver.gmres] restart`.
public struct GMRESOptions: ComponentOptions, Equatable {
    public var restart: Int = 30
    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["restart"] = .integer(restart)
        return t
    }
    static func read(_ r: TableReader?) throws -> GMRESOptions {
        var o = GMRESOptions()
        guard let r else { return o }
        o.restart = try r.int("restart", default: 30, minimum: 1)
        guard o.restart <= 1000 else {
            throw r.error("restart", "at most 1000 (each basis vector is a vector of the system's size), got \(o.restart)")
        }
        try r.finish()
        return o
    }
}

extension CarriedState.Key where Value == VectorBlock {
    /// GMRES's Krylov basis, n × (m + 1).
    static var gmresBasis: Self { Self("gmres.basis") }
}

extension MethodEntry {
    /// Restarted GMRES, right-preconditioned by `[solver] preconditioner`.
    static let gmres = MethodEntry(
        name: "gmres", help: "restarted GMRES(m), right-preconditioned (any nonsingular matrix), [solver.gmres] restart",
        usesPreconditioner: true, iterative: true, acceptsInitialGuess: true, appliesOperatorForm: true,
        options: { try GMRESOptions.read($0) },
        workspace: { n, _, o in Double(o.restart + 1) * 8 * n + 48 * n },
        solve: { request, o, d in
            let (m, setup, options, a) = try SolverRegistry.krylovSetup(request, &d)
            d.add("gmres_restart", o.restart)
            d.add("stopping_rule", "true residual ||b - A x|| <= max(rtol ||b||, atol), recomputed at every restart")
            var x = SolverRegistry.initialGuess(request, &d, operator: a)
            request.view?(d)
            // The basis of the worker's previous GMRES solve, when it fits (a sweep's cases reuse it).
            let gmres = try GMRES(matrix: a, preconditioner: m, restart: o.restart, options: options, basis: request.carry?.value(.gmresBasis))
            request.carry?.set(.gmresBasis, gmres.basis)
            var result = gmres.solve(request.rhs, x: &x)
            SolverRegistry.keepSolution(x, result, request)
            result.setupSeconds = setup
            return (x, result)
        })
}
