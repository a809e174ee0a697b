import Foundation
import LinearAlgebra
import Spectral
import XCTest
@testable import GaussianProcess

/// Structured kernel interpolation on scattered points: the cubic weights, batched CG and its
/// Lanczos quadrature, and the SKI likelihood and gradient against dense references built here
/// from the same definitions (the interpolated covariance C = s W K_UU Wᵀ + σ² I formed and
/// factored densely).
final class ScatteredRegressionTests: XCTestCase {
    func uniformPoints(_ n: Int, _ d: Int, seed: UInt64) -> [Double] {
        var rng = Xoshiro256StarStar(seed: seed)
        return (0..<(n * d)).map { _ in rng.uniform() }
    }

    /// Keys' kernel reproduces quadratics exactly (its interpolation error is O(h³) with a third
    /// derivative factor), and its weights sum to one: checked on every row, in 1, 2 and 3D.
    func testCubicWeightsReproduceQuadratics() throws {
        for d in 1...3 {
            let grid = InducingGrid(box: Array(repeating: (0.0, 1.0), count: d), shape: Array([9, 7, 6].prefix(d)))
            // The data box's corners, a point on the last node and random interior points.
            let points = Array(repeating: 0.0, count: d) + Array(repeating: 1.0, count: d) + uniformPoints(50, d, seed: 3)
            let w = try CubicInterpolation.weights(points: points, grid: grid)
            XCTAssertEqual(w.nonzeros, (points.count / d) * (1 << (2 * d)))
            func f(_ x: [Double]) -> Double { x.enumerated().reduce(0.5) { $0 + Double($1.offset + 1) * $1.element - 0.7 * $1.element * $1.element } }
            var nodes = [Double](repeating: 0, count: grid.count)
            for flat in 0..<grid.count {
                var rest = flat, x = [Double](repeating: 0, count: d)
                for k in stride(from: d - 1, through: 0, by: -1) {
                    x[k] = grid.first[k] + Double(rest % grid.shape[k]) * grid.spacing[k]
                    rest /= grid.shape[k]
                }
                nodes[flat] = f(x)
            }
            let interpolated = w.apply(nodes)
            let ones = w.apply([Double](repeating: 1, count: grid.count))
            for p in 0..<(points.count / d) {
                let x = Array(points[(p * d)..<((p + 1) * d)])
                XCTAssertEqual(interpolated[p], f(x), accuracy: 1e-13, "d = \(d), point \(p)")
                XCTAssertEqual(ones[p], 1, accuracy: 1e-14)
            }
        }
    }

    /// A random SPD matrix of order 40 with condition number 1e3.
    func spd(_ n: Int, seed: UInt64) throws -> (DenseMatrix, SymmetricEigendecomposition) {
        var rng = Xoshiro256StarStar(seed: seed)
        var g = DenseMatrix(rows: n, columns: n)
        for i in g.values.indices { g.values[i] = rng.uniform() - 0.5 }
        let q = try SymmetricEigendecomposition(try g.multiplied(by: g, transposeOther: true)).eigenvectors
        let lambda = (0..<n).map { pow(1e3, Double($0) / Double(n - 1)) }
        var a = DenseMatrix(rows: n, columns: n)
        for j in 0..<n { for i in 0..<n { a[i, j] = (0..<n).reduce(0) { $0 + q[i, $1] * lambda[$1] * q[j, $1] } } }
        return (a, SymmetricEigendecomposition(eigenvalues: lambda, eigenvectors: q))
    }

