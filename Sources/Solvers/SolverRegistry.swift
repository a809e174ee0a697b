import Configuration
import Foundation
import Krylov
import LinearAlgebra
import Multigrid

/// Options of a method or preconditioner, parsed from its `[solver.<name>]` table into the
/// library's own options type.
public protocol ComponentOptions: Sendable {
    /// The table written back to the run record (every default explicit).
    var resolved: ConfigTable { get }
    /// Files the options read (relative to the problem file): inputs pdekit must not overwrite
    /// and that a sweep's fingerprint covers.
    var dataFiles: [String] { get }

    /// A reason these options cannot serve `matrix` (a block size that does not divide its
    /// rows), as the key inside the component's table and a message; found before any setup,
    /// so that the error names `[solver.<name>] key`, not the method that chose the component.
    func problem(for matrix: CSRMatrix) -> (key: String, message: String)?
}

extension ComponentOptions {
    public var dataFiles: [String] { [] }
    public func problem(for matrix: CSRMatrix) -> (key: String, message: String)? { nil }
}

/// What a solve built, for `--view` and the run record's `[solver_details]`.
public struct SolverDescription: Sendable {
    public var table = ConfigTable()
    /// Text `--view` prints after the table (PETSc's KSPView); not part of the run record.
    public var viewText = ""
    public init() {}
    public mutating func add(_ key: String, _ value: Double) { table[key] = .double(value) }
    public mutating func add(_ key: String, _ value: Int) { table[key] = .integer(value) }
    public mutating func add(_ key: String, _ value: Bool) { table[key] = .bool(value) }
    public mutating func add(_ key: String, _ value: String) { table[key] = .string(value) }
}

/// One solve's inputs, as a method entry receives them.
public struct SolveRequest {
    /// A as assembled; nil for a matrix-free solve (`SolverSpec.needsAssembledMatrix`):
    /// GMG or FFT, or a Krylov method applying the stencil with a preconditioner that needs no
    /// matrix. A component that needs it asks through `assembled(for:)`.
    public var matrix: CSRMatrix?
    public var rhs: [Double]
    public var spec: SolverSpec
    public var structure: GridStructure?
    public var monitor: (@Sendable (ResidualRecord) -> Void)?
    /// Called once the solver is set up, before solving (`--view`).
    public var view: ((SolverDescription) -> Void)?
    /// State kept from the previous case of a sweep worker's chain (nil for a single run).
    public var carry: CarriedState?

    public init(matrix: CSRMatrix?, rhs: [Double], spec: SolverSpec, structure: GridStructure?,
                monitor: (@Sendable (ResidualRecord) -> Void)?, view: ((SolverDescription) -> Void)?,
                carry: CarriedState? = nil) {
        self.matrix = matrix; self.rhs = rhs; self.spec = spec; self.structure = structure
        self.monitor = monitor; self.view = view; self.carry = carry
    }

    /// A, for a component that needs the assembled matrix.
    public func assembled(for who: String) throws -> CSRMatrix { try SolverRegistry.assembled(matrix, for: who) }
}

/// A preconditioner by name: help, its options, a check against the system, a factory.
/// Each lives in its own file (`Solvers/Preconditioner*.swift`; a method and the preconditioner
/// of the same algorithm share one: `FFTSolver`, `GeometricMultigridSolver`,
/// `AlgebraicMultigridSolver`) and is listed once in
/// `SolverRegistry.preconditioners`.
public struct PreconditionerEntry: Sendable {
    public let name: String
    public let help: String
    /// Parses `[solver.<name>]` (nil when absent); nil for a component without options.
    public let options: @Sendable (TableReader?) throws -> (any ComponentOptions)?
    /// A reason this preconditioner cannot serve the system (or the `[solver]` settings), found
    /// before any setup.
    public let validate: @Sendable (CSRMatrix?, GridStructure?, SolverSpec) -> String?
    /// Builds it; the carried state lets a sweep's next case reuse a setup (AMG hierarchies).
    /// The matrix is nil for a matrix-free solve, which only `matrixFree` entries serve.
    public let make: @Sendable (CSRMatrix?, GridStructure?, (any ComponentOptions)?, CarriedState?,
                                inout SolverDescription) throws -> any Preconditioner
    /// It needs no assembled matrix: with `operator = "stencil"` the solve assembles none.
    public let matrixFree: Bool
    /// Bytes it allocates for a grid problem of n unknowns on d axes (the memory check).
    public let workspace: WorkspaceModel
    /// It stays well defined on a singular (all-Neumann or periodic) grid operator.
    public let solvesSingular: Bool
    /// It handles the null space only through the grid (AMG pins the constants from the grid's
    /// description), not a linear system's declared one.
    public let singularNeedsGrid: Bool

