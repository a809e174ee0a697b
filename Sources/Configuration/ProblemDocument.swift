import Foundation
import Storage
import TOMLKit

/// A parsed problem file plus what is needed to point at its lines in error messages.
///
/// TOMLKit parses (and reports syntax errors with line and column); it does not keep source
/// positions of keys, so `line(of:)` finds a key by scanning the text for its table header and
/// `key =` line. `--set` overrides are applied to the tree and remembered, so an error in an
/// overridden value names `--set KEY` instead of a line.
public struct ProblemDocument: Sendable {
    /// Path as the user gave it (used in messages).
    public let path: String
    /// Folder the file lives in: relative data paths resolve against it.
    public let directory: URL
    public private(set) var root: ConfigTable
    /// Where each key path first appears in the text (file order across dotted groups).
    public let keyOrder: TOMLKeyOrder
    private let lines: [Substring]
    /// Keys set from outside the file, with how to name them in messages ("--set", "[sweep] parameter").
    private var overridden: [String: String] = [:]
    /// The `--set` overrides as given, in order (recorded in run.toml's `[provenance]`).
    public private(set) var overrides: [String] = []
    /// True when the file is a run record (`run.toml` with `[provenance]`) being replayed: its
    /// result tables were set aside and relative paths resolve in the original problem's folder.
    public private(set) var isReplay = false


    /// `kindTable` names the table that holds a kind's settings (what a replayed run record
    /// keeps besides [problem], [solver] and [output]); the problem kinds are not known here.
    public init(path: String, overrides: [String] = [], kindTable: (String) -> String) throws {
        let url = URL(fileURLWithPath: path)
        let bytes: [UInt8]
        do { bytes = try FileBytes.read(url) } catch let e as StorageError {
            throw ProblemError(file: path, message: e.kind == .notFound ? "no such file" : e.message)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ProblemError(file: path, message: "not UTF-8 text")
        }
        if url.pathExtension == "json", text.contains("\"provenance\"") {
            throw ProblemError(file: path, message: "a run.json record cannot be replayed; replay runs from run.toml "
                + "([output] format = \"toml\", the default)")
        }
        try self.init(text: text, path: path, directory: url.deletingLastPathComponent(), overrides: overrides, kindTable: kindTable)
    }

    public init(text: String, path: String, directory: URL, overrides: [String] = [], kindTable: (String) -> String) throws {
        self.path = path
        var directory = directory
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if text.unicodeScalars.contains("\0") {
            let line = lines.firstIndex { $0.unicodeScalars.contains("\0") }.map { $0 + 1 }
            throw ProblemError(file: path, line: line, message: "TOML syntax error: a NUL byte in the text")
        }
        if let bad = TOMLPrecheck.unsafeHeader(in: text) {
            throw ProblemError(file: path, line: bad.line, key: bad.message.contains("NUL") ? Self.key(atLine: bad.line, of: lines) : nil,
                               message: bad.message)
        }
        do {
            keyOrder = TOMLKeyOrder(text)
            root = ConfigTable(toml: try TOMLTable(string: text), order: keyOrder)
        } catch let e as TOMLParseError {
            throw ProblemError(file: path, line: e.source.begin.line, message: "TOML syntax error: \(oneLine(e.description))")
        }
        // A run record (`pdekit run outputs/x/run.toml`): the resolved configuration is the
        // problem; the result tables are set aside and data files resolve where the original
        // problem file was.
        if case .table(let provenance)? = root["provenance"], root["result"] != nil {
            if case .string(let d)? = provenance["problem_directory"] { directory = URL(fileURLWithPath: d, isDirectory: true) }
            // The configuration is [problem], the kind's table, [solver] and [output]; every
            // other table of a record is a result (a study may add its own).
            var kind = ""
            if case .table(let problem)? = root["problem"], case .string(let k)? = problem["kind"] { kind = k }
            let keep: Set<String> = ["problem", "solver", "output", kindTable(kind)]
            for name in root.keys where !keep.contains(name) { root[name] = nil }
            isReplay = true
        }
        self.directory = directory
        if let key = Self.firstNonFinite(in: root) {
            throw error(key, "nan and inf are not accepted: give a finite number")
        }
        for o in overrides { try apply(override: o) }
        self.overrides = overrides
    }

    /// The path of the first NaN or infinite number in `table` (TOML has `nan` and `inf`
    /// literals; no pdekit setting means anything with them).
    static func firstNonFinite(in table: ConfigTable) -> [String]? {
        func search(_ v: ConfigValue) -> [String]? {
            switch v {
            case .double(let x): return x.isFinite ? nil : []
            case .array(let a): for e in a { if let p = search(e) { return p } }; return nil
            case .table(let t):
                for k in t.keys { if let p = search(t[k]!) { return [k] + p } }
                return nil
            default: return nil
            }
        }
        return search(.table(table))
    }


