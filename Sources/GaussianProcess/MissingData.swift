import Foundation
import Krylov
import LinearAlgebra

/// Regression on a grid with missing points: the data sit on a subset O of the grid, so the
/// system is P (sK + σ² I) Pᵀ α = y_O with P selecting O — no longer Kronecker, but its product
/// with a vector still is (embed with zeros, Kronecker product, select), so CG solves it in
/// O(N Σ n_k) per iteration (Wilson et al. 2014 and GPyTorch's grid inference take this route).
/// The preconditioner is the full grid's inverse restricted to O, P (sK + σ²I)⁻¹ Pᵀ, exact when
/// nothing is missing and cheap through the eigendecomposition.
extension GridGaussianProcess {
    public struct MissingDataFit: Sendable {
        /// Posterior mean of f on the whole grid.
        public let mean: [Double]
        public let solve: SolveResult
    }

    /// Posterior mean of f on the grid from values at the grid indices `observed` (C order).
    public func posteriorMean(observed: [Int], values: [Double], options: IterativeOptions) throws -> MissingDataFit {
        precondition(observed.count == values.count, "one value per observed index")
        let factors = factorMatrices()
        let eigen = try KroneckerEigendecomposition(factors)
        let operator_ = SubsetCovariance(factors: factors, shape: shape, observed: observed, scale: signalVariance, shift: noiseVariance)
        let preconditioner = SubsetInverse(eigen: eigen, observed: observed, scale: signalVariance, shift: noiseVariance)
        let cg = try ConjugateGradient(matrix: operator_, preconditioner: preconditioner, options: options)
        let (alpha, result) = cg.solve(values)
        var full = [Double](repeating: 0, count: count)
        for (i, o) in observed.enumerated() { full[o] = alpha[i] }
        let mean = KroneckerProduct.apply(factors, to: full, shape: shape).map { signalVariance * $0 }
        return MissingDataFit(mean: mean, solve: result)
    }
}

/// P (sK + σ² I) Pᵀ on the observed points.
struct SubsetCovariance: LinearOperator {
    let factors: [DenseMatrix]
    let shape: [Int]
    let observed: [Int]
    let scale: Double, shift: Double
    var rows: Int { observed.count }
    var columns: Int { observed.count }

    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        var full = [Double](repeating: 0, count: shape.reduce(1, *))
        for (i, o) in observed.enumerated() { full[o] = x[i] }
        let kx = KroneckerProduct.apply(factors, to: full, shape: shape)
        for (i, o) in observed.enumerated() { y[i] = scale * kx[o] + shift * x[i] }
    }
}

/// P (sK + σ² I)⁻¹ Pᵀ: SPD, and the inverse of the operator above when nothing is missing.
struct SubsetInverse: Preconditioner {
    let eigen: KroneckerEigendecomposition
    let observed: [Int]
    let scale: Double, shift: Double
    var rows: Int { observed.count }
    var columns: Int { observed.count }
    var name: String { "kronecker_inverse" }
    var setupSeconds: Double { 0 }

    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        var full = [Double](repeating: 0, count: eigen.count)
        for (i, o) in observed.enumerated() { full[o] = x[i] }
        let z = eigen.solve(full, scale: scale, shift: shift)
        for (i, o) in observed.enumerated() { y[i] = z[o] }
    }
}
