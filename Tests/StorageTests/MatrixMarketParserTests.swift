import Foundation
import XCTest
@testable import Storage

final class MatrixMarketParserTests: XCTestCase {
    func parse(_ text: String) throws -> MatrixMarketContent { try MatrixMarket.decode(Data(text.utf8), path: "m.mtx") }

    func coordinate(_ text: String) throws -> CoordinateMatrix {
        let content = try parse(text)
        guard case .coordinate(let m) = content else { throw StorageError(.malformed, path: "m.mtx", message: "read as \(content)") }
        return m
    }

    func message(_ text: String) -> String {
        do { _ = try parse(text); return "no error" } catch { return "\(error)" }
    }

    /// Entries as a multiset of "row,column,value", for comparisons that ignore order.
    func entries(_ m: CoordinateMatrix) -> [String] {
        (0..<m.values.count).map { "\(m.rowIndices[$0]),\(m.columnIndices[$0]),\(m.values[$0])" }.sorted()
    }

    // MARK: Reading

    func testGeneralRealWithCommentsBlankLinesAndCRLF() throws {
        let m = try coordinate("%%MatrixMarket matrix coordinate real general\r\n% a comment\r\n\r\n2 3 2\r\n1 3 -1.5e-3\r\n\r\n2 1 4\r\n")
        XCTAssertEqual(m, CoordinateMatrix(rows: 2, columns: 3, rowIndices: [0, 1], columnIndices: [2, 0], values: [-1.5e-3, 4]))
    }

    func testBannerIsCaseInsensitive() throws {
        let m = try coordinate("%%matrixmarket MATRIX Coordinate REAL General\n1 1 1\n1 1 2\n")
        XCTAssertEqual(m.values, [2])
    }

    func testSymmetricIsExpandedToBothTriangles() throws {
        let m = try coordinate("%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n1 1 2.5\n3 1 -1\n2 2 4\n")
        XCTAssertEqual(m.rowIndices, [0, 2, 0, 1])
        XCTAssertEqual(m.columnIndices, [0, 0, 2, 1])
        XCTAssertEqual(m.values, [2.5, -1, -1, 4])
    }

    func testSkewSymmetricNegatesTheMirror() throws {
        let m = try coordinate("%%MatrixMarket matrix coordinate integer skew-symmetric\n2 2 1\n2 1 3\n")
        XCTAssertEqual(entries(m), ["0,1,-3.0", "1,0,3.0"])
    }

    func testPatternEntriesAreOnesAndDuplicatesAreKept() throws {
        let m = try coordinate("%%MatrixMarket matrix coordinate pattern general\n2 2 3\n1 2\n2 1\n1 2\n")
        XCTAssertEqual(m, CoordinateMatrix(rows: 2, columns: 2, rowIndices: [0, 1, 0], columnIndices: [1, 0, 1], values: [1, 1, 1]))
    }

    func testIntegerField() throws {
        XCTAssertEqual(try coordinate("%%MatrixMarket matrix coordinate integer general\n3 1 2\n1 1 -7\n3 1 12\n").values, [-7, 12])
    }

    func testArrayFormats() throws {
        XCTAssertEqual(try parse("%%MatrixMarket matrix array real general\n2 3\n1\n2\n3\n4\n5\n6\n"),
                       .array(rows: 2, columns: 3, columnMajorValues: [1, 2, 3, 4, 5, 6]))
        // Lower triangle, column by column: (1,1) (2,1) (3,1) (2,2) (3,2) (3,3).
        XCTAssertEqual(try parse("%%MatrixMarket matrix array real symmetric\n3 3\n1\n2\n3\n4\n5\n6\n"),
                       .array(rows: 3, columns: 3, columnMajorValues: [1, 2, 3, 2, 4, 5, 3, 5, 6]))
        XCTAssertEqual(try parse("%%MatrixMarket matrix array integer skew-symmetric\n2 2\n7\n"),
                       .array(rows: 2, columns: 2, columnMajorValues: [0, 7, -7, 0]))
    }

    func testManyEntriesParseCorrectly() throws {
        let n = 200_000
        var text = "%%MatrixMarket matrix coordinate real general\n\(n) \(n) \(n)\n"
        for k in 0..<n { text += "\(k + 1) \(n - k) \(Double(k) * 0.25 - 1)\n" }
        let m = try coordinate(text)
        XCTAssertEqual(m.values.count, n)
        XCTAssertEqual(m.rowIndices.last, Int32(n - 1))
        XCTAssertEqual(m.columnIndices.last, 0)
        XCTAssertEqual(m.values.last, Double(n - 1) * 0.25 - 1)
    }

    // MARK: Errors, each with its line

