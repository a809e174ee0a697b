import Foundation
import LinearAlgebra

/// A parametrised linear problem in affine form, A(μ) u = f(μ) with
/// A(μ) = Σ_q θ_q(μ) A_q and f(μ) = Σ_q φ_q(μ) f_q — as given (the thermal block), or obtained
/// nonintrusively by `MatrixInterpolation` (θ = β(μ)).
public struct AffineProblem: Sendable {
    public var operators: [CSRMatrix]
    public var loads: [[Double]]
    public var operatorCoefficients: @Sendable ([Double]) -> [Double]
    public var loadCoefficients: @Sendable ([Double]) -> [Double]

    public init(operators: [CSRMatrix], loads: [[Double]], operatorCoefficients: @escaping @Sendable ([Double]) -> [Double],
                loadCoefficients: @escaping @Sendable ([Double]) -> [Double]) {
        self.operators = operators; self.loads = loads
        self.operatorCoefficients = operatorCoefficients; self.loadCoefficients = loadCoefficients
    }

    public var size: Int { operators[0].rows }

    /// A(μ) assembled (the terms share no pattern in general: summed through triplets).
    public func matrix(_ mu: [Double]) throws -> CSRMatrix {
        let theta = operatorCoefficients(mu)
        var r = [CSRMatrix.Index](), c = [CSRMatrix.Index](), v = [Double]()
        // Zero coefficients are kept as explicit zeros: every A(μ) has one pattern (refactorable).
        for (t, a) in zip(theta, operators) {
            for i in 0..<a.rows { for e in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) {
                r.append(CSRMatrix.Index(i)); c.append(a.columnIndices[e]); v.append(t * a.values[e])
            }}
        }
        return try CSRMatrix(rows: size, columns: size, rowIndices: r, columnIndices: c, values: v)
    }

    public func load(_ mu: [Double]) -> [Double] {
        var f = [Double](repeating: 0, count: size)
        for (p, fq) in zip(loadCoefficients(mu), loads) { for i in f.indices { f[i] += p * fq[i] } }
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
    /// Gram matrices of the Riesz representers (see `errorBound`): ⟨F_q, F_q'⟩, ⟨F_q, L_pn⟩, ⟨L_pn, L_p'n'⟩.
    var ff: DenseMatrix, fl: DenseMatrix, ll: DenseMatrix
    public let referenceParameter: [Double]
    let referenceCoefficients: [Double]
    public let operatorCoefficients: @Sendable ([Double]) -> [Double]
    public let loadCoefficients: @Sendable ([Double]) -> [Double]

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
    public static func weakGreedy(_ problem: AffineProblem, training: [[Double]], reference: [Double], tolerance: Double,
                                  maxSize: Int, measure: GreedyMeasure = .absolute) throws -> (model: ReducedBasisModel, history: [GreedyStep], stopReason: String) {
        let x = try problem.matrix(reference)
        let riesz = try CholeskyFactorization(x)
        var model = ReducedBasisModel(problem: problem, reference: reference, n: problem.size)
        // Riesz representers of the loads: F_q = X⁻¹ f_q.
        let loadRiesz = problem.loads.map { riesz.solve($0) }
        var operatorRiesz: [[[Double]]] = []   // [n-th basis vector][q] = X⁻¹ A_q ζ_n
        var history: [GreedyStep] = []
        var stop = "reached max_size = \(maxSize)"
        // Empty basis: Δ(μ) = ‖f(μ)‖_X' / α_LB(μ), from the loads' Gram matrix alone.
        var next = 0
        do {
            let xf = loadRiesz.map { x.apply($0) }
            let gram = loadRiesz.map { a in xf.map { b in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } } }
            var best = -1.0
            for (k, mu) in training.enumerated() {
                let phi = problem.loadCoefficients(mu)
                var r2 = 0.0
                for i in phi.indices { for j in phi.indices { r2 += phi[i] * phi[j] * gram[i][j] } }
                let alpha = zip(problem.operatorCoefficients(mu), model.referenceCoefficients).map { $0 / $1 }.min() ?? 1
                let bound = max(r2, 0).squareRoot() / alpha
                if bound > best { best = bound; next = k }
            }
        }
        let truth = try CholeskyFactorization(try problem.matrix(training[next]))
        // Aᵀ_q once: the new row of V ᵀA_q V is (A_qᵀ ζ)ᵀ V, one product per term and vector.
        let transposed = problem.operators.map { $0.transposed() }
        while true {
            // Truth solve at the chosen parameter (refactor: same pattern for every μ).
            let a = try problem.matrix(training[next])
            try truth.refactor(values: a.values)
            var u = truth.solve(problem.load(training[next]))
            let snapshotNorm = zip(u, x.apply(u)).reduce(0) { $0 + $1.0 * $1.1 }.squareRoot()
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
            model.append(u.map { $0 / norm }, problem: problem, transposed: transposed, x: x, loadRiesz: loadRiesz,
                         operatorRiesz: &operatorRiesz, riesz: riesz)
            // Bounds over the training set, one reduced solve each: the greedy picks by `measure`;
            // the stopping test always uses the largest relative bound.
            var pick = (index: 0, value: -1.0)
            var largestBound = 0.0, largestRelative = 0.0
            for (k, mu) in training.enumerated() {
                let (c, bound) = try model.solveReduced(mu)
                let rel = bound / max(c.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-300)
                largestBound = max(largestBound, bound); largestRelative = max(largestRelative, rel)
                let value = measure == .absolute ? bound : rel
                if value > pick.value { pick = (k, value) }
            }
            let worst = (index: pick.index, bound: largestBound, relative: largestRelative)
            history.append(GreedyStep(size: model.size, parameterIndex: next, maxBound: worst.bound, maxRelativeBound: worst.relative))
            if worst.relative <= tolerance { stop = "largest relative error bound \(worst.relative) ≤ tolerance \(tolerance)"; break }
            if model.size >= maxSize { break }
            next = worst.index
        }
        return (model, history, stop)
    }

    /// A model from its stored parts (what `reduced_model` problems load).
    public init(basis: DenseMatrix, reducedOperators: [DenseMatrix], reducedLoads: [[Double]], rieszGram: (ff: DenseMatrix, fl: DenseMatrix, ll: DenseMatrix),
                reference: [Double], operatorCoefficients: @escaping @Sendable ([Double]) -> [Double],
                loadCoefficients: @escaping @Sendable ([Double]) -> [Double]) {
        self.basis = basis; self.reducedOperators = reducedOperators; self.reducedLoads = reducedLoads
        (ff, fl, ll) = rieszGram
        referenceParameter = reference
        referenceCoefficients = operatorCoefficients(reference)
        self.operatorCoefficients = operatorCoefficients; self.loadCoefficients = loadCoefficients
    }

    /// The Gram matrices of the Riesz representers, for saving the model.
    public var rieszGram: (ff: DenseMatrix, fl: DenseMatrix, ll: DenseMatrix) { (ff, fl, ll) }

    init(problem: AffineProblem, reference: [Double], n: Int) {
        basis = DenseMatrix(rows: n, columns: 0)
        reducedOperators = problem.operators.map { _ in DenseMatrix(rows: 0, columns: 0) }
        reducedLoads = problem.loads.map { _ in [] }
        let qf = problem.loads.count
        ff = DenseMatrix(rows: qf, columns: qf); fl = DenseMatrix(rows: qf, columns: 0); ll = DenseMatrix(rows: 0, columns: 0)
        referenceParameter = reference
        referenceCoefficients = problem.operatorCoefficients(reference)
        operatorCoefficients = problem.operatorCoefficients
        loadCoefficients = problem.loadCoefficients
    }

    func column(_ j: Int) -> [Double] { Array(basis.values[(j * basis.rows)..<((j + 1) * basis.rows)]) }

    /// Adds the X-normalised vector ζ and updates every reduced quantity: the reduced operators
    /// and loads, the new Riesz representers L_{q,N} = −X⁻¹ A_q ζ and their X-inner products with
    /// every representer so far (one CHOLMOD solve and one product with X per term).
    mutating func append(_ zeta: [Double], problem: AffineProblem, transposed: [CSRMatrix], x: CSRMatrix, loadRiesz: [[Double]],
                         operatorRiesz: inout [[[Double]]], riesz: CholeskyFactorization) {
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
        let newRiesz = azeta.map { riesz.solve($0).map { -$0 } }
        operatorRiesz.append(newRiesz)
        // X applied to the new representers: ⟨a, b⟩_X = aᵀ (X b).
        let xNew = newRiesz.map { x.apply($0) }
        let qa = problem.operators.count, qf = problem.loads.count
        if old == 0 {
            let xf = loadRiesz.map { x.apply($0) }
            for i in 0..<qf { for j in 0..<qf { ff[i, j] = dot(loadRiesz[i], xf[j]) } }
        }
        // Index of (q, n) in the L blocks: n · Qa + q.
        var newFL = DenseMatrix(rows: qf, columns: new * qa)
        for j in 0..<(old * qa) { for i in 0..<qf { newFL[i, j] = fl[i, j] } }
        for q in 0..<qa { for i in 0..<qf { newFL[i, old * qa + q] = dot(loadRiesz[i], xNew[q]) } }
        fl = newFL
        var newLL = DenseMatrix(rows: new * qa, columns: new * qa)
        for j in 0..<(old * qa) { for i in 0..<(old * qa) { newLL[i, j] = ll[i, j] } }
        for q in 0..<qa {
            let a = old * qa + q
            for b in 0..<(new * qa) {
                let v = dot(operatorRiesz[b / qa][b % qa], xNew[q])
                newLL[a, b] = v; newLL[b, a] = v
            }
        }
        ll = newLL
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
        let theta = operatorCoefficients(mu), phi = loadCoefficients(mu)
        let n = size
        var a = DenseMatrix(rows: n, columns: n)
        for (t, aq) in zip(theta, reducedOperators) { for i in a.values.indices { a.values[i] += t * aq.values[i] } }
        var f = [Double](repeating: 0, count: n)
        for (p, fq) in zip(phi, reducedLoads) { for i in 0..<n { f[i] += p * fq[i] } }
        // N × N with N ~ 10–100: OpenBLAS's threads would only spin (sched_yield) around it.
        let c = n > 0 ? try Parallel.withSerialBLAS(true) { try a.solve(f) } : []
        // ‖r‖²_X' = φᵀ FF φ + 2 φᵀ FL w + wᵀ LL w with w_{(n, q)} = θ_q c_n.
        let qa = theta.count
        var w = [Double](repeating: 0, count: n * qa)
        for j in 0..<n { for q in 0..<qa { w[j * qa + q] = theta[q] * c[j] } }
        var r2 = 0.0
        for i in phi.indices { for j in phi.indices { r2 += phi[i] * ff[i, j] * phi[j] } }
        for i in phi.indices { for j in w.indices { r2 += 2 * phi[i] * fl[i, j] * w[j] } }
        for i in w.indices { var s = 0.0; for j in w.indices { s += ll[i, j] * w[j] }; r2 += w[i] * s }
        // min-θ needs θ_q(μ) > 0 for every term; otherwise no bound is known.
        let alpha = zip(theta, referenceCoefficients).map { $0 / $1 }.min() ?? 1
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
        let qa = reducedOperators.count
        var f = DenseMatrix(rows: fl.rows, columns: n * qa)
        for j in 0..<(n * qa) { for i in 0..<fl.rows { f[i, j] = fl[i, j] } }
        var l = DenseMatrix(rows: n * qa, columns: n * qa)
        for j in 0..<(n * qa) { for i in 0..<(n * qa) { l[i, j] = ll[i, j] } }
        m.fl = f; m.ll = l
        return m
    }

    /// u_N(μ) on the full grid.
    public func reconstruct(_ coefficients: [Double]) -> [Double] {
        size == 0 ? [Double](repeating: 0, count: basis.rows) : basis.apply(coefficients)
    }
}