    init(name: String, help: String, solvesSingular: Bool = false, singularNeedsGrid: Bool = false, matrixFree: Bool = false,
         options: @escaping @Sendable (TableReader?) throws -> (any ComponentOptions)? = { _ in nil },
         validate: @escaping @Sendable (CSRMatrix?, GridStructure?, SolverSpec) -> String? = { _, _, _ in nil },
         workspace: @escaping WorkspaceModel = { _, _, _ in 0 },
         make: @escaping @Sendable (CSRMatrix?, GridStructure?, (any ComponentOptions)?, CarriedState?,
                                    inout SolverDescription) throws -> any Preconditioner) {
        self.name = name; self.help = help; self.solvesSingular = solvesSingular; self.singularNeedsGrid = singularNeedsGrid
        self.matrixFree = matrixFree
        self.options = options; self.validate = validate; self.workspace = workspace; self.make = make
    }

    /// Builds the preconditioner with the options `spec` holds for it.
    public func build(_ a: CSRMatrix?, _ structure: GridStructure?, _ spec: SolverSpec, carry: CarriedState? = nil,
                      _ d: inout SolverDescription) throws -> any Preconditioner {
        try make(a, structure, spec.options[name], carry, &d)
    }
}

/// A method by name: help, whether it takes a preconditioner and iterates, its options, a check
/// against the system, and the solve. One file each (`Solvers/Method*.swift`, or shared with the
/// preconditioner of the same algorithm, as for fft, gmg and amg), listed once in
/// `SolverRegistry.methods`.
public struct MethodEntry: Sendable {
    public let name: String
    public let help: String
    public let usesPreconditioner: Bool
    /// Iterative: `max_iterations` and `time_limit` apply (every method honours rtol and atol).
    public let iterative: Bool
    public let options: @Sendable (TableReader?) throws -> (any ComponentOptions)?
    /// A reason this method cannot solve the system (or the `[solver]` settings), found before
    /// any setup.
    public let validate: @Sendable (CSRMatrix?, GridStructure?, SolverSpec) -> String?
    public let solve: @Sendable (SolveRequest, inout SolverDescription) throws -> (x: [Double], result: SolveResult)
    /// The method's recurrences need a symmetric preconditioner (CG, recycling CG).
    public let needsSymmetricPreconditioner: Bool
    /// The method starts from a given vector, so `[solver] initial_guess` applies.
    public let acceptsInitialGuess: Bool
    /// `initial_guess` when the file gives none: `projection` for the recycling methods (a
    /// sequence's previous solutions are recycled with its subspace, as gcrotmk's corrections
    /// hold them), `zero` for the others.
    public let defaultInitialGuess: InitialGuess
    /// The norm in which `initial_guess = "projection"` picks its combination: the A-norm of the
    /// error for the SPD methods (CG, recycled CG), the residual for the others.
    public let projectionNorm: PreviousSolutions.Norm
    /// Bytes it allocates (its own vectors, factors, hierarchies) for a grid problem of n
    /// unknowns on d axes, besides the matrix and the problem's vectors (the memory check).
    public let workspace: WorkspaceModel
    /// It solves a consistent singular system (all-Neumann or periodic grid operator, constant
    /// null space; the study removes the right-hand side's mean and the solution's).
    public let solvesSingular: Bool
    /// It handles the null space only through the grid, not a linear system's declared one.
    public let singularNeedsGrid: Bool
    /// It applies A through `[solver] operator` (the assembled matrix or the grid's stencil);
    /// the others factor the matrix or carry their own operators.
    public let appliesOperatorForm: Bool
    /// It never needs the assembled matrix (GMG and FFT work on the grid).
    public let matrixFree: Bool

