import Configuration
import Foundation
import Krylov
import LinearAlgebra
import Multigrid

extension MethodEntry {
    /// Conjugate gradients, preconditioned by `[solver] preconditioner`.
    static let cg = MethodEntry(
        name: "cg", help: "conjugate gradients, preconditioned by `preconditioner` (SPD matrices)",
        usesPreconditioner: true, iterative: true, needsSymmetricPreconditioner: true, acceptsInitialGuess: true, projectionNorm: .energy,
        solvesSingular: true, appliesOperatorForm: true,
        validate: { a, structure, _ in SolverRegistry.symmetryProblem(a, "cg", structure) },
        workspace: { n, _, _ in 32 * n },
        solve: { request, d in
            let (m, setup, options, a) = try SolverRegistry.krylovSetup(request, &d)
            d.add("stopping_rule", "true residual ||b - A x|| <= max(rtol ||b||, atol)")
            var x = SolverRegistry.initialGuess(request, &d, operator: a)
            request.view?(d)
            let cg = try ConjugateGradient(matrix: a, preconditioner: m, options: options)
            var result = cg.solve(request.rhs, x: &x)
            SolverRegistry.keepSolution(x, result, request)
            result.setupSeconds = setup
            return (x, result)
        })
}
