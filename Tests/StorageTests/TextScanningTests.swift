import XCTest
@testable import Storage

final class TextScanningTests: XCTestCase {
    /// Runs `body` over the lines of `text` (terminated as the readers terminate it).
    func withLines<T>(_ text: String, _ body: (inout TextLines) -> T) -> T {
        (Array(text.utf8) + [0]).withUnsafeBufferPointer { buffer in
            var lines = TextLines(terminated: buffer)
            return body(&lines)
        }
    }

    func testLinesAndNumbers() {
        let result: [[String]] = withLines("a b\n\n  c\t d \r\nlast") { lines in
            var all: [[String]] = []
            while var line = lines.next() {
                var tokens: [String] = []
                while let t = line.nextToken() { tokens.append(line.text(t)) }
                all.append(tokens + ["#\(lines.number)"])
            }
            return all
        }
        XCTAssertEqual(result, [["a", "b", "#1"], ["#2"], ["c", "d", "#3"], ["last", "#4"]])
    }

    func testIntegerAndDoubleTokens() {
        let parsed: [String] = withLines("12 -3 +4 1.5 x 99999999999999999999 2.5e-3 nan 1e") { lines in
            var line = lines.next()!
            var out: [String] = []
            while let t = line.nextToken() {
                out.append("\(line.integer(t).map(String.init) ?? "-")|\(line.double(t).map { "\($0)" } ?? "-")")
            }
            return out
        }
        XCTAssertEqual(parsed, ["12|12.0", "-3|-3.0", "4|4.0", "-|1.5", "-|-", "-|1e+20", "-|0.0025", "-|nan", "-|-"])
    }

    /// A number at the very end of the file stops at the terminating zero byte.
    func testNumberAtEndOfBuffer() {
        let x: Double? = withLines("3.25") { lines in
            var line = lines.next()!
            return line.nextToken().flatMap { line.double($0) }
        }
        XCTAssertEqual(x, 3.25)
    }
}
