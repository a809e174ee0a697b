import Foundation
import Spectral

/// A seeded random field on a grid's nodes: a Gaussian random field of the GRF (α, τ) or Matérn
/// (ν, ℓ, σ²) covariance, shifted and scaled (u ↦ mean + scale·u), then transformed (none, exp,
/// or a threshold to two values), optionally plus ε times the field of another seed
/// (`perturbation`): a family of fields each a little away from one base field.
public struct RandomField: Sendable, Equatable {
    public enum Covariance: Sendable, Equatable {
        case grf(alpha: Double, tau: Double)
        case matern(nu: Double, lengthScale: Double, variance: Double)
    }
    public enum Transform: String, Sendable { case none, exp, threshold }

    public var covariance: Covariance
    public var seed: UInt64
    public var scale: Double
    public var mean: Double
    public var transform: Transform
    public var thresholdValues: (low: Double, high: Double)
    /// ε and the seed of the field added as ε·u(seed) (ε = 0: none).
    public var perturbation: Double = 0
    public var perturbationSeed: UInt64 = 0

    public static func == (a: Self, b: Self) -> Bool {
        a.covariance == b.covariance && a.seed == b.seed && a.scale == b.scale && a.mean == b.mean
            && a.transform == b.transform && a.thresholdValues == b.thresholdValues
            && a.perturbation == b.perturbation && a.perturbationSeed == b.perturbationSeed
    }

    public init(covariance: Covariance, seed: UInt64, scale: Double = 1, mean: Double = 0, transform: Transform = .none,
                thresholdValues: (low: Double, high: Double) = (0, 1), perturbation: Double = 0, perturbationSeed: UInt64 = 0) {
        self.covariance = covariance; self.seed = seed; self.scale = scale; self.mean = mean; self.transform = transform
        self.thresholdValues = thresholdValues; self.perturbation = perturbation; self.perturbationSeed = perturbationSeed
    }

    /// The field at every node of `grid` (C order over the node grid, boundary nodes included).
    public func nodeValues(on grid: Grid) throws -> [Double] {
        let axes = grid.axes.map {
            GaussianRandomField.Axis(nodes: $0.periodic ? $0.unknowns : $0.nodes, length: $0.upper - $0.lower, periodic: $0.periodic)
        }
        let key: GaussianRandomFieldPool.Key
        switch covariance {
        case .grf(let alpha, let tau): key = .init(axes: axes, alpha: alpha, tau: tau, variance: nil)
        case .matern(let nu, let ell, let variance): key = try .init(maternAxes: axes, nu: nu, lengthScale: ell, variance: variance)
        }
        // The field built for the previous case of a sweep, when it had these parameters.
        let u = try GaussianRandomFieldPool.with(key) { field in
            var u = field.sample(seed: seed)
            if perturbation != 0 {
                let e = field.sample(seed: perturbationSeed)
                for i in u.indices { u[i] += perturbation * e[i] }
            }
            return u
        }
        switch transform {
        case .none: return u.map { mean + scale * $0 }
        case .exp: return u.map { exp(mean + scale * $0) }
        case .threshold: return u.map { mean + scale * $0 >= 0 ? thresholdValues.high : thresholdValues.low }
        }
    }
}
