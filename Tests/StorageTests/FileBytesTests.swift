import Foundation
import XCTest
@testable import Storage

final class FileBytesTests: XCTestCase {
    func testReadsTheWholeFileAndOptionallyAZero() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bytes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("f")
        let content = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try Data(content).write(to: url)
        XCTAssertEqual(try FileBytes.read(url), content)
        XCTAssertEqual(try FileBytes.read(url, appendingZero: true), content + [0])
        try Data().write(to: url)
        XCTAssertEqual(try FileBytes.read(url, appendingZero: true), [0])
    }

    func testMissingFileAndFolderAreNamedErrors() {
        XCTAssertThrowsError(try FileBytes.read(URL(fileURLWithPath: "/no/such/file.npy"))) {
            XCTAssertEqual($0 as? StorageError, StorageError(.notFound, path: "/no/such/file.npy", message: "no such file"))
        }
        let folder = FileManager.default.temporaryDirectory
        XCTAssertThrowsError(try FileBytes.read(folder)) {
            XCTAssertEqual(($0 as? StorageError)?.kind, .unreadable)
            XCTAssertTrue("\($0)".hasSuffix("is a folder, not a file"), "\($0)")
        }
    }
}
