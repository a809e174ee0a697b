import Foundation
import XCTest
@testable import Storage

final class SHA256Tests: XCTestCase {
    /// FIPS 180-4's examples (one block, two blocks) and the empty message.
    func testStandardExamples() {
        XCTAssertEqual(SHA256.hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// Lengths around the padding boundaries (55, 56, 63, 64, 65 bytes) and a long message,
    /// against Python's hashlib.
    func testAgainstHashlib() throws {
        let lengths = [1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]
        let messages = lengths.map { n in (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }
        let script = "import hashlib, sys\nfor n in map(int, sys.argv[1:]): "
            + "print(hashlib.sha256(bytes((i * 31 + 7) % 256 for i in range(n))).hexdigest())"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script] + lengths.map(String.init)
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let expected = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(expected.count, lengths.count)
        for (m, e) in zip(messages, expected) { XCTAssertEqual(SHA256.hex(m), e, "\(m.count) bytes") }
    }
}
