import Foundation

/// A sparse matrix in coordinate (triplet) form with 0-based indices and general storage:
/// both triangles are present even when the file stored one. Duplicate (row, column) pairs are
/// kept as they appear, because the finite-element convention is that duplicates add; the
/// consumer sums them when it compresses to CSR.
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

/// What a Matrix Market file holds: sparse coordinates, or a dense array.
public enum MatrixMarketContent: Sendable, Equatable {
    case coordinate(CoordinateMatrix)
    /// Dense values in column-major order, as the format stores them (symmetry already expanded).
    case array(rows: Int, columns: Int, columnMajorValues: [Double])
}

/// The NIST Matrix Market exchange format, the common currency of SuiteSparse, SciPy and PETSc
/// test matrices.
///
/// Reads `matrix coordinate|array` with field real, integer or pattern and symmetry general,
/// symmetric or skew-symmetric, expanding symmetric storage. Writes real coordinate files with
/// 17 significant digits, so that every Double reads back exactly.
public enum MatrixMarket {
    /// Reads a file; errors name the path and the line.
    public static func read(_ url: URL) throws -> MatrixMarketContent {
        try parse(FileBytes.read(url, appendingZero: true), path: url.path)
    }

    /// Parses the bytes of a Matrix Market file; `path` only names the file in errors.
    public static func decode(_ data: Data, path: String) throws -> MatrixMarketContent {
        var bytes = [UInt8]()
        bytes.reserveCapacity(data.count + 1)
        bytes.append(contentsOf: data)
        bytes.append(0)
        return try parse(bytes, path: path)
    }

    private static func parse(_ terminated: [UInt8], path: String) throws -> MatrixMarketContent {
        try terminated.withUnsafeBufferPointer { buffer in
            var parser = MatrixMarketParser(lines: TextLines(terminated: buffer), path: path)
            return try parser.parse()
        }
    }

    /// Writes `m` in coordinate format, atomically. With `symmetric`, only entries with
    /// row ≥ column are written under a `symmetric` banner: the caller asserts that `m` is
    /// symmetric, and the reader restores the upper triangle.
    /// - Precondition: the index and value arrays have equal length, indices lie inside the
    ///   matrix, and a symmetric matrix is square.
    public static func write(_ m: CoordinateMatrix, symmetric: Bool, to url: URL) throws {
        try AtomicFile.write(try encode(m, symmetric: symmetric, path: url.path), to: url)
    }

    /// Writes a dense matrix in array format (column-major values), atomically.
    /// - Precondition: `columnMajorValues.count == rows * columns`.
    public static func writeArray(rows: Int, columns: Int, columnMajorValues: [Double], to url: URL) throws {
        try AtomicFile.write(try encodeArray(rows: rows, columns: columns, columnMajorValues: columnMajorValues, path: url.path), to: url)
    }

    static func encode(_ m: CoordinateMatrix, symmetric: Bool, path: String) throws -> Data {
        precondition(m.rowIndices.count == m.values.count && m.columnIndices.count == m.values.count,
                     "CoordinateMatrix: \(m.rowIndices.count) row indices, \(m.columnIndices.count) column indices, \(m.values.count) values")
        precondition(!symmetric || m.rows == m.columns, "a symmetric Matrix Market file needs a square matrix, got \(m.rows)×\(m.columns)")
        var kept = 0
        for k in 0..<m.values.count {
            precondition(m.rowIndices[k] >= 0 && Int(m.rowIndices[k]) < m.rows && m.columnIndices[k] >= 0 && Int(m.columnIndices[k]) < m.columns,
                         "entry \(k) at (\(m.rowIndices[k]), \(m.columnIndices[k])) lies outside the \(m.rows)×\(m.columns) matrix")
            if !symmetric || m.rowIndices[k] >= m.columnIndices[k] { kept += 1 }
        }
        var out = TextOutput(capacity: 64 + 40 * kept)
        out.append("%%MatrixMarket matrix coordinate real \(symmetric ? "symmetric" : "general")\n% written by pdekit\n")
        out.append("\(m.rows) \(m.columns) \(kept)\n")
        for k in 0..<m.values.count where !symmetric || m.rowIndices[k] >= m.columnIndices[k] {
            try checkFinite(m.values[k], entry: k, path: path)
            out.append(Int(m.rowIndices[k]) + 1); out.append(byte: 0x20)
            out.append(Int(m.columnIndices[k]) + 1); out.append(byte: 0x20)
            out.appendRoundTrip(m.values[k]); out.append(byte: 0x0A)
        }
        return Data(out.bytes)
    }

    static func encodeArray(rows: Int, columns: Int, columnMajorValues values: [Double], path: String) throws -> Data {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns,
                     "Matrix Market array: \(values.count) values for \(rows)×\(columns)")
        var out = TextOutput(capacity: 64 + 25 * values.count)
        out.append("%%MatrixMarket matrix array real general\n% written by pdekit\n\(rows) \(columns)\n")
        for (k, x) in values.enumerated() {
            try checkFinite(x, entry: k, path: path)
            out.appendRoundTrip(x); out.append(byte: 0x0A)
        }
        return Data(out.bytes)
    }

    /// The reader rejects NaN and infinity, so the writer refuses to produce them.
    private static func checkFinite(_ x: Double, entry k: Int, path: String) throws {
        guard x.isFinite else {
            throw StorageError(.nonFinite, path: path, message: "cannot write entry \(k + 1): value is \(x.isNaN ? "NaN" : "infinite")")
        }
    }
}
