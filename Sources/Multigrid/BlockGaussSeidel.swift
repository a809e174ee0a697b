import LinearAlgebra

/// Gauss–Seidel on a CSR matrix, in fixed blocks of rows that run in parallel: within a block
/// the sweep is Gauss–Seidel, across blocks Jacobi (a row reads the other blocks' values from
/// the start of the sweep). This is hypre's "hybrid Gauss–Seidel" with one difference: the
/// blocks have a fixed size (4096 rows), not one per thread, so the result does not depend on
/// the thread count. Forward before the coarse correction; backward after it when the cycle
/// must be symmetric (a CG preconditioner), which makes the pair a symmetric smoother.
final class BlockGaussSeidel: Smoother {
    static let blockRows = 4096
    let a: CSRMatrix
    private let inverse: [Double]
    private let old: WorkVector

    init(_ a: CSRMatrix) {
        self.a = a
        inverse = a.diagonal().map { 1 / $0 }
        old = WorkVector(a.rows)
    }

    func smooth(_ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>, sweeps: Int, reverse: Bool) {
        let n = a.rows, blocks = (n + Self.blockRows - 1) / Self.blockRows
        let op = old.pointer
        a.rowPointers.withUnsafeBufferPointer { rpb in a.columnIndices.withUnsafeBufferPointer { cib in
        a.values.withUnsafeBufferPointer { vb in inverse.withUnsafeBufferPointer { ib in
            let rp = rpb.baseAddress!, ci = cib.baseAddress!, v = vb.baseAddress!, inv = ib.baseAddress!
            for _ in 0..<sweeps {
                if blocks > 1 { Parallel.chunks(n) { range, _ in for i in range { op[i] = x[i] } } }
                Parallel.chunks(blocks, minimumChunk: max(1, Parallel.minimumChunk / Self.blockRows)) { range, _ in
                    for block in range {
                        let lo = block * Self.blockRows, hi = min(n, lo + Self.blockRows)
                        @inline(__always) func update(_ i: Int) {
                            var s = b[i]
                            for k in Int(rp[i])..<Int(rp[i + 1]) {
                                let j = Int(ci[k])
                                if j == i { continue }
                                s -= v[k] * (j >= lo && j < hi ? x[j] : op[j])
                            }
                            x[i] = s * inv[i]
                        }
                        if reverse { for i in stride(from: hi - 1, through: lo, by: -1) { update(i) } }
                        else { for i in lo..<hi { update(i) } }
                    }
                }
            }
        }}}}
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
