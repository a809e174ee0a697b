import LinearAlgebra

/// Gauss–Seidel on a CSR matrix, in fixed blocks of rows that run in parallel: within a block
/// the sweep is Gauss–Seidel, across blocks Jacobi (a row reads the other blocks' values from
/// the start of the sweep). The blocks have a fixed size (4096 rows), not one per thread, so
/// the result does not depend on the thread count: consecutive rows, or rows in breadth-first
/// order of the matrix graph when the numbering has no locality.
///
/// The Jacobi coupling between blocks can make plain hybrid Gauss–Seidel diverge on matrices
/// that are not diagonally dominant (elasticity: CG then stops with an indefinite
/// preconditioner). So this is the ℓ1 variant (Baker, Falgout, Kolev and Yang, "Multigrid
/// smoothers for ultraparallel computing", SISC 2011; hypre's relax type 8): row i divides by
/// a_ii + Σ_{j outside i's block} |a_ij|, which makes every sweep convergent in the energy norm
/// for any SPD matrix, and changes only the rows at block edges. Forward before the coarse
/// correction; backward after it when the cycle must be symmetric (a CG preconditioner).
///
/// With `coarsePoints` (classical AMG's C/F splitting) each block is swept C points first,
/// then F points — C/F relaxation, hypre's default `relax_order`. On a five-point Laplacian
/// whose splitting is a checkerboard this is red–black Gauss–Seidel, whose smoothing factor
/// (1/4) is half the lexicographic one; the backward sweep runs F then C (the adjoint order).
final class BlockGaussSeidel: Smoother {
    static let defaultBlockRows = 4096
    let blockRows: Int
    /// The matrix the sweeps run on: A itself, or A with rows and columns renumbered into
    /// `permutation`'s order (graph blocks), so that every block is a run of consecutive rows
    /// and a sweep walks the CSR arrays forwards.
    let a: CSRMatrix
    private let inverse: [Double]
    private let old: WorkVector
    /// Sweep order within the natural blocks (C/F relaxation on A's own numbering; nil: natural).
    private let order: [Int32]?
    /// With graph blocks: new row t is A's row permutation[t]; x and b are gathered into this
    /// numbering and x scattered back around the sweeps.
    private let permutation: [Int32]?
    private let permutedX: WorkVector?, permutedB: WorkVector?

