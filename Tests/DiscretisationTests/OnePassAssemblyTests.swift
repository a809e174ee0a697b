import Foundation
import XCTest
@testable import Discretisation

/// The one-pass diffusion assembly (`assembleDiffusionRows`) against the general row loop
/// (`assembleRows`) it replaces for problems without convection or reaction: the same CSR
/// arrays and right-hand side bit for bit, over every kind of boundary row (Dirichlet with
/// data, Neumann with flux, periodic), 1 to 3 dimensions, random and expression fields.
final class OnePassAssemblyTests: XCTestCase {
    func testOnePassAssemblyEqualsTheGeneralRowsBitwise() throws {
        func e(_ s: String) throws -> Discretisation.Expression { try Discretisation.Expression(s) }
        let grf = RandomField(covariance: .grf(alpha: 2.5, tau: 7), seed: 4, transform: .exp)
        let problems: [(String, DiffusionProblem)] = [
            ("2D Dirichlet data and Neumann flux", DiffusionProblem(
                grid: Grid(axes: [Grid.Axis(unknowns: 9, lower: 0, upper: 1, dirichletLow: true, dirichletHigh: false),
                                  Grid.Axis(unknowns: 7, lower: -1, upper: 2, dirichletLow: false, dirichletHigh: true)]),
                coefficient: .random(grf), rhs: .expression(try e("1 + x*y")), exact: try e("x + y"),
                boundaryValues: [[try e("y"), try e("x*y")], [try e("x"), try e("2 - y")]])),
            ("1D all Neumann, constant f", DiffusionProblem(
                grid: Grid(axes: [Grid.Axis(unknowns: 11, dirichletLow: false, dirichletHigh: false)]),
                coefficient: .expression(try e("1 + x^2")), rhs: .expression(try e("3")),
                boundaryValues: [[try e("1"), try e("-1")]])),
            ("3D periodic x, random f", DiffusionProblem(
                grid: Grid(axes: [Grid.Axis(unknowns: 5, periodic: true), Grid.Axis(unknowns: 4), Grid.Axis(unknowns: 3, dirichletHigh: false)]),
                coefficient: .random(grf), rhs: .random(RandomField(covariance: .grf(alpha: 2.5, tau: 7), seed: 9)))),
            ("2D node values", DiffusionProblem(
                grid: Grid(axes: [Grid.Axis(unknowns: 6), Grid.Axis(unknowns: 5)]),
                coefficient: .nodeValues((0..<(8 * 7)).map { 1 + Double($0 % 5) }), rhs: .values((0..<30).map { Double($0) }))),
            // Rows enough for two parallel chunks (Parallel.minimumChunk), each at its own offsets;
            // the second starts inside a grid line (74,949 rows: row 37,474 is index 124 of 249).
            ("2D 301 × 249, Neumann side, expression fields", DiffusionProblem(
                grid: Grid(axes: [Grid.Axis(unknowns: 301, dirichletHigh: false), Grid.Axis(unknowns: 249, lower: -1, upper: 1)]),
                coefficient: .expression(try e("1 + 0.5*sin(3*x)*cos(2*y)")), rhs: .expression(try e("exp(-x*y) + x")),
                exact: try e("x*(1 - x)*sin(pi*y)"), boundaryValues: [[try e("y"), try e("x*y")], [try e("x"), try e("2 - y")]])),
            ("3D 39 × 41 × 47, random f at the nodes, Neumann and periodic sides", DiffusionProblem(
                grid: Grid(axes: [Grid.Axis(unknowns: 39, dirichletLow: false), Grid.Axis(unknowns: 41, periodic: true),
                                  Grid.Axis(unknowns: 47, dirichletHigh: false)]),
                coefficient: .random(grf), rhs: .random(RandomField(covariance: .grf(alpha: 2.5, tau: 7), seed: 3)),
                boundaryValues: [[try e("1"), try e("x")], [try e("0"), try e("0")], [try e("y"), try e("2")]])),
        ]
        for (name, p) in problems {
            XCTAssertTrue(DiffusionAssembly.fastPathApplies(p), name)
            let a = try DiffusionAssembly.nodeCoefficients(p)
            let (assembled, fastRHS, fastExact) = try DiffusionAssembly.assembleDiffusionRows(p, nodeCoefficients: a)
            let fast = try XCTUnwrap(assembled, name)
            let (general, generalRHS, generalExact, _) = try DiffusionAssembly.assembleRows(p, rows: nil) { a[$0] }
            XCTAssertEqual(fast.rowPointers, general.rowPointers, name)
            XCTAssertEqual(fast.columnIndices, general.columnIndices, name)
            XCTAssertEqual(fast.values.map(\.bitPattern), general.values.map(\.bitPattern), name)
            XCTAssertEqual(fastRHS.map(\.bitPattern), generalRHS.map(\.bitPattern), name)
            XCTAssertEqual(fastExact?.map(\.bitPattern), generalExact?.map(\.bitPattern), name)
            // Without the matrix (a stencil solve): the same b and exact solution, no matrix.
            let (none, freeRHS, freeExact) = try DiffusionAssembly.assembleDiffusionRows(p, nodeCoefficients: a, matrix: false)
            XCTAssertNil(none, name)
            XCTAssertEqual(freeRHS.map(\.bitPattern), generalRHS.map(\.bitPattern), name)
            XCTAssertEqual(freeExact?.map(\.bitPattern), generalExact?.map(\.bitPattern), name)
        }
        // A distributed rank's slabs of planes (their f and exact solution evaluated pointwise,
        // their coefficients from a window of node planes): the whole system's rows, bit for bit.
        for (name, p) in problems where p.grid.axes[0].unknowns >= 30 {
            let a = try DiffusionAssembly.nodeCoefficients(p)
            let (whole, wholeRHS, wholeExact, _) = try DiffusionAssembly.assembleRows(p, rows: nil) { a[$0] }
            let planes = p.grid.axes[0].unknowns, cuts = [0, planes / 3, planes / 3 + 1, planes]
            for (lo, hi) in zip(cuts, cuts.dropFirst()) {
                let slab = try DiffusionAssembly.assemble(p, planes: lo ..< hi)
                let first = Int(whole.rowPointers[slab.rows.lowerBound]), last = Int(whole.rowPointers[slab.rows.upperBound])
                XCTAssertEqual(slab.matrix.values.map(\.bitPattern), whole.values[first ..< last].map(\.bitPattern), "\(name) \(lo)..<\(hi)")
                XCTAssertEqual(slab.matrix.columnIndices, Array(whole.columnIndices[first ..< last]), "\(name) \(lo)..<\(hi)")
                XCTAssertEqual(slab.rhs.map(\.bitPattern), wholeRHS[slab.rows].map(\.bitPattern), "\(name) \(lo)..<\(hi)")
                XCTAssertEqual(slab.exact?.map(\.bitPattern), wholeExact.map { $0[slab.rows].map(\.bitPattern) }, "\(name) \(lo)..<\(hi)")
            }
        }
        // Not taken where rows could merge entries or other terms enter.
        let short = DiffusionProblem(grid: Grid(axes: [Grid.Axis(unknowns: 2, periodic: true)]), coefficient: .expression(try e("1")),
                                     rhs: .expression(try e("1")))
        XCTAssertFalse(DiffusionAssembly.fastPathApplies(short))
        var reaction = problems[0].1
        reaction.reaction = try e("2")
        XCTAssertFalse(DiffusionAssembly.fastPathApplies(reaction))
    }

