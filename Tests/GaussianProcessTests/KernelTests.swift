import XCTest
import LinearAlgebra
@testable import GaussianProcess

final class KernelTests: XCTestCase {
    static let kernels: [Kernel1D] = [
        Kernel1D(.squaredExponential, parameters: [0.7]),
        Kernel1D(.matern12, parameters: [0.6]),
        Kernel1D(.matern32, parameters: [0.5]),
        Kernel1D(.matern52, parameters: [0.8]),
        Kernel1D(.periodic, parameters: [0.9, 1.3]),
        Kernel1D(.spectralMixture, parameters: [0.5, 2.0, 0.3, 0.7, 0.5, 1.1]),
        Kernel1D(.maternCosineMixture, parameters: [0.6, 1.5, 0.4, 0.3, 0.8, 0.9]),
    ]

    /// Richardson-extrapolated central differences, (4 D(h/2) − D(h)) / 3: truncation
    /// h⁴/480 |f⁽⁵⁾| ≤ 2e-10 for h = 1e-3 and |f⁽⁵⁾| ≤ 1e5 (rate a ≤ 4, frequencies ≤ 1.1, so
    /// derivatives grow at most like 10ᵏ), rounding ~ ε |f| / h ≈ 1e-13: 1e-8 relative is safe.
    static func derivative(_ f: (Double) -> Double, at x: Double, h: Double = 1e-3) -> Double {
        func d(_ h: Double) -> Double { (f(x + h) - f(x - h)) / (2 * h) }
        return (4 * d(h / 2) - d(h)) / 3
    }

    func testDerivativesInTauMatchDifferenceQuotients() {
        for kernel in Self.kernels {
            for tau in [-1.7, -0.4, 0.3, 0.9, 2.2] {
                let d1 = Self.derivative({ kernel.value($0) }, at: tau)
                XCTAssertEqual(kernel.value(tau, derivative: 1), d1, accuracy: 1e-8 * max(1, abs(d1)), "\(kernel.family) k' at \(tau)")
                let d2 = Self.derivative({ kernel.value($0, derivative: 1) }, at: tau)
                XCTAssertEqual(kernel.value(tau, derivative: 2), d2, accuracy: 1e-8 * max(1, abs(d2)), "\(kernel.family) k'' at \(tau)")
            }
            // At τ = 0 (the diagonal): k'(0) = 0, and k'' is continuous there. (The Matérn
            // kernels' third derivative jumps at 0, so a difference quotient across 0 is only
            // first order; k'' is Lipschitz with constant ≤ a³ ≤ 100, so at τ = ±1e-9 it is
            // within 1e-7 of k''(0).)
            if kernel.family.isTwiceDifferentiable {
                XCTAssertEqual(kernel.value(0, derivative: 1), 0, accuracy: 1e-14, "\(kernel.family)")
                for side in [-1e-9, 1e-9] {
                    XCTAssertEqual(kernel.value(0, derivative: 2), kernel.value(side, derivative: 2), accuracy: 1e-7, "\(kernel.family) k''(0)")
                }
            }
        }
    }

    func testHyperparameterDerivativesMatchCentralDifferences() {
        for kernel in Self.kernels {
            for j in kernel.parameters.indices {
                for tau in [0.0, 0.35, -1.2] {
                    for order in kernel.family.isTwiceDifferentiable ? [0, 2] : [0] {
                        let h = 1e-5 * max(abs(kernel.parameters[j]), 1)
                        var plus = kernel, minus = kernel
                        plus.parameters[j] += h; minus.parameters[j] -= h
                        let fd = (plus.value(tau, derivative: order) - minus.value(tau, derivative: order)) / (2 * h)
                        XCTAssertEqual(kernel.parameterDerivative(j, tau, derivative: order), fd, accuracy: 1e-6 * max(1, abs(fd)),
                                       "\(kernel.family) ∂/∂\(kernel.parameterNames[j]) order \(order) at \(tau)")
                    }
                }
            }
        }
    }

    func testToeplitzShortcutEqualsEntrywiseMatrixAndKernelsArePositiveDefinite() throws {
        let x = (0..<20).map { Double($0) * 0.1 }
        var jittered = x; jittered[3] += 1e-3  // not uniform: entrywise path
        for kernel in Self.kernels {
            let toeplitz = kernel.matrix(x, x)
            let general = kernel.matrix(jittered, jittered)
            for i in 0..<20 { for j in 0..<20 {
                XCTAssertEqual(general[i, j], kernel.value(jittered[i] - jittered[j]), accuracy: 1e-15)
                XCTAssertEqual(toeplitz[i, j], kernel.value(x[i] - x[j]), accuracy: 1e-12)
            }}
            // Bochner: every one of these is a valid covariance, so K + tiny jitter is SPD.
            var k = toeplitz
            for i in 0..<20 { k[i, i] += 1e-9 }
            XCTAssertNoThrow(try DenseCholesky(k), "\(kernel.family)")
        }
    }

    func testParameterGradientsAgainstASensitivityMatrix() {
        // ⟨∂K/∂θ, W⟩ by the diagonal-sum shortcut equals the entrywise sum.
        let x = (0..<15).map { -1 + Double($0) * 0.2 }
        let w = KroneckerTests.random(15, 15, seed: 3)
        for kernel in Self.kernels {
            let fast = kernel.parameterGradients(x, against: w)
            for j in kernel.parameters.indices {
                let dk = kernel.matrix(x, x, parameter: j)
                let direct = zip(dk.values, w.values).reduce(0) { $0 + $1.0 * $1.1 }
                XCTAssertEqual(fast[j], direct, accuracy: 1e-11 * max(1, abs(direct)), "\(kernel.family) \(j)")
            }
        }
    }
}
