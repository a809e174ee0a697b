import Dispatch

/// Sparse matrix–matrix products: what algebraic multigrid's setup is made of (the Galerkin
/// triple product Pᵀ A P, the smoothed prolongator (I − ωD⁻¹A) T).
extension CSRMatrix {
    /// C = A B by Gustavson's row-by-row algorithm (Gustavson 1978): row i of C accumulates
    /// a_ik · (row k of B) in a dense array indexed by column, with a marker array recording
    /// which columns row i has touched, so a row costs its flops and nothing proportional to
    /// the column count. Rows are split into contiguous blocks, one per thread; each block's
    /// rows are assembled in its own buffers and concatenated; every row is computed the same
    /// way whatever the split, so the result does not depend on the thread count. Columns
    /// within each row are sorted (the CSR invariant).
    public func multiplied(by b: CSRMatrix) throws -> CSRMatrix {
        guard columns == b.rows else {
            throw LinearAlgebraError.invalidArgument("product of a \(rows)×\(columns) and a \(b.rows)×\(b.columns) matrix")
        }
        // Each block writes its rows into its own buffers, sized by the bound
        // nnz(row i of C) ≤ Σ_k nnz(row k of B): no per-entry appends (each a capacity and
        // uniqueness check, 15 % of the product's time) and no second, symbolic pass. The
        // blocks are then copied into the exact-size result.
        final class Block {
            var lengths: UnsafeMutableBufferPointer<Int32> = .init(start: nil, count: 0)
            var cols: UnsafeMutableBufferPointer<Index> = .init(start: nil, count: 0)
            var vals: UnsafeMutableBufferPointer<Double> = .init(start: nil, count: 0)
            var stored = 0
            deinit { lengths.deallocate(); cols.deallocate(); vals.deallocate() }
        }
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
                var bound = 0
                for ka in Int(arp[lo])..<Int(arp[hi]) { let k = Int(acp[ka]); bound += Int(brp[k + 1] - brp[k]) }
                let block = boxed.value[c]
                let lengths = UnsafeMutableBufferPointer<Int32>.allocate(capacity: hi - lo)
                let cols = UnsafeMutableBufferPointer<Index>.allocate(capacity: max(bound, 1))
                let vals = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(bound, 1))
                // marker[j] == i: column j already touched by row i (Int32: half the cache).
                let marker = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(m, 1))
                marker.initialize(repeating: -1)
                let accumulator = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(m, 1))
                defer { marker.deallocate(); accumulator.deallocate() }
                let mk = marker.baseAddress!, acc = accumulator.baseAddress!
                let out = cols.baseAddress!, outV = vals.baseAddress!
                var stored = 0
                for i in lo..<hi {
                    let start = stored, tag = Int32(truncatingIfNeeded: i)
                    for ka in Int(arp[i])..<Int(arp[i + 1]) {
                        let k = Int(acp[ka]), aik = avp[ka]
                        for kb in Int(brp[k])..<Int(brp[k + 1]) {
                            let j = Int(bcp[kb])
                            if mk[j] != tag {
                                mk[j] = tag; acc[j] = aik * bvp[kb]; out[stored] = bcp[kb]; stored += 1
                            } else {
                                acc[j] += aik * bvp[kb]
                            }
                        }
                    }
                    // Insertion sort: rows of AMG products hold a few to a few dozen entries.
                    if stored - start > 1 {
                        for a in (start + 1)..<stored {
                            let v = out[a]
                            var b = a
                            while b > start && out[b - 1] > v { out[b] = out[b - 1]; b -= 1 }
                            out[b] = v
                        }
                    }
                    for t in start..<stored { outV[t] = acc[Int(out[t])] }
                    lengths[i - lo] = Int32(stored - start)
                }
                block.lengths = lengths; block.cols = cols; block.vals = vals; block.stored = stored
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
        /// The blocks' first `stored` entries, one after the other, in an exact-size array.
        func concatenated<T>(_ part: (Block) -> UnsafeMutableBufferPointer<T>) -> [T] {
            [T](unsafeUninitializedCapacity: total) { buffer, count in
                var offset = 0
                for block in blocks {
                    _ = UnsafeMutableBufferPointer(rebasing: buffer[offset..<(offset + block.stored)])
                        .initialize(from: part(block).prefix(block.stored))
                    offset += block.stored
                }
                count = total
            }
        }
        let cols = concatenated(\.cols), vals = concatenated(\.vals)
        return CSRMatrix(uncheckedRows: rows, columns: b.columns, rowPointers: rp, columnIndices: cols, values: vals)
    }

    /// The Galerkin coarse operator Pᵀ A P, as (Pᵀ)(A P): two Gustavson products.
    public static func galerkinProduct(_ a: CSRMatrix, _ p: CSRMatrix) throws -> CSRMatrix {
        let ap = try a.multiplied(by: p)
        return try p.transposed().multiplied(by: ap)
    }
}
