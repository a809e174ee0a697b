import Foundation
import Storage

/// A validated problem file: everything `run` needs, with defaults filled in.
///
/// Sections: `[problem]` (name, kind, description), the physics (`[pde]` or `[system]`),
/// `[solver]` and `[output]`. Unknown sections and keys are errors naming the line.
public struct ProblemSpec: Sendable {
    public enum Physics: Sendable {
        case pde(PDESpec)
        case linearSystem(SystemSpec)
    }

    public static let kinds: [(name: String, help: String)] = [
        ("pde", "-div(a grad u) = f on a 1D/2D/3D box, finite differences, Dirichlet or Neumann per side"),
        ("linear_system", "your own A x = b: A in Matrix Market, b in NPY or Matrix Market"),
    ]

    public var name: String
    public var kind: String
    public var description: String?
    public var physics: Physics
    public var solver: SolverSpec
    public var output: OutputSpec
    public let document: ProblemDocument
    /// The file has a `[sweep]` table (read by `SweepSpec`; `run` solves the base problem).
    public let hasSweep: Bool

    public init(_ document: ProblemDocument) throws {
        self.document = document
        let root = document.reader()
        guard let problem = try root.table("problem") else {
            throw ProblemError(file: document.path, key: "problem",
                               message: "missing [problem] table with name and kind, e.g. kind = \"pde\"")
        }
        let stem = URL(fileURLWithPath: document.path).deletingPathExtension().lastPathComponent
        name = try problem.string("name") ?? stem
        guard !name.isEmpty, !name.contains("/"), name != ".", name != "..",
              !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw problem.error("name", "must be a plain folder name (no '/', no control characters), got '\(oneLine(name))'")
        }
        guard problem.has("kind") else {
            throw problem.error("kind", "missing: one of \(Self.kinds.map(\.name).joined(separator: ", "))")
        }
        kind = try problem.string("kind", default: "pde", oneOf: Self.kinds.map(\.name))
        description = try problem.string("description")
        try problem.finish()

        switch kind {
        case "pde":
            guard let t = try root.table("pde") else {
                throw ProblemError(file: document.path, key: "pde", message: "kind = \"pde\" needs a [pde] table")
            }
            physics = .pde(try PDESpec(t))
        default:
            guard let t = try root.table("system") else {
                throw ProblemError(file: document.path, key: "system", message: "kind = \"linear_system\" needs a [system] table")
            }
            physics = .linearSystem(try SystemSpec(t))
        }
        solver = try SolverSpec(try root.table("solver"))
        output = try OutputSpec(try root.table("output"))
        hasSweep = root.has("sweep")
        try root.finish()
    }

    /// Loads and validates a problem file with `--set` overrides.
    public init(path: String, overrides: [String] = []) throws {
        try self.init(try ProblemDocument(path: path, overrides: overrides))
    }

    /// Every file the problem reads: the problem file and its data files. An output folder
    /// that holds one of them is never replaced.
    public var inputFiles: [URL] {
        var urls = [URL(fileURLWithPath: document.path)]
        func field(_ f: FieldSpec) { if case .npy(let p, _) = f { urls.append(document.resolve(p)) } }
        switch physics {
        case .pde(let p): field(p.coefficient); field(p.rhs)
        case .linearSystem(let s):
            urls += [s.matrixPath, s.rhsPath].map(document.resolve)
            if let e = s.exactPath { urls.append(document.resolve(e)) }
        }
        if let r = output.reference { urls.append(document.resolve(r)) }
        return urls
    }

    /// The resolved configuration, as written to `run.toml`.
    public var resolved: ConfigTable {
        var t = ConfigTable()
        var p = ConfigTable()
        p["name"] = .string(name); p["kind"] = .string(kind)
        if let description { p["description"] = .string(description) }
        t["problem"] = .table(p)
        switch physics {
        case .pde(let s): t["pde"] = .table(s.resolved)
        case .linearSystem(let s): t["system"] = .table(s.resolved)
        }
        t["solver"] = .table(solver.resolved)
        t["output"] = .table(output.resolved)
        return t
    }
}
