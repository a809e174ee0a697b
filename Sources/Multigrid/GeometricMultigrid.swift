import Foundation
import LinearAlgebra

/// Geometric multigrid on the structured grids of `kind = "pde"`, matrix-free on every level.
///
/// Setup builds a hierarchy of grids by halving the number of intervals per axis (any size:
/// see `AxisTransfer`) and a (2d+1)-point operator on each by rediscretisation: the coarse
/// coefficient at a node is the mean of the fine ones around it, weighted by the interpolation
/// (full weighting of a), and the coarse stencil is assembled from it by the same
/// harmonic-face rule as the fine one. The arithmetic mean keeps a conducting inclusion
/// connected on the coarse grids; with the geometric mean CG + V(1,1) needed 34 iterations
/// instead of 11 on a 10⁴ inclusion at 127² (the same 8 on a log-normal field). Rediscretisation keeps every level a cheap
/// stencil with no stored matrix; Galerkin products would give 9/27-point operators (docs/
/// multigrid.md compares them). Coarsening stops at `coarseSize` unknowns or `levels`; the
/// last level is factored by CHOLMOD (with one unknown pinned when the operator is singular).
///
/// Axes are coarsened together while their spacings stay within √2 of the finest one, and the
/// others wait (semicoarsening): a grid stretched in one direction first coarsens the strongly
/// coupled axes until the cells are near-square, so point smoothers keep working.
///
/// As a preconditioner one cycle from a zero guess is applied, with the post-smoother in the
/// adjoint order; V and W with as many pre- as post-sweeps are then symmetric, as CG needs.
public final class GeometricMultigrid: MultigridSolving, @unchecked Sendable {
    public var name: String { "gmg" }
    public let options: MultigridOptions
    public var rows: Int { operators[0].rows }
    public var columns: Int { rows }
    public private(set) var setupSeconds = 0.0

    /// The stencil of every level, finest first.
    let operators: [StencilOperator]
    public let cycles: MultigridCycles
    public var cycleKind: MultigridOptions.Cycle { options.cycle }
    var levels: [MultigridLevel] { cycles.levels }
    public var isSingular: Bool { cycles.singular }

    /// The finest operator (usable by any Krylov method in place of the assembled matrix).
    public var finestOperator: StencilOperator { operators[0] }
    public var matrixFreeOperator: (any LinearOperator)? { finestOperator }
    /// Unknowns per axis on each level, finest first.
    public var levelShapes: [[Int]] { operators.map { $0.axes.map(\.unknowns) } }
    /// Σ unknowns over the levels / unknowns of the finest (PyAMG's grid complexity).
    public var gridComplexity: Double { Double(operators.reduce(0) { $0 + $1.rows }) / Double(rows) }

