import Foundation
import LinearAlgebra
import XCTest
@testable import GaussianProcess

/// GP-HM's learned-kernel objective with the grid values profiled out (exact collocation):
/// its gradient against central differences, in 1D and 2D; and learning from a wrong frequency.
final class CollocationKernelLearningTests: XCTestCase {
    func grid(_ n: Int, _ a: Double, _ b: Double) -> [Double] { (0..<n).map { a + (b - a) * Double($0) / Double(n - 1) } }

    /// Central differences with step δ = 1e-5 · max(|θ|, 1e-2): truncation O(δ²) ≈ 1e-10 of the
    /// scale, rounding ε‖J‖κ/δ with κ(K + jitter) ≤ 1/jitter = 1e6 here ≈ 1e-5 of |J|: agreement
    /// to 1e-4 of the largest gradient entry (plus 1e-4 |J| δ⁻¹ ε-level floor) is the derived test.
    func assertGradient(axes: [[Double]], kernels: [Kernel1D], equation: CollocationKernelLearning.Equation = .poisson, f: [Double], g: [Double],
                        step: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) throws {
        let jitter = 1e-6
        let e = try CollocationKernelLearning.evaluate(axes: axes, kernels: kernels, jitter: jitter, equation: equation, f: f, boundary: g)
        XCTAssertTrue(e.value.isFinite, file: file, line: line)
        let scale = e.gradient.flatMap { $0 }.map(abs).max()!
        for (axis, kernel) in kernels.enumerated() {
            for j in kernel.parameters.indices {
                let delta = step * max(abs(kernel.parameters[j]), 1e-2)
                func at(_ step: Double) throws -> Double {
                    var k = kernels
                    var p = kernel.parameters; p[j] += step
                    k[axis] = Kernel1D(kernel.family, parameters: p)
                    return try CollocationKernelLearning.evaluate(axes: axes, kernels: k, jitter: jitter, equation: equation, f: f, boundary: g).value
                }
                let fd = (try at(delta) - at(-delta)) / (2 * delta)
                XCTAssertEqual(e.gradient[axis][j], fd, accuracy: 1e-4 * scale + 1e-10 * abs(e.value) / delta,
                               "\(equation), axis \(axis), parameter \(j) (\(kernel.parameterNames[j]))", file: file, line: line)
            }
        }
    }

    func testGradientMatchesFiniteDifferences1D() throws {
        let x = grid(40, 0, 2 * Double.pi)
        let f = x.map { -25 * sin(5 * $0) }, g = x.map { sin(5 * $0) }
        let k = Kernel1D(.maternCosineMixture, parameters: [1, 0.6, 0.75, 0.3, 0.4, 0.2])
        try assertGradient(axes: [x], kernels: [k], f: f, g: g)
        let se = Kernel1D(.matern52, parameters: [0.5])
        try assertGradient(axes: [x], kernels: [se], f: f, g: g)
    }

    func testGradientMatchesFiniteDifferences2D() throws {
        let x = grid(14, 0, 1), y = grid(11, 0, 1.5)
        let exact: (Double, Double) -> Double = { sin(3 * $0) * cos(2 * $1) }
        let f = x.flatMap { a in y.map { b in -13 * exact(a, b) } }, g = x.flatMap { a in y.map { b in exact(a, b) } }
        let k0 = Kernel1D(.spectralMixture, parameters: [1, 2, 0.45, 0.5, 3, 0.1]), k1 = Kernel1D(.maternCosineMixture, parameters: [0.8, 1.5, 0.3])
        try assertGradient(axes: [x, y], kernels: [k0, k1], f: f, g: g)
    }

