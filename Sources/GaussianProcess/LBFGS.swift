import Foundation

/// Limited-memory BFGS (Nocedal & Wright 2006, Alg. 7.4 and 7.5) kept inside a box by
/// projection: the two-loop direction, restricted to the variables not held at a bound, then a
/// backtracking Armijo search along the projected path P(x + t d) (Bertsekas 1982's projected
/// Newton idea in its simplest form). Pairs (s, y) with sᵀy ≤ ε‖s‖‖y‖ are skipped to keep the
/// Hessian approximation positive definite.
public struct LBFGS: Sendable {
    public var memory = 10
    public var maxIterations = 100
    /// Stop when the projected gradient's norm falls below this.
    public var gradientTolerance = 1e-5
    /// Stop when the objective changes by less than this relative amount in an iteration.
    public var relativeTolerance = 1e-10

    public init(maxIterations: Int = 100, gradientTolerance: Double = 1e-5, memory: Int = 10) {
        self.maxIterations = maxIterations; self.gradientTolerance = gradientTolerance; self.memory = memory
    }

    public func minimize(_ f: Objective, from start: [Double], bounds: Bounds) throws -> OptimizationResult {
        var x = bounds.project(start)
        var (fx, g) = try f(x)
        var evaluations = 1
        var s: [[Double]] = [], y: [[Double]] = []
        var history = [OptimizationRecord(iteration: 0, value: fx, gradientNorm: norm(bounds.projectedGradient(x, g)), point: x)]
        var stop = "reached max_iterations"
        var converged = false
        guard fx.isFinite else {
            return OptimizationResult(point: x, value: fx, gradient: g, iterations: 0, evaluations: 1, converged: false,
                                      stopReason: "objective not finite at the start", history: history)
        }
        var iteration = 0
        while iteration < maxIterations {
            let pg = bounds.projectedGradient(x, g)
            if norm(pg) <= gradientTolerance { stop = "projected gradient norm below \(gradientTolerance)"; converged = true; break }
            // Free variables: not at a bound with the gradient pushing outwards.
            let free = x.indices.map { pg[$0] != 0 || g[$0] == 0 }
            var d = twoLoop(pg, s, y).enumerated().map { free[$0.offset] ? -$0.element : 0 }
            var slope = zip(d, g).reduce(0) { $0 + $1.0 * $1.1 }
            if !(slope < 0) { d = pg.map { -$0 }; slope = -pg.reduce(0) { $0 + $1 * $1 }; s = []; y = [] }
            // First iteration without curvature information: a step of length ~1 in x.
            var t = s.isEmpty ? min(1, 1 / max(norm(d), 1e-300)) : 1
            var accepted = false
            var xNew = x, fNew = fx, gNew = g
            for _ in 0..<40 {
                xNew = bounds.project(zip(x, d).map { $0 + t * $1 })
                let (v, gr) = try f(xNew); evaluations += 1
                let decrease = zip(xNew, zip(x, g)).reduce(0) { $0 + ($1.1.1) * ($1.0 - $1.1.0) }
                if v.isFinite && v <= fx + 1e-4 * min(decrease, 0) { fNew = v; gNew = gr; accepted = true; break }
                t *= 0.5
            }
            iteration += 1
            guard accepted else {
                stop = "line search found no decrease (at a minimum to rounding)"; converged = norm(pg) <= 1e3 * gradientTolerance; break
            }
            let sk = zip(xNew, x).map { $0 - $1 }, yk = zip(gNew, g).map { $0 - $1 }
            let sy = zip(sk, yk).reduce(0) { $0 + $1.0 * $1.1 }
            if sy > 1e-10 * norm(sk) * norm(yk) {
                s.append(sk); y.append(yk)
                if s.count > memory { s.removeFirst(); y.removeFirst() }
            }
            let change = abs(fNew - fx)
            x = xNew; g = gNew
            let previous = fx
            fx = fNew
            history.append(OptimizationRecord(iteration: iteration, value: fx, gradientNorm: norm(bounds.projectedGradient(x, g)), point: x))
            if change <= relativeTolerance * max(abs(previous), 1) {
                stop = "objective changed by less than \(relativeTolerance) (relative)"; converged = true; break
            }
        }
        return OptimizationResult(point: x, value: fx, gradient: g, iterations: iteration, evaluations: evaluations,
                                  converged: converged, stopReason: stop, history: history)
    }

    /// H g by the two-loop recursion, H₀ = (sᵀy / yᵀy) I from the newest pair.
    func twoLoop(_ g: [Double], _ s: [[Double]], _ y: [[Double]]) -> [Double] {
        var q = g
        var alpha = [Double](repeating: 0, count: s.count)
        for i in stride(from: s.count - 1, through: 0, by: -1) {
            let rho = 1 / zip(y[i], s[i]).reduce(0) { $0 + $1.0 * $1.1 }
            alpha[i] = rho * zip(s[i], q).reduce(0) { $0 + $1.0 * $1.1 }
            for j in q.indices { q[j] -= alpha[i] * y[i][j] }
        }
        if let sl = s.last, let yl = y.last {
            let gamma = zip(sl, yl).reduce(0) { $0 + $1.0 * $1.1 } / yl.reduce(0) { $0 + $1 * $1 }
            for j in q.indices { q[j] *= gamma }
        }
        for i in 0..<s.count {
            let rho = 1 / zip(y[i], s[i]).reduce(0) { $0 + $1.0 * $1.1 }
            let beta = rho * zip(y[i], q).reduce(0) { $0 + $1.0 * $1.1 }
            for j in q.indices { q[j] += (alpha[i] - beta) * s[i][j] }
        }
        return q
    }
}
