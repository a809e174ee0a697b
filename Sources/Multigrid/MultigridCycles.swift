import Foundation
import LinearAlgebra

/// Restriction to and prolongation from the next coarser level.
protocol LevelTransfer {
    /// b_coarse = R r_fine.
    func restrict(_ r: UnsafePointer<Double>, into b: UnsafeMutablePointer<Double>)
    /// x_fine += P e_coarse (with `replace`, x_fine = P e_coarse).
    func prolong(_ e: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, replace: Bool)
}

extension GridTransfer: LevelTransfer {}

/// An operator that forms r = b − A x (in one pass where it can).
public protocol ResidualOperator: LinearOperator {
    func residual(_ b: UnsafeBufferPointer<Double>, _ x: UnsafeBufferPointer<Double>, into r: UnsafeMutableBufferPointer<Double>)
}

extension StencilOperator: ResidualOperator {}

extension CSRMatrix: ResidualOperator {
    public func residual(_ b: UnsafeBufferPointer<Double>, _ x: UnsafeBufferPointer<Double>, into r: UnsafeMutableBufferPointer<Double>) {
        apply(x, into: r)
        let bp = b.baseAddress!, rp = r.baseAddress!
        Parallel.chunks(rows) { range, _ in for i in range { rp[i] = bp[i] - rp[i] } }
    }
}

/// A multigrid hierarchy (geometric or algebraic): its levels' cycles and the cycle its options
/// choose. Applying it as a preconditioner and cycling it as a solver are written once, here.
public protocol MultigridSolving: Preconditioner {
    /// The hierarchy's cycles over its levels.
    var cycles: MultigridCycles { get }
    /// The cycle a preconditioner application or a solver iteration runs.
    var cycleKind: MultigridOptions.Cycle { get }
}

extension MultigridSolving {
    /// z = one cycle applied to r from a zero guess (symmetric for V and W with as many pre- as
    /// post-sweeps).
    public func apply(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) {
        cycles.precondition(r, into: z, cycle: cycleKind)
    }

    /// Cycles until the true residual meets the options' tolerance (`MultigridCycles.solve`).
    public func solve(_ b: [Double], x: inout [Double], options o: IterativeOptions) -> SolveResult {
        var result = cycles.solve(b, x: &x, options: o, cycle: cycleKind)
        result.setupSeconds = setupSeconds
        return result
    }
}

/// One level of a multigrid hierarchy: its operator and smoother, the transfer to the next
/// coarser level, and the vectors of its correction equation (x and b are not used on the
/// finest level, which works on the caller's vectors).
final class MultigridLevel {
    let op: any ResidualOperator
    let smoother: any Smoother
    let toCoarse: (any LevelTransfer)?
    let x: WorkVector, b: WorkVector, r: WorkVector
    init(op: any ResidualOperator, smoother: any Smoother, toCoarse: (any LevelTransfer)?, finest: Bool) {
        self.op = op; self.smoother = smoother; self.toCoarse = toCoarse
        x = WorkVector(finest ? 0 : op.rows); b = WorkVector(finest ? 0 : op.rows); r = WorkVector(op.rows)
    }
}

/// The cycles every pdekit multigrid runs, geometric or algebraic: V, W, F and full multigrid
/// over a list of levels ending in an exact coarse solve, as a preconditioner and as a solver.
public final class MultigridCycles {
    let levels: [MultigridLevel]
    let coarse: CoarseSolver
    let preSmooth: Int, postSmooth: Int
    /// Constants are the null space of the finest operator: results are made mean-free.
    let singular: Bool

    init(levels: [MultigridLevel], coarse: CoarseSolver, preSmooth: Int, postSmooth: Int, singular: Bool) {
        self.levels = levels; self.coarse = coarse; self.preSmooth = preSmooth; self.postSmooth = postSmooth
        self.singular = singular
    }


