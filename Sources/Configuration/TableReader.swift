import Storage

/// Typed, tracked access to one table of a problem file.
///
/// Every key the schema knows is asked for through this reader, present or not; `finish()`
/// then reports any key that was never asked for as unknown, with the nearest known key.
/// That is how unknown keys become errors without a second list of valid keys to keep in step.
public final class TableReader {
    public let table: ConfigTable
    public let path: [String]
    public let document: ProblemDocument
    /// Keys asked for, in order (for suggestions), and as a set (a 100,000-entry parameters
    /// table made the linear `contains` quadratic: 35 s).
    private var known: [String] = []
    private var knownSet: Set<String> = []

    public init(table: ConfigTable, path: [String], document: ProblemDocument) {
        self.table = table; self.path = path; self.document = document
    }

    public func error(_ key: String, _ message: String) -> ProblemError { document.error(path + [key], message) }

    /// An error at a dotted key below this table (`pde.grid` under [sweep.parameters]).
    public func error(dotted key: String, _ message: String) -> ProblemError {
        document.error(path + key.split(separator: ".").map(String.init), message)
    }

    /// Marks `key` as part of the schema and returns its raw value, if present.
    public func value(_ key: String) -> ConfigValue? {
        if knownSet.insert(key).inserted { known.append(key) }
        return table[key]
    }

    public func has(_ key: String) -> Bool { value(key) != nil }

    public func string(_ key: String) throws -> String? {
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw error(key, "expected a string, found \(v.typeName)") }
        return s
    }

    public func string(_ key: String, default d: String, oneOf allowed: [String]? = nil) throws -> String {
        let s = try string(key) ?? d
        if let allowed, !allowed.contains(s) {
            let hint = nearest(s, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
            throw error(key, "unknown value '\(s)'\(hint); expected one of: \(allowed.joined(separator: ", "))")
        }
        return s
    }

    public func double(_ key: String) throws -> Double? {
        guard let v = value(key) else { return nil }
        switch v {
        case .double(let d): return d
        case .integer(let i): return Double(i)
        default: throw error(key, "expected a number, found \(v.typeName)")
        }
    }

    public func double(_ key: String, default d: Double, minimum: Double? = nil, exclusiveMinimum: Bool = false) throws -> Double {
        let x = try double(key) ?? d
        guard x.isFinite else { throw error(key, "must be finite, got \(x)") }
        if let m = minimum, exclusiveMinimum ? !(x > m) : !(x >= m) {
            throw error(key, "must be \(exclusiveMinimum ? ">" : "≥") \(m), got \(x)")
        }
        return x
    }

    public func int(_ key: String) throws -> Int? {
        guard let v = value(key) else { return nil }
        switch v {
        case .integer(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 1e15: return Int(d)
        default: throw error(key, "expected an integer, found \(v.typeName)")
        }
    }

    /// An integer in minimum ... maximum: the bound is checked here, before any caller's
    /// arithmetic can overflow on a value such as 9223372036854775807.
    public func int(_ key: String, default d: Int, minimum: Int, maximum: Int = Int(Int32.max)) throws -> Int {
        let i = try int(key) ?? d
        guard i >= minimum else { throw error(key, "must be ≥ \(minimum), got \(i)") }
        guard i <= maximum else { throw error(key, "must be ≤ \(maximum), got \(i)") }
        return i
    }

    public func bool(_ key: String, default d: Bool) throws -> Bool {
        guard let v = value(key) else { return d }
        guard case .bool(let b) = v else { throw error(key, "expected true or false, found \(v.typeName)") }
        return b
    }

    public func array(_ key: String) throws -> [ConfigValue]? {
        guard let v = value(key) else { return nil }
        guard case .array(let a) = v else { throw error(key, "expected an array, found \(v.typeName)") }
        return a
    }

    /// A nested table; `nil` when absent. An inline table counts.
    public func table(_ key: String) throws -> TableReader? {
        guard let v = value(key) else { return nil }
        guard case .table(let t) = v else { throw error(key, "expected a table, found \(v.typeName)") }
        return TableReader(table: t, path: path + [key], document: document)
    }

    /// Throws for the first key in the table that the schema never asked for.
    public func finish() throws {
        for key in table.keys where !knownSet.contains(key) {
            let hint = nearest(key, in: known).map { " (did you mean '\($0)'?)" } ?? ""
            let section = path.isEmpty ? "at the top level" : "in [\(path.joined(separator: "."))]"
            throw error(key, "unknown key \(section)\(hint)")
        }
    }

    /// `parameters = { name = number, … }`: named finite constants for expressions.
    public func parameters() throws -> [String: Double] {
        var parameters: [String: Double] = [:]
        if let p = try table("parameters") {
            for key in p.table.keys {
                guard let x = try p.double(key), x.isFinite else { throw p.error(key, "must be a finite number") }
                parameters[key] = x
            }
        }
        return parameters
    }
}
