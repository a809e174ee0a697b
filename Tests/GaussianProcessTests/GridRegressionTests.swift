import XCTest
import Krylov
import LinearAlgebra
import Spectral
@testable import GaussianProcess

final class GridRegressionTests: XCTestCase {
    static func axis(_ n: Int, _ a: Double = 0, _ b: Double = 1) -> [Double] { (0..<n).map { a + (b - a) * Double($0) / Double(n - 1) } }

    /// s K + σ² I assembled.
    static func denseCovariance(_ gp: GridGaussianProcess) -> DenseMatrix {
        var k = KroneckerTests.kron(gp.factorMatrices())
        for i in k.values.indices { k.values[i] *= gp.signalVariance }
        for i in 0..<k.rows { k[i, i] += gp.noiseVariance }
        return k
    }

    static func sample(_ gp: GridGaussianProcess, seed: UInt64) throws -> [Double] {
        // f = √s (⊗ L_k) z with L_k the Cholesky factors (plus a 1e-10 jitter), then noise.
        let ls = try gp.factorMatrices().map { m -> DenseMatrix in
            var m = m; for i in 0..<m.rows { m[i, i] += 1e-10 }; return try DenseCholesky(m).factor
        }
        var g = NormalGenerator(seed: seed)
        let z = (0..<gp.count).map { _ in g.next() }
        let f = KroneckerProduct.apply(ls, to: z, shape: gp.shape)
        return f.map { gp.signalVariance.squareRoot() * $0 + gp.noiseVariance.squareRoot() * g.next() }
    }

    static let models: [GridGaussianProcess] = [
        GridGaussianProcess(axes: [axis(7), axis(6, -1, 2)],
                            kernels: [Kernel1D(.squaredExponential, parameters: [0.3]), Kernel1D(.matern52, parameters: [0.9])],
                            signalVariance: 1.3, noiseVariance: 0.05),
        GridGaussianProcess(axes: [axis(5), axis(4), axis(6, 0, 3)],
                            kernels: [Kernel1D(.periodic, parameters: [0.8, 0.7]), Kernel1D(.matern32, parameters: [0.4]),
                                      Kernel1D(.spectralMixture, parameters: [0.6, 1.2, 0.2, 0.4, 0.5, 0.6])],
                            signalVariance: 0.8, noiseVariance: 0.1),
    ]

    func testLogLikelihoodMatchesDenseCholesky() throws {
        for gp in Self.models {
            let y = try Self.sample(gp, seed: 5)
            let chol = try DenseCholesky(Self.denseCovariance(gp))
            let alpha = try chol.solve(y)
            let expected = -0.5 * zip(y, alpha).reduce(0) { $0 + $1.0 * $1.1 } - 0.5 * chol.logDeterminant
                - 0.5 * Double(y.count) * log(2 * Double.pi)
            let fit = try gp.fit(y, gradient: false)
            XCTAssertEqual(fit.logLikelihood, expected, accuracy: 1e-10 * abs(expected))
        }
    }

    /// Central differences in each raw hyperparameter, step 1e-6 relative: truncation O(h²)
    /// and rounding O(ε |log p| / h) ≈ 1e-9 for |log p| ~ 100, so 1e-6 relative is safe.
    func testGradientMatchesFiniteDifferences() throws {
        for gp in Self.models {
            let y = try Self.sample(gp, seed: 6)
            try assertGradient(gp, try gp.fit(y).gradient!) { try $0.fit(y, gradient: false).logLikelihood }
        }
    }

    /// `gradient` against central differences of `logLikelihood` in each raw hyperparameter.
    func assertGradient(_ gp: GridGaussianProcess, _ gradient: [Double], _ logLikelihood: (GridGaussianProcess) throws -> Double,
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let theta = gp.hyperparameters
        for i in theta.indices {
            let h = 1e-6 * max(abs(theta[i]), 1e-2)
            var plus = gp, minus = gp
            var tp = theta, tm = theta
            tp[i] += h; tm[i] -= h
            plus.hyperparameters = tp; minus.hyperparameters = tm
            let fd = (try logLikelihood(plus) - logLikelihood(minus)) / (2 * h)
            XCTAssertEqual(gradient[i], fd, accuracy: 1e-6 * max(abs(fd), 1), "\(gp.hyperparameterNames[i])", file: file, line: line)
        }
    }

