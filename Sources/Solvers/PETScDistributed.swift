import Foundation
import LinearAlgebra
import PETScBridge

/// One `method = "petsc"` system distributed over the ranks of mpirun (or srun): MPI through
/// libpdekit-petsc.so, so that pdekit links no MPI of its own (`PETScLibrary`).
///
/// Every call is collective: every rank makes the same calls in the same order.
public enum PETScDistributed {
    /// Initialises MPI and PETSc (once) and returns this process's rank and the number of ranks
    /// in MPI_COMM_WORLD.
    public static func start() throws -> (rank: Int, size: Int) {
        var rank: Int32 = 0, size: Int32 = 1
        var text = [CChar](repeating: 0, count: 4096)
        let status = try PETScLibrary.lock.withLock {
            try PETScLibrary.functions().start(&rank, &size, &text, Int32(text.count))
        }
        guard status == 0 else { throw LinearAlgebraError.library("MPI: \(PETScLibrary.string(text))") }
        return (Int(rank), Int(size))
    }

    /// Every rank passes its own failure (nil: none) and gets back the failure of the
    /// lowest-numbered rank that failed, or nil when none did: what each rank then does (stop,
    /// or go on) is the same on all of them.
    public static func agree(_ failure: (status: Int32, message: String)?) -> (status: Int32, message: String)? {
        let capacity = 4096
        var text = [CChar](repeating: 0, count: capacity)
        if let failure {
            for (i, byte) in failure.message.utf8.prefix(capacity - 1).enumerated() { text[i] = CChar(bitPattern: byte) }
        }
        let agreed: Int32 = PETScLibrary.lock.withLock {
            guard let bridge = try? PETScLibrary.functions() else { return failure?.status ?? 0 }
            return bridge.agree(failure?.status ?? 0, &text, Int32(capacity))
        }
        return agreed == 0 ? nil : (agreed, PETScLibrary.string(text))
    }

    /// Rank 0's text on every rank (at most `capacity` − 1 bytes).
    public static func broadcast(_ text: String, capacity: Int = 4096) throws -> String {
        var buffer = [CChar](repeating: 0, count: capacity)
        for (i, byte) in text.utf8.prefix(capacity - 1).enumerated() { buffer[i] = CChar(bitPattern: byte) }
        let status = try PETScLibrary.lock.withLock { try PETScLibrary.functions().broadcast(&buffer, Int32(capacity)) }
        guard status == 0 else { throw LinearAlgebraError.library("MPI_Bcast failed") }
        return PETScLibrary.string(buffer)
    }

    /// Sums (or maxima) over all ranks, element by element.
    public static func allReduce(_ values: [Double], maximum: Bool = false) throws -> [Double] {
        var v = values
        let status = try PETScLibrary.lock.withLock {
            try PETScLibrary.functions().allreduce(&v, Int32(v.count), maximum ? 1 : 0)
        }
        guard status == 0 else { throw LinearAlgebraError.library("MPI_Allreduce failed") }
        return v
    }

    /// Solves the system whose rows `firstRow ..< firstRow + matrix.rows` this rank holds
    /// (global column indices) on PETSC_COMM_WORLD; returns this rank's part of x. The residual
    /// in the result is the global ‖b − A x‖, recomputed by PETSc after the solve. `grid` is the
    /// Dirichlet grid pc_type = mg coarsens (this rank's rows must be whole planes of it).
    ///
    /// The rows and b are handed over: `matrix` and `rhs` are `.empty` and [] on return, and
    /// freed as soon as PETSc has copied them, before its set-up, if the caller held no other
    /// reference to them.
    public static func solve(matrix: inout CSRMatrix, rhs: inout [Double], globalRows: Int, firstRow: Int, grid: [Int]?, spec: SolverSpec,
                             warn: Bool) throws -> (x: [Double], result: SolveResult, description: SolverDescription) {
        let o = spec.options["petsc"] as? PETScOptions ?? PETScOptions()
        var x = [Double](repeating: 0, count: rhs.count)
        var rows = PETScSolve.Rows(matrix: matrix, rhs: rhs, globalRows: globalRows, firstRow: firstRow, distributed: true, grid: grid)
        (matrix, rhs) = (.empty, [])
        let report = try PETScSolve.call(&rows, x: &x, o, spec, view: true)
        var d = SolverDescription()
        d.add("method", "petsc")
        PETScSolve.describe(report, o, spec, warn: warn, &d)
        // Finite on every rank, or NaN reported on every rank.
        let nonFinite = try allReduce([x.allSatisfy(\.isFinite) ? 0 : 1], maximum: true)[0] > 0
        let r = report.result
        var result = SolveResult(reason: PETScSolve.reason(r.reason, ksp: report.fields["ksp"] ?? o.kspType, finite: !nonFinite),
                                 iterations: Int(r.iterations), residualNorm: r.residual_norm, rhsNorm: r.rhs_norm,
                                 setupSeconds: r.setup_seconds, solveSeconds: r.solve_seconds)
        if r.rhs_norm == 0, result.reason.converged { result.reason = .converged_zero_rhs }
        return (x, result, d)
    }
}
