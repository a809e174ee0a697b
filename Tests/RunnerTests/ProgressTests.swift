import XCTest
@testable import Runner

/// The time left on a progress line: from the rate of the last stretch of the solve.
final class ProgressTests: XCTestCase {
    /// A steady rate: one decade per 2 s, 3 of 8 decades done in the last 6 s: 10 s left.
    func testASteadyRateGivesTheExactTimeLeft() throws {
        let left = try XCTUnwrap(IterationReporter.timeLeft(from: (0, 0), to: (6, 3), target: 8))
        XCTAssertEqual(left, 10, accuracy: 1e-12)
    }

    /// The case that misled: 30 s of setup and slow early iterations, then 5 decades in the last
    /// 5 s with 1 decade to go. The whole run's rate (6 decades in 40 s) would say about 13 s;
    /// the last stretch's says 1 s.
    func testTheLastStretchNotTheWholeRun() throws {
        let left = try XCTUnwrap(IterationReporter.timeLeft(from: (35, 2), to: (40, 7), target: 8))
        XCTAssertEqual(left, 1, accuracy: 1e-12)
    }

    /// No fall in the residual (a GMRES plateau, a restart from the true residual), no time
    /// elapsed, the target reached, or a NaN: no estimate rather than a wrong one.
    func testNoEstimateWithoutARate() {
        XCTAssertNil(IterationReporter.timeLeft(from: (0, 3), to: (5, 3), target: 8))
        XCTAssertNil(IterationReporter.timeLeft(from: (0, 4), to: (5, 3), target: 8))
        XCTAssertNil(IterationReporter.timeLeft(from: (5, 2), to: (5, 3), target: 8))
        XCTAssertNil(IterationReporter.timeLeft(from: (0, 2), to: (5, 8), target: 8))
        XCTAssertNil(IterationReporter.timeLeft(from: (0, 2), to: (5, .nan), target: 8))
    }
}
