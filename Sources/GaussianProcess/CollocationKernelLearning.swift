import Foundation
import Krylov
import LinearAlgebra

/// GP-HM's learned kernel (Fang et al., ICLR 2024, §4–5) with the grid values profiled out
/// exactly: Poisson and Allen–Cahn (1D, 2D) and advection in (x, t).
///
/// GP-HM minimises over the grid values U and the kernel parameters θ
///
///     L(U, θ) = ½ vec(U)ᵀ K⁻¹ vec(U) + ½ log|K| + λ_b ‖U_∂ − g‖² + λ_r ‖D U − f‖²_interior − log p(w),
///
/// K = ⊗_k (K_k + jitter I), derivatives of u at the grid from the conditional mean
/// (D_k = K_k'' (K_k + jitter I)⁻¹), and a Jeffreys prior p(w) ∝ 1/w on every mixture weight
/// (which drives unneeded components towards zero, to be pruned). The paper takes Adam steps on
/// (U, θ) jointly with large λ. Here the fit terms are taken at their limit λ → ∞ — the boundary
/// values and the PDE hold exactly at the collocation points, as pdekit's fixed-kernel solver
/// already does — so for given θ the grid values are the collocation solution u*(θ) (one LU in
/// 1D, one Sylvester solve in 2D), and what is left is a smooth function of θ alone:
///
///     J(θ) = ½ u*ᵀ K⁻¹ u* + ½ log|K| + Σ_q log w_q,
///
/// minimised by L-BFGS or Adam. Its gradient is exact: the prior's ∂ in θ at fixed u, plus the
/// adjoint term −λᵀ (∂L) u* for the collocation operator L (λ from Jᵀ λ = K⁻¹ u* on the
/// equations' points, J = L or, for Allen–Cahn, the Newton Jacobian L + diag(3u*² − 1); a
/// transposed Sylvester equation in 2D, or GMRES preconditioned by it for Allen–Cahn), with
/// ∂D = (∂K^(k) − D ∂K)(K + jitter I)⁻¹ for the k-th derivative operator. Per parameter
/// it costs a few n × n products per axis (O(n³)), against the paper's many thousand Adam steps
/// over all n^d grid values.
///
/// The objective uses D without iterated-Tikhonov refinements (so that the gradient is the
/// gradient of what is minimised); the final solve with the learned kernels uses them.
public enum CollocationKernelLearning {
    public struct Evaluation: Sendable {
        public var value: Double
        /// ∂J/∂θ per axis, per raw kernel parameter (Kernel1D.parameters order).
        public var gradient: [[Double]]
        public var solution: [Double]
    }

    /// The equations whose collocation solution J profiles out.
    public enum Equation: Sendable, Equatable {
        /// Δu = f inside, u = g on the boundary (1D, 2D).
        case poisson
        /// Δu + u(u² − 1) = f inside (1D, 2D): the adjoint uses the Newton Jacobian at u*.
        case allenCahn
        /// u_t + c u_x = f on (x, t), u = g at t = 0 and on the inflow side.
        case advection(velocity: Double)
    }

