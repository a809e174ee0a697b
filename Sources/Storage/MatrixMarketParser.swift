/// The reading half of Matrix Market: banner, size line, then entries, each error naming its
/// line (https://math.nist.gov/MatrixMarket/formats.html).
struct MatrixMarketParser {
    static let expectedBanner = "expected '%%MatrixMarket matrix <format> <field> <symmetry>'"

    enum Format { case coordinate, array }
    enum Field { case real, integer, pattern }
    enum Symmetry { case general, symmetric, skewSymmetric }

    var lines: TextLines
    let path: String

    func error(_ kind: StorageError.Kind, line: Int, _ message: String) -> StorageError {
        StorageError(kind, path: path, line: line, message: message)
    }

    mutating func parse() throws -> MatrixMarketContent {
        let (format, field, symmetry) = try banner()
        let (dims, sizeLine) = try sizeLine(count: format == .coordinate ? 3 : 2)
        let rows = dims[0], columns = dims[1]
        // Indices are stored 0-based as Int32 (what the sparse solvers take).
        guard rows <= Int(Int32.max), columns <= Int(Int32.max) else {
            throw error(.unsupported, line: sizeLine, "matrix size \(rows)×\(columns) exceeds the 32-bit index range")
        }
        if symmetry != .general && rows != columns {
            throw error(.malformed, line: sizeLine, "a symmetric or skew-symmetric matrix must be square, got \(rows)×\(columns)")
        }
        switch format {
        case .coordinate:
            return .coordinate(try coordinateEntries(rows: rows, columns: columns, entries: dims[2], sizeLine: sizeLine,
                                                     field: field, symmetry: symmetry))
        case .array:
            return try arrayEntries(rows: rows, columns: columns, sizeLine: sizeLine, field: field, symmetry: symmetry)
        }
    }

    /// Line 1: `%%MatrixMarket matrix coordinate real general`, words case-insensitive.
    private mutating func banner() throws -> (Format, Field, Symmetry) {
        guard var first = lines.next() else { throw error(.notThisFormat, line: 1, "empty file; \(Self.expectedBanner)") }
        // Editors on Windows may prefix a UTF-8 byte-order mark.
        if first.end - first.position >= 3, first.base[first.position] == 0xEF,
           first.base[first.position + 1] == 0xBB, first.base[first.position + 2] == 0xBF {
            first.position += 3
        }
        var words: [String] = []
        while let token = first.nextToken() { words.append(first.text(token).lowercased()) }
        guard words.first == "%%matrixmarket", words.count == 5 else {
            throw error(.notThisFormat, line: 1, Self.expectedBanner)
        }
        guard words[1] == "matrix" else {
            throw error(.unsupported, line: 1, "object '\(words[1])' is not supported; \(Self.expectedBanner)")
        }
        let format: Format
        switch words[2] {
        case "coordinate": format = .coordinate
        case "array": format = .array
        default: throw error(.unsupported, line: 1, "format '\(words[2])' is not supported; use coordinate or array")
        }
        let field: Field
        switch words[3] {
        case "real", "double": field = .real  // "double" is written by some older tools
        case "integer": field = .integer
        case "pattern": field = .pattern
        case "complex": throw error(.unsupported, line: 1, "complex matrices are not supported; use a real, integer or pattern field")
        default: throw error(.unsupported, line: 1, "field '\(words[3])' is not supported; use real, integer or pattern")
        }
        let symmetry: Symmetry
        switch words[4] {
        case "general": symmetry = .general
        case "symmetric": symmetry = .symmetric
        case "skew-symmetric": symmetry = .skewSymmetric
        default:
            throw error(.unsupported, line: 1, "symmetry '\(words[4])' is not supported; use general, symmetric or skew-symmetric")
        }
        if field == .pattern && format == .array {
            throw error(.malformed, line: 1, "a pattern matrix must use the coordinate format")
        }
        return (format, field, symmetry)
    }

