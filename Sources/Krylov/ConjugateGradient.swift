// Conjugate gradients, plain and preconditioned.
//
// Reference: M. R. Hestenes and E. Stiefel, "Methods of conjugate gradients for solving linear
// systems", J. Res. Nat. Bur. Standards 49 (1952); the preconditioned form as in Saad,
// "Iterative Methods for Sparse Linear Systems", 2nd ed., Algorithm 9.1.
//
// Stopping rule (the same for every pdekit iterative method, see `IterativeOptions`):
// stop when ‖b − A xₖ‖₂ ≤ max(rtol·‖b‖₂, atol). The recurrence residual rₖ is tested each
// iteration (it costs nothing); when it passes, the true residual b − A xₖ is recomputed and
// only that decides convergence. If rounding has made the two drift apart, the iteration
// restarts from the true residual instead of reporting a residual it does not have; when two
// such restarts in a row fail to halve the true residual, the tolerance is below what double
// precision reaches for this system and the solve stops with `diverged_stagnation`.

import Foundation
import LinearAlgebra

/// CG / PCG for symmetric positive definite A with an SPD preconditioner M ≈ A⁻¹.
///
/// Workspaces (r, z, p, q) are allocated once per solver and reused by every `solve`; the loop
/// itself does not allocate (history records aside, which are reserved up front).
///
/// Breakdowns are results, not errors: pᵀAp ≤ 0 gives `diverged_indefinite_matrix`,
/// rᵀM⁻¹r < 0 gives `diverged_indefinite_preconditioner`, a NaN gives `diverged_nan`.
public final class ConjugateGradient {
    public let matrix: any LinearOperator
    public let preconditioner: any Preconditioner
    public var options: IterativeOptions

    private var r: [Double], z: [Double], p: [Double], q: [Double]

    public init(matrix: any LinearOperator, preconditioner: (any Preconditioner)? = nil,
                options: IterativeOptions = IterativeOptions()) throws {
        guard matrix.rows == matrix.columns else {
            throw LinearAlgebraError.invalidArgument("CG needs a square operator, got \(matrix.rows)×\(matrix.columns)")
        }
        let n = matrix.rows
        let m = preconditioner ?? IdentityPreconditioner(size: n)
        guard m.rows == n, m.columns == n else {
            throw LinearAlgebraError.invalidArgument("preconditioner is \(m.rows)×\(m.columns), matrix is \(n)×\(n)")
        }
        self.matrix = matrix; self.preconditioner = m; self.options = options
        // Not zeroed: each is written in full before it is read (r = b − A x, z = M⁻¹ r, p = z,
        // q = A p); zeroing four vectors took 9 ms at 10⁶ unknowns, and their pages are now first
        // touched by the threads that use them.
        func workVector() -> [Double] { [Double](unsafeUninitializedCapacity: n) { _, count in count = n } }
        r = workVector(); p = workVector(); q = workVector()
        z = m.isIdentity ? [] : workVector()
    }

    /// Solves A x = b starting from zero.
    public func solve(_ b: [Double]) -> (x: [Double], result: SolveResult) {
        var x = [Double](repeating: 0, count: b.count)
        let result = solve(b, x: &x)
        return (x, result)
    }

    /// Solves A x = b; `x` holds the initial guess on entry and the solution on exit.
    public func solve(_ b: [Double], x: inout [Double]) -> SolveResult {
        precondition(b.count == matrix.rows && x.count == matrix.rows,
                     "CG: b has \(b.count) entries, x has \(x.count), operator has \(matrix.rows) rows")
        return b.withUnsafeBufferPointer { bp in
            x.withUnsafeMutableBufferPointer { xp in
                r.withUnsafeMutableBufferPointer { rp in
                    p.withUnsafeMutableBufferPointer { pp in
                        q.withUnsafeMutableBufferPointer { qp in
                            z.withUnsafeMutableBufferPointer { zp in
                                iterate(b: bp, x: xp, r: rp, p: pp, q: qp, z: preconditioner.isIdentity ? rp : zp)
                            }
                        }
                    }
                }
            }
        }
    }

    /// r ← b − A x, returns ‖r‖.
    private func trueResidual(b: UnsafeBufferPointer<Double>, x: UnsafeMutableBufferPointer<Double>,
                              r: UnsafeMutableBufferPointer<Double>) -> Double {
        matrix.apply(UnsafeBufferPointer(x), into: r)
        return Vec.residualFromProduct(b, r).squareRoot()
    }

