import Foundation
import Krylov
import LinearAlgebra
import Multigrid

extension MethodEntry {
    /// Conjugate gradients, preconditioned by `[solver] preconditioner`.
    static let cg = MethodEntry(
        name: "cg", help: "conjugate gradients, preconditioned by `preconditioner` (SPD matrices)",
        usesPreconditioner: true, iterative: true,
        validate: { a, _, _ in SolverRegistry.symmetryProblem(a, "cg") },
        solve: { request, d in
            let spec = request.spec
            d.add("preconditioner", spec.preconditioner)
            let t0 = Date()
            guard let entry = SolverRegistry.preconditioner(spec.preconditioner) else {
                throw LinearAlgebraError.invalidArgument("unknown preconditioner '\(spec.preconditioner)'")
            }
            let m = try entry.build(request.matrix, request.structure, spec, carry: request.carry, &d)
            let setup = Date().timeIntervalSince(t0)
            let options = IterativeOptions(rtol: spec.rtol, atol: spec.atol, maxIterations: spec.maxIterations,
                                           timeLimit: spec.timeLimit, recordHistory: true, monitor: request.monitor)
            d.add("rtol", max(spec.rtol, IterativeOptions.machineFloor)); d.add("atol", spec.atol)
            d.add("max_iterations", spec.maxIterations)
            d.add("stopping_rule", "true residual ||b - A x|| <= max(rtol ||b||, atol)")
            request.view?(d)
            // The matrix-free stencil when asked for: multigrid's finest operator if it has one.
            let a: any LinearOperator
            if spec.operatorForm == .stencil, let s = request.structure {
                a = try (m as? GeometricMultigrid)?.finestOperator
                    ?? StencilOperator(axes: s.axes, nodeCoefficients: s.nodeCoefficients)
            } else {
                a = request.matrix
            }
            d.add("operator", spec.operatorForm.rawValue)
            let cg = try ConjugateGradient(matrix: a, preconditioner: m, options: options)
            var (x, result) = cg.solve(request.rhs)
            result.setupSeconds = setup
            return (x, result)
        })
}
