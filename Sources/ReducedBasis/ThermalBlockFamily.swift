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
        archived = ReducedModelArchive.Family(Self.archiveFormat, numbers: [blocksX, blocksY, grid])
        self.grid = grid
    }

    public func truth(_ mu: [Double]) throws -> (solution: [Double], matrix: CSRMatrix) {
        let a = try problem.matrix(mu)
        return (try truthSolver.solve(a, try problem.load(mu)), a)
    }

    /// Manifest code 1, numbers (bx, by, grid): the table's limits; Q_a = bx·by terms, each
    /// positive semidefinite.
    public static let archiveFormat = ReducedModelArchive.Format(
        code: 1, name: "thermal_block", bounds: [1...4, 1...4, 1...2001, 1...500, 1...16, 1...16],
        unknowns: { $0[2] * $0[2] }, parameters: { $0[0] * $0[1] }, interpolated: false,
        check: { contents in
            guard contents.operators.count == contents.family.parameters else {
                return "the model's arrays do not match its manifest (\(contents.size) vectors, \(contents.operators.count) terms)"
            }
            // Each term A_q is positive semidefinite, so VᵀA_q V has a nonnegative diagonal: a
            // model whose operators break that was damaged (a negated array is finite and
            // would give a negative compliance).
            for (q, a) in contents.operators.enumerated() where (0..<contents.size).contains(where: { a[$0, $0] < 0 }) {
                return "rb_operators.npy term \(q + 1) has a negative diagonal entry; the thermal block's terms are positive "
                    + "semidefinite: a damaged model"
            }
            return nil
        })

    /// The online model of a thermal block archive: θ(μ) = μ, one load with φ = 1, min-θ bound.
    public static func onlineModel(_ contents: ReducedModelArchive.Contents) throws -> ReducedBasisModel {
        try contents.model(operatorCoefficients: { $0 }, loadCoefficients: { _ in [1] })
    }
}
