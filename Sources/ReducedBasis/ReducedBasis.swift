import Foundation
import LinearAlgebra

/// A parametrised linear problem in affine form, A(μ) u = f(μ) with
/// A(μ) = Σ_q θ_q(μ) A_q and f(μ) = Σ_q φ_q(μ) f_q — as given (the thermal block), or obtained
/// nonintrusively by `NonintrusiveAffineForm` (θ = β(μ), from a few entries of A(μ)).
public struct AffineProblem: Sendable {
    public typealias Coefficients = @Sendable ([Double]) throws -> [Double]
    public var operators: [CSRMatrix]
    public var loads: [[Double]]
    public var operatorCoefficients: Coefficients
    public var loadCoefficients: Coefficients
    /// A lower bound of the coercivity constant α(μ) relative to X = A(μ̄); nil
    /// for the min-θ bound min_q θ_q(μ)/θ_q(μ̄), valid only when every A_q is symmetric positive
    /// semidefinite and every θ_q > 0.
    public var coercivityLowerBound: CoercivityLowerBound?

    public init(operators: [CSRMatrix], loads: [[Double]], operatorCoefficients: @escaping Coefficients,
                loadCoefficients: @escaping Coefficients, coercivityLowerBound: CoercivityLowerBound? = nil) {
        self.operators = operators; self.loads = loads
        self.operatorCoefficients = operatorCoefficients; self.loadCoefficients = loadCoefficients
        self.coercivityLowerBound = coercivityLowerBound
    }

    public var size: Int { operators[0].rows }

    /// A(μ) assembled (the terms share no pattern in general: summed through triplets).
    public func matrix(_ mu: [Double]) throws -> CSRMatrix {
        let theta = try operatorCoefficients(mu)
        var r = [CSRMatrix.Index](), c = [CSRMatrix.Index](), v = [Double]()
        // Zero coefficients are kept as explicit zeros: every A(μ) has one pattern (refactorable).
        for (t, a) in zip(theta, operators) {
            for i in 0..<a.rows { for e in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) {
                r.append(CSRMatrix.Index(i)); c.append(a.columnIndices[e]); v.append(t * a.values[e])
            }}
        }
        return try CSRMatrix(rows: size, columns: size, rowIndices: r, columnIndices: c, values: v)
    }

    public func load(_ mu: [Double]) throws -> [Double] {
        var f = [Double](repeating: 0, count: size)
        for (p, fq) in zip(try loadCoefficients(mu), loads) { for i in f.indices { f[i] += p * fq[i] } }
        return f
    }
}

/// The reduced-basis method for a coercive affine problem (Hesthaven, Rozza & Stamm 2016, ch. 3–4;
/// Quarteroni, Manzoni & Negri 2016): a Galerkin projection onto V = span{u(μ₁), …, u(μ_N)}
/// chosen by the weak greedy, with the residual-based bound
///
///     ‖u(μ) − u_N(μ)‖_X ≤ Δ(μ) = ‖f(μ) − A(μ) u_N(μ)‖_X' / α_LB(μ),
///
/// X = A(μ̄) (the energy norm at a reference parameter) and the min-θ lower bound
/// α_LB(μ) = min_q θ_q(μ)/θ_q(μ̄) of the coercivity constant, valid when every A_q is symmetric
/// positive semidefinite and every θ_q > 0. Offline: truth solves (CHOLMOD), the X-orthonormal
/// basis, the reduced operators V ᵀA_q V and the Riesz representers' Gram matrices. Online:
/// everything is O(Q² N²), independent of n.
public struct ReducedBasisModel: Sendable {
    /// X-orthonormal basis, n × N.
    public private(set) var basis: DenseMatrix
    /// V ᵀ A_q V per operator term.
    public private(set) var reducedOperators: [DenseMatrix]
    /// V ᵀ f_q per load term.
    public private(set) var reducedLoads: [[Double]]
    /// The Riesz representers F_q = X⁻¹ f_q and L_{q,n} = −X⁻¹ A_q ζ_n in an X-orthonormal
    /// basis of their span (`RieszBasis`): column q < Q_f is F_q, column Q_f + n·Q_a + q is
    /// L_{q,n}; R × (Q_f + N·Q_a).
    var residual: DenseMatrix
    public let referenceParameter: [Double]
    let referenceCoefficients: [Double]
    public let operatorCoefficients: AffineProblem.Coefficients
    public let loadCoefficients: AffineProblem.Coefficients
    public let coercivityLowerBound: CoercivityLowerBound?

