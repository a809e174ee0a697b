import XCTest
import LinearAlgebra
@testable import Krylov

final class ConjugateGradientTests: XCTestCase {
    /// Every preconditioner's PCG agrees with CHOLMOD to 1e-8. Derivation: with true relative
    /// residual ≤ rtol, the relative error is ≤ κ(A)·rtol. For the 31² Laplacian κ ≈ 4/(πh)² ≈ 410;
    /// the variable-coefficient case (contrast 10) multiplies that by at most 10, so κ < 5e3 and
    /// rtol = 1e-12 guarantees ≤ 5e-9 < 1e-8.
    func testEveryPreconditionerAgreesWithCholmod() throws {
        let matrices = [Fixture.diffusion2D(31),
                        Fixture.diffusion2D(31) { x, y in 1 + 9 * (x > 0.5 ? 1 : 0) * (y < 0.4 ? 1 : 0) }]
        for a in matrices {
            let b = Fixture.randomVector(a.rows)
            let reference = try CholeskyFactorization(a).solve(b)
            let preconditioners: [any Preconditioner] = [
                IdentityPreconditioner(size: a.rows), try JacobiPreconditioner(a),
                try SSORPreconditioner(a, omega: 1.5), try IncompleteCholeskyPreconditioner(a),
                try CholeskyFactorization(a),
            ]
            for m in preconditioners {
                let cg = try ConjugateGradient(matrix: a, preconditioner: m, options: IterativeOptions(rtol: 1e-12))
                let (x, result) = cg.solve(b)
                XCTAssertEqual(result.reason, .converged_rtol, m.name)
                XCTAssertLessThanOrEqual(result.relativeResidual, 1e-12, m.name)
                XCTAssertLessThan(Fixture.relativeError(x, reference), 1e-8, m.name)
                // The reported residual is the true one.
                let r = zip(b, a.apply(x)).map { $0 - $1 }.norm2
                XCTAssertEqual(result.residualNorm, r, accuracy: 1e-3 * r, m.name)
            }
        }
    }

    /// Preconditioning must pay: iteration counts strictly ordered none > Jacobi-equivalent ≥ SSOR > IC(0) > exact.
    func testPreconditionersReduceIterations() throws {
        let a = Fixture.diffusion2D(63)
        let b = Fixture.randomVector(a.rows, seed: 5)
        func iterations(_ m: any Preconditioner) throws -> Int {
            try ConjugateGradient(matrix: a, preconditioner: m, options: IterativeOptions(rtol: 1e-8)).solve(b).result.iterations
        }
        let none = try iterations(IdentityPreconditioner(size: a.rows))
        let ic = try iterations(IncompleteCholeskyPreconditioner(a))
        let exact = try iterations(CholeskyFactorization(a))
        XCTAssertLessThan(ic, none / 2)
        XCTAssertLessThanOrEqual(exact, 2)
    }

    func testIndefiniteMatrixIsAReasonNotACrash() throws {
        let a = try CSRMatrix(rows: 2, columns: 2, rowIndices: [0, 1], columnIndices: [0, 1], values: [1, -1])
        let result = try ConjugateGradient(matrix: a).solve([1, 1]).result
        XCTAssertEqual(result.reason, .diverged_indefinite_matrix)
        XCTAssertLessThan(result.reason.rawValue, 0)
    }

    func testNegativeDiagonalJacobiIsIndefinitePreconditioner() throws {
        let a = try CSRMatrix(rows: 2, columns: 2, rowIndices: [0, 1], columnIndices: [0, 1], values: [-1, -1])
        let result = try ConjugateGradient(matrix: a, preconditioner: JacobiPreconditioner(a)).solve([1, 1]).result
        XCTAssertEqual(result.reason, .diverged_indefinite_preconditioner)
    }

    func testZeroRightHandSideAndMaxIterations() throws {
        let a = Fixture.diffusion2D(20)
        let zero = try ConjugateGradient(matrix: a).solve([Double](repeating: 0, count: a.rows)).result
        XCTAssertEqual(zero.reason, .converged_zero_rhs)
        let capped = try ConjugateGradient(matrix: a, options: IterativeOptions(rtol: 1e-10, maxIterations: 3))
            .solve(Fixture.randomVector(a.rows)).result
        XCTAssertEqual(capped.reason, .diverged_max_iterations)
        XCTAssertEqual(capped.iterations, 3)
        XCTAssertEqual(capped.history.map(\.iteration), [0, 1, 2, 3])
    }

    func testRtolBelowMachinePrecisionIsGuarded() throws {
        let a = Fixture.diffusion2D(15)
        let result = try ConjugateGradient(matrix: a, preconditioner: IncompleteCholeskyPreconditioner(a),
                                           options: IterativeOptions(rtol: 0, maxIterations: 500)).solve(Fixture.randomVector(a.rows)).result
        XCTAssertTrue(result.reason.converged, "\(result.reason)")
        XCTAssertLessThanOrEqual(result.relativeResidual, IterativeOptions.machineFloor)
    }

    func testInitialGuessIsUsed() throws {
        let a = Fixture.diffusion2D(10)
        let b = Fixture.randomVector(a.rows)
        var x = try CholeskyFactorization(a).solve(b)
        let result = try ConjugateGradient(matrix: a, options: IterativeOptions(rtol: 1e-8)).solve(b, x: &x)
        XCTAssertEqual(result.iterations, 0)
    }
}
