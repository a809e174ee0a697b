import Configuration
import Foundation
import LinearAlgebra

/// `[solver.petsc]`: PETSc's KSP and PC by name, and any PETSc options.
public struct PETScOptions: ComponentOptions, Equatable {
    /// PETSc's own defaults on one process: GMRES(30) with ILU(0).
    public var kspType = "gmres"
    public var pcType = "ilu"
    /// A PETSc options string ("-pc_hypre_boomeramg_strong_threshold 0.5 -ksp_monitor"),
    /// inserted into PETSc's options database for this solve only.
    public var options = ""

    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["ksp_type"] = .string(kspType); t["pc_type"] = .string(pcType)
        if !options.isEmpty { t["options"] = .string(options) }
        return t
    }

    static func read(_ r: TableReader?) throws -> PETScOptions {
        var o = PETScOptions()
        guard let r else { return o }
        for (key, value) in [("ksp_type", \PETScOptions.kspType), ("pc_type", \PETScOptions.pcType)] {
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

/// One `method = "petsc"` solve through libpdekit-petsc.so.
enum PETScSolve {
    static func run(_ request: SolveRequest, _ o: PETScOptions, _ d: inout SolverDescription) throws -> (x: [Double], result: SolveResult) {
        let a = request.matrix, b = request.rhs, spec = request.spec
        guard a.rows == a.columns, a.rows == b.count else {
            throw LinearAlgebraError.invalidArgument("method = \"petsc\" needs a square system, got \(a.rows) × \(a.columns) with \(b.count) "
                + "right-hand side entries")
        }
        var x = SolverRegistry.initialGuess(request, &d)
        let nonzeroGuess: Int32 = x.contains { $0 != 0 } ? 1 : 0
        let rtol = max(spec.rtol, IterativeOptions.machineFloor)
        let maxIterations = Int32(clamping: spec.maxIterations)
        var iterations: Int32 = 0, code: Int32 = 0, setup = 0.0, solve = 0.0
        let capacity = 1 << 20
        var text = [CChar](repeating: 0, count: capacity)

        let status: Int32 = try PETScLibrary.lock.withLock {
            let entry = try PETScLibrary.entry()
            return a.rowPointers.withUnsafeBufferPointer { rp in
                a.columnIndices.withUnsafeBufferPointer { ci in
                    a.values.withUnsafeBufferPointer { v in
                        b.withUnsafeBufferPointer { bp in
                            x.withUnsafeMutableBufferPointer { xp in
                                text.withUnsafeMutableBufferPointer { t in
                                    entry(Int32(a.rows), rp.baseAddress, ci.baseAddress, v.baseAddress, bp.baseAddress, xp.baseAddress,
                                          nonzeroGuess, o.kspType, o.pcType, o.options, rtol, spec.atol, maxIterations, 1,
                                          &iterations, &code, &setup, &solve, t.baseAddress, Int32(capacity))
                                }
                            }
                        }
                    }
                }
            }
        }
        let output = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard status == 0 else {
            // PETSC_ERR_MEM (55): the input is too large, not a defect.
            if status == 55 { throw LinearAlgebraError.outOfMemory("PETSc: \(output)") }
            throw LinearAlgebraError.invalidArgument("PETSc error \(status): \(output)")
        }
        var fields: [String: String] = [:], unused: [String] = [], view: [String] = []
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2 else { continue }
            switch parts[0] {
            case "unused": unused.append(parts.count == 3 && !parts[2].isEmpty ? "\(parts[1]) \(parts[2])" : parts[1])
            case "view": view.append(parts.dropFirst().joined(separator: "\t"))
            default: fields[parts[0]] = parts[1]
            }
        }
        d.add("ksp_type", fields["ksp"] ?? o.kspType)
        d.add("pc_type", fields["pc"] ?? o.pcType)
        d.add("petsc_norm_type", fields["norm"] ?? "")
        d.add("petsc_reason", fields["reason"] ?? "")
        d.add("petsc_reason_code", Int(code))
        d.add("rtol", rtol); d.add("atol", spec.atol); d.add("max_iterations", spec.maxIterations)
        if !unused.isEmpty {
            // As PETSc's -options_left: named, never silently dropped.
            d.add("unused_options", unused.joined(separator: ", "))
            let list = unused.joined(separator: ", ")
            FileHandle.standardError.write(Data("pdekit: warning: [solver.petsc] options: PETSc did not use \(list)\n".utf8))
        }
        d.viewText = view.isEmpty ? "" : "PETSc KSPView:\n" + view.map { "  " + $0 }.joined(separator: "\n") + "\n"
        request.view?(d)

        // The true residual, recomputed: PETSc's own test may use another norm (petsc_norm_type).
        let r = zip(b, a.apply(x)).map { $0 - $1 }
        var result = SolveResult(reason: reason(code, ksp: fields["ksp"] ?? o.kspType, finite: x.allSatisfy(\.isFinite)),
                                 iterations: Int(iterations), residualNorm: r.norm2, rhsNorm: b.norm2,
                                 setupSeconds: setup, solveSeconds: solve)
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
