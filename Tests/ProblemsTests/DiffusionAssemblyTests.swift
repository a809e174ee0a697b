import Configuration
import Foundation
import XCTest
import LinearAlgebra
import Discretisation
@testable import Problems

/// Manufactured solutions: the observed order log2(e_h / e_{h/2}) of the max-norm error.
///
/// For the symmetric second-order stencil the error expands as C h² + O(h⁴) in the interior;
/// the half-box Neumann rows add an O(h³) term. On the grids below (h ≤ 1/16) the order estimate
/// therefore sits within 2 ± 0.15 (the O(h) relative correction times 1/ln 2, with constants
/// of order one for these smooth solutions). A first-order scheme would give 1.
final class DiffusionAssemblyTests: XCTestCase {
    func spec(_ pde: String) throws -> PDESpec {
        let text = "[problem]\nkind = \"pde\"\nname = \"t\"\n[pde]\n" + pde
        let s = try ProblemSpec(ProblemDocument(text: text, path: "test.toml", directory: URL(fileURLWithPath: "/tmp")))
        guard let p = s.physics as? PDESpec else { struct NotPDE: Error {}; throw NotPDE() }
        return p
    }

    func maxError(_ pde: String) throws -> Double {
        let p = try DiffusionAssembly.assemble(try spec(pde).discretisation)
        let x = try CholeskyFactorization(p.matrix).solve(p.rhs)
        return zip(x, p.exact!).map { abs($0 - $1) }.max()!
    }

    func order(_ coarse: String, _ fine: String, _ rest: String) throws -> Double {
        let ec = try maxError("grid = \(coarse)\n" + rest), ef = try maxError("grid = \(fine)\n" + rest)
        return log2(ec / ef)
    }

    func assertSecondOrder(_ p: Double, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(p, 2, accuracy: 0.15, file: file, line: line)
    }

    /// `assemble(spec, rows:)` — what a nonintrusive reduced model assembles online — gives
    /// exactly the full assembly's rows (entries and right-hand side) and nothing else, with an
    /// expression coefficient (evaluated at the rows' nodes only), a reaction, an inhomogeneous
    /// Dirichlet side and a Neumann side; also with an NPY-free constant coefficient.
    func testPartialAssemblyGivesExactlyTheFullRows() throws {
        for pde in ["grid = [9, 7]\ncoefficient = \"1 + x*y + exp(-x)\"\nreaction = \"2 + y\"\nrhs = \"sin(3*x)\"\n"
                        + "boundary = { y_max = { type = \"neumann\", value = \"x\" }, x_min = { type = \"dirichlet\", value = \"1 + y\" } }",
                    "grid = [6, 5, 4]\ncoefficient = 3\nrhs = 1"] {
            let spec = try spec(pde)
            let full = try DiffusionAssembly.assemble(spec.discretisation)
            let n = full.matrix.rows
            let rows = [0, 5, n / 2, n / 2 + 1, n - 1, 5]
            let part = try DiffusionAssembly.assemble(spec.discretisation, rows: rows)
            XCTAssertEqual(part.matrix.rows, n)
            for i in 0..<n {
                let range = Int(part.matrix.rowPointers[i])..<Int(part.matrix.rowPointers[i + 1])
                if rows.contains(i) {
                    let fullRange = Int(full.matrix.rowPointers[i])..<Int(full.matrix.rowPointers[i + 1])
                    XCTAssertEqual(Array(part.matrix.columnIndices[range]), Array(full.matrix.columnIndices[fullRange]), "row \(i)")
                    XCTAssertEqual(Array(part.matrix.values[range]), Array(full.matrix.values[fullRange]), "row \(i)")
                    XCTAssertEqual(part.rhs[i], full.rhs[i], "row \(i)")
                } else {
                    XCTAssertTrue(range.isEmpty, "row \(i) should be empty")
                    XCTAssertEqual(part.rhs[i], 0)
                }
            }
        }
        // A coefficient that is not positive at a row's node is still found.
        let bad = try spec("grid = [9]\ncoefficient = \"x - 0.5\"\nrhs = 1")
        XCTAssertThrowsError(try DiffusionAssembly.assemble(bad.discretisation, rows: [4]))
    }

