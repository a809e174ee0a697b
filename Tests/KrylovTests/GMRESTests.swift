import XCTest
import LinearAlgebra
@testable import Krylov

final class GMRESTests: XCTestCase {
    /// A nonsymmetric tridiagonal (1D convection–diffusion, upwind), n unknowns.
    func convectionDiffusion(_ n: Int, peclet: Double) throws -> CSRMatrix {
        var ri = [Int32](), ci = [Int32](), v = [Double]()
        for i in 0..<n {
            ri.append(Int32(i)); ci.append(Int32(i)); v.append(2 + peclet)
            if i > 0 { ri.append(Int32(i)); ci.append(Int32(i - 1)); v.append(-1 - peclet) }
            if i < n - 1 { ri.append(Int32(i)); ci.append(Int32(i + 1)); v.append(-1) }
        }
        return try CSRMatrix(rows: n, columns: n, rowIndices: ri, columnIndices: ci, values: v)
    }

    func rhs(_ n: Int) -> [Double] { (0..<n).map { sin(Double($0) * 0.37) + 0.1 } }

    func testMatchesTheDirectSolutionOnANonsymmetricSystem() throws {
        let a = try convectionDiffusion(400, peclet: 3)
        let b = rhs(400)
        for restart in [5, 30, 400] {
            let g = try GMRES(matrix: a, restart: restart, options: IterativeOptions(rtol: 1e-10, maxIterations: 20_000))
            let (x, r) = g.solve(b)
            XCTAssertTrue(r.reason.converged, "restart \(restart): \(r.reason)")
            let exact = try LUFactorization(a).solve(b)
            let err = zip(x, exact).map { abs($0 - $1) }.max()! / exact.map(abs).max()!
            // ‖x − x*‖/‖x*‖ ≤ κ · 1e-10; κ of this matrix is below 10⁴.
            XCTAssertLessThan(err, 1e-6, "restart \(restart)")
            // The reported residual is the true one.
            let res = zip(b, a.apply(x)).map { $0 - $1 }.norm2
            XCTAssertEqual(res, r.residualNorm, accuracy: 1e-12 * b.norm2)
        }
    }

    /// Full GMRES (no restart) finishes in at most n iterations, and the residual estimates it
    /// records never increase (GMRES minimises over nested spaces).
    func testFullGMRESIsMonotoneAndFinite() throws {
        let n = 60
        let a = try convectionDiffusion(n, peclet: 10)
        let g = try GMRES(matrix: a, restart: n, options: IterativeOptions(rtol: 1e-12, maxIterations: 1000))
        let (_, r) = g.solve(rhs(n))
        XCTAssertTrue(r.reason.converged)
        XCTAssertLessThanOrEqual(r.iterations, n)
        let h = r.history.map(\.residualNorm)
        for i in 1..<h.count - 1 { XCTAssertLessThanOrEqual(h[i], h[i - 1] * (1 + 1e-12)) }
    }

    /// A = I: the first Krylov vector is the solution (happy breakdown after one step).
    func testHappyBreakdown() throws {
        let a = try CSRMatrix(rows: 5, columns: 5, rowIndices: [0, 1, 2, 3, 4], columnIndices: [0, 1, 2, 3, 4], values: [1, 1, 1, 1, 1])
        let g = try GMRES(matrix: a, restart: 5, options: IterativeOptions(rtol: 1e-14))
        let (x, r) = g.solve([1, 2, 3, 4, 5])
        XCTAssertTrue(r.reason.converged)
        XCTAssertEqual(r.iterations, 1)
        XCTAssertEqual(x, [1, 2, 3, 4, 5])
    }

    /// An indefinite symmetric matrix (a shifted Laplacian, Helmholtz-like): CG's breakdown
    /// case, which GMRES handles.
    func testIndefiniteSystem() throws {
        let n = 200, h = 1.0 / 201, k2 = 400.0
        var ri = [Int32](), ci = [Int32](), v = [Double]()
        for i in 0..<n {
            ri.append(Int32(i)); ci.append(Int32(i)); v.append(2 / (h * h) - k2)
            if i > 0 { ri.append(Int32(i)); ci.append(Int32(i - 1)); v.append(-1 / (h * h)) }
            if i < n - 1 { ri.append(Int32(i)); ci.append(Int32(i + 1)); v.append(-1 / (h * h)) }
        }
        let a = try CSRMatrix(rows: n, columns: n, rowIndices: ri, columnIndices: ci, values: v)
        let g = try GMRES(matrix: a, restart: n, options: IterativeOptions(rtol: 1e-10))
        let (x, r) = g.solve(rhs(n))
        XCTAssertTrue(r.reason.converged, "\(r.reason)")
        XCTAssertLessThanOrEqual(zip(rhs(n), a.apply(x)).map { $0 - $1 }.norm2, 1e-10 * rhs(n).norm2 * 1.0001)
    }

    func testPreconditioningOnTheRightKeepsTheTrueResidual() throws {
        let a = try convectionDiffusion(300, peclet: 2)
        let m = try JacobiPreconditioner(a)
        let g = try GMRES(matrix: a, preconditioner: m, restart: 20, options: IterativeOptions(rtol: 1e-9, maxIterations: 5000))
        let (x, r) = g.solve(rhs(300))
        XCTAssertTrue(r.reason.converged)
        XCTAssertLessThanOrEqual(zip(rhs(300), a.apply(x)).map { $0 - $1 }.norm2, 1e-9 * rhs(300).norm2 * 1.0001)
    }
}