    /// One cycle of `kind` on level `l` for A x = b, improving x in place.
    /// `symmetric` runs the post-smoother in the adjoint order (a CG preconditioner needs it).
    func cycle(_ l: Int, _ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>, _ kind: MultigridOptions.Cycle,
               symmetric: Bool = false) {
        let level = levels[l]
        if l == levels.count - 1 { coarse.solve(b, into: x); return }
        level.smoother.smooth(x, b, sweeps: preSmooth, reverse: false)
        let n = level.op.rows
        level.op.residual(UnsafeBufferPointer(start: b, count: n), UnsafeBufferPointer(start: x, count: n),
                          into: level.r.buffer)
        let next = levels[l + 1]
        level.toCoarse!.restrict(level.r.pointer, into: next.b.pointer)
        next.x.buffer.update(repeating: 0)
        let coarsest = l + 1 == levels.count - 1
        switch kind {
        case .v, .fmg: cycle(l + 1, next.x.pointer, next.b.pointer, .v, symmetric: symmetric)
        case .w:
            cycle(l + 1, next.x.pointer, next.b.pointer, .w, symmetric: symmetric)
            if !coarsest { cycle(l + 1, next.x.pointer, next.b.pointer, .w, symmetric: symmetric) }
        case .f:
            cycle(l + 1, next.x.pointer, next.b.pointer, .f, symmetric: symmetric)
            if !coarsest { cycle(l + 1, next.x.pointer, next.b.pointer, .v, symmetric: symmetric) }
        }
        level.toCoarse!.prolong(next.x.pointer, into: x, replace: false)
        level.smoother.smooth(x, b, sweeps: postSmooth, reverse: symmetric)
    }

    /// Full multigrid for A x = b from nothing: b restricted to every level, an exact solve on
    /// the coarsest, then on each finer level the interpolated coarse solution improved by one
    /// V-cycle.
    func fullMultigrid(_ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>) {
        let last = levels.count - 1
        func bOf(_ l: Int) -> UnsafePointer<Double> { l == 0 ? b : UnsafePointer(levels[l].b.pointer) }
        func xOf(_ l: Int) -> UnsafeMutablePointer<Double> { l == 0 ? x : levels[l].x.pointer }
        for l in 0..<last { levels[l].toCoarse!.restrict(bOf(l), into: levels[l + 1].b.pointer) }
        coarse.solve(bOf(last), into: xOf(last))
        for l in stride(from: last - 1, through: 0, by: -1) {
            levels[l].toCoarse!.prolong(xOf(l + 1), into: xOf(l), replace: true)
            cycle(l, xOf(l), bOf(l), .v)
        }
    }

    /// Removes the mean (the null space of a singular operator).
    func projectMean(_ x: UnsafeMutablePointer<Double>) {
        let n = levels[0].op.rows
        let mean = Parallel.sum(n) { range in
            var s = 0.0
            for i in range { s += x[i] }
            return s
        } / Double(n)
        Parallel.chunks(n) { range, _ in for i in range { x[i] -= mean } }
    }

    /// z = one cycle applied to r from a zero guess, post-smoothing in the adjoint order.
    func precondition(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>, cycle kind: MultigridOptions.Cycle) {
        z.update(repeating: 0)
        if kind == .fmg { fullMultigrid(z.baseAddress!, r.baseAddress!) }
        else { cycle(0, z.baseAddress!, r.baseAddress!, kind, symmetric: true) }
        if singular { projectMean(z.baseAddress!) }
    }

    /// Multigrid as a solver: cycles until ‖b − Ax‖ ≤ max(rtol‖b‖, atol) (the true residual,
    /// computed after every cycle). With `cycle = .fmg` the first cycle is full multigrid and
    /// the rest are V-cycles. Stops with `diverged_stagnation` when three cycles in a row fail
    /// to reduce the residual by 1 %, or twenty cycles together do (a smoother or grid on which
    /// the method does not converge, or the rounding floor).
    func solve(_ b: [Double], x: inout [Double], options o: IterativeOptions, cycle kind: MultigridOptions.Cycle) -> SolveResult {
        let rows = levels[0].op.rows
        Swift.precondition(b.count == rows && x.count == rows, "multigrid: b has \(b.count) entries, x has \(x.count), operator has \(rows) rows")
        let bnorm = b.norm2
        var log = IterationLog(options: o, rhsNorm: bnorm)
        func record(_ k: Int, _ rnorm: Double) { log.record(k, rnorm) }
        func finish(_ reason: ConvergenceReason, _ k: Int, _ rnorm: Double) -> SolveResult { log.finish(reason, k, rnorm) }
        if let done = log.zeroRightHandSide(&x) { return done }
        let threshold = log.threshold
        let op = levels[0].op, r = levels[0].r
        let startsFromZero = x.allSatisfy { $0 == 0 }
        return b.withUnsafeBufferPointer { bp in
            x.withUnsafeMutableBufferPointer { xp in
                func residualNorm() -> Double {
                    op.residual(bp, UnsafeBufferPointer(xp), into: r.buffer)
                    return Vec.norm(UnsafeBufferPointer(r.buffer))
                }
                var rnorm = residualNorm()
                if let done = log.initialResidual(rnorm) { return done }
                var stagnation = StagnationRule(initial: rnorm)
                for k in 1...max(1, o.maxIterations) {
                    if k == 1 && kind == .fmg && startsFromZero { fullMultigrid(xp.baseAddress!, bp.baseAddress!) }
                    else { cycle(0, xp.baseAddress!, bp.baseAddress!, kind == .fmg ? .v : kind) }
                    if singular { projectMean(xp.baseAddress!) }
                    rnorm = residualNorm()
                    record(k, rnorm)
                    guard rnorm.isFinite else { return finish(.diverged_nan, k, rnorm) }
                    if rnorm <= threshold { return finish(log.convergedReason(rnorm), k, rnorm) }
                    if stagnation.stops(after: rnorm) { return finish(.diverged_stagnation, k, rnorm) }
                    if let limit = o.timeLimit, Date().timeIntervalSince(log.start) > limit { return finish(.diverged_time_limit, k, rnorm) }
                }
                return finish(.diverged_max_iterations, o.maxIterations, rnorm)
            }
        }
    }
}

