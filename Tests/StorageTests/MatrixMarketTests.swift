import Foundation
import XCTest
@testable import Storage

final class MatrixMarketTests: XCTestCase {
    func parse(_ text: String) throws -> MatrixMarketContent { try MatrixMarket.parse(Data(text.utf8), path: "m.mtx") }

    func message(_ text: String) -> String {
        do { _ = try parse(text); return "no error" } catch { return "\(error)" }
    }

    func testSymmetricIsExpandedAndPatternReadsOnes() throws {
        let m = try parse("%%MatrixMarket matrix coordinate real symmetric\n% comment\n\n3 3 3\n1 1 2.5\n3 1 -1e-3\n2 2 4\n")
        guard case .coordinate(let c) = m else { return XCTFail() }
        XCTAssertEqual(c.rowIndices, [0, 2, 0, 1]); XCTAssertEqual(c.columnIndices, [0, 0, 2, 1])
        XCTAssertEqual(c.values, [2.5, -1e-3, -1e-3, 4])
        let p = try parse("%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 2\n")
        XCTAssertEqual(p, .coordinate(CoordinateMatrix(rows: 2, columns: 2, rowIndices: [0], columnIndices: [1], values: [1])))
        let s = try parse("%%MatrixMarket matrix coordinate integer skew-symmetric\n2 2 1\n2 1 3\n")
        guard case .coordinate(let k) = s else { return XCTFail() }
        XCTAssertEqual(k.values, [3, -3])
    }

    func testArrayFormat() throws {
        XCTAssertEqual(try parse("%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n"),
                       .array(rows: 2, columns: 2, columnMajorValues: [1, 2, 3, 4]))
        XCTAssertEqual(try parse("%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n"),
                       .array(rows: 2, columns: 2, columnMajorValues: [1, 2, 2, 3]))
    }

    func testErrorsNameTheLine() {
        XCTAssertTrue(message("%%MatrixMarket matrix banana real general\n").contains("m.mtx: line 1:"))
        XCTAssertTrue(message("hello\n").contains("line 1: expected '%%MatrixMarket"))
        XCTAssertTrue(message("%%MatrixMarket matrix coordinate complex general\n").contains("complex"))
        XCTAssertTrue(message("%%MatrixMarket matrix coordinate real general\n2 x 1\n").contains("line 2: size line"))
        XCTAssertTrue(message("%%MatrixMarket matrix coordinate real general\n10 10 1\n12 1 1\n").contains("line 3: row index 12 out of range 1...10"))
        XCTAssertTrue(message("%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 NaN\n").contains("line 4: value is NaN"))
        XCTAssertTrue(message("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 abc\n").contains("line 3: expected a numeric value"))
        XCTAssertTrue(message("%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1\n2 2 1\n").contains("expected 3 entries, found 2"))
        XCTAssertTrue(message("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1\n2 2 1\n").contains("line 4: more entries"))
        XCTAssertTrue(message("%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n1 2 1\n").contains("above the diagonal"))
    }

    func testRoundTripIsExact() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let general = CoordinateMatrix(rows: 3, columns: 4, rowIndices: [0, 2, 1], columnIndices: [3, 0, 1], values: [.pi, -1e-300, 1.0 / 3])
        try MatrixMarket.write(general, symmetric: false, to: dir.appendingPathComponent("g.mtx"))
        XCTAssertEqual(try MatrixMarket.read(dir.appendingPathComponent("g.mtx")), .coordinate(general))
        let sym = CoordinateMatrix(rows: 2, columns: 2, rowIndices: [0, 1, 0], columnIndices: [0, 0, 1], values: [2, 0.1, 0.1])
        try MatrixMarket.write(sym, symmetric: true, to: dir.appendingPathComponent("s.mtx"))
        guard case .coordinate(let back) = try MatrixMarket.read(dir.appendingPathComponent("s.mtx")) else { return XCTFail() }
        XCTAssertEqual(Set(zip(zip(back.rowIndices, back.columnIndices), back.values).map { "\($0.0),\($0.1),\($1)" }),
                       Set(zip(zip(sym.rowIndices, sym.columnIndices), sym.values).map { "\($0.0),\($0.1),\($1)" }))
        try MatrixMarket.writeArray(rows: 2, columns: 1, columnMajorValues: [1.5, -2], to: dir.appendingPathComponent("a.mtx"))
        XCTAssertEqual(try MatrixMarket.read(dir.appendingPathComponent("a.mtx")), .array(rows: 2, columns: 1, columnMajorValues: [1.5, -2]))
    }
}