    /// Each column solves its own system; run to the full Krylov dimension, the Lanczos rule
    /// from CG's coefficients gives bᵀ log(A) b (Gauss quadrature exact once the Krylov space is
    /// invariant), compared with the eigendecomposition's value.
    func testBatchedCGSolvesEachColumnAndItsQuadratureIsExact() throws {
        let n = 40
        let (a, eigen) = try spd(n, seed: 11)
        var rng = Xoshiro256StarStar(seed: 5)
        let b = (0..<(3 * n)).map { _ in rng.uniform() - 0.5 } + [Double](repeating: 0, count: n)
        let result = BatchedConjugateGradient.solve(b, n: n, columns: 4, rtol: 1e-13, maxIterations: 200) { x, y, c in
            for col in 0..<c { for i in 0..<n { y[col * n + i] = (0..<n).reduce(0) { $0 + a[i, $1] * x[col * n + $1] } } }
        }
        XCTAssertTrue(result.columns.allSatisfy(\.converged))
        XCTAssertEqual(result.columns[3].iterations, 0, "a zero right-hand side takes no step")
        for c in 0..<3 {
            let bc = Array(b[(c * n)..<((c + 1) * n)])
            let x = Array(result.solutions[(c * n)..<((c + 1) * n)])
            let r = a.apply(x).enumerated().map { bc[$0.offset] - $0.element }
            XCTAssertLessThan(r.map { $0 * $0 }.reduce(0, +).squareRoot(), 1e-12 * bc.map { $0 * $0 }.reduce(0, +).squareRoot() * 10)
            // bᵀ log(A) b = Σ_k (q_kᵀ b)² log λ_k.
            let exact = (0..<n).reduce(0.0) { s, k in
                let qb = (0..<n).reduce(0.0) { $0 + eigen.eigenvectors[$1, k] * bc[$1] }
                return s + qb * qb * log(eigen.eigenvalues[k])
            }
            let column = result.columns[c]
            XCTAssertEqual(column.startNormSquared, bc.map { $0 * $0 }.reduce(0, +), accuracy: 1e-12)
            let estimate = column.startNormSquared * (try StochasticLogDeterminant.quadrature(diagonal: column.diagonal,
                                                                                               offDiagonal: column.offDiagonal))
            XCTAssertEqual(estimate, exact, accuracy: 1e-8 * abs(exact), "column \(c)")
        }
    }

    // MARK: the SKI likelihood against its dense form

    struct Setup {
        let points: [Double]
        let y: [Double]
        let grid: InducingGrid
    }

    func setup(n: Int = 60, seed: UInt64 = 21, grid shape: [Int] = [12, 10]) -> Setup {
        let points = uniformPoints(n, 2, seed: seed)
        let y = (0..<n).map { (i: Int) -> Double in
            let signal: Double = sin(3 * points[2 * i]) * cos(2 * points[2 * i + 1])
            return signal + 0.05 * cos(97 * Double(i))
        }
        return Setup(points: points, y: y, grid: InducingGrid(box: [(0, 1), (0, 1)], shape: shape))
    }

    func model(_ s: Setup, _ theta: [Double]) throws -> ScatteredGaussianProcess {
        var m = try ScatteredGaussianProcess(points: s.points, grid: s.grid,
                                             kernels: [Kernel1D(.squaredExponential, parameters: [0.3]), Kernel1D(.matern52, parameters: [0.4])],
                                             noiseVariance: 0.1)
        m.hyperparameters = theta
        return m
    }

    /// log p(y) with C = s W K_UU Wᵀ + σ² I formed densely and factored by Cholesky.
    func denseLogLikelihood(_ m: ScatteredGaussianProcess, _ y: [Double]) throws -> Double {
        let n = m.count, w = m.interpolation
        let f = m.factorMatrices()
        let mU = m.grid.count, n1 = m.grid.shape[1]
        // W's nonzeros per row (the 16 stencil nodes), then K_UU Wᵀ column by column.
        let rows = (0..<n).map { p in (Int(w.rowPointers[p])..<Int(w.rowPointers[p + 1])).map { (Int(w.columnIndices[$0]), w.values[$0]) } }
        var kw = DenseMatrix(rows: mU, columns: n)
        for p in 0..<n { for a in 0..<mU {
            var s = 0.0
            for (b, wb) in rows[p] { s += f[0][a / n1, b / n1] * f[1][a % n1, b % n1] * wb }
            kw[a, p] = s
        }}
        var c = DenseMatrix(rows: n, columns: n)
        for q in 0..<n { for p in 0..<n {
            var s = 0.0
            for (a, wa) in rows[p] { s += wa * kw[a, q] }
            c[p, q] = m.signalVariance * s + (p == q ? m.noiseVariance : 0)
        }}
        let chol = try DenseCholesky(c)
        let alpha = try chol.solve(y)
        return -0.5 * zip(y, alpha).reduce(0) { $0 + $1.0 * $1.1 } - 0.5 * chol.logDeterminant - 0.5 * Double(n) * log(2 * Double.pi)
    }

    /// Probe normals that make every estimate exact: with P's rank r and t = r + n probes,
    /// probe c < r has g₁ = √t e_c (z = √t L e_c) and probe r + p has g₂ = √t e_p
    /// (z = √t σ e_p), so (1/t) Σ z zᵀ = L Lᵀ + σ² I = P exactly; then Lanczos quadrature (run
    /// to convergence) and Hutchinson's sum are the traces themselves.
    func exactNormals(n: Int, rank r: Int) -> (normals: [Double], probes: Int) {
        let t = r + n, stride = r + n
        var normals = [Double](repeating: 0, count: t * stride)
        for i in 0..<t { normals[i * stride + i] = Double(t).squareRoot() }
        return (normals, t)
    }

