/// Compressed sparse row matrix with 32-bit indices.
///
/// 32-bit row pointers and column indices halve the index traffic of SpMV, which is bandwidth
/// bound; they limit a matrix to fewer than 2³¹ nonzeros, which `init` checks. Column indices
/// within a row are sorted and unique (duplicates from assembly are summed), an invariant the
/// triangular kernels of IC(0) and SSOR rely on.
public struct CSRMatrix: LinearOperator, Sendable {
    public typealias Index = Int32

    public let rows: Int
    public let columns: Int
    public private(set) var rowPointers: [Index]
    public private(set) var columnIndices: [Index]
    public var values: [Double]

    public var nonzeros: Int { values.count }

    /// Builds from CSR arrays that already satisfy the invariants (checked).
    public init(rows: Int, columns: Int, rowPointers: [Index], columnIndices: [Index], values: [Double]) throws {
        guard rowPointers.count == rows + 1, rowPointers.first == 0,
              Int(rowPointers[rows]) == columnIndices.count, columnIndices.count == values.count else {
            throw LinearAlgebraError.invalidArgument(
                "CSR arrays inconsistent: \(rows) rows, \(rowPointers.count) row pointers, "
                    + "\(columnIndices.count) column indices, \(values.count) values")
        }
        for i in 0..<rows {
            let lo = Int(rowPointers[i]), hi = Int(rowPointers[i + 1])
            guard lo <= hi else { throw LinearAlgebraError.invalidArgument("CSR row pointers decrease at row \(i)") }
            var previous = -1
            for k in lo..<hi {
                let j = Int(columnIndices[k])
                guard j > previous, j < columns else {
                    throw LinearAlgebraError.invalidArgument("CSR row \(i): column indices must be sorted, unique and below \(columns)")
                }
                previous = j
            }
        }
        self.rows = rows; self.columns = columns
        self.rowPointers = rowPointers; self.columnIndices = columnIndices; self.values = values
    }

    /// The 0 × 0 matrix: what a holder puts in place of a matrix it hands over.
    public static let empty = CSRMatrix(uncheckedRows: 0, columns: 0, rowPointers: [0], columnIndices: [], values: [])

    /// Internal constructor for kernels that produce valid CSR by construction.
    init(uncheckedRows rows: Int, columns: Int, rowPointers: [Index], columnIndices: [Index], values: [Double]) {
        self.rows = rows; self.columns = columns
        self.rowPointers = rowPointers; self.columnIndices = columnIndices; self.values = values
    }

    /// Assembles from coordinate (triplet) form, summing duplicates. Indices are 0-based.
    public init(rows: Int, columns: Int, rowIndices: [Index], columnIndices cols: [Index], values vals: [Double]) throws {
        guard rowIndices.count == cols.count, cols.count == vals.count else {
            throw LinearAlgebraError.invalidArgument("triplets: \(rowIndices.count) rows, \(cols.count) columns, \(vals.count) values")
        }
        guard vals.count < Int(Index.max) else {
            throw LinearAlgebraError.invalidArgument("\(vals.count) nonzeros exceed the 32-bit index range")
        }
        // Counting sort by row, then sort each row by column and merge duplicates.
        var count = [Int](repeating: 0, count: rows + 1)
        for (k, i) in rowIndices.enumerated() {
            guard i >= 0, Int(i) < rows, cols[k] >= 0, Int(cols[k]) < columns else {
                throw LinearAlgebraError.invalidArgument("triplet \(k): index (\(i), \(cols[k])) outside a \(rows)×\(columns) matrix")
            }
            count[Int(i) + 1] += 1
        }
        for i in 0..<rows { count[i + 1] += count[i] }
        var next = count
        var c = [Index](repeating: 0, count: vals.count), v = [Double](repeating: 0, count: vals.count)
        for k in 0..<vals.count {
            let i = Int(rowIndices[k]); c[next[i]] = cols[k]; v[next[i]] = vals[k]; next[i] += 1
        }
        var rp = [Index](repeating: 0, count: rows + 1)
        var outC = [Index](), outV = [Double]()
        outC.reserveCapacity(vals.count); outV.reserveCapacity(vals.count)
        var order = [Int]()
        for i in 0..<rows {
            let lo = count[i], hi = count[i + 1]
            order.removeAll(keepingCapacity: true)
            order.append(contentsOf: lo..<hi)
            order.sort { c[$0] < c[$1] }
            var last: Index = -1
            for k in order {
                if c[k] == last { outV[outV.count - 1] += v[k] } else { outC.append(c[k]); outV.append(v[k]); last = c[k] }
            }
            rp[i + 1] = Index(outC.count)
        }
        self.init(uncheckedRows: rows, columns: columns, rowPointers: rp, columnIndices: outC, values: outV)
    }