    func testBannerErrors() {
        let banner = "expected '%%MatrixMarket matrix <format> <field> <symmetry>'"
        XCTAssertEqual(message("hello\n2 2 1\n"), "m.mtx: line 1: \(banner)")
        XCTAssertEqual(message(""), "m.mtx: line 1: empty file; \(banner)")
        XCTAssertEqual(message("%%MatrixMarket matrix coordinate real\n"), "m.mtx: line 1: \(banner)")
        XCTAssertEqual(message("%%MatrixMarket matrix banana real general\n"),
                       "m.mtx: line 1: format 'banana' is not supported; use coordinate or array")
        XCTAssertEqual(message("%%MatrixMarket matrix coordinate complex general\n"),
                       "m.mtx: line 1: complex matrices are not supported; use a real, integer or pattern field")
        XCTAssertEqual(message("%%MatrixMarket matrix coordinate real hermitian\n"),
                       "m.mtx: line 1: symmetry 'hermitian' is not supported; use general, symmetric or skew-symmetric")
    }

    func testSizeLineErrors() {
        let header = "%%MatrixMarket matrix coordinate real general\n% comment\n"
        XCTAssertEqual(message(header + "2 x 1\n"),
                       "m.mtx: line 3: bad size line: 'x' is not a non-negative integer; expected 'rows columns entries'")
        XCTAssertEqual(message(header + "2 2\n"), "m.mtx: line 3: bad size line: 2 numbers; expected 'rows columns entries'")
        XCTAssertEqual(message(header), "m.mtx: line 2: missing the size line 'rows columns entries'")
        XCTAssertEqual(message("%%MatrixMarket matrix coordinate real symmetric\n2 3 0\n"),
                       "m.mtx: line 2: a symmetric or skew-symmetric matrix must be square, got 2×3")
    }

    func testEntryErrors() {
        let header = "%%MatrixMarket matrix coordinate real general\n%\n%\n%\n10 10 3\n1 1 1\n"
        XCTAssertEqual(message(header + "12 1 1\n"), "m.mtx: line 7: row index 12 out of range 1...10")
        XCTAssertEqual(message(header + "1 0 1\n"), "m.mtx: line 7: column index 0 out of range 1...10")
        XCTAssertEqual(message(header + "99999999999999999999999 1 1\n"),
                       "m.mtx: line 7: row index 99999999999999999999999 out of range 1...10")
        XCTAssertEqual(message(header + "1.5 1 1\n"), "m.mtx: line 7: row index '1.5' is not an integer")
        XCTAssertEqual(message(header + "1 2 1\n2 2 NaN\n"), "m.mtx: line 8: value is NaN")
        XCTAssertEqual(message(header + "1 2 1\n2 2 -inf\n"), "m.mtx: line 8: value is infinite")
        XCTAssertEqual(message(header + "1 2 abc\n"), "m.mtx: line 7: value 'abc' is not a number")
        XCTAssertEqual(message(header + "1 2 1e\n"), "m.mtx: line 7: value '1e' is not a number")
        XCTAssertEqual(message(header + "1 2\n"), "m.mtx: line 7: missing value; expected 'row column value'")
        XCTAssertEqual(message(header + "1 2 3 4\n"), "m.mtx: line 7: unexpected '4' after the entry; expected 'row column value'")
        XCTAssertEqual(message("%%MatrixMarket matrix coordinate real symmetric\n2 2 1\n1 2 1\n"),
                       "m.mtx: line 3: entry (1, 2) lies above the diagonal; a symmetric file stores only the lower triangle")
    }

    func testTooFewAndTooManyEntries() {
        var truncated = "%%MatrixMarket matrix coordinate real general\n10 10 40\n"
        for k in 0..<37 { truncated += "\(k % 10 + 1) \(k / 10 + 1) 1\n" }
        XCTAssertEqual(message(truncated), "m.mtx: line 39: expected 40 entries, found 37 (the file ends early)")
        XCTAssertEqual(message("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 1 1\n2 2 1\n"),
                       "m.mtx: line 4: more entries than the 1 announced on line 2")
        XCTAssertEqual(message("%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n"),
                       "m.mtx: line 5: expected 4 entries, found 3 (the file ends early)")
        XCTAssertEqual(message("%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n4\n"),
                       "m.mtx: line 6: more entries than the 3 expected for a 2×2 array")
    }

    func testErrorsCarryKindAndLine() {
        XCTAssertThrowsError(try parse("%%MatrixMarket matrix coordinate real general\n3 3 1\n4 1 1\n")) { error in
            let e = error as? StorageError
            XCTAssertEqual(e?.kind, .indexOutOfRange)
            XCTAssertEqual(e?.line, 3)
            XCTAssertEqual(e?.path, "m.mtx")
        }
    }
}
