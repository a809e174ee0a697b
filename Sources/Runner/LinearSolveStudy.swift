import Solvers
import Configuration
import Discretisation
import Foundation
import LinearAlgebra
import Problems
import Storage

/// The two kinds this study solves, as their sections.
fileprivate extension ProblemSpec {
    var pde: PDESpec? { physics as? PDESpec }
    var system: SystemSpec? { physics as? SystemSpec }
}

/// The linear solve, the first study: assemble (kind `pde`) or read (kind `linear_system`)
/// A x = b, solve it with the `[solver]` method, and report the solution, the residual history
/// and the errors against an exact solution or a reference.
public struct LinearSolveStudy: Study {
    public init() {}
    public let kinds = ["pde", "linear_system"]
    public let sweepColumns = ["reason", "iterations", "relative_residual", "rhs_mean_removed", "relative_l2_error", "max_abs_error", "h",
                               "observed_order", "assemble_seconds", "setup_seconds", "solve_seconds"]

    public func check(_ spec: ProblemSpec, carry: CarriedState?) throws { _ = try Self.prepare(spec) }
    /// `observed_order` from the rows that differ only in `pde.grid`.
    public func finishSweepTable(_ records: [[String]]) -> [[String]] { ObservedOrder.fill(records) }
    /// `--view` prints the solver as built, from inside `solve` (`viewText`).
    public func view(_ spec: ProblemSpec) -> String? { nil }
    public func writesVTK(_ spec: ProblemSpec) -> Bool { spec.pde != nil }
    public func stackShape(_ spec: ProblemSpec, carry: CarriedState?) throws -> [Int]? {
        spec.pde?.grid.shape ?? spec.system.map { [$0.matrix.rows] }
    }

    /// `[sweep] order = "nearest"`: cases ordered by the distance between their coefficient
    /// fields (`CaseOrdering`). Linear systems, and sweeps whose grids differ between cases,
    /// keep the file order.
    public func order(_ specs: [ProblemSpec]) -> [Int] {
        var features: [[Double]] = []
        for spec in specs {
            guard let pde = spec.pde, let a = try? DiffusionAssembly.nodeCoefficients(pde.discretisation) else { return Array(specs.indices) }
            features.append(CaseOrdering.subsample(a))
        }
        guard let length = features.first?.count, features.allSatisfy({ $0.count == length }) else { return Array(specs.indices) }
        return CaseOrdering.nearest(features)
    }

    /// The assembled, validated system of one problem: everything short of solving.
    struct Prepared {
        /// nil when no component needs it (`SolverSpec.needsAssembledMatrix`).
        var matrix: CSRMatrix?
        var rhs: [Double]
        var exact: [Double]?
        var shape: [Int]
        var structure: GridStructure?
        /// A has the constants as null space: no Dirichlet side, or `[system] nullspace`.
        var singular: Bool
        var assembleSeconds: Double
        var reference: [Double]?
        /// f at the unknowns for a field right-hand side (`AssembledProblem.source`).
        var source: [Double]? = nil
    }

