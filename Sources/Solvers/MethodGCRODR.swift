import Configuration
import Foundation
import Krylov
import LinearAlgebra

/// `[solver.gcrodr] restart, recycle`.
public struct GCRODROptions: ComponentOptions, Equatable {
    /// m: recycled plus Arnoldi vectors per cycle (SKR's setting, 40).
    public var restart = 40
    /// k: harmonic Ritz vectors kept (SKR's setting, 20).
    public var recycle = 20
    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["restart"] = .integer(restart); t["recycle"] = .integer(recycle)
        return t
    }
    static func read(_ r: TableReader?) throws -> GCRODROptions {
        var o = GCRODROptions()
        guard let r else { return o }
        o.restart = try r.int("restart", default: 40, minimum: 3)
        o.recycle = try r.int("recycle", default: min(20, o.restart - 2), minimum: 1)
        guard o.restart <= 1000 else {
            throw r.error("restart", "at most 1000 (each basis vector is a vector of the system's size), got \(o.restart)")
        }
        guard o.recycle <= o.restart - 2 else {
            throw r.error("recycle",
                          "must leave at least two Arnoldi steps per cycle: recycle ≤ restart − 2 = \(o.restart - 2), got \(o.recycle)")
        }
        try r.finish()
        return o
    }
}

extension CarriedState.Key where Value == RecycleSpace {
    /// GCRO-DR's recycled subspace.
    static var gcrodr: Self { Self("gcrodr") }
}

extension CarriedState.Key where Value == GCRODR.Workspace {
    static var gcrodrWorkspace: Self { Self("gcrodr.workspace") }
}

extension MethodEntry {
    /// GCRO-DR: GMRES with deflated restarting whose recycle space a sweep carries to its next case.
    static let gcrodr = MethodEntry(
        name: "gcrodr",
        help: "GCRO-DR(m, k): recycling GMRES carrying harmonic Ritz vectors to a sweep's next case (any nonsingular matrix), [solver.gcrodr]",
        usesPreconditioner: true, iterative: true, acceptsInitialGuess: true, defaultInitialGuess: .projection, appliesOperatorForm: true,
        options: { try GCRODROptions.read($0) },
        workspace: { (n: Double, _: Int, o: GCRODROptions) -> Double in
            // V (m + 1), U, C and their next copies (k + 1 each), the carried space, w, z, r.
            Double(o.restart + 1 + 5 * (o.recycle + 1)) * 8 * n + 48 * n
        },
        solve: { (request: SolveRequest, o: GCRODROptions, d: inout SolverDescription) throws -> (x: [Double], result: SolveResult) in
            let (m, setup, options, a) = try SolverRegistry.krylovSetup(request, &d)
            let kept: RecycleSpace? = request.carry?.value(.gcrodr)
            d.add("gcrodr_restart", o.restart); d.add("gcrodr_recycle", o.recycle)
            d.add("gcrodr_recycled_vectors", kept.map { $0.length == a.rows ? $0.count : 0 } ?? 0)
            d.add("stopping_rule", "true residual ||b - A x|| <= max(rtol ||b||, atol), recomputed at every restart")
            // A projection on previous solutions is GCRO-DR's own, jointly with U (the others' is generic).
            var x = SolverRegistry.initialGuess(request, &d, operator: a, projectedBySolver: true)
            request.view?(d)
            // The blocks of the worker's previous GCRO-DR solve, when they fit (a sweep's cases reuse them).
            let solver = try GCRODR(matrix: a, preconditioner: m, restart: o.restart, recycle: o.recycle, options: options,
                                    workspace: request.carry?.value(.gcrodrWorkspace))
            request.carry?.set(.gcrodrWorkspace, solver.workspace)
            var solution = solver.solve(request.rhs, x: &x, space: kept, solutions: SolverRegistry.previousSolutions(request))
            SolverRegistry.describeStart(solution, request, &d)
            SolverRegistry.keepSolution(x, solution.result, request)
            request.carry?.set(.gcrodr, solution.space)
            d.add("gcrodr_recycle_products", solution.extraProducts)
            solution.result.setupSeconds = setup
            return (x, solution.result)
        })
}
