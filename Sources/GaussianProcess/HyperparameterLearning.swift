import Foundation

/// Maximum-likelihood hyperparameters: minimise −log p(y | θ) over the free hyperparameters,
/// positive ones through their logarithms (scale-free steps, and positivity for free), within
/// bounds given on θ itself.
public enum HyperparameterOptimizer: Sendable {
    case lbfgs(LBFGS)
    case adam(Adam)
}

public struct HyperparameterBounds: Sendable {
    /// Per hyperparameter (in `hyperparameterNames` order).
    public var lower: [Double]
    public var upper: [Double]
    public var fixed: [Bool]
    public init(lower: [Double], upper: [Double], fixed: [Bool]) { self.lower = lower; self.upper = upper; self.fixed = fixed }
}

extension ProductKernelModel {
    /// The model with learned hyperparameters and the optimiser's account (values in the
    /// history are −log p; points are the raw hyperparameters). `evaluate` gives a model's log
    /// likelihood and its gradient in the raw hyperparameters (`hyperparameterNames` order).
    public func learn(bounds: HyperparameterBounds, optimizer: HyperparameterOptimizer,
                      evaluate: @escaping (Self) throws -> (logLikelihood: Double, gradient: [Double])) throws -> (Self, OptimizationResult) {
        let theta0 = hyperparameters
        let free = theta0.indices.filter { !bounds.fixed[$0] }
        let positive = theta0.indices.map(isPositive)
        func toZ(_ v: Double, _ i: Int) -> Double { positive[i] ? log(v) : v }
        func fromZ(_ z: Double, _ i: Int) -> Double { positive[i] ? exp(z) : z }
        func model(_ z: [Double]) -> Self {
            var m = self
            var theta = theta0
            for (k, i) in free.enumerated() { theta[i] = fromZ(z[k], i) }
            m.hyperparameters = theta
            return m
        }
        let objective: Objective = { z in
            let m = model(z)
            let (value, g) = try evaluate(m)
            return (-value, free.enumerated().map { k, i in -g[i] * (positive[i] ? m.hyperparameters[i] : 1) })
        }
        let zBounds = Bounds(lower: free.map { toZ(bounds.lower[$0], $0) }, upper: free.map { toZ(bounds.upper[$0], $0) })
        let start = free.map { toZ(theta0[$0], $0) }
        var result: OptimizationResult
        switch optimizer {
        case .lbfgs(let o): result = try o.minimize(objective, from: start, bounds: zBounds)
        case .adam(let o): result = try o.minimize(objective, from: start, bounds: zBounds)
        }
        let learned = model(result.point)
        // Report points as raw hyperparameters (all of them, fixed ones included).
        result.history = result.history.map { r in var r = r; r.point = model(r.point).hyperparameters; return r }
        result.point = learned.hyperparameters
        return (learned, result)
    }
}

extension GridGaussianProcess {
    /// Learning from data on the whole grid (`fit`'s likelihood) or, with `observed`, from the
    /// values at those grid indices only (`observedFit`'s, dense and exact).
    public func learn(_ y: [Double], observed: [Int]? = nil, bounds: HyperparameterBounds,
                      optimizer: HyperparameterOptimizer) throws -> (GridGaussianProcess, OptimizationResult) {
        try learn(bounds: bounds, optimizer: optimizer) { m in
            if let observed { return try m.observedFit(observed: observed, values: y) }
            let fit = try m.fit(y, gradient: true)
            return (fit.logLikelihood, fit.gradient!)
        }
    }
}
