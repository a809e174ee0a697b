import Foundation

/// A sparse matrix in coordinate form, 0-based, general storage (both triangles present).
/// Duplicate entries are kept; consumers sum them.
public struct CoordinateMatrix: Sendable, Equatable {
    public var rows: Int
    public var columns: Int
    public var rowIndices: [Int32]
    public var columnIndices: [Int32]
    public var values: [Double]

    public init(rows: Int, columns: Int, rowIndices: [Int32] = [], columnIndices: [Int32] = [], values: [Double] = []) {
        self.rows = rows; self.columns = columns
        self.rowIndices = rowIndices; self.columnIndices = columnIndices; self.values = values
    }
}

public enum MatrixMarketContent: Sendable, Equatable {
    case coordinate(CoordinateMatrix)
    /// Dense, column-major.
    case array(rows: Int, columns: Int, columnMajorValues: [Double])
}

/// The Matrix Market exchange format (https://math.nist.gov/MatrixMarket/formats.html).
///
/// Reads `matrix coordinate|array` with fields real, integer or pattern and symmetry general,
/// symmetric or skew-symmetric; symmetric storage is expanded to both triangles. Parsing works
/// on the bytes with `strtod`, fast enough for millions of entries. Every error names the line.
public enum MatrixMarket {
    public static func read(_ url: URL) throws -> MatrixMarketContent {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            let exists = FileManager.default.fileExists(atPath: url.path)
            throw StorageError(path: url.path, message: exists ? "cannot read: \(error.localizedDescription)" : "no such file")
        }
        return try parse(data, path: url.path)
    }

    public static func parse(_ data: Data, path: String) throws -> MatrixMarketContent {
        var bytes = [UInt8](data)
        bytes.append(0)  // strtod needs a terminator
        return try bytes.withUnsafeMutableBufferPointer { buf in
            var reader = LineReader(base: buf.baseAddress!, count: buf.count - 1, path: path)
            return try parse(&reader)
        }
    }

    private static func parse(_ r: inout LineReader) throws -> MatrixMarketContent {
        let expectedHeader = "expected '%%MatrixMarket matrix <coordinate|array> <real|integer|pattern> <general|symmetric|skew-symmetric>'"
        guard let first = r.nextLine() else { throw r.error(1, "empty file; \(expectedHeader)") }
        let words = String(decoding: UnsafeBufferPointer(start: r.base + first.start, count: first.end - first.start), as: UTF8.self)
            .lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard words.count == 5, words[0] == "%%matrixmarket", words[1] == "matrix" else { throw r.error(1, expectedHeader) }
        let format = words[2], field = words[3], symmetry = words[4]
        guard format == "coordinate" || format == "array" else { throw r.error(1, "format '\(format)' unknown; \(expectedHeader)") }
        if field == "complex" { throw r.error(1, "complex matrices are not supported") }
        guard ["real", "integer", "pattern", "double"].contains(field) else { throw r.error(1, "field '\(field)' unknown; \(expectedHeader)") }
        guard ["general", "symmetric", "skew-symmetric"].contains(symmetry) else {
            throw r.error(1, symmetry == "hermitian" ? "hermitian matrices are not supported" : "symmetry '\(symmetry)' unknown; \(expectedHeader)")
        }
        if field == "pattern" && format == "array" { throw r.error(1, "a pattern matrix must be in coordinate format") }

        // Size line: first line that is neither a comment nor blank.
        var sizeLine: (start: Int, end: Int, number: Int)?
        while let l = r.nextLine() {
            if r.isBlankOrComment(l) { continue }
            sizeLine = (l.start, l.end, r.lineNumber); break
        }
        guard let size = sizeLine else { throw r.error(r.lineNumber, "missing size line") }
        var p = size.start
        let sizeCount = format == "coordinate" ? 3 : 2
        var dims: [Int] = []
        for _ in 0..<sizeCount {
            guard let v = r.integer(&p, end: size.end), v >= 0 else {
                throw r.error(size.number, "size line must hold \(sizeCount) non-negative integers (\(format == "coordinate" ? "rows columns entries" : "rows columns"))")
            }
            dims.append(v)
        }
        guard r.atEnd(p, size.end) else { throw r.error(size.number, "unexpected text after the sizes") }
        let rows = dims[0], columns = dims[1]
        guard rows < Int(Int32.max), columns < Int(Int32.max) else { throw r.error(size.number, "matrix too large for 32-bit indices") }
        let symmetric = symmetry != "general"
        let skew = symmetry == "skew-symmetric"
        if symmetric && rows != columns { throw r.error(size.number, "a \(symmetry) matrix must be square, got \(rows)×\(columns)") }

        if format == "coordinate" {
            let entries = dims[2]
            var m = CoordinateMatrix(rows: rows, columns: columns)
            let capacity = symmetric ? 2 * entries : entries
            m.rowIndices.reserveCapacity(capacity); m.columnIndices.reserveCapacity(capacity); m.values.reserveCapacity(capacity)
            var found = 0
            while let l = r.nextLine() {
                if r.isBlankOrComment(l) { continue }
                found += 1
                guard found <= entries else { throw r.error(r.lineNumber, "more entries than the \(entries) announced") }
                var q = l.start
                guard let i = r.integer(&q, end: l.end), let j = r.integer(&q, end: l.end) else {
                    throw r.error(r.lineNumber, "expected 'row column\(field == "pattern" ? "" : " value")'")
                }
                guard i >= 1, i <= rows else { throw r.error(r.lineNumber, "row index \(i) out of range 1...\(rows)") }
                guard j >= 1, j <= columns else { throw r.error(r.lineNumber, "column index \(j) out of range 1...\(columns)") }
                var v = 1.0
                if field != "pattern" {
                    guard let x = r.double(&q, end: l.end) else { throw r.error(r.lineNumber, "expected a numeric value") }
                    guard !x.isNaN else { throw r.error(r.lineNumber, "value is NaN") }
                    guard x.isFinite else { throw r.error(r.lineNumber, "value is infinite") }
                    v = x
                }
                guard r.atEnd(q, l.end) else { throw r.error(r.lineNumber, "unexpected text after the entry") }
                if symmetric && j > i { throw r.error(r.lineNumber, "entry (\(i), \(j)) above the diagonal in a \(symmetry) file (only the lower triangle may be stored)") }
                if skew && i == j { throw r.error(r.lineNumber, "skew-symmetric files store no diagonal entries") }
                m.rowIndices.append(Int32(i - 1)); m.columnIndices.append(Int32(j - 1)); m.values.append(v)
                if symmetric && i != j {
                    m.rowIndices.append(Int32(j - 1)); m.columnIndices.append(Int32(i - 1)); m.values.append(skew ? -v : v)
                }
            }
            guard found == entries else { throw r.error(r.lineNumber, "expected \(entries) entries, found \(found) (truncated file?)") }
            return .coordinate(m)
        }

        // Array: column-major; symmetric stores the lower triangle column by column.
        var values = [Double](repeating: 0, count: rows * columns)
        var slots: [(Int, Int)] = []
        if symmetric {
            for j in 0..<columns { for i in (skew ? j + 1 : j)..<rows { slots.append((i, j)) } }
        }
        let expected = symmetric ? slots.count : rows * columns
        var found = 0
        while let l = r.nextLine() {
            if r.isBlankOrComment(l) { continue }
            guard found < expected else { throw r.error(r.lineNumber, "more values than the \(expected) expected") }
            var q = l.start
            guard let x = r.double(&q, end: l.end), r.atEnd(q, l.end) else { throw r.error(r.lineNumber, "expected one numeric value") }
            guard !x.isNaN else { throw r.error(r.lineNumber, "value is NaN") }
            guard x.isFinite else { throw r.error(r.lineNumber, "value is infinite") }
            if symmetric {
                let (i, j) = slots[found]
                values[i + j * rows] = x
                values[j + i * rows] = skew ? -x : x
            } else {
                values[found] = x
            }
            found += 1
        }
        guard found == expected else { throw r.error(r.lineNumber, "expected \(expected) values, found \(found) (truncated file?)") }
        return .array(rows: rows, columns: columns, columnMajorValues: values)
    }

    /// Writes coordinate format; with `symmetric`, only entries on or below the diagonal are
    /// written (the caller's matrix must be symmetric). Values use 17 significant digits.
    public static func write(_ m: CoordinateMatrix, symmetric: Bool, to url: URL) throws {
        var lines: [String] = []
        for k in 0..<m.values.count where !symmetric || m.rowIndices[k] >= m.columnIndices[k] {
            lines.append("\(m.rowIndices[k] + 1) \(m.columnIndices[k] + 1) \(format(m.values[k]))")
        }
        let text = "%%MatrixMarket matrix coordinate real \(symmetric ? "symmetric" : "general")\n"
            + "% written by pdekit\n\(m.rows) \(m.columns) \(lines.count)\n" + lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    public static func writeArray(rows: Int, columns: Int, columnMajorValues v: [Double], to url: URL) throws {
        precondition(v.count == rows * columns, "Matrix Market array: \(v.count) values for \(rows)×\(columns)")
        let text = "%%MatrixMarket matrix array real general\n% written by pdekit\n\(rows) \(columns)\n"
            + v.map(format).joined(separator: "\n") + (v.isEmpty ? "" : "\n")
        try AtomicFile.write(Data(text.utf8), to: url)
    }

    static func format(_ x: Double) -> String { String(format: "%.17g", x) }
}

