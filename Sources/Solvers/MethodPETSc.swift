import Configuration
import Foundation
import LinearAlgebra
import PETScBridge

/// `[solver.petsc]`: PETSc's KSP and PC by name, and any PETSc options.
public struct PETScOptions: ComponentOptions, Equatable {
    /// PETSc's own defaults: GMRES(30), and PETSc's default preconditioner (empty here): ILU(0)
    /// on one process, block Jacobi with ILU(0) blocks on several (PETSc has no parallel ILU).
    public var kspType = "gmres"
    public var pcType = ""
    /// A PETSc options string ("-pc_hypre_boomeramg_strong_threshold 0.5 -ksp_monitor"),
    /// inserted into PETSc's options database for this solve only.
    public var options = ""

    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["ksp_type"] = .string(kspType)
        if !pcType.isEmpty { t["pc_type"] = .string(pcType) }
        if !options.isEmpty { t["options"] = .string(options) }
        return t
    }

    static func read(_ r: TableReader?) throws -> PETScOptions {
        var o = PETScOptions()
        guard let r else { return o }
        for (key, value) in [("ksp_type", \PETScOptions.kspType), ("pc_type", \PETScOptions.pcType)] {
            guard r.has(key) else { continue }
            let name = try r.string(key, default: o[keyPath: value])
            // PETSc type names are short identifiers (cg, bcgsl, hypre, gamg, lu, ...).
            guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw r.error(key, "'\(name)' is not a PETSc type name (letters, digits and _; e.g. \(key == "ksp_type" ? "cg" : "hypre"))")
            }
            o[keyPath: value] = name
        }
        o.options = try r.string("options", default: "")
        if let first = o.options.split(whereSeparator: \.isWhitespace).first, !first.hasPrefix("-") {
            throw r.error("options", "a PETSc options string starts with an option such as -ksp_monitor, not '\(first)'")
        }
        guard o.options.utf8.count <= 16_384, !o.options.contains("\u{0}") else {
            throw r.error("options", "at most 16384 bytes of PETSc options, without NUL")
        }
        try r.finish()
        return o
    }
}

extension MethodEntry {
    /// A solve by PETSc's KSP and PC (Debian's PETSc 3.18, with hypre, MUMPS and ML), loaded
    /// on first use (`PETScLibrary`). `[solver]` gives rtol, atol and max_iterations;
    /// `[solver.petsc]` the KSP, the PC and any PETSc options.
    static let petsc = MethodEntry(
        name: "petsc", help: "PETSc's KSP + PC (any matrix), [solver.petsc] ksp_type, pc_type, options (e.g. cg + hypre or gamg)",
        usesPreconditioner: false, iterative: true, acceptsInitialGuess: true,
        options: { try PETScOptions.read($0) },
        // PETSc's copy of the matrix in its own format (hypre and GAMG convert), an AMG
        // hierarchy, and the Krylov vectors.
        workspace: { n, d, _ in 12 * Double(2 * d + 1) * n + Workspace.amg(n, d) + 40 * 8 * n },
        solve: { request, o, d in try PETScSolve.run(request, o, &d) })
}

/// One `method = "petsc"` solve through libpdekit-petsc.so: the whole system on one process
/// (`run`), or this rank's rows of it under mpirun (`PETScDistributed.solve`).
enum PETScSolve {
    /// A solve's inputs as the bridge takes them: this process's rows (all of them on one
    /// process), with global column indices.
    struct Rows {
        /// `.empty` once PETSc holds its copy (`call`, distributed).
        var matrix: CSRMatrix
        var rhs: [Double]
        var globalRows: Int
        var firstRow: Int
        var distributed: Bool
        /// The grid's shape when the unknowns are a Dirichlet grid (what pc_type = mg builds its
        /// levels from), else nil.
        var grid: [Int]?
    }

    /// What the bridge reported besides x.
    struct Report {
        var result: pdekit_petsc_result
        var fields: [String: String] = [:]
        var unused: [String] = []
        var view: [String] = []
    }

    /// The grid pc_type = mg can coarsen: every side Dirichlet.
    static func dirichletGrid(_ structure: GridStructure?) -> [Int]? {
        guard let axes = structure?.axes, (1...3).contains(axes.count),
              axes.allSatisfy({ $0.low == .dirichlet && $0.high == .dirichlet }) else { return nil }
        return axes.map(\.unknowns)
    }

