import Foundation
import XCTest
import LinearAlgebra
import Discretisation
@testable import Spectral

/// The FFT solver against CHOLMOD on the very matrix `DiffusionAssembly` builds, for every
/// boundary combination in 1, 2 and 3 dimensions, odd and non-power-of-two sizes.
///
/// Tolerance 1e-12 relative: both solvers are backward stable, so each has relative error
/// ≲ κ(A)·ε·(a modest factor: log n for the transforms, fill growth for Cholesky). These grids
/// have κ < 10³, so the two agree to ~1e-13; a wrong eigenvalue or transform pairing gives O(1).
final class FastPoissonSolverTests: XCTestCase {
    static let sides: [(String, String)] = [("dirichlet", "dirichlet"), ("neumann", "neumann"), ("dirichlet", "neumann"),
                                           ("neumann", "dirichlet"), ("periodic", "periodic")]

    func assembled(_ grid: [Int], _ combo: [(String, String)], coefficient: Double = 2.5) throws -> AssembledProblem {
        let axes = zip(grid, combo).map { n, sides in
            Grid.Axis(unknowns: n, lower: 0, upper: 1.3, dirichletLow: sides.0 == "dirichlet", dirichletHigh: sides.1 == "dirichlet",
                      periodic: sides.0 == "periodic")
        }
        // Terms in the grid's own coordinates only.
        let rhs = ["sin(3*x) + 1", "cos(2*y)", "x*z"].prefix(grid.count).joined(separator: " + ")
        let values = try grid.indices.map { _ in
            [try Discretisation.Expression("0.5 + x"), try Discretisation.Expression(grid.count > 1 ? "-y" : "-x")]
        }
        let problem = DiffusionProblem(grid: Grid(axes: axes), coefficient: .expression(try Discretisation.Expression("\(coefficient)")),
                                       rhs: .expression(try Discretisation.Expression(rhs)), boundaryValues: values)
        return try DiffusionAssembly.assemble(problem)
    }

    func check(_ grid: [Int], _ combo: [(String, String)], file: StaticString = #filePath, line: UInt = #line) throws {
        let p = try assembled(grid, combo)
        let reference = try CholeskyFactorization(p.matrix).solve(p.rhs)
        let fft = try FastPoissonSolver(axes: p.structure.axes, coefficient: p.structure.constantCoefficient!, effort: .estimate)
        let u = fft.apply(p.rhs)
        let err = zip(u, reference).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / reference.norm2
        XCTAssertLessThan(err, 1e-12, "\(grid) \(combo)", file: file, line: line)
    }

    func combos(_ dims: Int) -> [[(String, String)]] {
        var out: [[(String, String)]] = [[]]
        for _ in 0..<dims { out = out.flatMap { c in Self.sides.map { c + [$0] } } }
        // At least one Dirichlet side, or the problem is singular (tested apart, below).
        return out.filter { $0.contains { $0.0 == "dirichlet" || $0.1 == "dirichlet" } }
    }

    func test1DEveryBoundaryPair() throws {
        for c in combos(1) { try check([13], c); try check([16], c) }
    }

    func test2DEveryCombination() throws {
        for c in combos(2) { try check([12, 9], c) }
    }

    func test3DEveryCombination() throws {
        for c in combos(3) { try check([7, 6, 5], c) }
    }

    /// All periodic: singular. For b with zero sum the solver returns the zero-mean solution.
    func testSingularPeriodicGivesZeroMeanSolution() throws {
        let axes = [FastPoissonSolver.Axis(unknowns: 10, spacing: 0.1, low: .periodic, high: .periodic),
                    FastPoissonSolver.Axis(unknowns: 7, spacing: 0.2, low: .periodic, high: .periodic)]
        let fft = try FastPoissonSolver(axes: axes, effort: .estimate)
        XCTAssertTrue(fft.singular)
        var b = (0..<70).map { sin(Double($0) * 0.7) }
        let mean = b.reduce(0, +) / 70
        b = b.map { $0 - mean }
        let u = fft.apply(b)
        XCTAssertEqual(u.reduce(0, +) / 70, 0, accuracy: 1e-13)
        // A u = b with A the periodic 5-point operator.
        for i in 0..<10 { for j in 0..<7 {
            let c = u[i * 7 + j]
            let lap = (2 * c - u[((i + 9) % 10) * 7 + j] - u[((i + 1) % 10) * 7 + j]) / 0.01
                + (2 * c - u[i * 7 + (j + 6) % 7] - u[i * 7 + (j + 1) % 7]) / 0.04
            XCTAssertEqual(lap, b[i * 7 + j], accuracy: 1e-11)
        }}
    }