    /// Every check that does not need a solve: memory, assembly (coefficient positive, fields
    /// finite), method against matrix (symmetry, FFT needs), reference file. `check` runs this.
    static func prepare(_ spec: ProblemSpec) throws -> Prepared {
        let t0 = Date()
        var p: Prepared
        if let pde = spec.pde {
            let a: AssembledProblem
            let matrix = spec.solver.needsAssembledMatrix
            do { a = try DiffusionAssembly.assemble(pde.discretisation, matrix: matrix) } catch let e as AssemblyError {
                throw spec.document.error(["pde", e.key], e.message)
            }
            p = Prepared(matrix: a.assembledMatrix, rhs: a.rhs, exact: a.exact, shape: a.shape, structure: a.structure,
                         singular: a.structure.isSingular, assembleSeconds: 0, reference: nil, source: a.source)
        } else if let s = spec.system {
            p = Prepared(matrix: s.matrix, rhs: s.rhs, exact: s.exact, shape: [s.matrix.rows], structure: nil,
                         singular: s.constantNullspace, assembleSeconds: 0, reference: nil)
        } else {
            throw RunError(.internal, "\(spec.document.path): the linear solve does not take kind '\(spec.kind)'")
        }
        p.assembleSeconds = Date().timeIntervalSince(t0)
        try SolverFactory.validate(spec.solver, matrix: p.matrix, structure: p.structure, singular: p.singular) { key, message in
            spec.document.error(["solver"] + key.split(separator: ".").map(String.init), message)
        }
        // [output] reference: the same figures against a stored solution.
        if let ref = spec.output.reference {
            let url = spec.document.resolve(ref)
            let array: NPYArray
            do { array = try NPY.read(url) } catch let e as StorageError { throw spec.document.error(["output", "reference"], e.description) }
            guard array.values.count == p.rhs.count else {
                throw spec.document.error(["output", "reference"], "\(ref) has shape \(array.shape), the solution has shape \(p.shape)")
            }
            if let i = array.values.firstIndex(where: { !$0.isFinite }) {
                throw spec.document.error(["output", "reference"], "\(ref) holds \(array.values[i]) at flat index \(i); a reference must be finite")
            }
            p.reference = array.values
        }
        return p
    }


