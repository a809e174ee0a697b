import Solvers
import Configuration
import Foundation
import GaussianProcess
import LinearAlgebra
import Problems
import Storage

/// `kind = "gp_pde"`: GP collocation with fixed kernels (frequencies from the spectrum of f or
/// given). Writes solution.npy on the collocation grid, test_solution.npy on the test grid, the
/// axes, and the kernels, error and time in the record.
public struct GPPDEStudy: SectionStudy {
    public init() {}
    public var sweepColumns: [String] { ["relative_l2_error", "seconds"] }

    public func stackShape(_ spec: ProblemSpec, carry: CarriedState?) throws -> [Int]? { try section(of: spec).points }

    public func check(_ g: GPPDESpec, _ spec: ProblemSpec, carry: CarriedState?) throws {
        _ = try Self.fields(g, spec)
    }

    /// f and the boundary values on the collocation grid, checked finite (the error names the
    /// key the values come from: `exact` when there is no `boundary`).
    static func fields(_ g: GPPDESpec, _ spec: ProblemSpec) throws -> (axes: [[Double]], f: [Double], boundary: [Double]) {
        let axes = zip(g.points, g.box).map { grid($0, $1) }
        let f = evaluate(g.source, on: axes), boundary = evaluate(g.boundary, on: axes)
        let boundaryKey = g.boundaryFromExact ? "exact" : "boundary"
        for (key, values) in [("source", f), (boundaryKey, boundary)] where !values.allSatisfy(\.isFinite) {
            throw spec.document.error(["gp_pde", key], "is not finite at every collocation point"
                + (key == "exact" ? " (it gives the boundary values: there is no boundary key)" : ""))
        }
        return (axes, f, boundary)
    }

    static func grid(_ n: Int, _ b: (Double, Double)) -> [Double] { (0..<n).map { b.0 + (b.1 - b.0) * Double($0) / Double(n - 1) } }

    /// An expression on a tensor grid (C order).
    static func evaluate(_ e: Problems.Expression, on axes: [[Double]]) -> [Double] {
        if axes.count == 1 { return axes[0].map { e($0) } }
        return axes[0].flatMap { x in axes[1].map { y in e(x, y) } }
    }

