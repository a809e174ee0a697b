import LinearAlgebra

/// Small matrices shared by the linear-algebra tests.
enum TestMatrices {
    /// 5-point Laplacian on an n×n interior grid (unscaled: 4 on the diagonal, −1 off it).
    static func laplacian2D(_ n: Int) -> CSRMatrix {
        var ri = [Int32](), ci = [Int32](), v = [Double]()
        for j in 0..<n { for i in 0..<n {
            let row = Int32(i + j * n)
            ri.append(row); ci.append(row); v.append(4)
            for (di, dj) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                let a = i + di, b = j + dj
                if a >= 0, a < n, b >= 0, b < n { ri.append(row); ci.append(Int32(a + b * n)); v.append(-1) }
            }
        }}
        return try! CSRMatrix(rows: n * n, columns: n * n, rowIndices: ri, columnIndices: ci, values: v)
    }

    /// Deterministic pseudo-random numbers in [−1, 1) (a 64-bit LCG; tests need no quality).
    struct LCG { var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 52) - 1
        }
    }
    static func randomVector(_ n: Int, seed: UInt64 = 1) -> [Double] {
        var g = LCG(state: seed); return (0..<n).map { _ in g.next() }
    }

    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / b.norm2
    }
}
