import Foundation
import XCTest
@testable import Storage

final class AtomicFileTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func listing() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() }

    func testSuccessLeavesOnlyTheTarget() throws {
        let url = dir.appendingPathComponent("out.bin")
        try AtomicFile.write(Data([1, 2, 3]), to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data([1, 2, 3]))
        XCTAssertEqual(try listing(), ["out.bin"])
    }

    func testReplacesAnExistingFileWhole() throws {
        let url = dir.appendingPathComponent("out.txt")
        try AtomicFile.write(Data(String(repeating: "old ", count: 1000).utf8), to: url)
        try AtomicFile.write(Data("new".utf8), to: url)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "new")
        XCTAssertEqual(try listing(), ["out.txt"])
    }

    func testEmptyData() throws {
        let url = dir.appendingPathComponent("empty")
        try AtomicFile.write(Data(), to: url)
        XCTAssertEqual(try Data(contentsOf: url).count, 0)
    }

    func testMissingFolderThrowsNamingThePathAndLeavesNothing() throws {
        let url = dir.appendingPathComponent("missing/out.npy")
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: url)) { error in
            XCTAssertEqual(error as? StorageError, StorageError(.writeFailed, path: url.path,
                                                                message: "cannot write: folder \(self.dir.appendingPathComponent("missing").path) "
                                                                    + "does not exist"))
        }
        XCTAssertEqual(try listing(), [])
    }

    /// rename(2) fails when the target is a non-empty folder: the temporary file must go too.
    func testFailedRenameRemovesTheTemporaryFile() throws {
        let target = dir.appendingPathComponent("occupied")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: false)
        try Data([0]).write(to: target.appendingPathComponent("inside"))
        XCTAssertThrowsError(try AtomicFile.write(Data([1]), to: target)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(target.path): cannot replace the file: "), "\(error)")
        }
        XCTAssertEqual(try listing(), ["occupied"])
    }
}