    public func solve(_ g: GPPDESpec, _ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome {
        let start = Date()
        let (axes, f, boundary) = try Self.fields(g, spec)
        var kernels: [Kernel1D]
        switch g.kernel {
        case .matern52: kernels = axes.map { _ in Kernel1D(.matern52, parameters: [g.lengthscale]) }
        case .squaredExponential: kernels = axes.map { _ in Kernel1D(.squaredExponential, parameters: [g.lengthscale]) }
        case .maternCosineMixture, .spectralMixture:
            let family: Kernel1D.Family = g.kernel == .spectralMixture ? .spectralMixture : .maternCosineMixture
            if let mus = g.frequencies {
                let w = g.weights ?? Array(repeating: 1, count: mus.count)
                kernels = axes.map { _ in Kernel1D(family, parameters: zip(w, mus).flatMap { [$0, g.scale, $1] }) }
            } else {
                // Poisson's f carries u's frequencies; advection transports its data, so read them
                // from the boundary/initial function on the grid.
                kernels = GPCollocation.spectralKernels(f: g.equation == .advection ? boundary : f, axes: axes, components: g.components,
                                                        family: family, scale: g.scale)
            }
        }
        // GP-HM's learned kernels: J(θ) with the grid values profiled out, from the kernels above.
        var learned: CollocationKernelLearning.Learned?
        let initialKernels = kernels
        if let l = g.learning {
            let optimizer: HyperparameterOptimizer = switch l.optimizer {
            case .adam: .adam(Adam(iterations: l.iterations, learningRate: l.learningRate))
            case .lbfgs: .lbfgs(LBFGS(maxIterations: l.iterations))
            }
            do {
                let equation: CollocationKernelLearning.Equation = switch g.equation {
                case .poisson: .poisson
                case .allenCahn: .allenCahn
                case .advection: .advection(velocity: g.velocity!)
                }
                learned = try CollocationKernelLearning.learn(axes: axes, kernels: kernels, jitter: g.jitter, equation: equation, f: f,
                                                              boundary: boundary, optimizer: optimizer, prune: l.prune)
            } catch let e as LinearAlgebraError {
                throw RunError(.badInput, "\(spec.document.path): gp_pde.learn: the kernel-learning objective cannot be evaluated "
                    + "at the start (\(e.description)); try a larger jitter or other frequencies")
            }
            guard learned!.result.history.first?.value.isFinite == true else {
                throw spec.document.error(["gp_pde", "learn"], "the learning objective cannot be evaluated at the starting kernels "
                    + "(the collocation system has no solution there); start from other frequencies or a larger jitter")
            }
            kernels = learned!.kernels
        }
        var iterations = 0
        var reason: ConvergenceReason = .converged_direct
        let solution: [Double], test: [Double]
        let testAxes = g.box.map { Self.grid(g.testPoints, $0) }
        do {
            let gp = try GPCollocation(axes: axes, kernels: kernels, jitter: g.jitter)
            switch g.equation {
            case .poisson:
                solution = try gp.solvePoisson(f: f, boundary: boundary)
            case .advection:
                solution = try gp.solveAdvection(velocity: g.velocity!, f: f, boundary: boundary)
            case .allenCahn:
                let r = try gp.solveAllenCahn(f: f, boundary: boundary)
                solution = r.u; iterations = r.iterations
                if !r.converged { reason = .diverged_max_iterations }
            }
            test = try gp.predict(solution, at: testAxes)
        } catch let e as LinearAlgebraError {
            throw RunError(.badInput, "\(spec.document.path): the collocation system cannot be solved with these kernels "
                + "(\(e.description)); try a larger jitter or other frequencies")
        }
        let seconds = Date().timeIntervalSince(start)
        if !solution.allSatisfy(\.isFinite) { reason = .diverged_nan }
        var result = ConfigTable()
        var error = Double.nan
        if let exact = g.exact {
            let e = Self.evaluate(exact, on: testAxes)
            let den = e.reduce(0) { $0 + $1 * $1 }.squareRoot()
            var squares = 0.0
            for (a, b) in zip(test, e) { squares += (a - b) * (a - b) }
            error = squares.squareRoot() / max(den, 1e-300)
            result["relative_l2_error"] = .double(error)
            result["error_definition"] = .string("‖u_GP − u_exact‖₂ / ‖u_exact‖₂ on the \(g.testPoints)-point-per-axis test grid")
        }
        result["seconds"] = .double(seconds)
        if g.equation == .allenCahn { result["newton_iterations"] = .integer(iterations) }
        var kernelTable = ConfigTable()
        for (k, kernel) in kernels.enumerated() {
            kernelTable["axis_\(k + 1)_\(kernel.family.rawValue)"] = .array(kernel.parameters.map { .double($0) })
            if kernel.family.isMixture {
                let per = kernel.perComponent
                kernelTable["axis_\(k + 1)_weights"] = .array((0..<kernel.componentCount).map { .double(kernel.parameters[$0 * per]) })
                kernelTable["axis_\(k + 1)_frequencies"] = .array((0..<kernel.componentCount).map { .double(kernel.parameters[$0 * per + 2]) })
            }
        }
        var tables: [(name: String, table: ConfigTable)] = [("kernels", kernelTable)]
        var history: CSVTable?
        if let learned {
            var t = ConfigTable()
            t["objective"] = .string("J = 1/2 u*' K^-1 u* + 1/2 log|K| + sum log w (Jeffreys), u* the exact collocation solution for the kernels")
            t["initial_objective"] = .double(learned.result.history.first?.value ?? .nan)
            t["final_objective"] = .double(learned.result.value)
            t["iterations"] = .integer(learned.result.iterations)
            t["evaluations"] = .integer(learned.result.evaluations)
            t["stop"] = .string(learned.result.stopReason)
            t["pruned_components"] = .array(learned.pruned.map { .integer($0) })
            tables.append(("kernel_learning", t))
            // The loss history: objective, projected gradient norm, every axis's raw parameters.
            let names = initialKernels.enumerated().flatMap { k, kernel in kernel.parameterNames.map { "axis\(k + 1)_\($0)" } }
            var csv = CSVTable(header: ["iteration", "objective", "gradient_norm"] + names)
            for h in learned.result.history {
                csv.append(["\(h.iteration)", CSV.format(h.value), CSV.format(h.gradientNorm)] + h.point.map(CSV.format))
            }
            history = csv
        }
        var arrays = [NamedArray(name: "solution", shape: g.points, values: solution),
                      NamedArray(name: "test_solution", shape: Array(repeating: g.testPoints, count: g.box.count), values: test)]
        let names = g.equation == .advection ? ["x", "t"] : GPPDESpec.variables
        for (k, a) in axes.enumerated() { arrays.append(NamedArray(name: names[k], shape: [a.count], values: a)) }
        let summary = (error.isFinite ? "relative L2 error \(String(format: "%.2e", error)) on the test grid, " : "")
            + "\(String(format: "%.3f", seconds)) s"
        return StudyOutcome(reason: reason, arrays: arrays, history: history, result: result, tables: tables, summary: summary,
                            notConvergedDetail: "Newton's method on the Allen–Cahn collocation system did not converge in 50 iterations",
                            sweepValues: ["relative_l2_error": CSV.format(error), "seconds": CSV.format(seconds)])
    }
}
