import Foundation

/// A table written as CSV (RFC 4180 quoting, '\n' line endings), the format every
/// spreadsheet, pandas and `np.genfromtxt` read without options.
public struct CSVTable: Sendable, Equatable {
    public let header: [String]
    public private(set) var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    /// Adds a row. A row of the wrong width would silently shift every later column in the
    /// reader, so it is a programming error.
    /// - Precondition: `row.count == header.count`.
    public mutating func append(_ row: [String]) {
        precondition(row.count == header.count, "CSV row has \(row.count) fields, the header has \(header.count)")
        rows.append(row)
    }

    /// The whole table as CSV text, header first, every line ending in '\n'.
    public func encoded() -> String {
        var out = CSV.line(header)
        for row in rows { out += CSV.line(row) }
        return out
    }

    /// Writes the table atomically, so a reader never sees half a table.
    public func write(to url: URL, durable: Bool = true) throws { try AtomicFile.write(Data(encoded().utf8), to: url, durable: durable) }
}

/// Field-level CSV helpers.
public enum CSV {
    /// Quotes a field that holds a comma, a quote or a line break, doubling its quotes
    /// (RFC 4180 §2.6–2.7); other fields are written as they are.
    public static func field(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record: fields joined by commas, ended by '\n'.
    public static func line(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\n" }

    /// The shortest text that reads back to exactly `x` (Swift's description is round-trip),
    /// with non-finite values spelled "nan", "inf" and "-inf" as NumPy and pandas parse them.
    public static func format(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return x.description
    }
}
