import XCTest
@testable import Runner

/// The colour maps and the observed order behind `pdekit plot`'s pictures.
final class PlotTests: XCTestCase {
    func testTheMapFollowsTheSignOfTheField() {
        XCTAssertEqual(HeatMap.ColourMap.choose([0, 1, 2]), .sequential(low: 0, high: 2))
        XCTAssertEqual(HeatMap.ColourMap.choose([-3, -1]), .sequential(low: -3, high: -1))
        XCTAssertEqual(HeatMap.ColourMap.choose([-1, 0.5, .nan]), .diverging(limit: 1))
    }

    /// Diverging: white at 0, RdBu's ends at ±limit and beyond; symmetric in magnitude.
    /// Sequential: viridis's ends at low and high, its middle anchor halfway.
    func testColoursAtTheAnchors() {
        let d = HeatMap.ColourMap.diverging(limit: 2)
        XCTAssertTrue(d.colour(0) == (255, 255, 255))
        XCTAssertTrue(d.colour(-2) == (33, 102, 172) && d.colour(-5) == (33, 102, 172))
        XCTAssertTrue(d.colour(2) == (178, 24, 43))
        let half = d.colour(1)
        XCTAssertTrue(half == (217, 140, 149), "\(half)")  // 255 + ½(178 − 255), … rounded
        let s = HeatMap.ColourMap.sequential(low: 10, high: 20)
        XCTAssertTrue(s.colour(10) == (68, 1, 84) && s.colour(20) == (253, 231, 37))
        XCTAssertTrue(s.colour(15) == (33, 145, 140))
        XCTAssertTrue(s.colour(.nan) == (128, 128, 128))
    }

    /// The least-squares slope of log error against log h: exact for C hᵖ, the average trend
    /// through noise, and none without two positive points.
    func testObservedOrder() throws {
        let hs = [0.5, 0.25, 0.125, 0.0625]
        XCTAssertEqual(try XCTUnwrap(LineChart.observedOrder(hs.map { (x: $0, y: 3 * $0 * $0) })), 2, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(LineChart.observedOrder(hs.map { (x: $0, y: 0.1 * pow($0, 1.5)) })), 1.5, accuracy: 1e-12)
        XCTAssertNil(LineChart.observedOrder([(x: 0.5, y: 1)]))
        XCTAssertNil(LineChart.observedOrder([(x: 0.5, y: 0), (x: 0.25, y: 0)]))
    }
}
