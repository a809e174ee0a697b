import XCTest
import LinearAlgebra
@testable import Krylov

/// The start from a sequence's previous solutions (Fischer 1998): checked by the optimality
/// conditions that define it, not against stored numbers. A least-squares start leaves a
/// residual orthogonal to A y for every y in the span; a Galerkin start a residual orthogonal to
/// the span itself. Both are computed in floating point from orthonormalised vectors, so the
/// conditions hold to a small multiple of ε·‖A‖‖y‖‖x‖ (a bound of 1e-10 relative leaves room for
/// n = 900 terms per dot product and κ(A) ≈ 400 in the Helmholtz family).
final class PreviousSolutionsTests: XCTestCase {
    let fixture = ConvectionDiffusionFixture.self

    /// A smooth family: A(k) = −Δ − k² on 30², b fixed; each system's solution by GMRES to 1e-12.
    func family(_ shifts: [Double]) throws -> [(a: CSRMatrix, x: [Double])] {
        let b = fixture.rhs(900)
        return try shifts.map { shift in
            let a = try fixture.operator2D(30, shift: shift)
            let x = try GMRES(matrix: a, restart: 60, options: IterativeOptions(rtol: 1e-12, maxIterations: 20_000)).solve(b).x
            return (a, x)
        }
    }

    func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    func testResidualStartIsTheLeastSquaresCombination() throws {
        let systems = try family([40, 42, 44, 46])
        let kept = PreviousSolutions(capacity: 3)
        for s in systems.prefix(3) { kept.append(s.x) }
        let (a, exact) = systems[3]
        let b = fixture.rhs(900)
        var x = [Double](repeating: 0, count: 900)
        let used = kept.improve(&x, b: b, matrix: a, norm: .residual)
        XCTAssertEqual(used.vectors, 3)
        XCTAssertEqual(used.products, 3, "one product per basis vector from a zero start")
        let r = zip(b, a.apply(x)).map { $0 - $1 }
        for y in systems.prefix(3).map(\.x) {
            let ay = a.apply(y)
            XCTAssertLessThan(abs(dot(ay, r)), 1e-10 * ay.norm2 * b.norm2, "residual ⊥ A·span")
        }
        // Never worse than the previous solution itself (a candidate of the minimisation).
        let previous = zip(b, a.apply(systems[2].x)).map { $0 - $1 }.norm2
        XCTAssertLessThan(r.norm2, previous)
        // Quadratic extrapolation along a smooth family: far closer than the previous solution.
        let error = zip(x, exact).map { abs($0 - $1) }.max()!, previousError = zip(systems[2].x, exact).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(error, 0.1 * previousError, "projected start error \(error), previous solution's \(previousError)")
    }

    func testEnergyStartIsTheGalerkinCombination() throws {
        // SPD: −Δ + c with c > 0 (shift < 0).
        let systems = try family([-10, -5, 0, 5])
        let kept = PreviousSolutions(capacity: 4)
        for s in systems.prefix(3) { kept.append(s.x) }
        let (a, _) = systems[3]
        let b = fixture.rhs(900)
        var x = [Double](repeating: 0, count: 900)
        XCTAssertEqual(kept.improve(&x, b: b, matrix: a, norm: .energy).vectors, 3)
        let r = zip(b, a.apply(x)).map { $0 - $1 }
        for y in systems.prefix(3).map(\.x) {
            XCTAssertLessThan(abs(dot(y, r)), 1e-10 * y.norm2 * b.norm2, "Galerkin: residual ⊥ span")
        }
    }

    func testDependentSolutionsCountOnce() throws {
        let systems = try family([40])
        let x = systems[0].x
        let kept = PreviousSolutions(capacity: 4)
        kept.append(x); kept.append(x.map { 2 * $0 }); kept.append(zip(x, 0..<900).map { $0 + 1e-14 * Double($1 % 7) })
        XCTAssertEqual(PreviousSolutions.orthonormalBasis(kept.solutions).count, 1)
        var start = [Double](repeating: 0, count: 900)
        let used = kept.improve(&start, b: fixture.rhs(900), matrix: systems[0].a, norm: .residual)
        XCTAssertEqual(used.vectors, 1)
        // The system's own solution is in the span: the start is that solution.
        XCTAssertLessThan(zip(start, x).map { abs($0 - $1) }.max()!, 1e-9 * x.map(abs).max()!)
    }

