import Configuration
import Foundation
import XCTest

/// The problem-document layer alone, with no problem kind: TOML read into a tree with key
/// order, `--set` overrides, errors that name file, line and key, refused non-finite numbers,
/// and a replayed run record that keeps only its configuration.
final class ProblemDocumentTests: XCTestCase {
    let dir = URL(fileURLWithPath: NSTemporaryDirectory())

    func document(_ text: String, overrides: [String] = []) throws -> ProblemDocument {
        try ProblemDocument(text: text, path: "d.toml", directory: dir, overrides: overrides, kindTable: { $0 == "k" ? "table" : $0 })
    }

    func testValuesOverridesAndKeyOrder() throws {
        let d = try document("[a]\nz = 1\ny = \"two\"\n[a.inner]\nx = [1, 2.5]\n", overrides: ["a.z=3", "a.w=true"])
        let r = try XCTUnwrap(try d.reader().table("a"))
        XCTAssertEqual(try r.int("z"), 3)
        XCTAssertEqual(try r.string("y"), "two")
        XCTAssertEqual(try r.bool("w", default: false), true)
        XCTAssertEqual(try r.table("inner")?.array("x")?.compactMap(\.number), [1, 2.5])
        XCTAssertEqual(Array(r.table.keys.prefix(2)), ["z", "y"], "the file's order, not TOMLKit's")
        XCTAssertEqual(d.line(of: ["a", "y"]), 3)
    }

    func testUnknownKeysWrongTypesAndNonFiniteNumbersNameTheirKey() throws {
        let d = try document("[a]\nsize = 4\nsise = 5\nname = 7\n")
        let r = try XCTUnwrap(try d.reader().table("a"))
        XCTAssertThrowsError(try r.string("name")) { XCTAssertEqual("\($0)", "d.toml:4: a.name: expected a string, found an integer") }
        _ = try r.int("size")
        XCTAssertThrowsError(try r.finish()) { e in
            XCTAssertTrue("\(e)".contains("a.sise") && "\(e)".contains("size"), "\(e)")
        }
        XCTAssertThrowsError(try document("[a]\nx = nan\n")) { XCTAssertTrue("\($0)".contains("a.x"), "\($0)") }
        XCTAssertThrowsError(try document("[a]\nx = 1\n", overrides: ["a.x=inf"])) { XCTAssertTrue("\($0)".contains("a.x"), "\($0)") }
        XCTAssertThrowsError(try document("[a\nx = 1\n")) { XCTAssertTrue("\($0)".contains("d.toml"), "\($0)") }
    }

    /// A run record replays its configuration: [problem], the kind's table (named by the
    /// caller's `kindTable`), [solver] and [output]; result tables are set aside.
    func testReplayedRecordKeepsItsConfiguration() throws {
        let record = """
            [problem]
            kind = "k"
            [table]
            n = 1
            [solver]
            rtol = 1e-8
            [result]
            converged = true
            [details]
            x = 1
            [provenance]
            problem_directory = "/elsewhere"
            """
        let d = try document(record)
        XCTAssertTrue(d.isReplay)
        XCTAssertEqual(Set(d.root.keys), ["problem", "table", "solver"])
        XCTAssertEqual(d.directory.path, "/elsewhere")
    }
}
