import Foundation
import LinearAlgebra
@testable import Solvers
import XCTest

/// The registry's wiring: every component receives its own options type, a wiring defect is an
/// error naming it (never replaced by defaults), and the advice for singular systems follows the
/// entries' flags.
final class SolverRegistryTests: XCTestCase {
    /// Each method, and each preconditioner under CG, gets its options as its entry's type: the
    /// memory model (which casts them) accepts what SolverSpec holds.
    func testEveryComponentReceivesItsOwnOptions() throws {
        for m in SolverRegistry.methods {
            let spec = SolverSpec(method: m.name)
            XCTAssertNoThrow(try m.workspace(1000, 2, spec.options[m.name]), m.name)
        }
        for p in SolverRegistry.preconditioners {
            let spec = SolverSpec(method: "cg", preconditioner: p.name)
            XCTAssertNoThrow(try p.workspace(1000, 2, spec.options[p.name]), p.name)
        }
    }

    /// Another component's options where an entry expects its own are a wiring defect, thrown as
    /// such (the entries used to fall back to their defaults).
    func testAWiringDefectIsAnErrorNotDefaults() throws {
        let ssor = SolverSpec(method: "cg", preconditioner: "ssor").options["ssor"]
        XCTAssertNotNil(ssor)
        XCTAssertThrowsError(try MethodEntry.gmres.workspace(1000, 2, ssor)) { e in
            XCTAssertTrue(e is ComponentWiringError, "\(e)")
            XCTAssertTrue("\(e)".contains("[solver.gmres]"), "\(e)")
        }
        XCTAssertThrowsError(try MethodEntry.gmres.workspace(1000, 2, nil))
    }

    /// The singular-system advice lists what the flags say serves such a system: on a grid every
    /// component that solves singular systems; for a linear system's declared null space only
    /// those that need no grid for it (AMG pins the constants from the grid).
    func testSingularAdviceFollowsTheFlags() {
        let system = SolverRegistry.singularAdvice(onGrid: false)
        XCTAssertTrue(system.contains("method = \"cg\" (preconditioner none, jacobi or ssor)"), system)
        XCTAssertFalse(system.contains("amg"), system)
        let grid = SolverRegistry.singularAdvice(onGrid: true)
        for name in ["\"cg\"", "\"fft\"", "\"gmg\"", "\"amg\"", "make a side Dirichlet"] { XCTAssertTrue(grid.contains(name), grid) }
        XCTAssertFalse(grid.contains("ic0") || grid.contains("\"direct\""), grid)
    }
}
