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
    /// Every key path the readers of this document (this one and the tables read through it)
    /// asked for, so that an unknown key can be found at another level (among the tables the
    /// file has: the schema of an absent table is never asked for).
    private let registry: KnownKeys
    /// When set, every key asked for is noted with its type, default and bounds (`pdekit help`
    /// reads a component from an empty table with a log attached); keys of nested tables as
    /// `table.key`.
    public var schema: SchemaLog?
    private var schemaPrefix = ""

    public init(table: ConfigTable, path: [String], document: ProblemDocument) {
        self.table = table; self.path = path; self.document = document; registry = KnownKeys()
    }

    private init(table: ConfigTable, path: [String], document: ProblemDocument, registry: KnownKeys) {
        self.table = table; self.path = path; self.document = document; self.registry = registry
    }

    private func note(_ key: String, _ type: String, _ detail: String = "") { schema?.note(schemaPrefix + key, type, detail) }

    /// An error at `key`. A required key that is missing names the near-miss the table holds
    /// instead (`gird` for `grid`): the one unknown key within two edits of it.
    public func error(_ key: String, _ message: String) -> ProblemError {
        var message = message
        if message.hasPrefix("missing"), table[key] == nil,
           let typo = nearest(key, in: table.keys.filter { !knownSet.contains($0) }, maxDistance: 2) {
            message += " (the table has '\(typo)': a misspelling of '\(key)'?)"
        }
        return document.error(path + [key], message)
    }

    /// An error at a dotted key below this table (`pde.grid` under [sweep.parameters]).
    public func error(dotted key: String, _ message: String) -> ProblemError {
        document.error(path + key.split(separator: ".").map(String.init), message)
    }

    /// Marks `key` as part of the schema and returns its raw value, if present.
    public func value(_ key: String) -> ConfigValue? {
        if knownSet.insert(key).inserted { known.append(key); registry.insert(path + [key]) }
        note(key, "value")
        return table[key]
    }

    public func has(_ key: String) -> Bool { value(key) != nil }

    public func string(_ key: String) throws -> String? {
        note(key, "string")
        guard let v = value(key) else { return nil }
        guard case .string(let s) = v else { throw error(key, "expected a string, found \(v.typeName)") }
        return s
    }

    public func string(_ key: String, default d: String, oneOf allowed: [String]? = nil) throws -> String {
        let s = try string(key) ?? d
        note(key, "string", "default \"\(d)\"" + (allowed.map { "; one of " + $0.joined(separator: ", ") } ?? ""))
        if let allowed, !allowed.contains(s) {
            let hint = nearest(s, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
            throw error(key, "unknown value '\(s)'\(hint); expected one of: \(allowed.joined(separator: ", "))")
        }
        return s
    }

    public func double(_ key: String) throws -> Double? {
        note(key, "number")
        guard let v = value(key) else { return nil }
        switch v {
        case .double(let d): return d
        case .integer(let i): return Double(i)
        default: throw error(key, "expected a number, found \(v.typeName)")
        }
    }

    public func double(_ key: String, default d: Double, minimum: Double? = nil, exclusiveMinimum: Bool = false) throws -> Double {
        let x = try double(key) ?? d
        note(key, "number", "default \(d)" + (minimum.map { "; \(exclusiveMinimum ? ">" : "≥") \($0)" } ?? ""))
        guard x.isFinite else { throw error(key, "must be finite, got \(x)") }
        if let m = minimum, exclusiveMinimum ? !(x > m) : !(x >= m) {
            throw error(key, "must be \(exclusiveMinimum ? ">" : "≥") \(m), got \(x)")
        }
        return x
    }

    public func int(_ key: String) throws -> Int? {
        note(key, "integer")
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
        note(key, "integer", "default \(d); \(minimum) … \(maximum)")
        guard i >= minimum else { throw error(key, "must be ≥ \(minimum), got \(i)") }
        guard i <= maximum else { throw error(key, "must be ≤ \(maximum), got \(i)") }
        return i
    }

    public func bool(_ key: String, default d: Bool) throws -> Bool {
        note(key, "boolean", "default \(d)")
        guard let v = value(key) else { return d }
        guard case .bool(let b) = v else { throw error(key, "expected true or false, found \(v.typeName)") }
        return b
    }

    public func array(_ key: String) throws -> [ConfigValue]? {
        note(key, "array")
        guard let v = value(key) else { return nil }
        guard case .array(let a) = v else {
            // `--set pde.grid=33,33` is a string: TOML arrays are bracketed.
            if case .string(let s) = v, s.contains(",") {
                throw error(key, "expected an array, found a string (an array is bracketed: [\(s)])")
            }
            throw error(key, "expected an array, found \(v.typeName)")
        }
        return a
    }

    /// A nested table; `nil` when absent. An inline table counts.
    public func table(_ key: String) throws -> TableReader? {
        note(key, "table")
        guard let v = value(key) else { return nil }
        guard case .table(let t) = v else { throw error(key, "expected a table, found \(v.typeName)") }
        let child = TableReader(table: t, path: path + [key], document: document, registry: registry)
        child.schema = schema
        child.schemaPrefix = schemaPrefix + key + "."
        return child
    }

    /// Tells the schema log what a key read raw (`value`) accepts, where no typed read says it
    /// (a field: a number, an expression or a table).
    public func describe(_ key: String, as type: String, _ detail: String) { schema?.note(schemaPrefix + key, type, detail) }

    /// A reader of a table held at `key` that is read by hand (an inline table among a key's
    /// forms, an element of an array of tables): its keys go to the schema log as `key.name`
    /// and count for suggestions, as a `table(key)` child's do.
    public func child(_ key: String, _ t: ConfigTable) -> TableReader {
        let child = TableReader(table: t, path: path + [key], document: document, registry: registry)
        child.schema = schema
        child.schemaPrefix = schemaPrefix + key + "."
        return child
    }

    /// Throws for the first key in the table that the schema never asked for, with the nearest
    /// key of this table, or else the key of that name (or nearest to it) at another level that
    /// the readers asked for (`grid` at the top level: `pde.grid`).
    public func finish() throws {
        for key in table.keys where !knownSet.contains(key) {
            let elsewhere = registry.nearest(key, besides: path).map { " (did you mean '\($0.joined(separator: "."))'?)" }
            let hint = nearest(key, in: known).map { " (did you mean '\($0)'?)" } ?? elsewhere ?? ""
            let section = path.isEmpty ? "at the top level" : "in [\(path.joined(separator: "."))]"
            throw error(key, "unknown key \(section)\(hint)")
        }
    }

    /// `parameters = { name = number, … }`: named finite constants for expressions.
    public func parameters() throws -> [String: Double] {
        var parameters: [String: Double] = [:]
        note("parameters", "table", "{ name = number, … }")
        if let p = try table("parameters") {
            p.schema = nil   // the names are the user's, not keys of the schema
            for key in p.table.keys {
                guard let x = try p.double(key), x.isFinite else { throw p.error(key, "must be a finite number") }
                parameters[key] = x
            }
        }
        return parameters
    }
}

