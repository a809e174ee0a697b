import Configuration
import Foundation
import LinearAlgebra

/// A sparse factorisation that can be redone for new values on the same pattern, reusing its
/// symbolic analysis (CHOLMOD, UMFPACK).
protocol PatternFactorization: Preconditioner, AnyObject {
    init(_ a: CSRMatrix) throws
    func hasPattern(of a: CSRMatrix) -> Bool
    func refactor(values: [Double]) throws
}

extension CholeskyFactorization: PatternFactorization {}
extension LUFactorization: PatternFactorization {}

extension CarriedState.Key where Value == CholeskyFactorization {
    static var cholmod: Self { Self("cholmod") }
}

extension CarriedState.Key where Value == LUFactorization {
    static var umfpack: Self { Self("umfpack") }
}

/// The part every direct method shares: the factor (a sweep's previous one refactored when
/// the pattern is the same), then x = F⁻¹b checked against the tolerance and improved by
/// iterative refinement, as SuiteSparse users expect.
enum DirectSolve {
    /// The factor of the request's matrix: the carried one (under `key`) refactored when the
    /// pattern is the same, skipping the analysis, else a new one, which is carried on.
    static func factor<F: PatternFactorization>(_ request: SolveRequest, key: CarriedState.Key<F>, _ d: inout SolverDescription) throws -> F {
        let a = try request.assembled(for: "a direct factorisation")
        if let kept = request.carry?.value(key), kept.hasPattern(of: a) {
            do { try kept.refactor(values: a.values) } catch { request.carry?.set(key, nil); throw error }
            d.add("analysis_reused", true)
            return kept
        }
        request.carry?.set(key, nil)  // free the old factor before making a new one
        let f = try F(a)
        request.carry?.set(key, f)
        d.add("analysis_reused", false)
        return f
    }

    /// At most this many steps of iterative refinement follow a direct solve (UMFPACK's own
    /// default is 2; one more lets a nearly singular system show whether refinement still helps).
    static let maxRefinementSteps = 3

    /// x = F⁻¹b, then iterative refinement x ← x + F⁻¹(b − Ax) while the true residual is above
    /// the threshold and each step at least halves it (in working precision refinement reaches a
    /// small backward error in one or two steps; no progress means the factor cannot do better).
    /// `converged_direct` only if ‖b − Ax‖ ≤ max(rtol‖b‖, atol) at the end.
    /// `a` applies A for the residual (the factored matrix, or the grid's stencil for FFT).
    static func solve(_ request: SolveRequest, factor: any Preconditioner, operator a: any LinearOperator, setupSeconds: Double,
                      _ d: inout SolverDescription) -> (x: [Double], result: SolveResult) {
        let b = request.rhs, spec = request.spec
        d.add("rtol", max(spec.rtol, IterativeOptions.machineFloor)); d.add("atol", spec.atol)
        request.view?(d)
        let t1 = Date()
        let bnorm = b.norm2
        let threshold = IterativeOptions(rtol: spec.rtol, atol: spec.atol).threshold(rhsNorm: bnorm)
        var x = factor.apply(b)
        func residual(_ x: [Double]) -> [Double] { zip(b, a.apply(x)).map { $0 - $1 } }
        var r = residual(x)
        var rnorm = r.norm2
        var steps = 0
        while rnorm.isFinite, rnorm > threshold, steps < maxRefinementSteps {
            let candidate = zip(x, factor.apply(r)).map { $0 + $1 }
            let rc = residual(candidate)
            let cnorm = rc.norm2
            steps += 1
            guard cnorm.isFinite, cnorm < rnorm else { break }
            x = candidate; r = rc
            let improved = cnorm <= 0.5 * rnorm
            rnorm = cnorm
            if !improved { break }
        }
        d.add("refinement_steps", steps)
        let reason: ConvergenceReason = !rnorm.isFinite ? .diverged_nan : (rnorm <= threshold ? .converged_direct : .diverged_direct_residual)
        return (x, SolveResult(reason: reason, iterations: 1 + steps, residualNorm: rnorm, rhsNorm: bnorm,
                               history: [], setupSeconds: setupSeconds, solveSeconds: Date().timeIntervalSince(t1)))
    }
}
