import Configuration
import Discretisation
import Foundation
import LinearAlgebra
import Problems
import Solvers
import Storage

/// `mpirun -n P pdekit run FILE` (or `srun -n P`) of a `kind = "pde"` problem with
/// `method = "petsc"`: one system distributed over the P ranks, solved by PETSc on
/// PETSC_COMM_WORLD.
///
/// - Rows: rank r owns the planes r·n₀/P ..< (r+1)·n₀/P along the grid's first (slowest) axis, so
///   its unknowns are one contiguous block of the C-order solution; it assembles only those
///   rows (`DiffusionAssembly.assemble(_:planes:)`).
/// - Output: rank 0 makes the staging folder and each array's header; every rank writes its
///   slab of solution.npy (and of coefficient.npy and rhs.npy when written) at its offset in the
///   one file; rank 0 writes run.toml and renames the folder into place. No rank holds a whole
///   grid vector.
/// - Failures: after every step the ranks agree (`PETScDistributed.agree`); a failure on any
///   rank ends every rank with the failing rank's one error line (printed by rank 0 only) and
///   its exit status, and rank 0 removes the staging folder. A rank killed outright makes
///   mpirun end the others; the destination never appears (only the hidden staging folder).
enum DistributedRun {
    /// Runs `spec` distributed, or returns nil when MPI has one rank (a launcher's variables
    /// without a parallel launch, e.g. a Slurm batch script without srun): the caller then
    /// solves as usual.
    static func run(_ spec: ProblemSpec, path: String, options: Run.Options, started: Date,
                    write: @escaping @Sendable (String) -> Void) throws -> Run.Report? {
        guard spec.physics is PDESpec || spec.physics is SystemSpec else {
            throw spec.document.error(["solver", "method"], "\"petsc\" on several ranks solves kind = \"pde\" and \"linear_system\" "
                + "problems; run this one without mpirun or srun")
        }
        if spec.output.vtk {
            throw spec.document.error(["output", "vtk"], "solution.vti is not written by a run on several ranks yet; drop vtk or run on one process")
        }
        if spec.output.reference != nil {
            throw spec.document.error(["output", "reference"], "a reference is not compared by a run on several ranks yet; drop it or run on "
                + "one process")
        }
        let (rank, size) = try PETScDistributed.start()
        guard size > 1 else { return nil }
        if rank != 0 { Run.silentRank = true }
        return try Distributed(spec: spec, path: path, options: options, rank: rank, size: size, started: started, write: write).run()
    }
}

/// One distributed run's state on this rank.
private struct Distributed {
    let spec: ProblemSpec, path: String, options: Run.Options
    let rank: Int, size: Int
    /// When the run began (before the file was read), for the summary's wall time.
    let started: Date
    let write: @Sendable (String) -> Void

    /// This rank's share of the system and of the grid arrays it writes.
    struct Part {
        /// The global rows (unknowns) it holds, and its rows of A (global columns), b and the
        /// exact solution.
        var rows: Range<Int>
        var matrix: CSRMatrix
        var rhs: [Double]
        var exact: [Double]?
        /// The shape of solution.npy; the grid's, for a pde.
        var shape: [Int]
        var grid: Grid?
        /// The assembled slab of a pde (coefficient and right-hand side fields).
        var slab: AssembledSlab?
    }

    /// `body` on every rank, then agreement: every rank throws the first failing rank's error
    /// if any rank failed.
    func step<T>(_ body: () throws -> T) throws -> T {
        var value: T?, failure: (status: Int32, message: String)?
        do { value = try body() } catch {
            let e = RunError.classify(error, file: path)
            failure = (e.exitStatus, e.message)
        }
        if let agreed = PETScDistributed.agree(failure) {
            throw RunError(RunError.Kind(rawValue: agreed.status) ?? .internal, agreed.message)
        }
        return value!
    }

