import Solvers
import Configuration
import Foundation
import GaussianProcess
import LinearAlgebra
import Problems
import Storage

/// `kind = "gp_regression"`: learns the hyperparameters of a product-kernel GP on the data's
/// grid by maximum likelihood (L-BFGS or Adam), then writes the posterior mean and variance on
/// the grid (mean.npy, variance.npy), optionally on a finer grid (predict_mean.npy,
/// predict_variance.npy), the axes (x.npy, y.npy, ...), the optimiser's history (history.csv)
/// and the learned hyperparameters and log likelihood in the run record. With missing points
/// (NaN) the mean comes from CG, and the hyperparameters are learned from the exact likelihood
/// of the observed points (dense, up to 6000 of them). Scattered points: ScatteredRegression.swift.
public struct GPRegressionStudy: SectionStudy {
    public init() {}
    public var sweepColumns: [String] { ["log_likelihood", "signal_variance", "noise_variance", "iterations", "seconds"] }

    static func family(_ type: String) -> Kernel1D.Family { Kernel1D.Family(rawValue: type)! }

    /// The optimiser's history table, its stop in the record, and the run's reason.
    static func account(_ run: OptimizationResult, names: [String], _ g: GPRegressionSpec, _ result: inout ConfigTable)
        -> (CSVTable, ConvergenceReason, String) {
        var table = CSVTable(header: ["iteration", "negative_log_likelihood", "gradient_norm"] + names)
        for r in run.history {
            table.append(["\(r.iteration)", CSV.format(r.value), CSV.format(r.gradientNorm)] + r.point.map(CSV.format))
        }
        result["optimizer_stop"] = .string(run.stopReason)
        result["evaluations"] = .integer(run.evaluations)
        let finalGradient = run.history.last.map(\.gradientNorm) ?? .nan
        result["gradient_norm"] = .double(finalGradient)
        var reason: ConvergenceReason, detail = ""
        if g.optimizer == .adam {
            reason = finalGradient <= g.tolerance ? .converged_rtol : .diverged_max_iterations
            if !reason.converged {
                detail = "Adam ran \(run.iterations) iterations; the gradient norm is \(finalGradient) > tolerance \(g.tolerance)"
            }
        } else {
            reason = run.converged ? .converged_rtol : .diverged_max_iterations
            if !reason.converged { detail = "L-BFGS stopped: \(run.stopReason)" }
        }
        if !run.value.isFinite { reason = .diverged_nan }
        return (table, reason, detail)
    }

    /// The optimiser the spec names (not called for `optimizer = "none"`).
    static func optimizer(_ g: GPRegressionSpec) -> HyperparameterOptimizer {
        g.optimizer == .adam ? .adam(Adam(iterations: g.iterations, learningRate: g.learningRate))
            : .lbfgs(LBFGS(maxIterations: g.iterations, gradientTolerance: g.tolerance))
    }

    /// The model, its hyperparameters' bounds and which are fixed, from the spec.
    static func model(_ g: GPRegressionSpec) -> (GridGaussianProcess, HyperparameterBounds) {
        let axes = zip(g.box, g.grid).map { b, n in (0..<n).map { b.0 + (b.1 - b.0) * Double($0) / Double(n - 1) } }
        let kernels = g.kernels.map { k in Kernel1D(family(k.type), parameters: interleave(k)) }
        let gp = GridGaussianProcess(axes: axes, kernels: kernels, signalVariance: g.signalVariance.values[0], noiseVariance: g.noise.values[0])
        var lower = [g.signalVariance.lower, g.noise.lower], upper = [g.signalVariance.upper, g.noise.upper]
        var fixed = [g.signalVariance.fixed, g.noise.fixed]
        for k in g.kernels {
            // Kernel1D stores mixtures component by component, (w, s, μ) for each q; the
            // bounds of a named parameter apply to all its components.
            let q = family(k.type).isMixture ? k.parameters[0].value.values.count : 1
            for _ in 0..<q { for p in k.parameters {
                lower.append(p.value.lower); upper.append(p.value.upper); fixed.append(p.value.fixed)
            }}
        }
        return (gp, HyperparameterBounds(lower: lower, upper: upper, fixed: fixed))
    }

    /// The spec's per-name arrays in Kernel1D's component-by-component order.
    static func interleave(_ k: GPRegressionSpec.KernelSpec) -> [Double] {
        guard family(k.type).isMixture else { return k.parameters.map { $0.value.values[0] } }
        let q = k.parameters[0].value.values.count
        return (0..<q).flatMap { c in k.parameters.map { $0.value.values[c] } }
    }

