import Foundation
import LinearAlgebra

/// A Tucker tensor G ×₁ U₁ ×₂ U₂ … with a core G (r₁ × r₂ × …) and factors U_k (n_k × r_k) with
/// orthonormal columns (Tucker 1966; Kolda and Bader 2009, §4). With orthonormal factors the
/// approximation error of X is √(‖X‖² − ‖G‖²), which every decomposition here reports.
public struct TuckerTensor: Sendable {
    public var core: DenseTensor
    public var factors: [DenseMatrix]

    public var ranks: [Int] { core.shape }
    public var shape: [Int] { factors.map(\.rows) }
    /// Numbers stored: the core and the factors.
    public var storage: Int { core.count + factors.reduce(0) { $0 + $1.rows * $1.columns } }

    /// The full tensor (small problems and tests only).
    public func reconstruct() -> DenseTensor {
        var t = core
        for (k, u) in factors.enumerated() { t = t.modeProduct(u, mode: k) }
        return t
    }

    /// How the ranks are chosen: fixed per mode, or the smallest that keep the relative
    /// Frobenius error within a tolerance.
    public enum Truncation: Sendable {
        case ranks([Int])
        case tolerance(Double)
    }

    /// Higher-order SVD (De Lathauwer, De Moor and Vandewalle, SIAM J. Matrix Anal. Appl. 21,
    /// 2000): U_k = leading left singular vectors of X_(k), G = X ×_k U_kᵀ. With a tolerance ε,
    /// each mode drops singular values whose squares sum to at most ε²‖X‖²/d, so the error
    /// (bounded by the sum over modes of the dropped squares) stays within ε‖X‖; the error is
    /// also within √d of the best approximation of the same ranks.
    public static func hosvd(_ x: DenseTensor, _ truncation: Truncation) throws -> TuckerTensor {
        let d = x.order
        let budget = tailBudget(x, truncation)
        var factors: [DenseMatrix] = []
        for k in 0..<d {
            let svd = try leftSingular(x.unfolding(k))
            factors.append(leading(svd, rank(svd.singularValues, mode: k, truncation, budget)))
        }
        var core = x
        for (k, u) in factors.enumerated() { core = core.modeProduct(u, mode: k, transpose: true) }
        return TuckerTensor(core: core, factors: factors)
    }

    /// Sequentially truncated HOSVD (Vannieuwenhoven, Vandebril and Meerbergen, SIAM J. Sci.
    /// Comput. 34, 2012): mode k's SVD is taken of the core already compressed in modes < k,
    /// which is cheaper and never less accurate in practice; same error budget per mode.
    public static func sthosvd(_ x: DenseTensor, _ truncation: Truncation) throws -> TuckerTensor {
        // On x scaled by a power of two (exact), so that the squared norms of the truncation
        // budget cannot overflow; the core takes the scale back.
        let scale = powerOfTwoScale(x.values)
        guard scale != 1 else { return try sthosvdUnscaled(x, truncation) }
        var scaled = x
        for i in scaled.values.indices { scaled.values[i] /= scale }
        var t = try sthosvdUnscaled(scaled, truncation)
        for i in t.core.values.indices { t.core.values[i] *= scale }
        return t
    }

    static func sthosvdUnscaled(_ x: DenseTensor, _ truncation: Truncation) throws -> TuckerTensor {
        let budget = tailBudget(x, truncation)
        var core = x
        var factors: [DenseMatrix] = []
        for k in 0..<x.order {
            // Mode 0's unfolding transposed is the C-order data itself read column-major
            // (inner × n₀): the QR route of `leftSingular` takes it without two copies.
            let svd = k == 0 && core.values.count / core.shape[0] > 2 * core.shape[0]
                ? try leftSingularOfTransposed(DenseMatrix(rows: core.values.count / core.shape[0], columns: core.shape[0], values: core.values))
                : try leftSingular(core.unfolding(k))
            let u = leading(svd, rank(svd.singularValues, mode: k, truncation, budget))
            factors.append(u)
            core = core.modeProduct(u, mode: k, transpose: true)
        }
        return TuckerTensor(core: core, factors: factors)
    }