    /// The rows of this rank: for a pde, the planes rank·n₀/P ..< (rank+1)·n₀/P along the first
    /// axis, assembled here; for a linear system, every rank has read the whole matrix with the
    /// problem file, and keeps rows rank·n/P ..< (rank+1)·n/P of it.
    func part() throws -> Part {
        if let pde = spec.physics as? PDESpec {
            let problem = pde.discretisation
            let grid = problem.grid
            let n0 = grid.shape[0]
            guard n0 >= size else {
                throw spec.document.error(["pde", "grid"], "the grid's first axis has \(n0) planes of unknowns for \(size) ranks; each rank "
                    + "needs at least one (use fewer ranks or a finer grid)")
            }
            let singular = problem.reaction == nil && problem.velocity == nil
                && grid.axes.allSatisfy { $0.periodic || (!$0.dirichletLow && !$0.dirichletHigh) }
            if singular {
                throw spec.document.error(["solver", "method"], "'petsc' cannot solve this system: " + SolverRegistry.singularAdvice(onGrid: true))
            }
            var slab: AssembledSlab
            do { slab = try DiffusionAssembly.assemble(problem, planes: rank * n0 / size ..< (rank + 1) * n0 / size) } catch let e as AssemblyError {
                throw spec.document.error(["pde", e.key], e.message)
            }
            // The part holds the one reference to the rows and b (the solve hands them to PETSc).
            let (matrix, rhs) = (slab.matrix, slab.rhs)
            (slab.matrix, slab.rhs) = (.empty, [])
            return Part(rows: slab.rows, matrix: matrix, rhs: rhs, exact: slab.exact, shape: grid.shape, grid: grid, slab: slab)
        }
        guard let system = spec.physics as? SystemSpec else { throw RunError(.internal, "\(path): no rows for kind '\(spec.kind)'") }
        let a = system.matrix, n = a.rows
        guard a.columns == n else {
            throw spec.document.error(["system", "matrix"], "method = \"petsc\" needs a square matrix, got \(a.rows) × \(a.columns)")
        }
        guard n >= size else {
            throw spec.document.error(["system", "matrix"], "the matrix has \(n) rows for \(size) ranks; each rank needs at least one")
        }
        if system.constantNullspace {
            throw spec.document.error(["solver", "method"], "'petsc' cannot solve this system: " + SolverRegistry.singularAdvice(onGrid: false))
        }
        let rows = rank * n / size ..< (rank + 1) * n / size
        let first = Int(a.rowPointers[rows.lowerBound]), end = Int(a.rowPointers[rows.upperBound])
        let local = try CSRMatrix(rows: rows.count, columns: n,
                                  rowPointers: a.rowPointers[rows.lowerBound...rows.upperBound].map { $0 - Int32(first) },
                                  columnIndices: Array(a.columnIndices[first..<end]), values: Array(a.values[first..<end]))
        return Part(rows: rows, matrix: local, rhs: Array(system.rhs[rows]), exact: system.exact.map { Array($0[rows]) }, shape: [n],
                    grid: nil, slab: nil)
    }

    func run() throws -> Run.Report {
        let (dirPath, option) = Run.folder(spec, path: path, outputDirectory: options.outputDirectory, option: options.outputOption)
        // Checks every rank makes alike: the folder, the memory of one rank.
        try step {
            try OutputGuard.check(dirPath, kind: .run, option: option, inputs: spec.inputFiles)
            try MemoryBudget.check(spec, ranks: size)
        }
        let t0 = Date()
        var part = try step { try self.part() }
        let assembleSeconds = try PETScDistributed.allReduce([Date().timeIntervalSince(t0)], maximum: true)[0]
        let n = part.shape.reduce(1, *), localNonzeros = part.matrix.nonzeros

        // Rank 0's staging folder, named to every rank.
        var folder: OutputFolder?
        defer { folder?.discard() }
        let staging: String = try step {
            guard rank == 0 else { return "" }
            folder = try OutputFolder(destination: dirPath, option: option, inputs: spec.inputFiles)
            return folder!.staging.path
        }
        let stagingURL = URL(fileURLWithPath: try PETScDistributed.broadcast(staging, capacity: 1 << 16))

        // The solve, on PETSC_COMM_WORLD.
        let dirichletGrid = part.grid.flatMap { g in g.axes.allSatisfy { $0.dirichletLow && $0.dirichletHigh } ? g.shape : nil }
        let solved = try step {
            try PETScDistributed.solve(matrix: &part.matrix, rhs: &part.rhs, globalRows: n, firstRow: part.rows.lowerBound, grid: dirichletGrid,
                                       spec: spec.solver, warn: rank == 0)
        }
        let x = solved.x, result = solved.result
        var description = solved.description
        if options.view && rank == 0 { write(LinearSolveStudy.viewText(spec, description)) }

        // Errors against the exact solution, over all ranks.
        var exact: (relativeL2: Double, maxAbs: Double)?
        if let e = part.exact {
            var squares = 0.0, exactSquares = 0.0, largest = 0.0
            for (u, v) in zip(x, e) { squares += (u - v) * (u - v); exactSquares += v * v; largest = max(largest, abs(u - v)) }
            let sums = try PETScDistributed.allReduce([squares, exactSquares])
            let maxAbs = try PETScDistributed.allReduce([largest], maximum: true)[0]
            exact = (sums[1] > 0 ? (sums[0] / sums[1]).squareRoot() : sums[0].squareRoot(), maxAbs)
        }
        let nonzeros = Int(try PETScDistributed.allReduce([Double(localNonzeros)])[0])

        // The arrays: rank 0 makes each file, then every rank writes its slab into it.
        var slabs: [(name: String, shape: [Int], offset: Int, values: [Double])] = [("solution", part.shape, part.rows.lowerBound, x)]
        if let slab = part.slab, let grid = part.grid {
            // coefficient.npy only when the coefficient varies, rhs.npy when f is a field: as on
            // one process.
            let range = try PETScDistributed.allReduce([-(slab.nodeCoefficients.min() ?? 0), slab.nodeCoefficients.max() ?? 0], maximum: true)
            if -range[0] != range[1] { slabs.append(("coefficient", grid.nodeShape, slab.nodes.lowerBound, slab.nodeCoefficients)) }
            if slab.source != nil { slabs.append(("rhs", grid.shape, slab.rows.lowerBound, slab.source ?? [])) }
        }
        let writeStart = Date()
        try step {
            guard rank == 0, let folder else { return }
            for s in slabs { try NPYSlabs.create(folder.url("\(s.name).npy"), shape: s.shape) }
        }
        try step {
            for s in slabs { try NPYSlabs.write(s.values, at: s.offset, shape: s.shape, to: stagingURL.appendingPathComponent("\(s.name).npy")) }
        }
        let slabSeconds = try PETScDistributed.allReduce([Date().timeIntervalSince(writeStart)], maximum: true)[0]

        // Rank 0: the record and the rest of the folder, then the rename.
        description.add("rows", n); description.add("nonzeros", nonzeros); description.add("ranks", size)
        var outcome = self.outcome(result, exact: exact, description: description, assembleSeconds: assembleSeconds, grid: part.grid)
        outcome.result["write_seconds"] = .double(slabSeconds)  // the writer adds rank 0's own files
        var writeSeconds = slabSeconds
        try step {
            guard rank == 0, let folder else { return }
            writeSeconds += try OutcomeWriter.write(outcome, spec: spec, to: folder, durable: options.durable)
        }
        if rank == 0 && !options.quiet {
            let times = String(format: "; write %.3f s, wall %.3f s", writeSeconds, Date().timeIntervalSince(started))
            write("\(spec.name): \(outcome.summary)\(times)\n  → \(folder!.destination.path)\n")
        }
        if rank == 0 && !options.suppressUnusedWarning {
            Run.warnUnusedOptions(spec.solver.unusedOptions, uses: spec.solver.componentsInUse, path: path)
        }
        if !outcome.reason.converged && options.errorIfNotConverged {
            throw RunError(.notConverged, "\(path): did not converge: \(outcome.reason.name) \(outcome.notConvergedDetail)")
        }
        return Run.Report(name: spec.name, outputDirectory: URL(fileURLWithPath: dirPath), outcome: outcome)
    }

