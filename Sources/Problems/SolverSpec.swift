import Foundation

/// The `[solver]` table: which method, which preconditioner, and the shared iterative options.
public struct SolverSpec: Sendable, Equatable {
    public var method: String
    public var preconditioner: String
    public var rtol: Double
    public var atol: Double
    public var maxIterations: Int
    public var timeLimit: Double?
    /// `[solver.ssor] omega`
    public var ssorOmega: Double
    /// `[solver.fft] effort`: FFTW planning effort, "estimate", "measure" or "patient".
    public var fftEffort: String

    /// Methods by name, with the one line `pdekit list` prints.
    public static let methods: [(name: String, help: String)] = [
        ("cg", "conjugate gradients, preconditioned by `preconditioner` (SPD matrices)"),
        ("direct", "sparse Cholesky by CHOLMOD, supernodal (SPD matrices)"),
        ("lu", "sparse LU by UMFPACK (any nonsingular matrix)"),
        ("fft", "fast Poisson solver by FFTW transforms (pde problems with a constant coefficient)"),
    ]

    public static let preconditioners: [(name: String, help: String)] = [
        ("none", "no preconditioning"),
        ("jacobi", "diagonal scaling, M = diag(A)"),
        ("ssor", "symmetric SOR, [solver.ssor] omega in (0, 2), default 1"),
        ("ic0", "incomplete Cholesky with zero fill, natural ordering; diagonal shift on breakdown"),
        ("cholmod", "exact Cholesky factor by CHOLMOD (CG then converges in one step)"),
        ("fft", "FFT solve of the constant-coefficient operator with the geometric-mean coefficient (pde problems)"),
    ]

    public init(method: String = "cg", preconditioner: String = "ic0", rtol: Double = 1e-8, atol: Double = 0,
                maxIterations: Int = 10_000, timeLimit: Double? = nil, ssorOmega: Double = 1, fftEffort: String = "measure") {
        self.method = method; self.preconditioner = preconditioner; self.rtol = rtol; self.atol = atol
        self.maxIterations = maxIterations; self.timeLimit = timeLimit; self.ssorOmega = ssorOmega
        self.fftEffort = fftEffort
    }

    init(_ r: TableReader?) throws {
        self.init()
        guard let r else { return }
        method = try r.string("method", default: "cg", oneOf: Self.methods.map(\.name))
        preconditioner = try r.string("preconditioner", default: "ic0", oneOf: Self.preconditioners.map(\.name))
        rtol = try r.double("rtol", default: 1e-8, minimum: 0)
        atol = try r.double("atol", default: 0, minimum: 0)
        maxIterations = try r.int("max_iterations", default: 10_000, minimum: 1)
        if r.has("time_limit") { timeLimit = try r.double("time_limit", default: 0, minimum: 0, exclusiveMinimum: true) }
        if let s = try r.table("ssor") {
            ssorOmega = try s.double("omega", default: 1)
            guard ssorOmega > 0, ssorOmega < 2 else { throw s.error("omega", "must lie in (0, 2), got \(ssorOmega)") }
            try s.finish()
        }
        if let f = try r.table("fft") {
            fftEffort = try f.string("effort", default: "measure", oneOf: ["estimate", "measure", "patient"])
            try f.finish()
        }
        try r.finish()
    }

    /// The resolved table written to run records (every default made explicit).
    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["method"] = .string(method)
        if method == "cg" {
            t["preconditioner"] = .string(preconditioner)
            t["rtol"] = .double(rtol); t["atol"] = .double(atol)
            t["max_iterations"] = .integer(maxIterations)
            if let timeLimit { t["time_limit"] = .double(timeLimit) }
            if preconditioner == "ssor" { var s = ConfigTable(); s["omega"] = .double(ssorOmega); t["ssor"] = .table(s) }
        }
        if method == "fft" || (method == "cg" && preconditioner == "fft") {
            var f = ConfigTable(); f["effort"] = .string(fftEffort); t["fft"] = .table(f)
        }
        return t
    }
}

/// The `[output]` table.
public struct OutputSpec: Sendable, Equatable {
    /// Output folder; `nil` means `outputs/<problem name>` under the working directory.
    public var directory: String?
    /// Run record format: "toml" (run.toml) or "json" (run.json).
    public var format: String
    /// Write history.csv.
    public var history: Bool
    /// A reference solution (NPY, relative to the problem file) to report errors against.
    public var reference: String?

    public init(directory: String? = nil, format: String = "toml", history: Bool = true, reference: String? = nil) {
        self.directory = directory; self.format = format; self.history = history; self.reference = reference
    }

    init(_ r: TableReader?) throws {
        self.init()
        guard let r else { return }
        directory = try r.string("directory")
        format = try r.string("format", default: "toml", oneOf: ["toml", "json"])
        history = try r.bool("history", default: true)
        reference = try r.string("reference")
        if let reference, !FileManager.default.fileExists(atPath: r.document.resolve(reference).path) {
            throw r.error("reference", "\(reference): no such file")
        }
        try r.finish()
    }

    public var resolved: ConfigTable {
        var t = ConfigTable()
        if let directory { t["directory"] = .string(directory) }
        t["format"] = .string(format); t["history"] = .bool(history)
        if let reference { t["reference"] = .string(reference) }
        return t
    }
}
