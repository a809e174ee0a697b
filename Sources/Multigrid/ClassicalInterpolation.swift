import LinearAlgebra

/// Classical (Ruge–Stüben) interpolation: the prolongator P of a C/F splitting.
///
/// A C point takes its coarse value. An F point i assumes its residual is zero after
/// smoothing, a_ii eᵢ + Σ_j a_ij e_j = 0, and expresses each neighbour through the strong C
/// neighbours C_i: weak neighbours are lumped onto the diagonal, and a strong F neighbour k is
/// distributed over C_i in proportion to a_km (k's own couplings to those C points) — or lumped
/// too when k has none. So
///
///     w_ij = −(a_ij + Σ_{k ∈ F_i^s} a_ik a_kj / Σ_{m ∈ C_i} a_km) / (a_ii + Σ_{n weak} a_in)
///
/// (Ruge and Stüben 1987, eq. (4.6); PyAMG's `classical_interpolation`). With `truncation`
/// τ > 0, weights below τ·max|w| in a row are dropped and the rest scaled to keep the row sum,
/// as hypre's `trunc_factor`, which bounds the growth of the coarse operators.
enum ClassicalInterpolation {
    static func prolongator(_ a: CSRMatrix, strength s: StrengthGraph, isCoarse: [Bool], truncation: Double) throws -> CSRMatrix {
        let n = a.rows
        var coarseIndex = [Int32](repeating: -1, count: n)
        var nc: Int32 = 0
        for i in 0..<n where isCoarse[i] { coarseIndex[i] = nc; nc += 1 }
        // Per row: is column j strong for row i? A marker array reset row by row.
        var strongMark = [Int](repeating: -1, count: n)
        // Position of a C neighbour in the current row's weight list.
        var slot = [Int](repeating: -1, count: n)
        var rp = [Int32](repeating: 0, count: n + 1), cols = [Int32](), vals = [Double]()
        cols.reserveCapacity(2 * n); vals.reserveCapacity(2 * n)
        var rowCols: [Int] = [], rowVals: [Double] = []
        for i in 0..<n {
            if isCoarse[i] {
                cols.append(coarseIndex[i]); vals.append(1); rp[i + 1] = Int32(cols.count); continue
            }
            for k in s.neighbours(i) { strongMark[Int(s.columns[k])] = i }
            rowCols.removeAll(keepingCapacity: true); rowVals.removeAll(keepingCapacity: true)
            var diagonal = 0.0
            let range = Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1])
            // First the strong C neighbours (the interpolation points) and the lumped diagonal.
            for k in range {
                let j = Int(a.columnIndices[k]), v = a.values[k]
                if j == i { diagonal += v; continue }
                if strongMark[j] == i && isCoarse[j] {
                    slot[j] = rowCols.count; rowCols.append(j); rowVals.append(v)
                } else if strongMark[j] != i {
                    diagonal += v  // weak: lumped
                }
            }
            // Then the strong F neighbours, distributed over the C points they share with i.
            for k in range {
                let f = Int(a.columnIndices[k]), aif = a.values[k]
                guard f != i, strongMark[f] == i, !isCoarse[f] else { continue }
                var shared = 0.0
                for q in Int(a.rowPointers[f])..<Int(a.rowPointers[f + 1]) {
                    let m = Int(a.columnIndices[q])
                    if m != i, slot[m] >= 0, rowCols.indices.contains(slot[m]), rowCols[slot[m]] == m { shared += a.values[q] }
                }
                if shared == 0 { diagonal += aif; continue }
                for q in Int(a.rowPointers[f])..<Int(a.rowPointers[f + 1]) {
                    let m = Int(a.columnIndices[q])
                    if m != i, slot[m] >= 0, rowCols.indices.contains(slot[m]), rowCols[slot[m]] == m {
                        rowVals[slot[m]] += aif * a.values[q] / shared
                    }
                }
            }
            if diagonal != 0 {
                for t in rowVals.indices { rowVals[t] = -rowVals[t] / diagonal }
            } else {
                for t in rowVals.indices { rowVals[t] = 0 }
            }
            if truncation > 0, let largest = rowVals.map(abs).max(), largest > 0 {
                let sum = rowVals.reduce(0, +)
                var keptSum = 0.0
                for t in rowVals.indices where abs(rowVals[t]) < truncation * largest { rowVals[t] = 0 }
                keptSum = rowVals.reduce(0, +)
                if keptSum != 0 { for t in rowVals.indices { rowVals[t] *= sum / keptSum } }
            }
            // Sorted by coarse column (the CSR invariant); exact zeros are not stored.
            let order = rowCols.indices.sorted { coarseIndex[rowCols[$0]] < coarseIndex[rowCols[$1]] }
            for t in order where rowVals[t] != 0 { cols.append(coarseIndex[rowCols[t]]); vals.append(rowVals[t]) }
            for j in rowCols { slot[j] = -1 }
            rp[i + 1] = Int32(cols.count)
        }
        return try CSRMatrix(rows: n, columns: Int(nc), rowPointers: rp, columnIndices: cols, values: vals)
    }
}
