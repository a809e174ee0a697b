import Foundation
import XCTest
@testable import Storage

final class CSVTests: XCTestCase {
    func testPlainFieldsAreWrittenAsTheyAre() {
        var t = CSVTable(header: ["iteration", "residual_norm"])
        t.append(["0", "1.5"])
        t.append(["1", "0.25"])
        XCTAssertEqual(t.encoded(), "iteration,residual_norm\n0,1.5\n1,0.25\n")
    }

    func testQuotingFollowsRFC4180() {
        var t = CSVTable(header: ["a", "b,c"])
        t.append(["say \"hi\"", "x\ny"])
        t.append(["cr\r", ""])
        XCTAssertEqual(t.encoded(), "a,\"b,c\"\n\"say \"\"hi\"\"\",\"x\ny\"\n\"cr\r\",\n")
    }

    func testHeaderOnlyTable() {
        XCTAssertEqual(CSVTable(header: ["k"]).encoded(), "k\n")
    }

    func testNumbersAreShortestRoundTripAndNonFiniteAsNumPyReadsThem() {
        XCTAssertEqual([Double.nan, .infinity, -.infinity].map(CSV.format), ["nan", "inf", "-inf"])
        XCTAssertEqual([0.1, 1e-300, -0.0, 100].map(CSV.format), ["0.1", "1e-300", "-0.0", "100.0"])
        let x = 1.0 / 3
        XCTAssertEqual(Double(CSV.format(x)), x)
    }

    func testWriteIsAtomicAndNamesTheMissingFolder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var t = CSVTable(header: ["k"]); t.append(["1"])
        let url = dir.appendingPathComponent("t.csv")
        try t.write(to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "k\n1\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["t.csv"])
        let missing = dir.appendingPathComponent("no/t.csv")
        XCTAssertThrowsError(try t.write(to: missing)) { XCTAssertTrue("\($0)".hasPrefix(missing.path + ": "), "\($0)") }
    }
}
