import Foundation

/// Adam (Kingma & Ba, ICLR 2015, Alg. 1) with iterates clamped to the box: what GP-HM and
/// GPyTorch users train with. Runs `iterations` steps and returns the best point seen (the
/// objective is not monotone under Adam).
public struct Adam: Sendable {
    public var iterations = 1000
    public var learningRate = 0.01
    public var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8

    public init(iterations: Int = 1000, learningRate: Double = 0.01) {
        self.iterations = iterations; self.learningRate = learningRate
    }

    public func minimize(_ f: Objective, from start: [Double], bounds: Bounds) throws -> OptimizationResult {
        var x = bounds.project(start)
        var m = [Double](repeating: 0, count: x.count), v = m
        var (fx, g) = try f(x)
        var best = (x: x, value: fx, gradient: g)
        var history = [OptimizationRecord(iteration: 0, value: fx, gradientNorm: norm(g), point: x)]
        var stop = "ran \(iterations) iterations"
        var done = 0
        for t in 1...max(iterations, 1) where iterations > 0 {
            for i in x.indices {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                let mh = m[i] / (1 - pow(beta1, Double(t))), vh = v[i] / (1 - pow(beta2, Double(t)))
                x[i] -= learningRate * mh / (vh.squareRoot() + epsilon)
            }
            x = bounds.project(x)
            (fx, g) = try f(x)
            done = t
            guard fx.isFinite else { stop = "objective not finite after \(t) iterations"; break }
            if fx < best.value { best = (x, fx, g) }
            history.append(OptimizationRecord(iteration: t, value: fx, gradientNorm: norm(g), point: x))
        }
        return OptimizationResult(point: best.x, value: best.value, gradient: best.gradient, iterations: done,
                                  evaluations: done + 1, converged: best.value.isFinite, stopReason: stop, history: history)
    }
}
