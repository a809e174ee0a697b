// pdekit-bench rb: the 2 × 2 thermal block (bench/peers/rb.py runs pyMOR's on the same
// parameter sets): weak greedy over the 4⁴ uniform training set in [0.1, 1]⁴ to `size` basis
// vectors, then on 20 random parameters the largest relative error (energy norm at μ̄ = 1, and
// the Euclidean norm of the nodal values as the L2 proxy) for every basis size, the bound's
// smallest effectivity, and the online time against a CHOLMOD solve.
import Foundation
import LinearAlgebra
import ReducedBasis
import Spectral

/// With `pathFrom` (pyMOR's JSON lines, which carry its greedy's parameters), the basis is built
/// from pyMOR's sequence of parameters instead of pdekit's own picks (both number the blocks
/// x-index first from the lower left: pyMOR's diffusion index ix + iy·nx is pdekit's block q),
/// and the rows are `rb_thermalblock_N{n}_pymorpath`: the same method on the same snapshots.
func runReducedBasisBench(m: Int, size: Int, test: String, pathFrom: String? = nil) throws {
    let problem = try ThermalBlock.problem(m: m)
    let levels = [0.1, 0.4, 0.7, 1.0]
    var training: [[Double]] = []
    for a in levels { for b in levels { for c in levels { for d in levels { training.append([a, b, c, d]) } } } }
    let testSet = try String(contentsOfFile: test, encoding: .utf8).split(separator: "\n")
        .map { $0.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! } }
    let t0 = Date()
    var path: [Int]?
    if let pathFrom {
        for line in try String(contentsOfFile: pathFrom, encoding: .utf8).split(separator: "\n") {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let mus = object["path"] as? [[Double]] else { continue }
            path = try mus.map { mu in
                guard let k = training.firstIndex(where: { zip($0, mu).allSatisfy { abs($0 - $1) < 1e-9 } }) else {
                    throw LinearAlgebraError.invalidArgument("pyMOR's parameter \(mu) is not in the training set")
                }
                return k
            }
        }
        guard path != nil else { throw LinearAlgebraError.invalidArgument("\(pathFrom) holds no greedy path") }
    }
    let (model, history, stop) = try ReducedBasisModel.weakGreedy(problem, training: training, reference: [1, 1, 1, 1], tolerance: 0,
                                                                  maxSize: size, path: path)
    let offline = Date().timeIntervalSince(t0)
    log("rb: \(model.size) vectors, \(stop), offline \(offline) s")
    log("rb: greedy picks \(history.map { training[$0.parameterIndex] }), "
        + "largest bounds after each \(history.map { String(format: "%.3g", $0.maxBound) })")
    // Truth on the test set.
    let x = try problem.matrix([1, 1, 1, 1])
    let chol = try CholeskyFactorization(try problem.matrix(testSet[0]))
    var truths: [[Double]] = []
    var fullSeconds: [Double] = []
    for mu in testSet {
        let a = try problem.matrix(mu)
        let t = Date()
        try chol.refactor(values: a.values)
        truths.append(chol.solve(try problem.load(mu)))
        fullSeconds.append(Date().timeIntervalSince(t))
    }
    func energy(_ v: [Double]) -> Double { zip(v, x.apply(v)).reduce(0) { $0 + $1.0 * $1.1 }.squareRoot() }
    func euclid(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
    // Errors per basis size: the model truncated to its first N vectors is what the greedy had
    // after N steps (the basis is nested).
    var minEffectivity = Double.infinity
    for n in 1...model.size {
        let sub = model.truncated(to: n)
        var worstEnergy = 0.0, worstL2 = 0.0
        for (mu, u) in zip(testSet, truths) {
            let (c, bound) = try sub.solveReduced(mu)
            let e = zip(u, sub.reconstruct(c)).map { $0 - $1 }
            let ee = energy(e)
            worstEnergy = max(worstEnergy, ee / energy(u)); worstL2 = max(worstL2, euclid(e) / euclid(u))
            if ee > 0 { minEffectivity = min(minEffectivity, bound / ee) }
        }
        emit([("tool", "pdekit"), ("version", version), ("case", "rb_thermalblock_N\(n)"), ("n", m * m), ("basis", n),
              ("max_energy_error", worstEnergy), ("max_l2_error", worstL2)])
    }
    let online = timeIt(5) { for mu in testSet { _ = try! model.solveReduced(mu) } } / Double(testSet.count)
    emit([("tool", "pdekit"), ("version", version), ("case", "rb_thermalblock"), ("n", m * m), ("basis", model.size),
          ("offline_s", offline), ("online_s", online), ("full_solve_s", median(fullSeconds)), ("min_effectivity", minEffectivity),
          ("greedy_max_bound_last", history.last?.maxRelativeBound ?? .nan)])
}

/// pdekit-bench rb-eim: nonintrusive EIM of parametrised diffusion matrices on a 100 × 100 grid
/// (PEERS.md's reference implementation): an inclusion whose contrast and width vary with μ,
/// κ = 1 + μ₀ exp(−|x − c|²/μ₁²) (μ₀ ∈ [1, 10], μ₁ ∈ [0.05, 0.2]), and one whose centre moves,
/// c = (μ₀, μ₁) ∈ [0.3, 0.7]² with contrast 10 and width 0.1. 100 random training parameters,
/// 20 test parameters; the largest relative Frobenius error of A(μ) ≈ Σ β_m Q_m for each M.
func runMatrixEIMBench() throws {
    func family(_ moving: Bool) -> ([Double]) throws -> CSRMatrix {
        { mu in
            let (contrast, width, cx, cy) = moving ? (10.0, 0.1, mu[0], mu[1]) : (mu[0], mu[1], 0.5, 0.5)
            return try ThermalBlock.stiffness(100) { x, y in 1 + contrast * exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (width * width)) }
        }
    }
    for (label, moving, lo, hi, terms) in [("inclusion", false, [1.0, 0.05], [10.0, 0.2], [8, 20]),
                                           ("moving_inclusion", true, [0.3, 0.3], [0.7, 0.7], [20, 40])] {
        var g = Xoshiro256StarStar(seed: 11)
        let draw = { (g: inout Xoshiro256StarStar) in (0..<2).map { lo[$0] + (hi[$0] - lo[$0]) * g.uniform() } }
        let a = family(moving)
        let training = try (0..<100).map { _ in try a(draw(&g)) }
        let tests = try (0..<20).map { _ in try a(draw(&g)) }
        for m in terms {
            let t0 = Date()
            let eim = try MatrixInterpolation(training: training, tolerance: 0, maxTerms: m)
            let seconds = Date().timeIntervalSince(t0)
            let worst = try tests.map { t -> Double in
                let approx = try eim.approximate(t)
                let d = zip(approx.values, t.values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                return (d / t.values.reduce(0) { $0 + $1 * $1 }).squareRoot()
            }.max()!
            emit([("tool", "pdekit"), ("version", version), ("case", "eim_\(label)_M\(m)"), ("terms", eim.terms), ("max_relative_error", worst),
                  ("build_s", seconds)])
        }
    }
}