    func testDirichlet1D() throws {
        assertSecondOrder(try order("[31]", "[63]", """
            rhs = "pi^2*sin(pi*x)"
            exact = "sin(pi*x) + 0.5"
            boundary = { all = { type = "dirichlet", value = 0.5 } }
            """))
    }

    func testDirichlet2DVariableCoefficient() throws {
        // a = 1 + x², u = sin(πx) sin(πy): f = −a_x u_x + 2π² a u.
        assertSecondOrder(try order("[31, 31]", "[63, 63]", """
            coefficient = "1 + x^2"
            rhs = "-2*x*pi*cos(pi*x)*sin(pi*y) + 2*pi^2*(1 + x^2)*sin(pi*x)*sin(pi*y)"
            exact = "sin(pi*x)*sin(pi*y)"
            """))
    }

    func testDirichlet3DInhomogeneous() throws {
        let u = "exp(x)*sin(pi*y)*cos(z)"
        assertSecondOrder(try order("[15, 15, 15]", "[31, 31, 31]", """
            rhs = "(pi^2)*\(u)"
            exact = "\(u)"
            boundary = { all = { type = "dirichlet", value = "\(u)" } }
            """))
    }

    func testNeumann1D() throws {
        // u = cos(x) + x on (0,1): Neumann at 0 (∂u/∂n = −u'(0) = −1), Dirichlet at 1.
        assertSecondOrder(try order("[32]", "[64]", """
            rhs = "cos(x)"
            exact = "cos(x) + x"
            [pde.boundary]
            x_min = { type = "neumann", value = -1 }
            x_max = { type = "dirichlet", value = "cos(1) + 1" }
            """))
    }

    func testNeumann2DWithVariableCoefficient() throws {
        // Neumann on both x sides; a = 2 + x. u = exp(x) sin(πy).
        // f = −(a u_x)_x − a u_yy = −(u_x + a u_xx) + π² a u = −(1 + a) u + π² a u.
        assertSecondOrder(try order("[17, 15]", "[33, 31]", """
            coefficient = "2 + x"
            rhs = "(-(3 + x) + pi^2*(2 + x))*exp(x)*sin(pi*y)"
            exact = "exp(x)*sin(pi*y)"
            [pde.boundary]
            x_min = { type = "neumann", value = "-sin(pi*y)" }
            x_max = { type = "neumann", value = "exp(1)*sin(pi*y)" }
            """))
    }

    func testNeumann3DCorners() throws {
        // Neumann on x_min, y_max and z_min: corners and edges with two or three half widths.
        let u = "cos(x)*cos(y)*cos(z)"
        assertSecondOrder(try order("[16, 16, 16]", "[32, 32, 32]", """
            rhs = "3*\(u)"
            exact = "\(u)"
            [pde.boundary]
            all = { type = "dirichlet", value = "\(u)" }
            x_min = { type = "neumann", value = 0 }
            y_max = { type = "neumann", value = "-sin(1)*cos(x)*cos(z)" }
            z_min = { type = "neumann", value = 0 }
            """))
    }

    func testPeriodicAxisWithVariableCoefficient() throws {
        // Periodic in x on [0, 1), Dirichlet in y. a = 2 + sin(2πx), u = sin(2πx) sin(πy):
        // f = −a_x u_x − a Δu = −4π² cos²(2πx) sin(πy) + 5π² a u.
        assertSecondOrder(try order("[16, 15]", "[32, 31]", """
            coefficient = "2 + sin(2*pi*x)"
            rhs = "-4*pi^2*cos(2*pi*x)^2*sin(pi*y) + 5*pi^2*(2 + sin(2*pi*x))*sin(2*pi*x)*sin(pi*y)"
            exact = "sin(2*pi*x)*sin(pi*y)"
            [pde.boundary]
            x_min = { type = "periodic" }
            x_max = { type = "periodic" }
            """))
    }

