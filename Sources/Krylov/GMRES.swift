// Restarted GMRES with right preconditioning.
//
// Reference: Y. Saad and M. H. Schultz, "GMRES: a generalized minimal residual algorithm for
// solving nonsymmetric linear systems", SIAM J. Sci. Stat. Comput. 7 (1986); right
// preconditioning as in Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., Alg. 9.5.
//
// With right preconditioning GMRES minimises the true residual ‖b − A xₖ‖ over
// x₀ + M⁻¹ Kₖ(A M⁻¹, r₀), so the least-squares residual |gₖ₊₁| it tracks is the unpreconditioned
// residual norm, the quantity pdekit's stopping rule tests. It still recomputes b − A x at the
// end of every cycle, and only that decides convergence.
//
// Orthogonalisation: classical Gram–Schmidt against the whole basis at once (h = Vᵀw,
// w ← w − V h: two `dgemv` that stream the basis once each, where modified Gram–Schmidt
// streams it once per vector), repeated once when the new vector lost more than a factor 0.7
// of its norm to the projections (the criterion of Daniel, Gragg, Kaufman and Stewart 1976),
// which restores orthogonality to working precision at a second pass' cost only where
// cancellation happened (CGS2, as GCRO-DR's Arnoldi). A zero h_{j+1,j} is a "happy breakdown": the Krylov space
// is invariant and holds the exact solution.

import Foundation
import LinearAlgebra

/// GMRES(m) for any nonsingular A, preconditioned on the right by M ≈ A⁻¹.
///
/// Workspace: m + 1 basis vectors of length n in one `VectorBlock`, allocated once per solver
/// or handed in (`basis:`), so that a sequence of systems reuses one allocation.
public final class GMRES: KrylovSolver {
    public let matrix: any LinearOperator
    public let preconditioner: any Preconditioner
    public var options: IterativeOptions
    public let restart: Int

    /// The Krylov basis, n × (m + 1).
    public let basis: VectorBlock
    private var w: [Double], z: [Double]

    /// `basis`: a block to reuse when it fits (length n, at least m + 1 columns); else one is made.
    public init(matrix: any LinearOperator, preconditioner: (any Preconditioner)? = nil, restart: Int = 30,
                options: IterativeOptions = IterativeOptions(), basis reused: VectorBlock? = nil) throws {
        guard matrix.rows == matrix.columns else {
            throw LinearAlgebraError.invalidArgument("GMRES needs a square operator, got \(matrix.rows)×\(matrix.columns)")
        }
        guard restart >= 1 else { throw LinearAlgebraError.invalidArgument("GMRES restart must be at least 1, got \(restart)") }
        let n = matrix.rows
        let m = preconditioner ?? IdentityPreconditioner(size: n)
        guard m.rows == n, m.columns == n else {
            throw LinearAlgebraError.invalidArgument("preconditioner is \(m.rows)×\(m.columns), matrix is \(n)×\(n)")
        }
        self.matrix = matrix; self.preconditioner = m; self.options = options; self.restart = min(restart, max(n, 1))
        let columns = self.restart + 1
        basis = reused.flatMap { $0.length == n && $0.capacity >= columns ? $0 : nil } ?? VectorBlock(length: n, capacity: columns)
        w = [Double](repeating: 0, count: n); z = w
    }

    public func solve(_ b: [Double]) -> (x: [Double], result: SolveResult) {
        var x = [Double](repeating: 0, count: b.count)
        let r = solve(b, x: &x)
        return (x, r)
    }

    /// A x = b for a sequence of systems: GMRES keeps no space between them.
    public func solve(_ b: [Double], x: inout [Double], space: RecycleSpace?) -> KrylovSolution {
        KrylovSolution(result: solve(b, x: &x))
    }

    /// Solves A x = b; `x` holds the initial guess on entry.
    public func solve(_ b: [Double], x: inout [Double]) -> SolveResult {
        // On short vectors OpenBLAS's threads cost more than the products they split.
        Parallel.withSerialBLAS(matrix.rows < Parallel.minimumChunk * Parallel.threadCount) { cycles(b, x: &x) }
    }

