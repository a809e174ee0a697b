import LinearAlgebra
import XCTest
@testable import Krylov

/// The one Krylov interface: every method solves a sequence's system through `KrylovSolver`
/// from a given start, hands on its space (or none), and GMRES reuses a basis it is given.
final class KrylovSolverTests: XCTestCase {
    let a = Fixture.diffusion2D(24, coefficient: { x, y in 1 + x * y })
    var b: [Double] { Fixture.randomVector(24 * 24) }

    func trueResidual(_ x: [Double]) -> Double { zip(b, a.apply(x)).map { $0 - $1 }.norm2 }

    /// From zero and from a nonzero start (a previous case's solution, perturbed), each method
    /// meets rtol on its own true residual; the recycling methods return a space of this size.
    func testEveryMethodThroughTheProtocol() throws {
        let options = IterativeOptions(rtol: 1e-9, maxIterations: 5000)
        let solvers: [(String, any KrylovSolver)] = [
            ("cg", try ConjugateGradient(matrix: a, options: options)),
            ("gmres", try GMRES(matrix: a, restart: 30, options: options)),
            ("gcrodr", try GCRODR(matrix: a, restart: 30, recycle: 5, options: options)),
            ("rcg", try RecyclingCG(matrix: a, recycle: 5, collect: 20, options: options)),
        ]
        let reference = try CholeskyFactorization(a).solve(b)
        for (name, solver) in solvers {
            let (x, s) = solver.solve(b, space: nil)
            XCTAssertTrue(s.result.reason.converged, "\(name): \(s.result.reason)")
            XCTAssertLessThanOrEqual(trueResidual(x), 1e-9 * b.norm2 * (1 + 1e-6), name)
            var guess = reference.enumerated().map { $1 * (1 + 1e-3 * sin(Double($0))) }
            let t = solver.solve(b, x: &guess, space: s.space)
            XCTAssertTrue(t.result.reason.converged, "\(name) from a start: \(t.result.reason)")
            XCTAssertLessThanOrEqual(trueResidual(guess), 1e-9 * b.norm2 * (1 + 1e-6), "\(name) from a start")
            // A start 1e-3 away needs fewer iterations than zero does (the residual starts ~1e3 smaller).
            XCTAssertLessThan(t.result.iterations, s.result.iterations, name)
            if name == "gcrodr" || name == "rcg" { XCTAssertEqual(s.space?.length, a.rows, name) } else { XCTAssertNil(s.space, name) }
        }
    }

    /// GMRES takes a basis that fits (a sweep's next case reuses the allocation) and makes its
    /// own otherwise; the answer is the same either way.
    func testGMRESReusesABasisThatFits() throws {
        let options = IterativeOptions(rtol: 1e-10, maxIterations: 2000)
        let first = try GMRES(matrix: a, restart: 20, options: options)
        let (x1, r1) = first.solve(b)
        let second = try GMRES(matrix: a, restart: 20, options: options, basis: first.basis)
        XCTAssertTrue(second.basis === first.basis)
        let (x2, r2) = second.solve(b)
        XCTAssertEqual(r1.iterations, r2.iterations)
        XCTAssertEqual(x1, x2, "the same arithmetic on the same vectors")
        let larger = try GMRES(matrix: a, restart: 40, options: options, basis: first.basis)
        XCTAssertFalse(larger.basis === first.basis, "21 columns cannot hold restart 40")
        let other = try GMRES(matrix: Fixture.diffusion2D(10), restart: 20, options: options, basis: first.basis)
        XCTAssertFalse(other.basis === first.basis, "another length")
    }

    /// GCRO-DR likewise takes the blocks of an earlier solve: the same system gives the same
    /// solution bit for bit whichever memory it works in.
    func testGCRODRReusesItsWorkspace() throws {
        let options = IterativeOptions(rtol: 1e-10, maxIterations: 2000)
        let first = try GCRODR(matrix: a, restart: 20, recycle: 4, options: options)
        let (x1, s1) = first.solve(b, space: nil)
        let second = try GCRODR(matrix: a, restart: 20, recycle: 4, options: options, workspace: first.workspace)
        XCTAssertTrue(second.workspace === first.workspace)
        let (x2, s2) = second.solve(b, space: nil)
        XCTAssertEqual(s1.result.iterations, s2.result.iterations)
        XCTAssertEqual(x1, x2)
        XCTAssertFalse(try GCRODR(matrix: a, restart: 30, recycle: 4, workspace: first.workspace).workspace === first.workspace)
        XCTAssertFalse(try GCRODR(matrix: a, restart: 20, recycle: 8, workspace: first.workspace).workspace === first.workspace)
    }

    /// Recycled CG's Z and AZ blocks pass from one solve to the next: the sequence gives the same
    /// spaces and solutions with a carried workspace as with fresh ones.
    func testRecycledCGReusesItsWorkspace() throws {
        let options = IterativeOptions(rtol: 1e-10, maxIterations: 2000)
        let b2 = Fixture.randomVector(24 * 24, seed: 7)
        let first = try RecyclingCG(matrix: a, recycle: 4, collect: 10, options: options)
        let (_, s1) = first.solve(b, space: nil)
        let kept = try XCTUnwrap(first.workspace)
        let carried = try RecyclingCG(matrix: a, recycle: 4, collect: 10, options: options, workspace: kept)
        let fresh = try RecyclingCG(matrix: a, recycle: 4, collect: 10, options: options)
        let (x2, s2) = carried.solve(b2, space: s1.space)
        let (x3, s3) = fresh.solve(b2, space: s1.space)
        XCTAssertTrue(carried.workspace === kept)
        XCTAssertEqual(x2, x3)
        XCTAssertEqual(s2.result.iterations, s3.result.iterations)
        XCTAssertEqual(s2.extraProducts, 4, "AW recomputed for the next system")
        XCTAssertEqual(s2.space?.count, s3.space?.count)
    }
}
