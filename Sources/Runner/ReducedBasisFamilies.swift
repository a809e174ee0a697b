import Foundation
import LinearAlgebra
import Problems
import ReducedBasis
import Storage

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
    /// The test parameters when the family fixes them (a matrices family's test listing); nil:
    /// random in the training box.
    var tests: [[Double]]? = nil
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

enum ReducedBasisFamilies {
    static func build(_ r: ReducedBasisSpec) throws -> ReducedBasisFamily {
        switch r.family {
        case "pde": try pdeFamily(r)
        case "matrices": try matrixFamily(r)
        default: try thermalBlock(r)
        }
    }

    /// Assembled matrices from another code (`family = "matrices"`): the training and test
    /// members' Matrix Market matrices and right-hand sides, EIM as for a pde family; A(μ) is
    /// known only at listed parameters (online, `reduced_model` reads the new member's files and
    /// uses the EIM entries of them); α_LB is the user's expression (`coercivity`).
    static func matrixFamily(_ r: ReducedBasisSpec) throws -> ReducedBasisFamily {
        // Every member is checked where it is read, and errors name its listing and row.
        var first: CSRMatrix?
        func load(_ c: ReducedBasisSpec.MatrixCase, _ key: String) throws -> (CSRMatrix, [Double]) {
            do {
                let (a, f) = try FamilyFiles.read(c)
                let name = c.matrix.lastPathComponent
                guard a.asymmetry() <= 1e-12 else {
                    throw FamilyFiles.Failure(message: "\(name) is not symmetric (relative asymmetry \(a.asymmetry())); the reduced basis needs a symmetric coercive family")
                }
                if let first {
                    guard a.rows == first.rows, a.rowPointers == first.rowPointers, a.columnIndices == first.columnIndices else {
                        throw FamilyFiles.Failure(message: "\(name) is \(a.rows) × \(a.rows) with \(a.nonzeros) stored entries, another size or sparsity pattern than the first training member's (\(first.rows) × \(first.rows), \(first.nonzeros)); the family needs one pattern")
                    }
                } else { first = a }
                guard f.count == a.rows else { throw FamilyFiles.Failure(message: "\(c.rhs.lastPathComponent) has \(f.count) entries, the matrix \(a.rows) rows") }
                let alpha = c.parameters.withUnsafeBufferPointer { r.coercivity!.evaluate($0) }
                guard alpha > 0, alpha.isFinite else {
                    throw ProblemError(file: r.filePath, key: "reduced_basis.matrices.coercivity",
                                       message: "is \(alpha) at row \(c.line) of the \(key) listing (\(describe(r, c.parameters))); a coercivity lower bound must be positive and finite")
                }
                return (a, f)
            } catch let e as FamilyFiles.Failure {
                throw ProblemError(file: r.filePath, key: "reduced_basis.matrices.\(key)", message: "row \(c.line): \(e.message)")
            }
        }
        var matrices: [CSRMatrix] = [], loads: [[Double]] = []
        for c in r.matrixTraining { let (a, f) = try load(c, "training"); matrices.append(a); loads.append(f) }
        var known: [[Double]: (CSRMatrix, [Double])] = [:], rowOf: [[Double]: (key: String, line: Int, file: String)] = [:]
        for (k, c) in r.matrixTraining.enumerated() where known[c.parameters] == nil {
            known[c.parameters] = (matrices[k], loads[k]); rowOf[c.parameters] = ("training", c.line, c.matrix.lastPathComponent)
        }
        for c in r.matrixTests where known[c.parameters] == nil {
            known[c.parameters] = try load(c, "test"); rowOf[c.parameters] = ("test", c.line, c.matrix.lastPathComponent)
        }
        let n = matrices[0].rows
        /// A truth solve whose failure (not positive definite) names the member.
        func solveMember(_ mu: [Double], _ solver: TruthSolver, _ m: (CSRMatrix, [Double])) throws -> [Double] {
            do { return try solver.solve(m.0, m.1) } catch let e as LinearAlgebraError {
                let at = rowOf[mu]
                throw ProblemError(file: r.filePath, key: "reduced_basis.matrices.\(at?.key ?? "training")", message: "row \(at?.line ?? 0): \(at?.file ?? ""): \(e)")
            }
        }
        let form = try affineForm(r, matrices, loads, key: "reduced_basis.matrices.training")
        let members = known
        let problemAt: @Sendable ([Double]) throws -> (matrix: CSRMatrix, load: [Double]) = { mu in
            guard let m = members[mu] else { throw LinearAlgebraError.invalidArgument("no listed member at \(mu)") }
            return (m.0, m.1)
        }
        guard let expression = r.coercivity else { throw RunError(.internal, "\(r.filePath): a matrices family without coercivity") }
        let bound = CoercivityLowerBound(name: "the file's coercivity = \"\(expression.source)\"") { mu in
            mu.withUnsafeBufferPointer { expression.evaluate($0) }
        }
        let affine = form.problem(assembleRows: problemAt, coercivityLowerBound: bound)
        let truth = TruthSolver(), affineTruth = TruthSolver()
        let referenceIndex = r.training.firstIndex(of: r.reference) ?? 0
        var family = ReducedBasisFamily(
            problem: affine, innerProduct: matrices[referenceIndex],
            trainingTruth: { k in try solveMember(r.matrixTraining[k].parameters, truth, (matrices[k], loads[k])) },
            truth: { mu in
                guard let m = members[mu] else { throw LinearAlgebraError.invalidArgument("no listed member at \(mu)") }
                return (try solveMember(mu, truth, m), m.0)
            },
            affineError: { a in try frobeniusError(form, a) },
            affineSolution: { mu in try affineTruth.solve(try affine.matrix(mu), try affine.load(mu)) },
            shape: [n],
            manifest: { size in [2, 3, Double(r.parameterNames.count), 0, Double(n), Double(size),
                                 Double(form.matrixInterpolation.terms), Double(form.loadInterpolation.terms)] })
        family.tests = r.matrixTests.map(\.parameters)
        family.arrays = eimArrays(form)
        family.result = eimResult(form)
        return family
    }

