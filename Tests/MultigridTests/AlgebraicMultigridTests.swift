import XCTest
import Krylov
import LinearAlgebra
import Storage
@testable import Multigrid

/// Algebraic multigrid on pdekit's own matrices and on matrices made by other tools (PyAMG's
/// elasticity gallery with its rigid-body modes, a scikit-fem P1 Laplacian on a disk).
final class AlgebraicMultigridTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// PyAMG's elasticity matrix and rigid-body modes are also the example problem's data: one
    /// copy, in problems/data.
    static let exampleData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("problems/data")

    func readMatrix(_ url: URL) throws -> CSRMatrix {
        let m = try MatrixMarket.read(url)
        guard case .coordinate(let c) = m else { struct NotCoordinate: Error {}; throw NotCoordinate() }
        return try CSRMatrix(rows: c.rows, columns: c.columns, rowIndices: c.rowIndices, columnIndices: c.columnIndices, values: c.values)
    }

    /// The asymptotic factor of AMG cycles: the mean residual reduction over cycles 3…k.
    func factor(_ a: CSRMatrix, _ o: AlgebraicMultigridOptions, cycles: Int = 10) throws -> Double {
        let amg = try AlgebraicMultigrid(a, options: o)
        var x = [Double](repeating: 0, count: a.rows)
        let r = amg.solve(Fixture.random(a.rows), x: &x, options: IterativeOptions(rtol: 1e-300, maxIterations: cycles))
        let h = r.history.map(\.residualNorm)
        XCTAssertEqual(h.count, cycles + 1, "stopped early: \(r.reason)")
        return pow(h[h.count - 1] / h[2], 1 / Double(h.count - 3))
    }

    func cgIterations(_ a: CSRMatrix, _ m: any Preconditioner, rtol: Double = 1e-8) throws -> (Int, ConvergenceReason) {
        let cg = try ConjugateGradient(matrix: a, preconditioner: m, options: IterativeOptions(rtol: rtol, maxIterations: 500))
        let (_, r) = cg.solve(Fixture.random(a.rows))
        return (r.iterations, r.reason)
    }

    func testClassicalFactorBudgetAndGridIndependence() throws {
        // Budget 0.2 per V(1,1) cycle for classical AMG on 2D Poisson (issue 9), at three sizes.
        var factors: [Double] = []
        for n in [63, 127, 255] {
            let f = try factor(try Fixture.poisson([n, n]).matrix, AlgebraicMultigridOptions(coarseSize: 50))
            XCTAssertLessThanOrEqual(f, 0.2, "n = \(n)")
            factors.append(f)
        }
        // Measured 0.050, 0.127, 0.136 (5, 6 and 7 levels; 0.15 at 511², 8 levels): the V-cycle
        // factor rises while the hierarchy deepens from a near two-grid method and then
        // settles. The test holds the growth from 127² to 255² (4× the unknowns, one level
        // more) to 0.05. Before the Ruge–Stüben buckets took the longest-waiting point first,
        // the coarse levels were irregular and the factor reached 0.18 here and 0.41 at 1024².
        XCTAssertLessThanOrEqual(factors[2], factors[1] + 0.05, "\(factors)")
    }

    /// Every F point with strong connections interpolates from at least one strong C point, on
    /// every level (an empty row of P leaves that point's error to smoothing alone). The first
    /// pass alone left 6 and 3 such points on the 2,330- and 559-row levels of 2D Poisson 1024².
    func testEveryStronglyConnectedFPointHasACoarseNeighbour() throws {
        for a in [try Fixture.poisson([255, 255]).matrix, try readMatrix(Self.fixtures.appendingPathComponent("skfem_p1_disk.mtx"))] {
            let amg = try AlgebraicMultigrid(a, options: AlgebraicMultigridOptions(coarseSize: 10))
            for (level, split) in amg.coarsenings.enumerated() {
                let s = StrengthGraph.classical(amg.matrices[level], theta: 0.25)
                for i in 0..<s.rows where split[i] != 1 && !s.neighbours(i).isEmpty {
                    XCTAssertTrue(s.neighbours(i).contains { split[Int(s.columns[$0])] == 1 }, "level \(level), row \(i)")
                }
            }
        }
    }

    /// Coarsening down to a handful of rows: on a small dense level a point's measure λ exceeds
    /// the level's size (it gains one per strong dependant that becomes F), which overflowed the
    /// bucket lists with coarse_size ≤ 5 (a trap found by attacking [solver.amg]).
    func testCoarseningDownToFewRows() throws {
        for n in [7, 15] {
            let a = try Fixture.poisson([n, n]).matrix
            for coarse in 1...5 {
                let amg = try AlgebraicMultigrid(a, options: AlgebraicMultigridOptions(coarseSize: coarse))
                XCTAssertGreaterThanOrEqual(amg.levelRows.count, 2, "n \(n), coarse_size \(coarse): \(amg.levelRows)")
                for (level, split) in amg.coarsenings.enumerated() {
                    XCTAssertTrue(split.contains(1), "level \(level) kept no C point")
                }
            }
        }
    }

    func testHierarchyIsAGalerkinHierarchy() throws {
        let a = try Fixture.poisson([31, 31]).matrix
        let amg = try AlgebraicMultigrid(a, options: AlgebraicMultigridOptions(coarseSize: 10))
        XCTAssertGreaterThanOrEqual(amg.levelRows.count, 3)
        // A_c = Pᵀ A P, checked densely on the first level.
        let t = amg.cycles.levels[0].toCoarse as! SparseTransfer
        let p = t.p.denseMatrix(), ad = a.denseMatrix()
        let galerkin = try p.multiplied(by: try ad.multiplied(by: p), transposeSelf: true)
        let ac = amg.matrices[1].denseMatrix()
        var worst = 0.0
        for i in 0..<ac.rows { for j in 0..<ac.columns { worst = max(worst, abs(ac[i, j] - galerkin[i, j])) } }
        XCTAssertLessThanOrEqual(worst, 1e-10 * a.values.map(abs).max()!)
        // Classical interpolation reproduces constants away from the boundary rows' lumping,
        // and every row sum of P is at most 1 (M-matrix, nonnegative weights).
        for i in 0..<a.rows {
            let s = (0..<p.columns).reduce(0.0) { $0 + p[i, $1] }
            XCTAssertLessThanOrEqual(s, 1 + 1e-12)
        }
        XCTAssertGreaterThan(amg.operatorComplexity, 1)
        XCTAssertLessThan(amg.operatorComplexity, 3)
    }

    func testSmoothedAggregationPoisson() throws {
        let a = try Fixture.poisson([127, 127]).matrix
        let sa = try AlgebraicMultigrid(a, options: AlgebraicMultigridOptions(algorithm: .aggregation, coarseSize: 50))
        XCTAssertLessThan(sa.operatorComplexity, 2, "SA keeps coarse operators sparse (PyAMG: 1.34 in 2D)")
        let (its, reason) = try cgIterations(a, sa)
        XCTAssertTrue(reason.converged)
        // PyAMG's SA + CG takes 11 iterations at 256² (PEERS.md); the same budget here.
        XCTAssertLessThanOrEqual(its, 15)
    }

    /// PyAMG's 2D linear elasticity (2 unknowns per node) with its rigid-body modes: aggregation
    /// on nodes with the three modes as near-nullspace converges much faster than with the
    /// constant vector alone, which cannot represent rotations.
    func testElasticityWithRigidBodyModes() throws {
        let a = try readMatrix(Self.exampleData.appendingPathComponent("elasticity24.mtx"))
        let modes = try NPY.read(Self.exampleData.appendingPathComponent("elasticity24_rigid_body_modes.npy"))
        XCTAssertEqual(modes.shape, [a.rows, 3])
        var o = AlgebraicMultigridOptions(algorithm: .aggregation, coarseSize: 20, blockSize: 2,
                                          nearNullspace: modes.values, nearNullspaceVectors: 3)
        let withModes = try cgIterations(a, try AlgebraicMultigrid(a, options: o))
        o.nearNullspace = nil; o.nearNullspaceVectors = 1
        let constantOnly = try cgIterations(a, try AlgebraicMultigrid(a, options: o))
        XCTAssertTrue(withModes.1.converged)
        XCTAssertLessThan(withModes.0, constantOnly.0, "rigid-body modes \(withModes.0), constant only \(constantOnly.0)")
        XCTAssertLessThanOrEqual(withModes.0, 25)
    }

    /// A scikit-fem P1 Laplacian on an unstructured disk mesh: both algorithms precondition CG
    /// to 1e-8 in a handful of iterations where plain CG needs 149: budgets 15 (classical,
    /// measured 10) and 20 (aggregation, measured 16; SA trades iterations for sparser levels).
    func testUnstructuredFiniteElementMatrix() throws {
        let a = try readMatrix(Self.fixtures.appendingPathComponent("skfem_p1_disk.mtx"))
        for algorithm in AlgebraicMultigridOptions.Algorithm.allCases {
            let amg = try AlgebraicMultigrid(a, options: AlgebraicMultigridOptions(algorithm: algorithm, coarseSize: 20))
            XCTAssertGreaterThanOrEqual(amg.levelRows.count, 3, "\(algorithm)")
            let (its, reason) = try cgIterations(a, amg)
            XCTAssertTrue(reason.converged, "\(algorithm)")
            XCTAssertLessThanOrEqual(its, algorithm == .classical ? 15 : 20, "\(algorithm)")
        }
    }

    /// Standalone AMG cycles on an unstructured P1 matrix (scikit-fem, 8,065 unknowns) with a
    /// constant right-hand side: the residual's 2-norm grows in the first cycles (×2.2 classical,
    /// ×5.6 aggregation) before it falls geometrically, which the stopping rule once took for
    /// stagnation after three cycles. Both converge to 1e-8. PyAMG 5.4.1's own solver on the same
    /// matrix and right-hand side (`ml.solve(b, tol=1e-8)`) takes 33 Ruge–Stüben and 38
    /// smoothed-aggregation cycles; both stay within 1.5× of it (measured 29 and 50). Aggregation
    /// took 93 while the Gauss–Seidel blocks were runs of row numbers, which on this mesh's
    /// numbering cut 94 % of the rows from a neighbour (an ℓ1-Jacobi smoother in effect).
    func testStandaloneCyclesConvergeOnAnUnstructuredMesh() throws {
        let a = try readMatrix(Self.fixtures.appendingPathComponent("skfem_p1_disk6.mtx"))
        let b = [Double](repeating: 1, count: a.rows)
        for (algorithm, budget) in [(AlgebraicMultigridOptions.Algorithm.classical, 1.5 * 33.0), (.aggregation, 1.5 * 38.0)] {
            let amg = try AlgebraicMultigrid(a, options: AlgebraicMultigridOptions(algorithm: algorithm))
            var x = [Double](repeating: 0, count: a.rows)
            let r = amg.solve(b, x: &x, options: IterativeOptions(rtol: 1e-8, maxIterations: 500))
            XCTAssertTrue(r.reason.converged, "\(algorithm): \(r.reason) after \(r.iterations)")
            XCTAssertLessThanOrEqual(Double(r.iterations), budget, "\(algorithm)")
            let residual = zip(b, a.apply(x)).map { $0 - $1 }.norm2
            XCTAssertLessThanOrEqual(residual, 1e-8 * b.norm2 * (1 + 1e-9), "\(algorithm): the true residual")
        }
    }

    /// Jumps of 10⁴ and log-normal Darcy: AMG sees the coefficient through the matrix, so
    /// classical AMG + CG stays within 15 iterations (budget stated in docs/multigrid.md).
    func testJumpingAndLogNormalCoefficients() throws {
        for (name, a) in [("jump", try Fixture.assemble([127, 127], coefficient: Fixture.jump).matrix),
                          ("log-normal", try Fixture.assemble([127, 127], random: Fixture.logNormal).matrix)] {
            let (its, reason) = try cgIterations(a, try AlgebraicMultigrid(a, options: AlgebraicMultigridOptions(coarseSize: 50)))
            XCTAssertTrue(reason.converged, name)
            XCTAssertLessThanOrEqual(its, 15, name)
        }
    }

    /// Anisotropy ε = 10⁻³ (stretched grid): classical strength sees only the strong x
    /// couplings, so coarsening follows them (semicoarsening found algebraically) and the
    /// factor stays within the isotropic budget.
    func testAnisotropyIsCoarsenedAlongStrongCouplings() throws {
        let a = try Fixture.assemble([127, 127], domain: [(0, 1), (0, 31.6227766)]).matrix
        XCTAssertLessThanOrEqual(try factor(a, AlgebraicMultigridOptions(coarseSize: 50)), 0.2)
    }

    /// An indefinite Helmholtz matrix (−Δ − k², k² = 110 between Dirichlet eigenvalues): AMG is
    /// no solver for it, but as a GMRES preconditioner it must build — its coarsest level is
    /// symmetric and indefinite, so the coarse solve falls back from Cholesky to LU — and GMRES
    /// must reach the tolerance on the true residual.
    func testIndefiniteHelmholtzPreconditionsGMRES() throws {
        let a = try Fixture.assemble([63, 63], reaction: "-110").matrix
        let amg = try AlgebraicMultigrid(a)
        let b = Fixture.random(a.rows)
        let gmres = try GMRES(matrix: a, preconditioner: amg, restart: 40, options: IterativeOptions(rtol: 1e-8, maxIterations: 2000))
        let (x, r) = gmres.solve(b)
        XCTAssertTrue(r.reason.converged, "\(r.reason) after \(r.iterations)")
        XCTAssertLessThanOrEqual(zip(b, a.apply(x)).map { $0 - $1 }.norm2, 1e-8 * b.norm2)
    }

    func testRefusesWhatItCannotSolve() throws {
        let a = try CSRMatrix(rows: 2, columns: 2, rowIndices: [0, 1, 0], columnIndices: [0, 1, 1], values: [1, -1, 0.5])
        XCTAssertThrowsError(try AlgebraicMultigrid(a))
        let b = try Fixture.poisson([7, 7]).matrix
        XCTAssertThrowsError(try AlgebraicMultigrid(b, options: AlgebraicMultigridOptions(algorithm: .aggregation, nearNullspace: [1, 2, 3])))
    }
}

