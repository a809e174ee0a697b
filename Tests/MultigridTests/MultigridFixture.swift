import Foundation
import Discretisation
import LinearAlgebra
@testable import Multigrid

/// Problems assembled by pdekit's own `DiffusionAssembly` from a plain description.
enum Fixture {
    typealias Expression = Discretisation.Expression
    enum Side { case dirichlet, neumann, periodic }

    /// −div(a∇u) + c u = f on `domain` (default the unit box) with `sides[d]` = (low, high)
    /// (default Dirichlet; boundary values 0 unless `boundaryValues` gives them).
    static func assemble(_ grid: [Int], rhs: String = "1", coefficient: String = "1", random: RandomField? = nil,
                         domain: [(Double, Double)]? = nil, reaction: String? = nil, exact: String? = nil,
                         sides: [(Side, Side)]? = nil, boundaryValues: [[String]]? = nil) throws -> AssembledProblem {
        let axes = grid.indices.map { d in
            let (lo, hi) = domain?[d] ?? (0, 1)
            let (low, high) = sides?[d] ?? (.dirichlet, .dirichlet)
            return Grid.Axis(unknowns: grid[d], lower: lo, upper: hi, dirichletLow: low == .dirichlet, dirichletHigh: high == .dirichlet,
                             periodic: low == .periodic)
        }
        let problem = DiffusionProblem(grid: Grid(axes: axes),
                                       coefficient: try random.map { .random($0) } ?? .expression(try Expression(coefficient)),
                                       rhs: .expression(try Expression(rhs)), exact: try exact.map { try Expression($0) },
                                       reaction: try reaction.map { try Expression($0) },
                                       boundaryValues: try boundaryValues.map { try $0.map { try $0.map { try Expression($0) } } })
        return try DiffusionAssembly.assemble(problem)
    }

    /// Poisson, homogeneous Dirichlet, a right-hand side of ones.
    static func poisson(_ sizes: [Int]) throws -> AssembledProblem { try assemble(sizes) }

    /// The log-normal Darcy coefficient of the multigrid budgets (docs/multigrid.md): exp of a
    /// GRF (α = 2.5, τ = 7, seed 3) scaled by 5.5.
    static let logNormal = RandomField(covariance: .grf(alpha: 2.5, tau: 7), seed: 3, scale: 5.5, transform: .exp)

    /// A square inclusion 10⁴ times more conductive than its surroundings.
    static let jump = "1 + 9999*(1 + sign(0.25 - max(abs(x - 0.5), abs(y - 0.5))))/2"

    /// The asymptotic convergence factor: the geometric mean of the residual reductions over
    /// cycles 3…k (the first cycles are faster while the rough part of a random start dies).
    static func factor(_ p: AssembledProblem, _ o: MultigridOptions, cycles: Int = 10) throws -> Double {
        let mg = try GeometricMultigrid(structure: p.structure, options: o)
        let b = Fixture.random(p.matrix.rows)
        var x = [Double](repeating: 0, count: b.count)
        let r = mg.solve(b, x: &x, options: IterativeOptions(rtol: 1e-300, maxIterations: cycles))
        let h = r.history.map(\.residualNorm)
        precondition(h.count == cycles + 1, "stopped early: \(r.reason)")
        return pow(h[cycles] / h[2], 1 / Double(cycles - 2))
    }

    /// A fixed pseudo-random vector (xoshiro-free: a hash of the index), entries in [−1, 1).
    static func random(_ n: Int, seed: UInt64 = 1) -> [Double] {
        (0..<n).map { i in
            var h = (UInt64(i) &+ seed &* 0x1234_5678_9ABC) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 31; h = h &* 0xBF58_476D_1CE4_E5B9; h ^= h >> 29
            return Double(h >> 11) / Double(1 << 52) - 1
        }
    }
}
