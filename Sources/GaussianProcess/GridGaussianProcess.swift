import Foundation
import LinearAlgebra

/// Exact Gaussian-process regression on a full grid: f ~ GP(0, s Π_k k_k(x_k − x_k')), data
/// y = f + ε with ε ~ N(0, σ² I), observed at every point of the tensor grid x₁ × … × x_d.
/// The covariance is s (K₁ ⊗ … ⊗ K_d), so with K_k = Q_k Λ_k Q_kᵀ everything follows from d
/// small eigenproblems (Saatçi 2012, ch. 5; Wilson et al., "Fast kernel learning for
/// multidimensional pattern extrapolation", NeurIPS 2014):
///
///   ỹ = Qᵀ y,  α̃ = ỹ / (sΛ + σ²),
///   log p(y) = −½ ỹ·α̃ − ½ Σ log(sΛ_i + σ²) − (N/2) log 2π,
///
/// and the gradient (R&W eq. 5.9, ∂/∂θ = ½ αᵀ ∂K α − ½ tr((K + σ²I)⁻¹ ∂K)) for a parameter θ
/// of axis k is ⟨∂K_k/∂θ, W_k⟩ with one n_k × n_k matrix per axis,
///
///   W_k = ½ Q_k (sym(M_k) − diag h_k) Q_kᵀ,  M_k = Σ_fibres (w ⊙ α̃)_f α̃_fᵀ,
///   h_k[j] = Σ_{i: i_k = j} w_i / (sΛ_i + σ²),  w_i = s Π_{l≠k} λ_l[i_l],
///
/// because Qᵀ ∂K Q = s (⊗_{l≠k} Λ_l) ⊗ (Q_kᵀ ∂K_k Q_k). So the likelihood and its full gradient
/// cost O(Σ n_k³ + N Σ n_k) whatever the number of kernel parameters (a spectral mixture has
/// 3Q per axis), and each parameter adds only O(n_k) kernel evaluations on a uniform axis.
public struct GridGaussianProcess: ProductKernelModel {
    /// Grid coordinates per axis (the data's C order: the last axis fastest).
    public var axes: [[Double]]
    public var kernels: [Kernel1D]
    public var signalVariance: Double
    public var noiseVariance: Double

    public init(axes: [[Double]], kernels: [Kernel1D], signalVariance: Double = 1, noiseVariance: Double) {
        precondition(axes.count == kernels.count && !axes.isEmpty, "one kernel per axis")
        self.axes = axes; self.kernels = kernels; self.signalVariance = signalVariance; self.noiseVariance = noiseVariance
    }

    public var shape: [Int] { axes.map(\.count) }
    public var count: Int { shape.reduce(1, *) }

    /// K_k = [k_k(x_i − x_j)] per axis.
    public func factorMatrices() -> [DenseMatrix] {
        zip(kernels, axes).map { kernel, x in kernel.matrix(x, x) }
    }

    /// Everything inference needs from one factorisation.
    public struct Fit: Sendable {
        public let logLikelihood: Double
        /// ∂ log p / ∂ (raw hyperparameters), in `hyperparameterNames` order (nil if not asked).
        public let gradient: [Double]?
        public let eigen: KroneckerEigendecomposition
        /// s Λ (C order).
        public let spectrum: [Double]
        /// α̃ = Qᵀ (K + σ²I)⁻¹ y.
        public let alphaTilde: [Double]
    }

