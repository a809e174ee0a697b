import Foundation
import LinearAlgebra

/// Settings of algebraic multigrid (`[solver.amg]`).
public struct AlgebraicMultigridOptions: Sendable, Equatable {
    public enum Algorithm: String, Sendable, CaseIterable {
        /// Ruge–Stüben: classical strength, RS coarsening, classical interpolation.
        case classical
        /// Smoothed aggregation: symmetric strength, aggregation, smoothed tentative prolongator.
        case aggregation
    }
    public enum Smoother: String, Sendable, CaseIterable { case gauss_seidel, jacobi, chebyshev }
    /// What a sweep's next case keeps from the previous one when the matrix pattern is the same.
    public enum Reuse: String, Sendable, CaseIterable {
        /// Set up from scratch every case.
        case none
        /// Keep the C/F splitting or aggregates; recompute interpolation and coarse operators.
        case coarsening
        /// Keep the whole hierarchy built for an earlier matrix (a preconditioner only: CG still
        /// converges, in more iterations when the values moved far).
        case hierarchy
    }

    public var algorithm: Algorithm
    /// θ of the strength test (nil: 0.25 classical, 0.0 aggregation, PyAMG's defaults).
    public var strengthThreshold: Double?
    /// Interpolation truncation factor τ (classical): weights below τ·max are dropped.
    public var truncation: Double
    public var cycle: MultigridOptions.Cycle
    public var preSmooth: Int
    public var postSmooth: Int
    public var smoother: Smoother
    public var maxLevels: Int
    public var coarseSize: Int
    /// Unknowns per node (aggregation: the nodes are aggregated, e.g. 2 for 2D elasticity).
    public var blockSize: Int
    /// Near-nullspace vectors for aggregation, row-major n × k (nil: the constant vector).
    public var nearNullspace: [Double]?
    public var nearNullspaceVectors: Int
    public var reuse: Reuse
    /// The matrix is singular with the constants as null space (all-Neumann or periodic
    /// diffusion): cycles return mean-free corrections and the coarsest level is solved with
    /// one unknown pinned. Classical interpolation carries the constants to every level (its
    /// weights sum to one on zero-row-sum rows), so the coarse null space is the constants too.
    public var singular = false

    public init(algorithm: Algorithm = .classical, strengthThreshold: Double? = nil, truncation: Double = 0,
                cycle: MultigridOptions.Cycle = .v, preSmooth: Int = 1, postSmooth: Int = 1, smoother: Smoother = .gauss_seidel,
                maxLevels: Int = 25, coarseSize: Int = 500, blockSize: Int = 1, nearNullspace: [Double]? = nil,
                nearNullspaceVectors: Int = 1, reuse: Reuse = .coarsening) {
        self.algorithm = algorithm; self.strengthThreshold = strengthThreshold; self.truncation = truncation
        self.cycle = cycle; self.preSmooth = preSmooth; self.postSmooth = postSmooth; self.smoother = smoother
        self.maxLevels = maxLevels; self.coarseSize = coarseSize; self.blockSize = blockSize
        self.nearNullspace = nearNullspace; self.nearNullspaceVectors = nearNullspaceVectors; self.reuse = reuse
    }

    public var theta: Double { strengthThreshold ?? (algorithm == .classical ? 0.25 : 0) }
}

/// Algebraic multigrid for an SPD CSR matrix: the hierarchy is built from the matrix alone.
///
/// Each level: a strength graph, a coarsening (Ruge–Stüben C/F splitting or aggregates), a
/// prolongator P (classical interpolation or smoothed aggregation), R = Pᵀ and the Galerkin
/// operator A_c = Pᵀ A P by two Gustavson products. Coarsening stops at `coarseSize` rows,
/// `maxLevels`, or when a level no longer shrinks (below 90 % of the rows); the last level
/// is factored by CHOLMOD. The cycles are the shared `MultigridCycles` with CSR smoothers.
public final class AlgebraicMultigrid: MultigridSolving, @unchecked Sendable {
    public var name: String { "amg" }
    public let options: AlgebraicMultigridOptions
    public var rows: Int { matrices[0].rows }
    public var columns: Int { rows }
    public private(set) var setupSeconds = 0.0
    /// Seconds of each setup phase summed over the levels (strength, splitting, interpolation,
    /// transpose, galerkin, smoothers, coarse), for profiling (`pdekit-bench multigrid --profile`).
    public private(set) var setupPhases: [(phase: String, seconds: Double)] = []
    /// The operator of every level, finest first.
    public let matrices: [CSRMatrix]
    /// Per level but the last: true for C points (classical) or the aggregate of each unknown.
    let coarsenings: [[Int]]
    public let cycles: MultigridCycles
    public var cycleKind: MultigridOptions.Cycle { options.cycle }

