import Foundation

/// A byte buffer for the text writers: formatting millions of numbers through `String`
/// interpolation would dominate the time of writing a large matrix.
struct TextOutput {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func append(byte: UInt8) { bytes.append(byte) }

    /// Decimal digits written in place, without an intermediate String.
    mutating func append(_ n: Int) {
        if n < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = n.magnitude
        var digits = 1, rest = magnitude
        while rest >= 10 { rest /= 10; digits += 1 }
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: digits))
        var k = start + digits
        repeat {
            k -= 1
            bytes[k] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
    }

    /// `%.17g`: 17 significant digits identify every Double uniquely (IEEE 754-2008 §5.12.2),
    /// so the text reads back to the same bits.
    mutating func appendRoundTrip(_ x: Double) {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 32) { buffer in
            #if canImport(Glibc)
            // glibc's gcvt is exactly snprintf("%.*g") without the per-call va_list setup,
            // which triples the speed of writing a large matrix.
            _ = gcvt(x, 17, buffer.baseAddress!)
            let n = strlen(buffer.baseAddress!)
            #else
            let n = withVaList([x]) { vsnprintf(buffer.baseAddress!, 32, "%.17g", $0) }
            #endif
            buffer.withMemoryRebound(to: UInt8.self) { bytes.append(contentsOf: $0.prefix(Int(n))) }
        }
    }
}
