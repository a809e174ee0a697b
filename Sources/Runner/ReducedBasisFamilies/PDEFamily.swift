import Configuration
import Discretisation
import Foundation
import LinearAlgebra
import Problems
import ReducedBasis

/// `family = "pde"`: a diffusion–reaction `[pde]` family through nonintrusive EIM. The training
/// matrices and right-hand sides are assembled (the assembly is the black box), EIM makes the
/// family affine, and online only the rows at the EIM points are assembled. The bound's α_LB is
/// the nodal ratio against μ̄ (`CoercivityLowerBound.nodalRatio`), rigorous for the truth
/// operator; the greedy's snapshots are truth solves.
final class PDEFamily: ReducedBasisFamily {
    let problem: AffineProblem
    let innerProduct: CSRMatrix
    let shape: [Int]
    let archived: ReducedModelArchive.Family
    let interpolation: NonintrusiveAffineForm?
    let trainingTruth: ((Int) throws -> [Double])?
    private let spec: ReducedBasisSpec
    private let truthSolver = TruthSolver(), affineTruth = TruthSolver()

    init(_ r: ReducedBasisSpec) throws {
        spec = r
        let reference = try r.pde(at: r.reference)
        // μ̄'s assembly gives X and the fields the coercivity bound compares with.
        let referenceAssembly = try Self.assemble(r, r.reference)
        let referenceFields = referenceAssembly.fields
        var matrices: [CSRMatrix] = [], loads: [[Double]] = []
        matrices.reserveCapacity(r.training.count); loads.reserveCapacity(r.training.count)
        // α_LB at the training parameters from the fields read for the assembly anyway: the
        // greedy asks for every one of them at every step.
        var alphas: [[Double]: Double] = [:]
        for mu in r.training {
            let a = try Self.assemble(r, mu)
            alphas[mu] = try Self.checkedFields(r, mu, a.fields, reference: referenceFields)
            matrices.append(a.problem.matrix); loads.append(a.problem.rhs)
        }
        // A load that is zero at every training parameter makes every solution zero: the greedy
        // found no vector and the test errors were 0/0, which passed as a model.
        guard loads.contains(where: { $0.contains { $0 != 0 } }) else {
            throw ProblemError(file: r.filePath, key: "reduced_basis.pde.rhs",
                               message: "the right-hand side (with the boundary values) is zero at every training parameter, so every solution is "
                                   + "zero: there is nothing to reduce")
        }
        let form = try ReducedBasisFamilies.affineForm(r, matrices, loads, key: "reduced_basis.pde")
        // Training parameters answer from the matrices already assembled; others assemble the
        // EIM rows only (what the online stage does).
        var trainingIndex: [[Double]: Int] = [:]
        for (k, mu) in r.training.enumerated() where trainingIndex[mu] == nil { trainingIndex[mu] = k }
        let rows = form.rows
        let known = trainingIndex, held = (matrices, loads)
        let problemAt: @Sendable ([Double]) throws -> (matrix: CSRMatrix, load: [Double]) = { mu in
            if let k = known[mu] { return (held.0[k], held.1[k]) }
            let a = try DiffusionAssembly.assemble(try r.pde(at: mu).discretisation, rows: rows)
            return (a.matrix, a.rhs)
        }
        let bound = Self.coercivityBound(r, referenceFields: referenceFields, known: alphas)
        problem = form.problem(assembleRows: problemAt, coercivityLowerBound: bound)
        innerProduct = referenceAssembly.problem.matrix
        interpolation = form
        shape = reference.grid.shape
        archived = ReducedModelArchive.Family(Self.archiveFormat, numbers: [r.parameterNames.count, reference.grid.dimension, reference.grid.count])
        let truth = truthSolver
        trainingTruth = { k in try truth.solve(held.0[k], held.1[k]) }
    }

    func truth(_ mu: [Double]) throws -> (solution: [Double], matrix: CSRMatrix) {
        let a = try Self.assemble(spec, mu).problem
        return (try truthSolver.solve(a.matrix, a.rhs), a.matrix)
    }

