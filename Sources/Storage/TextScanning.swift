import Foundation

/// Line and token scanning over raw bytes for the text formats.
///
/// A Matrix Market file with millions of entries must parse in about a second, which rules out
/// splitting it into `[String]` lines and `Double(String)` per token. These scanners walk the
/// bytes in place; numbers go through `strtod`, which needs the buffer to end in a zero byte so
/// that a number at the very end of the file stops there (hence `terminated` below).
struct TextLines {
    let base: UnsafePointer<UInt8>
    /// Bytes of text, not counting the terminating zero byte that follows them.
    let count: Int
    var position = 0
    /// 1-based number of the line last returned by `next()`; 0 before the first.
    private(set) var number = 0

    /// - Precondition: `terminated` ends with a zero byte that is not part of the text.
    init(terminated: UnsafeBufferPointer<UInt8>) {
        precondition(terminated.last == 0, "TextLines needs a zero-terminated buffer")
        base = terminated.baseAddress!
        count = terminated.count - 1
    }

    /// The next line without its '\n' (a '\r' before it is left in, and counts as a space).
    mutating func next() -> LineCursor? {
        guard position < count else { return nil }
        let start = position
        let remaining = count - start
        if let newline = memchr(base + start, 0x0A, remaining) {
            position = base.distance(to: newline.assumingMemoryBound(to: UInt8.self)) + 1
            number += 1
            return LineCursor(base: base, position: start, end: position - 1)
        }
        position = count
        number += 1
        return LineCursor(base: base, position: start, end: count)
    }

    /// Bytes not yet scanned; bounds how many entries the rest of the file can hold.
    var remainingBytes: Int { count - position }
}

/// Whitespace-separated tokens of one line.
struct LineCursor {
    let base: UnsafePointer<UInt8>
    var position: Int
    let end: Int

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }

    /// The next token's byte range, or nil at the end of the line.
    mutating func nextToken() -> Range<Int>? {
        while position < end && LineCursor.isSpace(base[position]) { position += 1 }
        guard position < end else { return nil }
        let start = position
        while position < end && !LineCursor.isSpace(base[position]) { position += 1 }
        return start..<position
    }

    /// The whole line as text, for the banner line and error messages.
    var text: String { String(decoding: UnsafeBufferPointer(start: base + position, count: end - position), as: UTF8.self) }

    /// A token as text, shortened so that an error message stays one readable line.
    func text(_ token: Range<Int>) -> String {
        let shown = String(decoding: UnsafeBufferPointer(start: base + token.lowerBound, count: token.count), as: UTF8.self)
        return shown.count > 40 ? String(shown.prefix(40)) + "…" : shown
    }

    func startsWith(_ byte: UInt8, _ token: Range<Int>) -> Bool { base[token.lowerBound] == byte }

    /// A decimal integer with optional sign, or nil if the token is anything else (or would
    /// overflow Int).
    func integer(_ token: Range<Int>) -> Int? {
        var p = token.lowerBound
        var negative = false
        if base[p] == UInt8(ascii: "-") || base[p] == UInt8(ascii: "+") { negative = base[p] == UInt8(ascii: "-"); p += 1 }
        guard p < token.upperBound else { return nil }
        var value = 0
        while p < token.upperBound {
            let digit = Int(base[p]) - 0x30
            guard digit >= 0, digit <= 9 else { return nil }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = sum
            p += 1
        }
        return negative ? -value : value
    }

    /// A floating-point number as C reads it (so "1e-3", "NaN", "inf" and "-0" all parse), or
    /// nil unless `strtod` consumes exactly the token.
    func double(_ token: Range<Int>) -> Double? {
        // The token is followed by a space, '\n' or the terminating zero, none of which can be
        // part of a number, so strtod never reads past the token's end.
        let start = UnsafeMutableRawPointer(mutating: base + token.lowerBound).assumingMemoryBound(to: CChar.self)
        var stop: UnsafeMutablePointer<CChar>?
        let x = strtod(start, &stop)
        guard let stop, start.distance(to: stop) == token.count else { return nil }
        return x
    }
}
