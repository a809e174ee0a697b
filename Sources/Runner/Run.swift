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
        /// Where `outputDirectory` came from, for messages (`--output`, a sweep's case folder).
        public var outputOption = "--output"
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

    /// The assembled, validated system of one problem: everything short of solving.
    struct Prepared {
        var matrix: CSRMatrix
        var rhs: [Double]
        var exact: [Double]?
        var shape: [Int]
        var structure: GridStructure?
        var assembleSeconds: Double
        var reference: [Double]?
    }

    /// Every check that does not need a solve: memory, assembly (coefficient positive, fields
    /// finite), method against matrix (symmetry, FFT needs), reference file. `check` runs this.
    static func prepare(_ spec: ProblemSpec) throws -> Prepared {
        try MemoryBudget.check(spec)
        let t0 = Date()
        var p: Prepared
        switch spec.physics {
        case .pde(let pde):
            let a: AssembledProblem
            do { a = try DiffusionAssembly.assemble(pde) } catch let e as AssemblyError {
                throw spec.document.error(["pde", e.key], e.message)
            }
            p = Prepared(matrix: a.matrix, rhs: a.rhs, exact: a.exact, shape: a.shape, structure: a.structure,
                         assembleSeconds: 0, reference: nil)
        case .linearSystem(let s):
            p = Prepared(matrix: s.matrix, rhs: s.rhs, exact: s.exact, shape: [s.matrix.rows], structure: nil,
                         assembleSeconds: 0, reference: nil)
        }
        p.assembleSeconds = Date().timeIntervalSince(t0)
        try SolverFactory.validate(spec.solver, matrix: p.matrix, structure: p.structure) { key, message in
            spec.document.error(["solver", key], message)
        }
        // [output] reference: the same figures against a stored solution.
        if let ref = spec.output.reference {
            let url = spec.document.resolve(ref)
            let array: NPYArray
            do { array = try NPY.read(url) } catch let e as StorageError { throw spec.document.error(["output", "reference"], e.description) }
            guard array.values.count == p.rhs.count else {
                throw spec.document.error(["output", "reference"], "\(ref) has shape \(array.shape), the solution has shape \(p.shape)")
            }
            if let i = array.values.firstIndex(where: { !$0.isFinite }) {
                throw spec.document.error(["output", "reference"], "\(ref) holds \(array.values[i]) at flat index \(i); a reference must be finite")
            }
            p.reference = array.values
        }
        return p
    }

    /// Solves a validated problem and writes its output folder (also the body of every sweep case).
    /// `option` names where the output folder came from, for refusals.
    static func execute(_ spec: ProblemSpec, path: String, options: Options, carry: CarriedState? = nil,
                        write: @escaping @Sendable (String) -> Void) throws -> Report {
        // Output folder first: --output, then [output] directory, then outputs/<name>. A folder
        // that pdekit may not replace is refused before any work is done.
        let (dirPath, option) = options.outputDirectory.map { ($0, options.outputOption) }
            ?? spec.output.directory.map { ($0, "\(path): [output] directory") } ?? ("outputs/\(spec.name)", "output folder")
        try OutputGuard.check(dirPath, kind: .run, option: option, inputs: spec.inputFiles)
        let system = try prepare(spec)
        let assembleSeconds = system.assembleSeconds
        if !options.quiet { warnUnusedOptions(spec, path: path) }  // once the input is known good
        let reporter = IterationReporter(monitor: options.monitor, progress: options.progress, write: write)
        let solved: (x: [Double], result: SolveResult, description: SolverFactory.Description)
        do {
            solved = try SolverFactory.solve(system.matrix, system.rhs, spec.solver, structure: system.structure,
                                             monitor: reporter.callback, view: { d in
                if options.view { write(viewText(spec, d)) }
            }, carry: carry)
        } catch let e as LinearAlgebraError {
            // A factorisation that fails (a pivot, a zero diagonal) is the input meeting the
            // method: name the key that chose it. A C library's own failure stays internal.
            if case .library = e { throw e }
            let key = spec.solver.method == "cg" ? "preconditioner" : "method"
            throw spec.document.error(["solver", key], e.description)
        }
        let (x, result, description) = solved
        reporter.finish()
        switch result.reason {
        case .diverged_indefinite_matrix:
            throw spec.document.error(["solver", "method"], "the matrix is not positive definite (CG found pᵀAp ≤ 0 at iteration \(result.iterations + 1)); use method = \"lu\"")
        case .diverged_indefinite_preconditioner:
            throw spec.document.error(["solver", "preconditioner"], "'\(spec.solver.preconditioner)' is not positive definite for this matrix (is A SPD?)")
        default: break
        }

        let exactComparison = system.exact.map { Comparison(x, $0) }
        let l2 = exactComparison?.relativeL2, maxAbs = exactComparison?.maxAbs
        let referenceComparison = system.reference.map { Comparison(x, $0) }

        let folder = try OutputFolder(destination: dirPath, option: option, inputs: spec.inputFiles)
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
        var details = description.table
        if !spec.solver.unusedOptions.isEmpty { details["unused_options"] = .array(spec.solver.unusedOptions.map { .string("solver.\($0)") }) }
        record["solver_details"] = .table(details)
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
        try folder.commit(durable: options.durable)

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

    /// PETSc's -options_left: an options table for a component the run does not use is named,
    /// not silently dropped (a typo'd preconditioner name is the usual cause).
    static func warnUnusedOptions(_ spec: ProblemSpec, path: String) {
        for name in spec.solver.unusedOptions {
            let used = spec.solver.componentsInUse.map { "'\($0)'" }.joined(separator: " with ")
            FileHandle.standardError.write(Data("pdekit: warning: \(path): [solver.\(name)] is not used by this run (it uses \(used)); its options are ignored\n".utf8))
        }
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

    /// `pdekit check`: every validation `run` makes short of solving — the file, its data
    /// files, the memory a run needs, assembly (coefficient and fields on the grid), the method
    /// against the matrix and the reference.
    public static func check(path: String, overrides: [String]) throws -> ProblemSpec {
        do {
            let spec = try ProblemSpec(path: path, overrides: overrides)
            _ = try prepare(spec)
            return spec
        } catch { throw RunError.classify(error, file: path) }
    }

    /// `pdekit check` on a sweep file: every case is built and validated as `check` does;
    /// returns the count.
    public static func checkSweep(path: String, overrides: [String]) throws -> Int {
        do {
            let document = try ProblemDocument(path: path, overrides: overrides)
            let sweep = try SweepSpec(document)
            for (i, c) in sweep.cases.enumerated() {
                do { _ = try prepare(try ProblemSpec(try document.sweepCase(c))) } catch let e as ProblemError {
                    var e = e
                    e.message = "sweep case \(i): " + e.message
                    throw e
                }
            }
            return sweep.cases.count
        } catch { throw RunError.classify(error, file: path) }
    }
}