    /// Applies `key.path=value`; the value is read as TOML (`[33,33]`, `1e-6`, `"ic0"`) and,
    /// failing that, as a bare string (`--set solver.preconditioner=ic0`).
    private mutating func apply(override: String) throws {
        guard let eq = override.firstIndex(of: "=") else {
            throw ProblemError(file: path, key: "--set \(override)", message: "expected KEY=VALUE, e.g. --set pde.grid=[33,33]")
        }
        let key = override[..<eq].trimmingCharacters(in: .whitespaces)
        let raw = override[override.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        let value: ConfigValue
        let toml = "v = \(raw)"
        let problem = TOMLPrecheck.unsafeHeader(in: toml)
        if let problem, problem.message.contains("NUL") {
            throw ProblemError(file: path, key: "--set \(key)", message: problem.message)
        }
        if problem == nil, !raw.unicodeScalars.contains("\0"),
           let t = try? TOMLTable(string: toml), t.keys.count == 1, let v = t["v"] {
            value = ConfigValue(toml: v)
        } else {
            value = .string(raw)
        }
        if Self.firstNonFinite(in: { var t = ConfigTable(); t["v"] = value; return t }()) != nil {
            throw ProblemError(file: path, key: "--set \(key)", message: "nan and inf are not accepted: give a finite number")
        }
        try set(key: key, value: value, label: "--set")
    }

    /// Sets a dotted key; `label` names where the value came from in error messages.
    mutating func set(key: String, value: ConfigValue, label: String) throws {
        let parts = Self.keyPath(key)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else {
            throw ProblemError(file: path, key: "\(label) \(key)", message: "empty key")
        }
        do {
            try root.set(path: parts[...], to: value)
        } catch let e as ConfigPathError {
            throw ProblemError(file: path, key: "\(label) \(key)", message: "'\(e.key)' is \(e.found), not a table")
        }
        overridden[key] = label
    }

    mutating func removeSweep() { root["sweep"] = nil }

    /// Splits a dotted key as TOML does: a quoted part may contain dots
    /// (`sweep.parameters."pde.grid"` has three parts).
    static func keyPath(_ key: String) -> [String] {
        var parts: [String] = [], current = ""
        var quote: Character?
        for c in key {
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
            } else if c == "\"" || c == "'" {
                quote = c
            } else if c == "." {
                parts.append(current.trimmingCharacters(in: .whitespaces)); current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current.trimmingCharacters(in: .whitespaces))
        return parts
    }

    /// The 1-based line where `keyPath` is defined, if it can be found.
    public func line(of keyPath: [String]) -> Int? {
        guard let last = keyPath.last else { return nil }
        var section: [String] = []
        var best: Int?
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                let inner = line.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                    .split(separator: "#").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                let cut = inner.firstIndex(of: "]").map { String(inner[..<$0]) } ?? inner
                section = cut.split(separator: ".").map {
                    $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
                }
                if section == keyPath { return index + 1 }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let lhs = line[..<eq].split(separator: ".").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            }
            let full = section + lhs
            if full == keyPath { return index + 1 }
            // An inline table holding the key: `boundary = { x_min = ... }` — remember the line.
            if keyPath.starts(with: full), line[line.index(after: eq)...].contains(last) { best = index + 1 }
        }
        return best
    }

    /// A ProblemError located at `keyPath`.
    public func error(_ keyPath: [String], _ message: String) -> ProblemError {
        let key = keyPath.joined(separator: ".")
        if let (_, label) = overridden.first(where: { key == $0.key || key.hasPrefix($0.key + ".") }) {
            return ProblemError(file: path, key: "\(label) \(key)", message: message)
        }
        return ProblemError(file: path, line: line(of: keyPath), key: key, message: message)
    }

    /// A reader over the root table.
    public func reader() -> TableReader { TableReader(table: root, path: [], document: self) }

    /// Resolves a data path from the file against the problem file's folder.
    public func resolve(_ relative: String) -> URL {
        relative.hasPrefix("/") ? URL(fileURLWithPath: relative) : directory.appendingPathComponent(relative)
    }
}

extension ProblemDocument {
    /// The dotted key a `key = value` line sets (its table header prepended), for an error found
    /// before parsing (a NUL escape in a string); nil when the line sets none.
    static func key(atLine line: Int, of lines: [Substring]) -> String? {
        guard line >= 1, line <= lines.count, let eq = lines[line - 1].firstIndex(of: "=") else { return nil }
        let lhs = lines[line - 1][..<eq].trimmingCharacters(in: .whitespaces)
        guard !lhs.isEmpty, !lhs.hasPrefix("[") else { return nil }
        let header = lines[..<(line - 1)].last { $0.trimmingCharacters(in: .whitespaces).hasPrefix("[") }
            .map { h -> String in
                let inner = h.drop { $0 == " " || $0 == "\t" || $0 == "[" }
                return String(inner.prefix { $0 != "]" }).trimmingCharacters(in: .whitespaces)
            }
        return header.map { "\($0).\(lhs)" } ?? lhs
    }
}

extension ProblemDocument {
    /// A copy of the document with `[sweep]` removed and the case's values set; errors in those
    /// values name the sweep parameter instead of a line.
    public func sweepCase(_ values: [(key: String, value: ConfigValue)]) throws -> ProblemDocument {
        var d = self
        d.removeSweep()
        for (key, value) in values { try d.set(key: key, value: value, label: "[sweep] parameter") }
        return d
    }
}