    init(name: String, help: String, usesPreconditioner: Bool, iterative: Bool, needsSymmetricPreconditioner: Bool = false,
         acceptsInitialGuess: Bool = false, defaultInitialGuess: InitialGuess = .zero, projectionNorm: PreviousSolutions.Norm = .residual,
         solvesSingular: Bool = false, singularNeedsGrid: Bool = false, appliesOperatorForm: Bool = false, matrixFree: Bool = false,
         options: @escaping @Sendable (TableReader?) throws -> (any ComponentOptions)? = { _ in nil },
         validate: @escaping @Sendable (CSRMatrix?, GridStructure?, SolverSpec) -> String? = { _, _, _ in nil },
         workspace: @escaping WorkspaceModel = { n, _, _ in 40 * n },
         solve: @escaping @Sendable (SolveRequest, inout SolverDescription) throws -> (x: [Double], result: SolveResult)) {
        self.name = name; self.help = help; self.usesPreconditioner = usesPreconditioner; self.iterative = iterative
        self.needsSymmetricPreconditioner = needsSymmetricPreconditioner
        self.acceptsInitialGuess = acceptsInitialGuess; self.defaultInitialGuess = defaultInitialGuess; self.projectionNorm = projectionNorm
        self.solvesSingular = solvesSingular
        self.singularNeedsGrid = singularNeedsGrid; self.appliesOperatorForm = appliesOperatorForm; self.matrixFree = matrixFree
        self.options = options; self.validate = validate; self.workspace = workspace; self.solve = solve
    }
}

/// Bytes a component allocates for n unknowns (as a Double) on d axes, given its options.
public typealias WorkspaceModel = @Sendable (_ unknowns: Double, _ dimension: Int, _ options: (any ComponentOptions)?) throws -> Double

/// Another component's options (or none) where an entry expected its own: a wiring defect in
/// the registry, reported as one and never replaced by defaults. `SolverSpec` holds the options
/// of every component in use, each parsed by that component's own entry.
public struct ComponentWiringError: Error, CustomStringConvertible {
    public let description: String
}

extension ComponentOptions {
    /// `options` as this type: what the entry of `name` parsed.
    static func expected(_ options: (any ComponentOptions)?, by name: String) throws -> Self {
        guard let o = options as? Self else {
            throw ComponentWiringError(description: "internal: [solver.\(name)] holds \(options.map { "\(type(of: $0))" } ?? "no options"), "
                + "not \(Self.self)")
        }
        return o
    }
}

extension MethodEntry {
    /// A method whose `[solver.<name>]` table parses into `O` (`read(nil)`: the defaults); its
    /// closures receive the options as `O`, erased here once.
    init<O: ComponentOptions>(name: String, help: String, usesPreconditioner: Bool, iterative: Bool, needsSymmetricPreconditioner: Bool = false,
                              acceptsInitialGuess: Bool = false, defaultInitialGuess: InitialGuess = .zero,
                              projectionNorm: PreviousSolutions.Norm = .residual, solvesSingular: Bool = false, singularNeedsGrid: Bool = false,
                              appliesOperatorForm: Bool = false, matrixFree: Bool = false,
                              options read: @escaping @Sendable (TableReader?) throws -> O,
                              validate: @escaping @Sendable (CSRMatrix?, GridStructure?, SolverSpec, O) -> String? = { _, _, _, _ in nil },
                              workspace: @escaping @Sendable (_ unknowns: Double, _ dimension: Int, O) -> Double,
                              solve: @escaping @Sendable (SolveRequest, O, inout SolverDescription) throws -> (x: [Double], result: SolveResult)) {
        self.init(name: name, help: help, usesPreconditioner: usesPreconditioner, iterative: iterative,
                  needsSymmetricPreconditioner: needsSymmetricPreconditioner, acceptsInitialGuess: acceptsInitialGuess,
                  defaultInitialGuess: defaultInitialGuess, projectionNorm: projectionNorm, solvesSingular: solvesSingular,
                  singularNeedsGrid: singularNeedsGrid, appliesOperatorForm: appliesOperatorForm, matrixFree: matrixFree,
                  options: { try read($0) },
                  validate: { a, structure, spec in
                      do { return validate(a, structure, spec, try O.expected(spec.options[name], by: name)) } catch { return "\(error)" }
                  },
                  workspace: { n, d, o in workspace(n, d, try O.expected(o, by: name)) },
                  solve: { request, d in try solve(request, try O.expected(request.spec.options[name], by: name), &d) })
    }
}