/// The exact solve on the coarsest level: a sparse factorisation of its matrix. A singular
/// (all-Neumann or periodic) operator has the constants as null space and the zero-sum vectors
/// as range; the right-hand side is projected onto that range, unknown 0 is pinned to zero (its
/// row and column replaced by the identity, which leaves an SPD matrix) and the mean removed.
final class CoarseSolver {
    /// CHOLMOD for a symmetric positive definite coarsest matrix, UMFPACK otherwise (algebraic
    /// multigrid on a convection–diffusion matrix, or on an indefinite Helmholtz matrix whose
    /// coarse level is symmetric but not positive definite, as a GMRES preconditioner).
    let factor: any Preconditioner
    let singular: Bool
    let n: Int
    private let work: WorkVector

    init(_ matrix: CSRMatrix, singular: Bool) throws {
        n = matrix.rows
        self.singular = singular
        var a = matrix
        if singular {
            var ri = [CSRMatrix.Index](), ci = [CSRMatrix.Index](), v = [Double]()
            for i in 0..<a.rows {
                for k in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) {
                    let j = Int(a.columnIndices[k])
                    if i != 0 && j != 0 { ri.append(CSRMatrix.Index(i)); ci.append(CSRMatrix.Index(j)); v.append(a.values[k]) }
                }
            }
            ri.append(0); ci.append(0); v.append(1)
            a = try CSRMatrix(rows: n, columns: n, rowIndices: ri, columnIndices: ci, values: v)
        }
        if a.asymmetry() <= 1e-12, let cholesky = try? CholeskyFactorization(a) {
            factor = cholesky
        } else {
            factor = try LUFactorization(a)
        }
        work = WorkVector(n)
    }

    func solve(_ b: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>) {
        let w = work.pointer
        for i in 0..<n { w[i] = b[i] }
        if singular {
            let mean = (0..<n).reduce(0.0) { $0 + w[$1] } / Double(n)
            for i in 0..<n { w[i] -= mean }
            w[0] = 0
        }
        factor.apply(UnsafeBufferPointer(work.buffer), into: UnsafeMutableBufferPointer(start: x, count: n))
        if singular {
            let mean = (0..<n).reduce(0.0) { $0 + x[$1] } / Double(n)
            for i in 0..<n { x[i] -= mean }
        }
    }
}

/// When multigrid as a solver stops as stagnating: three cycles in a row without a 1 %
/// decrease, or no 1 % decrease over the last twenty cycles (an oscillation). The window starts
/// after the first cycle, because a convergent cycle need not lower the residual's 2-norm at
/// once (it contracts the error in the energy norm): on an unstructured P1 mesh a constant
/// right-hand side came out of the first aggregation-AMG cycle 5.6 times larger, then fell by
/// 0.65 a cycle, and on scikit-fem's 2D elasticity 48.7 times larger, then fell by 0.87 a
/// cycle. Judged against the best residual so far (the initial one), the first was stopped
/// after three cycles and the second after twenty, both as stagnating, where PyAMG's solve()
/// converges (38 and 189 cycles; pdekit now 50 and 196).
struct StagnationRule {
    private var previous: Double
    private var sinceDecrease = 0
    private var recent: [Double] = []  // the residuals of the last twenty cycles and this one

    init(initial: Double) { previous = initial }

    /// After a cycle whose residual norm is `rnorm`: whether to stop.
    mutating func stops(after rnorm: Double) -> Bool {
        sinceDecrease = rnorm < 0.99 * previous ? 0 : sinceDecrease + 1
        previous = rnorm
        recent.append(rnorm)
        if recent.count > 21 { recent.removeFirst() }
        return sinceDecrease >= 3 || (recent.count == 21 && rnorm >= 0.99 * recent[0])
    }
}
