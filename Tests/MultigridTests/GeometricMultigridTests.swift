import XCTest
import Krylov
import LinearAlgebra
import Discretisation
@testable import Multigrid

/// Convergence budgets of geometric multigrid, on problems assembled by pdekit and right-hand
/// sides from a fixed hash (random, so every error mode is present).
final class GeometricMultigridTests: XCTestCase {
    func factor(_ p: AssembledProblem, _ o: MultigridOptions, cycles: Int = 10) throws -> Double {
        try Fixture.factor(p, o, cycles: cycles)
    }

    func testPoisson2DVCycleFactorBudgetAndGridIndependence() throws {
        // Budget 0.15 per V(1,1) cycle (issue 9). Nested sizes (2^k − 1) and non-nested ones.
        var factors: [Double] = []
        for n in [63, 127, 255] {
            let f = try factor(try Fixture.poisson([n, n]), MultigridOptions(coarseSize: 10))
            XCTAssertLessThanOrEqual(f, 0.15, "n = \(n)")
            factors.append(f)
        }
        // Not growing with the grid: within 0.02 of the smallest grid's factor (the factor of a
        // grid-independent method varies by O(h²) between these sizes, well below 0.02).
        XCTAssertLessThanOrEqual(factors[2], factors[0] + 0.02, "\(factors)")
        // Sizes whose interval counts are odd coarsen onto non-nested grids (docs/multigrid.md):
        // the stated budget there is 0.2 (measured 0.17 at 64² and 256²).
        for n in [64, 100, 256] {
            XCTAssertLessThanOrEqual(try factor(try Fixture.poisson([n, n]), MultigridOptions()), 0.2, "n = \(n)")
        }
    }

    func testEverySmootherAndCycleConverges() throws {
        let p = try Fixture.poisson([63, 63])
        for smoother in MultigridOptions.Smoother.allCases {
            for cycle in MultigridOptions.Cycle.allCases {
                let f = try factor(p, MultigridOptions(cycle: cycle, smoother: smoother, coarseSize: 10))
                // Two-grid theory for V(1,1): ≤ 0.6² for Jacobi (smoothing factor 3/5), well
                // below for Gauss–Seidel and Chebyshev; W and F cycles are at least as good.
                XCTAssertLessThanOrEqual(f, 0.36, "\(smoother) \(cycle)")
            }
        }
    }

    func testThreeDimensionsAndBoundaryKinds() throws {
        XCTAssertLessThanOrEqual(try factor(try Fixture.poisson([31, 31, 31]), MultigridOptions()), 0.2)
        let neumann = try Fixture.assemble([65, 64], coefficient: "1 + x*y", sides: [(.neumann, .neumann), (.dirichlet, .dirichlet)])
        XCTAssertLessThanOrEqual(try factor(neumann, MultigridOptions()), 0.15)
    }

    /// All sides Neumann or periodic: singular, constants in the null space. A right-hand side
    /// with zero sum is consistent; the solve converges and returns the zero-mean solution.
    func testSingularOperators() throws {
        // Problem files refuse a singular problem; the library takes it (as PETSc does with a
        // null space attached): the grid with the Dirichlet sides made Neumann or periodic.
        for sides in [GridStructure.Boundary.neumann, .periodic] {
            let p = try Fixture.assemble([64, 64], coefficient: "1 + x*y")
            var structure = p.structure
            structure.axes = [GridStructure.Axis(unknowns: 64, spacing: 1.0 / 63, low: sides, high: sides),
                              GridStructure.Axis(unknowns: 64, spacing: 1.0 / 63, low: sides, high: sides)]
            structure.nodeCoefficients = Array(structure.nodeCoefficients.prefix(64 * 64))
            let mg = try GeometricMultigrid(structure: structure, options: MultigridOptions())
            XCTAssertTrue(mg.isSingular)
            var b = Fixture.random(64 * 64)
            let mean = b.reduce(0, +) / Double(b.count)
            b = b.map { $0 - mean }
            var x = [Double](repeating: 0, count: b.count)
            let r = mg.solve(b, x: &x, options: IterativeOptions(rtol: 1e-10, maxIterations: 30))
            XCTAssertTrue(r.reason.converged, "\(sides): \(r.reason) after \(r.iterations)")
            XCTAssertLessThanOrEqual(r.iterations, 15, "\(sides)")
            XCTAssertLessThanOrEqual(abs(x.reduce(0, +)) / Double(x.count), 1e-12)
        }
    }