    public var size: Int { basis.columns }

    /// The greedy's account: the largest bound over the training set before each addition.
    public struct GreedyStep: Sendable {
        public var size: Int
        public var parameterIndex: Int
        public var maxBound: Double
        public var maxRelativeBound: Double
    }

    /// Which bound the greedy maximises: Δ(μ) (as pyMOR's `rb_greedy`) or Δ(μ)/‖u_N(μ)‖_X.
    public enum GreedyMeasure: String, Sendable, CaseIterable { case absolute, relative }

    /// Weak greedy over `training` (parameter vectors): add the truth solution where the bound
    /// (`measure`) is largest, until the largest relative bound Δ(μ)/‖u_N(μ)‖_X is below
    /// `tolerance` or the basis has `maxSize` vectors. The first vector is the truth at the
    /// parameter with the largest Δ for an empty basis, ‖f(μ)‖_X'/α_LB(μ).
    ///
    /// `innerProduct` is X (default A(μ̄) of the affine form; a nonintrusive family passes the
    /// truth's A(μ̄), of which the affine form is an approximation); `truth` solves at a training
    /// parameter (default: CHOLMOD on the affine form's A(μ), refactorised on one pattern).
    /// `path` (training indices) replaces the greedy's choices while it lasts: the basis of
    /// another tool's greedy rebuilt here, to compare two methods on one sequence of snapshots.
    public static func weakGreedy(_ problem: AffineProblem, training: [[Double]], reference: [Double], tolerance: Double,
                                  maxSize: Int, measure: GreedyMeasure = .absolute, innerProduct: CSRMatrix? = nil,
                                  truth truthSolve: ((_ index: Int) throws -> [Double])? = nil, path: [Int]? = nil) throws
        -> (model: ReducedBasisModel, history: [GreedyStep], stopReason: String) {
        let x = try innerProduct ?? problem.matrix(reference)
        let riesz = try CholeskyFactorization(x)
        var model = try ReducedBasisModel(problem: problem, reference: reference, n: problem.size)
        // Riesz representers of the loads, F_q = X⁻¹ f_q, as the residual space's first columns.
        var space = RieszBasis(x: x)
        model.residual = Self.columns(try space.add(problem.loads.map { riesz.solve($0) }), rows: space.size)
        var history: [GreedyStep] = []
        var stop = "reached max_size = \(maxSize)"
        // Empty basis: Δ(μ) = ‖f(μ)‖_X' / α_LB(μ).
        var next = 0
        if let first = path?.first { next = first } else {
            var best = -1.0
            for (k, mu) in training.enumerated() {
                let bound = try model.solveReduced(mu).bound
                if bound > best * (1 + 1e-9) { best = bound; next = k }
            }
        }
        let truth = truthSolve == nil ? try CholeskyFactorization(try problem.matrix(training[next])) : nil
        // Aᵀ_q once: the new row of V ᵀA_q V is (A_qᵀ ζ)ᵀ V, one product per term and vector.
        let transposed = problem.operators.map { $0.transposed() }
        while true {
            // Truth solve at the chosen parameter (refactor: same pattern for every μ).
            var u: [Double]
            if let truthSolve { u = try truthSolve(next) } else {
                try truth!.refactor(values: try problem.matrix(training[next]).values)
                u = truth!.solve(try problem.load(training[next]))
            }
            guard u.allSatisfy(\.isFinite) else {
                throw LinearAlgebraError.invalidArgument("the truth solution at training parameter \(next + 1) (\(training[next])) is not finite")
            }
            let snapshotNorm = zip(u, x.apply(u)).reduce(0) { $0 + $1.0 * $1.1 }.squareRoot()
            guard snapshotNorm.isFinite else {
                throw LinearAlgebraError.invalidArgument("the truth solution at training parameter \(next + 1) (\(training[next])) "
                    + "overflows the energy norm")
            }
            // X-orthonormalise against the basis, twice (classical Gram–Schmidt with reorthogonalisation).
            for _ in 0..<2 {
                let xu = x.apply(u)
                for j in 0..<model.size {
                    let col = model.column(j)
                    let c = zip(col, xu).reduce(0) { $0 + $1.0 * $1.1 }
                    for i in u.indices { u[i] -= c * col[i] }
                }
            }
            let norm = zip(u, x.apply(u)).reduce(0) { $0 + $1.0 * $1.1 }.squareRoot()
            guard norm > 1e-10 * snapshotNorm else { stop = "the next snapshot is already in the span (‖u − Πu‖_X ≈ 0)"; break }
            try model.append(u.map { $0 / norm }, problem: problem, transposed: transposed, space: &space, riesz: riesz)
            // Bounds over the training set, one reduced solve each: the greedy picks by `measure`;
            // the stopping test always uses the largest relative bound.
            var pick = (index: 0, value: -1.0)
            var largestBound = 0.0, largestRelative = 0.0
            for (k, mu) in training.enumerated() {
                let (c, bound) = try model.solveReduced(mu)
                let rel = bound / max(c.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-300)
                largestBound = max(largestBound, bound); largestRelative = max(largestRelative, rel)
                let value = measure == .absolute ? bound : rel
                // Ties by the training order: a bound within 1e-9 of the largest so far does not
                // displace it (mirror-image parameters of a symmetric family have equal bounds
                // up to rounding, which would otherwise decide).
                if value > pick.value * (1 + 1e-9) { pick = (k, value) }
            }
            let worst = (index: pick.index, bound: largestBound, relative: largestRelative)
            history.append(GreedyStep(size: model.size, parameterIndex: next, maxBound: worst.bound, maxRelativeBound: worst.relative))
            if worst.relative <= tolerance { stop = "largest relative error bound \(worst.relative) ≤ tolerance \(tolerance)"; break }
            if model.size >= maxSize { break }
            next = path.flatMap { model.size < $0.count ? $0[model.size] : nil } ?? worst.index
        }
        return (model, history, stop)
    }

