import Foundation
import LinearAlgebra

/// The thermal block (Maday & Rønquist 2004; pyMOR's demo): −∇·(κ(μ)∇u) = 1 on the unit square
/// with u = 0 on the boundary, split into bx × by blocks with κ = μ_q on block q, μ_q ∈ [0.1, 1].
/// Here by vertex-centred finite volumes on m × m interior nodes: the stiffness is linear in the
/// face conductivities, so A(μ) = Σ_q μ_q A_q exactly, each A_q symmetric positive
/// semidefinite — the setting of the min-θ coercivity bound.
public enum ThermalBlock {
    /// A = [−∇·(κ∇·)] on m × m interior nodes of the unit square (zero Dirichlet), κ taken at
    /// each face's midpoint; rows scaled by 1/h². Boundary faces keep an explicit zero entry so
    /// every κ gives the same pattern.
    public static func stiffness(_ m: Int, _ kappa: (Double, Double) -> Double) throws -> CSRMatrix {
        let h = 1 / Double(m + 1)
        var r = [CSRMatrix.Index](), c = [CSRMatrix.Index](), v = [Double]()
        r.reserveCapacity(5 * m * m); c.reserveCapacity(5 * m * m); v.reserveCapacity(5 * m * m)
        for i in 0..<m { for j in 0..<m {
            let row = CSRMatrix.Index(i * m + j)
            let x = Double(i + 1) * h, y = Double(j + 1) * h
            var diagonal = 0.0
            for (di, dj) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                let k = kappa(x + Double(di) * h / 2, y + Double(dj) * h / 2) / (h * h)
                diagonal += k
                let ni = i + di, nj = j + dj
                let inside = ni >= 0 && ni < m && nj >= 0 && nj < m
                r.append(row); c.append(inside ? CSRMatrix.Index(ni * m + nj) : row); v.append(inside ? -k : 0)
            }
            r.append(row); c.append(row); v.append(diagonal)
        }}
        return try CSRMatrix(rows: m * m, columns: m * m, rowIndices: r, columnIndices: c, values: v)
    }

    /// The affine problem with bx × by blocks (block q = bx·row + column from the lower left).
    ///
    /// With grid + 1 divisible by 2·bx and 2·by, nodes lie on the block edges, and the faces
    /// between two such nodes run along an edge: their midpoints are on it. Such a face's
    /// control-volume face lies half in each block, so it takes half of each block's
    /// conductivity (the vertex-centred finite-volume flux, which P1 elements on the split
    /// squares give as well). Taking one side's value instead is an O(h) inconsistency along
    /// every edge, and makes the snapshots harder to approximate (reduced errors at N = 16 of
    /// 6–12 times pyMOR's P1 ones, measured with that variant).
    public static func problem(m: Int, blocksX: Int = 2, blocksY: Int = 2) throws -> AffineProblem {
        func block(_ x: Double, _ y: Double) -> Int {
            min(max(Int(x * Double(blocksX)), 0), blocksX - 1) + blocksX * min(max(Int(y * Double(blocksY)), 0), blocksY - 1)
        }
        // The share of block q at (x, y): the mean over the four points a hair away (1, ½ on an
        // edge between two blocks, ¼ at a corner).
        let hair = 1e-9 / Double(m + 1)
        let blocks = try (0..<(blocksX * blocksY)).map { q in
            try stiffness(m) { x, y in
                var share = 0.0
                for (dx, dy) in [(-hair, -hair), (-hair, hair), (hair, -hair), (hair, hair)] where block(x + dx, y + dy) == q { share += 0.25 }
                return share
            }
        }
        return AffineProblem(operators: blocks, loads: [[Double](repeating: 1, count: m * m)],
                             operatorCoefficients: { $0 }, loadCoefficients: { _ in [1] })
    }
}