    /// y = A x. Rows are split between threads in equal counts: the matrices here have
    /// near-uniform row lengths, so this balances as well as splitting by nonzeros.
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        _ = product(x, into: y, dot: false)
    }

    /// y = A x and xᵀy in the same pass over y.
    public func applyAndDot(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) -> Double {
        product(x, into: y, dot: true)
    }

    @inline(__always)
    private func product(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>, dot: Bool) -> Double {
        precondition(x.count >= columns && y.count >= rows, "CSR apply: x has \(x.count) (need \(columns)), y has \(y.count) (need \(rows))")
        return rowPointers.withUnsafeBufferPointer { rpb in
            columnIndices.withUnsafeBufferPointer { cib in
                values.withUnsafeBufferPointer { vb in
                    let rp = rpb.baseAddress!, ci = cib.baseAddress!, va = vb.baseAddress!
                    let xp = x.baseAddress!, yp = y.baseAddress!
                    return Parallel.sum(rows) { r in
                        var k = Int(rp[r.lowerBound])
                        var d = 0.0
                        for i in r {
                            let end = Int(rp[i + 1])
                            var s = 0.0
                            while k < end { s += va[k] * xp[Int(ci[k])]; k += 1 }
                            yp[i] = s
                            if dot { d += s * xp[i] }
                        }
                        return d
                    }
                }
            }
        }
    }

    /// The main diagonal (zero where no entry is stored).
    public func diagonal() -> [Double] {
        var d = [Double](repeating: 0, count: min(rows, columns))
        for i in 0..<d.count {
            for k in Int(rowPointers[i])..<Int(rowPointers[i + 1]) where Int(columnIndices[k]) == i {
                d[i] = values[k]
            }
        }
        return d
    }

    /// Aᵀ in CSR form (equivalently A in CSC form).
    public func transposed() -> CSRMatrix {
        var count = [Index](repeating: 0, count: columns + 1)
        for j in columnIndices { count[Int(j) + 1] += 1 }
        for j in 0..<columns { count[j + 1] += count[j] }
        var next = count.map(Int.init)
        var c = [Index](repeating: 0, count: nonzeros), v = [Double](repeating: 0, count: nonzeros)
        for i in 0..<rows {
            for k in Int(rowPointers[i])..<Int(rowPointers[i + 1]) {
                let j = Int(columnIndices[k]); c[next[j]] = Index(i); v[next[j]] = values[k]; next[j] += 1
            }
        }
        return CSRMatrix(uncheckedRows: columns, columns: rows, rowPointers: count, columnIndices: c, values: v)
    }

    /// Largest |A − Aᵀ| entry relative to the largest |A| entry; 0 for an exactly symmetric matrix.
    public func asymmetry() -> Double {
        guard rows == columns else { return .infinity }
        let t = transposed()
        var maxDiff = 0.0, maxAbs = 0.0
        for i in 0..<rows {
            // Both rows are sorted: merge them.
            var a = Int(rowPointers[i]), b = Int(t.rowPointers[i])
            let ae = Int(rowPointers[i + 1]), be = Int(t.rowPointers[i + 1])
            while a < ae || b < be {
                let ja = a < ae ? columnIndices[a] : Index.max, jb = b < be ? t.columnIndices[b] : Index.max
                if ja == jb { maxDiff = max(maxDiff, abs(values[a] - t.values[b])); maxAbs = max(maxAbs, abs(values[a])); a += 1; b += 1 }
                else if ja < jb { maxDiff = max(maxDiff, abs(values[a])); maxAbs = max(maxAbs, abs(values[a])); a += 1 }
                else { maxDiff = max(maxDiff, abs(t.values[b])); b += 1 }
            }
        }
        return maxAbs > 0 ? maxDiff / maxAbs : 0
    }

    /// The entries with column ≤ row (`lower: true`) or column ≥ row, as a new CSR matrix.
    public func triangle(lower: Bool) -> CSRMatrix {
        var rp = [Index](repeating: 0, count: rows + 1)
        var c = [Index](), v = [Double]()
        c.reserveCapacity(nonzeros / 2 + rows); v.reserveCapacity(nonzeros / 2 + rows)
        for i in 0..<rows {
            for k in Int(rowPointers[i])..<Int(rowPointers[i + 1]) {
                let j = Int(columnIndices[k])
                if lower ? j <= i : j >= i { c.append(columnIndices[k]); v.append(values[k]) }
            }
            rp[i + 1] = Index(c.count)
        }
        return CSRMatrix(uncheckedRows: rows, columns: columns, rowPointers: rp, columnIndices: c, values: v)
    }

    /// Position of entry (i, j) in `values`, or nil when it is not stored.
    public func entryIndex(row i: Int, column j: Int) -> Int? {
        var lo = Int(rowPointers[i]), hi = Int(rowPointers[i + 1])
        while lo < hi {
            let mid = (lo + hi) / 2, c = Int(columnIndices[mid])
            if c == j { return mid } else if c < j { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// True when every value is finite.
    public var allFinite: Bool { values.allSatisfy { $0.isFinite } }
}
