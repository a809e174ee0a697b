import XCTest
@testable import Storage

final class TextOutputTests: XCTestCase {
    func text(_ body: (inout TextOutput) -> Void) -> String {
        var out = TextOutput(capacity: 0)
        body(&out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    func testIntegers() {
        XCTAssertEqual(text { for n in [0, 7, 10, -42, Int.max, Int.min] { $0.append(n); $0.append(byte: 0x20) } },
                       "0 7 10 -42 \(Int.max) \(Int.min) ")
    }

    /// 17 significant digits read back to the same Double, including subnormals and extremes.
    func testSeventeenDigitsRoundTrip() {
        XCTAssertEqual(text { $0.appendRoundTrip(0.1) }, "0.10000000000000001")
        XCTAssertEqual(text { $0.appendRoundTrip(-2) }, "-2")
        for x in [Double.pi, -Double.leastNormalMagnitude / 3, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 1.0 / 3, -0.0] {
            let back = Double(text { $0.appendRoundTrip(x) })
            XCTAssertEqual(back?.bitPattern, x.bitPattern, "\(x)")
        }
    }
}