    private func cycles(_ b: [Double], x: inout [Double]) -> SolveResult {
        let n = matrix.rows
        precondition(b.count == n && x.count == n, "GMRES: b has \(b.count) entries, x has \(x.count), operator has \(n) rows")
        let bnorm = b.norm2
        let m = restart
        var log = IterationLog(options: options, rhsNorm: bnorm, setupSeconds: preconditioner.setupSeconds)
        func record(_ k: Int, _ rnorm: Double) { log.record(k, rnorm) }
        func finish(_ reason: ConvergenceReason, _ k: Int, _ rnorm: Double) -> SolveResult { log.finish(reason, k, rnorm) }
        if let done = log.zeroRightHandSide(&x) { return done }
        let threshold = log.threshold
        func trueResidual(into r: inout [Double]) -> Double {
            r = matrix.apply(x)
            for i in 0..<n { r[i] = b[i] - r[i] }
            return r.norm2
        }
        var r = [Double](repeating: 0, count: n)
        var rnorm = trueResidual(into: &r)
        if let done = log.initialResidual(rnorm) { return done }

        // Column j of H̄ as it is built, and the rotated least-squares problem.
        var column = [Double](repeating: 0, count: m + 1)
        var ls = HessenbergLeastSquares(columns: m)
        var k = 0
        var failedRestarts = 0
        while true {
            // v₀ = r / ‖r‖, g = ‖r‖ e₁.
            let beta = rnorm
            let v0 = basis.column(0)
            for i in 0..<n { v0[i] = r[i] / beta }
            ls.start(beta)
            var j = 0
            var estimate = beta
            var breakdown = false
            while j < m && k < options.maxIterations {
                // w = A M⁻¹ v_j.
                z.withUnsafeMutableBufferPointer { preconditioner.apply(UnsafeBufferPointer(basis.column(j)), into: $0) }
                z.withUnsafeBufferPointer { zp in w.withUnsafeMutableBufferPointer { matrix.apply(zp, into: $0) } }
                let before = w.norm2
                for i in column.indices { column[i] = 0 }
                for pass in 0..<2 {
                    w.withUnsafeMutableBufferPointer { wp in
                        let h = basis.transposeTimes(UnsafeBufferPointer(wp), columns: j + 1)
                        basis.subtract(h, from: wp)
                        for i in 0...j { column[i] += h[i] }
                    }
                    if pass == 0 && w.norm2 > 0.7 * before { break }
                }
                let hn = w.norm2
                column[j + 1] = hn
                guard hn.isFinite, before.isFinite else { k += 1; record(k, .nan); return finish(.diverged_nan, k, .nan) }
                if hn <= 1e-14 * before {
                    breakdown = true  // invariant subspace: the solution lies in span(v₀ … v_j)
                } else {
                    let next = basis.column(j + 1)
                    for i in 0..<n { next[i] = w[i] / hn }
                }
                estimate = ls.append(column: column[...], at: j)
                j += 1; k += 1
                record(k, estimate)
                if breakdown || estimate <= threshold { break }
                if let limit = options.timeLimit, Date().timeIntervalSince(log.start) > limit { break }
            }
            // y = R⁻¹ g, x += M⁻¹ (V y).
            let y = ls.solution(j)
            for i in 0..<n { w[i] = 0 }
            w.withUnsafeMutableBufferPointer { basis.add(Array(y.prefix(j)), into: $0) }
            w.withUnsafeBufferPointer { wp in z.withUnsafeMutableBufferPointer { preconditioner.apply(wp, into: $0) } }
            for i in 0..<n { x[i] += z[i] }
            let previous = rnorm
            rnorm = trueResidual(into: &r)
            guard rnorm.isFinite else { return finish(.diverged_nan, k, rnorm) }
            if rnorm <= threshold { return finish(log.convergedReason(rnorm), k, rnorm) }
            if k >= options.maxIterations { return finish(.diverged_max_iterations, k, rnorm) }
            if let limit = options.timeLimit, Date().timeIntervalSince(log.start) > limit { return finish(.diverged_time_limit, k, rnorm) }
            // A cycle whose estimate claimed convergence (or broke down) but whose true residual
            // did not halve: rounding bounds what this system reaches. Twice in a row: stop.
            if (breakdown || estimate <= threshold) && rnorm > 0.5 * previous {
                failedRestarts += 1
                if failedRestarts >= 2 { return finish(.diverged_stagnation, k, rnorm) }
            } else {
                failedRestarts = 0
            }
        }
    }
}
