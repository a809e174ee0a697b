import LinearAlgebra

/// Gauss–Seidel on a CSR matrix, in fixed blocks of rows that run in parallel: within a block
/// the sweep is Gauss–Seidel, across blocks Jacobi (a row reads the other blocks' values from
/// the start of the sweep). The blocks have a fixed size (4096 rows), not one per thread, so
/// the result does not depend on the thread count.
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
    /// The rows in sweep order, a permutation within each block (nil: natural order).
    private let order: [Int32]?

    init(_ a: CSRMatrix, blockRows: Int = BlockGaussSeidel.defaultBlockRows, coarsePoints: [Bool]? = nil) {
        self.a = a
        self.blockRows = blockRows
        if let coarsePoints {
            precondition(coarsePoints.count == a.rows)
            var order = [Int32](), tail = [Int32]()
            order.reserveCapacity(a.rows)
            for lo in stride(from: 0, to: a.rows, by: blockRows) {
                tail.removeAll(keepingCapacity: true)
                for i in lo..<min(a.rows, lo + blockRows) {
                    if coarsePoints[i] { order.append(Int32(i)) } else { tail.append(Int32(i)) }
                }
                order += tail
            }
            self.order = order
        } else {
            order = nil
        }
        var inverse = [Double](repeating: 0, count: a.rows)
        for i in 0..<a.rows {
            let block = i / blockRows
            var d = 0.0, outside = 0.0
            for k in Int(a.rowPointers[i])..<Int(a.rowPointers[i + 1]) {
                let j = Int(a.columnIndices[k])
                if j == i { d += a.values[k] } else if j / blockRows != block { outside += abs(a.values[k]) }
            }
            inverse[i] = 1 / (d + outside)
        }
        self.inverse = inverse
        old = WorkVector(a.rows)
    }

    func smooth(_ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>, sweeps: Int, reverse: Bool) {
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
