import Foundation
import Storage
import XCTest

/// `[gp_pde] learn`: GP-HM's kernel learning through the CLI — the record's learned
/// frequency, objective and loss history, and what it refuses.
final class GPKernelLearningCLITests: CLITestCase {
    func testLearningFromAWrongFrequencyThroughTheCLI() throws {
        let path = try write("l.toml", """
            [problem]
            name = "l"
            kind = "gp_pde"
            [gp_pde]
            box = [[0, 6.283185307179586]]
            points = [120]
            source = "-400*sin(20*x)"
            exact = "sin(20*x)"
            kernel = "matern_cosine_mixture"
            frequencies = [2.6]
            scale = 0.5
            learn = { iterations = 40 }
            """)
        let r = try pdekit(["run", path, "-o", "l"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("l/run.toml"), encoding: .utf8)
        let initial = try XCTUnwrap(recordNumber(record, "initial_objective")), final = try XCTUnwrap(recordNumber(record, "final_objective"))
        XCTAssertLessThan(final, initial)
        // The learned frequency moved from 2.6 towards u's, 20/2π = 3.18.
        let line = try XCTUnwrap(record.split(separator: "\n").first { $0.hasPrefix("axis_1_frequencies") })
        let mu = try XCTUnwrap(Double(line.split(separator: "[")[1].split(separator: "]")[0]))
        XCTAssertLessThan(abs(mu - 20 / (2 * Double.pi)), abs(2.6 - 20 / (2 * Double.pi)), record)
        // The loss history: one row per iteration, the objective never above the start.
        let (rows, _) = try CSV.read(work.appendingPathComponent("l/history.csv"))
        XCTAssertEqual(Array(rows[0].prefix(3)), ["iteration", "objective", "gradient_norm"])
        XCTAssertGreaterThan(rows.count, 2)
        XCTAssertTrue(rows.dropFirst().allSatisfy { Double($0[1])! <= initial })
        let fixed = try pdekit(["run", path, "-o", "f", "--set", "gp_pde.learn={ iterations = 0 }"])
        XCTAssertEqual(fixed.status, 0, fixed.stderr)
        let learnedError = try XCTUnwrap(recordNumber(record, "relative_l2_error"))
        let fixedError = try XCTUnwrap(recordNumber(try String(contentsOf: work.appendingPathComponent("f/run.toml"), encoding: .utf8),
                                                    "relative_l2_error"))
        XCTAssertLessThan(learnedError, fixedError)

        for (args, key) in [(["--set", "gp_pde.learn={ optimizer = \"newton\" }"], "gp_pde.learn.optimizer"),
                            (["--set", "gp_pde.learn={ prune = 2 }"], "gp_pde.learn.prune")] {
            let bad = try pdekit(["run", path, "-o", "bad"] + args)
            XCTAssertEqual(bad.status, 2, "\(args): \(bad.stderr)")
            XCTAssertTrue(bad.stderr.contains(key), "\(args): \(bad.stderr)")
        }
    }
}
