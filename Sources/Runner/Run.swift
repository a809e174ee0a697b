import Foundation
import Krylov
import LinearAlgebra
import Problems
import Storage

/// `pdekit run`: problem file → assembled system → solve → output folder.
public enum Run {
    public struct Options: Sendable {
        public var overrides: [String] = []
        /// Overrides `[output] directory`.
        public var outputDirectory: String?
        public var view = false
        public var monitor = false
        public var errorIfNotConverged = false
        public var progress = false
        /// No summary line (sweep cases report through the sweep's progress instead).
        public var quiet = false
        /// fsync every file (a sweep turns this off and syncs its finished cases in batches).
        public var durable = true
        public init() {}
    }

    public struct Report: Sendable {
        public var name: String
        public var outputDirectory: URL
        public var result: SolveResult
        public var relativeL2Error: Double?
        public var maxAbsError: Double?
        public var assembleSeconds: Double
        public var reference: Comparison?
        /// Largest grid spacing (pde problems): the h of convergence-order studies.
        public var meshSize: Double?
    }

    public static let version = "0.1.0"

    /// Runs one problem. `write` receives stdout text (view, monitor, summary).
    public static func run(path: String, options: Options, write: @escaping @Sendable (String) -> Void) throws -> Report {
        do {
            return try runUnclassified(path: path, options: options, write: write)
        } catch {
            throw RunError.classify(error, file: path)
        }
    }

    private static func runUnclassified(path: String, options: Options, write: @escaping @Sendable (String) -> Void) throws -> Report {
        let spec = try ProblemSpec(path: path, overrides: options.overrides)
        if spec.hasSweep {
            FileHandle.standardError.write(Data("pdekit: note: \(path) has a [sweep] table; run solves the base problem only (use pdekit sweep for the cases)\n".utf8))
        }
        return try execute(spec, path: path, options: options, write: write)
    }

