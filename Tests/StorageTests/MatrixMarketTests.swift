import Foundation
import XCTest
@testable import Storage

final class MatrixMarketTests: XCTestCase {
    /// Entries as a sorted list of "row,column,value", for comparisons that ignore order.
    func entries(_ m: CoordinateMatrix) -> [String] {
        (0..<m.values.count).map { "\(m.rowIndices[$0]),\(m.columnIndices[$0]),\(m.values[$0])" }.sorted()
    }

    func testReadNamesAMissingFile() {
        XCTAssertThrowsError(try MatrixMarket.read(URL(fileURLWithPath: "/no/such/A.mtx"))) {
            XCTAssertEqual("\($0)", "/no/such/A.mtx: no such file")
        }
    }

    // MARK: Writing

    func testGeneralRoundTripIsExact() throws {
        let dir = try temporaryFolder()
        let m = CoordinateMatrix(rows: 3, columns: 4, rowIndices: [0, 2, 1, 1], columnIndices: [3, 0, 1, 1],
                                 values: [.pi, -1e-300, 1.0 / 3, 0.1])
        let url = dir.appendingPathComponent("g.mtx")
        try MatrixMarket.write(m, symmetric: false, to: url)
        XCTAssertEqual(try MatrixMarket.read(url), .coordinate(m))
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("%%MatrixMarket matrix coordinate real general\n"), text)
        XCTAssertTrue(text.contains("\n2 2 0.10000000000000001\n"), text)  // 17 significant digits
    }

    func testSymmetricWriteKeepsTheLowerTriangleAndReadsBackExpanded() throws {
        let dir = try temporaryFolder()
        let m = CoordinateMatrix(rows: 3, columns: 3, rowIndices: [0, 1, 0, 2, 2, 1], columnIndices: [0, 0, 1, 1, 2, 2],
                                 values: [4, -1.25, -1.25, 0.7, 5, 0.7])
        let url = dir.appendingPathComponent("s.mtx")
        try MatrixMarket.write(m, symmetric: true, to: url)
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("%%MatrixMarket matrix coordinate real symmetric\n"), text)
        XCTAssertTrue(text.contains("\n3 3 4\n"), text)  // 4 stored entries: the lower triangle
        guard case .coordinate(let back) = try MatrixMarket.read(url) else { return XCTFail("not coordinate") }
        XCTAssertEqual(entries(back), entries(m))
    }

    func testArrayRoundTrip() throws {
        let dir = try temporaryFolder()
        let url = dir.appendingPathComponent("a.mtx")
        let subnormal = Double.leastNormalMagnitude / 3
        try MatrixMarket.writeArray(rows: 2, columns: 2, columnMajorValues: [1.5, -2, subnormal, 7], to: url)
        XCTAssertEqual(try MatrixMarket.read(url), .array(rows: 2, columns: 2, columnMajorValues: [1.5, -2, subnormal, 7]))
    }

    func testWriterRefusesNonFiniteValuesAndLeavesNoFile() throws {
        let dir = try temporaryFolder()
        let url = dir.appendingPathComponent("n.mtx")
        let m = CoordinateMatrix(rows: 1, columns: 1, rowIndices: [0], columnIndices: [0], values: [.nan])
        XCTAssertThrowsError(try MatrixMarket.write(m, symmetric: false, to: url)) {
            XCTAssertEqual("\($0)", "\(url.path): cannot write entry 1: value is NaN")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }

    /// SciPy reads what we write (symmetric storage expanded the same way), and we read what
    /// SciPy writes.
    func testInteroperatesWithSciPy() throws {
        let dir = try temporaryFolder()
        let ours = dir.appendingPathComponent("ours.mtx"), theirs = dir.appendingPathComponent("theirs.mtx")
        let m = CoordinateMatrix(rows: 3, columns: 3, rowIndices: [0, 1, 0, 2], columnIndices: [0, 0, 1, 2],
                                 values: [2, 0.1, 0.1, -1.0 / 3])
        try MatrixMarket.write(m, symmetric: true, to: ours)
        let read = "import scipy.io, sys; print(scipy.io.mmread(sys.argv[1]).toarray().tolist())"
        XCTAssertEqual(try runPython(read, modules: ["scipy"], ours.path),
                       "[[2.0, 0.1, 0.0], [0.1, 0.0, 0.0], [0.0, 0.0, \(-1.0 / 3)]]")

        let write = "import numpy as np, scipy.io, scipy.sparse as sp, sys; "
            + "scipy.io.mmwrite(sys.argv[1], sp.coo_matrix(np.array([[4.0, -1.5], [-1.5, 3.0]])), symmetry='symmetric')"
        _ = try runPython(write, modules: ["scipy"], theirs.path)
        guard case .coordinate(let back) = try MatrixMarket.read(theirs) else { return XCTFail("not coordinate") }
        XCTAssertEqual(entries(back), ["0,0,4.0", "0,1,-1.5", "1,0,-1.5", "1,1,3.0"])
    }

    func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mtx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}
