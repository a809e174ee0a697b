import Foundation
import LinearAlgebra

/// A stationary one-dimensional covariance k(τ), τ = x − x', as one factor of a product kernel
/// over the axes of a grid. Unit variance: the product's scale is the Gaussian process's own
/// `signalVariance`, except for the mixtures, whose weights are their scale (as in GP-HM).
///
/// Families (Rasmussen & Williams 2006, §4.2, with r = |τ|; the mixtures as in Fang et al.,
/// "Solving high frequency and multi-scale PDEs with Gaussian processes", ICLR 2024, §4):
/// - `squared_exponential`: exp(−τ²/(2ℓ²))
/// - `matern12`: exp(−r/ℓ); `matern32`: (1 + a r) e^{−a r}, a = √3/ℓ;
///   `matern52`: (1 + a r + a²r²/3) e^{−a r}, a = √5/ℓ
/// - `periodic`: exp(−2 sin²(πτ/p)/ℓ²)
/// - `spectral_mixture` (GP-HM-GM): Σ_q w_q exp(−s_q τ²) cos(2π μ_q τ)
/// - `matern_cosine_mixture` (GP-HM-StM): Σ_q w_q (1 + √5 s_q r + 5/3 s_q² r²) e^{−√5 s_q r} cos(2π μ_q τ)
/// In the mixtures s_q is an inverse length scale (`scale`) and μ_q a frequency, as in the paper.
///
/// Derivatives in τ (k', k'') are written out per family; derivatives in the hyperparameters
/// come from the same formulas run on `Dual` numbers (exact, no step size).
public struct Kernel1D: Sendable, Equatable {
    public enum Family: String, Sendable, CaseIterable {
        case squaredExponential = "squared_exponential", matern12, matern32, matern52, periodic
        case spectralMixture = "spectral_mixture", maternCosineMixture = "matern_cosine_mixture"

        /// Names of one component's parameters, in storage order.
        public var parameterNames: [String] {
            switch self {
            case .squaredExponential, .matern12, .matern32, .matern52: return ["lengthscale"]
            case .periodic: return ["lengthscale", "period"]
            case .spectralMixture, .maternCosineMixture: return ["weight", "scale", "frequency"]
            }
        }
        public var isMixture: Bool { self == .spectralMixture || self == .maternCosineMixture }
        /// k'' exists at τ = 0 (needed for derivatives of the process, as GP-HM takes them).
        public var isTwiceDifferentiable: Bool { self != .matern12 }
    }

    public let family: Family
    /// The components' parameters one after another (`family.parameterNames` per component).
    public var parameters: [Double]

    public init(_ family: Family, parameters: [Double]) {
        precondition(!parameters.isEmpty && parameters.count % family.parameterNames.count == 0,
                     "\(family.rawValue): \(parameters.count) parameters")
        self.family = family; self.parameters = parameters
    }

    public var componentCount: Int { parameters.count / family.parameterNames.count }
    public var perComponent: Int { family.parameterNames.count }

    /// "lengthscale", or "weight_3" for the third component of a mixture.
    public var parameterNames: [String] {
        family.isMixture
            ? (0..<parameters.count).map { "\(family.parameterNames[$0 % perComponent])_\($0 / perComponent + 1)" }
            : family.parameterNames
    }

    /// Whether parameter j must stay positive (optimised in log space); frequencies may be 0.
    public func isPositive(_ j: Int) -> Bool { !(family.isMixture && j % perComponent == 2) }