    /// Solves a validated problem and writes its output folder (also the body of every sweep case).
    static func execute(_ spec: ProblemSpec, path: String, options: Options, write: @escaping @Sendable (String) -> Void) throws -> Report {
        let t0 = Date()
        let system: (matrix: CSRMatrix, rhs: [Double], exact: [Double]?, shape: [Int], structure: GridStructure?)
        switch spec.physics {
        case .pde(let p):
            let a = try DiffusionAssembly.assemble(p)
            system = (a.matrix, a.rhs, a.exact, a.shape, a.structure)
        case .linearSystem(let s):
            system = (s.matrix, s.rhs, s.exact, [s.matrix.rows], nil)
        }
        let assembleSeconds = Date().timeIntervalSince(t0)
        if spec.solver.method == "cg" {
            // CG needs a symmetric matrix; say so before iterating on the wrong method.
            let asym = system.matrix.asymmetry()
            if asym > 1e-12 {
                throw RunError(.badInput, "\(path): matrix is not symmetric (largest |A-Aᵀ| is \(asym) of the largest |A| entry); CG needs an SPD matrix, use method = \"lu\"")
            }
        }

        let reporter = IterationReporter(monitor: options.monitor, progress: options.progress, write: write)
        let (x, result, description) = try SolverFactory.solve(system.matrix, system.rhs, spec.solver, structure: system.structure,
                                                               monitor: reporter.callback) { d in
            if options.view { write(viewText(spec, d)) }
        }
        reporter.finish()
        switch result.reason {
        case .diverged_indefinite_matrix:
            throw RunError(.badInput, "\(path): matrix is not positive definite (CG found pᵀAp ≤ 0 at iteration \(result.iterations + 1)); use method = \"lu\"")
        case .diverged_indefinite_preconditioner:
            throw RunError(.badInput, "\(path): preconditioner '\(spec.solver.preconditioner)' is not positive definite for this matrix (is A SPD?)")
        default: break
        }

        let exactComparison = system.exact.map { Comparison(x, $0) }
        let l2 = exactComparison?.relativeL2, maxAbs = exactComparison?.maxAbs
        // [output] reference: the same figures against a stored solution.
        var referenceComparison: Comparison?
        if let ref = spec.output.reference {
            let array = try NPY.read(spec.document.resolve(ref))
            guard array.values.count == x.count else {
                throw RunError(.badInput, "\(path): [output] reference \(ref) has shape \(array.shape), the solution has shape \(system.shape)")
            }
            referenceComparison = Comparison(x, array.values)
        }

        // Output folder: --output, then [output] directory, then outputs/<name>.
        let dirPath = options.outputDirectory ?? spec.output.directory ?? "outputs/\(spec.name)"
        let folder = try OutputFolder(destination: URL(fileURLWithPath: dirPath))
        defer { folder.discard() }
        try NPY.write(x, shape: system.shape, to: folder.url("solution.npy"), durable: options.durable)
        if spec.output.history {
            var csv = CSVTable(header: ["iteration", "residual_norm", "relative_residual", "seconds"])
            for r in result.history {
                csv.append(["\(r.iteration)", CSV.format(r.residualNorm), CSV.format(r.relativeResidual), CSV.format(r.seconds)])
            }
            try csv.write(to: folder.url("history.csv"), durable: options.durable)
        }
        var record = spec.resolved
        var res = ConfigTable()
        res["reason"] = .string(result.reason.name)
        res["reason_code"] = .integer(Int(result.reason.rawValue))
        res["converged"] = .bool(result.reason.converged)
        res["iterations"] = .integer(result.iterations)
        res["residual_norm"] = .double(result.residualNorm)
        res["relative_residual"] = .double(result.relativeResidual)
        res["assemble_seconds"] = .double(assembleSeconds)
        res["setup_seconds"] = .double(result.setupSeconds)
        res["solve_seconds"] = .double(result.solveSeconds)
        if let l2, let maxAbs {
            res["relative_l2_error"] = .double(l2)
            res["max_abs_error"] = .double(maxAbs)
        }
        record["result"] = .table(res)
        if let referenceComparison {
            var t = referenceComparison.table
            t["file"] = .string(spec.output.reference!)
            record["reference"] = .table(t)
        }
        record["solver_details"] = .table(description.table)
        var versions = ConfigTable()
        versions["pdekit"] = .string(version)
        versions["suitesparse"] = .string(LibraryVersions.suiteSparse)
        versions["openblas"] = .string(LibraryVersions.openBLAS)
        record["versions"] = .table(versions)
        if spec.output.format == "json" {
            try AtomicFile.write(Data(RecordWriter.json(record).utf8), to: folder.url("run.json"), durable: options.durable)
        } else {
            try AtomicFile.write(Data(RecordWriter.toml(record).utf8), to: folder.url("run.toml"), durable: options.durable)
        }
        try folder.commit()

        var summary = "\(spec.name): \(result.reason.name) in \(result.iterations) iteration(s), relative residual "
            + String(format: "%.3e", result.relativeResidual)
            + String(format: ", setup %.3f s, solve %.3f s", result.setupSeconds, result.solveSeconds)
        if let l2, let maxAbs { summary += String(format: "; error vs exact: relative L2 %.3e, max %.3e", l2, maxAbs) }
        if let c = referenceComparison { summary += String(format: "; vs reference: relative L2 %.3e, max %.3e", c.relativeL2, c.maxAbs) }
        if !options.quiet { write(summary + "\n  → \(folder.destination.path)\n") }

        let report = Report(name: spec.name, outputDirectory: folder.destination, result: result,
                            relativeL2Error: l2, maxAbsError: maxAbs, assembleSeconds: assembleSeconds,
                            reference: referenceComparison, meshSize: meshSize(spec))
        if !result.reason.converged && options.errorIfNotConverged {
            throw RunError(.notConverged, "\(path): did not converge: \(result.reason.name) after \(result.iterations) iterations (relative residual \(String(format: "%.3e", result.relativeResidual)))")
        }
        return report
    }

    static func meshSize(_ spec: ProblemSpec) -> Double? {
        if case .pde(let p) = spec.physics { return p.grid.axes.map(\.spacing).max() }
        return nil
    }

    /// `--view`: the resolved solver configuration, PETSc `-ksp_view` style.
    static func viewText(_ spec: ProblemSpec, _ d: SolverFactory.Description) -> String {
        var s = "solver configuration for \(spec.name):\n"
        for k in d.table.keys {
            let v: String
            switch d.table[k]! {
            case .string(let x): v = x
            case .double(let x): v = "\(x)"
            case .integer(let x): v = "\(x)"
            case .bool(let x): v = "\(x)"
            default: v = ""
            }
            s += "  \(k) = \(v)\n"
        }
        return s
    }

    /// `pdekit check`: parse and validate only (data files are read and checked too).
    public static func check(path: String, overrides: [String]) throws -> ProblemSpec {
        do { return try ProblemSpec(path: path, overrides: overrides) } catch { throw RunError.classify(error, file: path) }
    }

    /// `pdekit check` on a sweep file: every case is built and validated; returns the count.
    public static func checkSweep(path: String, overrides: [String]) throws -> Int {
        do {
            let document = try ProblemDocument(path: path, overrides: overrides)
            let sweep = try SweepSpec(document)
            for c in sweep.cases { _ = try ProblemSpec(try document.sweepCase(c)) }
            return sweep.cases.count
        } catch { throw RunError.classify(error, file: path) }
    }
}
