import Foundation
import XCTest
@testable import Storage

final class CSVTests: XCTestCase {
    func testQuotingFollowsRFC4180() {
        var t = CSVTable(header: ["a", "b,c"])
        t.append(["say \"hi\"", "x\ny"])
        XCTAssertEqual(t.encoded(), "a,\"b,c\"\n\"say \"\"hi\"\"\",\"x\ny\"\n")
        XCTAssertEqual([CSV.format(.nan), CSV.format(-.infinity), CSV.format(0.1)], ["nan", "-inf", "0.1"])
    }

    func testAtomicWriteLeavesOnlyTheTarget() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var t = CSVTable(header: ["k"]); t.append(["1"])
        try t.write(to: dir.appendingPathComponent("t.csv"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["t.csv"])
        let missing = dir.appendingPathComponent("no/such/t.csv")
        XCTAssertThrowsError(try t.write(to: missing)) { XCTAssertTrue("\($0)".contains(missing.path), "\($0)") }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["t.csv"])
    }
}
