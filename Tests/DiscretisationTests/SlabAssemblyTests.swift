import Foundation
import XCTest
@testable import Discretisation

/// A distributed run's slabs (`DiffusionAssembly.assemble(_:planes:)`) against the whole
/// assembly: for every split of the first axis into 1 to 4 slabs, the slabs' rows laid end to
/// end are the whole matrix, right-hand side, exact solution and source bit for bit, and their
/// node ranges partition the nodes with the whole coefficient array's values.
final class SlabAssemblyTests: XCTestCase {
    func testSlabsLaidEndToEndAreTheWholeAssembly() throws {
        func e(_ s: String) throws -> Discretisation.Expression { try Discretisation.Expression(s) }
        let grf = RandomField(covariance: .grf(alpha: 2.5, tau: 7), seed: 4, transform: .exp)
        let problems: [(String, DiffusionProblem)] = [
            ("2D Dirichlet data and Neumann flux", DiffusionProblem(
                grid: Grid(axes: [Grid.Axis(unknowns: 9, lower: 0, upper: 1, dirichletLow: true, dirichletHigh: false),
                                  Grid.Axis(unknowns: 7, lower: -1, upper: 2, dirichletLow: false, dirichletHigh: true)]),
                coefficient: .random(grf), rhs: .expression(try e("1 + x*y")), exact: try e("x + y"),
                boundaryValues: [[try e("y"), try e("x*y")], [try e("x"), try e("2 - y")]])),
            ("3D periodic first axis, random f", DiffusionProblem(
                grid: Grid(axes: [Grid.Axis(unknowns: 5, periodic: true), Grid.Axis(unknowns: 4), Grid.Axis(unknowns: 3, dirichletHigh: false)]),
                coefficient: .random(grf), rhs: .random(RandomField(covariance: .grf(alpha: 2.5, tau: 7), seed: 9)))),
            ("2D node values, Neumann first axis", DiffusionProblem(
                grid: Grid(axes: [Grid.Axis(unknowns: 6, dirichletLow: false, dirichletHigh: false), Grid.Axis(unknowns: 5)]),
                coefficient: .nodeValues((0..<(6 * 7)).map { 1 + Double($0 % 5) }), rhs: .values((0..<30).map { Double($0) }),
                boundaryValues: [[try e("1"), try e("y")], [try e("0"), try e("0")]])),
            ("2D convection and reaction", DiffusionProblem(
                grid: Grid(axes: [Grid.Axis(unknowns: 7), Grid.Axis(unknowns: 6)]),
                coefficient: .expression(try e("1 + x")), rhs: .expression(try e("x - y")), reaction: try e("2 + y"),
                velocity: [try e("30"), try e("-10*x")])),
        ]
        for (name, p) in problems {
            let whole = try DiffusionAssembly.assemble(p)
            let nodes = try DiffusionAssembly.nodeCoefficients(p)
            let n0 = p.grid.shape[0]
            for ranks in 1...4 {
                let slabs = try (0..<ranks).map { r in try DiffusionAssembly.assemble(p, planes: r * n0 / ranks ..< (r + 1) * n0 / ranks) }
                var rowPointers: [Int32] = [0], columns: [Int32] = [], values: [Double] = []
                for s in slabs {
                    XCTAssertEqual(s.matrix.columns, p.grid.count, name)
                    rowPointers += s.matrix.rowPointers.dropFirst().map { $0 + Int32(columns.count) }
                    columns += s.matrix.columnIndices; values += s.matrix.values
                }
                let label = "\(name), \(ranks) slabs"
                XCTAssertEqual(slabs.map(\.rows.count).reduce(0, +), p.grid.count, label)
                XCTAssertEqual(rowPointers, whole.matrix.rowPointers, label)
                XCTAssertEqual(columns, whole.matrix.columnIndices, label)
                XCTAssertEqual(values.map(\.bitPattern), whole.matrix.values.map(\.bitPattern), label)
                XCTAssertEqual(slabs.flatMap(\.rhs).map(\.bitPattern), whole.rhs.map(\.bitPattern), label)
                XCTAssertEqual(whole.exact.map { _ in slabs.flatMap { $0.exact ?? [] } }, whole.exact, label)
                XCTAssertEqual(whole.source.map { _ in slabs.flatMap { $0.source ?? [] } }, whole.source, label)
                // The node ranges follow each other from 0 to the last node.
                XCTAssertEqual(slabs.first?.nodes.lowerBound, 0, label)
                XCTAssertEqual(slabs.last?.nodes.upperBound, p.grid.nodeCount, label)
                for (a, b) in zip(slabs, slabs.dropFirst()) { XCTAssertEqual(a.nodes.upperBound, b.nodes.lowerBound, label) }
                XCTAssertEqual(slabs.flatMap(\.nodeCoefficients).map(\.bitPattern), nodes.map(\.bitPattern), label)
            }
        }
    }
}
