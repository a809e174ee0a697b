import Solvers
import Foundation
import LinearAlgebra
import Problems

/// The runner's door to the solver registry (the `Solvers` target): validates a `[solver]` choice
/// against an assembled system and runs the chosen method. Names map to types only in the
/// registry entries, one file each.
public enum SolverFactory {
    public typealias Description = SolverDescription

    /// Method and preconditioner against the matrix, before any setup (symmetry for CG and
    /// CHOLMOD, a grid and a constant coefficient for the FFT solver). `error(key, message)`
    /// locates a failure at `[solver] key` (a dotted key, `amg.block_size`, for a component's
    /// own table).
    /// `singular`: A has the constants as null space (a grid without a Dirichlet side, or a
    /// linear system with `nullspace = "constants"`).
    public static func validate(_ spec: SolverSpec, matrix: CSRMatrix?, structure: GridStructure?, singular: Bool,
                                error: (String, String) -> Error) throws {
        guard let method = spec.methodEntry else { throw error("method", "unknown method '\(spec.method)'") }
        // Each component's own options against the matrix, named by their key in its table.
        for name in spec.componentsInUse {
            if let options = spec.options[name], let matrix, let problem = options.problem(for: matrix) {
                throw error("\(name).\(problem.key)", problem.message)
            }
        }
        if let problem = method.validate(matrix, structure, spec) { throw error("method", problem) }
        let singularAdvice = SolverRegistry.singularAdvice(onGrid: structure != nil)
        if singular && !method.solvesSingular { throw error("method", "'\(spec.method)' cannot solve this system: " + singularAdvice) }
        // A component that pins the constants from the grid's description (AMG's coarsest
        // level) does not see a linear system's declared null space.
        if singular && structure == nil && method.singularNeedsGrid {
            throw error("method", "'\(spec.method)' cannot serve this system yet: " + singularAdvice)
        }
        if spec.operatorForm == .stencil, structure == nil || structure!.lowerOrderTerms {
            throw error("operator", "\"stencil\" applies the grid's -div(a grad u) stencil: it needs a kind = \"pde\" problem "
                + "without velocity or reaction terms")
        }
        if method.usesPreconditioner {
            guard let p = SolverRegistry.preconditioner(spec.preconditioner) else {
                throw error("preconditioner", "unknown preconditioner '\(spec.preconditioner)'")
            }
            if let problem = p.validate(matrix, structure, spec) { throw error("preconditioner", problem) }
            if singular && !p.solvesSingular { throw error("preconditioner", "'\(spec.preconditioner)' cannot serve this system: " + singularAdvice) }
            if singular && structure == nil && p.singularNeedsGrid {
                throw error("preconditioner", "'\(spec.preconditioner)' cannot serve this system yet: " + singularAdvice)
            }
        }
    }

    /// Solves A x = b as `spec` says. Throws for setup failures (not SPD, singular, ...);
    /// a solve that does not converge returns normally with a negative reason.
    public static func solve(_ a: CSRMatrix?, _ b: [Double], _ spec: SolverSpec, structure: GridStructure? = nil,
                             monitor: (@Sendable (ResidualRecord) -> Void)?,
                             view: ((Description) -> Void)? = nil,
                             carry: CarriedState? = nil) throws -> (x: [Double], result: SolveResult, description: Description) {
        guard let method = spec.methodEntry else { throw LinearAlgebraError.invalidArgument("unknown method '\(spec.method)'") }
        var d = Description()
        d.add("method", spec.method)
        d.add("rows", b.count)
        if let a { d.add("nonzeros", a.nonzeros) } else { d.add("matrix", "not assembled (the solve applies the grid's stencil)") }
        if let structure {
            d.add("coefficient_contrast", structure.coefficientContrast)
            if let pe = structure.cellPeclet { d.add("cell_peclet", pe) }
        }
        let request = SolveRequest(matrix: a, rhs: b, spec: spec, structure: structure, monitor: monitor, view: view, carry: carry)
        var (x, result) = try method.solve(request, &d)
        // A start projected on previous solutions is work of this solve (its products with A).
        if let seconds = d.table["initial_guess_seconds"]?.number { result.solveSeconds += seconds }
        SolverRegistry.noteIterations(result, request, d)
        return (x, result, d)
    }
}