    /// A model from its stored parts (what `reduced_model` problems load).
    public init(basis: DenseMatrix, reducedOperators: [DenseMatrix], reducedLoads: [[Double]], residual: DenseMatrix,
                reference: [Double], operatorCoefficients: @escaping AffineProblem.Coefficients,
                loadCoefficients: @escaping AffineProblem.Coefficients, coercivityLowerBound: CoercivityLowerBound? = nil) throws {
        self.basis = basis; self.reducedOperators = reducedOperators; self.reducedLoads = reducedLoads
        self.residual = residual
        referenceParameter = reference
        referenceCoefficients = coercivityLowerBound == nil ? try operatorCoefficients(reference) : []
        self.operatorCoefficients = operatorCoefficients; self.loadCoefficients = loadCoefficients
        self.coercivityLowerBound = coercivityLowerBound
    }

    /// The Riesz representers' coefficients in an X-orthonormal basis (see `residual`), for
    /// saving the model.
    public var residualCoefficients: DenseMatrix { residual }

    /// Vectors of different lengths as the columns of a rows × count matrix, zero-padded.
    static func columns(_ vectors: [[Double]], rows: Int) -> DenseMatrix {
        var m = DenseMatrix(rows: rows, columns: vectors.count)
        for (j, v) in vectors.enumerated() { for (i, x) in v.enumerated() { m[i, j] = x } }
        return m
    }

    init(problem: AffineProblem, reference: [Double], n: Int) throws {
        basis = DenseMatrix(rows: n, columns: 0)
        reducedOperators = problem.operators.map { _ in DenseMatrix(rows: 0, columns: 0) }
        reducedLoads = problem.loads.map { _ in [] }
        residual = DenseMatrix(rows: 0, columns: problem.loads.count)
        referenceParameter = reference
        referenceCoefficients = problem.coercivityLowerBound == nil ? try problem.operatorCoefficients(reference) : []
        operatorCoefficients = problem.operatorCoefficients
        loadCoefficients = problem.loadCoefficients
        coercivityLowerBound = problem.coercivityLowerBound
    }

