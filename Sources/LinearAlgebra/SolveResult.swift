import Foundation

/// Why an iterative solve stopped, in the PETSc manner: positive converged, negative diverged.
///
/// The raw values follow PETSc's `KSPConvergedReason` where PETSc has the same meaning, so a
/// PETSc user reading `run.toml` sees familiar numbers; the names are stable and appear in
/// run records, CSV files and `--monitor` output.
public enum ConvergenceReason: Int32, Sendable, CaseIterable, CustomStringConvertible {
    // Case names are the stable strings written to run records; keep `name` in step.
    case converged_rtol = 2
    case converged_atol = 3
    /// A direct solve (CHOLMOD, UMFPACK) finished; reported like PETSc's `preonly`.
    case converged_direct = 4
    /// The right-hand side is zero, so x = 0 solves the system exactly.
    case converged_zero_rhs = 9
    case iterating = 0
    /// The right-hand side has a component in the null space of a singular operator beyond the
    /// tolerance: A x = b has no solution, and the least-squares one was computed (PETSc's
    /// KSP_DIVERGED_NULL).
    case diverged_null = -2
    case diverged_max_iterations = -3
    /// The residual grew beyond PETSc's divergence tolerance (`-ksp_divtol`; method = "petsc").
    case diverged_dtol = -4
    case diverged_breakdown = -5
    /// The method needs a symmetric operator or preconditioner and found none (PETSc's
    /// KSP_DIVERGED_NONSYMMETRIC; method = "petsc").
    case diverged_nonsymmetric = -7
    case diverged_indefinite_preconditioner = -8
    case diverged_nan = -9
    case diverged_indefinite_matrix = -10
    /// The preconditioner's setup or application failed (PETSc's KSP_DIVERGED_PC_FAILED, e.g. a
    /// zero pivot in ILU; method = "petsc").
    case diverged_pc_failed = -11
    /// The options' time limit was reached (no PETSc equivalent).
    case diverged_time_limit = -100
    /// A direct solve, after iterative refinement, left ‖b − Ax‖ above the tolerance: the
    /// matrix is singular or too ill-conditioned for it (no PETSc equivalent).
    case diverged_direct_residual = -101
    /// The true residual stopped decreasing above the tolerance: rounding error bounds what
    /// this system can reach in double precision (no PETSc equivalent).
    case diverged_stagnation = -102

    public var converged: Bool { rawValue > 0 }
    public var description: String { name }
    public var name: String {
        switch self {
        case .converged_rtol: "converged_rtol"
        case .converged_atol: "converged_atol"
        case .converged_direct: "converged_direct"
        case .converged_zero_rhs: "converged_zero_rhs"
        case .iterating: "iterating"
        case .diverged_null: "diverged_null"
        case .diverged_max_iterations: "diverged_max_iterations"
        case .diverged_dtol: "diverged_dtol"
        case .diverged_nonsymmetric: "diverged_nonsymmetric"
        case .diverged_pc_failed: "diverged_pc_failed"
        case .diverged_breakdown: "diverged_breakdown"
        case .diverged_indefinite_preconditioner: "diverged_indefinite_preconditioner"
        case .diverged_nan: "diverged_nan"
        case .diverged_indefinite_matrix: "diverged_indefinite_matrix"
        case .diverged_time_limit: "diverged_time_limit"
        case .diverged_direct_residual: "diverged_direct_residual"
        case .diverged_stagnation: "diverged_stagnation"
        }
    }
}

/// One line of the residual history: what `history.csv` holds.
public struct ResidualRecord: Sendable, Equatable {
    public var iteration: Int
    public var residualNorm: Double
    public var relativeResidual: Double
    public var seconds: Double
    public init(iteration: Int, residualNorm: Double, relativeResidual: Double, seconds: Double) {
        self.iteration = iteration; self.residualNorm = residualNorm
        self.relativeResidual = relativeResidual; self.seconds = seconds
    }
}

/// The result of every solve, iterative or direct. Not converging is data, not an error.
public struct SolveResult: Sendable {
    public var reason: ConvergenceReason
    public var iterations: Int
    /// ‖b − Ax‖₂ at exit (the true residual, recomputed, not a recurrence value).
    public var residualNorm: Double
    /// ‖b‖₂, the reference for the relative tolerance.
    public var rhsNorm: Double
    public var history: [ResidualRecord]
    public var setupSeconds: Double
    public var solveSeconds: Double

