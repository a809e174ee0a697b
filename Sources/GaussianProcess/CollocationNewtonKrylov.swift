import Foundation
import Krylov
import LinearAlgebra

/// Newton's method for the 2D Allen–Cahn collocation system, Δu + u(u² − 1) = f inside and
/// u = g on the boundary, with the GP derivative operators D₀, D₁ of `GPCollocation`.
///
/// Each Newton step solves J δ = −r on the interior, J = L + diag(3u² − 1) with L the
/// collocation Laplacian (L X = A X + X B on the interior block). J has no Kronecker structure,
/// but L does: GMRES right-preconditioned by L⁻¹, a Sylvester solve whose Schur forms are
/// computed once (`SylvesterSolver`), converges in a few iterations when the reaction term is
/// small next to L (the high-frequency problems GP-HM targets; the preconditioned operator is
/// I + diag(c) L⁻¹). Newton starts from the Poisson solution of Δu = f.
enum CollocationNewtonKrylov {
    /// The interior collocation Laplacian as an operator on vec(X) (row-major, n₀' × n₁').
    struct Laplacian: LinearOperator, @unchecked Sendable {
        let a: DenseMatrix, b: DenseMatrix
        var reaction: [Double]
        var rows: Int { a.rows * b.rows }
        var columns: Int { rows }
        func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
            let m = a.rows, n = b.rows
            // The row-major vec of X is the column-major storage of Xᵀ (n × m), and
            // (A X + X B)ᵀ = Xᵀ Aᵀ + Bᵀ Xᵀ comes out in the same layout. (The shapes match by
            // construction, so the products cannot throw.)
            let xt = DenseMatrix(rows: n, columns: m, values: Array(x))
            let p = try! xt.multiplied(by: a, transposeOther: true), q = try! b.multiplied(by: xt, transposeSelf: true)
            for k in 0..<(m * n) { y[k] = p.values[k] + q.values[k] + reaction[k] * x[k] }
        }
    }

    /// L⁻¹ by the cached Sylvester solver.
    struct SylvesterPreconditioner: Preconditioner, @unchecked Sendable {
        let solver: SylvesterSolver
        let m: Int, n: Int
        var name: String { "sylvester" }
        var rows: Int { m * n }
        var columns: Int { rows }
        var setupSeconds: Double { 0 }
        func apply(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) {
            var c = DenseMatrix(rows: m, columns: n)
            for i in 0..<m { for j in 0..<n { c[i, j] = r[i * n + j] } }
            let x = try! solver.solve(c)
            for i in 0..<m { for j in 0..<n { z[i * n + j] = x[i, j] } }
        }
    }

    /// Returns u on the whole grid (C order), the Newton iterations, whether the update fell
    /// below `tolerance` relative to u, and the GMRES iterations in all.
    static func allenCahn2D(_ gp: GPCollocation, f: [Double], boundary g: [Double], tolerance: Double, maxIterations: Int) throws
        -> (u: [Double], iterations: Int, converged: Bool, krylovIterations: Int) {
        let (n0, n1) = (gp.shape[0], gp.shape[1])
        var u = try gp.solvePoisson(f: f, boundary: g)
        guard n0 >= 3, n1 >= 3 else { return (u, 0, true, 0) }
        let (d0, d1) = (gp.derivativeOperators[0], gp.derivativeOperators[1])
        let (m, n) = (n0 - 2, n1 - 2)
        var a = DenseMatrix(rows: m, columns: m), b = DenseMatrix(rows: n, columns: n)
        for i in 0..<m { for j in 0..<m { a[i, j] = d0[i + 1, j + 1] } }
        for i in 0..<n { for j in 0..<n { b[i, j] = d1[j + 1, i + 1] } }   // (D₁ restricted)ᵀ
        let preconditioner = SylvesterPreconditioner(solver: try SylvesterSolver(a, b), m: m, n: n)
        var krylov = 0
        for iteration in 1...maxIterations {
            // The residual on the whole grid: D₀ U + U D₁ᵀ + U(U² − 1) − F, read inside.
            var grid = DenseMatrix(rows: n0, columns: n1)
            for i in 0..<n0 { for j in 0..<n1 { grid[i, j] = u[i * n1 + j] } }
            let lu = try d0.multiplied(by: grid), ul = try grid.multiplied(by: d1, transposeOther: true)
            var minusResidual = [Double](repeating: 0, count: m * n), reaction = minusResidual
            for i in 0..<m {
                for j in 0..<n {
                    let v = u[(i + 1) * n1 + j + 1]
                    minusResidual[i * n + j] = -(lu[i + 1, j + 1] + ul[i + 1, j + 1] + v * (v * v - 1) - f[(i + 1) * n1 + j + 1])
                    reaction[i * n + j] = 3 * v * v - 1
                }
            }
            let jacobian = Laplacian(a: a, b: b, reaction: reaction)
            // The step to 1e-10 relative, or to the rounding floor of the residual itself
            // (ε times the size of its terms): once Newton is there, no step can do better,
            // and GMRES would only spin.
            var terms = 0.0
            for i in 0..<m { for j in 0..<n { let v = abs(lu[i + 1, j + 1]) + abs(ul[i + 1, j + 1]) + abs(f[(i + 1) * n1 + j + 1]); terms += v * v } }
            let floor = 1e-14 * Double(max(n0, n1)) * terms.squareRoot()
            // Already at that floor: u solves the discrete equations to rounding (GMRES could
            // not reduce a residual made of rounding errors, whose run-to-run value depends on
            // the BLAS's summation order).
            if minusResidual.norm2 <= floor { return (u, iteration - 1, true, krylov) }
            let gmres = try GMRES(matrix: jacobian, preconditioner: preconditioner, restart: 30,
                                  options: IterativeOptions(rtol: 1e-10, atol: floor, maxIterations: 200, recordHistory: false))
            let (step, result) = gmres.solve(minusResidual)
            krylov += result.iterations
            // An inexact step that still reduced the residual is a usable Newton step; a step
            // that did not is a failure to converge.
            guard result.reason.converged || result.relativeResidual < 1e-3 else { return (u, iteration, false, krylov) }
            for i in 0..<m { for j in 0..<n { u[(i + 1) * n1 + j + 1] += step[i * n + j] } }
            let size = step.reduce(0) { max($0, abs($1)) }, scale = u.reduce(0) { max($0, abs($1)) }
            if !size.isFinite { return (u, iteration, false, krylov) }
            if size <= tolerance * max(scale, 1e-300) { return (u, iteration, true, krylov) }
        }
        return (u, maxIterations, false, krylov)
    }
}
