// pdekit-bench gp: exact Kronecker GP log marginal likelihood and its gradient on an n × n grid
// of [0, 1]², squared-exponential kernel per axis, signal variance 1, hyperparameters
// (ℓ₁, ℓ₂, σ²) — the problem of PEERS.md's table, solved by bench/peers/gp.py with NumPy and
// GPyTorch in the same run. Prints the value, the gradient and the median time of `repeats`.
import Foundation
import GaussianProcess
import LinearAlgebra
import Storage

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

