import Foundation
import XCTest
@testable import Storage

final class PNGTests: XCTestCase {
    /// Python's zlib (an independent inflater) must decompress our stored blocks to the
    /// filtered rows, and every chunk CRC must match zlib.crc32.
    func testPythonZlibReadsOurPNG() throws {
        let w = 300, h = 250  // > 65535 raw bytes: several stored blocks
        let rgb = (0..<(w * h * 3)).map { UInt8(($0 * 7) % 251) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(UUID().uuidString).png")
        try PNG.encode(width: w, height: h, rgb: rgb).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let script = """
            import sys, struct, zlib
            d = open(sys.argv[1], 'rb').read()
            assert d[:8] == b'\\x89PNG\\r\\n\\x1a\\n'
            p, idat = 8, b''
            while p < len(d):
                n, = struct.unpack('>I', d[p:p+4]); t = d[p+4:p+8]; body = d[p+8:p+8+n]
                crc, = struct.unpack('>I', d[p+8+n:p+12+n])
                assert zlib.crc32(t + body) == crc, t
                if t == b'IHDR': print(*struct.unpack('>IIBBBBB', body))
                if t == b'IDAT': idat += body
                p += 12 + n
            raw = zlib.decompress(idat)
            rows = [raw[i*(3*\(w)+1):(i+1)*(3*\(w)+1)] for i in range(\(h))]
            assert all(r[0] == 0 for r in rows)
            px = b''.join(r[1:] for r in rows)
            print(sum(px) % 1000003, len(px))
            """
        let out = try runPython(script, modules: ["zlib"], url.path)
        let expected = rgb.reduce(0) { ($0 + Int($1)) % 1000003 }
        XCTAssertEqual(out, "\(w) \(h) 8 2 0 0 0\n\(expected) \(w * h * 3)")
    }
}
