import Foundation

/// A CSV table (RFC 4180 quoting, '\n' line ends) written atomically.
public struct CSVTable: Sendable {
    public let header: [String]
    public private(set) var rows: [[String]] = []

    public init(header: [String]) { self.header = header }

    public mutating func append(_ row: [String]) {
        precondition(row.count == header.count, "CSV row has \(row.count) fields, header has \(header.count)")
        rows.append(row)
    }

    public func encoded() -> String {
        var out = CSV.line(header)
        for r in rows { out += CSV.line(r) }
        return out
    }

    public func write(to url: URL) throws { try AtomicFile.write(Data(encoded().utf8), to: url) }
}

public enum CSV {
    /// Quotes a field when it holds a comma, a quote or a line break; quotes are doubled.
    public static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public static func line(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\n" }

    /// Shortest round-trip text of a Double; "nan", "inf", "-inf" as NumPy and pandas read them.
    public static func format(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return "\(x)"
    }
}