    /// A batch on two threads is two single-threaded plans over the halves of the buffer: every
    /// transform of an odd batch is done, equal to the one-thread plan's to rounding, and two
    /// such plans give bitwise the same output (FFTW_ESTIMATE decides from the sizes alone). At
    /// 1001 = 7·11·13 points FFTW's own threads had split each transform (250 ms for 1000).
    func testABatchOnTwoThreadsIsSplitBetweenPlans() throws {
        let n = 1000, howMany = 7
        let input = (0..<n * howMany).map { sin(Double($0) * 0.37) + Double($0 % 13) * 0.01 }
        func transform(threads: Int) throws -> [Double] {
            let plan = try R2RPlan(shape: [n], kinds: [.dstI], howMany: howMany, effort: .estimate, threads: threads)
            for i in input.indices { plan.buffer[i] = input[i] }
            plan.execute()
            return Array(plan.buffer)
        }
        let one = try transform(threads: 1), two = try transform(threads: 2), again = try transform(threads: 2)
        XCTAssertEqual(two, again, "two plans of the same batch differ")
        let scale = one.map(abs).max()!
        XCTAssertLessThan(zip(one, two).map { abs($0 - $1) }.max()!, 1e-13 * scale)
        // The last transform of the odd batch is done too: DST-I of row 6 directly.
        let row = Array(input[6 * n ..< 7 * n])
        let k = 17
        let direct = (0..<n).reduce(0.0) { $0 + 2 * row[$1] * sin(Double.pi * Double(($1 + 1) * (k + 1)) / Double(n + 1)) }
        XCTAssertEqual(two[6 * n + k], direct, accuracy: 1e-10 * scale)
    }

    /// A whole array of two or three axes on two threads is one pass per axis, each split
    /// between two single-threaded plans (the middle axis of three needs two loops): equal to
    /// the one-thread multi-dimensional plan to rounding, bitwise the same on a second plan.
    func testAWholeArrayOnTwoThreadsIsTransformedAxisByAxis() throws {
        for (shape, kinds) in [([9, 10], [R2RPlan.Kind.realToHalfComplex, .dstI]),
                               ([5, 6, 7], [R2RPlan.Kind.dctI, .dstII, .realToHalfComplex]),
                               ([1, 4, 3], [R2RPlan.Kind.dstI, .dctIII, .dstIII])] {
            let count = shape.reduce(1, *)
            let input = (0..<count).map { cos(Double($0) * 0.71) + Double($0 % 5) * 0.1 }
            func transform(threads: Int) throws -> [Double] {
                let plan = try R2RPlan(shape: shape, kinds: kinds, effort: .estimate, threads: threads)
                for i in input.indices { plan.buffer[i] = input[i] }
                plan.execute()
                return Array(plan.buffer)
            }
            let one = try transform(threads: 1), two = try transform(threads: 2)
            XCTAssertEqual(two, try transform(threads: 2), "\(shape)")
            let scale = one.map(abs).max()!
            XCTAssertLessThan(zip(one, two).map { abs($0 - $1) }.max()!, 1e-13 * scale, "\(shape) \(kinds)")
        }
    }

    func testPlanningSerialisedAcrossThreads() throws {
        // Plans made concurrently (FFTW's planner is not thread-safe) must all work.
        let results = UnsafeMutableBufferPointer<Double>.allocate(capacity: 8)
        defer { results.deallocate() }
        let box = UncheckedBox(results)
        DispatchQueue.concurrentPerform(iterations: 8) { k in
            let n = 10 + k
            let fft = try! FastPoissonSolver(axes: [.init(unknowns: n, spacing: 1 / Double(n + 1), low: .dirichlet, high: .dirichlet)],
                                             effort: .estimate)
            // −u'' = 1 with u(0)=u(1)=0: discrete solution is exact for quadratics, u = x(1−x)/2.
            let u = fft.apply([Double](repeating: 1, count: n))
            let x = 1 / Double(n + 1)
            box.value[k] = abs(u[0] - x * (1 - x) / 2)
        }
        for k in 0..<8 { XCTAssertLessThan(results[k], 1e-14) }
    }
}

final class PlanPoolTests: XCTestCase {
    /// A second solver of the same shape reuses the first one's plans once it is gone, while
    /// two live solvers never share a plan (each plan owns the buffer it transforms).
    func testPlansAreReusedButNeverShared() throws {
        let axes = [FastPoissonSolver.Axis(unknowns: 23, spacing: 1.0 / 24, low: .dirichlet, high: .neumann),
                    FastPoissonSolver.Axis(unknowns: 19, spacing: 1.0 / 20, low: .dirichlet, high: .dirichlet)]
        var first: FastPoissonSolver? = try FastPoissonSolver(axes: axes, effort: .estimate)
        let second = try FastPoissonSolver(axes: axes, effort: .estimate)
        let firstPlans = first!.planIdentities
        XCTAssertTrue(firstPlans.isDisjoint(with: second.planIdentities))
        first = nil
        let third = try FastPoissonSolver(axes: axes, effort: .estimate)
        XCTAssertEqual(third.planIdentities, firstPlans)
        // And the reused plans still solve correctly: third and second agree exactly.
        let b = (0..<(23 * 19)).map { sin(Double($0)) }
        XCTAssertEqual(third.apply(b), second.apply(b))
    }
}
