import Foundation
import Krylov
import LinearAlgebra
import Multigrid
import Discretisation
import Problems
import Storage

/// Writes the assembled matrix (Matrix Market, general) and right-hand side (NPY) so that the
/// peers solve exactly pdekit's system (the Darcy matrix depends on pdekit's random field).
func exportSystem(_ problem: AssembledProblem, matrix: String, rhs: String) throws {
    let a = problem.matrix
    var rows = [Int32](), cols = [Int32]()
    rows.reserveCapacity(a.nonzeros); cols.reserveCapacity(a.nonzeros)
    for i in 0..<a.rows {
        for k in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) { rows.append(Int32(i)); cols.append(a.columnIndices[k]) }
    }
    try MatrixMarket.write(CoordinateMatrix(rows: a.rows, columns: a.columns, rowIndices: rows, columnIndices: cols, values: a.values),
                           symmetric: false, to: URL(fileURLWithPath: matrix))
    try NPY.write(problem.rhs, shape: [problem.rhs.count], to: URL(fileURLWithPath: rhs))
}

/// `multigrid` mode: CG + GMG (matrix-free operator), GMG cycles as the solver; median of
/// three runs by total time. `--profile` times the parts of a V-cycle on the finest level.
func runMultigrid(_ problem: AssembledProblem, label: String, profile: Bool, structured: Bool = true, cases: Set<String>? = nil) throws {
    let b = problem.rhs, a = problem.matrix
    func trueRelativeResidual(_ x: [Double]) -> Double { zip(b, a.apply(x)).map { $0 - $1 }.norm2 / b.norm2 }
    if profile { try profileCycle(problem) }
    try runAlgebraic(a, b, label: label, aggregation: AlgebraicMultigridOptions(algorithm: .aggregation), cases: cases, profile: profile)
    if !structured { return }
    for (name, asSolver) in [("gmg_cg", false), ("gmg", true)] where cases?.contains(name) ?? true {
        var runs: [(setup: Double, solve: Double, its: Int, rel: Double, reason: String, levels: Int)] = []
        for _ in 0..<3 {
            let t0 = Date()
            let mg = try GeometricMultigrid(structure: problem.structure, options: MultigridOptions())
            let setup = Date().timeIntervalSince(t0)
            let options = IterativeOptions(rtol: 1e-8, maxIterations: 1000, recordHistory: false)
            var x = [Double](repeating: 0, count: b.count)
            let r: SolveResult
            if asSolver {
                r = mg.solve(b, x: &x, options: options)
            } else {
                let cg = try ConjugateGradient(matrix: mg.finestOperator, preconditioner: mg, options: options)
                (x, r) = cg.solve(b)
            }
            runs.append((setup, r.solveSeconds, r.iterations, trueRelativeResidual(x), r.reason.name, mg.levelShapes.count))
            log("\(label) \(name): \(r.iterations) its, setup \(setup) s, solve \(r.solveSeconds) s")
        }
        let mid = runs.sorted { $0.setup + $0.solve < $1.setup + $1.solve }[1]
        emit([("tool", "pdekit"), ("version", version), ("case", "\(label)_\(name)"), ("setup_s", mid.setup),
              ("solve_s", mid.solve), ("total_s", mid.setup + mid.solve), ("iterations", mid.its),
              ("levels", mid.levels), ("rel_residual", mid.rel), ("reason", mid.reason)])
    }
}

func profileCycle(_ problem: AssembledProblem) throws {
    let mg = try GeometricMultigrid(structure: problem.structure, options: MultigridOptions())
    for (part, seconds) in mg.profileFinestLevel(problem.rhs) { log(String(format: "%-13@ %.2f ms", part, seconds * 1000)) }
}

/// CG + classical AMG and CG + smoothed aggregation on A x = b (median of three by total).
func runAlgebraic(_ a: CSRMatrix, _ b: [Double], label: String, aggregation: AlgebraicMultigridOptions,
                  cases: Set<String>? = nil, profile: Bool = false) throws {
    func trueRelativeResidual(_ x: [Double]) -> Double { zip(b, a.apply(x)).map { $0 - $1 }.norm2 / b.norm2 }
    for (name, options) in [("amg_cg", AlgebraicMultigridOptions(algorithm: .classical)), ("sa_cg", aggregation)]
        where cases?.contains(name) ?? true {
        var runs: [(setup: Double, solve: Double, its: Int, rel: Double, reason: String, oc: Double, levels: Int)] = []
        for _ in 0..<3 {
            let t0 = Date()
            let amg = try AlgebraicMultigrid(a, options: options)
            let setup = Date().timeIntervalSince(t0)
            let cg = try ConjugateGradient(matrix: a, preconditioner: amg,
                                           options: IterativeOptions(rtol: 1e-8, maxIterations: 1000, recordHistory: false))
            let (x, r) = cg.solve(b)
            runs.append((setup, r.solveSeconds, r.iterations, trueRelativeResidual(x), r.reason.name, amg.operatorComplexity, amg.levelRows.count))
            log("\(label) \(name): \(r.iterations) its, setup \(setup) s, solve \(r.solveSeconds) s, levels \(amg.levelRows), "
                + "operator complexity \(amg.operatorComplexity)")
            if profile { log("  setup phases: " + amg.setupPhases.map { String(format: "%@ %.3f s", $0.phase, $0.seconds) }.joined(separator: ", ")) }
        }
        let mid = runs.sorted { $0.setup + $0.solve < $1.setup + $1.solve }[1]
        emit([("tool", "pdekit"), ("version", version), ("case", "\(label)_\(name)"), ("setup_s", mid.setup),
              ("solve_s", mid.solve), ("total_s", mid.setup + mid.solve), ("iterations", mid.its), ("levels", mid.levels),
              ("operator_complexity", mid.oc), ("rel_residual", mid.rel), ("reason", mid.reason)])
    }
}

/// `multigrid --matrix A.mtx --rhs b.npy [--nullspace B.npy --block-size k]`: AMG only.
func runMatrixMultigrid(matrix: String, rhs: String, label: String, nullspace: String?, blockSize: Int) throws {
    guard case .coordinate(let c) = try MatrixMarket.read(URL(fileURLWithPath: matrix)) else { fatalError("\(matrix): not coordinate") }
    let a = try CSRMatrix(rows: c.rows, columns: c.columns, rowIndices: c.rowIndices, columnIndices: c.columnIndices, values: c.values)
    let b = try NPY.read(URL(fileURLWithPath: rhs)).values
    log("\(label): \(a.rows) unknowns, \(a.nonzeros) nonzeros")
    var sa = AlgebraicMultigridOptions(algorithm: .aggregation, blockSize: blockSize)
    if let nullspace {
        let modes = try NPY.read(URL(fileURLWithPath: nullspace))
        sa.nearNullspace = modes.values; sa.nearNullspaceVectors = modes.shape.count == 2 ? modes.shape[1] : 1
    }
    try runAlgebraic(a, b, label: label, aggregation: sa)
}