    public func solve(_ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome {
        var system = try Self.prepare(spec)
        // No Dirichlet side: A is symmetric with the constants as null space, so A u = b is
        // solvable for zero-mean b and u is unique up to a constant. As PETSc's null-space
        // removal: b loses its mean (its size reported, relative to ‖b‖ — the discrete
        // compatibility defect), the solution and the exact one are compared at zero mean.
        let singular = system.singular
        var rhsMeanRemoved = 0.0, givenNorm = 0.0
        if singular {
            let n = Double(system.rhs.count), norm = system.rhs.norm2
            let mean = system.rhs.reduce(0, +) / n
            givenNorm = norm
            rhsMeanRemoved = norm > 0 ? abs(mean) * n.squareRoot() / norm : 0
            system.rhs = system.rhs.map { $0 - mean }
            system.exact = system.exact.map { e in let m = e.reduce(0, +) / n; return e.map { $0 - m } }
        }
        let reporter = IterationReporter(monitor: context.monitor, progress: context.progress, rtol: spec.solver.rtol, write: context.write)
        let solved: (x: [Double], result: SolveResult, description: SolverFactory.Description)
        do {
            solved = try SolverFactory.solve(system.matrix, system.rhs, spec.solver, structure: system.structure,
                                             monitor: reporter.callback, view: { d in
                if context.view { context.write(Self.viewText(spec, d)) }
            }, carry: context.carry)
        } catch let e as LinearAlgebraError {
            // A factorisation that fails (a pivot, a zero diagonal) is the input meeting the
            // method: name the key that chose it. A C library's own failure stays internal.
            switch e { case .library, .outOfMemory: throw e; default: break }
            let key = spec.solver.methodEntry?.usesPreconditioner == true ? "preconditioner" : "method"
            throw spec.document.error(["solver", key], e.description + Self.singularAdvice(e, spec))
        }
        var (x, result, description) = solved
        reporter.finish()
        if singular { let m = x.reduce(0, +) / Double(x.count); x = x.map { $0 - m } }
        // The stopping rule is about the system given: A x is mean-free, so ‖b − A x‖² is the
        // removed part's square plus the projected residual's. A removed mean above the
        // tolerance means A x = b has no solution to it (the right-hand side violates the
        // compatibility condition): the least-squares solution is written, but not converged.
        let incompatible = singular && result.reason.converged
            && rhsMeanRemoved * givenNorm > max(spec.solver.rtol * givenNorm, spec.solver.atol)
        if incompatible { result.reason = .diverged_null }
        switch result.reason {
        case .diverged_indefinite_matrix:
            throw spec.document.error(["solver", "method"], "the matrix is not positive definite (CG found pᵀAp ≤ 0 at iteration "
                + "\(result.iterations + 1))"
                                      + Self.singularAdvice(.notPositiveDefinite(column: 0, size: 0), spec))
        case .diverged_indefinite_preconditioner:
            throw spec.document.error(["solver", "preconditioner"],
                                      "'\(spec.solver.preconditioner)' is not positive definite for this matrix (is A SPD?)")
        default: break
        }

        let exact = system.exact.map { Comparison(x, $0) }
        let reference = system.reference.map { Comparison(x, $0) }
        var history = CSVTable(header: ["iteration", "residual_norm", "relative_residual", "seconds"])
        for r in result.history {
            history.append(["\(r.iteration)", CSV.format(r.residualNorm), CSV.format(r.relativeResidual), CSV.format(r.seconds)])
        }
        var res = ConfigTable()
        res["iterations"] = .integer(result.iterations)
        res["residual_norm"] = .double(result.residualNorm)
        res["relative_residual"] = .double(result.relativeResidual)
        res["assemble_seconds"] = .double(system.assembleSeconds)
        res["setup_seconds"] = .double(result.setupSeconds)
        res["solve_seconds"] = .double(result.solveSeconds)
        if let exact {
            res["relative_l2_error"] = .double(exact.relativeL2)
            res["max_abs_error"] = .double(exact.maxAbs)
        }
        if singular {
            res["nullspace"] = .string("constants (\(spec.pde == nil ? "[system] nullspace" : "no Dirichlet side")): solution and exact solution "
                + "at zero mean")
            res["rhs_mean_removed"] = .double(rhsMeanRemoved)
        }
        var tables: [(name: String, table: ConfigTable)] = []
        if let reference {
            var t = reference.table
            t["file"] = .string(spec.output.reference!)
            tables.append(("reference", t))
        }
        var details = description.table
        if !spec.solver.unusedOptions.isEmpty { details["unused_options"] = .array(spec.solver.unusedOptions.map { .string("solver.\($0)") }) }
        tables.append(("solver_details", details))

        var summary = "\(result.reason.name) in \(result.iterations) iteration(s), relative residual "
            + String(format: "%.3e", result.relativeResidual)
            + String(format: ", assemble %.3f s, setup %.3f s, solve %.3f s", system.assembleSeconds, result.setupSeconds, result.solveSeconds)
        if let exact { summary += String(format: "; error vs exact: relative L2 %.3e, max %.3e", exact.relativeL2, exact.maxAbs) }
        if let c = reference { summary += String(format: "; vs reference: relative L2 %.3e, max %.3e", c.relativeL2, c.maxAbs) }
        if singular { summary += String(format: "; singular (constant null space): right-hand side mean removed (%.2e of its norm), solution at "
            + "zero mean", rhsMeanRemoved) }

        func f(_ x: Double?) -> String { x.map(CSV.format) ?? "" }
        let values: [String: String] = [
            "reason": result.reason.name, "iterations": "\(result.iterations)", "relative_residual": f(result.relativeResidual),
            "rhs_mean_removed": singular ? f(rhsMeanRemoved) : "",
            "relative_l2_error": f(exact?.relativeL2 ?? reference?.relativeL2), "max_abs_error": f(exact?.maxAbs ?? reference?.maxAbs),
            "h": f(spec.pde?.grid.axes.map(\.spacing).max()), "assemble_seconds": f(system.assembleSeconds),
            "setup_seconds": f(result.setupSeconds), "solve_seconds": f(result.solveSeconds),
        ]
        // The coordinates of the unknowns per axis (x.npy, y.npy, z.npy and [coordinates] in
        // run.toml): the spacing rule differs for Dirichlet, Neumann and periodic sides.
        var arrays = [NamedArray(name: "solution", shape: system.shape, values: x)]
        var pointData: [NamedArray] = []
        if let grid = spec.pde?.grid {
            var coordinates = ConfigTable()
            for (name, axis) in zip(["x", "y", "z"], grid.axes) {
                let c = (0..<axis.unknowns).map { axis.coordinate(node: axis.node(ofUnknown: $0)) }
                arrays.append(NamedArray(name: name, shape: [c.count], values: c))
                coordinates[name] = .array(c.map { .double($0) })
            }
            tables.insert(("coordinates", coordinates), at: 0)
            // The coefficient when it varies: the input of an input–output pair for learning.
            // Written at every node the stencil reads, the Dirichlet boundary nodes included
            // (Grid.nodeShape), so that the operator can be re-assembled from the files alone
            // and the array fed back as { npy = ... } gives the same system bit for bit.
            // solution.vti takes its values at the unknowns.
            if let nodes = system.structure?.nodeCoefficients, let first = nodes.first, nodes.contains(where: { $0 != first }) {
                arrays.insert(NamedArray(name: "coefficient", shape: grid.nodeShape, values: nodes), at: 1)
                pointData.append(NamedArray(name: "coefficient", shape: system.shape, values: grid.atUnknowns(nodes)))
            }
            // The right-hand side f at the unknowns when it is a field (random or from a file),
            // so that a dataset holds every input the solve reads and rhs = { npy = ... } gives
            // the system back bit for bit. An expression's f goes to solution.vti only: run.toml
            // holds the expression, and a copy in rhs.npy was 8 MB more to write at 1024².
            if let source = system.source {
                arrays.append(NamedArray(name: "rhs", shape: system.shape, values: source))
            } else if spec.output.vtk, let pde = spec.pde {
                pointData.append(NamedArray(name: "rhs", shape: system.shape, values: try DiffusionAssembly.sourceValues(pde.discretisation)))
            }
        }
        return StudyOutcome(reason: result.reason, arrays: arrays,
                            history: history, result: res, tables: tables, summary: summary,
                            notConvergedDetail: incompatible
                                ? String(format: "the right-hand side is not in the range of the singular operator (the compatibility condition "
                                    + "of a constant null space): its mean, %.3g of ‖b‖, was removed (above rtol %.3g); the least-squares "
                                    + "solution at zero mean is written", rhsMeanRemoved, spec.solver.rtol)
                                : "after \(result.iterations) iterations (relative residual \(String(format: "%.3e", result.relativeResidual)))",
                            sweepValues: values, pointData: pointData)
    }

    /// What to do when a factorisation or CG finds the matrix not positive definite or
    /// singular. "Use lu" was the only advice, and for a singular matrix (PyAMG's Neumann
    /// `unit_square`) LU fails too: a singular A x = b has no unique solution, so the advice
    /// says where pdekit handles the null space and leaves LU for the indefinite case.
    static func singularAdvice(_ e: LinearAlgebraError, _ spec: ProblemSpec) -> String {
        switch e {
        case .notPositiveDefinite, .singular:
            let where_ = spec.pde == nil
                ? "a singular matrix has no unique solution for any method; if its null space is the constants (a Laplacian without a Dirichlet "
                    + "condition), set [system] nullspace = \"constants\" and method = \"cg\""
                : "a singular operator here means a reaction or velocity term cancels the diffusion"
            return "; if A is indefinite but nonsingular, use method = \"lu\" or \"gmres\"; \(where_)"
        default: return ""
        }
    }

    /// `--view`: the resolved solver configuration, PETSc `-ksp_view` style.
    static func viewText(_ spec: ProblemSpec, _ d: SolverFactory.Description) -> String {
        var s = "solver configuration for \(spec.name):\n"
        for k in d.table.keys {
            let v: String
            switch d.table[k]! {
            case .string(let x): v = x
            case .double(let x): v = "\(x)"
            case .integer(let x): v = "\(x)"
            case .bool(let x): v = "\(x)"
            default: v = ""
            }
            s += "  \(k) = \(v)\n"
        }
        return s + d.viewText
    }
}
