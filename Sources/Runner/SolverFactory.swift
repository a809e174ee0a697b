import Foundation
import Krylov
import LinearAlgebra
import Problems
import Spectral

/// Turns a `[solver]` table into a solve: the one place where method and preconditioner names
/// map to types. `pdekit list` prints the same names from `SolverSpec`.
public enum SolverFactory {
    /// What was built, for `--view` and the run record.
    public struct Description: Sendable {
        public var table = ConfigTable()
        mutating func add(_ key: String, _ value: Double) { table[key] = .double(value) }
        mutating func add(_ key: String, _ value: Int) { table[key] = .integer(value) }
        mutating func add(_ key: String, _ value: Bool) { table[key] = .bool(value) }
        mutating func add(_ key: String, _ value: String) { table[key] = .string(value) }
    }

    /// The FFT solver for a structured problem, with coefficient `c`.
    static func fastSolver(_ structure: GridStructure?, coefficient: (GridStructure) -> Double,
                           _ spec: SolverSpec, _ d: inout Description) throws -> FastPoissonSolver {
        guard let structure else {
            throw RunError(.badInput, "fft needs a kind = \"pde\" problem (it uses the grid), not a linear_system")
        }
        let c = coefficient(structure)
        let f = try FastPoissonSolver(axes: structure.axes, coefficient: c, effort: R2RPlan.Effort(rawValue: spec.fftEffort) ?? .measure)
        d.add("fft_coefficient", c)
        d.add("fft_boundaries", structure.axes.map { "\($0.low.rawValue)-\($0.high.rawValue)" }.joined(separator: ", "))
        d.add("fft_planning_seconds", f.planningSeconds)
        return f
    }

    public static func makePreconditioner(_ name: String, _ a: CSRMatrix, _ spec: SolverSpec, structure: GridStructure? = nil,
                                          _ description: inout Description) throws -> any Preconditioner {
        switch name {
        case "none": return IdentityPreconditioner(size: a.rows)
        case "jacobi": return try JacobiPreconditioner(a)
        case "ssor":
            description.add("ssor_omega", spec.ssorOmega)
            return try SSORPreconditioner(a, omega: spec.ssorOmega)
        case "ic0":
            let ic = try IncompleteCholeskyPreconditioner(a)
            description.add("ic0_shift", ic.shift)
            return ic
        case "cholmod":
            let c = try CholeskyFactorization(a)
            description.add("cholmod_factor_nonzeros", c.factorNonzeros)
            return c
        case "fft":
            return try fastSolver(structure, coefficient: { $0.geometricMeanCoefficient }, spec, &description)
        default:
            throw LinearAlgebraError.invalidArgument("unknown preconditioner '\(name)'")
        }
    }

    /// At most this many steps of iterative refinement follow a direct solve (UMFPACK's own
    /// default is 2; one more lets a nearly singular system show whether refinement still helps).
    static let maxRefinementSteps = 3

    /// x = F⁻¹b, then iterative refinement x ← x + F⁻¹(b − Ax) while the true residual is above
    /// `threshold` and each step at least halves it (in working precision refinement reaches a
    /// small backward error in one or two steps; no progress means the factor cannot do better).
    /// Returns the best x, its residual norm and the refinement steps taken.
    static func refinedSolve(_ a: CSRMatrix, _ b: [Double], _ factor: any Preconditioner, threshold: Double) -> (x: [Double], residual: Double, steps: Int) {
        var x = factor.apply(b)
        func residual(_ x: [Double]) -> [Double] { zip(b, a.apply(x)).map { $0 - $1 } }
        var r = residual(x)
        var rnorm = r.norm2
        var steps = 0
        while rnorm.isFinite, rnorm > threshold, steps < maxRefinementSteps {
            let dx = factor.apply(r)
            let candidate = zip(x, dx).map { $0 + $1 }
            let rc = residual(candidate)
            let cnorm = rc.norm2
            steps += 1
            guard cnorm.isFinite, cnorm < rnorm else { break }
            x = candidate; r = rc
            let improved = cnorm <= 0.5 * rnorm
            rnorm = cnorm
            if !improved { break }
        }
        return (x, rnorm, steps)
    }

