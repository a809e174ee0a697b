import Foundation
import XCTest
@testable import Storage

/// Files written straight into a staging folder: the bytes `NPY.encode` gives (written from the
/// array itself), never over an existing file, and flushed by `sync`.
final class StagedFileTests: XCTestCase {
    /// A large file is handed to the kernel's writeback as it is closed (sync_file_range, found
    /// at run time on Linux: a lookup that failed would make it a silent no-op); the bytes are
    /// the same, and `sync` still makes them durable.
    func testALargeFileStartsItsWritebackAndKeepsItsBytes() throws {
        #if os(Linux)
        XCTAssertNotNil(StagedFile.syncFileRange, "sync_file_range not found in the C library")
        #endif
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("staged-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let values = (0..<300_000).map { Double($0) * 0.5 - 7 }
        let url = folder.appendingPathComponent("big.npy")
        try StagedFile.writeNPY(values, shape: [values.count], to: url)
        try StagedFile.sync([url], folder: folder)
        XCTAssertEqual(try NPY.read(url).values, values)
    }

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
