import Storage
import Solvers
import Configuration
import Foundation

/// A problem kind: the physics section of a problem file (`[pde]`, `[system]`, `[gp]`,
/// `[tensor]`, `[reduced_basis]`). One type per kind, listed once in `ProblemKinds`; `pdekit
/// list`, `check` and `run` all read that list, and a Runner study (keyed by the same name)
/// turns a validated section into results.
public protocol PhysicsSection: Sendable {
    /// `[problem] kind = "<kind>"`.
    static var kind: String { get }
    /// One line for `pdekit list`.
    static var help: String { get }
    /// The table the section lives in (`pde` for `[pde]`).
    static var table: String { get }
    /// Reads and validates the table; unknown keys are errors once it calls `finish()`.
    init(_ reader: TableReader) throws
    /// The table as the run record shows it, every default explicit.
    var resolved: ConfigTable { get }
    /// Data files the section reads, as written in the file (relative to it).
    var dataFiles: [String] { get }
    /// Whether the kind is solved through `[solver]` (a linear system); kinds that are not refuse
    /// a `[solver]` table and their records leave it out.
    static var usesSolver: Bool { get }
    /// The least memory a run needs at its peak, so that `run` and `check` refuse a run that
    /// cannot fit before it allocates; nil when the kind allocates nothing beyond its input.
    func memoryEstimate(_ solver: SolverSpec) throws -> MemoryEstimate?
    /// The smallest valid tables of the kind, one per variant whose keys differ (a family, a
    /// coefficient given as a random field): `pdekit help KIND` reads each through `init` with
    /// a schema log, so the keys it lists are the ones the reader asks for, and a key whose
    /// removal makes a table invalid is marked required. Empty: help lists no keys.
    static var minimalTables: [MinimalTable] { get }
}

/// A kind's smallest valid table (`PhysicsSection.minimalTables`): the body of `[<table>]` in
/// TOML, and the small text data files it names, relative to the problem file's folder.
public struct MinimalTable: Sendable {
    /// What sets this variant apart (`family = "matrices"`); empty for the kind's plain form.
    public var variant: String
    public var toml: String
    public var files: [String: String]
    /// NPY files the table names, by file name.
    public var arrays: [String: NPYArray]
    public init(variant: String = "", _ toml: String, files: [String: String] = [:], arrays: [String: NPYArray] = [:]) {
        self.variant = variant; self.toml = toml; self.files = files; self.arrays = arrays
    }
}

/// A lower bound of what a run allocates (bytes), what it is made of (for the message), and the
/// key whose value sets the size (where the error points).
public struct MemoryEstimate: Sendable {
    public var bytes: Double
    public var detail: String
    public var key: [String]
    public init(bytes: Double, detail: String, key: [String]) { self.bytes = bytes; self.detail = detail; self.key = key }

    public static func format(_ bytes: Double) -> String {
        bytes >= 1e9 ? String(format: "%.1f GB", bytes / 1e9) : String(format: "%.0f MB", bytes / 1e6)
    }
}

extension PhysicsSection {
    /// `init` through the metatype: `ProblemSpec` holds kinds as `any PhysicsSection.Type`, and
    /// calling `init` on such an existential crashes Swift 6.3's SILGen; a static method does not.
    public static func read(_ reader: TableReader) throws -> any PhysicsSection { try Self(reader) }
    public static var usesSolver: Bool { true }
    public func memoryEstimate(_ solver: SolverSpec) throws -> MemoryEstimate? { nil }
    public static var minimalTables: [MinimalTable] { [] }
}

/// The problem kinds pdekit knows, in the order `pdekit list` prints them. A kind lands as one
/// type plus one line here; `register` adds one at run time (a test target, a plug-in).
public enum ProblemKinds {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var registered: [any PhysicsSection.Type] = [
        PDESpec.self, SystemSpec.self, TensorSpec.self, GPRegressionSpec.self, GPPDESpec.self, ReducedBasisSpec.self, ReducedModelSpec.self
    ]

    public static var all: [any PhysicsSection.Type] { lock.lock(); defer { lock.unlock() }; return registered }

    public static func register(_ kind: any PhysicsSection.Type) {
        lock.lock(); defer { lock.unlock() }
        if !registered.contains(where: { $0.kind == kind.kind }) { registered.append(kind) }
    }

    public static func named(_ name: String) -> (any PhysicsSection.Type)? {
        for k in all where k.kind == name { return k }
        return nil
    }

    // Helpers that keep existential metatypes out of callers' initialisers (see `read`).
    public static var names: [String] { all.map { k in k.kind } }
    public static var catalog: [(name: String, help: String)] { all.map { k in (k.kind, k.help) } }
    public static func tableName(of kind: String) -> String { named(kind)?.table ?? kind }
    public static func usesSolver(_ kind: String) -> Bool { named(kind)?.usesSolver ?? true }
    public static func minimalTables(of kind: String) -> [MinimalTable] { named(kind)?.minimalTables ?? [] }
    public static func help(of kind: String) -> String { named(kind)?.help ?? "" }
    public static func read(_ kind: String, _ reader: TableReader) throws -> any PhysicsSection {
        guard let k = named(kind) else { throw reader.error("kind", "unknown kind '\(kind)'") }
        return try k.read(reader)
    }
}