    /// Higher-order orthogonal iteration (De Lathauwer, De Moor and Vandewalle 2000, Alg. 4.2):
    /// from a start (by default the ST-HOSVD of the same ranks), U_k ← leading left singular
    /// vectors of (X ×_{j≠k} U_jᵀ)_(k) in turn. Each update maximises ‖G‖ over U_k with the others
    /// fixed, so the error never increases; stops when ‖G‖ changes by less than `tolerance`
    /// relative, or after `maxIterations` sweeps.
    public static func hooi(_ x: DenseTensor, ranks: [Int], start: TuckerTensor? = nil, maxIterations: Int = 50,
                            tolerance: Double = 1e-10) throws -> (tucker: TuckerTensor, errors: [Double]) {
        var t = try start ?? sthosvd(x, .ranks(ranks))
        let norm2 = pow(x.frobeniusNorm, 2)
        func error(_ core: DenseTensor) -> Double { max(0, norm2 - pow(core.frobeniusNorm, 2)).squareRoot() }
        var errors = [error(t.core)]
        for _ in 0..<maxIterations {
            for k in 0..<x.order {
                var y = x
                for j in 0..<x.order where j != k { y = y.modeProduct(t.factors[j], mode: j, transpose: true) }
                let svd = try leftSingular(y.unfolding(k))
                t.factors[k] = leading(svd, min(ranks[k], svd.singularValues.count))
            }
            var core = x
            for (k, u) in t.factors.enumerated() { core = core.modeProduct(u, mode: k, transpose: true) }
            t.core = core
            let e = error(core)
            let previous = errors.last!
            errors.append(e)
            if abs(previous - e) <= tolerance * max(x.frobeniusNorm, .leastNormalMagnitude) { break }
        }
        return (t, errors)
    }

    /// The squared error each mode may drop: ε²‖X‖²/d for a tolerance, nil for fixed ranks.
    static func tailBudget(_ x: DenseTensor, _ truncation: Truncation) -> Double? {
        if case .tolerance(let eps) = truncation { return eps * eps * pow(x.frobeniusNorm, 2) / Double(x.order) }
        return nil
    }

    /// The rank of mode k: the given one (capped by the singular values available), or the
    /// smallest whose dropped tail Σ_{i ≥ r} σ_i² fits the budget (at least 1).
    static func rank(_ sigma: [Double], mode k: Int, _ truncation: Truncation, _ budget: Double?) -> Int {
        switch truncation {
        case .ranks(let r):
            precondition(r.count > k && r[k] >= 1, "Tucker: rank \(k) missing or below 1")
            return min(r[k], sigma.count)
        case .tolerance:
            var tail = 0.0, r = sigma.count
            while r > 1, tail + sigma[r - 1] * sigma[r - 1] <= budget! { tail += sigma[r - 1] * sigma[r - 1]; r -= 1 }
            return r
        }
    }

    static func leading(_ svd: (u: DenseMatrix, singularValues: [Double]), _ r: Int) -> DenseMatrix {
        var u = DenseMatrix(rows: svd.u.rows, columns: r)
        for c in 0..<r { for i in 0..<svd.u.rows { u[i, c] = svd.u[i, c] } }
        return u
    }

    /// Left singular vectors and singular values of an unfolding, which is wide (n_k × Π n_j).
    /// For a wide matrix the SVD of the n_k × n_k factor Rᵀ of its transpose (Aᵀ = QR, so
    /// A = Rᵀ Qᵀ has Rᵀ's left singular vectors and singular values) is much cheaper than the SVD
    /// of A itself, and as accurate: nothing is squared, unlike a Gram matrix.
    static func leftSingular(_ a: DenseMatrix) throws -> (u: DenseMatrix, singularValues: [Double]) {
        if a.columns > 2 * a.rows { return try leftSingularOfTransposed(a.transposed) }
        let svd = try SingularValueDecomposition(a)
        return (svd.u, svd.singularValues)
    }

    /// Left singular vectors of Aᵀ for a tall A (m ≫ n): A = QR, so Aᵀ = Rᵀ Qᵀ has the left
    /// singular vectors and singular values of the n × n matrix Rᵀ.
    static func leftSingularOfTransposed(_ a: DenseMatrix) throws -> (u: DenseMatrix, singularValues: [Double]) {
        let r = try QRDecomposition.triangularFactor(a)
        let svd = try SingularValueDecomposition(r.transposed)
        return (svd.u, svd.singularValues)
    }
}
