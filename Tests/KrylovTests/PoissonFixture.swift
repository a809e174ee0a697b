import LinearAlgebra

/// Test systems for the Krylov tests: SPD finite-difference matrices with known structure.
enum Fixture {
    /// −div(a grad) on an n×n interior grid, 5-point, harmonic face averages; `a` ≡ 1 gives
    /// the Laplacian. Scaled by 1/h² like the production operator.
    static func diffusion2D(_ n: Int, coefficient: (Double, Double) -> Double = { _, _ in 1 }) -> CSRMatrix {
        let h = 1.0 / Double(n + 1)
        var ri = [Int32](), ci = [Int32](), v = [Double]()
        func face(_ a: Double, _ b: Double) -> Double { 2 * a * b / (a + b) }
        for j in 0..<n { for i in 0..<n {
            let row = Int32(i + j * n)
            let here = coefficient(Double(i + 1) * h, Double(j + 1) * h)
            var diag = 0.0
            for (di, dj) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                let a = i + di, b = j + dj
                let there = coefficient(Double(a + 1) * h, Double(b + 1) * h)
                let t = face(here, there) / (h * h)
                diag += t
                if a >= 0, a < n, b >= 0, b < n { ri.append(row); ci.append(Int32(a + b * n)); v.append(-t) }
            }
            ri.append(row); ci.append(row); v.append(diag)
        }}
        return try! CSRMatrix(rows: n * n, columns: n * n, rowIndices: ri, columnIndices: ci, values: v)
    }

    static func randomVector(_ n: Int, seed: UInt64 = 1) -> [Double] {
        var s = seed
        return (0..<n).map { _ in
            s = s &* 6364136223846793005 &+ 1442695040888963407
            return Double(s >> 11) / Double(1 << 52) - 1
        }
    }

    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot() / b.norm2
    }
}