    /// Full multigrid reaches the discretisation error in one cycle: ‖u_FMG − u‖ ≤ 2 ‖u_h − u‖
    /// (u the exact solution, u_h the exact discrete solution).
    func testFullMultigridReachesDiscretisationError() throws {
        for n in [63, 127, 255] {
            let p = try Fixture.assemble([n, n], rhs: "2*pi^2*sin(pi*x)*sin(pi*y)*(1 + x*y) - pi*(y*cos(pi*x)*sin(pi*y) + x*sin(pi*x)*cos(pi*y))",
                                         coefficient: "1 + x*y", exact: "sin(pi*x)*sin(pi*y)")
            let exact = p.exact!
            let uh = try CholeskyFactorization(p.matrix).solve(p.rhs)
            let discretisation = zip(uh, exact).map { abs($0 - $1) }.max()!
            let mg = try GeometricMultigrid(structure: p.structure, options: MultigridOptions(cycle: .fmg))
            var x = [Double](repeating: 0, count: p.rhs.count)
            _ = mg.solve(p.rhs, x: &x, options: IterativeOptions(rtol: 1e-300, maxIterations: 1))
            let fmg = zip(x, exact).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(fmg, 2 * discretisation, "n = \(n): FMG error \(fmg), discretisation error \(discretisation)")
        }
    }

    /// A square inclusion 10⁴ times more conductive, and a log-normal (exp of a Gaussian random
    /// field scaled by 5.5, contrast 2726) Darcy coefficient: a rediscretised coarse operator is not a
    /// Galerkin one, and the stated budget for CG + V(1,1) to 1e-8 on 127² is 15 iterations
    /// (measured 11 and 8; docs/multigrid.md).
    func testJumpingAndLogNormalCoefficientsWithCG() throws {
        for (coefficient, p) in [("jump", try Fixture.assemble([127, 127], coefficient: Fixture.jump)),
                                 ("log-normal", try Fixture.assemble([127, 127], random: Fixture.logNormal))] {
            let mg = try GeometricMultigrid(structure: p.structure, options: MultigridOptions())
            let cg = try ConjugateGradient(matrix: p.matrix, preconditioner: mg, options: IterativeOptions(rtol: 1e-8, maxIterations: 200))
            let (_, r) = cg.solve(Fixture.random(p.matrix.rows))
            XCTAssertTrue(r.reason.converged, "\(coefficient): \(r.reason)")
            XCTAssertLessThanOrEqual(r.iterations, 15, coefficient)
        }
    }

    /// Anisotropy ε = 10⁻³ from the grid: −Δu on [0,1] × [0, √1000] with equal counts, so the
    /// y-coupling is 10⁻³ of the x-coupling. Semicoarsening (only x, until the cells are
    /// square) keeps point smoothers effective: the V(1,1) factor stays at the isotropic budget.
    func testAnisotropicGridIsSemicoarsened() throws {
        let p = try Fixture.assemble([127, 127], domain: [(0, 1), (0, 31.6227766)])
        let mg = try GeometricMultigrid(structure: p.structure, options: MultigridOptions())
        XCTAssertEqual(mg.levelShapes[1], [63, 127], "x (fine spacing, strong coupling) coarsens first")
        XCTAssertLessThanOrEqual(try factor(p, MultigridOptions()), 0.15)
    }

    func testPreconditionedCGIsGridIndependent() throws {
        var iterations: [Int] = []
        for n in [63, 255] {
            let p = try Fixture.poisson([n, n])
            let mg = try GeometricMultigrid(structure: p.structure, options: MultigridOptions())
            let cg = try ConjugateGradient(matrix: mg.finestOperator, preconditioner: mg, options: IterativeOptions(rtol: 1e-8))
            let (x, r) = cg.solve(Fixture.random(p.matrix.rows))
            XCTAssertTrue(r.reason.converged)
            // The true residual against the assembled matrix too.
            let res = zip(Fixture.random(p.matrix.rows), p.matrix.apply(x)).map { $0 - $1 }.norm2
            XCTAssertLessThanOrEqual(res, 1.01e-8 * r.rhsNorm)
            iterations.append(r.iterations)
        }
        // A factor ρ ≤ 0.15 gives CG ≤ log(1e-8)/log(ρ) ≈ 10 iterations at any size.
        XCTAssertLessThanOrEqual(iterations.max()!, 10, "\(iterations)")
    }
}

