import Foundation
import Storage
import XCTest

/// Options tables for components a run does not use are reported, not dropped.
final class SolverOptionsTests: CLITestCase {
    func testUnusedOptionsAreReportedAndRecorded() throws {
        let path = try write("p.toml", """
            [problem]
            name = "p"
            kind = "pde"
            [pde]
            grid = [6, 6]
            rhs = 1
            [solver]
            preconditioner = "ic0"
            [solver.ssor]
            omega = 1.5
            """)
        let r = try pdekit(["run", path, "-o", "o"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("[solver.ssor] is not used by this run (it uses 'cg' with 'ic0')"), r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("o/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("unused_options = [\"solver.ssor\"]"), record)
        // Used, the same table is applied and recorded, with no warning.
        let used = try pdekit(["run", path, "-o", "u", "--set", "solver.preconditioner=ssor", "--view"])
        XCTAssertEqual(used.status, 0, used.stderr)
        XCTAssertFalse(used.stderr.contains("not used"), used.stderr)
        XCTAssertTrue(used.stdout.contains("ssor_omega = 1.5"), used.stdout)
        // A bad value in an unused table is still an error: typos do not hide.
        let bad = try pdekit(["check", path, "--set", "solver.ssor.omega=3"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("solver.ssor.omega"), bad.stderr)
    }

    /// A preconditioner named for a method that takes none (standalone AMG, a direct solve) is
    /// reported and recorded as an unused table is; a method that takes one is silent.
    func testAPreconditionerTheMethodIgnoresIsReported() throws {
        let path = try write("q.toml", """
            [problem]
            name = "q"
            kind = "pde"
            [pde]
            grid = [15, 15]
            rhs = 1
            [solver]
            method = "amg"
            preconditioner = "ssor"
            """)
        for method in ["amg", "direct"] {
            let r = try pdekit(["run", path, "-o", method, "--set", "solver.method=\(method)"])
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertTrue(r.stderr.contains("[solver] preconditioner is not used by this run (it uses '\(method)')"), r.stderr)
            let record = try String(contentsOf: work.appendingPathComponent("\(method)/run.toml"), encoding: .utf8)
            XCTAssertTrue(record.contains("unused_options = [\"solver.preconditioner\"]"), record)
        }
        let taken = try pdekit(["run", path, "-o", "cg", "--set", "solver.method=cg"])
        XCTAssertEqual(taken.status, 0, taken.stderr)
        XCTAssertFalse(taken.stderr.contains("not used"), taken.stderr)
    }
}
