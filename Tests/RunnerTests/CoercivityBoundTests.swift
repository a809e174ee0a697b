import Configuration
import Foundation
import LinearAlgebra
import Discretisation
import Problems
import ReducedBasis
import XCTest
@testable import Runner

/// The nodal-ratio coercivity bound of a pde family is a lower bound of the true coercivity
/// constant α(μ) = λ_min(A(μ), X), X = A(μ̄) — checked against the generalized eigenvalues of
/// the assembled matrices (LAPACK's QZ) on a small grid, for a family with a nonaffine
/// coefficient and a reaction, at parameters away from the training set.
final class CoercivityBoundTests: XCTestCase {
    func testNodalRatioIsBelowTheGeneralizedEigenvalue() throws {
        let text = """
            [problem]
            kind = "reduced_basis"
            [reduced_basis]
            family = "pde"
            reference = { contrast = 2, width = 0.15, k = 1 }
            [reduced_basis.pde]
            grid = [8, 8]
            coefficient = "1 + contrast*exp(-((x - 0.4)^2 + (y - 0.6)^2)/width^2)"
            reaction = "k*(1 + x)"
            rhs = 1
            boundary = { x_max = { type = "neumann", value = 0 } }
            parameters = { contrast = 2, width = 0.15, k = 1 }
            [reduced_basis.training]
            parameters = { contrast = [1, 10], width = [0.05, 0.3], k = [0, 5] }
            """
        let spec = try ProblemSpec(ProblemDocument(text: text, path: "c.toml", directory: URL(fileURLWithPath: "/tmp")))
        let r = try XCTUnwrap(spec.physics as? ReducedBasisSpec)
        let bound = PDEFamily.coercivityBound(r, referenceFields: try PDEFamily.nodalFields(try r.pde(at: r.reference)))
        let x = try DiffusionAssembly.assemble(try r.pde(at: r.reference).discretisation).matrix.denseMatrix()
        var seed: UInt64 = 12345
        func uniform() -> Double { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Double(seed >> 11) / Double(1 << 53) }
        for _ in 0..<12 {
            let mu = [1 + 9 * uniform(), 0.05 + 0.25 * uniform(), 5 * uniform()]
            let a = try DiffusionAssembly.assemble(try r.pde(at: mu).discretisation).matrix.denseMatrix()
            let qz = try GeneralizedEigenproblem(a, x)
            let alpha = zip(qz.alphaReal, qz.beta).map { $0 / $1 }.min()!
            let lower = try bound.value(mu)
            XCTAssertGreaterThan(lower, 0, "μ = \(mu)")
            // Rounding of a 64 × 64 QZ: relative 1e-10 of the eigenvalue.
            XCTAssertLessThanOrEqual(lower, alpha * (1 + 1e-10), "μ = \(mu)")
        }
    }
}
