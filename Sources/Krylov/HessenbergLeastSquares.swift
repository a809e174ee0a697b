// The least-squares problem of GMRES-type methods, min_y ‖β e₁ − H̄_j y‖ over the first j
// columns of the (m+1) × m upper Hessenberg matrix H̄, kept in QR form by Givens rotations as
// the columns arrive (Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., §6.5.3):
// after column j, |g_{j+1}| is the residual norm of the minimiser, so the iteration knows its
// residual at every step without forming it. Shared by GMRES and GCRO-DR's Arnoldi part.

struct HessenbergLeastSquares {
    let m: Int
    /// The rotated H̄ (its upper triangle R), column-major (m + 1) × m.
    private var r: [Double]
    private var cs: [Double], sn: [Double]
    private var g: [Double]

    init(columns m: Int) {
        self.m = m
        r = [Double](repeating: 0, count: (m + 1) * m)
        cs = [Double](repeating: 0, count: m); sn = cs
        g = [Double](repeating: 0, count: m + 1)
    }

    /// A new cycle: right-hand side β e₁, no columns.
    mutating func start(_ beta: Double) {
        for i in r.indices { r[i] = 0 }
        for i in g.indices { g[i] = 0 }
        g[0] = beta
    }

    /// Adds column j (its entries 0 … j+1 of H̄) and returns the residual norm |g_{j+1}|.
    mutating func append(column: ArraySlice<Double>, at j: Int) -> Double {
        precondition(column.count >= j + 2 && j < m, "HessenbergLeastSquares: column \(j) needs \(j + 2) entries")
        let base = j * (m + 1), first = column.startIndex
        for i in 0...(j + 1) { r[base + i] = column[first + i] }
        // The previous rotations, then a new one that zeroes h_{j+1,j}.
        for i in 0..<j {
            let a = r[base + i], c = r[base + i + 1]
            r[base + i] = cs[i] * a + sn[i] * c
            r[base + i + 1] = -sn[i] * a + cs[i] * c
        }
        let a = r[base + j], c = r[base + j + 1]
        let radius = (a * a + c * c).squareRoot()
        cs[j] = radius > 0 ? a / radius : 1; sn[j] = radius > 0 ? c / radius : 0
        r[base + j] = radius; r[base + j + 1] = 0
        g[j + 1] = -sn[j] * g[j]; g[j] = cs[j] * g[j]
        return abs(g[j + 1])
    }

    /// The minimiser over the first j columns: R y = g by back substitution (a zero pivot, a
    /// breakdown's exactly singular step, contributes 0).
    func solution(_ j: Int) -> [Double] {
        var y = [Double](repeating: 0, count: j)
        for i in stride(from: j - 1, through: 0, by: -1) {
            var s = g[i]
            for l in (i + 1)..<j { s -= r[l * (m + 1) + i] * y[l] }
            let d = r[i * (m + 1) + i]
            y[i] = d != 0 ? s / d : 0
        }
        return y
    }
}
