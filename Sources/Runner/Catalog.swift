import Configuration
import Foundation
import Solvers
import Problems
import Storage

/// `pdekit list`: problem kinds, methods and preconditioners with one line of help each,
/// generated from the same tables the problem-file reader validates against.
public enum Catalog {
    public static var text: String {
        func section(_ title: String, _ rows: [(name: String, help: String)]) -> String {
            let width = rows.map(\.name.count).max() ?? 0
            return "\(title):\n" + rows.map { "  \($0.name.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.help)\n" }.joined()
        }
        return section("problem kinds ([problem] kind)", ProblemSpec.kinds)
            + section("methods ([solver] method)", SolverSpec.methods)
            + section("preconditioners ([solver] preconditioner, for the methods that take one: "
                      + SolverRegistry.methods.filter(\.usesPreconditioner).map(\.name).joined(separator: ", ") + ")", SolverSpec.preconditioners)
    }
}

extension Catalog {
    /// `pdekit help NAME`: a method's or preconditioner's help line and its `[solver.NAME]`
    /// options, or the keys of `[solver]` and `[output]`, each with its type, default and
    /// allowed values or range. The keys are those the problem-file readers ask for (read here
    /// from an empty table with a `SchemaLog`), so the help cannot drift from what is accepted.
    /// nil when NAME is none of these.
    public static func help(_ name: String) throws -> String? {
        let document = try ProblemDocument(text: "", path: "help", directory: URL(fileURLWithPath: "/"), kindTable: { $0 })
        if name == "solver" || name == "output" {
            let entries = schema(path: [name], base: ConfigTable(), document: document) { r in
                if name == "solver" { _ = try SolverSpec(r) } else { _ = try OutputSpec(r) }
            }
            return "[\(name)] keys (docs/problem-files.md):\n" + format(entries)
        }
        if ProblemKinds.names.contains(name) { return try kindHelp(name) }
        let method = SolverRegistry.methods.first { $0.name == name }
        let preconditioner = SolverRegistry.preconditioners.first { $0.name == name }
        guard method != nil || preconditioner != nil else { return nil }
        var text = ""
        if let m = method {
            text += "\(name) — method ([solver] method = \"\(name)\"): \(m.help)\n"
            text += "  " + (m.usesPreconditioner ? "takes [solver] preconditioner" : "takes no preconditioner")
                + (m.iterative ? "; iterative: rtol, atol, max_iterations, time_limit" : "; direct: rtol and atol check the residual")
                + (m.acceptsInitialGuess
                    ? "; initial_guess (\"previous\" or \"projection\"; default \"\(m.defaultInitialGuess.rawValue)\") applies" : "")
                + "\n"
        }
        if let p = preconditioner {
            text += "\(name) — preconditioner ([solver] preconditioner = \"\(name)\"): \(p.help)\n"
        }
        let parse = method?.options ?? preconditioner!.options
        text += "options, [solver.\(name)]:\n" + format(schema(path: ["solver", name], base: ConfigTable(), document: document) { r in
            _ = try parse(r); try r.finish()
        })
        return text
    }

    /// The keys `read` asks for when it reads `base`. A key read only when present (`if
    /// r.has(k)`) is probed: the table is read again holding that key as an integer, a number, a
    /// string, then a boolean, and the first value that is not refused as the wrong type tells
    /// its type and bounds. Such a key is unset by default (the component then chooses, e.g.
    /// GMG's levels from the grid), so the placeholder default its reader passes is not shown.
    static func schema(path: [String], base: ConfigTable, document: ProblemDocument,
                       _ read: (TableReader) throws -> Void) -> [SchemaLog.Entry] {
        func log(_ table: ConfigTable) -> SchemaLog {
            let reader = TableReader(table: table, path: path, document: document)
            let log = SchemaLog()
            reader.schema = log
            try? read(reader)
            return log
        }
        var entries = log(base).entries
        // A key read only to refuse it (`blocks` in a reduced basis of family "pde") is refused
        // whatever its type: it is not listed.
        var refused: Set<String> = []
        for (i, e) in entries.enumerated() where e.type == "value" && !e.key.contains(".") && base[e.key] == nil {
            var refusals = 0
            let probes: [ConfigValue] = [.integer(1), .double(0.5), .string("probe"), .bool(true), .array([.integer(1)])]
            for probe in probes {
                var table = base
                table[e.key] = probe
                let reader = TableReader(table: table, path: path, document: document)
                let found = SchemaLog()
                reader.schema = found
                var failure: Error?
                do { try read(reader) } catch { failure = error }
                if var typed = found.entries.first(where: { $0.key == e.key && $0.type != "value" }) {
                    let bounds = typed.detail.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
                    typed.detail = (["unset by default"] + bounds).joined(separator: "; ")
                    entries[i] = typed
                    break
                }
                guard let failure else { break }
                if "\(failure)".contains("expected") { continue }
                if (failure as? ProblemError)?.key == (path + [e.key]).joined(separator: ".") { refusals += 1; continue }
                break
            }
            if refusals == probes.count { refused.insert(e.key) }
        }
        return entries.filter { !refused.contains($0.key) }
    }