/// Line-by-line scanning of a NUL-terminated byte buffer.
struct LineReader {
    let base: UnsafeMutablePointer<UInt8>
    let count: Int
    let path: String
    var position = 0
    var lineNumber = 0

    init(base: UnsafeMutablePointer<UInt8>, count: Int, path: String) { self.base = base; self.count = count; self.path = path }

    func error(_ line: Int, _ message: String) -> StorageError { StorageError(path: path, line: line, message: message) }

    mutating func nextLine() -> (start: Int, end: Int)? {
        guard position < count else { return nil }
        let start = position
        while position < count && base[position] != 10 { position += 1 }
        let end = position
        if position < count { position += 1 }
        lineNumber += 1
        return (start, end)
    }

    func isBlankOrComment(_ l: (start: Int, end: Int)) -> Bool {
        var p = l.start
        while p < l.end && (base[p] == 32 || base[p] == 9 || base[p] == 13) { p += 1 }
        return p == l.end || base[p] == 37  // '%'
    }

    func skipSpace(_ p: inout Int, _ end: Int) { while p < end && (base[p] == 32 || base[p] == 9 || base[p] == 13) { p += 1 } }

    func atEnd(_ p: Int, _ end: Int) -> Bool { var q = p; skipSpace(&q, end); return q == end }

