import Solvers
import Configuration
import Foundation
import LinearAlgebra
import Problems
import Storage

/// Turns a validated problem of one kind into results: the Runner half of a problem kind.
///
/// `run` is validate → study → write: `check` runs every validation short of solving, `solve`
/// returns a `StudyOutcome`, and one writer (`OutcomeWriter`) commits any outcome to its output
/// folder atomically. A study is registered once in `Studies` under the kinds it solves; the
/// linear solve (`LinearSolveStudy`, kinds `pde` and `linear_system`) is the first.
public protocol Study: Sendable {
    /// The `[problem] kind`s this study solves.
    var kinds: [String] { get }
    /// The columns it adds to `sweep.csv`, after `status` (values come from
    /// `StudyOutcome.sweepValues`).
    var sweepColumns: [String] { get }
    /// Every check `run` would make short of solving (`pdekit check` runs this). `carry` is the
    /// checking worker's state, as a sweep worker's in `StudyContext`: what one case loaded
    /// (a reduced model) serves the next.
    func check(_ spec: ProblemSpec, carry: CarriedState?) throws
    /// Solves the problem. Not converging is an outcome with a negative reason, not an error.
    func solve(_ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome
    /// The order in which a sweep with `[sweep] order = "nearest"` runs its cases: a permutation
    /// of `specs.indices` that puts similar problems next to each other. Workers run contiguous
    /// chains of it and shards are contiguous blocks of it, so neighbours in this order share
    /// carried state. (The default keeps the file order.)
    func order(_ specs: [ProblemSpec]) -> [Int]
    /// `--view` (PETSc's `-ksp_view`): what the study is about to do, printed before it solves.
    /// The default shows the kind's table with every default explicit; the linear solve returns
    /// nil and prints the solver it built from inside `solve`.
    func view(_ spec: ProblemSpec) -> String?
    /// Whether `[output] vtk` (or `--vtk`) gives this problem a `solution.vti`: its outcome has
    /// a `solution` on a uniform grid with coordinate arrays. Where not, `vtk = true` is refused
    /// by `check` and `run` rather than recorded and silently not written. (Default: no.)
    func writesVTK(_ spec: ProblemSpec) -> Bool
    /// The shape of the `solution.npy` a case writes, which `[output] stack` stacks; nil when
    /// the kind writes none (a sweep with `stack = true` is then refused before any case).
    func stackShape(_ spec: ProblemSpec, carry: CarriedState?) throws -> [Int]?
    /// The complete `sweep.csv` (header first, rows in case order) with the columns that need
    /// every case filled in (the linear solve's observed order of a refinement study). Runs
    /// when a sweep's single table or a merge is complete. (Default: unchanged.)
    func finishSweepTable(_ records: [[String]]) -> [[String]]
}

extension Study {
    public func writesVTK(_ spec: ProblemSpec) -> Bool { false }
    public func stackShape(_ spec: ProblemSpec, carry: CarriedState?) throws -> [Int]? { nil }
    public func finishSweepTable(_ records: [[String]]) -> [[String]] { records }
    public func order(_ specs: [ProblemSpec]) -> [Int] { Array(specs.indices) }
    public func view(_ spec: ProblemSpec) -> String? {
        var t = ConfigTable()
        t[ProblemKinds.tableName(of: spec.kind)] = .table(spec.physics.resolved)
        return "\(spec.kind) '\(spec.name)', resolved:\n"
            + RecordWriter.toml(t).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
    }
}

/// A study of one problem kind, typed by the kind's section: `kinds` is `Section.kind`, and
/// `check` and `solve` receive the section itself. The erased `Study` requirements cast the
/// problem's section once, here; a problem of another kind reaching the study is an internal
/// error naming both kinds.
public protocol SectionStudy: Study {
    associatedtype Section: PhysicsSection
    func check(_ section: Section, _ spec: ProblemSpec, carry: CarriedState?) throws
    func solve(_ section: Section, _ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome
}

extension SectionStudy {
    public var kinds: [String] { [Section.kind] }
    public func check(_ section: Section, _ spec: ProblemSpec, carry: CarriedState?) throws {}
    public func check(_ spec: ProblemSpec, carry: CarriedState?) throws { try check(try section(of: spec), spec, carry: carry) }
    public func solve(_ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome {
        try solve(try section(of: spec), spec, context)
    }

    /// The problem's section as this study's type.
    func section(of spec: ProblemSpec) throws -> Section {
        guard let s = spec.physics as? Section else {
            throw RunError(.internal, "\(spec.document.path): a kind '\(spec.kind)' problem reached the \(Section.kind) study")
        }
        return s
    }
}

/// What a study may use while solving.
public struct StudyContext {
    /// The problem file, for messages.
    public var path: String
    public var view: Bool
    public var monitor: Bool
    public var progress: ProgressStyle
    /// stdout text (view, monitor lines).
    public var write: @Sendable (String) -> Void
    /// State kept from the previous case of a sweep worker's chain; nil for a single run.
    public var carry: CarriedState?
    /// False when nothing will be written (a sweep case with `[output] case_folders = false`):
    /// a study may skip arrays that only the output folder would hold.
    public var writesArrays = true
}

/// Everything a study produced, for the writer, the summary line and the sweep table.
public struct StudyOutcome: Sendable {
    public var reason: ConvergenceReason
    /// Arrays, each written as NPY in this order.
    public var arrays: [NamedArray]
    /// A history table with the study's own columns (`history.csv`, if `[output] history`).
    public var history: CSVTable?
    /// `[result]` of the run record (the writer puts `reason`, `reason_code`, `converged` first).
    public var result: ConfigTable
    /// Further tables of the run record, in order (`[reference]`, `[solver_details]`, ...).
    public var tables: [(name: String, table: ConfigTable)]
    /// The summary line's text after the problem's name.
    public var summary: String
    /// Why it did not converge, after "did not converge: <reason> " (for --error-if-not-converged).
    public var notConvergedDetail: String
    /// Values of `Study.sweepColumns`, by column.
    public var sweepValues: [String: String]
    /// Arrays whose NPY files are listed with their SHA-256 in `checksums.sha256` (the
    /// `sha256sum` format): the ones a later run loads (a reduced model), so that a changed
    /// file is found before it gives an answer.
    public var checksummed: [String] = []
    /// Fields at the unknowns that `solution.vti` shows beside the solution but that are not
    /// written as NPY in this shape (`coefficient.npy` holds the nodes, boundary included).
    public var pointData: [NamedArray] = []