    func testKeepsTheNewestAndIgnoresOtherSizes() throws {
        let kept = PreviousSolutions(capacity: 2)
        kept.append([1, 0, 0]); kept.append([0, 1, 0]); kept.append([0, 0, 1])
        XCTAssertEqual(kept.solutions, [[0, 1, 0], [0, 0, 1]])
        let a = try fixture.operator2D(2)
        var x = [Double](repeating: 0, count: 4)
        XCTAssertEqual(kept.improve(&x, b: [1, 1, 1, 1], matrix: a, norm: .residual).vectors, 0, "vectors of another length are ignored")
        XCTAssertEqual(x, [0, 0, 0, 0])
    }

    /// GCRO-DR's joint start on span{U} + span{X} from the Helmholtz family: given the current
    /// system's own solution among X, it converges with no iteration; given the previous ones, it
    /// needs fewer iterations than the same solve started from the previous solution.
    func testGCRODRProjectsJointlyWithItsRecycleSpace() throws {
        let systems = try family([40, 42, 44, 46])
        let b = fixture.rhs(900)
        let options = IterativeOptions(rtol: 1e-8, maxIterations: 20_000)
        var space: RecycleSpace?
        for s in systems.prefix(3) {
            space = try GCRODR(matrix: s.a, restart: 30, recycle: 10, options: options).solve(b, space: space).solution.space
        }
        let a = systems[3].a
        var x = [Double](repeating: 0, count: 900)
        let own = try GCRODR(matrix: a, restart: 30, recycle: 10, options: options).solve(b, x: &x, space: space, solutions: [systems[3].x])
        XCTAssertEqual(own.result.iterations, 0)
        XCTAssertTrue(own.result.reason.converged)

        var fromPrevious = systems[2].x
        let previous = try GCRODR(matrix: a, restart: 30, recycle: 10, options: options).solve(b, x: &fromPrevious, space: space)
        var projected = [Double](repeating: 0, count: 900)
        let joint = try GCRODR(matrix: a, restart: 30, recycle: 10, options: options)
            .solve(b, x: &projected, space: space, solutions: systems.prefix(3).map(\.x))
        XCTAssertTrue(joint.result.reason.converged)
        XCTAssertEqual(joint.startVectors, 3)
        XCTAssertEqual(joint.startProducts, 4, "three images and the start's residual")
        XCTAssertEqual(joint.extraProducts, space!.count, "C = A U re-derived, counted apart")
        XCTAssertLessThanOrEqual(fixture.trueResidual(a, projected, b), 1e-8 * b.norm2)
        XCTAssertLessThan(joint.result.iterations, previous.result.iterations,
                          "projected \(joint.result.iterations) iterations, from the previous solution \(previous.result.iterations)")
    }

    /// Recycled CG's Galerkin start over span{W, X}: the system's own solution among X needs no
    /// iteration, and the start's residual is orthogonal to W (deflation's requirement).
    func testRecycledCGProjectsJointlyWithItsDeflationSpace() throws {
        let systems = try family([-10, -5, 0])
        let b = fixture.rhs(900)
        let first = try RecyclingCG(matrix: systems[0].a, options: IterativeOptions(rtol: 1e-10)).solve(b, space: nil)
        let space = try XCTUnwrap(first.solution.space)
        var x = [Double](repeating: 0, count: 900)
        let own = try RecyclingCG(matrix: systems[2].a, options: IterativeOptions(rtol: 1e-8))
            .solve(b, x: &x, space: space, solutions: [systems[2].x])
        XCTAssertEqual(own.result.iterations, 0)
        XCTAssertEqual(own.startVectors, 1)

        var y = [Double](repeating: 0, count: 900)
        let solution = try RecyclingCG(matrix: systems[2].a, options: IterativeOptions(rtol: 1e-8))
            .solve(b, x: &y, space: space, solutions: [systems[0].x, systems[1].x])
        XCTAssertTrue(solution.result.reason.converged)
        XCTAssertEqual(solution.startVectors, 2)
        XCTAssertLessThanOrEqual(fixture.trueResidual(systems[2].a, y, b), 1e-8 * b.norm2)
    }
}