    public init(reason: ConvergenceReason, iterations: Int, residualNorm: Double, rhsNorm: Double,
                history: [ResidualRecord] = [], setupSeconds: Double = 0, solveSeconds: Double = 0) {
        self.reason = reason; self.iterations = iterations; self.residualNorm = residualNorm
        self.rhsNorm = rhsNorm; self.history = history
        self.setupSeconds = setupSeconds; self.solveSeconds = solveSeconds
    }

    public var relativeResidual: Double { rhsNorm > 0 ? residualNorm / rhsNorm : residualNorm }
}

/// The options every iterative solver takes (Krylov methods, multigrid used as a solver).
///
/// Stopping rule, stated once: stop when ‖b − A xₖ‖₂ ≤ max(rtol·‖b‖₂, atol), using the true
/// residual norm, not the preconditioned one. `rtol` below 10·ε is raised to 10·ε, because a
/// double-precision residual cannot be driven below roughly ε·‖A‖‖x‖ and such a request would
/// otherwise spin to `maxIterations`; the effective value is what `--view` reports.
public struct IterativeOptions: Sendable {
    public var rtol: Double
    public var atol: Double
    public var maxIterations: Int
    /// Wall-clock limit in seconds; `nil` for none.
    public var timeLimit: Double?
    public var recordHistory: Bool
    /// Called once per iteration with the current record (for `--monitor` and progress lines).
    public var monitor: (@Sendable (ResidualRecord) -> Void)?

    public init(rtol: Double = 1e-8, atol: Double = 0, maxIterations: Int = 10_000,
                timeLimit: Double? = nil, recordHistory: Bool = true,
                monitor: (@Sendable (ResidualRecord) -> Void)? = nil) {
        self.rtol = rtol; self.atol = atol; self.maxIterations = maxIterations
        self.timeLimit = timeLimit; self.recordHistory = recordHistory; self.monitor = monitor
    }

    public static let machineFloor = 10 * Double.ulpOfOne

    /// The residual norm at which the solve stops, given ‖b‖.
    public func threshold(rhsNorm: Double) -> Double {
        max(max(rtol, Self.machineFloor) * rhsNorm, atol)
    }
}

/// The residual history of one iterative solve and the result it ends with: what every
/// iterative method records the same way (history, monitor, timing).
public struct IterationLog {
    public let options: IterativeOptions
    public let rhsNorm: Double
    public let start = Date()
    public let setupSeconds: Double
    public private(set) var history: [ResidualRecord] = []

    public init(options: IterativeOptions, rhsNorm: Double, setupSeconds: Double = 0) {
        self.options = options; self.rhsNorm = rhsNorm; self.setupSeconds = setupSeconds
        if options.recordHistory { history.reserveCapacity(min(options.maxIterations, 100_000) + 1) }
    }

    /// Iteration k reached residual norm `rnorm`: kept in the history and sent to the monitor.
    public mutating func record(_ k: Int, _ rnorm: Double) {
        let rec = ResidualRecord(iteration: k, residualNorm: rnorm, relativeResidual: rhsNorm > 0 ? rnorm / rhsNorm : rnorm,
                                 seconds: Date().timeIntervalSince(start))
        if options.recordHistory { history.append(rec) }
        options.monitor?(rec)
    }

    public func finish(_ reason: ConvergenceReason, _ k: Int, _ rnorm: Double) -> SolveResult {
        SolveResult(reason: reason, iterations: k, residualNorm: rnorm, rhsNorm: rhsNorm, history: history,
                    setupSeconds: setupSeconds, solveSeconds: Date().timeIntervalSince(start))
    }

    /// max(rtol‖b‖, atol).
    public var threshold: Double { options.threshold(rhsNorm: rhsNorm) }

    /// b = 0: x = 0 is the solution; the result to return, or nil for any other b.
    public mutating func zeroRightHandSide(_ x: inout [Double]) -> SolveResult? {
        guard rhsNorm == 0 else { return nil }
        for i in x.indices { x[i] = 0 }
        record(0, 0)
        return finish(.converged_zero_rhs, 0, 0)
    }

    /// Records the initial residual; the result to return when it is NaN or already within the
    /// tolerance, nil when the iteration must run.
    public mutating func initialResidual(_ rnorm: Double) -> SolveResult? {
        record(0, rnorm)
        if !rnorm.isFinite { return finish(.diverged_nan, 0, rnorm) }
        return rnorm <= threshold ? finish(convergedReason(rnorm), 0, rnorm) : nil
    }

    /// The converged reason for a residual at or below the threshold.
    public func convergedReason(_ rnorm: Double) -> ConvergenceReason { rnorm <= options.atol ? .converged_atol : .converged_rtol }
}
