import Foundation
import XCTest
@testable import Storage

/// One NPY file written slab by slab, in any order (the ranks of a distributed run finish when
/// they finish): the bytes of `NPY.encode` of the whole array, and NumPy reads it.
final class NPYSlabsTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("npy-slabs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    func testSlabsInAnyOrderGiveTheWholeArraysBytes() throws {
        let shape = [7, 5, 3], count = 105
        let values = (0..<count).map { sin(Double($0)) * 1e3 }
        let url = folder.appendingPathComponent("u.npy")
        try NPYSlabs.create(url, shape: shape)
        // Three slabs of planes (3, 2 and 2 planes of 15 values), written last first.
        for (offset, end) in [(75, 105), (0, 45), (45, 75)] {
            try NPYSlabs.write(Array(values[offset..<end]), at: offset, shape: shape, to: url)
        }
        XCTAssertEqual(try Data(contentsOf: url), NPY.encode(values, shape: shape))
        XCTAssertEqual(NPYSlabs.headerLength(shape: shape), 128)
        // One value from each slab, by its multi-index (C order: 15 i + 3 j + k).
        let read = try runPython("import numpy as np, sys; a = np.load(sys.argv[1]); print(a.shape, *[repr(float(a[i])) for i in "
                                 + "[(0, 1, 2), (3, 2, 1), (6, 4, 2)]])", modules: ["numpy"], url.path)
        XCTAssertEqual(read, "(7, 5, 3) \(values[5]) \(values[52]) \(values[104])")
    }

    func testCreateRefusesAnExistingFileAndWriteAMissingOne() throws {
        let url = folder.appendingPathComponent("u.npy")
        try NPYSlabs.create(url, shape: [4])
        XCTAssertThrowsError(try NPYSlabs.create(url, shape: [4])) { XCTAssertTrue("\($0)".contains("cannot create"), "\($0)") }
        XCTAssertThrowsError(try NPYSlabs.write([1], at: 0, shape: [4], to: folder.appendingPathComponent("none.npy"))) {
            XCTAssertTrue("\($0)".contains("cannot open"), "\($0)")
        }
    }
}