final class BlockGaussSeidelTests: XCTestCase {
    /// The ℓ1 hybrid sweep contracts the error in the energy norm for an SPD matrix that is not
    /// diagonally dominant (PyAMG's elasticity, cut into blocks of 4 rows so that the Jacobi
    /// coupling between blocks is exercised). Random errors lose their rough part in any case;
    /// after 200 symmetric sweeps what is left is the slowest mode, and the ratio of energy norms
    /// of the last sweep estimates the smoother's spectral radius, which must stay below 1.
    func testEnergyNormContractionAcrossBlocks() throws {
        let m = try MatrixMarket.read(AlgebraicMultigridTests.exampleData.appendingPathComponent("elasticity24.mtx"))
        guard case .coordinate(let c) = m else { return XCTFail() }
        let a = try CSRMatrix(rows: c.rows, columns: c.columns, rowIndices: c.rowIndices, columnIndices: c.columnIndices, values: c.values)
        let smoother = BlockGaussSeidel(a, blockRows: 4)
        func energy(_ e: [Double]) -> Double { zip(e, a.apply(e)).reduce(0) { $0 + $1.0 * $1.1 }.squareRoot() }
        let zero = [Double](repeating: 0, count: a.rows)
        // A x = 0 from x = e: the iterate is the error; renormalised to avoid underflow.
        var x = Fixture.random(a.rows, seed: 7)
        var ratio = 0.0
        for _ in 0..<200 {
            let before = energy(x)
            zero.withUnsafeBufferPointer { b in
                x.withUnsafeMutableBufferPointer {
                    smoother.smooth($0.baseAddress!, b.baseAddress!, sweeps: 1, reverse: false)
                    smoother.smooth($0.baseAddress!, b.baseAddress!, sweeps: 1, reverse: true)
                }
            }
            let after = energy(x)
            ratio = after / before
            x = x.map { $0 / after }
        }
        XCTAssertLessThan(ratio, 1, "asymptotic energy-norm ratio of the symmetric sweep")
    }