    /// Calls the bridge; x holds the initial guess in and the solution out. Distributed, PETSc
    /// copies the rows and b, and `rows` gives up its matrix and right-hand side before the
    /// set-up (the caller holds no other reference to them), so that a rank keeps one copy of
    /// its rows, PETSc's, while PETSc builds its preconditioner.
    static func call(_ rows: inout Rows, x: inout [Double], _ o: PETScOptions, _ spec: SolverSpec, view: Bool) throws -> Report {
        // No local copies of the matrix or b: `rows` must hold the last references to them.
        let (localRows, columns, entries) = (rows.matrix.rows, rows.matrix.columns, rows.rhs.count)
        guard localRows == entries, x.count == entries, columns == rows.globalRows, rows.globalRows <= Int(Int32.max) else {
            throw LinearAlgebraError.invalidArgument("method = \"petsc\" needs a square system of at most 2^31 - 1 rows, got \(localRows) "
                + "of \(rows.globalRows) rows × \(columns) columns with \(entries) right-hand side entries")
        }
        var result = pdekit_petsc_result()
        let capacity = 1 << 20
        var text = [CChar](repeating: 0, count: capacity)
        let grid = rows.grid ?? [], nonzeroGuess = x.contains { $0 != 0 }
        /// The bridge's problem for `body`: the rows and b given (or none), x, and the settings.
        func withProblem<T>(_ matrix: CSRMatrix?, _ b: [Double]?, _ x: UnsafeMutablePointer<Double>?,
                            _ body: (inout pdekit_petsc_problem) -> T) -> T {
            (matrix?.rowPointers ?? []).withUnsafeBufferPointer { rp in
                (matrix?.columnIndices ?? []).withUnsafeBufferPointer { ci in
                    (matrix?.values ?? []).withUnsafeBufferPointer { v in
                        (b ?? []).withUnsafeBufferPointer { bp in
                            o.kspType.withCString { ksp in
                                o.pcType.withCString { pc in
                                    o.options.withCString { options in
                                        var problem = pdekit_petsc_problem(
                                            global_rows: Int32(rows.globalRows), local_rows: Int32(localRows), first_row: Int32(rows.firstRow),
                                            row_pointers: rp.baseAddress, columns: ci.baseAddress, values: v.baseAddress,
                                            b: bp.baseAddress, x: x, nonzero_initial_guess: nonzeroGuess ? 1 : 0,
                                            ksp_type: ksp, pc_type: pc, options: options,
                                            rtol: max(spec.rtol, IterativeOptions.machineFloor), atol: spec.atol,
                                            max_iterations: Int32(clamping: spec.maxIterations), view: view ? 1 : 0,
                                            distributed: rows.distributed ? 1 : 0, dimension: Int32(grid.count),
                                            shape: (Int32(grid.first ?? 0), Int32(grid.count > 1 ? grid[1] : 0),
                                                    Int32(grid.count > 2 ? grid[2] : 0)))
                                        return body(&problem)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let status: Int32 = try PETScLibrary.lock.withLock {
            let bridge = try PETScLibrary.functions()
            return text.withUnsafeMutableBufferPointer { t in
                var system: OpaquePointer?
                if rows.distributed {
                    let made = x.withUnsafeMutableBufferPointer { xp in
                        withProblem(rows.matrix, rows.rhs, xp.baseAddress) { bridge.create(&$0, &system, t.baseAddress, Int32(capacity)) }
                    }
                    guard made == 0 else { return made }
                    // PETSc has its copy: ours goes.
                    rows.matrix = .empty
                    rows.rhs = []
                    return x.withUnsafeMutableBufferPointer { xp in
                        withProblem(nil, nil, xp.baseAddress) { bridge.solve(system, &$0, &result, t.baseAddress, Int32(capacity)) }
                    }
                }
                // One process: PETSc reads the arrays in place until the solve returns.
                return x.withUnsafeMutableBufferPointer { xp in
                    withProblem(rows.matrix, rows.rhs, xp.baseAddress) { problem in
                        let made = bridge.create(&problem, &system, t.baseAddress, Int32(capacity))
                        return made != 0 ? made : bridge.solve(system, &problem, &result, t.baseAddress, Int32(capacity))
                    }
                }
            }
        }
        let output = PETScLibrary.string(text)
        guard status == 0 else {
            // PETSC_ERR_MEM (55): the input is too large, not a defect.
            if status == 55 { throw LinearAlgebraError.outOfMemory("PETSc: \(output)") }
            throw LinearAlgebraError.invalidArgument("PETSc error \(status): \(output)")
        }
        var report = Report(result: result)
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2 else { continue }
            switch parts[0] {
            case "unused": report.unused.append(parts.count == 3 && !parts[2].isEmpty ? "\(parts[1]) \(parts[2])" : parts[1])
            case "view": report.view.append(parts.dropFirst().joined(separator: "\t"))
            default: report.fields[parts[0]] = parts[1]
            }
        }
        return report
    }

    /// The solver record's PETSc entries, the unused options (as PETSc's -options_left: named on
    /// stderr when `warn`, never silently dropped) and KSPView for --view.
    static func describe(_ report: Report, _ o: PETScOptions, _ spec: SolverSpec, warn: Bool, _ d: inout SolverDescription) {
        d.add("ksp_type", report.fields["ksp"] ?? o.kspType)
        d.add("pc_type", report.fields["pc"] ?? o.pcType)
        if let levels = report.fields["levels"].flatMap({ Int($0) }) { d.add("mg_levels", levels) }
        d.add("petsc_norm_type", report.fields["norm"] ?? "")
        d.add("petsc_reason", report.fields["reason"] ?? "")
        d.add("petsc_reason_code", Int(report.result.reason))
        d.add("rtol", max(spec.rtol, IterativeOptions.machineFloor)); d.add("atol", spec.atol); d.add("max_iterations", spec.maxIterations)
        if !report.unused.isEmpty {
            let list = report.unused.joined(separator: ", ")
            d.add("unused_options", list)
            if warn { FileHandle.standardError.write(Data("pdekit: warning: [solver.petsc] options: PETSc did not use \(list)\n".utf8)) }
        }
        d.viewText = report.view.isEmpty ? "" : "PETSc KSPView:\n" + report.view.map { "  " + $0 }.joined(separator: "\n") + "\n"
    }

    static func run(_ request: SolveRequest, _ o: PETScOptions, _ d: inout SolverDescription) throws -> (x: [Double], result: SolveResult) {
        let a = try request.assembled(for: "petsc"), b = request.rhs, spec = request.spec
        guard a.rows == a.columns, a.rows == b.count else {
            throw LinearAlgebraError.invalidArgument("method = \"petsc\" needs a square system, got \(a.rows) × \(a.columns) with \(b.count) "
                + "right-hand side entries")
        }
        var x = SolverRegistry.initialGuess(request, &d)
        var rows = Rows(matrix: a, rhs: b, globalRows: a.rows, firstRow: 0, distributed: false, grid: dirichletGrid(request.structure))
        let report = try call(&rows, x: &x, o, spec, view: request.view != nil)
        describe(report, o, spec, warn: true, &d)
        request.view?(d)

        // The true residual, recomputed: PETSc's own test may use another norm (petsc_norm_type).
        let r = zip(b, a.apply(x)).map { $0 - $1 }
        var result = SolveResult(reason: reason(report.result.reason, ksp: report.fields["ksp"] ?? o.kspType, finite: x.allSatisfy(\.isFinite)),
                                 iterations: Int(report.result.iterations), residualNorm: r.norm2, rhsNorm: b.norm2,
                                 setupSeconds: report.result.setup_seconds, solveSeconds: report.result.solve_seconds)
        if b.norm2 == 0, result.reason.converged { result.reason = .converged_zero_rhs }
        SolverRegistry.keepSolution(x, result, request)
        return (x, result)
    }

    /// PETSc's KSPConvergedReason as pdekit's reason: the codes are PETSc's where pdekit has
    /// one; PETSc's other converged reasons (a CG step at a trust-region boundary, a happy
    /// breakdown) count as converged to the tolerance, and `petsc_reason` keeps PETSc's name.
    static func reason(_ code: Int32, ksp: String, finite: Bool) -> ConvergenceReason {
        if !finite { return .diverged_nan }
        switch code {
        case 4: return ksp == "preonly" ? .converged_direct : .converged_rtol
        case 3, 9: return .converged_atol
        case let c where c > 0: return .converged_rtol
        case -6: return .diverged_breakdown
        default: return ConvergenceReason(rawValue: code) ?? .diverged_breakdown
        }
    }
}
