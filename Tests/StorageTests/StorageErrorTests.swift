import XCTest
@testable import Storage

final class StorageErrorTests: XCTestCase {
    func testDescriptionIsOneLineNamingFileAndLine() {
        XCTAssertEqual("\(StorageError(.notThisFormat, path: "problems/data/b.npy", message: "not an NPY file (bad magic string)"))",
                       "problems/data/b.npy: not an NPY file (bad magic string)")
        XCTAssertEqual(StorageError(.indexOutOfRange, path: "A.mtx", line: 7, message: "row index 12 out of range 1...10").description,
                       "A.mtx: line 7: row index 12 out of range 1...10")
    }

    func testKindDistinguishesErrorsWithTheSameText() {
        XCTAssertNotEqual(StorageError(.truncated, path: "a", message: "m"), StorageError(.malformed, path: "a", message: "m"))
    }
}