    /// With a C/F splitting, one block's forward sweep is Gauss–Seidel in the order C points
    /// then F points (each ascending), and the backward sweep the exact reverse: checked against
    /// a plain Gauss–Seidel loop written out in that order.
    func testCoarseFineOrderedSweep() throws {
        let a = try Fixture.poisson([9, 7]).matrix
        let coarse = (0..<a.rows).map { ($0 * 7 + 3) % 5 < 2 }
        let order = (0..<a.rows).filter { coarse[$0] } + (0..<a.rows).filter { !coarse[$0] }
        let smoother = BlockGaussSeidel(a, blockRows: a.rows, coarsePoints: coarse)
        let b = Fixture.random(a.rows, seed: 3), x0 = Fixture.random(a.rows, seed: 4)
        func reference(_ rows: [Int]) -> [Double] {
            var x = x0
            for i in rows {
                var r = b[i], d = 0.0
                for k in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) {
                    let j = Int(a.columnIndices[k])
                    if j == i { d = a.values[k] } else { r -= a.values[k] * x[j] }
                }
                x[i] = r / d
            }
            return x
        }
        for reverse in [false, true] {
            var x = x0
            b.withUnsafeBufferPointer { bp in x.withUnsafeMutableBufferPointer {
                smoother.smooth($0.baseAddress!, bp.baseAddress!, sweeps: 1, reverse: reverse)
            } }
            let expected = reference(reverse ? order.reversed() : order)
            XCTAssertLessThanOrEqual(zip(x, expected).map { abs($0 - $1) }.max()!, 1e-13, "reverse \(reverse)")
        }
    }
}

