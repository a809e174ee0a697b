import Foundation

/// The header of an NPY file: a Python dict literal such as
/// `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }`.
///
/// NumPy reads it with `ast.literal_eval`, so files from other writers (Julia's NPZ, cnpy,
/// hand-written tools) may order the keys differently, use double quotes, or space things
/// differently. This parser accepts exactly that dict grammar and nothing else, and says what
/// is wrong when it fails.
struct NPYHeader: Equatable, Sendable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// The literal NumPy writes (key order and spacing as in `numpy.lib.format`), unpadded.
    var literal: String {
        "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(NPYHeader.tuple(shape)), }"
    }

    /// Python's spelling of a shape tuple: `()`, `(5,)`, `(2, 3)`.
    static func tuple(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    /// Parses the header text (already decoded: latin-1 for versions 1 and 2, UTF-8 for 3).
    static func parse(_ text: String, path: String) throws -> NPYHeader {
        var parser = Parser(bytes: Array(text.utf8), text: text, path: path)
        return try parser.header()
    }

    private struct Parser {
        let bytes: [UInt8]
        let text: String
        let path: String
        var p = 0

        func fail(_ what: String) -> StorageError {
            let shown = text.trimmingCharacters(in: .whitespacesAndNewlines)
            let excerpt = shown.count > 120 ? String(shown.prefix(120)) + "…" : shown
            return StorageError(.malformed, path: path, message: "malformed NPY header (\(what)): \(excerpt)")
        }

        var current: UInt8? { p < bytes.count ? bytes[p] : nil }

        mutating func skipSpace() {
            while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { p += 1 }
        }

        mutating func expect(_ c: Character) throws {
            skipSpace()
            guard current == c.asciiValue else { throw fail("expected '\(c)'") }
            p += 1
        }

        mutating func header() throws -> NPYHeader {
            try expect("{")
            var descr: String?, fortran: Bool?, shape: [Int]?
            while true {
                skipSpace()
                if current == UInt8(ascii: "}") { p += 1; break }
                let key = try string()
                try expect(":")
                skipSpace()
                switch key {
                case "descr":
                    guard descr == nil else { throw fail("'descr' given twice") }
                    if current == UInt8(ascii: "[") {
                        throw StorageError(.unsupported, path: path,
                                           message: "structured dtype is not supported; use f8, f4, i8 or i4")
                    }
                    descr = try string()
                case "fortran_order":
                    guard fortran == nil else { throw fail("'fortran_order' given twice") }
                    fortran = try boolean()
                case "shape":
                    guard shape == nil else { throw fail("'shape' given twice") }
                    shape = try dimensions()
                default:
                    throw fail("unexpected key '\(key)'")
                }
                skipSpace()
                if current == UInt8(ascii: ",") { p += 1 } else if current != UInt8(ascii: "}") { throw fail("expected ',' or '}'") }
            }
            // NumPy pads with spaces and ends with '\n'; anything else after the dict is corrupt.
            skipSpace()
            guard p == bytes.count else { throw fail("text after the closing '}'") }
            guard let descr else { throw fail("no 'descr' key") }
            guard let fortran else { throw fail("no 'fortran_order' key") }
            guard let shape else { throw fail("no 'shape' key") }
            return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
        }

        mutating func string() throws -> String {
            skipSpace()
            guard let quote = current, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else {
                throw fail("expected a quoted string")
            }
            p += 1
            let start = p
            while let c = current, c != quote { p += 1 }
            guard p < bytes.count else { throw fail("unterminated string") }
            p += 1
            return String(decoding: bytes[start..<(p - 1)], as: UTF8.self)
        }

        mutating func boolean() throws -> Bool {
            for (word, value) in [("True", true), ("False", false)] where bytes[p...].starts(with: word.utf8) {
                let end = p + word.utf8.count
                // "Falsey" is a name, not a bool.
                if end < bytes.count, isIdentifier(bytes[end]) { break }
                p = end
                return value
            }
            throw fail("'fortran_order' must be True or False")
        }

        mutating func dimensions() throws -> [Int] {
            guard current == UInt8(ascii: "(") else { throw fail("'shape' must be a tuple such as (2, 3)") }
            p += 1
            var dims: [Int] = []
            while true {
                skipSpace()
                if current == UInt8(ascii: ")") { p += 1; break }
                dims.append(try dimension())
                skipSpace()
                if current == UInt8(ascii: "L") { p += 1; skipSpace() }  // Python 2 long suffix
                if current == UInt8(ascii: ",") { p += 1 } else if current != UInt8(ascii: ")") {
                    throw fail("expected ',' or ')' in the shape tuple")
                }
            }
            return dims
        }

        mutating func dimension() throws -> Int {
            if current == UInt8(ascii: "-") { throw fail("negative dimension in 'shape'") }
            var value = 0, digits = 0
            while let c = current, c >= 0x30, c <= 0x39 {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int(c - 0x30))
                if o1 || o2 { throw fail("dimension too large in 'shape'") }
                value = sum; digits += 1; p += 1
            }
            guard digits > 0 else { throw fail("'shape' entries must be non-negative integers") }
            return value
        }

        func isIdentifier(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
        }
    }
}