    /// An entry beyond the range of doubles is refused with the same message whether or not the
    /// matrix is assembled (without it, bounds from the extreme coefficients decide, and the
    /// matrix is assembled to word the refusal); a coefficient just inside the bounds' margin is
    /// accepted in both.
    func testMatrixFreeAssemblyRefusesWhatTheMatrixRefuses() throws {
        func problem(_ coefficient: String, _ n: Int = 63) throws -> DiffusionProblem {
            DiffusionProblem(grid: Grid(axes: [Grid.Axis(unknowns: n, dirichletHigh: false), Grid.Axis(unknowns: n)]),
                             coefficient: .expression(try Discretisation.Expression(coefficient)),
                             rhs: .expression(try Discretisation.Expression("1")))
        }
        for coefficient in ["1e306", "1e300*(1 + x)", "1e-300", "1e-310 + 1e-300*x"] {
            let p = try problem(coefficient)
            var messages: [String] = []
            for matrix in [true, false] {
                do {
                    _ = try DiffusionAssembly.assemble(p, matrix: matrix)
                    messages.append("accepted")
                } catch let e as AssemblyError {
                    messages.append(e.description)
                }
            }
            XCTAssertEqual(messages[0], messages[1], coefficient)
        }
        // 1e300 / h² with h = 1/64 overflows; the same coefficient on a 3-unknown grid does not.
        XCTAssertThrowsError(try DiffusionAssembly.assemble(try problem("1e306"), matrix: false))
        XCTAssertNoThrow(try DiffusionAssembly.assemble(try problem("1e300", 3), matrix: false))
        // Past the bounds' margin (8 × 16 × 2e306 overflows) but every entry finite (the largest,
        // the diagonal, is 50 × 2e306): the matrix is assembled to decide, and accepts.
        let edge = try DiffusionAssembly.assemble(try problem("2e306", 3), matrix: false)
        XCTAssertNil(edge.assembledMatrix)
        XCTAssertNoThrow(try DiffusionAssembly.assemble(try problem("2e306", 3), matrix: true))
    }
}
