import LinearAlgebra

/// Which couplings of a matrix are strong: the graph algebraic multigrid coarsens.
///
/// Stored as a pattern in CSR form without the diagonal: row i lists the j that i strongly
/// depends on (S_i); `transposed()` gives the points each point strongly influences (S_iᵀ).
struct StrengthGraph {
    let rows: Int
    let rowPointers: [Int32]
    let columns: [Int32]

    func neighbours(_ i: Int) -> Range<Int> { Int(rowPointers[i])..<Int(rowPointers[i + 1]) }

    /// Classical (Ruge–Stüben) strength: i depends strongly on j when −a_ij ≥ θ · max_k(−a_ik)
    /// (Ruge and Stüben 1987, as hypre's BoomerAMG; for the M-matrices of diffusion problems
    /// the negative couplings are the ones that carry smooth error). A row without negative
    /// off-diagonal entries has no strong connections.
    static func classical(_ a: CSRMatrix, theta: Double) -> StrengthGraph {
        var rp = [Int32](repeating: 0, count: a.rows + 1), cols: [Int32] = []
        cols.reserveCapacity(a.nonzeros)
        for i in 0..<a.rows {
            let range = Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1])
            var strongest = 0.0
            for k in range where Int(a.columnIndices[k]) != i { strongest = max(strongest, -a.values[k]) }
            if strongest > 0 {
                for k in range where Int(a.columnIndices[k]) != i && -a.values[k] >= theta * strongest {
                    cols.append(a.columnIndices[k])
                }
            }
            rp[i + 1] = Int32(cols.count)
        }
        return StrengthGraph(rows: a.rows, rowPointers: rp, columns: cols)
    }

    /// Symmetric strength for smoothed aggregation: |a_ij| ≥ θ √(|a_ii a_jj|) (Vaněk, Mandel
    /// and Brezina 1996); θ = 0 keeps every coupling.
    static func symmetric(_ a: CSRMatrix, theta: Double) -> StrengthGraph {
        let d = a.diagonal().map(abs)
        var rp = [Int32](repeating: 0, count: a.rows + 1), cols: [Int32] = []
        cols.reserveCapacity(a.nonzeros)
        for i in 0..<a.rows {
            for k in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) {
                let j = Int(a.columnIndices[k])
                if j != i && a.values[k] != 0 && abs(a.values[k]) >= theta * (d[i] * d[j]).squareRoot() { cols.append(Int32(j)) }
            }
            rp[i + 1] = Int32(cols.count)
        }
        return StrengthGraph(rows: a.rows, rowPointers: rp, columns: cols)
    }

    func transposed() -> StrengthGraph {
        var count = [Int32](repeating: 0, count: rows + 1)
        for j in columns { count[Int(j) + 1] += 1 }
        for j in 0..<rows { count[j + 1] += count[j] }
        var next = count.map(Int.init), cols = [Int32](repeating: 0, count: columns.count)
        for i in 0..<rows {
            for k in neighbours(i) { let j = Int(columns[k]); cols[next[j]] = Int32(i); next[j] += 1 }
        }
        return StrengthGraph(rows: rows, rowPointers: count, columns: cols)
    }
}