    /// The first line that is neither blank nor a comment: `rows columns [entries]`.
    private mutating func sizeLine(count: Int) throws -> ([Int], Int) {
        let expected = count == 3 ? "'rows columns entries'" : "'rows columns'"
        while var line = lines.next() {
            guard let first = line.nextToken() else { continue }
            if line.startsWith(UInt8(ascii: "%"), first) { continue }
            var dims: [Int] = []
            var token: Range<Int>? = first
            while let t = token {
                guard let n = line.integer(t), n >= 0 else {
                    throw error(.malformed, line: lines.number, "bad size line: '\(line.text(t))' is not a non-negative integer; "
                        + "expected \(expected)")
                }
                dims.append(n)
                token = line.nextToken()
            }
            guard dims.count == count else {
                throw error(.malformed, line: lines.number, "bad size line: \(dims.count) numbers; expected \(expected)")
            }
            return (dims, lines.number)
        }
        throw error(.truncated, line: max(lines.number, 1), "missing the size line \(expected)")
    }

    /// The next non-blank, non-comment line and its first token. Comments are only allowed
    /// before the size line by the format, but files in the wild have them anywhere.
    private mutating func nextDataLine() -> (LineCursor, Range<Int>)? {
        while var line = lines.next() {
            guard let first = line.nextToken() else { continue }
            if line.startsWith(UInt8(ascii: "%"), first) { continue }
            return (line, first)
        }
        return nil
    }

    /// A value as the format writes it: decimal digits for an `integer` field (so `2.5` or
    /// `0x10` there is malformed), a decimal real for a `real` one (C's strtod also reads hex
    /// floats, which the format does not have).
    private func finiteValue(_ line: LineCursor, _ token: Range<Int>, _ field: Field) throws -> Double {
        let text = line.text(token)
        if field == .integer {
            let digits = text.drop { $0 == "-" || $0 == "+" }
            guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let x = line.double(token) else {
                throw error(.malformed, line: lines.number, "value '\(text)' is not an integer, as the integer field requires")
            }
            return x
        }
        guard !text.contains(where: { $0 == "x" || $0 == "X" }), let x = line.double(token) else {
            throw error(.malformed, line: lines.number, "value '\(text)' is not a number")
        }
        guard !x.isNaN else { throw error(.nonFinite, line: lines.number, "value is NaN") }
        guard x.isFinite else { throw error(.nonFinite, line: lines.number, "value is infinite") }
        return x
    }

    private func index(_ line: LineCursor, _ token: Range<Int>, _ name: String, limit: Int) throws -> Int32 {
        guard let k = line.integer(token) else {
            // An integer too long for Int is still an integer: report it as out of range.
            let digits = line.text(token).drop { $0 == "-" || $0 == "+" }
            guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else {
                throw error(.malformed, line: lines.number, "\(name) index '\(line.text(token))' is not an integer")
            }
            throw error(.indexOutOfRange, line: lines.number, "\(name) index \(line.text(token)) out of range 1...\(limit)")
        }
        guard k >= 1, k <= limit else {
            throw error(.indexOutOfRange, line: lines.number, "\(name) index \(k) out of range 1...\(limit)")
        }
        return Int32(k - 1)
    }