    func testPeriodicRowsWrapAndStaySymmetric() throws {
        let p = try DiffusionAssembly.assemble(try spec("grid = [4, 2]\nrhs = 1\ncoefficient = \"1 + x\"\n"
            + "boundary = { x_min = { type = \"periodic\" }, x_max = { type = \"periodic\" } }").discretisation)
        XCTAssertEqual(p.matrix.asymmetry(), 0)
        // Unknown (0, 0) couples to (0, 1) = 1, (1, 0) = 2 and, wrapped, (3, 0) = 6.
        XCTAssertEqual(Array(p.matrix.columnIndices[0..<4]), [0, 1, 2, 6])
    }

    func testInteriorRowsAreTheTextbookStencil() throws {
        let p = try DiffusionAssembly.assemble(try spec("grid = [3, 3]\nrhs = 1").discretisation)
        let h2 = 1.0 / 16  // h = 1/4
        // Centre unknown (1,1) = row 4: 4/h² on the diagonal, −1/h² to its four neighbours.
        let row = (Int(p.matrix.rowPointers[4])..<Int(p.matrix.rowPointers[5]))
        XCTAssertEqual(row.map { p.matrix.columnIndices[$0] }, [1, 3, 4, 5, 7])
        XCTAssertEqual(row.map { p.matrix.values[$0] * h2 }, [-1, -1, 4, -1, -1])
        XCTAssertEqual(p.matrix.asymmetry(), 0)
        XCTAssertEqual(p.rhs, [Double](repeating: 1, count: 9))
    }

    func testSolutionLayoutIsCOrderLastAxisFastest() throws {
        let p = try DiffusionAssembly.assemble(try spec("grid = [3, 2]\nrhs = 0\nexact = \"10*x + y\"").discretisation)
        // x_i = i/4, y_j = j/3: exact[i*2 + j].
        XCTAssertEqual(p.shape, [3, 2])
        XCTAssertEqual(p.exact![1], 10 * 0.25 + 2.0 / 3.0, accuracy: 1e-14)
        XCTAssertEqual(p.exact![2], 10 * 0.5 + 1.0 / 3.0, accuracy: 1e-14)
    }

    func testNonPositiveCoefficientIsReportedWithItsLocation() throws {
        XCTAssertThrowsError(try DiffusionAssembly.assemble(try spec("grid = [3]\nrhs = 1\ncoefficient = \"x - 0.5\"").discretisation)) {
            XCTAssertTrue("\($0)".contains("coefficient: must be positive"), "\($0)")
        }
    }
}

/// Reaction and convection terms: manufactured solutions, solved by LU (the matrix is not
/// symmetric), observed orders 2 (reaction, central convection) and 1 (upwind convection; its
/// leading error term is (h/2)|b|u″, so the order estimate sits within 1 ± 0.2 on these grids).
final class LowerOrderTermsTests: XCTestCase {
    func maxError(_ pde: String) throws -> Double {
        let text = "[problem]\nkind = \"pde\"\nname = \"t\"\n[pde]\n" + pde
        let s = try ProblemSpec(ProblemDocument(text: text, path: "test.toml", directory: URL(fileURLWithPath: "/tmp")))
        let p = try DiffusionAssembly.assemble((s.physics as! PDESpec).discretisation)
        let x = try LUFactorization(p.matrix).solve(p.rhs)
        return zip(x, p.exact!).map { abs($0 - $1) }.max()!
    }

    func order(_ rest: String, _ coarse: Int = 31) throws -> Double {
        log2(try maxError("grid = [\(coarse), \(coarse)]\n" + rest) / maxError("grid = [\(2 * coarse + 1), \(2 * coarse + 1)]\n" + rest))
    }

