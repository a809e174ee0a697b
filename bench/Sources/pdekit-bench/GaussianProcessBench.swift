// pdekit-bench gp: exact Kronecker GP log marginal likelihood and its gradient on an n × n grid
// of [0, 1]², squared-exponential kernel per axis, signal variance 1, hyperparameters
// (ℓ₁, ℓ₂, σ²) — the problem of PEERS.md's table, solved by bench/peers/gp.py with NumPy and
// GPyTorch in the same run. Prints the value, the gradient and the median time of `repeats`.
import Foundation
import GaussianProcess
import LinearAlgebra
import Storage
import Spectral

func runGaussianProcessBench(data: String, lengthscales: [Double], noise: Double, repeats: Int, label: String) throws {
    let y = try NPY.read(URL(fileURLWithPath: data))
    guard y.shape.count == 2 else { log("gp: data must be an n1 × n2 array"); exit(2) }
    let axes = y.shape.map { n in (0..<n).map { Double($0) / Double(n - 1) } }
    let gp = GridGaussianProcess(axes: axes, kernels: lengthscales.map { Kernel1D(.squaredExponential, parameters: [$0]) },
                                 signalVariance: 1, noiseVariance: noise)
    var fit = try gp.fit(y.values)
    let seconds = timeIt(repeats) { fit = try! gp.fit(y.values) }
    // Raw gradient order: s, σ², ℓ₁, ℓ₂ → report (ℓ₁, ℓ₂, σ²) as the peers do.
    let g = fit.gradient!
    emit([("tool", "pdekit"), ("version", version), ("case", label), ("n", y.shape[0]), ("seconds", seconds),
          ("log_likelihood", fit.logLikelihood), ("grad_l1", g[2]), ("grad_l2", g[3]), ("grad_noise", g[1])])
}


// pdekit-bench gp-ski: one evaluation of the structured-kernel-interpolation log likelihood and
// its gradient (ScatteredGaussianProcess.fit) at fixed hyperparameters: n scattered points
// (an n × d NPY), their values, a squared-exponential kernel per axis with `lengthscale`,
// signal variance 1, noise σ², an inducing grid of `grid` nodes per axis over the points'
// bounding box, t probes and the preconditioner's rank bound — the evaluation GPyTorch's
// KISS-GP makes once per training step (bench/peers/gp_ski.py). Median time of `repeats`.
func runScatteredGaussianProcessBench(points: String, data: String, grid: Int, lengthscale: Double, noise: Double, probes: Int, rank: Int,
                                      repeats: Int, label: String) throws {
    let x = try NPY.read(URL(fileURLWithPath: points)), y = try NPY.read(URL(fileURLWithPath: data))
    let d = x.shape.count == 2 ? x.shape[1] : 1, n = y.values.count
    let box = (0..<d).map { k in
        (0..<n).reduce((Double.infinity, -Double.infinity)) { b, p in (min(b.0, x.values[p * d + k]), max(b.1, x.values[p * d + k])) }
    }
    let gp = try ScatteredGaussianProcess(points: x.values, grid: InducingGrid(box: box, shape: Array(repeating: grid, count: d)),
                                          kernels: Array(repeating: Kernel1D(.squaredExponential, parameters: [lengthscale]), count: d),
                                          signalVariance: 1, noiseVariance: noise)
    var rng = NormalGenerator(seed: 0)
    let r = min(rank, max(16, (1 << 27) / n))
    let normals = (0..<(probes * (r + n))).map { _ in rng.next() }
    let mean = y.values.reduce(0, +) / Double(n)
    let centred = y.values.map { $0 - mean }
    var fit = try gp.fit(centred, normals: normals, probes: probes, maximumRank: r, rtol: 1e-6, maxIterations: 1000)
    let seconds = timeIt(repeats) { fit = try! gp.fit(centred, normals: normals, probes: probes, maximumRank: r, rtol: 1e-6, maxIterations: 1000) }
    emit([("tool", "pdekit"), ("version", version), ("case", label), ("n", n), ("dim", d), ("grid", grid), ("seconds", seconds),
          ("log_likelihood", fit.logLikelihood), ("standard_error", fit.standardError), ("cg_iterations", fit.iterations),
          ("preconditioner_rank", fit.rank)])
}