    public var levelRows: [Int] { matrices.map(\.rows) }
    /// Σ nnz(A_l) / nnz(A_0): the cost of a cycle relative to a product with A.
    public var operatorComplexity: Double { Double(matrices.reduce(0) { $0 + $1.nonzeros }) / Double(matrices[0].nonzeros) }
    /// Σ rows(A_l) / rows(A_0).
    public var gridComplexity: Double { Double(matrices.reduce(0) { $0 + $1.rows }) / Double(matrices[0].rows) }
    /// True when the coarsening was taken from an earlier hierarchy.
    public let reusedCoarsening: Bool

    /// Builds the hierarchy for `a`; with `previous` (same pattern, `reuse = .coarsening`) its
    /// coarsening is kept and only the numbers recomputed.
    public init(_ a: CSRMatrix, options: AlgebraicMultigridOptions = AlgebraicMultigridOptions(),
                previous: AlgebraicMultigrid? = nil) throws {
        let t0 = Date()
        self.options = options
        guard a.rows == a.columns, a.rows > 0 else {
            throw LinearAlgebraError.invalidArgument("algebraic multigrid needs a nonempty square matrix, got \(a.rows)×\(a.columns)")
        }
        let d = a.diagonal()
        if let i = d.firstIndex(where: { !($0 > 0) }) {
            throw LinearAlgebraError.invalidArgument("algebraic multigrid needs a positive diagonal; row \(i) has \(d[i])")
        }
        let k = options.nearNullspace == nil ? 1 : options.nearNullspaceVectors
        if let b = options.nearNullspace, b.count != a.rows * k {
            throw LinearAlgebraError.invalidArgument("near-nullspace has \(b.count) values, expected \(a.rows) × \(k)")
        }
        guard options.blockSize >= 1, options.algorithm == .classical || a.rows % options.blockSize == 0 else {
            throw LinearAlgebraError.invalidArgument("block_size \(options.blockSize) does not divide the \(a.rows) rows")
        }
        let reuse = previous.flatMap { $0.options.algorithm == options.algorithm && $0.matrices[0].rows == a.rows ? $0.coarsenings : nil }
        reusedCoarsening = reuse != nil
        var matrices = [a], transfers: [SparseTransfer] = [], coarsenings: [[Int]] = []
        var current = a
        var nullspace = options.nearNullspace ?? [Double](repeating: 1, count: a.rows)
        var block = options.blockSize
        var phases: [String: Double] = [:]
        var clock = Date()
        func lap(_ phase: String) { let now = Date(); phases[phase, default: 0] += now.timeIntervalSince(clock); clock = now }
        coarsen: while matrices.count < options.maxLevels, current.rows > options.coarseSize {
            let level = matrices.count - 1
            let p: CSRMatrix, coarsening: [Int]
            switch options.algorithm {
            case .classical:
                let s = StrengthGraph.classical(current, theta: options.theta)
                lap("strength")
                let isCoarse: [Bool]
                if let reuse, level < reuse.count, reuse[level].count == current.rows { isCoarse = reuse[level].map { $0 == 1 } }
                else { isCoarse = RugeStubenCoarsening.split(s) }
                lap("splitting")
                let nc = isCoarse.reduce(0) { $0 + ($1 ? 1 : 0) }
                guard nc > 0, Double(nc) < 0.9 * Double(current.rows) else { break coarsen }
                p = try ClassicalInterpolation.prolongator(current, strength: s, isCoarse: isCoarse, truncation: options.truncation)
                lap("interpolation")
                coarsening = isCoarse.map { $0 ? 1 : 0 }
            case .aggregation:
                var agg: [Int], count: Int
                if let reuse, level < reuse.count, reuse[level].count == current.rows {
                    agg = reuse[level]; count = (agg.max() ?? -1) / k + 1
                    // Stored per unknown as aggregate·k; recover the aggregate numbers.
                    agg = agg.map { $0 < 0 ? -1 : $0 / k }
                } else {
                    let s = SmoothedAggregation.amalgamated(StrengthGraph.symmetric(current, theta: options.theta), blockSize: block)
                    let nodal = SmoothedAggregation.aggregate(s)
                    count = nodal.count
                    agg = (0..<current.rows).map { nodal.aggregate[$0 / block] }
                }
                guard count > 0, Double(count * k) < 0.9 * Double(current.rows) else { break coarsen }
                let (t, coarseNullspace) = try SmoothedAggregation.tentative(aggregate: agg, count: count, nullspace: nullspace, vectors: k)
                let inverse = current.diagonal().map { 1 / $0 }
                let rho = ChebyshevSmoother.largestEigenvalue(current, diagonal: current.diagonal(), inverse: inverse)
                p = try SmoothedAggregation.smoothed(current, t, spectralRadius: rho)
                nullspace = coarseNullspace
                block = k
                coarsening = agg.map { $0 < 0 ? -1 : $0 * k }
                lap("aggregation")
            }
            let r = p.transposed()
            lap("transpose")
            let ap = try current.multiplied(by: p)
            let coarse = try r.multiplied(by: ap)
            lap("galerkin")
            transfers.append(SparseTransfer(p: p, r: r))
            coarsenings.append(coarsening)
            matrices.append(coarse)
            current = coarse
        }
        self.matrices = matrices
        self.coarsenings = coarsenings
        let levels = matrices.indices.map { l -> MultigridLevel in
            let m = matrices[l]
            let smoother: any Smoother
            switch options.smoother {
            case .gauss_seidel:
                // C/F order on the levels classical AMG split (the coarsest has no smoother).
                let split = options.algorithm == .classical && l < coarsenings.count ? coarsenings[l].map { $0 == 1 } : nil
                smoother = BlockGaussSeidel(m, coarsePoints: split)
            case .jacobi:
                // ω = 4/(3ρ), ρ ≈ λ_max(D⁻¹A) (× 1.1 for the power iteration's underestimate):
                // 2/3 for a Laplacian (ρ = 2), and convergent for any SPD matrix, where a fixed
                // 2/3 diverges once ρ > 3 (elasticity).
                let d = m.diagonal()
                let rho = 1.1 * ChebyshevSmoother.largestEigenvalue(m, diagonal: d, inverse: d.map { 1 / $0 })
                smoother = WeightedJacobi(m, diagonal: d, omega: 4 / (3 * rho))
            case .chebyshev: smoother = ChebyshevSmoother(m, diagonal: m.diagonal(), lowerFraction: 0.3, cap: nil)
            }
            return MultigridLevel(op: m, smoother: smoother, toCoarse: l < transfers.count ? transfers[l] : nil, finest: l == 0)
        }
        lap("smoothers")
        let coarsest = matrices.last!
        do {
            cycles = MultigridCycles(levels: levels, coarse: try CoarseSolver(coarsest, singular: options.singular),
                                     preSmooth: options.preSmooth, postSmooth: options.postSmooth, singular: options.singular)
        } catch {
            throw LinearAlgebraError.invalidArgument("the coarsest AMG level (\(coarsest.rows) rows) cannot be factored: \(error)")
        }
        lap("coarse")
        setupPhases = ["strength", "splitting", "interpolation", "aggregation", "transpose", "galerkin", "smoothers", "coarse"]
            .compactMap { name in phases[name].map { (name, $0) } }
        setupSeconds = Date().timeIntervalSince(t0)
    }

    /// True when `a` has the pattern this hierarchy was built for (a sweep's next case).
    public func hasPattern(of a: CSRMatrix) -> Bool {
        let m = matrices[0]
        return m.rows == a.rows && m.columns == a.columns && m.rowPointers == a.rowPointers && m.columnIndices == a.columnIndices
    }
}
