import XCTest
import LinearAlgebra
@testable import Multigrid
import Discretisation

/// The matrix-free operator is the assembled matrix: every entry agrees to rounding (the two
/// sum the same face weights in a different order, so a few ulps of the diagonal, 1e-13
/// relative to the largest entry).
final class StencilOperatorTests: XCTestCase {
    func assertConforms(_ p: AssembledProblem, file: StaticString = #filePath, line: UInt = #line) throws {
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
        try assertConforms(try Fixture.assemble([9]))
        try assertConforms(try Fixture.assemble([7, 6], coefficient: "3"))
        try assertConforms(try Fixture.assemble([4, 5, 3], domain: [(0, 1), (0, 2), (0, 0.5)]))
    }

    func testVariableCoefficient() throws {
        try assertConforms(try Fixture.assemble([7, 6], coefficient: "1 + x*x + exp(y)"))
        try assertConforms(try Fixture.assemble([4, 3, 5], coefficient: "exp(x - y + z)"))
    }

    func testNeumannAndMixedSides() throws {
        try assertConforms(try Fixture.assemble([6, 5], coefficient: "1 + x + y*y", sides: [(.neumann, .dirichlet), (.dirichlet, .neumann)],
                                                boundaryValues: [["0", "0"], ["0", "1"]]))
        try assertConforms(try Fixture.assemble([4, 4, 3], coefficient: "1 + x*y + z",
                                                sides: [(.neumann, .neumann), (.neumann, .neumann), (.dirichlet, .neumann)]))
    }

    func testPeriodic() throws {
        for n in [3, 4, 7] {
            try assertConforms(try Fixture.assemble([n, 5], coefficient: "2 + cos(x)", sides: [(.periodic, .periodic), (.dirichlet, .dirichlet)]))
        }
        try assertConforms(try Fixture.assemble([4, 5, 6], coefficient: "2 + sin(x + y + z)",
                                                sides: [(.periodic, .periodic), (.periodic, .periodic), (.dirichlet, .neumann)],
                                                boundaryValues: [["0", "0"], ["0", "0"], ["1", "1"]]))
    }
}
