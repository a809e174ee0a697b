/// Settings of geometric multigrid (`[solver.gmg]`), as PETSc's `-pc_mg_*` and PyAMG's
/// `solve(cycle=…)` users know them.
public struct MultigridOptions: Sendable, Equatable {
    public enum Cycle: String, Sendable, CaseIterable {
        /// One coarse correction per level.
        case v
        /// Two coarse corrections per level.
        case w
        /// An F-cycle: an F-cycle on the coarse level followed by a V-cycle (not symmetric).
        case f
        /// Full multigrid: the first cycle starts on the coarsest grid and interpolates the
        /// solution up level by level with a V-cycle on each; later cycles are V-cycles.
        case fmg
    }

    public enum Smoother: String, Sendable, CaseIterable {
        /// x ← x + ω D⁻¹(b − Ax), ω = 2d/(2d + 1) by default (the optimal smoothing weight of
        /// the d-dimensional Laplacian: 2/3, 4/5, 6/7).
        case jacobi
        /// Red–black Gauss–Seidel; red then black before the coarse correction, black then red
        /// after it, so the V- and W-cycles are symmetric (CG needs that).
        case gauss_seidel
        /// Chebyshev polynomial in D⁻¹A on [λ/(2d), λ], λ = 1.1 × a power-iteration estimate of
        /// λ_max (capped at 2, the Gershgorin bound of these M-matrices); degree = sweeps.
        case chebyshev
    }

    /// How the coarse levels' operators are made.
    public enum CoarseOperator: String, Sendable, CaseIterable {
        /// The (2d+1)-point stencil on the coarse grid from full-weighted node coefficients:
        /// matrix-free on every level.
        case rediscretised
        /// R A P with the grid transfers (9- and 27-point CSR operators on the coarse levels).
        case galerkin
    }

    public var cycle: Cycle
    public var coarseOperator: CoarseOperator
    public var preSmooth: Int
    public var postSmooth: Int
    public var smoother: Smoother
    /// Upper bound on the number of levels (nil: as many as the grid allows).
    public var levels: Int?
    /// Stop coarsening once a level has at most this many unknowns; it is solved by CHOLMOD.
    /// nil: `defaultCoarseSize(unknowns:)` of the finest level.
    public var coarseSize: Int?
    /// Jacobi weight (nil: 2d/(2d + 1)).
    public var omega: Double?

    public init(cycle: Cycle = .v, coarseOperator: CoarseOperator = .rediscretised, preSmooth: Int = 1, postSmooth: Int = 1,
                smoother: Smoother = .gauss_seidel, levels: Int? = nil, coarseSize: Int? = nil, omega: Double? = nil) {
        self.cycle = cycle; self.coarseOperator = coarseOperator; self.preSmooth = preSmooth; self.postSmooth = postSmooth; self.smoother = smoother
        self.levels = levels; self.coarseSize = coarseSize; self.omega = omega
    }

    /// The coarsest level's size when the options do not say: √n unknowns, within 64…1000. A
    /// sparse factorisation of a 2D coarse grid of m unknowns costs about m^1.5, so √n keeps it
    /// O(n^0.75) and the factorisation below the cycles' O(n) work at every size; a fixed 1000
    /// made the coarse CHOLMOD factorisation (31² of a 63² grid) about half of a small solve's
    /// setup and solve time. From 10⁶ unknowns on it is 1000, as before.
    public static func defaultCoarseSize(unknowns n: Int) -> Int {
        min(1000, max(64, Int(Double(n).squareRoot())))
    }

    /// V- and W-cycles with mirrored smoothing (as many sweeps before the correction as after)
    /// are symmetric operators; F and FMG are not, so they cannot precondition CG.
    public static func isSymmetric(_ cycle: Cycle, preSmooth: Int, postSmooth: Int) -> Bool {
        (cycle == .v || cycle == .w) && preSmooth == postSmooth
    }
}