/// The standalone stopping rule on measured residual histories (relative residuals per cycle).
final class StagnationRuleTests: XCTestCase {
    func cyclesRun(_ history: [Double]) -> Int {
        var rule = StagnationRule(initial: 1)
        for (k, r) in history.enumerated() where rule.stops(after: r) { return k + 1 }
        return history.count
    }

    /// scikit-fem's 2D elasticity (131k unknowns, b = 1), aggregation AMG: 48.7× after the first
    /// cycle, then a steady 0.87 a cycle (the first twenty cycles as measured, then the same
    /// factor): not stagnation. The rule that judged against the best residual so far stopped
    /// it after twenty cycles at 2.27; it converges in 196.
    func testATransientRiseThenSteadyDecreaseRunsOn() {
        let measured = [48.7, 39.1, 31.2, 25.4, 21, 17.5, 14.8, 12.5, 10.7, 9.16, 7.89, 6.81, 5.9, 5.12, 4.45, 3.88, 3.39, 2.96, 2.59, 2.27]
        let history = measured + (1...150).map { 2.27 * pow(0.87, Double($0)) }
        XCTAssertEqual(cyclesRun(history), history.count)
    }

    /// Three cycles in a row without a 1 % decrease stop (local_disc_galerkin_diffusion,
    /// aggregation: 1.95, 2.04, 2.08), and so does an oscillation without net progress over
    /// twenty cycles, even when no three cycles in a row rise.
    func testRisesAndOscillationsStop() {
        XCTAssertEqual(cyclesRun([1.95, 2.04, 2.08, 1.0, 0.5]), 3)
        let oscillation = (0..<60).map { $0 % 2 == 0 ? 0.5 : 0.6 }
        XCTAssertEqual(cyclesRun(oscillation), 21)
    }
}
