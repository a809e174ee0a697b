import XCTest
import LinearAlgebra
@testable import GaussianProcess

final class GPCollocationTests: XCTestCase {
    func testSylvesterSolutionSatisfiesTheEquation() throws {
        let a = KroneckerTests.random(7, 7, seed: 40), b = KroneckerTests.random(5, 5, seed: 41), c = KroneckerTests.random(7, 5, seed: 42)
        let x = try SylvesterEquation.solve(a, b, c)
        let lhs = try a.multiplied(by: x), rhs = try x.multiplied(by: b)
        for i in 0..<7 { for j in 0..<5 { XCTAssertEqual(lhs[i, j] + rhs[i, j], c[i, j], accuracy: 1e-10) } }
    }

    static func grid(_ n: Int, _ a: Double, _ b: Double) -> [Double] { (0..<n).map { a + (b - a) * Double($0) / Double(n - 1) } }

    /// A smooth 1D Poisson problem, u = sin(x) + x²/10 on [0, 2π], with a fixed Matérn-5/2
    /// kernel (length scale 3) and jitter 1e-10: the collocation error falls at least 4× per
    /// doubling of the grid and reaches the 1e-6 at 400 points (measured 2.8e-5,
    /// 3.5e-6, 3.5e-7 at 100, 200, 400 points). With a longer length scale the jitter's bias on
    /// K⁻¹ dominates instead, which the iterated-Tikhonov refinements remove: at length 4 and
    /// 400 points 1.4e-7 with two refinements against 1.4e-6 without (asserted ≥ 4×).
    func testSmoothPoisson1DConvergesUnderRefinement() throws {
        func error(_ n: Int, length: Double = 3, refinements: Int = 2) throws -> Double {
            let x = Self.grid(n, 0, 2 * Double.pi)
            let u = x.map { sin($0) + $0 * $0 / 10 }, f = x.map { -sin($0) + 0.2 }
            let gp = try GPCollocation(axes: [x], kernels: [Kernel1D(.matern52, parameters: [length])], jitter: 1e-10, refinements: refinements)
            let solution = try gp.solvePoisson(f: f, boundary: u)
            return zip(solution, u).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() / u.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        let (e100, e200, e400) = (try error(100), try error(200), try error(400))
        XCTAssertLessThan(e200, e100 / 4)
        XCTAssertLessThan(e400, e200 / 4)
        XCTAssertLessThan(e400, 1e-6)
        let (refined, plain) = (try error(400, length: 4), try error(400, length: 4, refinements: 0))
        XCTAssertLessThan(refined, plain / 4, "length 4: refined \(refined), plain \(plain)")
        XCTAssertLessThan(refined, 1e-6)
    }

    /// GP-HM's 1D rows (PAPERS.md §1): u = sin(100x) on [0, 2π] with 400 points, Poisson and
    /// Allen–Cahn, relative L2 error on a 300-point test grid ≤ 1e-5.
    func testHighFrequency1DPoissonAndAllenCahn() throws {
        let x = Self.grid(400, 0, 2 * Double.pi)
        let u = x.map { sin(100 * $0) }
        let test = Self.grid(300, 0, 2 * Double.pi), exact = test.map { sin(100 * $0) }
        func relative(_ a: [Double]) -> Double {
            zip(a, exact).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot() / exact.reduce(0) { $0 + $1 * $1 }.squareRoot()
        }
        let poissonF = x.map { -1e4 * sin(100 * $0) }
        let kernels = GPCollocation.spectralKernels(f: poissonF, axes: [x], components: 1, family: .maternCosineMixture, scale: 0.1)
        XCTAssertEqual(kernels[0].parameters[2], 100 / (2 * Double.pi), accuracy: 0.05, "the spectral peak")
        let gp = try GPCollocation(axes: [x], kernels: kernels, jitter: 1e-10)
        let poisson = try gp.solvePoisson(f: poissonF, boundary: u)
        XCTAssertLessThan(relative(try gp.predict(poisson, at: [test])), 1e-5)
        let acF = x.map { s in let v = sin(100 * s); return -1e4 * v + v * (v * v - 1) }
        let ac = try gp.solveAllenCahn(f: acF, boundary: u)
        XCTAssertTrue(ac.converged, "Newton: \(ac.iterations) iterations")
        XCTAssertLessThan(relative(try gp.predict(ac.u, at: [test])), 1e-5)
    }

    /// 2D Poisson u = sin(kx) sin(ky) on [0, 2π]² through the Sylvester route, against the exact
    /// solution on a test grid (a smaller version of GP-HM's 400² row, which make bench runs).
    func testHighFrequency2DPoisson() throws {
        let n = 100, k = 20.0
        let x = Self.grid(n, 0, 2 * Double.pi)
        var u = [Double](repeating: 0, count: n * n), f = u
        for i in 0..<n { for j in 0..<n { u[i * n + j] = sin(k * x[i]) * sin(k * x[j]); f[i * n + j] = -2 * k * k * u[i * n + j] } }
        let kernels = GPCollocation.spectralKernels(f: f, axes: [x, x], components: 1, family: .maternCosineMixture, scale: 0.1)
        let gp = try GPCollocation(axes: [x, x], kernels: kernels, jitter: 1e-10)
        let solution = try gp.solvePoisson(f: f, boundary: u)
        let test = Self.grid(73, 0, 2 * Double.pi)
        let predicted = try gp.predict(solution, at: [test, test])
        var num = 0.0, den = 0.0
        for i in 0..<73 { for j in 0..<73 { let e = sin(k * test[i]) * sin(k * test[j]); num += pow(predicted[i * 73 + j] - e, 2); den += e * e } }
        XCTAssertLessThan((num / den).squareRoot(), 1e-5)
    }

    /// 2D Allen–Cahn Δu + u(u² − 1) = f with u = sin(kx) sin(ky): Newton with GMRES
    /// preconditioned by the Sylvester solve converges (update below 1e-10 relative) and the
    /// solution matches the exact one on a test grid as the Poisson solve does (1e-5); the same
    /// system solved with the reaction term dropped is wrong by far more, so the nonlinear term
    /// is really in the solve.
    func testHighFrequency2DAllenCahn() throws {
        let n = 80, k = 12.0
        let x = Self.grid(n, 0, 2 * Double.pi)
        var u = [Double](repeating: 0, count: n * n), f = u
        for i in 0..<n { for j in 0..<n {
            let v = sin(k * x[i]) * sin(k * x[j])
            u[i * n + j] = v; f[i * n + j] = -2 * k * k * v + v * (v * v - 1)
        } }
        let kernels = GPCollocation.spectralKernels(f: f, axes: [x, x], components: 1, family: .maternCosineMixture, scale: 0.1)
        let gp = try GPCollocation(axes: [x, x], kernels: kernels, jitter: 1e-10)
        let ac = try gp.solveAllenCahn(f: f, boundary: u)
        XCTAssertTrue(ac.converged, "Newton: \(ac.iterations) iterations")
        let test = Self.grid(61, 0, 2 * Double.pi)
        func error(_ solution: [Double]) throws -> Double {
            let predicted = try gp.predict(solution, at: [test, test])
            var num = 0.0, den = 0.0
            for i in 0..<61 {
                for j in 0..<61 { let e = sin(k * test[i]) * sin(k * test[j]); num += pow(predicted[i * 61 + j] - e, 2); den += e * e }
            }
            return (num / den).squareRoot()
        }
        let e = try error(ac.u)
        XCTAssertLessThan(e, 1e-5)
        XCTAssertGreaterThan(try error(try gp.solvePoisson(f: f, boundary: u)), 100 * max(e, 1e-12))
    }

    /// Advection u_t + c u_x = 0 with u = sin(x − c t), c = 50 (a case where plain
    /// physics-informed networks fail): the collocation solution on 100² from the initial and
    /// inflow values matches the exact one on a test grid to 1e-5 (measured 1.0e-6), and with
    /// the velocity's sign flipped (the data now enter from the other side) as well.
    func testAdvection() throws {
        for c in [50.0, -50.0] {
            let x = Self.grid(100, 0, 2 * Double.pi), t = Self.grid(100, 0, 1)
            var g = [Double](repeating: 0, count: 100 * 100)
            for i in 0..<100 { for j in 0..<100 { g[i * 100 + j] = sin(x[i] - c * t[j]) } }
            let kernels = GPCollocation.spectralKernels(f: g, axes: [x, t], components: 1, family: .maternCosineMixture, scale: 0.1)
            let gp = try GPCollocation(axes: [x, t], kernels: kernels, jitter: 1e-10)
            // Only the initial row and the inflow column of g are read: scramble the rest.
            var data = g
            let inflow = c > 0 ? 0 : 99
            for i in 0..<100 { for j in 1..<100 where i != inflow { data[i * 100 + j] = 7 } }
            let u = try gp.solveAdvection(velocity: c, f: [Double](repeating: 0, count: 100 * 100), boundary: data)
            let tx = Self.grid(71, 0, 2 * Double.pi), tt = Self.grid(71, 0, 1)
            let predicted = try gp.predict(u, at: [tx, tt])
            var num = 0.0, den = 0.0
            for i in 0..<71 { for j in 0..<71 { let e = sin(tx[i] - c * tt[j]); num += pow(predicted[i * 71 + j] - e, 2); den += e * e } }
            XCTAssertLessThan((num / den).squareRoot(), 1e-5, "c = \(c)")
        }
    }
}