    /// α_LB(μ): the problem's own lower bound, or min-θ (then −∞ … 0 when a θ_q ≤ 0: no bound).
    func coercivity(_ mu: [Double], theta: [Double]) throws -> Double {
        if let coercivityLowerBound { return try coercivityLowerBound.value(mu) }
        return zip(theta, referenceCoefficients).map { $0 / $1 }.min() ?? 1
    }

    func column(_ j: Int) -> [Double] { Array(basis.values[(j * basis.rows)..<((j + 1) * basis.rows)]) }

    /// Adds the X-normalised vector ζ and updates every reduced quantity: the reduced operators
    /// and loads, and the new Riesz representers L_{q,N} = −X⁻¹ A_q ζ (one CHOLMOD solve per
    /// term) in the residual space's basis.
    mutating func append(_ zeta: [Double], problem: AffineProblem, transposed: [CSRMatrix], space: inout RieszBasis,
                         riesz: CholeskyFactorization) throws {
        let n = basis.rows, old = basis.columns, new = old + 1
        basis = DenseMatrix(rows: n, columns: new, values: basis.values + zeta)
        func dot(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        let azeta = problem.operators.map { $0.apply(zeta) }
        let atzeta = transposed.map { $0.apply(zeta) }
        for q in problem.operators.indices {
            var m = DenseMatrix(rows: new, columns: new)
            for j in 0..<old { for i in 0..<old { m[i, j] = reducedOperators[q][i, j] } }
            for i in 0..<new {
                let vi = column(i)
                m[i, old] = dot(vi, azeta[q])
                if i < old { m[old, i] = dot(vi, atzeta[q]) }
            }
            reducedOperators[q] = m
        }
        for (q, fq) in problem.loads.enumerated() { reducedLoads[q].append(dot(zeta, fq)) }
        let added = try space.add(azeta.map { riesz.solve($0).map { -$0 } })
        // Earlier columns keep their coefficients (zero in the rows just added).
        var r = DenseMatrix(rows: space.size, columns: residual.columns + added.count)
        for j in 0..<residual.columns { for i in 0..<residual.rows { r[i, j] = residual[i, j] } }
        for (k, v) in added.enumerated() { for (i, x) in v.enumerated() { r[i, residual.columns + k] = x } }
        residual = r
    }

    /// The reduced coefficients c(μ) (u_N = V c) and the bound Δ(μ) on ‖u − u_N‖_X.
    public func solveReduced(_ mu: [Double]) throws -> (coefficients: [Double], bound: Double) {
        let s = try solveWithCompliance(mu)
        return (s.coefficients, s.bound)
    }

    /// `solveReduced` and the compliance output s(μ) = f(u(μ); μ), the classical output of a
    /// symmetric problem (for the thermal block, the average temperature on the heated side):
    /// s_N = f(u_N) = fᵀc costs O(N), and since a(u_N, e) = r(u_N) = 0 (Galerkin),
    /// s − s_N = a(e, e; μ) = r(e) ≤ ‖r‖_X' ‖e‖_X ≤ ‖r‖²_X' / α_LB: a one-sided bound,
    /// 0 ≤ s − s_N ≤ Δ_s (Rozza, Huynh and Patera 2008, §4.3).
    public func solveWithCompliance(_ mu: [Double]) throws -> (coefficients: [Double], bound: Double, compliance: Double, complianceBound: Double) {
        // Everything here is small (N, Q ≲ 100, and a nonintrusive family's M × M EIM solves):
        // OpenBLAS's threads would only spin (sched_yield) around it.
        try Parallel.withSerialBLAS(true) { try solveSerial(mu) }
    }

    /// The same with θ(μ), φ(μ) and α_LB(μ) given: a family known only through its members'
    /// files has them from the member, not from μ.
    public func solveWithCompliance(theta: [Double], phi: [Double], alpha: Double) throws
        -> (coefficients: [Double], bound: Double, compliance: Double, complianceBound: Double) {
        try Parallel.withSerialBLAS(true) { try solveSerial(theta: theta, phi: phi, alpha: alpha) }
    }

    private func solveSerial(_ mu: [Double]) throws -> (coefficients: [Double], bound: Double, compliance: Double, complianceBound: Double) {
        let theta = try operatorCoefficients(mu), phi = try loadCoefficients(mu)
        // min-θ needs θ_q(μ) > 0 for every term; otherwise no bound is known.
        return try solveSerial(theta: theta, phi: phi, alpha: try coercivity(mu, theta: theta))
    }

    private func solveSerial(theta: [Double], phi: [Double], alpha: Double) throws
        -> (coefficients: [Double], bound: Double, compliance: Double, complianceBound: Double) {
        guard theta.count == reducedOperators.count, phi.count == reducedLoads.count else {
            throw LinearAlgebraError.invalidArgument("\(theta.count) operator and \(phi.count) load coefficients for a model of "
                + "\(reducedOperators.count) and \(reducedLoads.count) terms")
        }
        let n = size
        var a = DenseMatrix(rows: n, columns: n)
        for (t, aq) in zip(theta, reducedOperators) { for i in a.values.indices { a.values[i] += t * aq.values[i] } }
        var f = [Double](repeating: 0, count: n)
        for (p, fq) in zip(phi, reducedLoads) { for i in 0..<n { f[i] += p * fq[i] } }
        let c = n > 0 ? try a.solve(f) : []
        // ‖r‖²_X' = φᵀ FF φ + 2 φᵀ FL w + wᵀ LL w with w_{(n, q)} = θ_q c_n.
        let qa = theta.count
        var w = [Double](repeating: 0, count: n * qa)
        for j in 0..<n { for q in 0..<qa { w[j * qa + q] = theta[q] * c[j] } }
        // The residual's representer in the orthonormal basis, r̂ = Σ φ_q F̂_q + Σ w_j L̂_j, summed
        // as a vector (R × (Q_f + N·Q_a) multiply-adds, the online cost's bulk); ‖r‖_X' = ‖r̂‖₂.
        let coefficients = phi + w
        let r2: Double = residual.values.withUnsafeBufferPointer { v in
            var rhat = [Double](repeating: 0, count: residual.rows)
            for (j, cj) in coefficients.enumerated() where cj != 0 {
                let column = j * residual.rows
                for i in 0..<residual.rows { rhat[i] += cj * v[column + i] }
            }
            return rhat.reduce(0) { $0 + $1 * $1 }
        }
        let compliance = zip(f, c).reduce(0) { $0 + $1.0 * $1.1 }
        return (c, alpha > 0 ? max(r2, 0).squareRoot() / alpha : .infinity, compliance, alpha > 0 ? max(r2, 0) / alpha : .infinity)
    }

    /// The model of the first `n` basis vectors: the basis is nested, so this is the model the
    /// greedy had after n steps.
    public func truncated(to n: Int) -> ReducedBasisModel {
        precondition(n <= size, "truncated(to: \(n)) of a basis of \(size)")
        var m = self
        let rows = basis.rows
        m.basis = DenseMatrix(rows: rows, columns: n, values: Array(basis.values[0..<(rows * n)]))
        m.reducedOperators = reducedOperators.map { a in
            var t = DenseMatrix(rows: n, columns: n)
            for j in 0..<n { for i in 0..<n { t[i, j] = a[i, j] } }
            return t
        }
        m.reducedLoads = reducedLoads.map { Array($0.prefix(n)) }
        let columns = reducedLoads.count + n * reducedOperators.count
        m.residual = DenseMatrix(rows: residual.rows, columns: columns, values: Array(residual.values[0..<(residual.rows * columns)]))
        return m
    }

    /// u_N(μ) on the full grid.
    public func reconstruct(_ coefficients: [Double]) -> [Double] {
        size == 0 ? [Double](repeating: 0, count: basis.rows) : basis.apply(coefficients)
    }
}
