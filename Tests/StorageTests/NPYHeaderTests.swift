import Foundation
import XCTest
@testable import Storage

final class NPYHeaderTests: XCTestCase {
    func parse(_ text: String) throws -> NPYHeader { try NPYHeader.parse(text, path: "h.npy") }

    func message(_ text: String) -> String {
        do { _ = try parse(text); return "no error" } catch { return "\(error)" }
    }

    func testNumPysOwnSpelling() throws {
        XCTAssertEqual(try parse("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }          \n"),
                       NPYHeader(descr: "<f8", fortranOrder: false, shape: [2, 3]))
    }

    /// NumPy reads the header with ast.literal_eval, so any Python spelling of the dict is valid.
    func testAnyKeyOrderQuotesAndSpacing() throws {
        XCTAssertEqual(try parse("{ \"shape\" :(5 , ) ,\n\t'fortran_order':True,'descr':'>i4' }"),
                       NPYHeader(descr: ">i4", fortranOrder: true, shape: [5]))
        XCTAssertEqual(try parse("{'shape': (), 'descr': '<f8', 'fortran_order': False}"),
                       NPYHeader(descr: "<f8", fortranOrder: false, shape: []))
        XCTAssertEqual(try parse("{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 4L)}").shape, [3, 4])
    }

    func testLiteralMatchesNumPy() {
        XCTAssertEqual(NPYHeader(descr: "<f8", fortranOrder: false, shape: [5]).literal,
                       "{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }")
        XCTAssertEqual(NPYHeader.tuple([]), "()")
        XCTAssertEqual(NPYHeader.tuple([2, 3, 4]), "(2, 3, 4)")
    }

    func testMalformedHeadersSayWhatIsWrong() {
        let cases: [(String, String)] = [
            ("{'descr': '<f8', 'fortran_order': False}", "no 'shape' key)"),
            ("{'fortran_order': False, 'shape': ()}", "no 'descr' key)"),
            ("{'descr': '<f8', 'shape': ()}", "no 'fortran_order' key)"),
            ("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,)}", "'fortran_order' must be True or False)"),
            ("{'descr': '<f8', 'fortran_order': Falsey, 'shape': (1,)}", "'fortran_order' must be True or False)"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}", "negative dimension in 'shape')"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}", "dimension too large in 'shape')"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': [1]}", "'shape' must be a tuple"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (1,,)}", "'shape' entries must be non-negative integers)"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (1 2)}", "expected ',' or ')' in the shape tuple)"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}", "unexpected key 'extra')"),
            ("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': ()}", "'descr' given twice)"),
            ("{'descr': '<f8', 'fortran_order': False, 'shape': (1,)} junk", "text after the closing '}')"),
            ("{'descr' '<f8', 'fortran_order': False, 'shape': ()}", "expected ':')"),
            ("{'descr': '<f8", "unterminated string)"),
            ("['descr', '<f8']", "expected '{')"),
            ("{'descr': '<f8' 'fortran_order': False}", "expected ',' or '}')"),
        ]
        for (header, expected) in cases {
            let text = message(header)
            XCTAssertTrue(text.hasPrefix("h.npy: malformed NPY header (\(expected)"), "\(header) → \(text)")
            XCTAssertTrue(text.hasSuffix(header.count > 120 ? "…" : header), "the header is quoted: \(text)")
        }
    }

    func testStructuredDtypeIsUnsupportedNotMalformed() {
        XCTAssertThrowsError(try parse("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': ()}")) { error in
            XCTAssertEqual(error as? StorageError,
                           StorageError(.unsupported, path: "h.npy", message: "structured dtype is not supported; use f8, f4, i8 or i4"))
        }
    }
}