    func integer(_ p: inout Int, end: Int) -> Int? {
        skipSpace(&p, end)
        var v = 0, digits = 0
        var negative = false
        if p < end && (base[p] == 45 || base[p] == 43) { negative = base[p] == 45; p += 1 }
        while p < end, base[p] >= 48, base[p] <= 57 {
            v = v &* 10 &+ Int(base[p] - 48); digits += 1; p += 1
            if digits > 18 { return nil }
        }
        guard digits > 0, p == end || base[p] == 32 || base[p] == 9 || base[p] == 13 else { return nil }
        return negative ? -v : v
    }

    func double(_ p: inout Int, end: Int) -> Double? {
        skipSpace(&p, end)
        guard p < end else { return nil }
        // The line's newline (or the final NUL) stops strtod; it never reads past `end`'s line.
        let start = UnsafeMutableRawPointer(base + p).assumingMemoryBound(to: CChar.self)
        var stop: UnsafeMutablePointer<CChar>?
        let x = strtod(start, &stop)
        guard let stop, stop != start else { return nil }
        let consumed = UnsafeMutableRawPointer(stop) - UnsafeMutableRawPointer(start)
        guard p + consumed <= end else { return nil }
        p += consumed
        guard p == end || base[p] == 32 || base[p] == 9 || base[p] == 13 else { return nil }
        return x
    }
}
