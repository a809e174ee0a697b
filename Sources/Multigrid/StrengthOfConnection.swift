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
        rowwise(a) { i, range, ci, v, out in
            var strongest = 0.0
            for k in range where Int(ci[k]) != i { strongest = max(strongest, -v[k]) }
            guard strongest > 0 else { return }
            for k in range where Int(ci[k]) != i && -v[k] >= theta * strongest { out.append(ci[k]) }
        }
    }

    /// Builds the graph row by row in fixed blocks of rows, in parallel, concatenated in order
    /// (the result does not depend on the thread count). `row(i, entries, columns, values, out)`
    /// appends row i's strong columns.
    static func rowwise(_ a: CSRMatrix,
                        _ row: (Int, Range<Int>, UnsafePointer<Int32>, UnsafePointer<Double>, inout [Int32]) -> Void) -> StrengthGraph {
        let n = a.rows, blockRows = 16384
        let blockCount = (n + blockRows - 1) / blockRows
        var parts = [[Int32]](repeating: [], count: blockCount), lengths = [[Int32]](repeating: [], count: blockCount)
        parts.withUnsafeMutableBufferPointer { pb in lengths.withUnsafeMutableBufferPointer { lb in
        a.rowPointers.withUnsafeBufferPointer { rp in a.columnIndices.withUnsafeBufferPointer { cb in a.values.withUnsafeBufferPointer { vb in
            let shared = UncheckedBox((pb, lb, rp.baseAddress!, cb.baseAddress!, vb.baseAddress!))
            withoutActuallyEscaping(row) { row in
                let rowBox = UncheckedBox(row)
                Parallel.chunks(blockCount, minimumChunk: 1) { range, _ in
                    let (pb, lb, rp, ci, v) = shared.value
                    for b in range {
                        var out = [Int32](), len = [Int32]()
                        let lo = b * blockRows, hi = min(n, lo + blockRows)
                        out.reserveCapacity(5 * (hi - lo)); len.reserveCapacity(hi - lo)
                        for i in lo..<hi {
                            let before = out.count
                            rowBox.value(i, Int(rp[i])..<Int(rp[i + 1]), ci, v, &out)
                            len.append(Int32(out.count - before))
                        }
                        pb[b] = out; lb[b] = len
                    }
                }
            }
        }}}}}
        var rowPointers = [Int32](repeating: 0, count: n + 1), cols = [Int32]()
        var i = 0
        for b in 0..<blockCount {
            for l in lengths[b] { rowPointers[i + 1] = rowPointers[i] + l; i += 1 }
            cols += parts[b]
        }
        return StrengthGraph(rows: n, rowPointers: rowPointers, columns: cols)
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