    /// (k, k', k'') at τ for one component with parameters p (derivatives in τ); unused
    /// entries of p are ignored.
    @inline(__always)
    static func component<T: KernelScalar>(_ family: Family, _ tau: Double, _ p: (T, T, T)) -> (T, T, T) {
        let r = abs(tau), sign: Double = tau < 0 ? -1 : (tau > 0 ? 1 : 0)
        switch family {
        case .squaredExponential:
            let l2 = p.0 * p.0
            let k = T.exp(-(tau * tau) / (2 * l2))
            return (k, -tau / l2 * k, (tau * tau / (l2 * l2) - 1 / l2) * k)
        case .matern12:
            let k = T.exp(-r / p.0)
            return (k, -sign / p.0 * k, k / (p.0 * p.0))
        case .matern32:
            let a = 3.0.squareRoot() / p.0, e = T.exp(-(a * r))
            return ((1 + a * r) * e, -(a * a * tau) * e, -(a * a) * (1 - a * r) * e)
        case .matern52:
            return matern52(T(5.0.squareRoot()) / p.0, tau)
        case .periodic:
            // g = −2 sin²(u)/ℓ² = −(1 − cos 2u)/ℓ², u = πτ/p; k = e^g, k' = g' k, k'' = (g'' + g'²) k.
            let l2 = p.0 * p.0, w = 2 * Double.pi / p.1
            let k = T.exp(-(1 - T.cos(w * tau)) / l2)
            let g1 = -(w * T.sin(w * tau)) / l2, g2 = -(w * w * T.cos(w * tau)) / l2
            return (k, g1 * k, (g2 + g1 * g1) * k)
        case .spectralMixture:
            let (a, a1, a2) = (T.exp(-(p.1 * (tau * tau))), -(2 * tau) * p.1, 4 * tau * tau * p.1 * p.1 - 2 * p.1)
            return cosineModulated(p.0, (a, a1 * a, a2 * a), p.2, tau)
        case .maternCosineMixture:
            return cosineModulated(p.0, matern52(T(5.0.squareRoot()) * p.1, tau), p.2, tau)
        }
    }

    /// Matérn 5/2 with rate a: (1 + a r + a² r²/3) e^{−a r} and its τ-derivatives.
    @inline(__always)
    static func matern52<T: KernelScalar>(_ a: T, _ tau: Double) -> (T, T, T) {
        let r = abs(tau), e = T.exp(-(a * r)), ar = a * r
        return ((1 + ar + ar * ar / 3) * e, -(a * a * tau / 3) * (1 + ar) * e, -(a * a / 3) * (1 + ar - ar * ar) * e)
    }

    /// w · m(τ) · cos(2πμτ) from m and its derivatives: the product rule twice.
    @inline(__always)
    static func cosineModulated<T: KernelScalar>(_ w: T, _ m: (T, T, T), _ mu: T, _ tau: Double) -> (T, T, T) {
        let omega = 2 * Double.pi * mu
        let c = T.cos(omega * tau), s = T.sin(omega * tau)
        let c1 = -(omega * s), c2 = -(omega * omega * c)
        return (w * m.0 * c, w * (m.1 * c + m.0 * c1), w * (m.2 * c + 2 * m.1 * c1 + m.0 * c2))
    }

    /// Component q's parameters as scalars of type T (`make(global index, value)`), padded to three.
    @inline(__always)
    func componentParameters<T: KernelScalar>(_ q: Int, _ make: (Int, Double) -> T) -> (T, T, T) {
        let b = q * perComponent
        return (make(b, parameters[b]), perComponent > 1 ? make(b + 1, parameters[b + 1]) : T(0),
                perComponent > 2 ? make(b + 2, parameters[b + 2]) : T(0))
    }

    @inline(__always)
    func componentParameters(_ q: Int, _ make: (Double) -> Double) -> (Double, Double, Double) {
        componentParameters(q) { _, v in make(v) }
    }

    /// k^(order)(τ), order 0, 1 or 2.
    public func value(_ tau: Double, derivative order: Int = 0) -> Double {
        var sum = 0.0
        for q in 0..<componentCount {
            let t = Kernel1D.component(family, tau, componentParameters(q) { $0 })
            sum += order == 0 ? t.0 : (order == 1 ? t.1 : t.2)
        }
        return sum
    }