extension PreconditionerEntry {
    /// A preconditioner whose `[solver.<name>]` table parses into `O`; its closures receive the
    /// options as `O`, erased here once.
    init<O: ComponentOptions>(name: String, help: String, solvesSingular: Bool = false, singularNeedsGrid: Bool = false,
                              matrixFree: Bool = false,
                              options read: @escaping @Sendable (TableReader?) throws -> O,
                              validate: @escaping @Sendable (CSRMatrix?, GridStructure?, SolverSpec, O) -> String? = { _, _, _, _ in nil },
                              workspace: @escaping @Sendable (_ unknowns: Double, _ dimension: Int, O) -> Double,
                              make: @escaping @Sendable (CSRMatrix?, GridStructure?, O, CarriedState?, inout SolverDescription) throws
                                  -> any Preconditioner) {
        self.init(name: name, help: help, solvesSingular: solvesSingular, singularNeedsGrid: singularNeedsGrid, matrixFree: matrixFree,
                  options: { try read($0) },
                  validate: { a, structure, spec in
                      do { return validate(a, structure, spec, try O.expected(spec.options[name], by: name)) } catch { return "\(error)" }
                  },
                  workspace: { n, d, o in workspace(n, d, try O.expected(o, by: name)) },
                  make: { a, structure, o, carry, d in try make(a, structure, try O.expected(o, by: name), carry, &d) })
    }
}

/// Memory models shared by the entries.
enum Workspace {
    /// A sparse Cholesky or LU factor under nested dissection: measured here as 3.1-3.2 n log2 n
    /// entries for 2D 5-point grids (255², 511²) and 6.9-8.9 n^(4/3) for 3D 7-point grids (31³,
    /// 63³); 8 bytes an entry, and at least the matrix's triangle (12 bytes an entry).
    /// Plus the 128 MB buffer OpenBLAS maps for the first level-3 call of a thread (134,221,824
    /// bytes, gdb of a run): CHOLMOD's supernodal dpotrf and UMFPACK's dense fronts make one, and
    /// OpenBLAS retries forever when it cannot map it, so a direct solve at the largest grid
    /// `check` accepted under `ulimit -v` hung without this term.
    static func factor(_ n: Double, _ d: Int) -> Double {
        let fill: Double = switch d {
        case 1: 8 * 2 * n
        case 2: 8 * 3 * n * log2(max(n, 2))
        default: 8 * 6 * pow(n, 4.0 / 3.0)
        }
        return max(fill, triangle(n, d)) + 134_221_824
    }
    /// The lower triangle of a (2d+1)-point matrix in CSR.
    static func triangle(_ n: Double, _ d: Int) -> Double { 12 * Double(d + 1) * n }
    /// An AMG hierarchy: coarse operators adding up to twice the fine matrix (operator
    /// complexities 2.2-2.9 measured), P and R, and three vectors per level.
    static func amg(_ n: Double, _ d: Int) -> Double { 2 * 12 * Double(2 * d + 1) * n + 2 * 12 * 4 * n + 3 * 8 * 2 * n }
    /// A geometric hierarchy: three vectors and the stencil's arrays per level, 4/3 of the fine.
    static func gmg(_ n: Double, _ d: Int) -> Double { 4.0 / 3.0 * (3 + Double(d + 1)) * 8 * n }
}

/// A converged solution a sweep worker keeps as the next case's start (`initial_guess = "previous"`).
final class KeptSolution {
    let x: [Double]
    init(_ x: [Double]) { self.x = x }
}

extension CarriedState.Key where Value == KeptSolution {
    static var keptSolution: Self { Self("solution") }
}

extension CarriedState.Key where Value == PreviousSolutions {
    static var previousSolutions: Self { Self("previous_solutions") }
}

/// A preconditioner a sweep worker keeps for its next cases (`preconditioner_reuse = "keep"`).
final class KeptPreconditioner {
    let name: String
    let preconditioner: any Preconditioner
    init(name: String, preconditioner: any Preconditioner) { self.name = name; self.preconditioner = preconditioner }
}

extension CarriedState.Key where Value == KeptPreconditioner {
    static var keptPreconditioner: Self { Self("preconditioner") }
}

/// `preconditioner_refresh`: the iterations of the case that built the kept preconditioner, and
/// whether a later case needed so many more that the next case builds a new one. Decided from
/// iteration counts only, so a sweep repeats bit for bit.
final class PreconditionerRefresh {
    var baseline = 0
    var due = false
}