final class MultigridThreadingTests: XCTestCase {
    /// The fused red–black pass splits rows between threads; its result must not depend on how
    /// many (bit for bit), in 2D and 3D and for a variable coefficient. (Whole cycles are not
    /// compared: CHOLMOD's coarse solve calls threaded BLAS, whose sums round differently.)
    func testSmoothingDoesNotDependOnTheThreadCount() throws {
        let saved = Parallel.threadCount
        defer { Parallel.setThreadCount(saved) }
        // At least 2 × 32768 unknowns, so that two threads get a block each.
        for p in [try Fixture.assemble([256, 257]), try Fixture.assemble([40, 41, 42], coefficient: "1 + x*y*z")] {
            let op = try StencilOperator(axes: p.structure.axes, nodeCoefficients: p.structure.nodeCoefficients)
            var results: [[Double]] = []
            for threads in [1, 2] {
                Parallel.setThreadCount(threads)
                let smoother = RedBlackGaussSeidel(op)
                var x = [Double](repeating: 0, count: p.rhs.count)
                p.rhs.withUnsafeBufferPointer { b in
                    x.withUnsafeMutableBufferPointer { smoother.smooth($0.baseAddress!, b.baseAddress!, sweeps: 2, reverse: false) }
                }
                results.append(x)
            }
            XCTAssertTrue(results[0] == results[1], "\(p.shape)")
            // And the fused pass is red–black Gauss–Seidel: plain sweeps over the assembled
            // matrix (red, black, red, black) agree to rounding.
            let a = p.matrix, shape = p.shape
            var x = [Double](repeating: 0, count: p.rhs.count)
            for _ in 0..<2 {
                for colour in 0..<2 {
                    for i in 0..<a.rows {
                        var rem = i, parity = 0
                        for d in stride(from: shape.count - 1, through: 0, by: -1) { parity += rem % shape[d]; rem /= shape[d] }
                        guard parity % 2 == colour else { continue }
                        var sum = p.rhs[i], diag = 0.0
                        for k in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) {
                            let j = Int(a.columnIndices[k])
                            if j == i { diag = a.values[k] } else { sum -= a.values[k] * x[j] }
                        }
                        x[i] = sum / diag
                    }
                }
            }
            let scale = x.map(abs).max()!
            XCTAssertLessThanOrEqual(zip(x, results[0]).map { abs($0 - $1) }.max()!, 1e-12 * scale, "\(p.shape)")
        }
    }
}

final class GalerkinCoarseOperatorTests: XCTestCase {
    /// The Galerkin hierarchy is R A P with the grid transfers: on constant-coefficient Poisson
    /// it converges at least as fast as rediscretisation on nested grids and better on
    /// non-nested ones; on the 10⁴ inclusion CG needs no more iterations than with
    /// rediscretisation (docs/multigrid.md has the measurements).
    func testGalerkinAgainstRediscretisation() throws {
        for n in [127, 128] {
            let p = try Fixture.poisson([n, n])
            let r = try Fixture.factor(p, MultigridOptions(coarseOperator: .rediscretised))
            let g = try Fixture.factor(p, MultigridOptions(coarseOperator: .galerkin))
            XCTAssertLessThanOrEqual(g, max(r, 0.15), "n = \(n): Galerkin \(g), rediscretised \(r)")
        }
        let p = try Fixture.assemble([127, 127], coefficient: Fixture.jump)
        var iterations: [Int] = []
        for kind in MultigridOptions.CoarseOperator.allCases {
            let mg = try GeometricMultigrid(structure: p.structure, options: MultigridOptions(coarseOperator: kind))
            let cg = try ConjugateGradient(matrix: p.matrix, preconditioner: mg, options: IterativeOptions(rtol: 1e-8, maxIterations: 200))
            let (_, r) = cg.solve(Fixture.random(p.matrix.rows))
            XCTAssertTrue(r.reason.converged, "\(kind)")
            iterations.append(r.iterations)
        }
        XCTAssertLessThanOrEqual(iterations[1], iterations[0], "rediscretised \(iterations[0]), Galerkin \(iterations[1])")
    }
}