    init(_ a: CSRMatrix, blockRows: Int = BlockGaussSeidel.defaultBlockRows, coarsePoints: [Bool]? = nil) {
        self.blockRows = blockRows
        let n = a.rows
        // Blocks of consecutive row numbers suit a matrix numbered with locality (a grid in
        // lexicographic order). A mesh numbered otherwise (scikit-fem's P1 disk: 94 % of its
        // rows had a neighbour in another block) turned the smoother into ℓ1-Jacobi, and
        // standalone AMG took 93 cycles where PyAMG takes 38. Blocks grown by breadth-first
        // search keep neighbours together; they are used when they cut less than half the
        // coupling.
        let graph = Self.breadthFirstOrder(a)
        var graphBlock = [Int32](repeating: 0, count: n)
        for (t, i) in graph.enumerated() { graphBlock[Int(i)] = Int32(t / blockRows) }
        let natural = (0..<n).map { Int32($0 / blockRows) }
        if n > blockRows && Self.crossBlockCoupling(a, graphBlock) < 0.5 * Self.crossBlockCoupling(a, natural) {
            // C/F relaxation: within each block its C rows first, then its F rows.
            var perm = graph
            if let coarsePoints {
                precondition(coarsePoints.count == n)
                for lo in stride(from: 0, to: n, by: blockRows) {
                    let block = graph[lo..<min(n, lo + blockRows)]
                    perm.replaceSubrange(lo..<min(n, lo + blockRows),
                                         with: block.filter { coarsePoints[Int($0)] } + block.filter { !coarsePoints[Int($0)] })
                }
            }
            permutation = perm
            self.a = Self.permuted(a, perm)
            order = nil
            permutedX = WorkVector(n); permutedB = WorkVector(n)
        } else {
            permutation = nil; permutedX = nil; permutedB = nil
            self.a = a
            if let coarsePoints {
                precondition(coarsePoints.count == n)
                var order = [Int32](), tail = [Int32]()
                order.reserveCapacity(n)
                for lo in stride(from: 0, to: n, by: blockRows) {
                    tail.removeAll(keepingCapacity: true)
                    for i in lo..<min(n, lo + blockRows) {
                        if coarsePoints[i] { order.append(Int32(i)) } else { tail.append(Int32(i)) }
                    }
                    order += tail
                }
                self.order = order
            } else {
                order = nil
            }
        }
        // ℓ1: a_ii plus the coupling to other blocks, in the numbering the sweeps use.
        let m = self.a
        var inverse = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let block = i / blockRows
            var d = 0.0, outside = 0.0
            for k in Int(m.rowPointers[i])..<Int(m.rowPointers[i + 1]) {
                let j = Int(m.columnIndices[k])
                if j == i { d += m.values[k] } else if j / blockRows != block { outside += abs(m.values[k]) }
            }
            inverse[i] = 1 / (d + outside)
        }
        self.inverse = inverse
        old = WorkVector(n)
    }

    /// The rows in breadth-first order of the matrix graph (from row 0, then from the lowest
    /// unvisited row of each further component; neighbours in column order): deterministic, and
    /// cut into runs of `blockRows` it keeps neighbours together except along the BFS fronts.
    static func breadthFirstOrder(_ a: CSRMatrix) -> [Int32] {
        let n = a.rows
        var order = [Int32](), visited = [Bool](repeating: false, count: n)
        order.reserveCapacity(n)
        var head = 0
        for root in 0..<n where !visited[root] {
            visited[root] = true
            order.append(Int32(root))
            while head < order.count {
                let i = Int(order[head]); head += 1
                for k in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) {
                    let j = Int(a.columnIndices[k])
                    if !visited[j] { visited[j] = true; order.append(Int32(j)) }
                }
            }
        }
        return order
    }

    /// Σ |a_ij| over couplings between different blocks: what the ℓ1 terms add to diagonals.
    static func crossBlockCoupling(_ a: CSRMatrix, _ blockOf: [Int32]) -> Double {
        var s = 0.0
        for i in 0..<a.rows {
            for k in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) where blockOf[Int(a.columnIndices[k])] != blockOf[i] {
                s += abs(a.values[k])
            }
        }
        return s
    }

    /// P A Pᵀ for the order `perm` (new row t is old row perm[t]), columns sorted in each row.
    static func permuted(_ a: CSRMatrix, _ perm: [Int32]) -> CSRMatrix {
        let n = a.rows
        var position = [Int32](repeating: 0, count: n)
        for (t, i) in perm.enumerated() { position[Int(i)] = Int32(t) }
        var rowPointers = [CSRMatrix.Index](repeating: 0, count: n + 1)
        var columns = [CSRMatrix.Index](), values = [Double]()
        columns.reserveCapacity(a.nonzeros); values.reserveCapacity(a.nonzeros)
        var entries: [(CSRMatrix.Index, Double)] = []
        for t in 0..<n {
            let i = Int(perm[t])
            entries.removeAll(keepingCapacity: true)
            for k in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) {
                entries.append((CSRMatrix.Index(position[Int(a.columnIndices[k])]), a.values[k]))
            }
            entries.sort { $0.0 < $1.0 }
            for (c, v) in entries { columns.append(c); values.append(v) }
            rowPointers[t + 1] = CSRMatrix.Index(columns.count)
        }
        // A permutation of a valid CSR matrix is valid: the initialiser's checks cannot fail.
        return try! CSRMatrix(rows: n, columns: n, rowPointers: rowPointers, columnIndices: columns, values: values)
    }

    func smooth(_ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>, sweeps: Int, reverse: Bool) {
        guard let permutation, let px = permutedX?.pointer, let pb = permutedB?.pointer else {
            sweep(x, b, sweeps: sweeps, reverse: reverse)
            return
        }
        let n = a.rows
        permutation.withUnsafeBufferPointer { pp in
            let perm = pp.baseAddress!
            Parallel.chunks(n) { range, _ in for t in range { px[t] = x[Int(perm[t])]; pb[t] = b[Int(perm[t])] } }
            sweep(px, pb, sweeps: sweeps, reverse: reverse)
            Parallel.chunks(n) { range, _ in for t in range { x[Int(perm[t])] = px[t] } }
        }
    }

    /// The ℓ1 block sweeps on `a` in its own numbering: blocks of `blockRows` consecutive rows.
    private func sweep(_ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>, sweeps: Int, reverse: Bool) {
        let n = a.rows, blockRows = self.blockRows, blocks = (n + blockRows - 1) / blockRows
        let op = old.pointer
        a.rowPointers.withUnsafeBufferPointer { rpb in a.columnIndices.withUnsafeBufferPointer { cib in
        a.values.withUnsafeBufferPointer { vb in inverse.withUnsafeBufferPointer { ib in (order ?? []).withUnsafeBufferPointer { ob in
            let rp = rpb.baseAddress!, ci = cib.baseAddress!, v = vb.baseAddress!, inv = ib.baseAddress!
            let ord = order == nil ? nil : ob.baseAddress
            for _ in 0..<sweeps {
                Parallel.chunks(n) { range, _ in for i in range { op[i] = x[i] } }
                Parallel.chunks(blocks, minimumChunk: max(1, Parallel.minimumChunk / blockRows)) { range, _ in
                    for block in range {
                        let lo = block * blockRows, hi = min(n, lo + blockRows)
                        @inline(__always) func update(_ i: Int) {
                            // xᵢ ← xᵢ + (bᵢ − (A x)ᵢ)/(a_ii + ℓ1ᵢ), x holding this block's new
                            // values and the sweep's starting values elsewhere.
                            var r = b[i]
                            for k in Int(rp[i])..<Int(rp[i + 1]) {
                                let j = Int(ci[k])
                                r -= v[k] * (j >= lo && j < hi ? x[j] : op[j])
                            }
                            x[i] += r * inv[i]
                        }
                        if let ord {
                            if reverse { for t in stride(from: hi - 1, through: lo, by: -1) { update(Int(ord[t])) } }
                            else { for t in lo..<hi { update(Int(ord[t])) } }
                        } else {
                            if reverse { for i in stride(from: hi - 1, through: lo, by: -1) { update(i) } }
                            else { for i in lo..<hi { update(i) } }
                        }
                    }
                }
            }
        }}}}}
    }
}

/// Prolongation and restriction by sparse matrices: x += P e and b = R r with R = Pᵀ stored.
struct SparseTransfer: LevelTransfer {
    let p: CSRMatrix
    let r: CSRMatrix

    func restrict(_ residual: UnsafePointer<Double>, into b: UnsafeMutablePointer<Double>) {
        r.apply(UnsafeBufferPointer(start: residual, count: r.columns), into: UnsafeMutableBufferPointer(start: b, count: r.rows))
    }

    func prolong(_ e: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, replace: Bool) {
        p.rowPointers.withUnsafeBufferPointer { rpb in p.columnIndices.withUnsafeBufferPointer { cib in
        p.values.withUnsafeBufferPointer { vb in
            let rp = rpb.baseAddress!, ci = cib.baseAddress!, v = vb.baseAddress!
            Parallel.chunks(p.rows) { range, _ in
                for i in range {
                    var s = 0.0
                    for k in Int(rp[i])..<Int(rp[i + 1]) { s += v[k] * e[Int(ci[k])] }
                    x[i] = replace ? s : x[i] + s
                }
            }
        }}}
    }
}