    /// With exact probes `fit` must give the dense likelihood (to CG's and the quadrature's
    /// 1e-12-level errors, checked at 1e-8) and its gradient must match central differences of
    /// the dense likelihood (step 1e-5 relative: truncation ~1e-10, rounding ~1e-16 · |log p| /
    /// 1e-5 ≈ 1e-9; checked at 1e-6 of the largest entry) — without a preconditioner (every
    /// term stochastic) and with a rank-5 one (log det P and tr(P⁻¹ ∂C) exact, the rest
    /// estimated).
    func testLikelihoodAndGradientMatchTheDenseFormWithExactProbes() throws {
        try assertExactProbesMatchDenseForm(setup())
    }

    /// The same with an axis long enough for FFT products and lag sums (circulant embedding).
    func testLongAxisUsesToeplitzProductsWithTheSameResult() throws {
        let long = ScatteredGaussianProcess.toeplitzThreshold + 8
        try assertExactProbesMatchDenseForm(setup(n: 40, seed: 5, grid: [long, 9]))
    }

    func assertExactProbesMatchDenseForm(_ s: Setup, file: StaticString = #filePath, line: UInt = #line) throws {
        let n = s.y.count
        let theta = [1.3, 0.05, 0.35, 0.25]
        let m = try model(s, theta)
        let dense = try denseLogLikelihood(m, s.y)
        var fd = [Double]()
        for j in theta.indices {
            let h = 1e-5 * theta[j]
            var plus = theta, minus = theta
            plus[j] += h; minus[j] -= h
            fd.append((try denseLogLikelihood(model(s, plus), s.y) - denseLogLikelihood(model(s, minus), s.y)) / (2 * h))
        }
        for rank in [0, 5] {
            let (normals, t) = exactNormals(n: n, rank: rank)
            let fit = try m.fit(s.y, normals: normals, probes: t, maximumRank: rank, rtol: 1e-13, maxIterations: 500)
            XCTAssertTrue(fit.converged, file: file, line: line)
            XCTAssertEqual(fit.rank, rank, file: file, line: line)
            XCTAssertEqual(fit.logLikelihood, dense, accuracy: 1e-8 * abs(dense), "rank \(rank)", file: file, line: line)
            let gradient = try XCTUnwrap(fit.gradient)
            let scale = gradient.map(abs).max()!
            for j in theta.indices {
                XCTAssertEqual(gradient[j], fd[j], accuracy: 1e-6 * scale, "rank \(rank): \(m.hyperparameterNames[j])", file: file, line: line)
            }
        }
    }

    /// With random probes the likelihood is an estimate: the dense value must lie within 4 of
    /// its reported standard errors (a 6e-5 two-sided chance for a normal estimate; the seed is
    /// fixed, so the test is deterministic). The stated error must also be small enough to tell
    /// hyperparameters apart: below a quarter of the change in log p when the first lengthscale
    /// doubles. The preconditioner leaves less to estimate, so its standard error is smaller.
    func testRandomProbeEstimateContainsTheDenseValue() throws {
        let s = setup(n: 200, seed: 8)
        let n = s.y.count, t = 32, rank = 64
        var rng = NormalGenerator(seed: 99)
        let normals = (0..<(t * (rank + n))).map { _ in rng.next() }
        let theta = [1.0, 0.02, 0.3, 0.3]
        let m = try model(s, theta)
        let dense = try denseLogLikelihood(m, s.y)
        let doubled = try denseLogLikelihood(model(s, [1.0, 0.02, 0.6, 0.3]), s.y)
        var errors: [Double] = []
        for r in [0, rank] {
            // Rank 0 takes each probe's last n normals: the same noise part as rank 64's.
            var normalsForRank = normals
            if r == 0 {
                normalsForRank = []
                for i in 0..<t { normalsForRank += normals[(i * (rank + n) + rank)..<((i + 1) * (rank + n))] }
            }
            let fit = try m.fit(s.y, normals: normalsForRank, probes: t, maximumRank: r, rtol: 1e-10, maxIterations: 1000)
            XCTAssertGreaterThan(fit.standardError, 0)
            XCTAssertLessThan(fit.standardError, 0.25 * abs(dense - doubled))
            XCTAssertEqual(fit.logLikelihood, dense, accuracy: 4 * fit.standardError, "rank \(r)")
            errors.append(fit.standardError)
        }
        XCTAssertLessThan(errors[1], errors[0])
    }

