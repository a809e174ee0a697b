import Configuration
import Foundation

/// The `[solver]` table: which method, which preconditioner, the shared tolerances, and the
/// `[solver.<name>]` options of the components in use, parsed by their registry entries
/// (`SolverRegistry`). Options tables for components the run does not use are still checked,
/// and named in `unusedOptions` (reported like PETSc's `-options_left`).
public struct SolverSpec: Sendable, Equatable {
    public var method: String
    public var preconditioner: String
    public var rtol: Double
    public var atol: Double
    public var maxIterations: Int
    public var timeLimit: Double?
    /// How an iterative method applies A: the assembled CSR matrix, or the matrix-free stencil
    /// of a `pde` problem's grid (the same operator to rounding, a third of the memory traffic).
    public var operatorForm: OperatorForm = .assembled
    /// The file set `operator`; if not, a grid problem takes the stencil where the solve then
    /// needs no matrix at all (`stencilByDefault`).
    public var operatorGiven = false

    /// Whether any component needs the assembled matrix. GMG and FFT as methods work on the
    /// grid, and a Krylov method with `operator = "stencil"` and a preconditioner that needs no
    /// matrix (none, gmg, fft) applies the stencil: the run then assembles only b, saving the
    /// CSR arrays' time and memory (and the memory check does not count them).
    public var needsAssembledMatrix: Bool {
        guard let method = methodEntry else { return true }
        if method.matrixFree { return false }
        guard method.appliesOperatorForm, operatorForm == .stencil, let p = SolverRegistry.preconditioner(preconditioner) else {
            return true
        }
        return !p.matrixFree
    }

    /// The default of `operator` for a `pde` problem without velocity or reaction: the stencil
    /// when the preconditioner needs no matrix either (none, gmg, fft), so that no CSR matrix is
    /// assembled (measured at 1023², CG + GMG: 0.41 s a run against 0.58 s; `make bench`'s
    /// end-to-end rows); the assembled matrix otherwise, which the preconditioner builds from.
    public mutating func stencilByDefault() {
        guard !operatorGiven, methodEntry?.appliesOperatorForm == true, SolverRegistry.preconditioner(preconditioner)?.matrixFree == true
        else { return }
        operatorForm = .stencil
    }
    /// In a sweep, whether each case builds its preconditioner from its own matrix (`rebuild`)
    /// or keeps the previous case's (`keep`: no setup, a preconditioner of a neighbouring matrix).
    public var preconditionerReuse: PreconditionerReuse = .rebuild
    /// A kept preconditioner (`preconditioner_reuse = "keep"`, or `[solver.amg] reuse =
    /// "hierarchy"`) is rebuilt for the next case once a case needs more than this factor times
    /// the iterations of the first case solved with it; 0: never.
    public var preconditionerRefresh = 0.0
    /// In a sweep, whether an iterative method starts from zero, from the worker's previous
    /// case's solution (`previous`: a smooth family starts close to its answer), or from the best
    /// combination of its last `initialGuessVectors` solutions (`projection`, the default of the
    /// recycling methods).
    public var initialGuess: InitialGuess = .zero
    /// s, the solutions `initial_guess = "projection"` combines.
    public var initialGuessVectors = 4
    /// Options of the components in use, by component name (defaults when no table was given).
    public var options: [String: any ComponentOptions]
    /// `[solver.<name>]` tables given for components this run does not use.
    public var unusedOptions: [String]

    /// Methods by name, with the one line `pdekit list` prints.
    public static var methods: [(name: String, help: String)] { SolverRegistry.methods.map { ($0.name, $0.help) } }
    public static var preconditioners: [(name: String, help: String)] { SolverRegistry.preconditioners.map { ($0.name, $0.help) } }

    public init(method: String = "cg", preconditioner: String = "ic0", rtol: Double = 1e-8, atol: Double = 0,
                maxIterations: Int = 10_000, timeLimit: Double? = nil, options: [String: any ComponentOptions] = [:]) {
        self.method = method; self.preconditioner = preconditioner; self.rtol = rtol; self.atol = atol
        self.maxIterations = maxIterations; self.timeLimit = timeLimit; self.options = options
        unusedOptions = []
        fillDefaultOptions()
    }

