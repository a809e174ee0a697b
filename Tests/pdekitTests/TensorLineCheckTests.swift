import Foundation
import XCTest

/// The tensor kind checks its error on lines through the points where f is hardest, not only at
/// random points: the Slater potential's cusps sit between random points, and a build with
/// degrees resolved "by the coefficients" was off by 70× the tolerance there.
final class TensorLineCheckTests: CLITestCase {
    func problem(kernel: String, points: Int, tolerance: String) throws -> String {
        _ = try write("one.csv", "x,y,z,charge\n0.13,-0.21,0.37,1\n")
        return try write("t.toml", """
            [problem]
            kind = "tensor"
            [tensor]
            particles = "one.csv"
            kernel = "\(kernel)"
            sigma = 0.3
            box = [[-1, 1], [-1, 1], [-1, 1]]
            tolerance = \(tolerance)
            points = \(points)
            test_points = 200
            """)
    }

    func testACuspBetweenTheRandomPointsIsNotCalledResolved() throws {
        // exp(−|x − x₀|) at 33 points per axis: the random points see 3.6e-4, the line through
        // the charge 3e-2 (at the cusp itself), 30 times the tolerance.
        let r = try pdekit(["run", try problem(kernel: "slater", points: 33, tolerance: "1e-3"), "-o", "s"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("diverged_max_iterations") && r.stderr.contains("on lines through the particles"), r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("s/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("degrees_resolved = false"), record)
        let line = try XCTUnwrap(recordNumber(record, "max_line_error")), random = try XCTUnwrap(recordNumber(record, "max_error"))
        XCTAssertGreaterThan(line, 10 * 1e-3)
        XCTAssertGreaterThan(line, 10 * random)
        XCTAssertEqual(try pdekit(["run", try problem(kernel: "slater", points: 33, tolerance: "1e-3"), "-o", "t",
                                   "--error-if-not-converged"]).status, 3)
    }

    func testASmoothPotentialStaysResolved() throws {
        // The long-range part erf(r/σ)/r is smooth: its line error is within the 10 ε bound.
        let r = try pdekit(["run", try problem(kernel: "newton_long_range", points: 0, tolerance: "1e-6"), "-o", "n", "--error-if-not-converged"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("n/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("degrees_resolved = true"), record)
        XCTAssertLessThanOrEqual(try XCTUnwrap(recordNumber(record, "max_line_error")), 1e-5)
    }
}
