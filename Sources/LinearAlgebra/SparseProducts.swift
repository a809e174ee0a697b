import Dispatch

/// Sparse matrix–matrix products: what algebraic multigrid's setup is made of (the Galerkin
/// triple product Pᵀ A P, the smoothed prolongator (I − ωD⁻¹A) T).
extension CSRMatrix {
    /// C = A B by Gustavson's row-by-row algorithm (Gustavson 1978): row i of C accumulates
    /// a_ik · (row k of B) in a dense array indexed by column, with a marker array recording
    /// which columns row i has touched, so a row costs its flops and nothing proportional to
    /// the column count. Rows are split into contiguous blocks, one per thread; each block's
    /// rows are assembled in its own arrays and concatenated, so the result does not depend on
    /// the thread count. Columns within each row are sorted (the CSR invariant).
    public func multiplied(by b: CSRMatrix) throws -> CSRMatrix {
        guard columns == b.rows else {
            throw LinearAlgebraError.invalidArgument("product of a \(rows)×\(columns) and a \(b.rows)×\(b.columns) matrix")
        }
        final class Block { var lengths: [Int32] = []; var cols: [Index] = []; var vals: [Double] = [] }
        let blockCount = max(1, min(Parallel.threadCount, rows / 4096))
        let blocks = (0..<blockCount).map { _ in Block() }
        let boxed = UncheckedBox(blocks)
        let m = b.columns
        rowPointers.withUnsafeBufferPointer { arp in columnIndices.withUnsafeBufferPointer { acp in values.withUnsafeBufferPointer { avp in
        b.rowPointers.withUnsafeBufferPointer { brp in b.columnIndices.withUnsafeBufferPointer { bcp in b.values.withUnsafeBufferPointer { bvp in
            let ab = UncheckedBox((arp, acp, avp, brp, bcp, bvp))
            let chunk: @Sendable (Int) -> Void = { c in
                let (arp, acp, avp, brp, bcp, bvp) = ab.value
                let lo = rows * c / blockCount, hi = rows * (c + 1) / blockCount
                // Local arrays, handed to the block once at the end: appending to a class's
                // stored arrays would pay an exclusivity check per entry.
                var lengths = [Int32](), cols = [Index](), vals = [Double]()
                lengths.reserveCapacity(hi - lo)
                var marker = [Int](repeating: -1, count: m)
                var accumulator = [Double](repeating: 0, count: m)
                var touched = [Index](repeating: 0, count: m)
                marker.withUnsafeMutableBufferPointer { mk in accumulator.withUnsafeMutableBufferPointer { acc in
                touched.withUnsafeMutableBufferPointer { tb in
                    for i in lo..<hi {
                        var count = 0
                        for ka in Int(arp[i])..<Int(arp[i + 1]) {
                            let k = Int(acp[ka]), aik = avp[ka]
                            for kb in Int(brp[k])..<Int(brp[k + 1]) {
                                let j = Int(bcp[kb])
                                if mk[j] != i {
                                    mk[j] = i; acc[j] = aik * bvp[kb]; tb[count] = Index(truncatingIfNeeded: j); count += 1
                                } else {
                                    acc[j] += aik * bvp[kb]
                                }
                            }
                        }
                        // Insertion sort: rows of AMG products hold a few to a few dozen entries.
                        for a in 1..<max(count, 1) {
                            let v = tb[a]
                            var b = a
                            while b > 0 && tb[b - 1] > v { tb[b] = tb[b - 1]; b -= 1 }
                            tb[b] = v
                        }
                        for t in 0..<count { cols.append(tb[t]); vals.append(acc[Int(tb[t])]) }
                        lengths.append(Int32(count))
                    }
                }}}
                let block = boxed.value[c]
                block.lengths = lengths; block.cols = cols; block.vals = vals
            }
            if blockCount == 1 { chunk(0) } else { DispatchQueue.concurrentPerform(iterations: blockCount) { chunk($0) } }
        }}}}}}
        var rp = [Index](repeating: 0, count: rows + 1)
        var total = 0, row = 0
        for block in blocks {
            for length in block.lengths { total += Int(length); row += 1; rp[row] = Index(truncatingIfNeeded: total) }
        }
        guard total < Int(Index.max) else {
            throw LinearAlgebraError.invalidArgument("the product has \(total) nonzeros, beyond the 32-bit index range")
        }
        var cols = [Index](), vals = [Double]()
        cols.reserveCapacity(total); vals.reserveCapacity(total)
        for block in blocks { cols += block.cols; vals += block.vals }
        return CSRMatrix(uncheckedRows: rows, columns: b.columns, rowPointers: rp, columnIndices: cols, values: vals)
    }

    /// The Galerkin coarse operator Pᵀ A P, as (Pᵀ)(A P): two Gustavson products.
    public static func galerkinProduct(_ a: CSRMatrix, _ p: CSRMatrix) throws -> CSRMatrix {
        let ap = try a.multiplied(by: p)
        return try p.transposed().multiplied(by: ap)
    }
}
