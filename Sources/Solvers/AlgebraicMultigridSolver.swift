import Configuration
import Foundation
import LinearAlgebra
import Multigrid
import Storage

/// `[solver.amg]` as read from the file: the library's options plus where the near-nullspace
/// came from (for the record and the list of input files).
public struct AlgebraicMultigridSettings: ComponentOptions, Equatable {
    public var options: AlgebraicMultigridOptions
    public var nearNullspaceFile: String?

    public var dataFiles: [String] { nearNullspaceFile.map { [$0] } ?? [] }

    public var resolved: ConfigTable {
        let o = options
        var t = ConfigTable()
        t["algorithm"] = .string(o.algorithm.rawValue)
        t["strength_threshold"] = .double(o.theta)
        if o.algorithm == .classical { t["truncation"] = .double(o.truncation) }
        t["cycle"] = .string(o.cycle.rawValue)
        t["pre_smooth"] = .integer(o.preSmooth); t["post_smooth"] = .integer(o.postSmooth)
        t["smoother"] = .string(o.smoother.rawValue)
        t["max_levels"] = .integer(o.maxLevels); t["coarse_size"] = .integer(o.coarseSize)
        if o.algorithm == .aggregation { t["block_size"] = .integer(o.blockSize) }
        if let nearNullspaceFile { t["near_nullspace"] = .string(nearNullspaceFile) }
        t["reuse"] = .string(o.reuse.rawValue)
        return t
    }

    static func read(_ r: TableReader?) throws -> AlgebraicMultigridSettings {
        var o = AlgebraicMultigridOptions()
        var file: String?
        guard let r else { return AlgebraicMultigridSettings(options: o, nearNullspaceFile: nil) }
        typealias O = AlgebraicMultigridOptions
        o.algorithm = O.Algorithm(rawValue: try r.string("algorithm", default: "classical", oneOf: O.Algorithm.allCases.map(\.rawValue)))!
        if r.has("strength_threshold") {
            let theta = try r.double("strength_threshold", default: 0.25, minimum: 0)
            guard theta < 1 else { throw r.error("strength_threshold", "must lie in [0, 1), got \(theta)") }
            o.strengthThreshold = theta
        }
        o.truncation = try r.double("truncation", default: 0, minimum: 0)
        guard o.truncation < 1 else { throw r.error("truncation", "must lie in [0, 1), got \(o.truncation)") }
        o.cycle = MultigridOptions.Cycle(rawValue: try r.string("cycle", default: "v", oneOf: MultigridOptions.Cycle.allCases.map(\.rawValue)))!
        o.preSmooth = try r.int("pre_smooth", default: 1, minimum: 0, maximum: 100)
        o.postSmooth = try r.int("post_smooth", default: 1, minimum: 0, maximum: 100)
        guard o.preSmooth + o.postSmooth >= 1 else { throw r.error("post_smooth", "pre_smooth + post_smooth must be at least 1") }
        guard o.preSmooth <= 100, o.postSmooth <= 100 else {
            throw r.error(o.preSmooth > 100 ? "pre_smooth" : "post_smooth", "at most 100 sweeps")
        }
        o.smoother = O.Smoother(rawValue: try r.string("smoother", default: "gauss_seidel", oneOf: O.Smoother.allCases.map(\.rawValue)))!
        o.maxLevels = try r.int("max_levels", default: 25, minimum: 1)
        o.coarseSize = try r.int("coarse_size", default: 500, minimum: 1)
        o.blockSize = try r.int("block_size", default: 1, minimum: 1)
        if let path = try r.string("near_nullspace") {
            guard o.algorithm == .aggregation else { throw r.error("near_nullspace", "applies to algorithm = \"aggregation\"") }
            let array: NPYArray
            do {
                array = try NPY.read(r.document.resolve(path))
            } catch {
                throw r.error("near_nullspace", "\(path): \(oneLine(String(describing: error)))")
            }
            guard array.shape.count == 1 || array.shape.count == 2, array.values.count > 0 else {
                throw r.error("near_nullspace", "\(path): expected an array of shape (n,) or (n, k), got \(array.shape)")
            }
            guard array.values.allSatisfy(\.isFinite) else { throw r.error("near_nullspace", "\(path): has NaN or infinite values") }
            o.nearNullspace = array.values
            o.nearNullspaceVectors = array.shape.count == 2 ? array.shape[1] : 1
            file = path
        }
        o.reuse = O.Reuse(rawValue: try r.string("reuse", default: "coarsening", oneOf: O.Reuse.allCases.map(\.rawValue)))!
        try r.finish()
        return AlgebraicMultigridSettings(options: o, nearNullspaceFile: file)
    }

