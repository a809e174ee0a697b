import Foundation
import XCTest
@testable import Storage

final class NPYTests: XCTestCase {
    /// C-order values of np.arange(6).reshape(2, 3) + 0.5, the base of most fixtures.
    let base: [Double] = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]

    func fixture(_ name: String) throws -> URL {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "npy", subdirectory: "Fixtures"), "fixture \(name).npy")
    }

    func message(_ body: () throws -> Any) -> String {
        do { _ = try body(); return "no error" } catch { return "\(error)" }
    }

    /// A header-only NPY file with the given header dict, padded as NumPy pads it.
    func file(header: String, data: [UInt8] = []) -> Data {
        var text = header
        while (10 + text.utf8.count + 1) % 64 != 0 { text += " " }
        text += "\n"
        let n = text.utf8.count
        return Data(NPY.magic + [1, 0, UInt8(n & 0xFF), UInt8(n >> 8)] + Array(text.utf8) + data)
    }

    /// A stack written slice by slice is the same file, byte for byte, as `encode` of the
    /// concatenation (so NumPy reads it as it reads every other NPY pdekit writes); zero slices too.
    func testStackedSlicesAreTheBytesOfTheConcatenation() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("npy-stack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let slices = (0..<3).map { k in base.map { $0 * Double(k + 1) - .pi } }
        for (name, parts) in [("three", slices), ("none", [])] {
            let url = folder.appendingPathComponent("\(name).npy")
            try NPY.writeStacked(parts, sliceShape: [2, 3], to: url)
            XCTAssertEqual(try Data(contentsOf: url), NPY.encode(parts.flatMap { $0 }, shape: [parts.count, 2, 3]), name)
            XCTAssertEqual(try NPY.read(url), NPYArray(shape: [parts.count, 2, 3], values: parts.flatMap { $0 }), name)
        }
    }

    // MARK: Reading NumPy's files

    func testReadsEveryDtypeAndByteOrder() throws {
        for name in ["f8_le_c", "f8_be_c", "f4_le", "f4_be"] {
            XCTAssertEqual(try NPY.read(fixture(name)), NPYArray(shape: [2, 3], values: base), name)
        }
        for name in ["i8_le", "i4_le", "i4_be"] {
            XCTAssertEqual(try NPY.read(fixture(name)), NPYArray(shape: [2, 3], values: [0, 1, 2, 3, 4, 5]), name)
        }
    }

    func testReadsFormatVersions2And3() throws {
        for name in ["v2", "v3"] {
            XCTAssertEqual(try NPY.read(fixture(name)), NPYArray(shape: [2, 3], values: base), name)
        }
    }

    func testFortranOrderComesBackInCOrder() throws {
        XCTAssertEqual(try NPY.read(fixture("f8_fortran")), NPYArray(shape: [2, 3], values: base))
        // np.arange(24.0).reshape(2, 3, 4): the C-order values are 0 ... 23.
        XCTAssertEqual(try NPY.read(fixture("f8_3d_fortran")), NPYArray(shape: [2, 3, 4], values: (0..<24).map(Double.init)))
    }

    func testZeroAndOneDimensionalShapes() throws {
        XCTAssertEqual(try NPY.read(fixture("f8_0d")), NPYArray(shape: [], values: [7.5]))
        XCTAssertEqual(try NPY.read(fixture("f8_1d")), NPYArray(shape: [3], values: [1, -2, 3.25]))
    }

    // MARK: Rejecting bad files

    func testBadMagicNamesTheFile() throws {
        let text = message { try NPY.read(try fixture("bad_magic")) }
        XCTAssertTrue(text.hasSuffix("bad_magic.npy: not an NPY file (bad magic string)"), text)
    }

    func testTruncatedDataSaysHowMuchIsMissing() throws {
        let text = message { try NPY.read(try fixture("bad_truncated")) }
        XCTAssertTrue(text.contains("bad_truncated.npy: truncated data: expected 48 bytes of data"), text)
        XCTAssertTrue(text.hasSuffix("found 40"), text)
    }

    func testUnsupportedDtypeIsNamed() throws {
        let text = message { try NPY.read(try fixture("bad_c16")) }
        XCTAssertTrue(text.hasSuffix("bad_c16.npy: dtype '<c16' is not supported; use f8, f4, i8 or i4"), text)
    }

    func testTrailingBytesAreAnError() {
        let data = NPY.encode([1, 2], shape: [2]) + [0, 0, 0]
        XCTAssertThrowsError(try NPY.decode(data, path: "x.npy")) { error in
            XCTAssertEqual((error as? StorageError)?.kind, .extraData)
            XCTAssertTrue("\(error)".hasPrefix("x.npy: 3 extra bytes after the data"), "\(error)")
        }
    }

    func testUnsupportedVersionAndShortFiles() {
        var v4 = NPY.encode([1], shape: [1]); v4[6] = 4
        XCTAssertEqual(message { try NPY.decode(v4, path: "v.npy") }, "v.npy: NPY format version 4.0 is not supported (1.0, 2.0 and 3.0 are)")
        XCTAssertEqual(message { try NPY.decode(Data(), path: "e.npy") }, "e.npy: not an NPY file (bad magic string)")
        let cut = NPY.encode([1], shape: [1]).prefix(40)
        XCTAssertTrue(message { try NPY.decode(cut, path: "h.npy") }.hasPrefix("h.npy: truncated NPY header"))
    }

    /// Header-level faults reach the caller with the file's name (grammar: NPYHeaderTests).
    func testHeaderFaultsNameTheFile() {
        let bad = message { try NPY.decode(file(header: "{'descr': '<f8', 'fortran_order': False}"), path: "m.npy") }
        XCTAssertTrue(bad.hasPrefix("m.npy: malformed NPY header (no 'shape' key)"), bad)
        let huge = message {
            try NPY.decode(file(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}"), path: "m.npy")
        }
        XCTAssertEqual(huge, "m.npy: shape (4294967296, 4294967296) is too large")
    }

    /// '=' (native), '>' and the Python 2 'L' suffix, written by other tools than NumPy.
    func testByteOrderMarksFromOtherWriters() throws {
        let one = Array(withUnsafeBytes(of: 2.5.bitPattern.littleEndian, Array.init))
        XCTAssertEqual(try NPY.decode(file(header: "{'descr': '=f8', 'fortran_order': True, 'shape': (1,)}", data: one), path: "x.npy"),
                       NPYArray(shape: [1], values: [2.5]))
        let minusTwo: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFE]  // big-endian i4
        XCTAssertEqual(try NPY.decode(file(header: "{'descr': '>i4', 'fortran_order': False, 'shape': (1L,), }", data: minusTwo), path: "x.npy"),
                       NPYArray(shape: [1], values: [-2]))
        XCTAssertEqual(try NPY.decode(file(header: "{'descr': '<f8', 'fortran_order': True, 'shape': (0, 3), }"), path: "x.npy"),
                       NPYArray(shape: [0, 3], values: []))
    }

    func testMissingFileIsNamed() {
        let url = URL(fileURLWithPath: "/nonexistent/folder/b.npy")
        XCTAssertThrowsError(try NPY.read(url)) { error in
            XCTAssertEqual(error as? StorageError, StorageError(.notFound, path: "/nonexistent/folder/b.npy", message: "no such file"))
        }
    }

    // MARK: Writing

    func testHeaderIsPaddedTo64BytesAndEndsInNewline() {
        for shape in [[], [3], [2, 3], [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]] {
            let d = NPY.encode([Double](repeating: 1, count: shape.reduce(1, *)), shape: shape)
            let dataStart = d.count - 8 * shape.reduce(1, *)
            XCTAssertEqual(dataStart % 64, 0, "\(shape)")
            XCTAssertEqual(d[dataStart - 1], UInt8(ascii: "\n"), "\(shape)")
            XCTAssertEqual(Array(d[6..<8]), [1, 0], "\(shape)")
            XCTAssertEqual(Int(d[8]) | Int(d[9]) << 8, dataStart - 10, "\(shape)")
        }
        let text = String(decoding: NPY.encode([1, 2, 3, 4, 5, 6], shape: [2, 3])[10..<74], as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }   "), text)
    }

    /// A header longer than 65535 bytes needs version 2.0; NumPy itself switches there.
    func testHugeHeaderSwitchesToVersion2() throws {
        let shape = [Int](repeating: 1, count: 30_000)
        let d = NPY.encode([4.25], shape: shape)
        XCTAssertEqual(Array(d[6..<8]), [2, 0])
        XCTAssertEqual((d.count - 8) % 64, 0)
        XCTAssertEqual(try NPY.decode(d, path: "big.npy"), NPYArray(shape: shape, values: [4.25]))
    }

    func testLargeArrayRoundTripsExactly() throws {
        let values = (0..<1_000_000).map { Double($0).squareRoot() * (($0 & 1) == 0 ? 1 : -1e-7) }
        let dir = try temporaryFolder()
        let url = dir.appendingPathComponent("big.npy")
        try NPY.write(values, shape: [1000, 1000], to: url)
        let back = try NPY.read(url)
        XCTAssertEqual(back.shape, [1000, 1000])
        XCTAssertTrue(back.values == values)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["big.npy"])
    }

    func testWritesAnyCollectionOfDoubles() throws {
        let slice = [9.0, 1, 2, 3, 9][1...3]
        XCTAssertEqual(try NPY.decode(NPY.encode(slice, shape: [3]), path: "s.npy"), NPYArray(shape: [3], values: [1, 2, 3]))
        XCTAssertEqual(try NPY.decode(NPY.encode((1...4).lazy.map(Double.init), shape: [2, 2]), path: "l.npy"),
                       NPYArray(shape: [2, 2], values: [1, 2, 3, 4]))
    }

    /// NumPy reads our files back: shape, dtype, C layout, and every value bit for bit (Python's
    /// float repr, like Swift's description, is the shortest round-trip text).
    func testNumPyReadsOurFiles() throws {
        let dir = try temporaryFolder()
        let cases: [([Int], [Double])] = [
            ([2, 3], base),
            ([2, 3, 4], (0..<24).map { Double($0) / 7 }),
            ([4], [1e-300, -0.0, .pi, 1e300]),
            ([], [-3.5]),
        ]
        for (shape, values) in cases {
            let url = dir.appendingPathComponent("a.npy")
            try NPY.write(values, shape: shape, to: url)
            let script = "import numpy as np, sys; a = np.load(sys.argv[1]); "
                + "print(a.shape, a.dtype, a.flags['C_CONTIGUOUS'], repr(a.ravel().tolist()))"
            let output = try runPython(script, modules: ["numpy"], url.path)
            let list = "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
            XCTAssertEqual(output, "\(NPYHeader.tuple(shape)) float64 True \(list)")
        }
    }

    /// A Fortran-order array read by us and written back is the same array to NumPy.
    func testFortranFileRewrittenInCOrderIsEqualInNumPy() throws {
        let dir = try temporaryFolder()
        let original = try fixture("f8_3d_fortran")
        let rewritten = dir.appendingPathComponent("c.npy")
        let a = try NPY.read(original)
        try NPY.write(a.values, shape: a.shape, to: rewritten)
        let script = "import numpy as np, sys; a, b = np.load(sys.argv[1]), np.load(sys.argv[2]); "
            + "print(a.flags['F_CONTIGUOUS'], b.flags['C_CONTIGUOUS'], np.array_equal(a, b), b[1, 2, 3])"
        XCTAssertEqual(try runPython(script, modules: ["numpy"], original.path, rewritten.path), "True True True 23.0")
    }

    // MARK: Helpers

    func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}