    static func format(_ entries: [SchemaLog.Entry]) -> String {
        guard !entries.isEmpty else { return "  no options\n" }
        let width = entries.map(\.key.count).max() ?? 0, typeWidth = entries.map(\.type.count).max() ?? 0
        return entries.map { e in
            let required = e.requiredIn.map { $0.isEmpty ? "required" : "required with " + $0.joined(separator: " or ") }
            let detail = [required, e.detail.isEmpty ? nil : e.detail].compactMap { $0 }.joined(separator: "; ")
            return "  " + e.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + e.type.padding(toLength: typeWidth, withPad: " ", startingAt: 0) + (detail.isEmpty ? "" : "  " + detail) + "\n"
        }.joined()
    }

    /// `pdekit help KIND`: the keys of the kind's table, read from each of its minimal tables
    /// (`PhysicsSection.minimalTables`) with a schema log. A key is required when the table
    /// without it is refused. Keys every variant reads come first, then each variant's own.
    static func kindHelp(_ kind: String) throws -> String {
        let tableName = ProblemKinds.tableName(of: kind)
        var text = "\(kind) — problem kind ([problem] kind = \"\(kind)\"): \(ProblemKinds.help(of: kind))\n"
        let variants = try ProblemKinds.minimalTables(of: kind).map { table in (table.variant, try kindSchema(kind, table)) }
        guard !variants.isEmpty else { return text + "keys, [\(tableName)]: not listed (the kind gives no minimal table)\n" }
        let everywhere = Set(variants[0].1.map(\.key)).filter { key in variants.allSatisfy { $0.1.contains { $0.key == key } } }
        var common: [SchemaLog.Entry] = []
        for key in variants.flatMap({ $0.1.map(\.key) }) where everywhere.contains(key) && !common.contains(where: { $0.key == key }) {
            // The most specific reading: a variant may read the key raw where another types it.
            let readings = variants.flatMap { $0.1.filter { $0.key == key } }
            var e = readings.first { $0.type != "value" } ?? readings[0]
            let required = variants.filter { $0.1.contains { $0.key == key && $0.requiredIn != nil } }.map(\.0)
            e.requiredIn = required.isEmpty ? nil : required.count == variants.count ? [] : required
            common.append(e)
        }
        text += "keys, [\(tableName)] (docs/problem-files.md):\n" + format(common)
        for (variant, entries) in variants {
            let own = entries.filter { !everywhere.contains($0.key) }
            if !own.isEmpty { text += "with \(variant):\n" + format(own) }
        }
        return text
    }

    /// One minimal table's keys, with `required` marked; its data files are written to a
    /// temporary folder that is removed afterwards.
    static func kindSchema(_ kind: String, _ minimal: MinimalTable) throws -> [SchemaLog.Entry] {
        let tableName = ProblemKinds.tableName(of: kind)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pdekit-help-\(getpid())-\(UUID().uuidString)")
        // Only the folder itself: a TMPDIR that does not exist is not created.
        guard mkdir(folder.path, 0o700) == 0 else {
            throw ProblemError(file: "TMPDIR", message: "cannot create a temporary folder in \(folder.deletingLastPathComponent().path) "
                               + "for \(kind)'s minimal tables: \(String(cString: strerror(errno))) (set TMPDIR to a writable folder)")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, contents) in minimal.files {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)  // inside it
            try Data(contents.utf8).write(to: url)
        }
        for (name, array) in minimal.arrays {
            try NPY.write(array.values, shape: array.shape, to: folder.appendingPathComponent(name), durable: false)
        }
        let document = try ProblemDocument(text: "[\(tableName)]\n" + minimal.toml, path: folder.appendingPathComponent("help.toml").path,
                                           directory: folder, kindTable: { $0 })
        guard case .table(let base)? = document.root[tableName] else { throw ProblemError(file: "help", message: "no [\(tableName)]") }
        let read = { (r: TableReader) throws in _ = try ProblemKinds.read(kind, r); try r.finish() }
        do { try read(TableReader(table: base, path: [tableName], document: document)) } catch {
            throw ProblemError(file: "help", message: "the minimal \(kind) table \(minimal.variant) is refused: \(error)")
        }
        var entries = schema(path: [tableName], base: base, document: document, read)
        for (i, e) in entries.enumerated() {
            let keyPath = e.key.split(separator: ".").map(String.init)
            var without = base
            guard without.value(at: keyPath[...]) != nil else { continue }
            without.remove(at: keyPath[...])
            if (try? read(TableReader(table: without, path: [tableName], document: document))) == nil { entries[i].requiredIn = [] }
        }
        return entries
    }

    /// The names `help` knows, for its usage line.
    public static var helpNames: [String] {
        var names = SolverRegistry.methods.map(\.name)
        for p in SolverRegistry.preconditioners.map(\.name) where !names.contains(p) { names.append(p) }
        return names + ["solver", "output"] + ProblemKinds.names
    }
}