    /// Components in use without a table get their defaults, so the record shows them.
    mutating func fillDefaultOptions() {
        for name in componentsInUse where options[name] == nil {
            let parse = SolverRegistry.method(name)?.options ?? SolverRegistry.preconditioner(name)?.options
            if let o = (try? parse?(nil)) ?? nil { options[name] = o }
        }
    }

    public var methodEntry: MethodEntry? { SolverRegistry.method(method) }

    /// The components this run uses: the method, and its preconditioner if it takes one.
    public var componentsInUse: [String] {
        methodEntry?.usesPreconditioner == true ? [method, preconditioner] : [method]
    }

    public init(_ r: TableReader?) throws {
        self.init()
        guard let r else { return }
        method = try r.string("method", default: "cg", oneOf: SolverRegistry.methods.map(\.name))
        preconditioner = try r.string("preconditioner", default: "ic0", oneOf: SolverRegistry.preconditioners.map(\.name))
        rtol = try r.double("rtol", default: 1e-8, minimum: 0)
        atol = try r.double("atol", default: 0, minimum: 0)
        maxIterations = try r.int("max_iterations", default: 10_000, minimum: 1)
        if r.has("time_limit") { timeLimit = try r.double("time_limit", default: 0, minimum: 0, exclusiveMinimum: true) }
        operatorGiven = r.has("operator")
        operatorForm = OperatorForm(rawValue: try r.string("operator", default: "assembled", oneOf: OperatorForm.allCases.map(\.rawValue)))!
        r.describe("operator", as: "string", "default \"stencil\" for a pde without velocity or reaction whose method and preconditioner "
                   + "run on it, else \"assembled\"; one of " + OperatorForm.allCases.map(\.rawValue).joined(separator: ", "))
        if operatorForm == .stencil && methodEntry?.appliesOperatorForm != true {
            let krylov = SolverRegistry.methods.filter(\.appliesOperatorForm).map(\.name).joined(separator: ", ")
            throw r.error("operator", "applies to the Krylov methods (\(krylov)); '\(method)' "
                + (methodEntry?.iterative == true ? "builds its own operators" : "factors the assembled matrix"))
        }
        preconditionerReuse = PreconditionerReuse(rawValue: try r.string("preconditioner_reuse", default: "rebuild",
                                                                         oneOf: PreconditionerReuse.allCases.map(\.rawValue)))!
        if preconditionerReuse == .keep && methodEntry?.usesPreconditioner != true {
            throw r.error("preconditioner_reuse", "applies to methods that take a preconditioner; '\(method)' does not")
        }
        if r.has("preconditioner_refresh") {
            preconditionerRefresh = try r.double("preconditioner_refresh", default: 0, minimum: 0)
            guard preconditionerRefresh == 0 || preconditionerRefresh >= 1 else {
                throw r.error("preconditioner_refresh", "a factor on the iterations of the case that built the preconditioner: 0 (never) "
                    + "or at least 1, got \(preconditionerRefresh)")
            }
            guard methodEntry?.usesPreconditioner == true else {
                throw r.error("preconditioner_refresh", "applies to methods that take a preconditioner; '\(method)' does not")
            }
        }
        initialGuess = InitialGuess(rawValue: try r.string("initial_guess", default: methodEntry?.defaultInitialGuess.rawValue ?? "zero",
                                                           oneOf: InitialGuess.allCases.map(\.rawValue)))!
        if initialGuess != .zero && methodEntry?.acceptsInitialGuess != true {
            let accepting = SolverRegistry.methods.filter(\.acceptsInitialGuess).map(\.name).joined(separator: ", ")
            throw r.error("initial_guess", "\"\(initialGuess.rawValue)\" applies to methods that start from a given vector (\(accepting)); "
                + "'\(method)' does not")
        }
        if r.has("initial_guess_vectors") {
            initialGuessVectors = try r.int("initial_guess_vectors", default: 4, minimum: 1)
            guard initialGuess == .projection else {
                throw r.error("initial_guess_vectors", "applies to initial_guess = \"projection\", not \"\(initialGuess.rawValue)\"")
            }
            guard initialGuessVectors <= 32 else {
                throw r.error("initial_guess_vectors", "at most 32 (each is a kept vector of the system's size), got \(initialGuessVectors)")
            }
        }
        // Every component's table is parsed (a typo in it is an error either way); the used
        // ones are kept, the others reported.
        let inUse = componentsInUse
        var parsers: [(String, @Sendable (TableReader?) throws -> (any ComponentOptions)?)] = []
        for m in SolverRegistry.methods { parsers.append((m.name, m.options)) }
        for p in SolverRegistry.preconditioners where !parsers.contains(where: { $0.0 == p.name }) { parsers.append((p.name, p.options)) }
        for (name, parse) in parsers {
            let table = try r.table(name)
            let parsed = try parse(table)
            // A component without options has no keys: whatever its table holds is unknown.
            try table?.finish()
            if inUse.contains(name) {
                if let parsed { options[name] = parsed }
            } else if table != nil {
                unusedOptions.append(name)
            }
        }
        // A refresh needs a kept preconditioner to refresh: otherwise every case builds its own.
        if preconditionerRefresh > 0 && preconditionerReuse != .keep
            && (options[preconditioner] as? AlgebraicMultigridSettings)?.options.reuse != .hierarchy {
            throw r.error("preconditioner_refresh", "refreshes a kept preconditioner: set preconditioner_reuse = \"keep\" "
                + "(or [solver.amg] reuse = \"hierarchy\"); with neither, every case builds its own")
        }
        // A preconditioner named for a method that takes none (amg, direct, fft, petsc, ...) is
        // reported as an unused table is, not silently dropped.
        if r.has("preconditioner") && methodEntry?.usesPreconditioner != true { unusedOptions.append("preconditioner") }
        unusedOptions.sort { (r.table.keys.firstIndex(of: $0) ?? 0) < (r.table.keys.firstIndex(of: $1) ?? 0) }
        try r.finish()
        fillDefaultOptions()
    }