/// The key paths the readers of one document asked for (`TableReader`), in order.
final class KnownKeys {
    private var paths: [[String]] = []
    private var seen: Set<[String]> = []

    func insert(_ path: [String]) { if seen.insert(path).inserted { paths.append(path) } }

    /// The asked-for path, not directly in the table at `table`, whose last key is `key` or
    /// nearest to it; the shortest such path, then the first asked for.
    func nearest(_ key: String, besides table: [String]) -> [String]? {
        let candidates = paths.filter { $0.count > 1 && Array($0.dropLast()) != table }
        if let exact = candidates.filter({ $0.last == key }).min(by: { $0.count < $1.count }) { return exact }
        guard let name = Storage.nearest(key, in: Set(candidates.compactMap(\.last))) else { return nil }
        return candidates.filter { $0.last == name }.min { $0.count < $1.count }
    }
}

/// The keys a schema asks for, in the order asked, with their types, defaults and bounds
/// (`TableReader.schema`): what `pdekit help` prints, read from the code that validates the
/// keys, so it cannot disagree with it.
public final class SchemaLog {
    public struct Entry: Sendable, Equatable {
        public var key: String
        /// string, number, integer, boolean, array, table, or value (read raw: several types).
        public var type: String
        /// The default and the allowed values or range, when the reader was given them.
        public var detail: String
        /// Whether a table without the key is refused (`pdekit help KIND` finds out), and in
        /// which of several variants: nil not required, empty in every one.
        public var requiredIn: [String]? = nil
    }
    public private(set) var entries: [Entry] = []
    public init() {}

    /// A more specific reading of a key replaces a raw one; a detail once given is kept.
    func note(_ key: String, _ type: String, _ detail: String) {
        guard let i = entries.firstIndex(where: { $0.key == key }) else {
            entries.append(Entry(key: key, type: type, detail: detail))
            return
        }
        if type != "value" { entries[i].type = type }
        if !detail.isEmpty { entries[i].detail = detail }
    }
}
