import XCTest
import LinearAlgebra
@testable import Multigrid
@testable import Problems

/// The matrix-free operator is the assembled matrix: every entry agrees to rounding (the two
/// sum the same face weights in a different order, so a few ulps of the diagonal, 1e-13
/// relative to the largest entry).
final class StencilOperatorTests: XCTestCase {
    func assertConforms(_ pde: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let p = try Fixture.assemble(pde)
        let op = try StencilOperator(axes: p.structure.axes, nodeCoefficients: p.structure.nodeCoefficients)
        let a = try op.assembled()
        let scale = p.matrix.values.map(abs).max()!
        XCTAssertEqual(a.rows, p.matrix.rows, file: file, line: line)
        let dense = p.matrix.denseMatrix(), mine = a.denseMatrix()
        var worst = 0.0
        for i in 0..<a.rows { for j in 0..<a.rows { worst = max(worst, abs(dense[i, j] - mine[i, j])) } }
        XCTAssertLessThanOrEqual(worst, 1e-13 * scale, "assembled stencil differs", file: file, line: line)
        // The matrix-free product agrees with the CSR product.
        let x = Fixture.random(a.rows)
        let y1 = op.apply(x), y2 = p.matrix.apply(x)
        let err = zip(y1, y2).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(err, 1e-13 * scale * Double(x.count).squareRoot(), file: file, line: line)
    }

    func testDirichletConstant() throws {
        try assertConforms("grid = [9]\nrhs = 1")
        try assertConforms("grid = [7, 6]\nrhs = 1\ncoefficient = 3")
        try assertConforms("grid = [4, 5, 3]\nrhs = 1\ndomain = [[0, 1], [0, 2], [0, 0.5]]")
    }

    func testVariableCoefficient() throws {
        try assertConforms("grid = [7, 6]\nrhs = 1\ncoefficient = \"1 + x*x + exp(y)\"")
        try assertConforms("grid = [4, 3, 5]\nrhs = 1\ncoefficient = \"exp(x - y + z)\"")
    }

    func testNeumannAndMixedSides() throws {
        try assertConforms("""
            grid = [6, 5]
            rhs = 1
            coefficient = "1 + x + y*y"
            [pde.boundary]
            x_min = { type = "neumann", value = 0 }
            y_max = { type = "neumann", value = 1 }
            """)
        try assertConforms("""
            grid = [4, 4, 3]
            rhs = 1
            coefficient = "1 + x*y + z"
            [pde.boundary]
            all = { type = "neumann", value = 0 }
            z_min = { type = "dirichlet", value = 0 }
            """)
    }

    func testPeriodic() throws {
        for n in [3, 4, 7] {
            try assertConforms("""
                grid = [\(n), 5]
                rhs = 1
                coefficient = "2 + cos(x)"
                [pde.boundary]
                all = { type = "dirichlet", value = 0 }
                x_min = { type = "periodic" }
                x_max = { type = "periodic" }
                """)
        }
        try assertConforms("""
            grid = [4, 5, 6]
            rhs = 1
            coefficient = "2 + sin(x + y + z)"
            [pde.boundary]
            all = { type = "periodic" }
            z_max = { type = "neumann", value = 1 }
            z_min = { type = "dirichlet", value = 1 }
            """)
    }
}