extension CarriedState.Key where Value == PreconditionerRefresh {
    static var preconditionerRefresh: Self { Self("preconditioner.refresh") }
}

/// The methods and preconditioners `[solver]` accepts, in the order `pdekit list` prints them.
/// Adding one is a new file with its entry plus one line here.
public enum SolverRegistry {
    public static let methods: [MethodEntry] = [.cg, .gmres, .gcrodr, .rcg, .direct, .lu, .fft, .gmg, .amg, .petsc]
    public static let preconditioners: [PreconditionerEntry] = [.none, .jacobi, .ssor, .ic0, .cholmod, .fft, .gmg, .amg]

    public static func method(_ name: String) -> MethodEntry? { methods.first { $0.name == name } }

    /// What serves a system with the constants as null space, from the entries' flags: on a
    /// grid, every method and preconditioner that solves singular systems; without one (a
    /// linear system's declared null space), only those that need no grid for it.
    public static func singularAdvice(onGrid: Bool) -> String {
        func serves(_ solves: Bool, _ needsGrid: Bool) -> Bool { solves && (onGrid || !needsGrid) }
        let pcs = preconditioners.filter { serves($0.solvesSingular, $0.singularNeedsGrid) }.map(\.name)
        let choices = methods.filter { serves($0.solvesSingular, $0.singularNeedsGrid) }.map { m in
            m.usesPreconditioner ? "\"\(m.name)\" (preconditioner \(list(pcs, "or")))" : "\"\(m.name)\""
        }
        return onGrid
            ? "no side is Dirichlet, so A is singular (u is determined up to a constant); "
                + "use method = \(list(choices, "or")), or make a side Dirichlet"
            : "[system] nullspace = \"constants\" makes A singular; use method = \(list(choices, "or"))"
    }

