import Configuration
import Foundation
import LinearAlgebra
import Multigrid

extension MultigridOptions: ComponentOptions {
    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["cycle"] = .string(cycle.rawValue)
        t["coarse_operator"] = .string(coarseOperator.rawValue)
        t["pre_smooth"] = .integer(preSmooth); t["post_smooth"] = .integer(postSmooth)
        t["smoother"] = .string(smoother.rawValue)
        if let levels { t["levels"] = .integer(levels) }
        if let coarseSize { t["coarse_size"] = .integer(coarseSize) }
        if smoother == .jacobi, let omega { t["omega"] = .double(omega) }
        return t
    }

    /// `[solver.gmg]`: cycle, coarse_operator, pre_smooth, post_smooth, smoother, levels, coarse_size, omega.
    static func read(_ r: TableReader?) throws -> MultigridOptions {
        var o = MultigridOptions()
        guard let r else { return o }
        o.cycle = Cycle(rawValue: try r.string("cycle", default: "v", oneOf: Cycle.allCases.map(\.rawValue)))!
        o.coarseOperator = CoarseOperator(rawValue: try r.string("coarse_operator", default: "rediscretised",
                                                                 oneOf: CoarseOperator.allCases.map(\.rawValue)))!
        o.preSmooth = try r.int("pre_smooth", default: 1, minimum: 0, maximum: 100)
        o.postSmooth = try r.int("post_smooth", default: 1, minimum: 0, maximum: 100)
        guard o.preSmooth + o.postSmooth >= 1 else { throw r.error("post_smooth", "pre_smooth + post_smooth must be at least 1") }
        guard o.preSmooth <= 100, o.postSmooth <= 100 else {
            throw r.error(o.preSmooth > 100 ? "pre_smooth" : "post_smooth", "at most 100 sweeps")
        }
        o.smoother = Smoother(rawValue: try r.string("smoother", default: "gauss_seidel", oneOf: Smoother.allCases.map(\.rawValue)))!
        if r.has("levels") { o.levels = try r.int("levels", default: 1, minimum: 1) }
        if r.has("coarse_size") { o.coarseSize = try r.int("coarse_size", default: 1000, minimum: 1) }
        if r.has("omega") {
            let omega = try r.double("omega", default: 1)
            guard omega > 0, omega <= 1 else { throw r.error("omega", "the Jacobi weight must lie in (0, 1], got \(omega)") }
            guard o.smoother == .jacobi else { throw r.error("omega", "applies to smoother = \"jacobi\" only") }
            o.omega = omega
        }
        try r.finish()
        return o
    }

    /// Builds the hierarchy and records it for `--view` and `[solver_details]`.
    static func hierarchy(_ structure: GridStructure?, _ o: MultigridOptions, _ d: inout SolverDescription) throws -> GeometricMultigrid {
        guard let structure else { throw LinearAlgebraError.invalidArgument(SolverRegistry.needsGrid(nil, "gmg")!) }
        let mg = try GeometricMultigrid(structure: structure, options: o)
        d.add("gmg_levels", mg.levelShapes.count)
        d.add("gmg_level_sizes", mg.levelShapes.map { $0.map(String.init).joined(separator: "x") }.joined(separator: ", "))
        d.add("gmg_coarse_operator", o.coarseOperator == .galerkin ? "galerkin (R A P, CSR)" : "rediscretised (full-weighted node coefficients)")
        d.add("gmg_coarse_solver", "cholmod")
        d.add("gmg_coarse_size", o.coarseSize ?? MultigridOptions.defaultCoarseSize(unknowns: mg.rows))
        d.add("gmg_grid_complexity", mg.gridComplexity)
        d.add("gmg_setup_seconds", mg.setupSeconds)
        return mg
    }

}

extension MethodEntry {
    /// Geometric multigrid cycles as the solver.
    static let gmg = MethodEntry(
        name: "gmg", help: "geometric multigrid cycles, matrix-free on the grid (pde problems), [solver.gmg]",
        usesPreconditioner: false, iterative: true, solvesSingular: true, singularNeedsGrid: true, matrixFree: true,
        options: { try MultigridOptions.read($0) },
        validate: { a, structure, _, _ in
            SolverRegistry.needsGrid(structure, "gmg") ?? SolverRegistry.symmetryProblem(a, "gmg", structure)
        },
        workspace: { n, d, _ in Workspace.gmg(n, d) + 16 * n },
        solve: { request, o, d in
            try SolverRegistry.cycleSolve(request, &d) { d in try MultigridOptions.hierarchy(request.structure, o, &d) }
        })
}

extension PreconditionerEntry {
    /// One geometric multigrid cycle per application.
    static let gmg = PreconditionerEntry(
        name: "gmg", help: "one geometric multigrid V- or W-cycle (pde problems), [solver.gmg]", solvesSingular: true,
        singularNeedsGrid: true, matrixFree: true,
        options: { try MultigridOptions.read($0) },
        validate: { _, structure, spec, o in
            if let problem = SolverRegistry.needsGrid(structure, "gmg") { return problem }
            return SolverRegistry.symmetricCycleProblem(spec, "gmg", cycle: o.cycle, preSmooth: o.preSmooth, postSmooth: o.postSmooth)
        },
        workspace: { n, d, _ in Workspace.gmg(n, d) },
        make: { _, structure, o, _, d in try MultigridOptions.hierarchy(structure, o, &d) })
}
