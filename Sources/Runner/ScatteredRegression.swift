import Configuration
import Foundation
import GaussianProcess
import LinearAlgebra
import Problems
import Spectral
import Storage

/// `kind = "gp_regression"` on scattered points: structured kernel interpolation onto the
/// inducing grid (ScatteredGaussianProcess), hyperparameters learned from the stochastic
/// likelihood estimate with fixed probes, then the posterior mean and variance of f at the
/// points (mean.npy, variance.npy), at the test points (test_mean.npy, test_variance.npy, and the
/// held-out RMSE in run.toml) and on the `predict` grid (predict_mean.npy, predict_variance.npy
/// with its axes).
extension GPRegressionStudy {
    /// CG's cap per likelihood evaluation (GPyTorch's `max_cg_iterations` default).
    static let scatteredCGIterations = 1000

    /// The probes' standard normals: t runs of `maximumRank + n` (ScatteredGaussianProcess.fit),
    /// from xoshiro256** seeded by `seed` (Marsaglia's polar method).
    static func probeNormals(count t: Int, length: Int, seed: Int) -> [Double] {
        var rng = NormalGenerator(seed: UInt64(seed))
        return (0..<(t * length)).map { _ in rng.next() }
    }

    func solveScattered(_ g: GPRegressionSpec, _ s: GPRegressionSpec.Scattered, _ spec: ProblemSpec) throws -> StudyOutcome {
        let start = Date()
        let (grid, bounds) = Self.model(g)
        let inducing = InducingGrid(box: g.box, shape: s.inducingGrid)
        var gp: ScatteredGaussianProcess
        do {
            gp = try ScatteredGaussianProcess(points: s.points, grid: inducing, kernels: grid.kernels, signalVariance: grid.signalVariance,
                                              noiseVariance: grid.noiseVariance)
        } catch let e as LinearAlgebraError { throw RunError.classify(e, file: spec.document.path) }
        let n = s.count
        let offset = g.mean == .sample ? g.values.reduce(0, +) / Double(n) : 0
        let y = g.values.map { $0 - offset }
        let rank = s.maximumRank
        let normals = Self.probeNormals(count: s.probes, length: rank + n, seed: s.seed)
        var result = ConfigTable()
        var history: CSVTable?
        var reason: ConvergenceReason = .converged_rtol
        var iterations = 0
        var notConverged = ""
        var arrays: [NamedArray] = []
        let fit: ScatteredGaussianProcess.Fit
        do {
            if g.optimizer != .none {
                let optimizer = Self.optimizer(g)
                let (learned, run) = try gp.learn(y, normals: normals, probes: s.probes, maximumRank: rank, rtol: g.cgTolerance,
                                                  maxIterations: Self.scatteredCGIterations, bounds: bounds, optimizer: optimizer)
                gp = learned
                iterations = run.iterations
                (history, reason, notConverged) = Self.account(run, names: gp.hyperparameterNames, g, &result)
            }
            fit = try gp.fit(y, normals: normals, probes: s.probes, maximumRank: rank, rtol: g.cgTolerance,
                             maxIterations: Self.scatteredCGIterations, gradient: false)
            if !fit.converged && reason.converged {
                reason = .diverged_max_iterations
                notConverged = "batched CG stopped after \(fit.iterations) iterations at relative residual \(fit.worstRelativeResidual) "
                    + "> cg_tolerance \(g.cgTolerance)"
            }
            arrays.append(NamedArray(name: "mean", shape: [n], values: try gp.posteriorMean(fit, at: s.points).map { $0 + offset }))
            arrays.append(NamedArray(name: "variance", shape: [n], values: try gp.posteriorVariance(fit, at: s.points)))
            if let t = s.testPoints {
                let d = g.box.count
                let mean = try gp.posteriorMean(fit, at: t).map { $0 + offset }
                arrays.append(NamedArray(name: "test_mean", shape: [t.count / d], values: mean))
                arrays.append(NamedArray(name: "test_variance", shape: [t.count / d], values: try gp.posteriorVariance(fit, at: t)))
                if let v = s.testValues {
                    result["test_rmse"] = .double((zip(mean, v).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(v.count)).squareRoot())
                }
            }
            if let p = g.predict {
                let axes = zip(g.box, p).map { b, m in (0..<m).map { b.0 + (b.1 - b.0) * Double($0) / Double(m - 1) } }
                let points = Self.tensorPoints(axes)
                let mean = try gp.posteriorMean(fit, at: points).map { $0 + offset }
                arrays.append(NamedArray(name: "predict_mean", shape: p, values: mean))
                arrays.append(NamedArray(name: "predict_variance", shape: p, values: try gp.posteriorVariance(fit, at: points)))
                for (k, a) in axes.enumerated() {
                    arrays.append(NamedArray(name: "predict_\(GPRegressionSpec.variables[k])", shape: [a.count], values: a))
                }
            }
        } catch let e as LinearAlgebraError {
            throw RunError.classify(e, file: spec.document.path)
        }
        let seconds = Date().timeIntervalSince(start)
        result["log_likelihood"] = .double(fit.logLikelihood)
        result["log_likelihood_standard_error"] = .double(fit.standardError)
        result["points"] = .integer(n)
        result["inducing_grid"] = .array(s.inducingGrid.map { .integer($0) })
        result["probes"] = .integer(s.probes)
        result["preconditioner_rank"] = .integer(fit.rank)
        result["cg_iterations"] = .integer(fit.iterations)
        result["cg_relative_residual"] = .double(fit.worstRelativeResidual)
        if g.mean == .sample { result["mean_offset"] = .double(offset) }
        result["iterations"] = .integer(iterations)
        result["seconds"] = .double(seconds)
        var learned = ConfigTable()
        for (name, value) in zip(gp.hyperparameterNames, gp.hyperparameters) { learned[name] = .double(value) }
        let summary = "log likelihood \(String(format: "%.6g", fit.logLikelihood)) ± \(String(format: "%.2g", fit.standardError)), "
            + "noise \(String(format: "%.3g", gp.noiseVariance)), signal \(String(format: "%.3g", gp.signalVariance)), "
            + "\(iterations) iterations, \(String(format: "%.3f", seconds)) s"
        return StudyOutcome(reason: reason, arrays: arrays, history: history, result: result, tables: [("hyperparameters", learned)],
                            summary: summary, notConvergedDetail: notConverged,
                            sweepValues: ["log_likelihood": CSV.format(fit.logLikelihood), "signal_variance": CSV.format(gp.signalVariance),
                                          "noise_variance": CSV.format(gp.noiseVariance), "iterations": "\(iterations)",
                                          "seconds": CSV.format(seconds)])
    }

    /// The points of a tensor grid, row-major (n × d), in C order of the grid.
    static func tensorPoints(_ axes: [[Double]]) -> [Double] {
        let d = axes.count, shape = axes.map(\.count), total = shape.reduce(1, *)
        var points = [Double](repeating: 0, count: total * d)
        for flat in 0..<total {
            var rest = flat
            for k in stride(from: d - 1, through: 0, by: -1) {
                points[flat * d + k] = axes[k][rest % shape[k]]
                rest /= shape[k]
            }
        }
        return points
    }
}
