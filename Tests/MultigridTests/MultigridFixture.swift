import Foundation
import LinearAlgebra
@testable import Multigrid
@testable import Problems

/// Problems assembled by pdekit's own `DiffusionAssembly` from problem-file text.
enum Fixture {
    static func assemble(_ pde: String) throws -> AssembledProblem {
        let text = "[problem]\nkind = \"pde\"\nname = \"t\"\n[pde]\n" + pde
        let s = try ProblemSpec(ProblemDocument(text: text, path: "test.toml", directory: URL(fileURLWithPath: "/tmp")))
        return try DiffusionAssembly.assemble(s.pde!)
    }

    /// 2D Poisson, homogeneous Dirichlet, n × n interior unknowns, random right-hand side.
    static func poisson(_ sizes: [Int], extra: String = "") throws -> AssembledProblem {
        try assemble("grid = \(sizes)\nrhs = 1\n" + extra)
    }

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
