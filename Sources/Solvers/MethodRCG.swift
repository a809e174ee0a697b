import Configuration
import Foundation
import Krylov
import LinearAlgebra

/// `[solver.rcg] recycle, collect`.
public struct RecyclingCGOptions: ComponentOptions, Equatable {
    public var recycle = 10
    public var collect = 20
    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["recycle"] = .integer(recycle); t["collect"] = .integer(collect)
        return t
    }
    static func read(_ r: TableReader?) throws -> RecyclingCGOptions {
        var o = RecyclingCGOptions()
        guard let r else { return o }
        o.recycle = try r.int("recycle", default: 10, minimum: 0)
        o.collect = try r.int("collect", default: 20, minimum: 1)
        guard o.recycle <= 200, o.collect <= 500 else {
            throw r.error(o.recycle > 200 ? "recycle" : "collect",
                          "too many vectors (recycle ≤ 200, collect ≤ 500): each is a vector of the system's size")
        }
        try r.finish()
        return o
    }
}

extension CarriedState.Key where Value == RecycleSpace {
    /// Recycled CG's deflation space.
    static var rcg: Self { Self("rcg") }
}

extension CarriedState.Key where Value == RecyclingCG.Workspace {
    static var rcgWorkspace: Self { Self("rcg.workspace") }
}

extension MethodEntry {
    /// Deflated CG whose deflation space (Ritz vectors) a sweep carries from case to case.
    static let rcg = MethodEntry(
        name: "rcg", help: "recycling CG: deflated CG carrying Ritz vectors to a sweep's next case (SPD sequences), [solver.rcg]",
        usesPreconditioner: true, iterative: true, needsSymmetricPreconditioner: true, acceptsInitialGuess: true,
        defaultInitialGuess: .projection, projectionNorm: .energy, appliesOperatorForm: true,
        options: { try RecyclingCGOptions.read($0) },
        validate: { a, structure, _, _ in SolverRegistry.symmetryProblem(a, "rcg", structure) },
        workspace: { n, _, o in
            56 * n + Double(2 * (o.recycle + o.collect) + o.recycle) * 8 * n  // W, AW, directions, products
        },
        solve: { request, o, d in
            let (m, setup, options, a) = try SolverRegistry.krylovSetup(request, &d)
            let kept = request.carry?.value(.rcg)
            d.add("rcg_recycled_vectors", kept.map { $0.length == a.rows ? $0.count : 0 } ?? 0)
            d.add("stopping_rule", "true residual ||b - A x|| <= max(rtol ||b||, atol)")
            // A projection on previous solutions is joint with the deflation space W (Galerkin on both).
            var x = SolverRegistry.initialGuess(request, &d, operator: a, projectedBySolver: true)
            request.view?(d)
            // The blocks of the worker's previous solve, when they fit (a sweep's cases reuse them).
            let rcg = try RecyclingCG(matrix: a, preconditioner: m, recycle: o.recycle, collect: o.collect, options: options,
                                      workspace: request.carry?.value(.rcgWorkspace))
            var solution = rcg.solve(request.rhs, x: &x, space: kept, solutions: SolverRegistry.previousSolutions(request))
            SolverRegistry.describeStart(solution, request, &d)
            SolverRegistry.keepSolution(x, solution.result, request)
            request.carry?.set(.rcg, solution.space)
            request.carry?.set(.rcgWorkspace, rcg.workspace)
            d.add("rcg_deflation_products", solution.extraProducts)
            solution.result.setupSeconds = setup
            return (x, solution.result)
        })
}