    /// Aggregation's blocks and near-nullspace against the matrix (classical AMG uses neither).
    public func problem(for matrix: CSRMatrix) -> (key: String, message: String)? {
        guard options.algorithm == .aggregation else { return nil }
        if matrix.rows % options.blockSize != 0 {
            return ("block_size", "\(options.blockSize) does not divide the matrix's \(matrix.rows) rows (the unknowns per node of a block system)")
        }
        if let b = options.nearNullspace, b.count != matrix.rows * options.nearNullspaceVectors {
            return ("near_nullspace", "\(nearNullspaceFile ?? "it") has \(b.count) values; the matrix needs \(matrix.rows) × "
                + "\(options.nearNullspaceVectors) (one column per vector, a row per unknown)")
        }
        return nil
    }

    /// Smoothed aggregation's coarse levels have the aggregates' √size vectors, not the
    /// constants, as null space, which the pinned coarse solve assumes: classical only.
    static func singularProblem(_ structure: GridStructure?, _ settings: AlgebraicMultigridSettings) -> String? {
        guard structure?.isSingular == true, settings.options.algorithm == .aggregation else { return nil }
        return "no side is Dirichlet, so A is singular; [solver.amg] algorithm = \"aggregation\" does not handle its null space: use \"classical\""
    }

    /// The hierarchy for `a`, reusing a sweep's previous one as `reuse` allows; on a singular
    /// grid operator (no Dirichlet side) the constants are declared its null space.
    static func hierarchy(_ a: CSRMatrix, _ structure: GridStructure?, _ settings: AlgebraicMultigridSettings, carry: CarriedState?,
                          _ d: inout SolverDescription) throws -> AlgebraicMultigrid {
        var o = settings.options
        o.singular = structure?.isSingular == true
        let kept = carry?.value(.amg)
        let samePattern = kept.map { $0.options == o && $0.hasPattern(of: a) } ?? false
        let amg: AlgebraicMultigrid
        var reused = "none"
        // `preconditioner_refresh`: a kept hierarchy whose last case needed too many iterations is rebuilt.
        let refreshDue = carry?.value(.preconditionerRefresh)?.due == true
        if samePattern, let kept, o.reuse == .hierarchy, !refreshDue {
            amg = kept; reused = "hierarchy"
        } else {
            carry?.set(.amg, nil)
            amg = try AlgebraicMultigrid(a, options: o, previous: samePattern && o.reuse == .coarsening ? kept : nil)
            if amg.reusedCoarsening { reused = "coarsening" }
            carry?.set(.amg, amg)
        }
        d.add("amg_algorithm", o.algorithm.rawValue)
        d.add("amg_levels", amg.levelRows.count)
        d.add("amg_level_rows", amg.levelRows.map(String.init).joined(separator: ", "))
        d.add("amg_operator_complexity", amg.operatorComplexity)
        d.add("amg_grid_complexity", amg.gridComplexity)
        d.add("amg_setup_seconds", reused == "hierarchy" ? 0 : amg.setupSeconds)
        d.add("amg_reused", reused)
        return amg
    }
}

extension CarriedState.Key where Value == AlgebraicMultigrid {
    /// The last AMG hierarchy (`[solver.amg] reuse`).
    static var amg: Self { Self("amg") }
}

extension MethodEntry {
    /// Algebraic multigrid cycles as the solver.
    static let amg = MethodEntry(
        name: "amg", help: "algebraic multigrid cycles (Ruge–Stüben or smoothed aggregation; SPD matrices), [solver.amg]",
        usesPreconditioner: false, iterative: true, solvesSingular: true, singularNeedsGrid: true,
        options: { try AlgebraicMultigridSettings.read($0) },
        validate: { a, structure, _, o in
            SolverRegistry.symmetryProblem(a, "amg", structure) ?? AlgebraicMultigridSettings.singularProblem(structure, o)
        },
        workspace: { n, d, _ in Workspace.amg(n, d) + 16 * n },
        solve: { request, o, d in
            try SolverRegistry.cycleSolve(request, &d) { d in
                try AlgebraicMultigridSettings.hierarchy(request.assembled(for: "amg"), request.structure, o, carry: request.carry, &d)
            }
        })
}

extension PreconditionerEntry {
    /// One algebraic multigrid cycle per application.
    static let amg = PreconditionerEntry(
        name: "amg", help: "one algebraic multigrid V- or W-cycle (Ruge–Stüben or smoothed aggregation), [solver.amg]",
        solvesSingular: true, singularNeedsGrid: true,
        options: { try AlgebraicMultigridSettings.read($0) },
        validate: { a, structure, spec, settings in
            let o = settings.options
            return SolverRegistry.symmetricCycleProblem(spec, "amg", cycle: o.cycle, preSmooth: o.preSmooth, postSmooth: o.postSmooth)
                ?? AlgebraicMultigridSettings.singularProblem(structure, settings)
        },
        workspace: { n, d, _ in Workspace.amg(n, d) },
        make: { a, structure, o, carry, d in
            try AlgebraicMultigridSettings.hierarchy(SolverRegistry.assembled(a, for: "amg"), structure, o, carry: carry, &d)
        })
}