    public init(structure: GridStructure, options: MultigridOptions = MultigridOptions()) throws {
        let t0 = Date()
        self.options = options
        var axes = structure.axes
        for axis in axes where axis.low == .periodic && axis.unknowns < 2 {
            throw LinearAlgebraError.invalidArgument("geometric multigrid needs at least 2 unknowns on a periodic axis, got \(axis.unknowns)")
        }
        let nodeCount = axes.reduce(1) { $0 * $1.nodes }
        var coefficients = structure.nodeCoefficients
        if coefficients.isEmpty {
            coefficients = [Double](repeating: structure.constantCoefficient ?? structure.geometricMeanCoefficient, count: nodeCount)
        }
        var ops = [try StencilOperator(axes: axes, nodeCoefficients: coefficients)]
        var transfers: [GridTransfer] = []
        let maxLevels = options.levels ?? Int.max
        let coarseSize = options.coarseSize ?? MultigridOptions.defaultCoarseSize(unknowns: ops[0].rows)
        while ops.count < maxLevels, ops.last!.rows > coarseSize, let plan = Self.coarsening(axes) {
            let coarseAxes = axes.indices.map { plan[$0] ? AxisTransfer.coarsened(axes[$0])! : axes[$0] }
            var axisTransfers = axes.indices.map { d in
                plan[d] ? AxisTransfer(fine: axes[d], coarse: coarseAxes[d]) : AxisTransfer(identity: axes[d].unknowns)
            }
            while axisTransfers.count < 3 { axisTransfers.insert(AxisTransfer(identity: 1), at: 0) }
            transfers.append(GridTransfer(axisTransfers[0], axisTransfers[1], axisTransfers[2]))
            if coefficients.allSatisfy({ $0 == coefficients[0] }) {
                coefficients = [Double](repeating: coefficients[0], count: coarseAxes.reduce(1) { $0 * $1.nodes })
            } else {
                coefficients = GridTransfer.averageNodes(coefficients, fine: axes, coarse: coarseAxes, coarsened: plan)
            }
            axes = coarseAxes
            ops.append(try StencilOperator(axes: axes, nodeCoefficients: coefficients))
        }
        let dimension = structure.axes.count
        operators = ops
        // Galerkin: A_{l+1} = R A_l P with R = (V_f/V_c) Pᵀ, as CSR (the finest stays a stencil).
        var galerkin: [CSRMatrix] = []
        if options.coarseOperator == .galerkin, !transfers.isEmpty {
            var a = try ops[0].assembled()
            for t in transfers {
                let p = try t.prolongationMatrix()
                var coarse = try CSRMatrix.galerkinProduct(a, p)
                for k in coarse.values.indices { coarse.values[k] *= t.restrictionScale }
                galerkin.append(coarse)
                a = coarse
            }
        }
        let levels = ops.indices.map { l -> MultigridLevel in
            if l > 0 && !galerkin.isEmpty {
                let m = galerkin[l - 1], d = m.diagonal()
                let smoother: any Smoother
                switch options.smoother {
                case .jacobi:
                    smoother = WeightedJacobi(m, diagonal: d, omega: options.omega ?? Double(2 * dimension) / Double(2 * dimension + 1))
                case .gauss_seidel: smoother = BlockGaussSeidel(m)
                case .chebyshev: smoother = ChebyshevSmoother(m, diagonal: d, lowerFraction: 1 / Double(2 * dimension), cap: nil)
                }
                return MultigridLevel(op: m, smoother: smoother, toCoarse: l < transfers.count ? transfers[l] : nil, finest: false)
            }
            let op = ops[l]
            let smoother: any Smoother
            switch options.smoother {
            case .jacobi:
                smoother = WeightedJacobi(op, diagonal: op.diagonalEntries(),
                                          omega: options.omega ?? Double(2 * dimension) / Double(2 * dimension + 1))
            case .gauss_seidel: smoother = RedBlackGaussSeidel(op)
            case .chebyshev:
                // The grid Laplacian's high frequencies fill [λ/(2d), λ]; its D⁻¹A is below 2.
                smoother = ChebyshevSmoother(op, diagonal: op.diagonalEntries(), lowerFraction: 1 / Double(2 * dimension), cap: 2)
            }
            return MultigridLevel(op: op, smoother: smoother, toCoarse: l < transfers.count ? transfers[l] : nil, finest: l == 0)
        }
        let coarse = try CoarseSolver(galerkin.last ?? (try ops.last!.assembled()), singular: ops.last!.isSingular)
        cycles = MultigridCycles(levels: levels, coarse: coarse,
                                 preSmooth: options.preSmooth, postSmooth: options.postSmooth, singular: ops[0].isSingular)
        setupSeconds = Date().timeIntervalSince(t0)
    }

    /// Which axes the next level coarsens, or nil when none can.
    static func coarsening(_ axes: [GridStructure.Axis]) -> [Bool]? {
        let can = axes.map { AxisTransfer.coarsened($0) != nil }
        guard can.contains(true) else { return nil }
        let active = axes.filter { $0.unknowns >= 2 }
        let finest = (active.isEmpty ? axes : active).map(\.spacing).min()!
        let plan = axes.indices.map { can[$0] && axes[$0].spacing <= 2.0.squareRoot() * finest * (1 + 1e-12) }
        // The finest axis cannot coarsen any further: coarsen what can rather than stop.
        return plan.contains(true) ? plan : can
    }

    // MARK: Cycles (apply and solve come from `MultigridSolving`)

    /// One cycle of `kind` on level `l` (for tests and the profile).
    func cycle(_ l: Int, _ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>, _ kind: MultigridOptions.Cycle,
               symmetric: Bool = false) {
        cycles.cycle(l, x, b, kind, symmetric: symmetric)
    }
}