    public init(reason: ConvergenceReason, arrays: [NamedArray], history: CSVTable? = nil, result: ConfigTable,
                tables: [(name: String, table: ConfigTable)] = [], summary: String, notConvergedDetail: String = "",
                sweepValues: [String: String] = [:], pointData: [NamedArray] = []) {
        self.reason = reason; self.arrays = arrays; self.history = history; self.result = result; self.tables = tables
        self.summary = summary; self.notConvergedDetail = notConvergedDetail; self.sweepValues = sweepValues
        self.pointData = pointData
    }
}

/// The studies pdekit knows, by the kinds they solve. `register` adds one at run time.
public enum Studies {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var registered: [any Study] = [
        LinearSolveStudy(), TensorStudy(), GPRegressionStudy(), GPPDEStudy(), ReducedBasisStudy(), ReducedModelStudy()
    ]

    public static func register(_ study: any Study) {
        lock.lock(); defer { lock.unlock() }
        registered.removeAll { !Set($0.kinds).isDisjoint(with: study.kinds) }
        registered.append(study)
    }

    /// The study registered for `kind`, if any.
    public static func study(forKind kind: String) -> (any Study)? {
        lock.lock(); defer { lock.unlock() }
        return registered.first { $0.kinds.contains(kind) }
    }

    /// The study for `spec`'s kind; refuses `[output] vtk` where the study writes no VTK.
    public static func study(for spec: ProblemSpec) throws -> any Study {
        lock.lock(); defer { lock.unlock() }
        guard let s = registered.first(where: { $0.kinds.contains(spec.kind) }) else {
            throw RunError(.internal, "\(spec.document.path): no study solves kind '\(spec.kind)'")
        }
        if spec.output.vtk && !s.writesVTK(spec) {
            throw spec.document.error(["output", "vtk"], "kind '\(spec.kind)' has no solution on a grid to write as VTK ImageData (solution.vti "
                + "is written for kind = \"pde\"); use the NPY arrays")
        }
        return s
    }
}
