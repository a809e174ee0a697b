import Foundation
import XCTest
@testable import Storage

/// The spool of a sweep without case folders: records read back as written, the last record of
/// a key counts, a torn tail is cut before appending, damage is found by the checksum, and a
/// file that is not a spool is refused untouched.
final class ArraySpoolTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func items(_ seed: Double) -> [ArraySpool.Item] {
        [.array(NamedArray(name: "solution", shape: [3, 2], values: (0..<6).map { seed + Double($0) / 7 })),
         .array(NamedArray(name: "x", shape: [3], values: [-0.0, .pi, -.infinity])),
         .text(name: "run.toml", value: "[problem]\nname = \"é\(seed)\"\n")]
    }

    func testRecordsReadBackAndTheLastOfAKeyCounts() throws {
        let url = folder.appendingPathComponent("a.spool")
        do {
            let spool = try ArraySpool(url: url)
            try spool.append(key: 0, items: items(1))
            try spool.append(key: 7, items: items(2))
            try spool.append(key: 0, items: items(3))  // case 0 rerun
            try spool.append(key: 9, items: [])
        }
        let index = try ArraySpool.Index(url: url)
        XCTAssertEqual(Set(index.keys), [0, 7, 9])
        XCTAssertEqual(try index.items(0), items(3))
        XCTAssertEqual(try index.items(7), items(2))
        XCTAssertEqual(try index.items(9), [])
        XCTAssertNil(try index.items(1))
    }

    func testATornTailIsCutBeforeAppending() throws {
        let url = folder.appendingPathComponent("t.spool")
        try ArraySpool(url: url).append(key: 4, items: items(1))
        let whole = try Data(contentsOf: url)
        // A kill inside the second append: its header and part of its payload.
        let torn = ArraySpool.encode(key: 5, items: items(2))
        for cut in [3, 30, torn.count - 1] {
            try (whole + Data(torn.prefix(cut))).write(to: url)
            XCTAssertEqual(Set(try ArraySpool.Index(url: url).keys), [4], "cut at \(cut)")
            let spool = try ArraySpool(url: url)
            XCTAssertEqual(try Data(contentsOf: url), whole, "cut at \(cut)")
            try spool.append(key: 5, items: items(3))
            let index = try ArraySpool.Index(url: url)
            XCTAssertEqual(try index.items(4), items(1))
            XCTAssertEqual(try index.items(5), items(3))
        }
    }

    func testDamageIsFoundByTheChecksum() throws {
        let url = folder.appendingPathComponent("d.spool")
        try ArraySpool(url: url).append(key: 2, items: items(1))
        var bytes = [UInt8](try Data(contentsOf: url))
        bytes[ArraySpool.fileMagic.count + ArraySpool.headerSize + 20] ^= 0x10  // a bit of the first value
        try Data(bytes).write(to: url)
        XCTAssertThrowsError(try ArraySpool.Index(url: url).items(2)) { error in
            XCTAssertEqual((error as? StorageError)?.kind, .malformed)
            XCTAssertTrue("\(error)".contains("case 2") && "\(error)".contains("checksum"), "\(error)")
        }
    }

    func testAFileThatIsNotASpoolIsRefusedUntouched() throws {
        let url = folder.appendingPathComponent("user.spool")
        let text = Data("my notes\n".utf8)
        try text.write(to: url)
        XCTAssertThrowsError(try ArraySpool(url: url)) { XCTAssertEqual(($0 as? StorageError)?.kind, .notThisFormat) }
        XCTAssertEqual(try Data(contentsOf: url), text)
    }
}