    func affineSolution(_ mu: [Double]) throws -> [Double]? {
        try affineTruth.solve(try problem.matrix(mu), try problem.load(mu))
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
    /// the size of α_LB(μ): beyond that range it under- or overflows and the greedy's first
    /// reduced solve fails in LAPACK, naming no key. Returns α_LB(μ).
    static func checkedFields(_ r: ReducedBasisSpec, _ mu: [Double], _ fields: (a: [Double], c: [Double]?),
                              reference: (a: [Double], c: [Double]?)) throws -> Double {
        if let c = fields.c, let i = c.firstIndex(where: { $0 < 0 }) {
            throw ProblemError(file: r.filePath, key: "reduced_basis.pde.reaction",
                               message: "is \(c[i]) at a training parameter (\(ReducedBasisFamilies.describe(r, mu))); a reduced-basis family "
                                   + "needs a nonnegative reaction (coercivity)")
        }
        let alpha = nodalRatio(fields, reference)
        guard (1e-100...1e100).contains(alpha) else {
            throw ProblemError(file: r.filePath, key: "reduced_basis.reference",
                               message: "the coefficient at \(ReducedBasisFamilies.describe(r, mu)) is \(alpha) times that at the reference "
                                   + "(the coercivity ratio); beyond [1e-100, 1e100] the reduced operators under- or overflow: choose a "
                                   + "reference inside the training range, or a narrower range")
        }
        return alpha
    }

    /// `check` of a pde family: every training parameter's fields (coefficient positive and
    /// finite at every node, reaction, coercivity ratio) as the offline stage will find them,
    /// without assembling a matrix.
    static func check(_ r: ReducedBasisSpec) throws {
        func fields(_ mu: [Double]) throws -> (a: [Double], c: [Double]?) {
            do { return try nodalFields(try r.pde(at: mu)) } catch let e as AssemblyError {
                throw ProblemError(file: r.filePath, key: "reduced_basis.pde.\(e.key)",
                                   message: "at \(ReducedBasisFamilies.describe(r, mu)): \(e.message)")
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
        let a = try DiffusionAssembly.nodeCoefficients(spec.discretisation)
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
            return (try DiffusionAssembly.assemble(spec.discretisation), try nodalFields(spec))
        } catch let e as AssemblyError {
            throw ProblemError(file: r.filePath, key: "reduced_basis.pde.\(e.key)",
                               message: "at \(ReducedBasisFamilies.describe(r, mu)): \(e.message)")
        }
    }
}

extension PDEFamily: ReducedBasisFamilyEntry {
    static var name: ReducedBasisSpec.Family { .pde }

    /// Assembled at μ and solved by CHOLMOD, as the greedy's snapshots are (the family's EIM is
    /// not built: the truth does not need it).
    static func truthSolution(_ r: ReducedBasisSpec, _ mu: [Double]) throws -> (solution: [Double], shape: [Int]) {
        let a = try assemble(r, mu).problem
        return (try TruthSolver().solve(a.matrix, a.rhs), a.shape)
    }
    /// Manifest code 2, numbers (parameters, dimension, unknowns).
    static let archiveFormat = ReducedModelArchive.Format(
        code: 2, name: "pde", bounds: [1...64, 1...3, 1...Int(Int32.max), 1...500, 1...500, 1...500],
        unknowns: { $0[2] }, parameters: { $0[0] }, interpolated: true)
    static var boundDescription: String { ReducedBasisFamilies.interpolatedBound }
    static func build(_ r: ReducedBasisSpec) throws -> any ReducedBasisFamily { try PDEFamily(r) }

    /// θ(μ) and φ(μ) from the rows at the EIM entries only, assembled from the model's own
    /// `[reduced_basis.pde]`; α_LB(μ) from the nodal ratio against μ̄.
    static func online(_ contents: ReducedModelArchive.Contents, record: () throws -> ReducedBasisSpec,
                       fail: (String) -> ProblemError) throws -> ReducedModelStudy.Loaded {
        let offline = try record()
        guard let template = offline.pde, template.grid.count == contents.family.unknowns, let interpolation = contents.interpolation else {
            throw fail("run.toml does not describe the model's grid and parameters")
        }
        let rows = interpolation.rows
        let coefficients: @Sendable ([Double]) throws -> (beta: [Double], gamma: [Double]) = { mu in
            let a = try DiffusionAssembly.assemble(try offline.pde(at: mu).discretisation, rows: rows)
            return try interpolation.coefficients(matrix: a.matrix, load: a.rhs)
        }
        let bound = coercivityBound(offline, referenceFields: try nodalFields(try offline.pde(at: contents.reference)))
        let model = try contents.model(operatorCoefficients: { try coefficients($0).beta }, loadCoefficients: { try coefficients($0).gamma },
                                       coercivityLowerBound: bound)
        return ReducedModelStudy.Loaded(model: model, shape: template.grid.shape, names: offline.parameterNames, positive: false)
    }
}
