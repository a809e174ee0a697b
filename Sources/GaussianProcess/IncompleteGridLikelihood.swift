import Foundation
import LinearAlgebra

/// The exact log marginal likelihood of data on a subset O of the grid, and its gradient in
/// every hyperparameter: the covariance C = s P K Pᵀ + σ² I of the observed points is not
/// Kronecker-structured, so it is assembled (its entries are products of per-axis kernel
/// values) and factored by dense Cholesky — O(|O|³), exact, for |O| up to a few thousand
/// (`maximumObserved`). With α = C⁻¹y and M = ½(ααᵀ − C⁻¹),
///
///     ∂ log p/∂θ = ⟨M, ∂C/∂θ⟩,
///
/// which for s is ⟨M, (C − σ²I)/s⟩, for σ² is tr M, and for a parameter of axis k's kernel is
/// ⟨W_k, ∂K_k/∂θ⟩ with the per-axis sensitivity W_k[p, q] = s Σ_{a, b: a_k = p, b_k = q} M_ab
/// Π_{l ≠ k} K_l[a_l, b_l] — the same per-axis reduction as the complete grid's gradient, so
/// Kernel1D's parameter gradients serve both. GPyTorch's grid inference approximates this
/// likelihood (CG and stochastic Lanczos) instead; on a complete grid the result equals `fit`'s.
extension GridGaussianProcess {
    /// The largest observed set `observedFit` takes (a 6000² Cholesky is about 10¹¹ flops).
    public static let maximumObserved = 6000

    public func observedFit(observed: [Int], values y: [Double]) throws -> (logLikelihood: Double, gradient: [Double]) {
        precondition(observed.count == y.count, "one value per observed index")
        let m = observed.count
        guard m > 0, m <= Self.maximumObserved else {
            throw LinearAlgebraError.invalidArgument(
                "the exact likelihood of \(m) observed points needs a dense \(m) × \(m) factor; at most \(Self.maximumObserved)")
        }
        let d = shape.count, factors = factorMatrices(), s = signalVariance, noise = noiseVariance
        // Each observed point's index along every axis.
        var index = [[Int]](repeating: [Int](repeating: 0, count: m), count: d)
        for (a, flat) in observed.enumerated() {
            var rest = flat
            for k in stride(from: d - 1, through: 0, by: -1) { index[k][a] = rest % shape[k]; rest /= shape[k] }
        }
        var c = DenseMatrix(rows: m, columns: m)
        for b in 0..<m {
            for a in 0..<m {
                var v = s
                for k in 0..<d { v *= factors[k][index[k][a], index[k][b]] }
                c[a, b] = v + (a == b ? noise : 0)
            }
        }
        let cholesky = try DenseCholesky(c)
        let alpha = try cholesky.solve(y)
        let quadratic = zip(y, alpha).reduce(0) { $0 + $1.0 * $1.1 }
        let logLikelihood = -0.5 * quadratic - 0.5 * cholesky.logDeterminant - 0.5 * Double(m) * log(2 * Double.pi)
        // M = ½(ααᵀ − C⁻¹), symmetric, formed in C⁻¹'s storage (m² doubles each: at m = 6000
        // these matrices are 288 MB).
        var mm = try cholesky.inverse()
        mm.values.withUnsafeMutableBufferPointer { v in
            for b in 0..<m { for a in 0..<m { v[a + b * m] = 0.5 * (alpha[a] * alpha[b] - v[a + b * m]) } }
        }
        var gs = 0.0, gNoise = 0.0
        for b in 0..<m {
            for a in 0..<m { gs += mm[a, b] * (c[a, b] - (a == b ? noise : 0)) / s }
            gNoise += mm[b, b]
        }
        var gradient = [gs, gNoise]
        for (k, kernel) in kernels.enumerated() {
            var w = DenseMatrix(rows: shape[k], columns: shape[k])
            for b in 0..<m {
                for a in 0..<m {
                    var v = s * mm[a, b]
                    for l in 0..<d where l != k { v *= factors[l][index[l][a], index[l][b]] }
                    w[index[k][a], index[k][b]] += v
                }
            }
            gradient += kernel.parameterGradients(axes[k], against: w)
        }
        return (logLikelihood, gradient)
    }
}
