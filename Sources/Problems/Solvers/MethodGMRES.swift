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
        guard o.restart <= 1000 else { throw r.error("restart", "at most 1000 (each basis vector is a vector of the system's size), got \(o.restart)") }
        try r.finish()
        return o
    }
}

extension MethodEntry {
    /// Restarted GMRES, right-preconditioned by `[solver] preconditioner`.
    static let gmres = MethodEntry(
        name: "gmres", help: "restarted GMRES(m), right-preconditioned (any nonsingular matrix), [solver.gmres] restart",
        usesPreconditioner: true, iterative: true,
        options: { try GMRESOptions.read($0) },
        solve: { request, d in
            let spec = request.spec
            d.add("preconditioner", spec.preconditioner)
            let t0 = Date()
            guard let entry = SolverRegistry.preconditioner(spec.preconditioner) else {
                throw LinearAlgebraError.invalidArgument("unknown preconditioner '\(spec.preconditioner)'")
            }
            let m = try entry.build(request.matrix, request.structure, spec, carry: request.carry, &d)
            let setup = Date().timeIntervalSince(t0)
            let o = spec.options["gmres"] as? GMRESOptions ?? GMRESOptions()
            let options = IterativeOptions(rtol: spec.rtol, atol: spec.atol, maxIterations: spec.maxIterations,
                                           timeLimit: spec.timeLimit, recordHistory: true, monitor: request.monitor)
            d.add("gmres_restart", o.restart)
            d.add("rtol", max(spec.rtol, IterativeOptions.machineFloor)); d.add("atol", spec.atol)
            d.add("max_iterations", spec.maxIterations)
            d.add("stopping_rule", "true residual ||b - A x|| <= max(rtol ||b||, atol), recomputed at every restart")
            let a: any LinearOperator
            if spec.operatorForm == .stencil, let s = request.structure {
                a = try (m as? GeometricMultigrid)?.finestOperator ?? StencilOperator(axes: s.axes, nodeCoefficients: s.nodeCoefficients)
            } else {
                a = request.matrix
            }
            d.add("operator", spec.operatorForm.rawValue)
            request.view?(d)
            let gmres = try GMRES(matrix: a, preconditioner: m, restart: o.restart, options: options)
            var (x, result) = gmres.solve(request.rhs)
            result.setupSeconds = setup
            return (x, result)
        })
}
