// The cost of one iteration of a recycling method against the method it extends ([recycling-pays] 1):
// GCRO-DR(m, k) against GMRES(m) with the same m, and recycled CG against PCG with the same
// preconditioner, at n = 10⁴ and 10⁶.
//
// Each solve runs a fixed number of iterations (rtol far below reach), so that both methods
// do the same count and the ratio of seconds per iteration is the ratio of their iteration
// costs. The recycling method starts from a space carried from an earlier solve of the same
// system (as in a sweep), so every cycle works with its full k; re-deriving C = A M⁻¹ U (k
// products) is part of its solve time. Runs alternate between the two methods, and the median
// of `repeats` runs is reported.
import Foundation
import Krylov
import LinearAlgebra

/// 2D convection–diffusion on an N × N grid of interior unknowns, h = 1/(N + 1): −Δu + w·∇u
/// with w = (Pe, Pe/2) by first-order upwinding (a nonsymmetric M-matrix), or the 5-point
/// Laplacian when pe = 0. Scaled by h², as the rows' diagonal 4 + h(|w₁| + |w₂|).
func convectionDiffusionMatrix(_ size: Int, pe: Double) throws -> CSRMatrix {
    let h = 1 / Double(size + 1)
    let wx = pe * h, wy = 0.5 * pe * h
    var rowPointers: [Int32] = [0], columns: [Int32] = [], values: [Double] = []
    rowPointers.reserveCapacity(size * size + 1); columns.reserveCapacity(5 * size * size); values.reserveCapacity(5 * size * size)
    for j in 0..<size {
        for i in 0..<size {
            let row = j * size + i
            func add(_ c: Int, _ v: Double) { columns.append(Int32(c)); values.append(v) }
            if j > 0 { add(row - size, -1 - wy) }
            if i > 0 { add(row - 1, -1 - wx) }
            add(row, 4 + wx + wy)
            if i < size - 1 { add(row + 1, -1) }
            if j < size - 1 { add(row + size, -1) }
            rowPointers.append(Int32(columns.count))
        }
    }
    return try CSRMatrix(rows: size * size, columns: size * size, rowPointers: rowPointers, columnIndices: columns, values: values)
}

/// Runs the plain and the recycling solve in turn, `repeats` times each from x = 0: their
/// seconds per iteration, and the iterations of their last runs.
func alternate(_ repeats: Int, n: Int, _ plain: (inout [Double]) -> SolveResult, _ recycling: (inout [Double]) -> SolveResult)
    -> (plain: [Double], recycled: [Double], plainIterations: Int, recycledIterations: Int) {
    var out = (plain: [Double](), recycled: [Double](), plainIterations: 0, recycledIterations: 0)
    for _ in 0..<repeats {
        var x = [Double](repeating: 0, count: n)
        let p = plain(&x)
        out.plain.append(p.solveSeconds / Double(p.iterations)); out.plainIterations = p.iterations
        x = [Double](repeating: 0, count: n)
        let r = recycling(&x)
        out.recycled.append(r.solveSeconds / Double(r.iterations)); out.recycledIterations = r.iterations
    }
    return out
}

func runKrylovIterationBench(sizes: [Int], iterations: Int, repeats: Int, restart: Int, recycle: Int) throws {
    for size in sizes {
        let n = size * size
        var generator = SystemRandomNumberGenerator()
        let b = (0..<n).map { _ in Double.random(in: -1...1, using: &generator) }
        let options = IterativeOptions(rtol: 1e-300, maxIterations: iterations, recordHistory: false)

        // GCRO-DR(m, k) against GMRES(m), no preconditioner and Jacobi.
        let nonsymmetric = try convectionDiffusionMatrix(size, pe: 100)
        for (pcName, pc) in [("none", IdentityPreconditioner(size: n) as any Preconditioner),
                             ("jacobi", try JacobiPreconditioner(nonsymmetric) as any Preconditioner)] {
            let gmres = try GMRES(matrix: nonsymmetric, preconditioner: pc, restart: restart, options: options)
            let gcrodr = try GCRODR(matrix: nonsymmetric, preconditioner: pc, restart: restart, recycle: recycle, options: options)
            let seed = gcrodr.solve(b, space: nil).solution.space
            let (plain, recycled, plainIts, recycledIts) = alternate(repeats, n: n, { gmres.solve(b, x: &$0) },
                                                                    { gcrodr.solve(b, x: &$0, space: seed).result })
            let ratio = median(recycled) / median(plain)
            log("n = \(n), \(pcName): GMRES(\(restart)) \(median(plain) * 1e6) µs/it (\(plainIts) its), "
                + "GCRO-DR(\(restart), \(recycle)) \(median(recycled) * 1e6) µs/it (\(recycledIts) its): \(ratio)×")
            emit([("tool", "pdekit"), ("version", version), ("case", "iteration_cost_gcrodr_vs_gmres_\(pcName)_n\(n)"),
                  ("gmres_s_per_iteration", median(plain)), ("gcrodr_s_per_iteration", median(recycled)), ("ratio", ratio),
                  ("restart", restart), ("recycle", recycle), ("iterations", recycledIts)])
        }

        // Recycled CG against PCG, the 5-point Laplacian, Jacobi and IC(0).
        let laplacian = try convectionDiffusionMatrix(size, pe: 0)
        for (pcName, pc) in [("jacobi", try JacobiPreconditioner(laplacian) as any Preconditioner),
                             ("ic0", try IncompleteCholeskyPreconditioner(laplacian) as any Preconditioner)] {
            let cg = try ConjugateGradient(matrix: laplacian, preconditioner: pc, options: options)
            let rcg = try RecyclingCG(matrix: laplacian, preconditioner: pc, options: IterativeOptions(rtol: 1e-6, recordHistory: false))
            let seed = rcg.solve(b, space: nil).solution.space
            let timed = try RecyclingCG(matrix: laplacian, preconditioner: pc, options: options)
            let (plain, recycled, plainIts, recycledIts) = alternate(repeats, n: n, { cg.solve(b, x: &$0) },
                                                                    { timed.solve(b, x: &$0, space: seed).result })
            let ratio = median(recycled) / median(plain)
            log("n = \(n), \(pcName): PCG \(median(plain) * 1e6) µs/it (\(plainIts) its), "
                + "rcg(\(timed.recycle), \(timed.collect)) \(median(recycled) * 1e6) µs/it (\(recycledIts) its): \(ratio)×")
            emit([("tool", "pdekit"), ("version", version), ("case", "iteration_cost_rcg_vs_pcg_\(pcName)_n\(n)"),
                  ("pcg_s_per_iteration", median(plain)), ("rcg_s_per_iteration", median(recycled)), ("ratio", ratio),
                  ("recycle", timed.recycle), ("iterations", recycledIts)])
        }
    }
}