    /// The posterior variance O against the interpolated model's exact one V = k** − k*ᵀC⁻¹k*
    /// formed densely. With the prior split into the kept (r) and discarded (e) eigenpairs'
    /// independent parts, C = P + E, k* = a + b, k** = α + β (α = |u*|²):
    /// - V ≥ Var(f*_r | f_e known) = α − aᵀP⁻¹a = O − β, so O − V ≤ β;
    /// - V is at most the error of the estimate aᵀP⁻¹y, O − 2aᵀP⁻¹b + aᵀP⁻¹EP⁻¹a ≤
    ///   O + β + 2‖E‖ aᵀP⁻¹a/σ² ≤ O + β + 2‖E‖_F α/σ² (Cauchy–Schwarz on the cross term).
    func testPosteriorVarianceAgainstTheInterpolatedModel() throws {
        let s = setup()
        let n = s.y.count
        let m = try model(s, [1.0, 0.05, 0.3, 0.3])
        let at = uniformPoints(9, 2, seed: 17)
        let w = m.interpolation.denseMatrix(), wStar = try CubicInterpolation.weights(points: at, grid: s.grid).denseMatrix()
        let k = KroneckerProduct(m.factorMatrices()).denseMatrix()
        // Exact: C = s W K Wᵀ + σ² I, k* = s W K w*ᵀ, k** = s w* K w*ᵀ.
        let kw = try k.multiplied(by: w, transposeOther: true), kws = try k.multiplied(by: wStar, transposeOther: true)
        var c = try w.multiplied(by: kw)
        for i in c.values.indices { c.values[i] *= m.signalVariance }
        for i in 0..<n { c[i, i] += m.noiseVariance }
        let cross = try w.multiplied(by: kws)  // W K w*ᵀ, n × 9
        let chol = try DenseCholesky(c)
        for rank in [6, 120] {
            var rng = NormalGenerator(seed: 3)
            let normals = (0..<(2 * (n + rank))).map { _ in rng.next() }
            let fit = try m.fit(s.y, normals: normals, probes: 2, maximumRank: rank, rtol: 1e-12, maxIterations: 500, gradient: false)
            let variance = try m.posteriorVariance(fit, at: at)
            let pre = fit.preconditioner
            let u = InterpolatedEigenPreconditioner.rows(CubicInterpolation.stencils(points: at, grid: s.grid), kept: pre.kept, eigen: pre.eigen,
                                                         signal: pre.signal)
            // ‖E‖_F, E = C − L Lᵀ − σ² I.
            let llt = try pre.factor.multiplied(by: pre.factor, transposeOther: true)
            var e = 0.0
            for q in 0..<n { for p in 0..<n { let v = c[p, q] - llt[p, q] - (p == q ? m.noiseVariance : 0); e += v * v } }
            e = e.squareRoot()
            for p in 0..<9 {
                let kstar = (0..<n).map { m.signalVariance * cross[$0, p] }
                let solved = try chol.solve(kstar)
                let prior = m.signalVariance * (0..<m.grid.count).reduce(0.0) { s, a in s + wStar[p, a] * kws[a, p] }
                let exact = prior - zip(kstar, solved).reduce(0) { $0 + $1.0 * $1.1 }
                let alpha = (0..<pre.rank).reduce(0.0) { $0 + u[p, $1] * u[p, $1] }
                let missed = max(prior - alpha, 0)
                XCTAssertLessThanOrEqual(variance[p] - exact, missed + 1e-10, "rank \(fit.rank), point \(p)")
                XCTAssertLessThanOrEqual(exact - variance[p], missed + 2 * e * alpha / m.noiseVariance + 1e-10, "rank \(fit.rank), point \(p)")
            }
        }
    }

    /// The posterior mean at new points is s W* K_UU Wᵀ α, checked against the dense form.
    func testPosteriorMeanAtNewPoints() throws {
        let s = setup()
        let n = s.y.count
        var rng = NormalGenerator(seed: 1)
        let normals = (0..<(2 * (n + 8))).map { _ in rng.next() }
        let m = try model(s, [1.0, 0.05, 0.3, 0.3])
        let fit = try m.fit(s.y, normals: normals, probes: 2, maximumRank: 8, rtol: 1e-12, maxIterations: 500, gradient: false)
        let at = uniformPoints(7, 2, seed: 4)
        let mean = try m.posteriorMean(fit, at: at)
        let wStar = try CubicInterpolation.weights(points: at, grid: s.grid).denseMatrix()
        let k = KroneckerProduct(m.factorMatrices())
        let kw = k.apply(m.interpolation.transposed().apply(fit.alpha))
        for p in 0..<7 {
            let expected = m.signalVariance * (0..<m.grid.count).reduce(0) { $0 + wStar[p, $1] * kw[$1] }
            XCTAssertEqual(mean[p], expected, accuracy: 1e-12 * max(1, abs(expected)))
        }
    }
}