    func testPosteriorAndPredictionMatchDenseFormulas() throws {
        let gp = Self.models[0]
        let y = try Self.sample(gp, seed: 7)
        let fit = try gp.fit(y, gradient: false)
        let (mean, variance) = gp.posterior(fit)
        // Dense: E f = sK (sK + σ²I)⁻¹ y, Var f = diag(sK − sK (sK + σ²I)⁻¹ sK).
        var sk = KroneckerTests.kron(gp.factorMatrices())
        for i in sk.values.indices { sk.values[i] *= gp.signalVariance }
        let chol = try DenseCholesky(Self.denseCovariance(gp))
        let expectedMean = sk.apply(try chol.solve(y))
        let solved = try chol.solve(sk)
        let reduction = try sk.multiplied(by: solved)
        XCTAssertLessThan(KroneckerTests.maxDifference(mean, expectedMean), 1e-10)
        for i in 0..<gp.count { XCTAssertEqual(variance[i], sk[i, i] - reduction[i, i], accuracy: 1e-10) }
        // On a finer grid: E f* = sK*(...)⁻¹ y, Var f* = s Π k(0) − diag(sK* (...)⁻¹ sK*ᵀ).
        let fine = [Self.axis(9, -0.1, 1.1), Self.axis(5, -1, 2)]
        let (pm, pv) = try gp.predict(fit, at: fine)
        var kstar = KroneckerTests.kron(zip(gp.kernels, zip(fine, gp.axes)).map { $0.matrix($1.0, $1.1) })
        for i in kstar.values.indices { kstar.values[i] *= gp.signalVariance }
        XCTAssertLessThan(KroneckerTests.maxDifference(pm, kstar.apply(try chol.solve(y))), 1e-10)
        let inner = try kstar.multiplied(by: try chol.solve(kstar.transposed))
        for i in 0..<kstar.rows { XCTAssertEqual(pv[i], gp.signalVariance - inner[i, i], accuracy: 1e-10) }
    }

    func testMissingPointsByPreconditionedCGMatchDenseSubsetSolve() throws {
        let gp = GridGaussianProcess(axes: [Self.axis(12), Self.axis(10)],
                                     kernels: [Kernel1D(.matern52, parameters: [0.3]), Kernel1D(.squaredExponential, parameters: [0.2])],
                                     signalVariance: 1, noiseVariance: 0.01)
        let y = try Self.sample(gp, seed: 8)
        let observed = (0..<gp.count).filter { $0 % 7 != 3 && !(30..<45).contains($0) }
        let values = observed.map { y[$0] }
        let fit = try gp.posteriorMean(observed: observed, values: values, options: IterativeOptions(rtol: 1e-12, maxIterations: 500))
        XCTAssertTrue(fit.solve.reason.converged)
        let full = Self.denseCovariance(gp)
        var sub = DenseMatrix(rows: observed.count, columns: observed.count)
        for (a, i) in observed.enumerated() { for (b, j) in observed.enumerated() { sub[a, b] = full[i, j] } }
        let alpha = try DenseCholesky(sub).solve(values)
        var sk = KroneckerTests.kron(gp.factorMatrices())
        for i in sk.values.indices { sk.values[i] *= gp.signalVariance }
        for i in 0..<gp.count {
            let e = zip(observed, alpha).reduce(0) { $0 + sk[i, $1.0] * $1.1 }
            // rtol 1e-12 on the residual; κ(subset) ≤ (s N + σ²)/σ² ~ 1e4 → 1e-8 on α.
            XCTAssertEqual(fit.mean[i], e, accuracy: 1e-7)
        }
        // The Kronecker-inverse preconditioner keeps the count low with 20 % missing.
        XCTAssertLessThan(fit.solve.iterations, 120)
    }

    /// The exact likelihood of an incomplete grid: with every point observed it is `fit`'s
    /// (value and gradient, to rounding); with 20 % missing its gradient matches central
    /// differences of itself (the same step rule as above) for both models, 3-axis mixture
    /// included.
    func testIncompleteGridLikelihoodAndGradient() throws {
        for gp in Self.models {
            let y = try Self.sample(gp, seed: 9)
            let all = Array(0..<gp.count)
            let complete = try gp.observedFit(observed: all, values: y), fit = try gp.fit(y)
            XCTAssertEqual(complete.logLikelihood, fit.logLikelihood, accuracy: 1e-10 * abs(fit.logLikelihood))
            for (a, b) in zip(complete.gradient, fit.gradient!) { XCTAssertEqual(a, b, accuracy: 1e-8 * max(abs(b), 1)) }
            let observed = all.filter { $0 % 5 != 2 }
            let values = observed.map { y[$0] }
            try assertGradient(gp, try gp.observedFit(observed: observed, values: values).gradient) {
                try $0.observedFit(observed: observed, values: values).logLikelihood
            }
        }
    }