    private func iterate(b: UnsafeBufferPointer<Double>, x: UnsafeMutableBufferPointer<Double>,
                         r: UnsafeMutableBufferPointer<Double>, p: UnsafeMutableBufferPointer<Double>,
                         q: UnsafeMutableBufferPointer<Double>, z: UnsafeMutableBufferPointer<Double>) -> SolveResult {
        let identity = preconditioner.isIdentity
        let bnorm = Vec.norm(b)
        // History, monitor and timing as every iterative method records them.
        var log = IterationLog(options: options, rhsNorm: bnorm, setupSeconds: preconditioner.setupSeconds)

        if bnorm == 0 {
            Vec.fill(x, 0)
            log.record(0, 0)
            return log.finish(.converged_zero_rhs, 0, 0)
        }
        let threshold = options.threshold(rhsNorm: bnorm)
        var rnorm = trueResidual(b: b, x: x, r: r)
        guard rnorm.isFinite else { log.record(0, rnorm); return log.finish(.diverged_nan, 0, rnorm) }
        log.record(0, rnorm)
        if rnorm <= threshold { return log.finish(rnorm <= options.atol ? .converged_atol : .converged_rtol, 0, rnorm) }

        // Start (or restart from the true residual): p = z = M⁻¹ r.
        var rz = identity ? rnorm * rnorm : preconditioner.applyAndDotWithInput(UnsafeBufferPointer(r), into: z)
        if !identity && !(rz > 0) { return log.finish(rz.isNaN ? .diverged_nan : .diverged_indefinite_preconditioner, 0, rnorm) }
        Vec.copy(UnsafeBufferPointer(z), into: p)

        // Stagnation: each restart from the true residual should leave it well below the last
        // restart's. Two restarts in a row that do not halve it mean rounding error, not the
        // iteration, now bounds the residual (an rtol below what the system can reach).
        var lastRestartNorm = Double.infinity, stalledRestarts = 0
        var k = 0
        while k < options.maxIterations {
            if let limit = options.timeLimit, Date().timeIntervalSince(log.start) > limit {
                return log.finish(.diverged_time_limit, k, trueResidual(b: b, x: x, r: r))
            }
            let pq = matrix.applyAndDot(UnsafeBufferPointer(p), into: q)
            guard pq.isFinite else { return log.finish(.diverged_nan, k, rnorm) }
            guard pq > 0 else { return log.finish(.diverged_indefinite_matrix, k, rnorm) }
            let alpha = rz / pq
            let rr = Vec.cgUpdate(alpha: alpha, p: UnsafeBufferPointer(p), q: UnsafeBufferPointer(q), x: x, r: r)
            k += 1
            rnorm = rr.squareRoot()
            guard rnorm.isFinite else { log.record(k, rnorm); return log.finish(.diverged_nan, k, rnorm) }

            if rnorm <= threshold {
                // Recurrence says converged: the true residual decides.
                let trueNorm = trueResidual(b: b, x: x, r: r)
                log.record(k, trueNorm)
                if trueNorm <= threshold {
                    return log.finish(trueNorm <= options.atol ? .converged_atol : .converged_rtol, k, trueNorm)
                }
                rnorm = trueNorm
                stalledRestarts = trueNorm > 0.5 * lastRestartNorm ? stalledRestarts + 1 : 0
                lastRestartNorm = min(lastRestartNorm, trueNorm)
                if stalledRestarts >= 2 { return log.finish(.diverged_stagnation, k, trueNorm) }
                rz = identity ? rnorm * rnorm : preconditioner.applyAndDotWithInput(UnsafeBufferPointer(r), into: z)
                if !identity && !(rz > 0) { return log.finish(.diverged_indefinite_preconditioner, k, rnorm) }
                Vec.copy(UnsafeBufferPointer(z), into: p)
                continue
            }
            log.record(k, rnorm)

            let rzNew = identity ? rr : preconditioner.applyAndDotWithInput(UnsafeBufferPointer(r), into: z)
            guard rzNew.isFinite else { return log.finish(.diverged_nan, k, rnorm) }
            guard rzNew > 0 else { return log.finish(.diverged_indefinite_preconditioner, k, rnorm) }
            let beta = rzNew / rz
            rz = rzNew
            Vec.xpby(UnsafeBufferPointer(z), beta, p)
        }
        return log.finish(.diverged_max_iterations, k, trueResidual(b: b, x: x, r: r))
    }
}

extension ConjugateGradient: KrylovSolver {
    /// A x = b for a sequence of systems: CG keeps no space between them.
    public func solve(_ b: [Double], x: inout [Double], space: RecycleSpace?) -> KrylovSolution {
        KrylovSolution(result: solve(b, x: &x))
    }
}
