import Foundation
import XCTest
@testable import Storage

/// solution.vti's bytes against a reference written the plain way: the header, then per field
/// its byte count and every value in VTK's order (first axis fastest), one at a time. Shapes are
/// larger than the transposition's 32 × 32 tiles and not multiples of them, in 1 to 3 axes.
final class VTKImageDataTests: XCTestCase {
    func testTiledTranspositionWritesTheElementwiseBytes() throws {
        for shape in [[100], [70, 45], [45, 70], [1, 97], [37, 33, 35], [5, 1, 66], [64, 64]] {
            let count = shape.reduce(1, *)
            let fields = (0..<2).map { f in
                VTKImageData.Field(name: "f\(f)", values: (0..<count).map { (i: Int) -> Double in
                    let x = Double(i)
                    return x * 0.5 + Double(f) * 1e6 + 1 / (x + 3)
                })
            }
            let origin = shape.map { _ in -0.25 }, spacing = shape.indices.map { 1 / Double($0 + 7) }
            let data = VTKImageData.encode(shape: shape, origin: origin, spacing: spacing, fields: fields)
            let appended = try XCTUnwrap(data.firstRange(of: Data("<AppendedData encoding=\"raw\">".utf8)), "\(shape)")
            let marker = try XCTUnwrap(data[appended.upperBound...].firstIndex(of: UInt8(ascii: "_")).map { $0 ..< $0 + 1 }, "\(shape)")
            XCTAssertTrue(data[appended.upperBound ..< marker.lowerBound].allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") })
            XCTAssertEqual(marker.upperBound % 8, 0, "\(shape): the raw data starts at a multiple of 8")
            let s3 = shape + Array(repeating: 1, count: 3 - shape.count)
            var expected = Data()
            for f in fields {
                withUnsafeBytes(of: UInt64(8 * count).littleEndian) { expected.append(contentsOf: $0) }
                for k in 0..<s3[2] { for j in 0..<s3[1] { for i in 0..<s3[0] {
                    withUnsafeBytes(of: f.values[(i * s3[1] + j) * s3[2] + k].bitPattern.littleEndian) { expected.append(contentsOf: $0) }
                }}}
            }
            expected.append(contentsOf: Array("\n  </AppendedData>\n</VTKFile>\n".utf8))
            XCTAssertEqual(data[marker.upperBound...], expected, "\(shape)")
        }
    }
}