    /// Allen–Cahn (the adjoint of the Newton Jacobian: dense in 1D, GMRES in 2D) and advection
    /// (first-derivative operators, the equations on every point but the initial and inflow
    /// ones): the same check.
    func testGradientMatchesFiniteDifferencesAllenCahnAndAdvection() throws {
        let x = grid(40, 0, 2 * Double.pi)
        let ac: (Double) -> Double = { sin(2 * $0) }
        let f1 = x.map { -4 * ac($0) + ac($0) * (ac($0) * ac($0) - 1) }
        try assertGradient(axes: [x], kernels: [Kernel1D(.maternCosineMixture, parameters: [1, 0.6, 0.35])], equation: .allenCahn,
                           f: f1, g: x.map(ac))
        let xs = grid(13, 0, 1), ys = grid(12, 0, 1)
        let u2: (Double, Double) -> Double = { sin(2 * $0) * sin(3 * $1) }
        let f2 = xs.flatMap { a in ys.map { b in -13 * u2(a, b) + u2(a, b) * (u2(a, b) * u2(a, b) - 1) } }
        // In 2D Newton's steps are GMRES solves to 1e-10, so J carries noise of that order of its
        // terms: central differences at δ = 1e-5 scatter by ~2e-4 of the derivative (measured:
        // 14,686 / 14,668 at δ = 1e-5 / 1e-6 against 14,683.8 at 1e-4); a step of 1e-4 keeps
        // the noise at ~2e-5 and the truncation (4e-4 at δ = 1e-3, ∝ δ²) at 4e-6.
        try assertGradient(axes: [xs, ys],
                           kernels: [Kernel1D(.spectralMixture, parameters: [1, 2, 0.3]), Kernel1D(.spectralMixture, parameters: [1, 2, 0.45])],
                           equation: .allenCahn, f: f2, g: xs.flatMap { a in ys.map { b in u2(a, b) } }, step: 1e-4)
        // u_t + 2 u_x = 0: u = sin(2π(x − 2t)).
        let xa = grid(14, 0, 1), ta = grid(12, 0, 0.5)
        let ua: (Double, Double) -> Double = { sin(2 * Double.pi * ($0 - 2 * $1)) }
        try assertGradient(axes: [xa, ta],
                           kernels: [Kernel1D(.maternCosineMixture, parameters: [1, 2, 0.9]),
                                     Kernel1D(.maternCosineMixture, parameters: [1, 2, 1.8])],
                           equation: .advection(velocity: 2), f: [Double](repeating: 0, count: 14 * 12),
                           g: xa.flatMap { a in ta.map { b in ua(a, b) } })
    }

    /// From a frequency 20 % off u's, learning lowers J and moves the frequency towards u's
    /// (sin(20x): μ = 20/2π), and the solution with the learned kernel is no worse.
    func testLearningFromAWrongFrequency() throws {
        let x = grid(120, 0, 2 * Double.pi)
        let f = x.map { -400 * sin(20 * $0) }, g = x.map { sin(20 * $0) }
        let mu = 20 / (2 * Double.pi)
        let start = Kernel1D(.maternCosineMixture, parameters: [1, 0.5, 0.8 * mu])
        let learned = try CollocationKernelLearning.learn(axes: [x], kernels: [start], jitter: 1e-10, f: f, boundary: g,
                                                          optimizer: .lbfgs(LBFGS(maxIterations: 60)), prune: 1e-4)
        XCTAssertLessThan(learned.result.value, learned.result.history[0].value)
        let frequency = learned.kernels[0].parameters[2]
        XCTAssertLessThan(abs(frequency - mu), abs(0.8 * mu - mu), "learned \(frequency), u's \(mu)")
        func error(_ k: Kernel1D) throws -> Double {
            let u = try GPCollocation(axes: [x], kernels: [k], jitter: 1e-10).solvePoisson(f: f, boundary: g)
            return zip(u, x).map { abs($0 - sin(20 * $1)) }.max()!
        }
        XCTAssertLessThanOrEqual(try error(learned.kernels[0]), try error(start) * 1.0001)
        print("learned", learned.kernels[0].parameters, "error", try error(learned.kernels[0]), "start error", try error(start),
              learned.result.stopReason, learned.result.iterations)
    }
}