    /// Learning from an incomplete grid: on 20 × 16 points drawn from the prior with noise
    /// variance 0.04, 25 % of them removed, L-BFGS on the exact likelihood of the observed
    /// points ends at a stationary point (gradient below tolerance) with a higher likelihood
    /// than its start, and the learned noise within a factor 2 of the truth (the estimator's
    /// spread on 240 points; measured: s 1.15, σ² 0.0408, ℓ 0.195 and 0.310 against 1, 0.04,
    /// 0.2 and 0.3, in 17 iterations).
    func testLearningFromAnIncompleteGrid() throws {
        let truth = GridGaussianProcess(axes: [Self.axis(20), Self.axis(16)], kernels: [Kernel1D(.squaredExponential, parameters: [0.2]),
                                                                                        Kernel1D(.matern52, parameters: [0.3])],
                                        signalVariance: 1, noiseVariance: 0.04)
        let y = try Self.sample(truth, seed: 11)
        let observed = (0..<truth.count).filter { ($0 * 7) % 4 != 0 }
        let values = observed.map { y[$0] }
        var start = truth
        start.hyperparameters = [0.5, 0.2, 0.5, 0.5]
        let bounds = HyperparameterBounds(lower: [1e-3, 1e-4, 1e-2, 1e-2], upper: [10, 10, 10, 10], fixed: [false, false, false, false])
        let (learned, run) = try start.learn(values, observed: observed, bounds: bounds,
                                             optimizer: .lbfgs(LBFGS(maxIterations: 200, gradientTolerance: 1e-6)))
        XCTAssertTrue(run.converged, run.stopReason)
        let before = try start.observedFit(observed: observed, values: values).logLikelihood
        let after = try learned.observedFit(observed: observed, values: values).logLikelihood
        XCTAssertGreaterThan(after, before)
        XCTAssertEqual(log(learned.noiseVariance / 0.04), 0, accuracy: log(2.0), "noise \(learned.noiseVariance)")
    }

    /// Data drawn from the prior with known length scales; maximum likelihood should find them
    /// within the estimator's own uncertainty: 4 standard errors from the observed information
    /// (the curvature of log p in log ℓ at the optimum, by differences of the exact gradient).
    func testRegressionRecoversLengthScalesFromAPriorSample() throws {
        let truth = GridGaussianProcess(axes: [Self.axis(48), Self.axis(40)],
                                        kernels: [Kernel1D(.squaredExponential, parameters: [0.15]), Kernel1D(.matern52, parameters: [0.3])],
                                        signalVariance: 1, noiseVariance: 0.01)
        let y = try Self.sample(truth, seed: 11)
        var start = truth
        start.hyperparameters = [1, 0.1, 0.4, 0.8]
        let bounds = HyperparameterBounds(lower: [1e-3, 1e-6, 1e-3, 1e-3], upper: [1e3, 10, 10, 10], fixed: [false, false, false, false])
        let (learned, result) = try start.learn(y, bounds: bounds, optimizer: .lbfgs(LBFGS(maxIterations: 200)))
        XCTAssertTrue(result.converged, result.stopReason)
        XCTAssertLessThan(result.history.last!.value, result.history.first!.value)
        for (index, trueValue) in [(2, 0.15), (3, 0.3)] {
            let theta = learned.hyperparameters
            let h = 1e-4
            func dlogp(_ z: Double) throws -> Double {
                var m = learned; var t = theta; t[index] = exp(z); m.hyperparameters = t
                return try m.fit(y).gradient![index] * exp(z)
            }
            let z = log(theta[index])
            let curvature = (try dlogp(z + h) - dlogp(z - h)) / (2 * h)
            XCTAssertLessThan(curvature, 0)
            let standardError = 1 / (-curvature).squareRoot()
            XCTAssertLessThan(abs(z - log(trueValue)), 4 * standardError,
                              "\(learned.hyperparameterNames[index]) = \(theta[index]), truth \(trueValue), se(log) \(standardError)")
        }
        XCTAssertEqual(learned.noiseVariance, 0.01, accuracy: 0.01 * 0.2)
    }
}
