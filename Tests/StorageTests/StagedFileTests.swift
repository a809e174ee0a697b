import Foundation
import XCTest
@testable import Storage

/// Files written straight into a staging folder: the bytes `NPY.encode` gives (written from the
/// array itself), never over an existing file, and flushed by `sync`.
final class StagedFileTests: XCTestCase {
    func testNPYBytesAreEncodesAndAnExistingFileIsRefused() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("staged-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let values = (0..<3 * 70).map { sin(Double($0)) * 1e-300 + Double($0) }
        let url = folder.appendingPathComponent("a.npy")
        try StagedFile.writeNPY(values, shape: [3, 70], to: url)
        XCTAssertEqual(try Data(contentsOf: url), NPY.encode(values, shape: [3, 70]))
        XCTAssertEqual(try NPY.read(url).values, values)
        // O_EXCL: a name already there (another writer's, or a second array of the same name) is refused, not overwritten.
        XCTAssertThrowsError(try StagedFile.write(Data("x".utf8), to: url))
        XCTAssertEqual(try Data(contentsOf: url), NPY.encode(values, shape: [3, 70]))
        try StagedFile.write(Data(), to: folder.appendingPathComponent("empty"))
        try StagedFile.sync([url, folder.appendingPathComponent("empty")], folder: folder)
        XCTAssertThrowsError(try StagedFile.sync([folder.appendingPathComponent("missing")], folder: folder))
        XCTAssertThrowsError(try StagedFile.write(Data("x".utf8), to: folder.appendingPathComponent("no/such/folder")))
    }
}
