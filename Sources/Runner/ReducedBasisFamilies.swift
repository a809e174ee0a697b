import Foundation
import LinearAlgebra
import Problems
import ReducedBasis

/// What the offline study needs of a parametrised family, whichever it is: the affine problem
/// the greedy reduces, the inner product X, truth solves, and what the model folder records so
/// that `reduced_model` can rebuild the online half.
struct ReducedBasisFamily {
    var problem: AffineProblem
    /// X = A(μ̄) of the truth.
    var innerProduct: CSRMatrix
    /// The truth at training parameter k (nil: the greedy solves the affine form itself).
    var trainingTruth: ((Int) throws -> [Double])?
    /// The truth at any parameter: solution and assembled matrix.
    var truth: ([Double]) throws -> (solution: [Double], matrix: CSRMatrix)
    /// Relative Frobenius error of the family's affine form of a truth matrix (nil: exact).
    var affineError: ((CSRMatrix) throws -> Double)?
    /// The solution of the affine form itself at μ, when it is an approximation of the truth
    /// (EIM): what the reduced basis approximates and its bound bounds (nil: the truth).
    var affineSolution: (([Double]) throws -> [Double])?
    /// The solution's shape on the grid.
    var shape: [Int]
    /// rb_manifest.npy: [format 2, family (1 thermal block, 2 pde), …, N, Q_a, Q_f] with N filled in later.
    var manifest: (Int) -> [Double]
    var arrays: [NamedArray] = []
    var result = ConfigTable()
}

/// CHOLMOD on one sparsity pattern: the analysis once, a numeric refactorisation per matrix.
final class TruthSolver {
    private var factor: CholeskyFactorization?
    func solve(_ a: CSRMatrix, _ f: [Double]) throws -> [Double] {
        if let factor { try factor.refactor(values: a.values) } else { factor = try CholeskyFactorization(a) }
        return factor!.solve(f)
    }
}

/// α_LB(μ) per parameter vector, computed once per μ (the greedy asks for every training
/// parameter at every step).
private final class BoundCache: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[Double]: Double] = [:]
    func value(_ mu: [Double], _ compute: () throws -> Double) rethrows -> Double {
        lock.lock(); let hit = values[mu]; lock.unlock()
        if let hit { return hit }
        let v = try compute()
        lock.lock(); values[mu] = v; lock.unlock()
        return v
    }
}

enum ReducedBasisFamilies {
    static func build(_ r: ReducedBasisSpec) throws -> ReducedBasisFamily {
        r.pde == nil ? try thermalBlock(r) : try pdeFamily(r)
    }

    /// The thermal block: affine as it is (A(μ) = Σ μ_q A_q), min-θ bound.
    static func thermalBlock(_ r: ReducedBasisSpec) throws -> ReducedBasisFamily {
        let problem = try ThermalBlock.problem(m: r.grid, blocksX: r.blocks[0], blocksY: r.blocks[1])
        let truth = TruthSolver()
        return ReducedBasisFamily(
            problem: problem, innerProduct: try problem.matrix(r.reference), trainingTruth: nil,
            truth: { mu in let a = try problem.matrix(mu); return (try truth.solve(a, try problem.load(mu)), a) },
            affineError: nil, affineSolution: nil, shape: [r.grid, r.grid],
            manifest: { n in [2, 1, Double(r.blocks[0]), Double(r.blocks[1]), Double(r.grid), Double(n),
                              Double(problem.operators.count), Double(problem.loads.count)] })
    }

