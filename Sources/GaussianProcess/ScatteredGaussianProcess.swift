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
    /// The points' per-axis stencils, W (n × M) built from them, and Wᵀ.
    let stencils: [CubicInterpolation.AxisStencils]
    public let interpolation: CSRMatrix
    let interpolationTransposed: CSRMatrix

    /// `points`: n rows of d coordinates (row-major), inside the grid's inner box.
    public init(points: [Double], grid: InducingGrid, kernels: [Kernel1D], signalVariance: Double = 1, noiseVariance: Double) throws {
        precondition(kernels.count == grid.dimension, "one kernel per axis")
        self.grid = grid; self.kernels = kernels; self.signalVariance = signalVariance; self.noiseVariance = noiseVariance
        stencils = CubicInterpolation.stencils(points: points, grid: grid)
        interpolation = try CubicInterpolation.weights(stencils, grid: grid)
        interpolationTransposed = interpolation.transposed()
    }

    public var count: Int { interpolation.rows }

    /// K_k on the grid's axes (Toeplitz: 2m_k − 1 kernel evaluations each).
    public func factorMatrices() -> [DenseMatrix] {
        kernels.indices.map { k in kernels[k].matrix(grid.axis(k), grid.axis(k)) }
    }

    /// Axes with at least this many nodes multiply by FFT (circulant embedding) instead of the
    /// dense m × m factor: 2 transforms of 2m points against m² flops per fibre.
    public static let toeplitzThreshold = 192

    /// One axis's factor K_k as the grid products use it: dense, or its first column's
    /// circulant embedding on a long axis.
    struct Factor {
        let dense: DenseMatrix
        let toeplitz: SymmetricToeplitz?
    }

    func factors(_ matrices: [DenseMatrix]) throws -> [Factor] {
        try matrices.map { m in
            Factor(dense: m, toeplitz: m.rows >= Self.toeplitzThreshold ? try SymmetricToeplitz(firstColumn: (0..<m.rows).map { m[$0, 0] }) : nil)
        }
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
    func gridProduct(_ factors: [Factor], _ g: [Double], columns: Int, skip: Int? = nil) throws -> [Double] {
        let shape = [columns] + grid.shape
        var current = g
        for (k, f) in factors.enumerated() where k != skip {
            current = try f.toeplitz?.apply(to: current, shape: shape, mode: k + 1)
                ?? ModeProduct.apply(f.dense, to: current, shape: shape, mode: k + 1)
        }
        return current
    }

    /// C X = s W K_UU Wᵀ X + σ² X for a block.
    func covariance(_ factors: [Factor], _ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>, columns: Int) throws {
        let n = count, m = grid.count
        let kg = try gridProduct(factors, restrict(x, columns: columns), columns: columns)
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
        /// The preconditioner's rank r.
        public let rank: Int
        /// P, for the posterior variance.
        let preconditioner: InterpolatedEigenPreconditioner
    }

    /// Log marginal likelihood estimate of y (n values) and its gradient, with t probes
    /// z ~ N(0, P) drawn from `normals`: t runs of `maximumRank + n` standard normals (the first
    /// r of a run for P's low-rank part, its last n for the noise part), fixed by the caller so
    /// that learning sees one deterministic function. `maximumRank` bounds P's rank (0: P = σ² I).
    ///
    /// - log det C = log det P + tr log(P⁻¹ C), the latter by Lanczos quadrature on the probes;
    /// - tr(C⁻¹ ∂C) = tr(P⁻¹ ∂C) + tr((C⁻¹ − P⁻¹) ∂C): the first exactly, the second by
    ///   (1/t) Σ (u_i − v_i)ᵀ ∂C v_i with u_i = C⁻¹ z_i, v_i = P⁻¹ z_i (E[z zᵀ] = P).
    public func fit(_ y: [Double], normals: [Double], probes t: Int, maximumRank: Int, rtol: Double, maxIterations: Int,
                    gradient wantGradient: Bool = true) throws -> Fit {
        let n = count
        precondition(y.count == n, "data has \(y.count) values, points \(n)")
        guard t >= 2 else { throw LinearAlgebraError.invalidArgument("stochastic log-determinant: at least 2 probe vectors, got \(t)") }
        let matrices = factorMatrices(), factors = try self.factors(matrices)
        let eigen = try KroneckerEigendecomposition(matrices).factors
        let pre = try InterpolatedEigenPreconditioner(stencils: stencils, eigen: eigen, gridCount: grid.count, signalVariance: signalVariance,
                                                      noiseVariance: noiseVariance, maximumRank: maximumRank)
        let z = try pre.sample(normals, probes: t, stride: maximumRank + n)
        // The block operator cannot throw: an FFTW planning failure is kept and rethrown after.
        var failure: Error?
        let solve = BatchedConjugateGradient.solve(y + z, n: n, columns: 1 + t, rtol: rtol, maxIterations: maxIterations,
                                                   operator: { x, out, c in
                                                       do { try covariance(factors, x, into: out, columns: c) } catch {
                                                           failure = failure ?? error
                                                           for i in 0..<out.count { out[i] = .nan }
                                                       }
                                                   },
                                                   preconditioner: { x, out, c in pre.apply(x, into: out, columns: c) })
        if let failure { throw failure }
        let alpha = Array(solve.solutions[0..<n])
        let quadratic = zip(y, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        let remainder = try StochasticLogDeterminant.estimate(Array(solve.columns[1...]))
        let logDet = pre.logDeterminant + remainder.value
        let logLikelihood = -0.5 * quadratic - 0.5 * logDet - 0.5 * Double(n) * log(2 * Double.pi)
        let columns = solve.columns
        func result(_ gradient: [Double]?) -> Fit {
            Fit(logLikelihood: logLikelihood, standardError: 0.5 * remainder.standardError, gradient: gradient, alpha: alpha,
                iterations: columns.map(\.iterations).max() ?? 0, products: solve.products,
                worstRelativeResidual: columns.map(\.relativeResidual).max() ?? 0, converged: columns.allSatisfy(\.converged), rank: pre.rank,
                preconditioner: pre)
        }
        guard wantGradient else { return result(nil) }
        var v = [Double](repeating: 0, count: n * t)
        z.withUnsafeBufferPointer { zp in v.withUnsafeMutableBufferPointer { pre.apply(zp, into: $0, columns: t) } }
        // ∂ log p = ½ Σ_c ℓ_cᵀ ∂C r_c − ½ tr(∂C)/σ² over the columns
        //   ℓ = [α, −(u_i − v_i)/t, (L S⁻¹)_c/σ²],  r = [α, v_i, L_c]:
        // ½ αᵀ∂Cα, −½ Hutchinson's remainder, and −½ tr(P⁻¹ ∂C) = −½ (tr ∂C − tr(S⁻¹ Lᵀ ∂C L))/σ².
        var left = alpha, right = alpha
        for i in 0..<t { for p in 0..<n { left.append(-(solve.solutions[(1 + i) * n + p] - v[i * n + p]) / Double(t)) } }
        right += v
        if pre.rank > 0 {
            let ls = try pre.capacitance.solve(pre.factor.transposed)  // S⁻¹ Lᵀ (r × n): its rows are (L S⁻¹)_c
            for c in 0..<pre.rank { for p in 0..<n { left.append(ls[c, p] / noiseVariance) } }
            right += pre.factor.values
        }
        // ½ s ⟨∂K_k, G_k⟩ − ½ (s/σ²) ⟨∂K_k, D_k⟩ for axis k's parameters, through the lag sums
        // of G_k and D_k (every factor is Toeplitz on the uniform grid).
        var (gradient, lags) = try gradientTerms(factors, left: left, right: right, columns: left.count / n)
        let exact = diagonalTerms(matrices)
        gradient[0] -= 0.5 * exact.signal / noiseVariance
        gradient[1] -= 0.5 * Double(n) / noiseVariance
        for (k, kernel) in kernels.enumerated() {
            let combined = zip(lags[k], exact.lags[k]).map { 0.5 * signalVariance * ($0 - $1 / noiseVariance) }
            gradient += kernel.parameterGradients(spacing: grid.spacing[k], lagSums: combined)
        }
        return result(gradient)
    }

    /// ½ Σ_c ℓ_cᵀ ∂C r_c for s and σ², in column batches (the grid blocks are batch × M): σ²
    /// from ℓᵀr, s from ⟨Wᵀℓ, K Wᵀr⟩; and per axis the lag sums of G_k, the mode-k Gram matrix
    /// of Wᵀℓ and K_{−k} Wᵀr, from which ⟨∂K_k, G_k⟩ follows for every parameter of axis k.
    func gradientTerms(_ factors: [Factor], left: [Double], right: [Double], columns: Int) throws -> (gradient: [Double], lags: [[Double]]) {
        let n = count, batch = max(1, min(columns, (1 << 25) / max(grid.count, 1)))
        var signal = 0.0, noise = 0.0
        var lags = grid.shape.map { [Double](repeating: 0, count: 2 * $0 - 1) }
        for lo in stride(from: 0, to: columns, by: batch) {
            let c = min(batch, columns - lo), range = (lo * n)..<((lo + c) * n)
            noise += zip(left[range], right[range]).reduce(0) { $0 + $1.0 * $1.1 }
            let gl = left[range].withUnsafeBufferPointer { restrict($0, columns: c) }
            let gr = right[range].withUnsafeBufferPointer { restrict($0, columns: c) }
            let shape = [c] + grid.shape
            for k in kernels.indices {
                let others = try gridProduct(factors, gr, columns: c, skip: k)
                if k == 0 {
                    let full = try factors[0].toeplitz?.apply(to: others, shape: shape, mode: 1)
                        ?? ModeProduct.apply(factors[0].dense, to: others, shape: shape, mode: 1)
                    signal += zip(gl, full).reduce(0) { $0 + $1.0 * $1.1 }
                }
                let sums: [Double]
                if factors[k].toeplitz != nil {
                    sums = try SymmetricToeplitz.lagSums(gl, others, shape: shape, mode: k + 1)
                } else {
                    let g = ModeProduct.gram(gl, others, shape: shape, mode: k + 1), m = grid.shape[k]
                    var d = [Double](repeating: 0, count: 2 * m - 1)
                    for j in 0..<m { for i in 0..<m { d[i - j + m - 1] += g[i, j] } }
                    sums = d
                }
                for i in sums.indices { lags[k][i] += sums[i] }
            }
        }
        return ([0.5 * signal, 0.5 * noise], lags)
    }

    /// w_kᵀ K_k[stencil] w_k for point p on one axis: the 4 × 4 form whose product over the axes
    /// is the interpolated prior variance at the point, (W K Wᵀ)_pp.
    static func stencilForm(_ stencil: CubicInterpolation.AxisStencils, _ p: Int, _ factor: DenseMatrix) -> Double {
        let a = Int(stencil.start[p]), w = stencil.weights
        var form = 0.0
        for o in 0..<4 { for o2 in 0..<4 { form += w[4 * p + o] * w[4 * p + o2] * factor[a + o, a + o2] } }
        return form
    }

    /// tr(W K Wᵀ) (K = ⊗ K_k, unit variance) and, per axis, the lag sums of D_k with
    /// tr(W (∂K_k ⊗ K_{−k}) Wᵀ) = ⟨∂K_k, D_k⟩: a row of W is a tensor product of per-axis
    /// stencils, so the diagonal of W K Wᵀ at a point is Π_k q_k with q_k = w_kᵀ K_k[stencil] w_k
    /// (a 4 × 4 form per axis), and D_k's entries lie within 3 of its diagonal.
    func diagonalTerms(_ factors: [DenseMatrix]) -> (signal: Double, lags: [[Double]]) {
        let n = count, d = grid.dimension
        var q = [Double](repeating: 0, count: d)
        var signal = 0.0
        var lags = grid.shape.map { [Double](repeating: 0, count: 2 * $0 - 1) }
        for p in 0..<n {
            for k in 0..<d { q[k] = Self.stencilForm(stencils[k], p, factors[k]) }
            signal += q.reduce(1, *)
            for k in 0..<d {
                var rest = 1.0
                for l in 0..<d where l != k { rest *= q[l] }
                let w = stencils[k].weights, m = grid.shape[k]
                for o in 0..<4 { for o2 in 0..<4 { lags[k][o - o2 + m - 1] += w[4 * p + o] * w[4 * p + o2] * rest } }
            }
        }
        return (signal, lags)
    }

    /// Posterior mean of f at points (rows of d coordinates inside the grid's inner box):
    /// s W* K_UU Wᵀ α.
    public func posteriorMean(_ fit: Fit, at points: [Double]) throws -> [Double] {
        let weights = try CubicInterpolation.weights(points: points, grid: grid)
        let g = fit.alpha.withUnsafeBufferPointer { restrict($0, columns: 1) }
        let kg = try gridProduct(factors(factorMatrices()), g, columns: 1)
        return weights.apply(kg).map { signalVariance * $0 }
    }

    /// Posterior variance of f at points (rows of d coordinates inside the grid's inner box):
    ///
    ///     Var f* ≈ k** − k̃*ᵀ P⁻¹ k̃*,
    ///
    /// k** = s w* K_UU w*ᵀ the interpolated prior variance (exact: a 4 × 4 form per axis), and
    /// k̃* = s W Q_r Λ_r Q_rᵀ w*ᵀ the cross-covariance through the preconditioner's r kept
    /// eigenpairs of K_UU, with P = L Lᵀ + σ² I in place of C. This is the projected-process
    /// (DTC) variance of the interpolated kernel with K_UU's leading eigenvectors as the basis
    /// (Seeger, Williams & Lawrence 2003; Quiñonero-Candela & Rasmussen 2005, §5). Split the
    /// interpolated prior into the kept and the discarded eigenpairs' independent parts: the
    /// exact variance is at least the kept part's posterior variance plus nothing, so this
    /// value exceeds it by at most β = k** − |u*|², the prior variance the kept eigenpairs miss
    /// (tested, with the bound in the other direction); exact when nothing is discarded.
    public func posteriorVariance(_ fit: Fit, at points: [Double]) throws -> [Double] {
        let at = CubicInterpolation.stencils(points: points, grid: grid)
        let matrices = factorMatrices(), pre = fit.preconditioner
        let u = InterpolatedEigenPreconditioner.rows(at, kept: pre.kept, eigen: pre.eigen, signal: pre.signal)
        let explained = try pre.explainedVariance(u)
        let d = grid.dimension
        return explained.indices.map { p in
            var prior = signalVariance
            for k in 0..<d { prior *= Self.stencilForm(at[k], p, matrices[k]) }
            return max(prior - explained[p], 0)
        }
    }

    /// Learns the hyperparameters by maximising `fit`'s likelihood estimate with fixed probes.
    public func learn(_ y: [Double], normals: [Double], probes: Int, maximumRank: Int, rtol: Double, maxIterations: Int,
                      bounds: HyperparameterBounds, optimizer: HyperparameterOptimizer) throws -> (ScatteredGaussianProcess, OptimizationResult) {
        try learn(bounds: bounds, optimizer: optimizer) { m in
            let fit = try m.fit(y, normals: normals, probes: probes, maximumRank: maximumRank, rtol: rtol, maxIterations: maxIterations)
            return (fit.logLikelihood, fit.gradient!)
        }
    }
}