    /// The run record's content, as `LinearSolveStudy` makes it on one process; its arrays are
    /// the axes' coordinates only (the grid arrays are in the folder already).
    func outcome(_ result: SolveResult, exact: (relativeL2: Double, maxAbs: Double)?, description: SolverDescription,
                 assembleSeconds: Double, grid: Grid?) -> StudyOutcome {
        var res = ConfigTable()
        res["iterations"] = .integer(result.iterations)
        res["residual_norm"] = .double(result.residualNorm)
        res["relative_residual"] = .double(result.relativeResidual)
        res["assemble_seconds"] = .double(assembleSeconds)
        res["setup_seconds"] = .double(result.setupSeconds)
        res["solve_seconds"] = .double(result.solveSeconds)
        res["ranks"] = .integer(size)
        if let exact {
            res["relative_l2_error"] = .double(exact.relativeL2)
            res["max_abs_error"] = .double(exact.maxAbs)
        }
        var arrays: [NamedArray] = []
        var coordinates = ConfigTable()
        for (name, axis) in zip(["x", "y", "z"], grid?.axes ?? []) {
            let c = (0..<axis.unknowns).map { axis.coordinate(node: axis.node(ofUnknown: $0)) }
            arrays.append(NamedArray(name: name, shape: [c.count], values: c))
            coordinates[name] = .array(c.map { .double($0) })
        }
        var details = description.table
        if !spec.solver.unusedOptions.isEmpty { details["unused_options"] = .array(spec.solver.unusedOptions.map { .string("solver.\($0)") }) }
        var summary = "\(result.reason.name) in \(result.iterations) iteration(s) on \(size) ranks, relative residual "
            + String(format: "%.3e", result.relativeResidual)
            + String(format: ", assemble %.3f s, setup %.3f s, solve %.3f s", assembleSeconds, result.setupSeconds, result.solveSeconds)
        if let exact { summary += String(format: "; error vs exact: relative L2 %.3e, max %.3e", exact.relativeL2, exact.maxAbs) }
        func f(_ x: Double?) -> String { x.map(CSV.format) ?? "" }
        return StudyOutcome(reason: result.reason, arrays: arrays,
                            history: CSVTable(header: ["iteration", "residual_norm", "relative_residual", "seconds"]),
                            result: res, tables: (grid == nil ? [] : [("coordinates", coordinates)]) + [("solver_details", details)],
                            summary: summary,
                            notConvergedDetail: "after \(result.iterations) iterations (relative residual "
                                + "\(String(format: "%.3e", result.relativeResidual)))",
                            sweepValues: ["reason": result.reason.name, "iterations": "\(result.iterations)",
                                          "relative_residual": f(result.relativeResidual)])
    }
}