    /// A diffusion–reaction `[pde]` family through nonintrusive EIM: the training matrices and
    /// right-hand sides are assembled (the assembly is the black box), EIM makes the family
    /// affine, and online only the rows at the EIM points are assembled. The bound's α_LB is the
    /// nodal ratio against μ̄ (`CoercivityLowerBound.nodalRatio`), rigorous for the truth
    /// operator; the greedy's snapshots are truth solves.
    static func pdeFamily(_ r: ReducedBasisSpec) throws -> ReducedBasisFamily {
        let reference = try r.pde(at: r.reference)
        var matrices: [CSRMatrix] = [], loads: [[Double]] = []
        matrices.reserveCapacity(r.training.count); loads.reserveCapacity(r.training.count)
        for mu in r.training {
            let a = try assemble(r, mu)
            if let c = a.reaction, let i = c.firstIndex(where: { $0 < 0 }) {
                throw ProblemError(file: r.filePath, key: "reduced_basis.pde.reaction",
                                   message: "is \(c[i]) at a training parameter (\(describe(r, mu))); a reduced-basis family needs a nonnegative reaction (coercivity)")
            }
            matrices.append(a.problem.matrix); loads.append(a.problem.rhs)
        }
        let selection = EmpiricalInterpolation.Selection(rawValue: r.eimSelection) ?? .eim
        let form: NonintrusiveAffineForm
        do {
            form = try NonintrusiveAffineForm(matrices: matrices, loads: loads, tolerance: r.eimTolerance, maxTerms: r.eimMaxTerms, selection: selection)
        } catch let e as LinearAlgebraError {
            throw ProblemError(file: r.filePath, key: "reduced_basis.pde", message: "the training matrices cannot be interpolated: \(e)")
        }
        // Training parameters answer from the matrices already assembled; others assemble the
        // EIM rows only (what the online stage does).
        var trainingIndex: [[Double]: Int] = [:]
        for (k, mu) in r.training.enumerated() where trainingIndex[mu] == nil { trainingIndex[mu] = k }
        let rows = form.rows
        let known = trainingIndex, held = (matrices, loads)
        let problemAt: @Sendable ([Double]) throws -> (matrix: CSRMatrix, load: [Double]) = { mu in
            if let k = known[mu] { return (held.0[k], held.1[k]) }
            let a = try DiffusionAssembly.assemble(try r.pde(at: mu), rows: rows)
            return (a.matrix, a.rhs)
        }
        let bound = try coercivityBound(r, reference: reference)
        let x = try DiffusionAssembly.assemble(reference).matrix
        let truth = TruthSolver(), affineTruth = TruthSolver()
        let affine = form.problem(assembleRows: problemAt, coercivityLowerBound: bound)
        var family = ReducedBasisFamily(
            problem: affine, innerProduct: x,
            trainingTruth: { k in try truth.solve(held.0[k], held.1[k]) },
            truth: { mu in let a = try assemble(r, mu).problem; return (try truth.solve(a.matrix, a.rhs), a.matrix) },
            affineError: { a in
                let approx = try form.matrixInterpolation.approximate(a)
                let d = zip(a.values, approx.values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                return (d / max(a.values.reduce(0) { $0 + $1 * $1 }, 1e-300)).squareRoot()
            },
            affineSolution: { mu in try affineTruth.solve(try affine.matrix(mu), try affine.load(mu)) },
            shape: reference.grid.shape,
            manifest: { n in [2, 2, Double(r.parameterNames.count), Double(reference.grid.dimension), Double(reference.grid.count), Double(n),
                              Double(form.matrixInterpolation.terms), Double(form.loadInterpolation.terms)] })
        // The online half: the interpolation entries and points with their matrices Q[P, :].
        let ma = form.matrixInterpolation, mf = form.loadInterpolation
        let qa = ma.terms, qf = mf.terms
        var eimA = [Double](), eimF = [Double]()
        for i in 0..<qa { eimA += [Double(ma.entries[i].row), Double(ma.entries[i].column)] + (0..<qa).map { ma.interpolation.interpolationMatrix[i, $0] } }
        for i in 0..<qf { eimF += [Double(mf.points[i])] + (0..<qf).map { mf.interpolationMatrix[i, $0] } }
        family.arrays = [NamedArray(name: "rb_matrix_eim", shape: [qa, 2 + qa], values: eimA),
                         NamedArray(name: "rb_load_eim", shape: [qf, 1 + qf], values: eimF),
                         NamedArray(name: "eim_matrix_errors", shape: [ma.interpolation.errors.count], values: ma.interpolation.errors),
                         NamedArray(name: "eim_load_errors", shape: [mf.errors.count], values: mf.errors)]
        family.result["eim_matrix_terms"] = .integer(qa)
        family.result["eim_load_terms"] = .integer(qf)
        family.result["eim_matrix_training_error"] = .double(ma.interpolation.errors.last ?? .nan)
        family.result["eim_load_training_error"] = .double(mf.errors.last ?? .nan)
        family.result["eim_matrix_stop"] = .string(ma.interpolation.stopReason)
        family.result["eim_online_rows"] = .integer(rows.count)
        return family
    }

    /// The nodal-ratio coercivity bound against μ̄, cached per parameter.
    static func coercivityBound(_ r: ReducedBasisSpec, reference: PDESpec) throws -> CoercivityLowerBound {
        let ref = try nodalFields(reference)
        let cache = BoundCache()
        return CoercivityLowerBound(name: "nodal ratio min_x a(x; mu)/a(x; mu_ref) (and of the reaction)") { mu in
            try cache.value(mu) {
                let f = try nodalFields(try r.pde(at: mu))
                return CoercivityLowerBound.nodalRatio(coefficient: f.a, referenceCoefficient: ref.a, reaction: f.c, referenceReaction: ref.c)
            }
        }
    }

    /// The coefficient at every node and the reaction at every unknown (nil without one).
    static func nodalFields(_ spec: PDESpec) throws -> (a: [Double], c: [Double]?) {
        let a = try DiffusionAssembly.nodeCoefficients(spec)
        guard let reaction = spec.reaction else { return (a, nil) }
        let grid = spec.grid, strides = grid.strides
        var index = [Int](repeating: 0, count: grid.dimension)
        let c = (0..<grid.count).map { row -> Double in
            var rem = row
            for d in 0..<grid.dimension { index[d] = rem / strides[d]; rem %= strides[d] }
            let (x, y, z) = grid.coordinates(of: index)
            return reaction(x, y, z)
        }
        return (a, c)
    }

    /// The full assembly at μ (errors name the parameters) and the reaction at the unknowns.
    static func assemble(_ r: ReducedBasisSpec, _ mu: [Double]) throws -> (problem: AssembledProblem, reaction: [Double]?) {
        do {
            let spec = try r.pde(at: mu)
            return (try DiffusionAssembly.assemble(spec), try nodalFields(spec).c)
        } catch let e as AssemblyError {
            throw ProblemError(file: r.filePath, key: "reduced_basis.pde.\(e.key)", message: "at \(describe(r, mu)): \(e.message)")
        }
    }

    static func describe(_ r: ReducedBasisSpec, _ mu: [Double]) -> String {
        zip(r.parameterNames, mu).map { "\($0) = \($1)" }.joined(separator: ", ")
    }
}