    /// Log marginal likelihood of y (C order, N values) and, if asked, its gradient.
    public func fit(_ y: [Double], gradient wantGradient: Bool = true) throws -> Fit {
        precondition(y.count == count, "data has \(y.count) values, grid \(count)")
        let eigen = try KroneckerEigendecomposition(factorMatrices())
        let s = signalVariance, noise = noiseVariance
        let spectrum = eigen.eigenvalues(scale: s)
        let yTilde = eigen.rotate(y)
        let n = y.count
        var alphaTilde = [Double](repeating: 0, count: n)
        var inverse = [Double](repeating: 0, count: n)
        var quadratic = 0.0, logDet = 0.0
        for i in 0..<n {
            // sΛ can round slightly negative for a numerically singular factor; σ² keeps it SPD.
            let d = max(spectrum[i], 0) + noise
            inverse[i] = 1 / d
            alphaTilde[i] = yTilde[i] * inverse[i]
            quadratic += yTilde[i] * alphaTilde[i]
            logDet += log(d)
        }
        let logLikelihood = -0.5 * quadratic - 0.5 * logDet - 0.5 * Double(n) * log(2 * Double.pi)
        guard wantGradient else {
            return Fit(logLikelihood: logLikelihood, gradient: nil, eigen: eigen, spectrum: spectrum, alphaTilde: alphaTilde)
        }
        var gradient: [Double] = []
        // s and σ²: ∂K/∂s = K/s, ∂K/∂σ² = I.
        var gs = 0.0, gNoise = 0.0
        for i in 0..<n {
            let a2 = alphaTilde[i] * alphaTilde[i]
            gs += 0.5 * (a2 - inverse[i]) * max(spectrum[i], 0) / s
            gNoise += 0.5 * (a2 - inverse[i])
        }
        gradient += [gs, gNoise]
        let lambdas = eigen.factors.map(\.eigenvalues)
        for (k, kernel) in kernels.enumerated() {
            // w_i = s Π_{l≠k} λ_l[i_l] = s · before[a] · after[c] for i = (a n_k + j) inner + c.
            let (outer, nk, inner) = ModeProduct.split(shape, k)
            let before = KroneckerEigendecomposition.outer(Array(lambdas[..<k]), scale: s)
            let after = KroneckerEigendecomposition.outer(Array(lambdas[(k + 1)...]))
            var weighted = [Double](repeating: 0, count: n)
            var h = [Double](repeating: 0, count: nk)
            weighted.withUnsafeMutableBufferPointer { wa in
                alphaTilde.withUnsafeBufferPointer { at in
                    inverse.withUnsafeBufferPointer { inv in
                        for a in 0..<outer { for j in 0..<nk {
                            var hj = 0.0
                            let base = (a * nk + j) * inner
                            for c in 0..<inner {
                                let w = before[a] * after[c]
                                wa[base + c] = w * at[base + c]
                                hj += w * inv[base + c]
                            }
                            h[j] += hj
                        }}
                    }
                }
            }
            var m = ModeProduct.gram(weighted, alphaTilde, shape: shape, mode: k)
            m.values.withUnsafeMutableBufferPointer { mp in
                for j in 0..<nk {
                    for i in 0..<j { let v = 0.25 * (mp[i + j * nk] + mp[j + i * nk]); mp[i + j * nk] = v; mp[j + i * nk] = v }
                    mp[j + j * nk] = 0.5 * (mp[j + j * nk] - h[j])
                }
            }
            let q = eigen.factors[k].eigenvectors
            let sensitivity = try q.multiplied(by: try m.multiplied(by: q, transposeOther: true))
            gradient += kernel.parameterGradients(axes[k], against: sensitivity)
        }
        return Fit(logLikelihood: logLikelihood, gradient: gradient, eigen: eigen, spectrum: spectrum, alphaTilde: alphaTilde)
    }

    /// Posterior mean and variance of f at the grid points:
    /// E f = Q (sΛ ⊙ α̃),  Var f_j = Σ_i Q_{ji}² sΛ_i σ² / (sΛ_i + σ²), the latter by Kronecker
    /// products with the squared eigenvectors (no N × N matrix).
    public func posterior(_ fit: Fit) -> (mean: [Double], variance: [Double]) {
        let mean = fit.eigen.rotate(zip(fit.spectrum, fit.alphaTilde).map { max($0, 0) * $1 }, inverse: true)
        let shrink = fit.spectrum.map { l in max(l, 0) * noiseVariance / (max(l, 0) + noiseVariance) }
        let squares = fit.eigen.factors.map { f in
            DenseMatrix(rows: f.eigenvectors.rows, columns: f.eigenvectors.columns, values: f.eigenvectors.values.map { $0 * $0 })
        }
        let variance = KroneckerProduct.apply(squares, to: shrink, shape: shape)
        return (mean, variance.map { max($0, 0) })
    }

    /// Posterior mean and variance of f on another tensor grid (`points` per axis):
    /// with K*_k = k_k(x*, x) and B_k = K*_k Q_k, E f* = s (⊗ B_k) α̃ and
    /// Var f*_j = s Π k_k(0) − s² Σ_i Π_k B_k[j_k, i_k]² / (sΛ_i + σ²).
    public func predict(_ fit: Fit, at points: [[Double]]) throws -> (mean: [Double], variance: [Double]) {
        precondition(points.count == axes.count, "one coordinate list per axis")
        let b = try zip(zip(kernels, axes), zip(points, fit.eigen.factors)).map { ka, pf in
            try ka.0.matrix(pf.0, ka.1).multiplied(by: pf.1.eigenvectors)
        }
        let s = signalVariance
        let mean = KroneckerProduct.apply(b, to: fit.alphaTilde, shape: shape).map { s * $0 }
        let squares = b.map { DenseMatrix(rows: $0.rows, columns: $0.columns, values: $0.values.map { $0 * $0 }) }
        let inverse = fit.spectrum.map { 1 / (max($0, 0) + noiseVariance) }
        let explained = KroneckerProduct.apply(squares, to: inverse, shape: shape)
        let prior = s * kernels.reduce(1) { $0 * $1.value(0) }
        return (mean, explained.map { max(prior - s * s * $0, 0) })
    }
}
