import Foundation
import XCTest
@testable import Storage

final class NPYTests: XCTestCase {
    func fixture(_ name: String) -> URL { Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")! }
    let base = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]

    /// Files written by NumPy (Fixtures/make_fixtures.py) in every supported dtype and layout.
    func testReadsNumPyFiles() throws {
        for name in ["f8_le_c", "f8_be_c", "f4_le", "f8_fortran", "v2", "v3"] {
            let a = try NPY.read(fixture("\(name).npy"))
            XCTAssertEqual(a.shape, [2, 3], name)
            XCTAssertEqual(a.values, base, name)  // all exactly representable, also in float32
        }
        for name in ["i8_le", "i4_be"] {
            XCTAssertEqual(try NPY.read(fixture("\(name).npy")).values, [0, 1, 2, 3, 4, 5], name)
        }
        XCTAssertEqual(try NPY.read(fixture("f8_1d.npy")), NPYArray(shape: [3], values: [1, -2, 3.25]))
        XCTAssertEqual(try NPY.read(fixture("f8_0d.npy")), NPYArray(shape: [], values: [7.5]))
        // np.arange(24).reshape(2,3,4) stored in Fortran order must come back in C order.
        XCTAssertEqual(try NPY.read(fixture("f8_3d_fortran.npy")), NPYArray(shape: [2, 3, 4], values: (0..<24).map(Double.init)))
    }

    func testBadFilesAreNamedErrors() {
        func message(_ name: String) -> String {
            do { _ = try NPY.read(fixture(name)); return "no error" } catch { return "\(error)" }
        }
        XCTAssertTrue(message("bad_magic.npy").contains("bad magic"), message("bad_magic.npy"))
        XCTAssertTrue(message("bad_magic.npy").contains("bad_magic.npy"))
        XCTAssertTrue(message("truncated.npy").contains("truncated data"), message("truncated.npy"))
        XCTAssertTrue(message("c16.npy").contains("'<c16' is not supported"), message("c16.npy"))
        XCTAssertThrowsError(try NPY.decode(Data(NPY.encode([1, 2], shape: [2]) + [0]), path: "x.npy")) {
            XCTAssertTrue("\($0)".contains("unexpected bytes"), "\($0)")
        }
    }

    func testHeaderIsPaddedTo64Bytes() {
        let d = NPY.encode([1, 2, 3], shape: [3])
        XCTAssertEqual((d.count - 24) % 64, 0)
        XCTAssertEqual(d[d.count - 25], UInt8(ascii: "\n"))
    }

    /// Our files read back in NumPy: shape, dtype and every value.
    func testNumPyReadsOurFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases: [([Int], [Double])] = [([2, 3], base), ([2, 3, 4], (0..<24).map { Double($0) / 7 }), ([4], [1e-300, -0.0, .pi, 1e300])]
        for (shape, values) in cases {
            let url = dir.appendingPathComponent("a.npy")
            try NPY.write(values, shape: shape, to: url)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "-c", "import numpy as np, sys; a = np.load(sys.argv[1]); print(a.shape, a.dtype, a.flags['C_CONTIGUOUS'], repr(a.ravel().tolist()))", url.path]
            let out = Pipe(); p.standardOutput = out
            try p.run(); p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0)
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let tuple = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
            XCTAssertTrue(text.hasPrefix("\(tuple) float64 True "), text)
            // Python's repr of a float is its shortest round-trip text, as is Swift's description.
            let list = "[" + values.map { "\($0)" }.joined(separator: ", ") + "]"
            XCTAssertEqual(text.trimmingCharacters(in: .whitespacesAndNewlines), "\(tuple) float64 True \(list)")
        }
    }
}