    /// Method and preconditioner against the matrix, before any setup: CG, CHOLMOD and the
    /// symmetric preconditioners need a symmetric matrix; the FFT solver needs a structured grid
    /// (and, as a method, a constant coefficient). `error(key, message)` locates a failure at
    /// `[solver] key`.
    public static func validate(_ spec: SolverSpec, matrix: CSRMatrix, structure: GridStructure?,
                                error: (String, String) -> Error) throws {
        if spec.method == "cg" || spec.method == "direct" {
            let asym = matrix.asymmetry()
            if asym > 1e-12 {
                throw error("method", "'\(spec.method)' needs a symmetric positive definite matrix, but this one is not symmetric (the largest |A - Aᵀ| is \(asym) of the largest |A| entry); use method = \"lu\"")
            }
        }
        if spec.method == "fft" {
            guard let structure else { throw error("method", "'fft' needs a kind = \"pde\" problem (it uses the grid), not a linear_system") }
            guard structure.constantCoefficient != nil else {
                throw error("method", "'fft' needs a constant coefficient; for a variable one use method = \"cg\" with preconditioner = \"fft\"")
            }
        }
        if spec.method == "cg" && spec.preconditioner == "fft" && structure == nil {
            throw error("preconditioner", "'fft' needs a kind = \"pde\" problem (it uses the grid), not a linear_system")
        }
    }

    /// Solves A x = b as `spec` says. Throws for setup failures (not SPD, singular, ...);
    /// an iterative method that does not converge returns normally with a negative reason.
    public static func solve(_ a: CSRMatrix, _ b: [Double], _ spec: SolverSpec, structure: GridStructure? = nil,
                             monitor: (@Sendable (ResidualRecord) -> Void)?,
                             view: ((Description) -> Void)? = nil) throws -> (x: [Double], result: SolveResult, description: Description) {
        var d = Description()
        d.add("method", spec.method)
        d.add("rows", a.rows); d.add("nonzeros", a.nonzeros)
        if let structure { d.add("coefficient_contrast", structure.coefficientContrast) }
        let bnorm = b.norm2
        switch spec.method {
        case "direct", "lu", "fft":
            let t0 = Date()
            let factor: any Preconditioner
            if spec.method == "direct" {
                let c = try CholeskyFactorization(a)
                d.add("cholmod_analyze_seconds", c.analyzeSeconds); d.add("cholmod_factor_seconds", c.factorSeconds)
                d.add("cholmod_factor_nonzeros", c.factorNonzeros); d.add("cholmod_supernodal", c.isSupernodal)
                factor = c
            } else if spec.method == "fft" {
                guard structure == nil || structure?.constantCoefficient != nil else {
                    throw RunError(.badInput, "method = \"fft\" needs a constant coefficient; for a variable one use method = \"cg\" with preconditioner = \"fft\"")
                }
                factor = try fastSolver(structure, coefficient: { $0.constantCoefficient! }, spec, &d)
            } else {
                let lu = try LUFactorization(a)
                d.add("umfpack_analyze_seconds", lu.analyzeSeconds); d.add("umfpack_factor_seconds", lu.factorSeconds)
                factor = lu
            }
            let setup = Date().timeIntervalSince(t0)
            d.add("rtol", max(spec.rtol, IterativeOptions.machineFloor)); d.add("atol", spec.atol)
            view?(d)
            let t1 = Date()
            let threshold = IterativeOptions(rtol: spec.rtol, atol: spec.atol).threshold(rhsNorm: bnorm)
            let (x, r, steps) = refinedSolve(a, b, factor, threshold: threshold)
            let solveSeconds = Date().timeIntervalSince(t1)
            d.add("refinement_steps", steps)
            let reason: ConvergenceReason = !r.isFinite ? .diverged_nan : (r <= threshold ? .converged_direct : .diverged_direct_residual)
            let result = SolveResult(reason: reason, iterations: 1 + steps, residualNorm: r, rhsNorm: bnorm,
                                     history: [], setupSeconds: setup, solveSeconds: solveSeconds)
            return (x, result, d)
        default:
            d.add("preconditioner", spec.preconditioner)
            let t0 = Date()
            let m = try makePreconditioner(spec.preconditioner, a, spec, structure: structure, &d)
            let setup = Date().timeIntervalSince(t0)
            let options = IterativeOptions(rtol: spec.rtol, atol: spec.atol, maxIterations: spec.maxIterations,
                                           timeLimit: spec.timeLimit, recordHistory: true, monitor: monitor)
            d.add("rtol", max(spec.rtol, IterativeOptions.machineFloor)); d.add("atol", spec.atol)
            d.add("max_iterations", spec.maxIterations)
            d.add("stopping_rule", "true residual ||b - A x|| <= max(rtol ||b||, atol)")
            view?(d)
            let cg = try ConjugateGradient(matrix: a, preconditioner: m, options: options)
            var (x, result) = cg.solve(b)
            result.setupSeconds = setup
            return (x, result, d)
        }
    }
}
