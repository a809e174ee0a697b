import Foundation
import LinearAlgebra

/// Gaussian-process regression on scattered points by structured kernel interpolation (SKI,
/// KISS-GP: Wilson & Nickisch, ICML 2015): with the product kernel's values on a uniform
/// inducing grid U, K_XX ≈ W K_UU Wᵀ, W the sparse cubic interpolation weights
/// (`CubicInterpolation`) and K_UU = s (K₁ ⊗ … ⊗ K_d), so that a product with the data's
/// covariance C = W K_UU Wᵀ + σ² I costs O(n 4^d + M Σ m_k) instead of O(n²).
///
/// Inference is iterative (Gardner et al., "GPyTorch", NeurIPS 2018):
/// - α = C⁻¹ y and u_i = C⁻¹ z_i for t Rademacher probes z_i, by one batched CG
///   (`BatchedConjugateGradient`);
/// - log det C by stochastic Lanczos quadrature from the probes' CG coefficients
///   (`StochasticLogDeterminant`), reported with its standard error;
/// - the gradient, ∂ log p/∂θ = ½ αᵀ ∂C α − ½ tr(C⁻¹ ∂C), with Hutchinson's estimate
///   tr(C⁻¹ ∂C) ≈ (1/t) Σ u_iᵀ ∂C z_i. For a parameter of axis k's kernel every term is
///   ⟨∂K_k, G_k⟩ with one m_k × m_k matrix G_k summed over the grid's mode-k fibres, so the
///   whole gradient costs a few grid products whatever the number of parameters.
/// The probes are the caller's and stay fixed while learning, so the objective the optimiser
/// sees is a deterministic function of θ (the same estimate at the same point).
public struct ScatteredGaussianProcess: ProductKernelModel {
    public let grid: InducingGrid
    public var kernels: [Kernel1D]
    public var signalVariance: Double
    public var noiseVariance: Double
    /// W (n × M) and Wᵀ.
    public let interpolation: CSRMatrix
    let interpolationTransposed: CSRMatrix

    /// `points`: n rows of d coordinates (row-major), inside the grid's inner box.
    public init(points: [Double], grid: InducingGrid, kernels: [Kernel1D], signalVariance: Double = 1, noiseVariance: Double) throws {
        precondition(kernels.count == grid.dimension, "one kernel per axis")
        self.grid = grid; self.kernels = kernels; self.signalVariance = signalVariance; self.noiseVariance = noiseVariance
        interpolation = try CubicInterpolation.weights(points: points, grid: grid)
        interpolationTransposed = interpolation.transposed()
    }

    public var count: Int { interpolation.rows }

    /// K_k on the grid's axes (Toeplitz: 2m_k − 1 kernel evaluations each).
    public func factorMatrices() -> [DenseMatrix] {
        kernels.indices.map { k in kernels[k].matrix(grid.axis(k), grid.axis(k)) }
    }

    // MARK: products on blocks of vectors (column after column)

    /// Wᵀ X for `columns` vectors of length n: a block of grid vectors.
    func restrict(_ x: UnsafeBufferPointer<Double>, columns: Int) -> [Double] {
        let n = count, m = grid.count
        var g = [Double](repeating: 0, count: columns * m)
        g.withUnsafeMutableBufferPointer { gp in
            for c in 0..<columns {
                interpolationTransposed.apply(UnsafeBufferPointer(rebasing: x[(c * n)..<((c + 1) * n)]),
                                              into: UnsafeMutableBufferPointer(rebasing: gp[(c * m)..<((c + 1) * m)]))
            }
        }
        return g
    }

    /// (⊗_{k ∉ skip} K_k) on a block of grid vectors: the factors applied on modes 1 … d of the
    /// block's shape [columns, m₁, …, m_d]; `skip` leaves one axis out (K_{−k} for gradients).
    func gridProduct(_ factors: [DenseMatrix], _ g: [Double], columns: Int, skip: Int? = nil) -> [Double] {
        let shape = [columns] + grid.shape
        var current = g
        for (k, f) in factors.enumerated() where k != skip {
            current = ModeProduct.apply(f, to: current, shape: shape, mode: k + 1)
        }
        return current
    }

    /// C X = s W K_UU Wᵀ X + σ² X for a block.
    func covariance(_ factors: [DenseMatrix], _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>, columns: Int) {
        let n = count, m = grid.count
        let kg = gridProduct(factors, restrict(x, columns: columns), columns: columns)
        kg.withUnsafeBufferPointer { kp in
            for c in 0..<columns {
                interpolation.apply(UnsafeBufferPointer(rebasing: kp[(c * m)..<((c + 1) * m)]),
                                    into: UnsafeMutableBufferPointer(rebasing: y[(c * n)..<((c + 1) * n)]))
            }
        }
        let s = signalVariance, noise = noiseVariance
        for i in 0..<(columns * n) { y[i] = s * y[i] + noise * x[i] }
    }

    // MARK: likelihood, gradient, posterior

