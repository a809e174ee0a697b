import LinearAlgebra

/// The thermal block as a reduced-basis family: affine as it is (A(μ) = Σ μ_q A_q), the min-θ
/// bound against μ̄, truth solves by CHOLMOD on the one pattern.
public final class ThermalBlockFamily: ReducedBasisFamily {
    public let problem: AffineProblem
    public let innerProduct: CSRMatrix
    public let archived: ReducedModelArchive.Family
    public var shape: [Int] { [grid, grid] }
    let grid: Int
    private let truthSolver = TruthSolver()

    /// bx × by blocks on grid × grid interior nodes; X = A(μ̄).
    public init(grid: Int, blocksX: Int, blocksY: Int, reference: [Double]) throws {
        problem = try ThermalBlock.problem(m: grid, blocksX: blocksX, blocksY: blocksY)
        innerProduct = try problem.matrix(reference)
        archived = .thermalBlock(blocksX: blocksX, blocksY: blocksY, grid: grid)
        self.grid = grid
    }

    public func truth(_ mu: [Double]) throws -> (solution: [Double], matrix: CSRMatrix) {
        let a = try problem.matrix(mu)
        return (try truthSolver.solve(a, try problem.load(mu)), a)
    }

    /// The online model of a thermal block archive: θ(μ) = μ, one load with φ = 1, min-θ bound.
    public static func onlineModel(_ contents: ReducedModelArchive.Contents) throws -> ReducedBasisModel {
        try contents.model(operatorCoefficients: { $0 }, loadCoefficients: { _ in [1] })
    }
}
