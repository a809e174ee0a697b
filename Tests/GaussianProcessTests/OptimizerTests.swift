import XCTest
@testable import GaussianProcess

final class OptimizerTests: XCTestCase {
    static func rosenbrock(_ x: [Double]) -> (value: Double, gradient: [Double]) {
        let a = 1 - x[0], b = x[1] - x[0] * x[0]
        return (a * a + 100 * b * b, [-2 * a - 400 * x[0] * b, 200 * b])
    }

    func testLBFGSFindsTheRosenbrockMinimum() throws {
        let r = try LBFGS(maxIterations: 200, gradientTolerance: 1e-8).minimize(Self.rosenbrock, from: [-1.2, 1],
                                                                                bounds: Bounds(lower: [-5, -5], upper: [5, 5]))
        XCTAssertTrue(r.converged, r.stopReason)
        XCTAssertEqual(r.point[0], 1, accuracy: 1e-6); XCTAssertEqual(r.point[1], 1, accuracy: 1e-6)
        // Monotone: every accepted step decreased the objective.
        for (a, b) in zip(r.history, r.history.dropFirst()) { XCTAssertLessThanOrEqual(b.value, a.value) }
    }

    func testLBFGSStopsAtAnActiveBound() throws {
        // Minimum of the unconstrained problem at (1, 1); the box caps x₀ ≤ 0.5, where the
        // constrained minimum is x₁ = x₀² = 0.25.
        let r = try LBFGS(maxIterations: 200, gradientTolerance: 1e-8).minimize(Self.rosenbrock, from: [-1.2, 1],
                                                                                bounds: Bounds(lower: [-5, -5], upper: [0.5, 5]))
        XCTAssertEqual(r.point[0], 0.5, accuracy: 1e-12); XCTAssertEqual(r.point[1], 0.25, accuracy: 1e-6)
    }

    func testAdamReducesAQuadraticAndReturnsTheBestPoint() throws {
        let f: Objective = { x in (x[0] * x[0] + 10 * x[1] * x[1], [2 * x[0], 20 * x[1]]) }
        let r = try Adam(iterations: 2000, learningRate: 0.05).minimize(f, from: [3, -2], bounds: Bounds(lower: [-10, -10], upper: [10, 10]))
        XCTAssertLessThan(r.value, 1e-4)
        XCTAssertEqual(r.value, r.history.map(\.value).min()!)
    }
}