    /// The resolved table written to run records (every default made explicit).
    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["method"] = .string(method)
        let entry = methodEntry
        if entry?.usesPreconditioner == true {
            t["preconditioner"] = .string(preconditioner)
            t["preconditioner_reuse"] = .string(preconditionerReuse.rawValue)
            if preconditionerRefresh > 0 { t["preconditioner_refresh"] = .double(preconditionerRefresh) }
        }
        t["rtol"] = .double(rtol); t["atol"] = .double(atol)
        if entry?.iterative == true {
            if entry?.appliesOperatorForm == true { t["operator"] = .string(operatorForm.rawValue) }
            t["max_iterations"] = .integer(maxIterations)
            if entry?.acceptsInitialGuess == true { t["initial_guess"] = .string(initialGuess.rawValue) }
            if entry?.acceptsInitialGuess == true && initialGuess == .projection { t["initial_guess_vectors"] = .integer(initialGuessVectors) }
            if let timeLimit { t["time_limit"] = .double(timeLimit) }
        }
        for name in componentsInUse { if let o = options[name] { t[name] = .table(o.resolved) } }
        return t
    }

    public static func == (a: SolverSpec, b: SolverSpec) -> Bool {
        a.resolved == b.resolved && a.unusedOptions == b.unusedOptions
    }
}

/// `[solver] initial_guess`.
public enum InitialGuess: String, Sendable, CaseIterable {
    case zero, previous, projection
}

/// `[solver] preconditioner_reuse`.
public enum PreconditionerReuse: String, Sendable, CaseIterable {
    case rebuild, keep
}

/// How an iterative method applies the matrix (`[solver] operator`).
public enum OperatorForm: String, Sendable, CaseIterable {
    case assembled, stencil
}