    /// EIM of the training matrices and right-hand sides, errors at `key`.
    static func affineForm(_ r: ReducedBasisSpec, _ matrices: [CSRMatrix], _ loads: [[Double]], key: String) throws -> NonintrusiveAffineForm {
        do {
            return try NonintrusiveAffineForm(matrices: matrices, loads: loads, tolerance: r.eimTolerance, maxTerms: r.eimMaxTerms,
                                              selection: EmpiricalInterpolation.Selection(rawValue: r.eimSelection) ?? .eim)
        } catch let e as LinearAlgebraError {
            throw ProblemError(file: r.filePath, key: key, message: "the training matrices cannot be interpolated: \(e)")
        }
    }

    /// ‖A − Σ β_m Q_m‖_F / ‖A‖_F for a truth matrix A with the training pattern.
    static func frobeniusError(_ form: NonintrusiveAffineForm, _ a: CSRMatrix) throws -> Double {
        let approx = try form.matrixInterpolation.approximate(a)
        let d = zip(a.values, approx.values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return (d / max(a.values.reduce(0) { $0 + $1 * $1 }, 1e-300)).squareRoot()
    }

    /// The online half of a nonintrusive family: per matrix entry its row, column and row of
    /// Q[P, :]; per right-hand-side point its index and row; the EIM's error histories.
    static func eimArrays(_ form: NonintrusiveAffineForm) -> [NamedArray] {
        let ma = form.matrixInterpolation, mf = form.loadInterpolation
        let qa = ma.terms, qf = mf.terms
        return [NamedArray(name: "rb_matrix_eim", shape: [qa, 2 + qa], values: form.online.matrixArray),
                NamedArray(name: "rb_load_eim", shape: [qf, 1 + qf], values: form.online.loadArray),
                NamedArray(name: "eim_matrix_errors", shape: [ma.interpolation.errors.count], values: ma.interpolation.errors),
                NamedArray(name: "eim_load_errors", shape: [mf.errors.count], values: mf.errors)]
    }

    static func eimResult(_ form: NonintrusiveAffineForm) -> ConfigTable {
        let ma = form.matrixInterpolation, mf = form.loadInterpolation
        var t = ConfigTable()
        t["eim_matrix_terms"] = .integer(ma.terms)
        t["eim_load_terms"] = .integer(mf.terms)
        t["eim_matrix_training_error"] = .double(ma.interpolation.errors.last ?? .nan)
        t["eim_load_training_error"] = .double(mf.errors.last ?? .nan)
        t["eim_matrix_stop"] = .string(ma.interpolation.stopReason)
        t["eim_online_rows"] = .integer(form.rows.count)
        return t
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
        // μ̄'s assembly gives X and the fields the coercivity bound compares with.
        let referenceAssembly = try assemble(r, r.reference)
        let referenceFields = referenceAssembly.fields
        var matrices: [CSRMatrix] = [], loads: [[Double]] = []
        matrices.reserveCapacity(r.training.count); loads.reserveCapacity(r.training.count)
        // α_LB at the training parameters from the fields read for the assembly anyway: the
        // greedy asks for every one of them at every step.
        var alphas: [[Double]: Double] = [:]
        for mu in r.training {
            let a = try assemble(r, mu)
            alphas[mu] = try checkedFields(r, mu, a.fields, reference: referenceFields)
            matrices.append(a.problem.matrix); loads.append(a.problem.rhs)
        }
        // A load that is zero at every training parameter makes every solution zero: the greedy
        // found no vector and the test errors were 0/0, which passed as a model.
        guard loads.contains(where: { $0.contains { $0 != 0 } }) else {
            throw ProblemError(file: r.filePath, key: "reduced_basis.pde.rhs",
                               message: "the right-hand side (with the boundary values) is zero at every training parameter, so every solution is "
                                   + "zero: there is nothing to reduce")
        }
        let form = try affineForm(r, matrices, loads, key: "reduced_basis.pde")
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
        let bound = coercivityBound(r, referenceFields: referenceFields, known: alphas)
        let x = referenceAssembly.problem.matrix
        let truth = TruthSolver(), affineTruth = TruthSolver()
        let affine = form.problem(assembleRows: problemAt, coercivityLowerBound: bound)
        var family = ReducedBasisFamily(
            problem: affine, innerProduct: x,
            trainingTruth: { k in try truth.solve(held.0[k], held.1[k]) },
            truth: { mu in let a = try assemble(r, mu).problem; return (try truth.solve(a.matrix, a.rhs), a.matrix) },
            affineError: { a in try frobeniusError(form, a) },
            affineSolution: { mu in try affineTruth.solve(try affine.matrix(mu), try affine.load(mu)) },
            shape: reference.grid.shape,
            manifest: { n in [2, 2, Double(r.parameterNames.count), Double(reference.grid.dimension), Double(reference.grid.count), Double(n),
                              Double(form.matrixInterpolation.terms), Double(form.loadInterpolation.terms)] })
        family.arrays = eimArrays(form)
        family.result = eimResult(form)
        return family
    }

    /// The nodal-ratio coercivity bound against μ̄: `known` values (the training set's), else
    /// one evaluation of the fields at μ (O(n); a sweep's parameters are not kept).
    static func coercivityBound(_ r: ReducedBasisSpec, referenceFields ref: (a: [Double], c: [Double]?),
                                known: [[Double]: Double] = [:]) -> CoercivityLowerBound {
        return CoercivityLowerBound(name: "nodal ratio min_x a(x; mu)/a(x; mu_ref) (and of the reaction)") { mu in
            if let alpha = known[mu] { return alpha }
            return nodalRatio(try nodalFields(try r.pde(at: mu)), ref)
        }
    }

    /// What the offline stage needs of the fields at a training parameter, checked: a
    /// nonnegative reaction (coercivity), and a coercivity ratio α_LB(μ) against μ̄ within
    /// [1e-100, 1e100]. The basis is normalised in X = A(μ̄), so the reduced operator at μ is of
    /// the size of α_LB(μ): at 1e-350 it underflowed to an exact zero and the greedy's first
    /// reduced solve failed in dgesv ("U(1,1) is exactly zero"), naming no key. Returns α_LB(μ).
    static func checkedFields(_ r: ReducedBasisSpec, _ mu: [Double], _ fields: (a: [Double], c: [Double]?),
                              reference: (a: [Double], c: [Double]?)) throws -> Double {
        if let c = fields.c, let i = c.firstIndex(where: { $0 < 0 }) {
            throw ProblemError(file: r.filePath, key: "reduced_basis.pde.reaction",
                               message: "is \(c[i]) at a training parameter (\(describe(r, mu))); a reduced-basis family needs a nonnegative "
                                   + "reaction (coercivity)")
        }
        let alpha = nodalRatio(fields, reference)
        guard (1e-100...1e100).contains(alpha) else {
            throw ProblemError(file: r.filePath, key: "reduced_basis.reference",
                               message: "the coefficient at \(describe(r, mu)) is \(alpha) times that at the reference (the coercivity ratio); "
                                   + "beyond [1e-100, 1e100] the reduced operators under- or overflow: choose a reference inside the training "
                                   + "range, or a narrower range")
        }
        return alpha
    }

    /// `check` of a pde family: every training parameter's fields (coefficient positive and
    /// finite at every node, reaction, coercivity ratio) as the offline stage will find them,
    /// without assembling a matrix.
    static func checkTraining(_ r: ReducedBasisSpec) throws {
        func fields(_ mu: [Double]) throws -> (a: [Double], c: [Double]?) {
            do { return try nodalFields(try r.pde(at: mu)) } catch let e as AssemblyError {
                throw ProblemError(file: r.filePath, key: "reduced_basis.pde.\(e.key)", message: "at \(describe(r, mu)): \(e.message)")
            }
        }
        let reference = try fields(r.reference)
        for mu in r.training { _ = try checkedFields(r, mu, try fields(mu), reference: reference) }
    }

    static func nodalRatio(_ f: (a: [Double], c: [Double]?), _ ref: (a: [Double], c: [Double]?)) -> Double {
        CoercivityLowerBound.nodalRatio(coefficient: f.a, referenceCoefficient: ref.a, reaction: f.c, referenceReaction: ref.c)
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

    /// The full assembly at μ (errors name the parameters) and the nodal fields (coefficient at
    /// the nodes, reaction at the unknowns).
    static func assemble(_ r: ReducedBasisSpec, _ mu: [Double]) throws -> (problem: AssembledProblem, fields: (a: [Double], c: [Double]?)) {
        do {
            let spec = try r.pde(at: mu)
            return (try DiffusionAssembly.assemble(spec), try nodalFields(spec))
        } catch let e as AssemblyError {
            throw ProblemError(file: r.filePath, key: "reduced_basis.pde.\(e.key)", message: "at \(describe(r, mu)): \(e.message)")
        }
    }

    static func describe(_ r: ReducedBasisSpec, _ mu: [Double]) -> String {
        zip(r.parameterNames, mu).map { "\($0) = \($1)" }.joined(separator: ", ")
    }
}

/// Reading a matrices family's member files: a Matrix Market matrix (coordinate, square) and a
/// right-hand side (NPY or Matrix Market vector). Errors carry the file's name.
enum FamilyFiles {
    struct Failure: Error { var message: String }

    static func read(_ c: ReducedBasisSpec.MatrixCase) throws -> (CSRMatrix, [Double]) {
        (try matrix(c.matrix), try vector(c.rhs))
    }

    static func matrix(_ url: URL) throws -> CSRMatrix {
        let name = url.lastPathComponent
        do {
            switch try MatrixMarket.read(url) {
            case .coordinate(let c):
                guard c.rows == c.columns else { throw Failure(message: "\(name) is \(c.rows)×\(c.columns); a square matrix is needed") }
                guard c.values.allSatisfy(\.isFinite) else { throw Failure(message: "\(name) holds a value that is not finite") }
                return try CSRMatrix(rows: c.rows, columns: c.columns, rowIndices: c.rowIndices, columnIndices: c.columnIndices, values: c.values)
            case .array:
                throw Failure(message: "\(name) is a dense (array) Matrix Market file; give the matrix in coordinate format")
            }
        } catch let e as StorageError { throw Failure(message: "\(name): \(e.description)") }
        catch let e as LinearAlgebraError { throw Failure(message: "\(name): \(e)") }
    }

    static func vector(_ url: URL) throws -> [Double] {
        let name = url.lastPathComponent
        let values: [Double]
        do {
            if name.lowercased().hasSuffix(".mtx") {
                switch try MatrixMarket.read(url) {
                case .array(let rows, let columns, let v):
                    guard columns == 1 || rows == 1 else { throw Failure(message: "\(name) is \(rows)×\(columns); a vector is needed") }
                    values = v
                case .coordinate(let c):
                    guard c.columns == 1 else { throw Failure(message: "\(name) is \(c.rows)×\(c.columns); a vector is needed") }
                    var v = [Double](repeating: 0, count: c.rows)
                    for (i, x) in zip(c.rowIndices, c.values) { v[Int(i)] += x }
                    values = v
                }
            } else {
                let a = try NPY.read(url)
                guard a.shape.count == 1 || (a.shape.count == 2 && a.shape.contains(1)) else { throw Failure(message: "\(name) has shape \(a.shape); a vector is needed") }
                values = a.values
            }
        } catch let e as StorageError { throw Failure(message: "\(name): \(e.description)") }
        guard values.allSatisfy(\.isFinite) else { throw Failure(message: "\(name) holds a value that is not finite") }
        return values
    }
}