    public struct Fit: Sendable {
        /// The estimate of log p(y) and its standard error (from the probes' spread).
        public let logLikelihood: Double
        public let standardError: Double
        /// ∂ log p / ∂ (raw hyperparameters), in `hyperparameterNames` order (nil if not asked).
        public let gradient: [Double]?
        /// α = C⁻¹ y.
        public let alpha: [Double]
        /// Batched CG: the most iterations any column took, block products, the worst final
        /// relative residual, and whether every column reached its tolerance.
        public let iterations: Int
        public let products: Int
        public let worstRelativeResidual: Double
        public let converged: Bool
    }

    /// Log marginal likelihood estimate of y (n values) with t = probes.count / n Rademacher
    /// probes (t ≥ 2, so that the estimate has a standard error), and its gradient.
    public func fit(_ y: [Double], probes: [Double], rtol: Double, maxIterations: Int, gradient wantGradient: Bool = true) throws -> Fit {
        let n = count
        precondition(y.count == n && probes.count % max(n, 1) == 0, "data has \(y.count) values, points \(n)")
        let t = probes.count / n
        guard t >= 2 else { throw LinearAlgebraError.invalidArgument("stochastic log-determinant: at least 2 probe vectors, got \(t)") }
        let factors = factorMatrices()
        let solve = BatchedConjugateGradient.solve(y + probes, n: n, columns: 1 + t, rtol: rtol, maxIterations: maxIterations,
                                                   operator: { x, out, c in covariance(factors, x, into: out, columns: c) })
        let alpha = Array(solve.solutions[0..<n])
        let quadratic = zip(y, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        let logDet = try StochasticLogDeterminant.estimate(Array(solve.columns[1...]))
        let logLikelihood = -0.5 * quadratic - 0.5 * logDet.value - 0.5 * Double(n) * log(2 * Double.pi)
        let columns = solve.columns
        let fitBase = (iterations: columns.map(\.iterations).max() ?? 0, products: solve.products,
                       worst: columns.map(\.relativeResidual).max() ?? 0, converged: columns.allSatisfy(\.converged))
        guard wantGradient else {
            return Fit(logLikelihood: logLikelihood, standardError: 0.5 * logDet.standardError, gradient: nil, alpha: alpha,
                       iterations: fitBase.iterations, products: fitBase.products, worstRelativeResidual: fitBase.worst,
                       converged: fitBase.converged)
        }
        // ½ [αᵀ ∂C α − (1/t) Σ u_iᵀ ∂C z_i] = ½ Σ_c ℓ_cᵀ ∂C r_c over the columns
        // ℓ = [α, −u₁/t, …, −u_t/t] and r = [α, z₁, …, z_t].
        var left = solve.solutions
        for i in n..<left.count { left[i] *= -1 / Double(t) }
        var right = y + probes
        for i in 0..<n { right[i] = alpha[i] }
        let c = 1 + t
        let gl = left.withUnsafeBufferPointer { restrict($0, columns: c) }
        let gr = right.withUnsafeBufferPointer { restrict($0, columns: c) }
        let s = signalVariance
        var gradient = [0.0, 0.0]
        // σ²: ∂C = I.
        gradient[1] = 0.5 * zip(left, right).reduce(0) { $0 + $1.0 * $1.1 }
        for (k, kernel) in kernels.enumerated() {
            let others = gridProduct(factors, gr, columns: c, skip: k)
            if k == 0 {
                // s: ∂C = W K_UU Wᵀ / s, i.e. ⟨ℓ̂, (⊗K) r̂⟩ with (⊗K) r̂ = K₀ (K_{−0} r̂).
                let full = ModeProduct.apply(factors[0], to: others, shape: [c] + grid.shape, mode: 1)
                gradient[0] = 0.5 * zip(gl, full).reduce(0) { $0 + $1.0 * $1.1 }
            }
            var sensitivity = ModeProduct.gram(gl, others, shape: [c] + grid.shape, mode: k + 1)
            for i in sensitivity.values.indices { sensitivity.values[i] *= 0.5 * s }
            gradient += kernel.parameterGradients(grid.axis(k), against: sensitivity)
        }
        return Fit(logLikelihood: logLikelihood, standardError: 0.5 * logDet.standardError, gradient: gradient, alpha: alpha,
                   iterations: fitBase.iterations, products: fitBase.products, worstRelativeResidual: fitBase.worst,
                   converged: fitBase.converged)
    }

    /// Posterior mean of f at points (rows of d coordinates inside the grid's inner box):
    /// s W* K_UU Wᵀ α.
    public func posteriorMean(_ fit: Fit, at points: [Double]) throws -> [Double] {
        let weights = try CubicInterpolation.weights(points: points, grid: grid)
        let g = fit.alpha.withUnsafeBufferPointer { restrict($0, columns: 1) }
        let kg = gridProduct(factorMatrices(), g, columns: 1)
        return weights.apply(kg).map { signalVariance * $0 }
    }

    /// Learns the hyperparameters by maximising `fit`'s likelihood estimate with fixed probes.
    public func learn(_ y: [Double], probes: [Double], rtol: Double, maxIterations: Int, bounds: HyperparameterBounds,
                      optimizer: HyperparameterOptimizer) throws -> (ScatteredGaussianProcess, OptimizationResult) {
        try learn(bounds: bounds, optimizer: optimizer) { m in
            let fit = try m.fit(y, probes: probes, rtol: rtol, maxIterations: maxIterations, gradient: true)
            return (fit.logLikelihood, fit.gradient!)
        }
    }
}