    /// "a, b or c".
    static func list(_ items: [String], _ last: String) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " \(last) " + items.last!
    }
    public static func preconditioner(_ name: String) -> PreconditionerEntry? { preconditioners.first { $0.name == name } }

    /// The assembled matrix a component needs. Its absence is a wiring defect: the runner
    /// assembles A unless `SolverSpec.needsAssembledMatrix` says no component asks for it.
    static func assembled(_ a: CSRMatrix?, for who: String) throws -> CSRMatrix {
        guard let a else { throw ComponentWiringError(description: "internal: '\(who)' needs the assembled matrix, which this solve skipped") }
        return a
    }

    /// A symmetric matrix is what CG, CHOLMOD and the symmetric preconditioners need. A grid
    /// problem without a velocity is symmetric by construction (each face's transmissibility
    /// enters both of its rows, every row is divided by the same cell volume), so its check is
    /// skipped: building the transpose cost 8 % of a 255² dataset case, and CG + GMG ran it twice.
    static func symmetryProblem(_ a: CSRMatrix?, _ who: String, _ structure: GridStructure? = nil) -> String? {
        if let structure, structure.cellPeclet == nil { return nil }
        guard let a else { return nil }  // matrix-free: only a grid without velocity is solved so
        let asym = a.asymmetry()
        guard asym > 1e-12 else { return nil }
        return "'\(who)' needs a symmetric positive definite matrix, but this one is not symmetric "
            + "(the largest |A - Aᵀ| is \(asym) of the largest |A| entry); use method = \"lu\""
    }

    /// What a preconditioned Krylov method needs before it iterates: the preconditioner named by
    /// `[solver] preconditioner` (its setup time), the iterative options, and A as the assembled
    /// matrix or the grid's stencil (`[solver] operator`; multigrid's finest stencil if it has one).
    static func krylovSetup(_ request: SolveRequest, _ d: inout SolverDescription) throws
        -> (preconditioner: any Preconditioner, setupSeconds: Double, options: IterativeOptions, operator: any LinearOperator) {
        let spec = request.spec
        d.add("preconditioner", spec.preconditioner)
        let t0 = Date()
        guard let entry = preconditioner(spec.preconditioner) else {
            throw LinearAlgebraError.invalidArgument("unknown preconditioner '\(spec.preconditioner)'")
        }
        // `preconditioner_reuse = "keep"`: the previous case's preconditioner, when it is the
        // same kind for a matrix of this size (the first case of a chain builds one).
        let m: any Preconditioner
        var builtForThisMatrix = true
        let refreshDue = request.carry?.value(.preconditionerRefresh)?.due == true
        if refreshDue { d.add("preconditioner_refreshed", true) }
        if spec.preconditionerReuse == .keep, !refreshDue, let kept = request.carry?.value(.keptPreconditioner),
           kept.name == spec.preconditioner, kept.preconditioner.rows == request.rhs.count {
            m = kept.preconditioner
            builtForThisMatrix = false
            d.add("preconditioner_kept", true)
        } else {
            m = try entry.build(request.matrix, request.structure, spec, carry: request.carry, &d)
            if spec.preconditionerReuse == .keep {
                request.carry?.set(.keptPreconditioner, KeptPreconditioner(name: spec.preconditioner, preconditioner: m))
                d.add("preconditioner_kept", false)
            }
        }
        let setup = Date().timeIntervalSince(t0)
        let options = IterativeOptions(rtol: spec.rtol, atol: spec.atol, maxIterations: spec.maxIterations,
                                       timeLimit: spec.timeLimit, recordHistory: true, monitor: request.monitor)
        let a: any LinearOperator
        if spec.operatorForm == .stencil, let s = request.structure {
            // A kept preconditioner's stencil is the previous case's operator, not this one's.
            a = try (builtForThisMatrix ? m.matrixFreeOperator : nil) ?? StencilOperator(axes: s.axes, nodeCoefficients: s.nodeCoefficients)
        } else {
            a = try request.assembled(for: "operator = \"assembled\"")
        }
        d.add("operator", spec.operatorForm.rawValue)
        d.add("rtol", max(spec.rtol, IterativeOptions.machineFloor)); d.add("atol", spec.atol)
        d.add("max_iterations", spec.maxIterations)
        // --profile: the same operators, timed (an identity M⁻¹ is skipped by the methods anyway).
        if Profile.enabled { return (m.isIdentity ? m : ProfiledPreconditioner(base: m), setup, options, ProfiledOperator(a)) }
        return (m, setup, options, a)
    }

    /// The start vector: zero; with `initial_guess = "previous"` the solution of the sweep
    /// worker's previous case when it has this system's size; with `"projection"` the best
    /// combination of the worker's last s solutions (`PreviousSolutions`, s products with `a`,
    /// the operator the method iterates with; A itself when nil). `initial_guess_used` and, for a
    /// projection, the vectors and products it used go into run.toml; its seconds are added to
    /// the solve's by `SolverFactory.solve`.
    /// `projectedBySolver`: the method projects on `previousSolutions(request)` itself, jointly
    /// with its recycle space (GCRO-DR, recycled CG), and reports it by `describeStart`.
    static func initialGuess(_ request: SolveRequest, _ d: inout SolverDescription, operator a: (any LinearOperator)? = nil,
                             projectedBySolver: Bool = false) -> [Double] {
        let n = request.rhs.count
        var x = [Double](repeating: 0, count: n)
        switch request.spec.initialGuess {
        case .zero:
            return x
        case .previous:
            if let kept = request.carry?.value(.keptSolution), kept.x.count == n {
                d.add("initial_guess_used", "previous")
                return kept.x
            }
        case .projection:
            if projectedBySolver { return x }
            let t0 = Date()
            if let kept = request.carry?.value(.previousSolutions), let norm = request.spec.methodEntry?.projectionNorm,
               let a: any LinearOperator = a ?? request.matrix {
                let (vectors, products) = kept.improve(&x, b: request.rhs, matrix: a, norm: norm)
                if vectors > 0 {
                    d.add("initial_guess_used", "projection")
                    d.add("initial_guess_vectors_used", vectors); d.add("initial_guess_products", products)
                    d.add("initial_guess_seconds", Date().timeIntervalSince(t0))
                    return x
                }
            }
        }
        d.add("initial_guess_used", "zero")
        return x
    }

    /// After a solve with `preconditioner_refresh`: a preconditioner built for this case sets the
    /// baseline (its iterations); one kept from an earlier case marks a refresh due when this
    /// case needed more than the factor times the baseline.
    public static func noteIterations(_ result: SolveResult, _ request: SolveRequest, _ d: SolverDescription) {
        let factor = request.spec.preconditionerRefresh
        guard factor > 0, let carry = request.carry else { return }
        let ledger = carry.value(.preconditionerRefresh) ?? PreconditionerRefresh()
        carry.set(.preconditionerRefresh, ledger)
        let kept = d.table["preconditioner_kept"] == .bool(true) || d.table["amg_reused"] == .string("hierarchy")
        if kept {
            ledger.due = Double(result.iterations) > factor * Double(max(ledger.baseline, 1))
        } else {
            ledger.baseline = result.iterations
            ledger.due = false
        }
    }

    /// The worker's kept solutions for a method that projects on them itself (none unless
    /// `initial_guess = "projection"`).
    static func previousSolutions(_ request: SolveRequest) -> [[Double]] {
        guard request.spec.initialGuess == .projection else { return [] }
        return request.carry?.value(.previousSolutions)?.solutions ?? []
    }

    /// run.toml's account of a start a method projected itself (inside its own solve time).
    static func describeStart(_ s: KrylovSolution, _ request: SolveRequest, _ d: inout SolverDescription) {
        guard request.spec.initialGuess == .projection else { return }
        d.add("initial_guess_used", s.startVectors > 0 ? "projection" : "zero")
        if s.startVectors > 0 { d.add("initial_guess_vectors_used", s.startVectors) }
        d.add("initial_guess_products", s.startProducts)
    }

    /// Keeps a converged solution for the next case's start (`initial_guess = "previous"` or
    /// `"projection"`).
    static func keepSolution(_ x: [Double], _ result: SolveResult, _ request: SolveRequest) {
        guard request.spec.initialGuess != .zero, result.reason.converged, x.allSatisfy(\.isFinite), let carry = request.carry else { return }
        switch request.spec.initialGuess {
        case .zero: break
        case .previous: carry.set(.keptSolution, KeptSolution(x))
        case .projection:
            let capacity = request.spec.initialGuessVectors
            let kept = carry.value(.previousSolutions).flatMap { $0.capacity == capacity ? $0 : nil } ?? PreviousSolutions(capacity: capacity)
            kept.append(x)
            carry.set(.previousSolutions, kept)
        }
    }

    /// A multigrid method: the hierarchy `build` makes (its setup timed), then cycles to the
    /// tolerance from x = 0.
    static func cycleSolve(_ request: SolveRequest, _ d: inout SolverDescription,
                           _ build: (inout SolverDescription) throws -> any MultigridSolving) throws -> (x: [Double], result: SolveResult) {
        let spec = request.spec
        let t0 = Date()
        let mg = try build(&d)
        let setup = Date().timeIntervalSince(t0)
        d.add("rtol", max(spec.rtol, IterativeOptions.machineFloor)); d.add("atol", spec.atol)
        d.add("max_iterations", spec.maxIterations)
        d.add("stopping_rule", "true residual ||b - A x|| <= max(rtol ||b||, atol), after every cycle")
        request.view?(d)
        var x = [Double](repeating: 0, count: request.rhs.count)
        var result = mg.solve(request.rhs, x: &x, options: IterativeOptions(
            rtol: spec.rtol, atol: spec.atol, maxIterations: spec.maxIterations, timeLimit: spec.timeLimit,
            recordHistory: true, monitor: request.monitor))
        result.setupSeconds = setup
        return (x, result)
    }

    /// A multigrid cycle preconditioning CG must be symmetric: V or W with as many sweeps
    /// before the coarse correction as after (GMRES takes any cycle).
    static func symmetricCycleProblem(_ spec: SolverSpec, _ component: String, cycle: MultigridOptions.Cycle,
                                      preSmooth: Int, postSmooth: Int) -> String? {
        guard spec.methodEntry?.needsSymmetricPreconditioner == true,
              !MultigridOptions.isSymmetric(cycle, preSmooth: preSmooth, postSmooth: postSmooth) else { return nil }
        return "'\(spec.method)' needs a symmetric preconditioner: [solver.\(component)] cycle must be \"v\" or \"w\" "
            + "with pre_smooth = post_smooth (got cycle = \"\(cycle.rawValue)\", \(preSmooth) and \(postSmooth)); "
            + "use method = \"\(component)\" or \"gmres\" for the others"
    }

    static func needsGrid(_ structure: GridStructure?, _ who: String) -> String? {
        guard let structure else { return "'\(who)' needs a kind = \"pde\" problem (it uses the grid), not a linear_system" }
        if structure.lowerOrderTerms {
            return "'\(who)' solves -div(a grad u) only; this problem has a velocity or reaction term "
                + "(use method = \"gmres\", \"lu\" or preconditioner = \"amg\")"
        }
        return nil
    }
}
