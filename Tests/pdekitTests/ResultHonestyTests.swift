import Foundation
import Storage
import XCTest

/// No confident wrong answer: a nearly singular or stagnating solve is not reported converged, and
/// `compare` and `plot` handle non-finite and huge values.
final class ResultHonestyTests: ProblemFileTestCase {
    func testNearlySingularDirectSolveIsNotReportedConverged() throws {
        // A = [[1, 1], [1, 1 + 1e-15]]: UMFPACK factors it, but x = A⁻¹b is dominated by the
        // rounding of the tiny pivot and ‖b − Ax‖/‖b‖ stays far above rtol = 1e-12.
        try Data("%%MatrixMarket matrix coordinate real general\n2 2 4\n1 1 1\n1 2 1\n2 1 1\n2 2 1.000000000000001\n".utf8)
            .write(to: work.appendingPathComponent("A.mtx"))
        try NPY.write([1, 0.3], shape: [2], to: work.appendingPathComponent("b.npy"))
        _ = try write("s.toml", "[problem]\nkind = \"linear_system\"\n[system]\nmatrix = \"A.mtx\"\nrhs = \"b.npy\"\n"
            + "[solver]\nmethod = \"lu\"\nrtol = 1e-12\n")
        let r = try pdekit(["run", "s.toml", "-o", "o", "--error-if-not-converged"])
        XCTAssertEqual(r.status, 3, r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("o/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("reason = \"diverged_direct_residual\""), record)
        XCTAssertTrue(record.contains("reason_code = -101"), record)
        // A well-conditioned system passes the same check.
        XCTAssertEqual(try pdekit(["run", problem, "--set", "solver.method=direct", "-o", "d", "--error-if-not-converged"]).status, 0)
    }

    func testUnreachableToleranceStopsOnStagnation() throws {
        // rtol = 1e-15 is above the 10ε floor, but the 1D Laplacian with 400 unknowns
        // (κ ≈ 6.5e4) reaches only about ε·κ ≈ 1e-11 in the true residual.
        let r = try pdekit(["run", problem, "--set", "pde.grid=[400]", "--set", "solver.preconditioner=none",
                            "--set", "solver.rtol=1e-15", "-o", "o"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("o/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("reason = \"diverged_stagnation\""), record)
        let iterations = record.split(separator: "\n").first { $0.hasPrefix("iterations") }
            .flatMap { Int($0.split(separator: "=")[1].trimmingCharacters(in: .whitespaces)) }
        XCTAssertNotNil(iterations)
        XCTAssertLessThan(iterations ?? 10_000, 2_000, "ran towards max_iterations instead of stopping")
    }

    func testCompareWithNonFiniteAndHugeValues() throws {
        func npy(_ name: String, _ v: [Double]) throws -> String {
            try NPY.write(v, shape: [v.count], to: work.appendingPathComponent(name)); return name
        }
        // inf against -inf differs; equal infinities agree (NumPy's allclose).
        var r = try pdekit(["compare", try npy("a.npy", [1, .infinity]), try npy("b.npy", [1, -.infinity])])
        XCTAssertEqual(r.status, 4, r.stdout)
        r = try pdekit(["compare", "a.npy", try npy("c.npy", [1, .infinity])])
        XCTAssertEqual(r.status, 0, r.stdout)
        // NaN never matches and is printed as nan, never "max abs 0" or "-nan".
        r = try pdekit(["compare", try npy("n.npy", [1, .nan]), try npy("m.npy", [1, 2])])
        XCTAssertEqual(r.status, 4, r.stdout)
        XCTAssertTrue(r.stdout.contains("max abs nan") && !r.stdout.contains("-nan"), r.stdout)
        // 1e300 entries: the norms are scaled, so the relative error is 1e-6, not NaN.
        r = try pdekit(["compare", try npy("h.npy", [1e300, 1e300]), try npy("g.npy", [1e300 * (1 + 1e-6), 1e300 * (1 + 1e-6)])])
        XCTAssertEqual(r.status, 0, r.stdout)  // 1e-6 relative is within rtol = 1e-5
        XCTAssertTrue(r.stdout.contains("relative L2 9.99999"), r.stdout)
        // A finite value never matches an infinite one.
        r = try pdekit(["compare", try npy("f.npy", [1, 1]), try npy("i.npy", [.infinity, .infinity])])
        XCTAssertEqual(r.status, 4, r.stdout)
    }

    func testPlotSurvivesNonFiniteValues() throws {
        XCTAssertEqual(try pdekit(["run", problem, "--set", "pde.grid=[4,5]", "-o", "r"]).status, 0)
        // Put a NaN and an infinity where a diverged run would have them.
        let solution = work.appendingPathComponent("r/solution.npy")
        var a = try NPY.read(solution)
        a.values[3] = .nan; a.values[7] = .infinity
        try NPY.write(a.values, shape: a.shape, to: solution)
        let history = "iteration,residual_norm,relative_residual,seconds\n0,1,1,0\n1,nan,nan,0\n2,inf,inf,0\n3,0.5,0.5,0\n"
        try Data(history.utf8).write(to: work.appendingPathComponent("r/history.csv"))
        let r = try pdekit(["plot", "r"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("r/solution.svg").path))
        // 1D with every value NaN: nothing to draw, no crash.
        XCTAssertEqual(try pdekit(["run", problem, "-o", "one"]).status, 0)
        try NPY.write([Double](repeating: .nan, count: 15), shape: [15], to: work.appendingPathComponent("one/solution.npy"))
        XCTAssertEqual(try pdekit(["plot", "one"]).status, 0)
    }

    func testCompareOfOppositeInfinitiesIsInfNotNan() throws {
        try NPY.write([1, .infinity], shape: [2], to: work.appendingPathComponent("a.npy"))
        try NPY.write([1, -.infinity], shape: [2], to: work.appendingPathComponent("b.npy"))
        let r = try pdekit(["compare", "a.npy", "b.npy"])
        XCTAssertEqual(r.status, 4, r.stdout)
        XCTAssertFalse(r.stdout.contains("nan"), r.stdout)
        XCTAssertTrue(r.stdout.contains("relative L2 inf"), r.stdout)
    }
}