    /// J(θ) and its gradient (f and g on the grid, C order).
    public static func evaluate(axes: [[Double]], kernels: [Kernel1D], jitter: Double, equation: Equation = .poisson,
                                f: [Double], boundary g: [Double]) throws -> Evaluation {
        let c = try GPCollocation(axes: axes, kernels: kernels, jitter: jitter, refinements: 0)
        let u: [Double]
        switch equation {
        case .poisson: u = try c.solvePoisson(f: f, boundary: g)
        case .allenCahn:
            // Newton to the rounding floor: J's gradient assumes u* solves the system, and an
            // update tolerance of 1e-10 would leave J (and central differences of it) noisy.
            let r = try c.solveAllenCahn(f: f, boundary: g, tolerance: 1e-12, maxIterations: 100)
            guard r.converged else { throw LinearAlgebraError.invalidArgument("Newton's method did not converge for these kernels") }
            u = r.u
        case .advection(let v): u = try c.solveAdvection(velocity: v, f: f, boundary: g)
        }
        let shape = c.shape
        let jittered = c.kernelMatrices.map { k -> DenseMatrix in var m = k; for i in 0..<k.rows { m[i, i] += jitter }; return m }
        let inverses = try c.factors.map { try $0.inverse() }
        // The derivative each axis's operator takes, and its coefficient in the equation.
        var order = [2, 2], coefficient = [1.0, 1.0]
        if case .advection(let v) = equation { order = [1, 1]; coefficient = [v, 1] }
        let operators = try (0..<shape.count).map { k in order[k] == 2 ? c.derivativeOperators[k] : try c.firstDerivativeOperator(k) }
        let nonlinear: Bool = equation == .allenCahn
        var value = 0.0, gradient: [[Double]] = []
        // The Jeffreys prior on mixture weights: −log p(w) = Σ log w (+ const).
        func jeffreys(_ k: Kernel1D) -> (value: Double, gradient: [Double]) {
            guard k.family.isMixture else { return (0, [Double](repeating: 0, count: k.parameters.count)) }
            var v = 0.0, g = [Double](repeating: 0, count: k.parameters.count)
            for q in 0..<k.componentCount { let w = k.parameters[q * k.perComponent]; v += log(w); g[q * k.perComponent] = 1 / w }
            return (v, g)
        }
        func dot(_ a: DenseMatrix, _ b: DenseMatrix) -> Double { zip(a.values, b.values).reduce(0) { $0 + $1.0 * $1.1 } }
        /// ∂D in direction p applied to the columns of W = K⁻¹U: (∂K^(order) − D ∂K) W.
        func derivativeChange(_ axis: Int, _ p: Int, _ w: DenseMatrix) throws -> DenseMatrix {
            let x = axes[axis], kernel = kernels[axis]
            let dk = kernel.matrix(x, x, parameter: p), dko = kernel.matrix(x, x, derivative: order[axis], parameter: p)
            var e = try operators[axis].multiplied(by: dk)
            for i in e.values.indices { e.values[i] = dko.values[i] - e.values[i] }
            return try e.multiplied(by: w)
        }
        if shape.count == 1 {
            let m = shape[0], d = operators[0], kernel = kernels[0]
            let alpha = try c.factors[0].solve(u)
            value = 0.5 * zip(u, alpha).reduce(0) { $0 + $1.0 * $1.1 } + 0.5 * c.factors[0].logDeterminant
            // Adjoint on the interior: J_IIᵀ λ = α_I, J = D (+ diag(3u² − 1) for Allen–Cahn).
            var jt = DenseMatrix(rows: m - 2, columns: m - 2)
            for i in 1..<(m - 1) {
                for j in 1..<(m - 1) { jt[j - 1, i - 1] = d[i, j] }
                if nonlinear { jt[i - 1, i - 1] += 3 * u[i] * u[i] - 1 }
            }
            let lambda = try jt.solve(Array(alpha[1..<(m - 1)]))
            let prior = jeffreys(kernel)
            value += prior.value
            let alphaColumn = DenseMatrix(rows: m, columns: 1, values: alpha)
            var g = [Double](repeating: 0, count: kernel.parameters.count)
            for p in kernel.parameters.indices {
                let dk = kernel.matrix(axes[0], axes[0], parameter: p)
                let dkAlpha = dk.apply(alpha)
                // ∂(½ uᵀK⁻¹u) + ∂(½ log|K|) at fixed u, then −λᵀ(∂D u)_I.
                var gp = -0.5 * zip(alpha, dkAlpha).reduce(0) { $0 + $1.0 * $1.1 } + 0.5 * dot(inverses[0], dk)
                let dDu = try derivativeChange(0, p, alphaColumn)
                for i in 1..<(m - 1) { gp -= lambda[i - 1] * dDu.values[i] }
                g[p] = gp + prior.gradient[p]
            }
            return Evaluation(value: value, gradient: [g], solution: u)
        }
        let (n0, n1) = (shape[0], shape[1])
        var um = DenseMatrix(rows: n0, columns: n1)
        for i in 0..<n0 { for j in 0..<n1 { um[i, j] = u[i * n1 + j] } }
        // W0 = K0⁻¹ U, W1 = U K1⁻¹, A = K0⁻¹ U K1⁻¹ (K symmetric).
        let w0 = try c.factors[0].solve(um)
        let w1 = try c.factors[1].solve(um.transposed).transposed
        let a = try c.factors[1].solve(w0.transposed).transposed
        value = 0.5 * dot(um, a) + 0.5 * (Double(n1) * c.factors[0].logDeterminant + Double(n0) * c.factors[1].logDeterminant)
        // The equations' block R0 × R1: the interior, or for advection every point but the
        // initial time and the inflow side.
        var rows0 = Array(1..<(n0 - 1)), rows1 = Array(1..<(n1 - 1))
        if case .advection(let v) = equation {
            let inflow = v > 0 ? 0 : n0 - 1
            rows0 = (0..<n0).filter { $0 != inflow }; rows1 = Array(1..<n1)
        }
        // Adjoint: c0 D0ᵀ Λ + Λ c1 D1 (+ diag(3u² − 1) ∘ Λ) = A on the block.
        let (d0, d1) = (operators[0], operators[1])
        var at = DenseMatrix(rows: rows0.count, columns: rows0.count), bt = DenseMatrix(rows: rows1.count, columns: rows1.count)
        var r = DenseMatrix(rows: rows0.count, columns: rows1.count)
        for (p, i) in rows0.enumerated() { for (q, j) in rows0.enumerated() { at[p, q] = coefficient[0] * d0[j, i] } }
        for (p, i) in rows1.enumerated() { for (q, j) in rows1.enumerated() { bt[p, q] = coefficient[1] * d1[i, j] } }
        for (p, i) in rows0.enumerated() { for (q, j) in rows1.enumerated() { r[p, q] = a[i, j] } }
        let lambda: DenseMatrix
        if nonlinear {
            // No Kronecker structure with the reaction term: GMRES preconditioned by the
            // Sylvester solve of the linear part, as Newton's own steps are.
            let (m, n) = (rows0.count, rows1.count)
            var reaction = [Double](repeating: 0, count: m * n), rhs = reaction
            for (p, i) in rows0.enumerated() {
                for (q, j) in rows1.enumerated() { let v = u[i * n1 + j]; reaction[p * n + q] = 3 * v * v - 1; rhs[p * n + q] = r[p, q] }
            }
            let op = CollocationNewtonKrylov.Laplacian(a: at, b: bt, reaction: reaction)
            let pre = CollocationNewtonKrylov.SylvesterPreconditioner(solver: try SylvesterSolver(at, bt), m: m, n: n)
            let gmres = try GMRES(matrix: op, preconditioner: pre, restart: 30,
                                  options: IterativeOptions(rtol: 1e-12, atol: 0, maxIterations: 300, recordHistory: false))
            let (x, result) = gmres.solve(rhs)
            guard result.reason.converged || result.relativeResidual < 1e-8 else {
                throw LinearAlgebraError.invalidArgument("the adjoint of the Allen–Cahn system did not converge "
                    + "(relative residual \(result.relativeResidual))")
            }
            var l = DenseMatrix(rows: m, columns: n)
            for p in 0..<m { for q in 0..<n { l[p, q] = x[p * n + q] } }
            lambda = l
        } else {
            lambda = try SylvesterEquation.solve(at, bt, r)
        }
        func blockDot(_ m: DenseMatrix) -> Double {
            var s = 0.0
            for (q, j) in rows1.enumerated() { for (p, i) in rows0.enumerated() { s += lambda[p, q] * m[i, j] } }
            return s
        }
        for axis in 0..<2 {
            let kernel = kernels[axis], x = axes[axis]
            let prior = jeffreys(kernel)
            value += prior.value
            let other = Double(axis == 0 ? n1 : n0)
            var g = [Double](repeating: 0, count: kernel.parameters.count)
            for p in kernel.parameters.indices {
                let dk = kernel.matrix(x, x, parameter: p)
                var gp: Double
                let dLu: DenseMatrix
                if axis == 0 {
                    // ½ ∂⟨U, K⁻¹U⟩ = −½ ⟨A, ∂K0 A K1⟩; ∂L U = c0 ∂D0 U = c0 (∂K0^(o) − D0 ∂K0) W0.
                    gp = -0.5 * dot(a, try (try dk.multiplied(by: a)).multiplied(by: jittered[1]))
                    dLu = try derivativeChange(0, p, w0)
                } else {
                    // −½ ⟨A, K0 A ∂K1⟩; ∂L U = c1 U ∂D1ᵀ = c1 W1 (∂K1^(o) − D1 ∂K1)ᵀ = c1 (the axis-0 form on Uᵀ)ᵀ.
                    gp = -0.5 * dot(a, try (try jittered[0].multiplied(by: a)).multiplied(by: dk))
                    dLu = try derivativeChange(1, p, w1.transposed).transposed
                }
                gp += 0.5 * other * dot(inverses[axis], dk)
                gp -= coefficient[axis] * blockDot(dLu)
                g[p] = gp + prior.gradient[p]
            }
            gradient.append(g)
        }
        return Evaluation(value: value, gradient: gradient, solution: u)
    }
}