    private mutating func coordinateEntries(rows: Int, columns: Int, entries: Int, sizeLine: Int,
                                            field: Field, symmetry: Symmetry) throws -> CoordinateMatrix {
        let layout = field == .pattern ? "'row column'" : "'row column value'"
        var m = CoordinateMatrix(rows: rows, columns: columns)
        // A size line can claim anything; the shortest entry line has 4 bytes, so the rest of
        // the file bounds what is worth reserving.
        let stored = min(entries, lines.remainingBytes / 4 + 1)
        let capacity = symmetry == .general ? stored : 2 * stored
        m.rowIndices.reserveCapacity(capacity); m.columnIndices.reserveCapacity(capacity); m.values.reserveCapacity(capacity)
        var found = 0
        while case (var line, let first)? = nextDataLine() {
            found += 1
            guard found <= entries else {
                throw error(.extraData, line: lines.number, "more entries than the \(entries) announced on line \(sizeLine)")
            }
            let i = try index(line, first, "row", limit: rows)
            guard let second = line.nextToken() else { throw error(.malformed, line: lines.number, "expected \(layout)") }
            let j = try index(line, second, "column", limit: columns)
            var v = 1.0  // pattern entries are ones
            if field != .pattern {
                guard let third = line.nextToken() else { throw error(.malformed, line: lines.number, "missing value; expected \(layout)") }
                v = try finiteValue(line, third, field)
            }
            if let extra = line.nextToken() {
                throw error(.malformed, line: lines.number, "unexpected '\(line.text(extra))' after the entry; expected \(layout)")
            }
            if symmetry != .general {
                // Storing the upper triangle too would double every off-diagonal entry on expansion.
                guard i >= j else {
                    throw error(.malformed, line: lines.number, "entry (\(i + 1), \(j + 1)) lies above the diagonal; "
                        + "a symmetric file stores only the lower triangle")
                }
                if symmetry == .skewSymmetric && i == j {
                    throw error(.malformed, line: lines.number, "entry (\(i + 1), \(j + 1)) lies on the diagonal, "
                        + "which is zero in a skew-symmetric matrix")
                }
            }
            m.rowIndices.append(i); m.columnIndices.append(j); m.values.append(v)
            if symmetry != .general && i != j {
                m.rowIndices.append(j); m.columnIndices.append(i); m.values.append(symmetry == .skewSymmetric ? -v : v)
            }
        }
        guard found == entries else {
            throw error(.truncated, line: max(lines.number, sizeLine),
                        "expected \(entries) entries, found \(found) (the file ends early)")
        }
        return m
    }

    /// Dense values, column by column; symmetric files store the lower triangle (skew-symmetric:
    /// the strict lower triangle) column by column. Several values per line are accepted.
    private mutating func arrayEntries(rows: Int, columns: Int, sizeLine: Int, field: Field, symmetry: Symmetry) throws -> MatrixMarketContent {
        let n = rows
        let (expected, overflow): (Int, Bool)
        switch symmetry {
        case .general: (expected, overflow) = rows.multipliedReportingOverflow(by: columns)
        case .symmetric: (expected, overflow) = n.multipliedReportingOverflow(by: n + 1)
        case .skewSymmetric: (expected, overflow) = n.multipliedReportingOverflow(by: max(n - 1, 0))
        }
        guard !overflow else { throw error(.unsupported, line: sizeLine, "matrix size \(rows)×\(columns) is too large") }
        let count = symmetry == .general ? expected : expected / 2
        var stored: [Double] = []
        stored.reserveCapacity(min(count, lines.remainingBytes / 2 + 1))
        while case (var line, let first)? = nextDataLine() {
            var token: Range<Int>? = first
            while let t = token {
                guard stored.count < count else {
                    throw error(.extraData, line: lines.number, "more entries than the \(count) expected for a \(rows)×\(columns) array")
                }
                stored.append(try finiteValue(line, t, field))
                token = line.nextToken()
            }
        }
        guard stored.count == count else {
            throw error(.truncated, line: max(lines.number, sizeLine), "expected \(count) entries, found \(stored.count) (the file ends early)")
        }
        if symmetry == .general { return .array(rows: rows, columns: columns, columnMajorValues: stored) }

        var full = [Double](repeating: 0, count: n * n)
        var k = 0
        for j in 0..<n {
            for i in (symmetry == .skewSymmetric ? j + 1 : j)..<n {
                full[i + j * n] = stored[k]
                full[j + i * n] = symmetry == .skewSymmetric ? -stored[k] : stored[k]
                k += 1
            }
        }
        return .array(rows: n, columns: n, columnMajorValues: full)
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