    /// ∂k^(order)(τ)/∂θ_j for the raw parameter θ_j.
    public func parameterDerivative(_ j: Int, _ tau: Double, derivative order: Int = 0) -> Double {
        let q = j / perComponent
        let t = Kernel1D.component(family, tau, componentParameters(q) { i, v in Dual(v, i == j ? 1 : 0) })
        return (order == 0 ? t.0 : (order == 1 ? t.1 : t.2)).derivative
    }

    /// The matrix [k^(order)(x_i − y_j)] = ∂^order/∂x^order k(x, y) at the points, or with
    /// `parameter` its derivative in that raw hyperparameter. On one uniform grid (y == x) the
    /// matrix is Toeplitz, so only the 2n − 1 lags are evaluated.
    public func matrix(_ x: [Double], _ y: [Double], derivative order: Int = 0, parameter: Int? = nil) -> DenseMatrix {
        let f: (Double) -> Double = parameter.map { j in { parameterDerivative(j, $0, derivative: order) } } ?? { value($0, derivative: order) }
        var m = DenseMatrix(rows: x.count, columns: y.count)
        let n = x.count
        if let h = Kernel1D.uniformSpacing(x), x == y {
            let lags = (0..<(2 * n - 1)).map { f(Double($0 - (n - 1)) * h) }
            m.values.withUnsafeMutableBufferPointer { v in
                for j in 0..<n { for i in 0..<n { v[i + j * n] = lags[i - j + n - 1] } }
            }
            return m
        }
        m.values.withUnsafeMutableBufferPointer { v in
            for j in 0..<y.count { for i in 0..<n { v[i + j * n] = f(x[i] - y[j]) } }
        }
        return m
    }

    /// ⟨∂K/∂θ_j, W⟩ = Σ_ik ∂k(x_i − x_k)/∂θ_j W_ik for every parameter j: the gradient of a
    /// likelihood whose sensitivity to K is W. On a uniform grid W is summed along its diagonals
    /// first, so each parameter costs 2n − 1 kernel evaluations instead of n².
    public func parameterGradients(_ x: [Double], against w: DenseMatrix) -> [Double] {
        let n = x.count
        if let h = Kernel1D.uniformSpacing(x) {
            var diagonals = [Double](repeating: 0, count: max(2 * n - 1, 0))
            for j in 0..<n { for i in 0..<n { diagonals[i - j + n - 1] += w[i, j] } }
            return parameterGradients(spacing: h, lagSums: diagonals)
        }
        return (0..<parameters.count).map { p in
            var s = 0.0
            for j in 0..<n { for i in 0..<n { s += parameterDerivative(p, x[i] - x[j]) * w[i, j] } }
            return s
        }
    }

    /// ⟨∂K/∂θ_j, W⟩ on a uniform axis of spacing h from W's diagonal sums alone:
    /// `lagSums[ℓ + n − 1]` = Σ_{i − k = ℓ} W_ik, ℓ = −(n − 1) … n − 1 (`SymmetricToeplitz.lagSums`
    /// gives them without W).
    public func parameterGradients(spacing h: Double, lagSums: [Double]) -> [Double] {
        let n = (lagSums.count + 1) / 2
        return (0..<parameters.count).map { p in
            var s = 0.0
            for l in 0..<lagSums.count where lagSums[l] != 0 { s += parameterDerivative(p, Double(l - (n - 1)) * h) * lagSums[l] }
            return s
        }
    }

    /// The spacing h when x_i = x_0 + i h to rounding (so the Toeplitz shortcut is exact).
    static func uniformSpacing(_ x: [Double]) -> Double? {
        guard x.count >= 2 else { return x.count == 1 ? 1 : nil }
        let h = (x[x.count - 1] - x[0]) / Double(x.count - 1)
        guard h > 0 else { return nil }
        let span = abs(x[x.count - 1]) + abs(x[0])
        for i in 0..<x.count where abs(x[i] - (x[0] + Double(i) * h)) > 1e-13 * span { return nil }
        return h
    }
}
