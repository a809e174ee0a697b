import LinearAlgebra

/// Classical (Ruge–Stüben) interpolation: the prolongator P of a C/F splitting.
///
/// A C point takes its coarse value. An F point i assumes its residual is zero after
/// smoothing, a_ii eᵢ + Σ_j a_ij e_j = 0, and expresses each neighbour through the strong C
/// neighbours C_i: weak neighbours are lumped onto the diagonal, and a strong F neighbour k is
/// distributed over C_i in proportion to a_km (k's own couplings to those C points) — or lumped
/// too when k has none. So
///
///     w_ij = −(a_ij + Σ_{k ∈ F_i^s} a_ik ā_kj / Σ_{m ∈ C_i} ā_km) / (a_ii + Σ_{n weak} a_in)
///
/// where ā_km = a_km when its sign is opposite to a_kk's and 0 otherwise: Ruge and Stüben
/// 1987, eq. (4.6), in the "modified classical" form of De Sterck, Falgout, Nolting and Yang,
/// NLAA 2008, eq. (9) (PyAMG's default). Without the modification the V-cycle factor on 2D
/// Poisson 1024² was 0.41 (eight levels) against 0.17 with six: the coarsest levels' mixed-sign
/// couplings spoiled the weights. With `truncation`
/// τ > 0, weights below τ·max|w| in a row are dropped and the rest scaled to keep the row sum,
/// as hypre's `trunc_factor`, which bounds the growth of the coarse operators.
enum ClassicalInterpolation {
    static func prolongator(_ a: CSRMatrix, strength s: StrengthGraph, isCoarse: [Bool], truncation: Double) throws -> CSRMatrix {
        let n = a.rows
        var coarseIndex = [Int32](repeating: -1, count: n)
        var nc: Int32 = 0
        for i in 0..<n where isCoarse[i] { coarseIndex[i] = nc; nc += 1 }
        // Rows are independent: fixed blocks of rows, built in parallel and concatenated in
        // order, so P does not depend on the thread count.
        let blockRows = 16384
        let blockCount = (n + blockRows - 1) / blockRows
        final class Block { var lengths: [Int32] = []; var cols: [Int32] = []; var vals: [Double] = [] }
        let blocks = (0..<blockCount).map { _ in Block() }
        let box = UncheckedBox(blocks)
        a.rowPointers.withUnsafeBufferPointer { arp in a.columnIndices.withUnsafeBufferPointer { aci in a.values.withUnsafeBufferPointer { av in
        coarseIndex.withUnsafeBufferPointer { ci in isCoarse.withUnsafeBufferPointer { coarse in
        s.rowPointers.withUnsafeBufferPointer { srp in s.columns.withUnsafeBufferPointer { sc in
            let shared = UncheckedBox((arp, aci, av, ci, coarse, srp, sc))
            Parallel.chunks(blockCount, minimumChunk: 1) { range, _ in
                let (arp, aci, av, ci, coarse, srp, sc) = shared.value
                // strongMark[j] == i: j is a strong neighbour of the current row i; slot[j] ≥ 0:
                // j is one of its interpolation points, at that position of the row's lists.
                // Int32: these two n-long arrays are allocated per thread (page faults) and
                // read at random; half the size is measurably faster at 10⁶ rows.
                var strongMark = [Int32](repeating: -1, count: n)
                var slot = [Int32](repeating: -1, count: n)
                var rowCols = [Int](repeating: 0, count: 64), rowVals = [Double](repeating: 0, count: 64)
                strongMark.withUnsafeMutableBufferPointer { mark in slot.withUnsafeMutableBufferPointer { sl in
                for blockIndex in range {
                    var lengths = [Int32](), cols = [Int32](), vals = [Double]()
                    let lo = blockIndex * blockRows, hi = min(n, lo + blockRows)
                    lengths.reserveCapacity(hi - lo); cols.reserveCapacity(3 * (hi - lo)); vals.reserveCapacity(3 * (hi - lo))
                    for i in lo..<hi {
                        if coarse[i] { cols.append(ci[i]); vals.append(1); lengths.append(1); continue }
                        let tag = Int32(truncatingIfNeeded: i)
                        for k in Int(srp[i])..<Int(srp[i + 1]) { mark[Int(sc[k])] = tag }
                        var count = 0
                        var diagonal = 0.0
                        let range = Int(arp[i])..<Int(arp[i + 1])
                        if range.count > rowCols.count {
                            rowCols += [Int](repeating: 0, count: range.count); rowVals += [Double](repeating: 0, count: range.count)
                        }
                        // The strong C neighbours (the interpolation points) and the lumped diagonal.
                        for k in range {
                            let j = Int(aci[k]), v = av[k]
                            if j == i { diagonal += v; continue }
                            if mark[j] == tag {
                                if coarse[j] { sl[j] = Int32(count); rowCols[count] = j; rowVals[count] = v; count += 1 }
                            } else {
                                diagonal += v  // weak: lumped
                            }
                        }
                        // The strong F neighbours, distributed over the C points they share with i.
                        for k in range {
                            let f = Int(aci[k]), aif = av[k]
                            guard f != i, mark[f] == tag, !coarse[f] else { continue }
                            // Only couplings a_fm of the sign opposite to a_ff take part (the
                            // "modified" formula): on coarse levels, where Galerkin operators
                            // carry positive off-diagonals, a mixed-sign sum can nearly cancel
                            // and blow the weights up.
                            var diagonalSign = 0.0
                            for q in Int(arp[f])..<Int(arp[f + 1]) where Int(aci[q]) == f { diagonalSign = av[q] < 0 ? -1 : 1 }
                            var common = 0.0
                            for q in Int(arp[f])..<Int(arp[f + 1]) where sl[Int(aci[q])] >= 0 && av[q] * diagonalSign < 0 { common += av[q] }
                            if common == 0 { diagonal += aif; continue }
                            let scale = aif / common
                            for q in Int(arp[f])..<Int(arp[f + 1]) where av[q] * diagonalSign < 0 {
                                let t = Int(sl[Int(aci[q])])
                                if t >= 0 { rowVals[t] += scale * av[q] }
                            }
                        }
                        for t in 0..<count { rowVals[t] = diagonal != 0 ? -rowVals[t] / diagonal : 0 }
                        if truncation > 0 && count > 1 {
                            var largest = 0.0, sum = 0.0
                            for t in 0..<count { largest = max(largest, abs(rowVals[t])); sum += rowVals[t] }
                            for t in 0..<count where abs(rowVals[t]) < truncation * largest { rowVals[t] = 0 }
                            var kept = 0.0
                            for t in 0..<count { kept += rowVals[t] }
                            if kept != 0 { for t in 0..<count { rowVals[t] *= sum / kept } }
                        }
                        // Sorted by coarse column (the C points are numbered in index order, so
                        // sorting by fine index is enough); exact zeros are not stored.
                        for t in 1..<max(count, 1) {
                            let c = rowCols[t], v = rowVals[t]
                            var u = t
                            while u > 0 && rowCols[u - 1] > c { rowCols[u] = rowCols[u - 1]; rowVals[u] = rowVals[u - 1]; u -= 1 }
                            rowCols[u] = c; rowVals[u] = v
                        }
                        var stored: Int32 = 0
                        for t in 0..<count {
                            if rowVals[t] != 0 { cols.append(ci[rowCols[t]]); vals.append(rowVals[t]); stored += 1 }
                            sl[rowCols[t]] = -1
                        }
                        lengths.append(stored)
                    }
                    let block = box.value[blockIndex]
                    block.lengths = lengths; block.cols = cols; block.vals = vals
                }
                }}
            }
        }}}}}}}
        var rp = [Int32](repeating: 0, count: n + 1), cols = [Int32](), vals = [Double]()
        var row = 0
        for block in blocks {
            for length in block.lengths { rp[row + 1] = rp[row] + length; row += 1 }
            cols += block.cols; vals += block.vals
        }
        return try CSRMatrix(rows: n, columns: Int(nc), rowPointers: rp, columnIndices: cols, values: vals)
    }
}
