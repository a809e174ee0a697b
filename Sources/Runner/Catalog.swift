import Configuration
import Foundation
import Solvers
import Problems

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
        /// The keys `read` asks for. A key read only when present (`if r.has(k)`) is probed: the
        /// table is read again holding just that key as an integer, a number, a string, then a
        /// boolean, and the first value that is not refused as the wrong type tells its type and
        /// bounds. Such a key is unset by default (the component then chooses, e.g. GMG's
        /// levels from the grid), so the placeholder default its reader passes is not shown.
        func keys(_ path: [String], _ read: (TableReader) throws -> Void) throws -> String {
            func log(_ table: ConfigTable) -> SchemaLog {
                let reader = TableReader(table: table, path: path, document: document)
                let log = SchemaLog()
                reader.schema = log
                try? read(reader)
                return log
            }
            var entries = log(ConfigTable()).entries.filter { $0.type != "table" }  // nested tables: listed by their keys
            for (i, e) in entries.enumerated() where e.type == "value" && !e.key.contains(".") {
                for probe: ConfigValue in [.integer(1), .double(0.5), .string("probe"), .bool(true)] {
                    var table = ConfigTable()
                    table[e.key] = probe
                    let reader = TableReader(table: table, path: path, document: document)
                    let found = SchemaLog()
                    reader.schema = found
                    do { try read(reader) } catch { if "\(error)".contains("expected") { continue } }
                    if var typed = found.entries.first(where: { $0.key == e.key && $0.type != "value" }) {
                        let bounds = typed.detail.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
                        typed.detail = (["unset by default"] + bounds).joined(separator: "; ")
                        entries[i] = typed
                    }
                    break
                }
            }
            guard !entries.isEmpty else { return "  no options\n" }
            let width = entries.map(\.key.count).max() ?? 0, typeWidth = entries.map(\.type.count).max() ?? 0
            return entries.map { e in
                "  " + e.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                    + e.type.padding(toLength: typeWidth, withPad: " ", startingAt: 0) + (e.detail.isEmpty ? "" : "  " + e.detail) + "\n"
            }.joined()
        }
        if name == "solver" || name == "output" {
            let table = try keys([name]) { r in
                if name == "solver" { _ = try SolverSpec(r) } else { _ = try OutputSpec(r) }
            }
            return "[\(name)] keys (docs/problem-files.md):\n" + table
        }
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
        text += "options, [solver.\(name)]:\n" + (try keys(["solver", name]) { r in _ = try parse(r); try r.finish() })
        return text
    }

    /// The names `help` knows, for its usage line.
    public static var helpNames: [String] {
        var names = SolverRegistry.methods.map(\.name)
        for p in SolverRegistry.preconditioners.map(\.name) where !names.contains(p) { names.append(p) }
        return names + ["solver", "output"]
    }
}