    let u = "sin(pi*x)*sin(pi*y)"
    let ux = "pi*cos(pi*x)*sin(pi*y)", uy = "pi*sin(pi*x)*cos(pi*y)"

    func testReactionIsSecondOrderAndItsSignIsFree() throws {
        for c in ["5 + x", "-12"] {
            let p = try order("rhs = \"(2*pi^2 + (\(c)))*\(u)\"\nexact = \"\(u)\"\nreaction = \"\(c)\"")
            XCTAssertEqual(p, 2, accuracy: 0.15, "c = \(c)")
        }
    }

    func testCentralConvectionIsSecondOrderUpwindFirst() throws {
        let rest = "rhs = \"2*pi^2*\(u) + 3*\(ux) - 2*(1 + y)*\(uy)\"\nexact = \"\(u)\"\nvelocity = [3, \"-2*(1 + y)\"]\n"
        XCTAssertEqual(try order(rest + "convection = \"central\""), 2, accuracy: 0.15)
        XCTAssertEqual(try order(rest + "convection = \"upwind\""), 1, accuracy: 0.2)
    }

    /// Convection with Neumann and periodic sides: one-sided differences at a Neumann side and
    /// the wrap on a periodic axis keep the scheme's order.
    func testConvectionWithNeumannAndPeriodicSides() throws {
        let neumann = """
            rhs = "2*pi^2*cos(pi*x)*sin(pi*y) + 2*(-pi*sin(pi*x)*sin(pi*y))"
            exact = "cos(pi*x)*sin(pi*y)"
            velocity = [2, 0]
            [pde.boundary]
            all = { type = "dirichlet", value = 0 }
            x_min = { type = "neumann", value = 0 }
            x_max = { type = "neumann", value = 0 }
            """
        // Upwind (first order) with one-sided boundary rows: the estimate approaches 1 from
        // below (0.84 from 31/63, 0.93 from 63/127); the finer pair is held to 1 ± 0.2.
        XCTAssertEqual(try order(neumann, 63), 1, accuracy: 0.2)
        let periodic = """
            domain = [[0, 6.283185307179586], [0, 1]]
            rhs = "(1 + pi^2)*cos(x)*sin(pi*y) - 1.5*sin(x)*sin(pi*y)"
            exact = "cos(x)*sin(pi*y)"
            velocity = [1.5, 0]
            convection = "central"
            [pde.boundary]
            all = { type = "dirichlet", value = 0 }
            x_min = { type = "periodic" }
            x_max = { type = "periodic" }
            """
        XCTAssertEqual(try order(periodic), 2, accuracy: 0.15)
    }

    func testBadVelocityAndReactionAreNamed() throws {
        func error(_ pde: String) -> String {
            let text = "[problem]\nkind = \"pde\"\nname = \"t\"\n[pde]\ngrid = [8, 8]\nrhs = 1\n" + pde
            do {
                let s = try ProblemSpec(ProblemDocument(text: text, path: "t.toml", directory: URL(fileURLWithPath: "/tmp")))
                _ = try DiffusionAssembly.assemble((s.physics as! PDESpec).discretisation)
                return ""
            } catch { return "\(error)" }
        }
        XCTAssertTrue(error("velocity = [1]").contains("velocity"))
        XCTAssertTrue(error("velocity = [1, true]").contains("velocity"))
        XCTAssertTrue(error("velocity = [1, \"q\"]").contains("velocity"))
        XCTAssertTrue(error("convection = \"central\"").contains("convection"))
        XCTAssertTrue(error("velocity = [1, 1]\nconvection = \"sideways\"").contains("convection"))
        XCTAssertTrue(error("reaction = \"log(x - 2)\"").contains("reaction"))
        XCTAssertTrue(error("velocity = [\"1/(x - x)\", 0]").contains("velocity"))
    }
}