extension CollocationKernelLearning {
    public struct Learned: Sendable {
        /// The learned kernels, pruned.
        public var kernels: [Kernel1D]
        /// The optimiser's account; values are J, points the raw parameters of every axis in turn.
        public var result: OptimizationResult
        /// Mixture components removed per axis (weight below `prune` times the axis's largest).
        public var pruned: [Int]
    }

    /// Minimises J(θ) over every kernel parameter of every axis (positive ones through their
    /// logarithms; frequencies in [0, Nyquist] of their axis), then prunes mixture components
    /// whose weight fell below `prune` of the largest on their axis (the Jeffreys prior's
    /// purpose). An evaluation that fails (a kernel matrix no longer positive definite) counts
    /// as +∞, so the line search backs off.
    public static func learn(axes: [[Double]], kernels: [Kernel1D], jitter: Double, equation: Equation = .poisson, f: [Double], boundary g: [Double],
                             optimizer: HyperparameterOptimizer, prune: Double) throws -> Learned {
        let counts = kernels.map(\.parameters.count)
        func positive(_ axis: Int, _ j: Int) -> Bool { kernels[axis].isPositive(j) }
        var start: [Double] = [], lower: [Double] = [], upper: [Double] = []
        for (axis, kernel) in kernels.enumerated() {
            let x = axes[axis], length = x[x.count - 1] - x[0]
            let nyquist = Double(x.count - 1) / (2 * length)
            for (j, v) in kernel.parameters.enumerated() {
                if positive(axis, j) {
                    start.append(log(v))
                    lower.append(log(max(v, 1e-300)) - 30); upper.append(log(max(v, 1e-300)) + 30)
                } else {
                    start.append(v); lower.append(0); upper.append(nyquist)
                }
            }
        }
        func model(_ z: [Double]) -> [Kernel1D] {
            var offset = 0
            return kernels.enumerated().map { axis, kernel in
                let p = (0..<counts[axis]).map { j in positive(axis, j) ? exp(z[offset + j]) : z[offset + j] }
                offset += counts[axis]
                return Kernel1D(kernel.family, parameters: p)
            }
        }
        let objective: Objective = { z in
            let k = model(z)
            guard let e = try? evaluate(axes: axes, kernels: k, jitter: jitter, equation: equation, f: f, boundary: g), e.value.isFinite,
                  e.gradient.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
                return (.infinity, [Double](repeating: 0, count: z.count))
            }
            var gradient: [Double] = []
            for (axis, ga) in e.gradient.enumerated() {
                for (j, d) in ga.enumerated() { gradient.append(positive(axis, j) ? d * k[axis].parameters[j] : d) }
            }
            return (e.value, gradient)
        }
        let bounds = Bounds(lower: lower, upper: upper)
        var result: OptimizationResult
        switch optimizer {
        case .lbfgs(let o): result = try o.minimize(objective, from: start, bounds: bounds)
        case .adam(let o): result = try o.minimize(objective, from: start, bounds: bounds)
        }
        var learned = model(result.point)
        var pruned = [Int](repeating: 0, count: kernels.count)
        for (axis, kernel) in learned.enumerated() where kernel.family.isMixture && kernel.componentCount > 1 {
            let per = kernel.perComponent
            let weights = (0..<kernel.componentCount).map { kernel.parameters[$0 * per] }
            let top = weights.max() ?? 0
            let keep = weights.indices.filter { weights[$0] >= prune * top }
            pruned[axis] = kernel.componentCount - keep.count
            learned[axis] = Kernel1D(kernel.family, parameters: keep.flatMap { Array(kernel.parameters[($0 * per)..<(($0 + 1) * per)]) })
        }
        result.history = result.history.map { r in var r = r; r.point = model(r.point).flatMap(\.parameters); return r }
        result.point = model(result.point).flatMap(\.parameters)
        return Learned(kernels: learned, result: result, pruned: pruned)
    }
}
