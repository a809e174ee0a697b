import Solvers
import Configuration
import Foundation
import Storage

/// A validated problem file: everything `run` needs, with defaults filled in.
///
/// Sections: `[problem]` (name, kind, description), the physics (`[pde]` or `[system]`),
/// `[solver]` and `[output]`. Unknown sections and keys are errors naming the line.
public struct ProblemSpec: Sendable {
    /// Kinds by name, with the one line `pdekit list` prints (from `ProblemKinds`).
    public static var kinds: [(name: String, help: String)] { ProblemKinds.catalog }

    public var name: String
    public var kind: String
    public var description: String?
    /// The validated physics section of `kind` (`PDESpec`, `SystemSpec`, ...).
    public var physics: any PhysicsSection
    public var solver: SolverSpec
    public var output: OutputSpec
    public let document: ProblemDocument
    /// The file has a `[sweep]` table (read by `SweepSpec`; `run` solves the base problem).
    public let hasSweep: Bool

    /// The file's name without its extension (`problems/a.b.toml` → `a.b`), as
    /// `URL.deletingPathExtension().lastPathComponent` gives it, in text: a sweep builds a spec
    /// per case, and the URL round trip cost 27 µs each.
    static func stem(_ path: String) -> String {
        var name = Substring(path)
        while name.count > 1, name.hasSuffix("/") { name = name.dropLast() }
        if let slash = name.lastIndex(of: "/"), name.index(after: slash) < name.endIndex { name = name[name.index(after: slash)...] }
        if let dot = name.lastIndex(of: "."), dot > name.startIndex, name.index(after: dot) < name.endIndex { name = name[..<dot] }
        return String(name)
    }

    public init(_ document: ProblemDocument) throws {
        self.document = document
        let root = document.reader()
        guard let problem = try root.table("problem") else {
            throw ProblemError(file: document.path, key: "problem",
                               message: "missing [problem] table with name and kind, e.g. kind = \"pde\"")
        }
        let stem = Self.stem(document.path)
        name = try problem.string("name") ?? stem
        guard !name.isEmpty, !name.contains("/"), name != ".", name != "..",
              !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw problem.error("name", "must be a plain folder name (no '/', no control characters), got '\(oneLine(name))'")
        }
        let kinds = ProblemKinds.names
        guard problem.has("kind") else {
            throw problem.error("kind", "missing: one of \(kinds.joined(separator: ", "))")
        }
        kind = try problem.string("kind", default: "pde", oneOf: kinds)
        description = try problem.string("description")
        try problem.finish()

        let tableName = ProblemKinds.tableName(of: kind)
        guard let t = try root.table(tableName) else {
            throw ProblemError(file: document.path, key: tableName, message: "kind = \"\(kind)\" needs a [\(tableName)] table")
        }
        // Every throwing step before the existential is stored (Swift 6.3's SILGen crashes on the
        // cleanup of a partly initialised struct holding an opened existential).
        let section_ = try ProblemKinds.read(kind, t)
        if !ProblemKinds.usesSolver(kind), root.has("solver") {
            throw ProblemError(file: document.path, key: "solver",
                               message: "kind = \"\(kind)\" is not solved through [solver]; remove the table (its settings are in [\(tableName)])")
        }
        var solver_ = try SolverSpec(try root.table("solver"))
        if let pde = section_ as? PDESpec, pde.velocity == nil, pde.reaction == nil { solver_.stencilByDefault() }
        let output_ = try OutputSpec(try root.table("output"))
        let sweep_ = root.has("sweep")
        try root.finish()
        solver = solver_
        output = output_
        hasSweep = sweep_
        physics = section_
    }

    /// Loads and validates a problem file with `--set` overrides.
    public init(path: String, overrides: [String] = []) throws {
        try self.init(try ProblemDocument(path: path, overrides: overrides))
    }

    /// Every file the problem reads: the problem file and its data files. An output folder
    /// that holds one of them is never replaced.
    public var inputFiles: [URL] {
        [URL(fileURLWithPath: document.path)] + dataFileNames.map(document.resolve)
    }

    /// The data files as the problem names them (relative to its folder), unresolved: a sweep
    /// of 10⁴ cases sharing them resolves each name once instead of once per case.
    public var dataFileNames: [String] {
        var names = physics.dataFiles
        names += solver.componentsInUse.flatMap { solver.options[$0]?.dataFiles ?? [] }
        if let r = output.reference { names.append(r) }
        return names
    }

    /// The resolved configuration, as written to `run.toml`.
    public var resolved: ConfigTable {
        var t = ConfigTable()
        var p = ConfigTable()
        p["name"] = .string(name); p["kind"] = .string(kind)
        if let description { p["description"] = .string(description) }
        t["problem"] = .table(p)
        t[ProblemKinds.tableName(of: kind)] = .table(physics.resolved)
        if ProblemKinds.usesSolver(kind) { t["solver"] = .table(solver.resolved) }
        t["output"] = .table(output.resolved)
        return t
    }
}
