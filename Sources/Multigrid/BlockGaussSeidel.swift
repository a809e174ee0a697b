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
    let a: CSRMatrix
    private let inverse: [Double]
    private let old: WorkVector
    /// The rows in sweep order, block after block (nil: natural order, block b = rows
    /// b·blockRows ..< (b + 1)·blockRows).
    private let order: [Int32]?
    /// With graph blocks: each row's block, and where each block starts in `order`.
    private let blockOf: [Int32]?
    private let blockStart: [Int]

    init(_ a: CSRMatrix, blockRows: Int = BlockGaussSeidel.defaultBlockRows, coarsePoints: [Bool]? = nil) {
        self.a = a
        self.blockRows = blockRows
        let n = a.rows
        // Blocks of consecutive row numbers suit a matrix numbered with locality (a grid in
        // lexicographic order). A mesh numbered otherwise (scikit-fem's P1 disk: 94 % of its
        // rows had a neighbour in another block) turned the smoother into ℓ1-Jacobi, and
        // standalone AMG took 93 cycles where PyAMG takes 38. Blocks grown by breadth-first
        // search keep neighbours together; they are used when they cut less coupling.
        let graph = Self.breadthFirstBlocks(a, blockRows: blockRows)
        let natural = (0..<n).map { Int32($0 / blockRows) }
        let useGraph = Self.crossBlockCoupling(a, graph.blockOf) < 0.5 * Self.crossBlockCoupling(a, natural)
        var rows: [Int32]? = useGraph ? graph.order : nil
        let blockOf = useGraph ? graph.blockOf : natural
        var starts = stride(from: 0, to: n, by: blockRows).map { $0 } + [n]
        if useGraph { starts = graph.start }
        if let coarsePoints {
            precondition(coarsePoints.count == n)
            // C/F relaxation: within each block, its C rows first, then its F rows.
            let inBlockOrder = rows ?? (0..<n).map { Int32($0) }
            var ordered = [Int32](), tail = [Int32]()
            ordered.reserveCapacity(n)
            for b in 0..<(starts.count - 1) {
                tail.removeAll(keepingCapacity: true)
                for t in starts[b]..<starts[b + 1] {
                    let i = inBlockOrder[t]
                    if coarsePoints[Int(i)] { ordered.append(i) } else { tail.append(i) }
                }
                ordered += tail
            }
            rows = ordered
        }
        order = rows
        self.blockOf = useGraph ? blockOf : nil
        blockStart = starts
        var inverse = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var d = 0.0, outside = 0.0
            for k in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) {
                let j = Int(a.columnIndices[k])
                if j == i { d += a.values[k] } else if blockOf[j] != blockOf[i] { outside += abs(a.values[k]) }
            }
            inverse[i] = 1 / (d + outside)
        }
        self.inverse = inverse
        old = WorkVector(n)
    }

    /// Blocks of `blockRows` rows in breadth-first order of the matrix graph (from row 0, then
    /// from the lowest unvisited row of each further component; neighbours in column order):
    /// deterministic, and neighbouring rows share a block except along the BFS fronts.
    static func breadthFirstBlocks(_ a: CSRMatrix, blockRows: Int) -> (order: [Int32], blockOf: [Int32], start: [Int]) {
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
        var blockOf = [Int32](repeating: 0, count: n)
        for (t, i) in order.enumerated() { blockOf[Int(i)] = Int32(t / blockRows) }
        return (order, blockOf, stride(from: 0, to: n, by: blockRows).map { $0 } + [n])
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

    func smooth(_ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>, sweeps: Int, reverse: Bool) {
        let n = a.rows, blocks = blockStart.count - 1
        let op = old.pointer
        let starts = blockStart
        a.rowPointers.withUnsafeBufferPointer { rpb in a.columnIndices.withUnsafeBufferPointer { cib in
        a.values.withUnsafeBufferPointer { vb in inverse.withUnsafeBufferPointer { ib in (order ?? []).withUnsafeBufferPointer { ob in
        (blockOf ?? []).withUnsafeBufferPointer { bb in
            let rp = rpb.baseAddress!, ci = cib.baseAddress!, v = vb.baseAddress!, inv = ib.baseAddress!
            let ord = order == nil ? nil : ob.baseAddress
            let blockOf = blockOf == nil ? nil : bb.baseAddress
            for _ in 0..<sweeps {
                Parallel.chunks(n) { range, _ in for i in range { op[i] = x[i] } }
                Parallel.chunks(blocks, minimumChunk: max(1, Parallel.minimumChunk / blockRows)) { range, _ in
                    for block in range {
                        let lo = starts[block], hi = starts[block + 1]
                        @inline(__always) func update(_ i: Int) {
                            // xᵢ ← xᵢ + (bᵢ − (A x)ᵢ)/(a_ii + ℓ1ᵢ), x holding this block's new
                            // values and the sweep's starting values elsewhere.
                            var r = b[i]
                            if let blockOf {
                                let mine = Int32(block)
                                for k in Int(rp[i])..<Int(rp[i + 1]) {
                                    let j = Int(ci[k])
                                    r -= v[k] * (blockOf[j] == mine ? x[j] : op[j])
                                }
                            } else {
                                for k in Int(rp[i])..<Int(rp[i + 1]) {
                                    let j = Int(ci[k])
                                    r -= v[k] * (j >= lo && j < hi ? x[j] : op[j])
                                }
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
        }}}}}}
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