    public func solve(_ g: GPRegressionSpec, _ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome {
        if let s = g.scattered { return try solveScattered(g, s, spec) }
        let start = Date()
        var (gp, bounds) = Self.model(g)
        let observed = g.values.indices.filter { !g.values[$0].isNaN }
        let offset = g.mean == .sample ? observed.reduce(0) { $0 + g.values[$1] } / Double(observed.count) : 0
        let shape = g.grid
        var arrays: [NamedArray] = []
        var result = ConfigTable()
        var history: CSVTable?
        var reason: ConvergenceReason = .converged_direct
        var iterations = 0
        var logLikelihood = Double.nan
        var notConverged = ""
        do {
            if observed.count == g.values.count {
                let y = g.values.map { $0 - offset }
                if g.optimizer != .none {
                    let optimizer = Self.optimizer(g)
                    let (learned, run) = try gp.learn(y, bounds: bounds, optimizer: optimizer)
                    gp = learned
                    iterations = run.iterations
                    (history, reason, notConverged) = Self.account(run, names: gp.hyperparameterNames, g, &result)
                }
                let fit = try gp.fit(y, gradient: false)
                logLikelihood = fit.logLikelihood
                let (mean, variance) = gp.posterior(fit)
                arrays.append(NamedArray(name: "mean", shape: shape, values: mean.map { $0 + offset }))
                arrays.append(NamedArray(name: "variance", shape: shape, values: variance))
                if let p = g.predict {
                    let axes = zip(g.box, p).map { b, n in (0..<n).map { b.0 + (b.1 - b.0) * Double($0) / Double(n - 1) } }
                    let (pm, pv) = try gp.predict(fit, at: axes)
                    arrays.append(NamedArray(name: "predict_mean", shape: p, values: pm.map { $0 + offset }))
                    arrays.append(NamedArray(name: "predict_variance", shape: p, values: pv))
                    for (k, a) in axes.enumerated() {
                        arrays.append(NamedArray(name: "predict_\(GPRegressionSpec.variables[k])", shape: [a.count], values: a))
                    }
                }
            } else {
                let y = observed.map { g.values[$0] - offset }
                if g.optimizer != .none {
                    let optimizer = Self.optimizer(g)
                    let (learned, run) = try gp.learn(y, observed: observed, bounds: bounds, optimizer: optimizer)
                    gp = learned
                    iterations = run.iterations
                    (history, reason, notConverged) = Self.account(run, names: gp.hyperparameterNames, g, &result)
                }
                if observed.count <= GridGaussianProcess.maximumObserved {
                    logLikelihood = try gp.observedFit(observed: observed, values: y).logLikelihood
                }
                let fit = try gp.posteriorMean(observed: observed, values: y,
                                               options: IterativeOptions(rtol: g.cgTolerance, maxIterations: 10_000, recordHistory: false))
                if !fit.solve.reason.converged {
                    reason = fit.solve.reason
                    notConverged = "CG on the observed points stopped after \(fit.solve.iterations) iterations "
                        + "at relative residual \(fit.solve.relativeResidual)"
                }
                if g.optimizer == .none { iterations = fit.solve.iterations }
                arrays.append(NamedArray(name: "mean", shape: shape, values: fit.mean.map { $0 + offset }))
                result["cg_iterations"] = .integer(fit.solve.iterations)
                result["cg_relative_residual"] = .double(fit.solve.relativeResidual)
            }
        } catch let e as LinearAlgebraError {
            throw RunError.classify(e, file: spec.document.path)
        }
        for (k, a) in gp.axes.enumerated() { arrays.append(NamedArray(name: GPRegressionSpec.variables[k], shape: [a.count], values: a)) }
        let seconds = Date().timeIntervalSince(start)
        if logLikelihood.isFinite || observed.count == g.values.count { result["log_likelihood"] = .double(logLikelihood) }
        result["observed"] = .integer(observed.count)
        result["missing"] = .integer(g.values.count - observed.count)
        if g.mean == .sample { result["mean_offset"] = .double(offset) }
        result["iterations"] = .integer(iterations)
        result["seconds"] = .double(seconds)
        var learned = ConfigTable()
        for (name, value) in zip(gp.hyperparameterNames, gp.hyperparameters) { learned[name] = .double(value) }
        let summary = (logLikelihood.isFinite ? "log likelihood \(String(format: "%.6g", logLikelihood)), " : "")
            + "noise \(String(format: "%.3g", gp.noiseVariance)), signal \(String(format: "%.3g", gp.signalVariance)), "
            + "\(iterations) iterations, \(String(format: "%.3f", seconds)) s"
        return StudyOutcome(reason: reason, arrays: arrays, history: history, result: result, tables: [("hyperparameters", learned)],
                            summary: summary, notConvergedDetail: notConverged,
                            sweepValues: ["log_likelihood": CSV.format(logLikelihood), "signal_variance": CSV.format(gp.signalVariance),
                                          "noise_variance": CSV.format(gp.noiseVariance), "iterations": "\(iterations)",
                                          "seconds": CSV.format(seconds)])
    }
}
