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

/// Where the time of one likelihood + gradient goes (stderr), for tuning.
func profileGaussianProcess(n: Int) throws {
    let x = (0..<n).map { Double($0) / Double(n - 1) }
    let k = Kernel1D(.squaredExponential, parameters: [0.05]).matrix(x, x)
    let y = (0..<(n * n)).map { sin(Double($0)) }
    let t1 = timeIt(5) { _ = try! SymmetricEigendecomposition(k) }
    let half = Kernel1D(.squaredExponential, parameters: [0.05]).matrix(Array(x[..<(n / 2)]), Array(x[..<(n / 2)]))
    let th = timeIt(5) { _ = try! SymmetricEigendecomposition(half) }
    let ths = Parallel.withSerialBLAS(true) { timeIt(5) { _ = try! SymmetricEigendecomposition(half) } }
    let tc = Parallel.withSerialBLAS(true) { timeIt(5) { _ = try! SymmetricEigendecomposition.centrosymmetric(k) } }
    log("half threaded \(th), half serial \(ths), centro serial \(tc)")
    let tp = Parallel.withSerialBLAS(true) { timeIt(5) { DispatchQueue.concurrentPerform(iterations: 2) { _ in _ = try! SymmetricEigendecomposition.centrosymmetric(k) } } }
    let tq = Parallel.withSerialBLAS(true) { timeIt(5) { DispatchQueue.concurrentPerform(iterations: 2) { _ in _ = try! SymmetricEigendecomposition(half) } } }
    log("two centro concurrent \(tp), two half concurrent \(tq)")
    let ti = timeIt(5) { _ = SymmetricEigendecomposition.isCentrosymmetric(k) }
    let tk = timeIt(5) { _ = try! KroneckerEigendecomposition([k, k]) }
    log("isCentro \(ti), kron eigen \(tk)")
    let t2 = timeIt(5) { _ = try! KroneckerEigendecomposition([k, k]) }
    let all = (0..<8).map { _ -> Double in let t = Date(); _ = try! KroneckerEigendecomposition([k, k]); return Date().timeIntervalSince(t) }
    log("two eigh each: \(all.map { String(format: "%.1f", $0 * 1000) })")
    let seq = (0..<8).map { _ -> Double in let t = Date(); _ = try! SymmetricEigendecomposition(k); _ = try! SymmetricEigendecomposition(k); return Date().timeIntervalSince(t) }
    log("sequential threaded: \(seq.map { String(format: "%.1f", $0 * 1000) })")
    let e = try KroneckerEigendecomposition([k, k])
    let t3 = timeIt(5) { _ = e.rotate(y) }
    let t4 = timeIt(5) { _ = ModeProduct.gram(y, y, shape: [n, n], mode: 0) }
    let t5 = timeIt(5) { _ = ModeProduct.gram(y, y, shape: [n, n], mode: 1) }
    let t6 = timeIt(5) { _ = try! k.multiplied(by: k) }
    log("n \(n): eigh \(t1), two eigh \(t2), rotate \(t3), gram0 \(t4), gram1 \(t5), gemm \(t6)")
}
