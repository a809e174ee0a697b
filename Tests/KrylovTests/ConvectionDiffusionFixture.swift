import Foundation
import LinearAlgebra

/// 2D convection–diffusion (nonsymmetric) and Helmholtz-type (indefinite) operators on an n × n
/// interior grid, 5 points, scaled by 1/h², for the recycling methods' tests.
enum ConvectionDiffusionFixture {
    /// −Δu + (bx, by)·∇u − κ² u, first-order upwind convection, zero Dirichlet boundary.
    static func operator2D(_ n: Int, velocity: (Double, Double) = (0, 0), shift: Double = 0) throws -> CSRMatrix {
        let h = 1.0 / Double(n + 1)
        var ri = [Int32](), ci = [Int32](), v = [Double]()
        let (bx, by) = velocity
        for j in 0..<n { for i in 0..<n {
            let row = Int32(i + j * n)
            // Diffusion 1/h² per neighbour; upwind: the convection term takes the upstream neighbour.
            var west = -1 / (h * h), east = west, south = west, north = west
            var diagonal = 4 / (h * h) - shift
            if bx >= 0 { west -= bx / h; diagonal += bx / h } else { east += bx / h; diagonal -= bx / h }
            if by >= 0 { south -= by / h; diagonal += by / h } else { north += by / h; diagonal -= by / h }
            for (di, dj, value) in [(-1, 0, west), (1, 0, east), (0, -1, south), (0, 1, north)] {
                let a = i + di, b = j + dj
                if a >= 0, a < n, b >= 0, b < n { ri.append(row); ci.append(Int32(a + b * n)); v.append(value) }
            }
            ri.append(row); ci.append(row); v.append(diagonal)
        }}
        return try CSRMatrix(rows: n * n, columns: n * n, rowIndices: ri, columnIndices: ci, values: v)
    }

    static func rhs(_ count: Int, phase: Double = 0) -> [Double] { (0..<count).map { 1 + 0.3 * sin(Double($0) * 0.37 + phase) } }

    static func trueResidual(_ a: CSRMatrix, _ x: [Double], _ b: [Double]) -> Double { zip(b, a.apply(x)).map { $0 - $1 }.norm2 }
}
