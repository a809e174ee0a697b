import Foundation
import LinearAlgebra

/// Incomplete Cholesky with zero fill, IC(0): A ≈ L Lᵀ with L on the pattern of tril(A).
///
/// Reference: Meijerink and van der Vorst, "An iterative solution method for linear systems of
/// which the coefficient matrix is a symmetric M-matrix", Math. Comp. 31 (1977). For an
/// M-matrix (every pdekit diffusion operator) IC(0) exists. For other SPD matrices a pivot can
/// be non-positive; then the factorisation is restarted on A + α·diag(A) with α = 1e-3,
/// doubling until it succeeds (Manteuffel's shifted incomplete Cholesky, Math. Comp. 34,
/// 1980). The shift used is reported in `shift` and in `--view`; at most 30 doublings (α ≈ 1e6)
/// are tried before giving up with an error.
///
/// Natural ordering, as PETSc's ICC(0), so iteration counts compare one to one.
public struct IncompleteCholeskyPreconditioner: Preconditioner {
    public let rows: Int
    public var columns: Int { rows }
    public var name: String { "ic0" }
    public let setupSeconds: Double
    /// The diagonal shift α that made the factorisation exist (0 when none was needed).
    public let shift: Double
    /// L is stored as D(I + Ñ) with D = diag(L): the strictly lower Ñ = D⁻¹(L − D) row-wise for
    /// the forward sweep and Ñᵀ row-wise for the backward one. Scaling the rows this way takes
    /// the division (a multiply by 1/dᵢ) off the loop-carried dependency of the sweeps, whose
    /// latency, not bandwidth, bounds them: each unknown waits for its predecessor.
    private let lower: CSRMatrix
    private let upper: CSRMatrix
    private let inverseDiagonal: [Double]

    public init(_ a: CSRMatrix) throws {
        guard a.rows == a.columns else { throw LinearAlgebraError.invalidArgument("IC(0) needs a square matrix") }
        let t0 = Date()
        let tril = a.triangle(lower: true)
        var alpha = 0.0
        var attempt: (values: [Double], diagonal: [Double])?
        for tries in 0...30 {
            attempt = Self.factor(tril, shift: alpha)
            if attempt != nil { break }
            alpha = tries == 0 ? 1e-3 : alpha * 2
        }
        guard let (values, diagonal) = attempt else {
            throw LinearAlgebraError.invalidArgument("IC(0) failed even with diagonal shift \(alpha): matrix is far from SPD")
        }
        // Split L into strictly-lower CSR (without diagonal) and its transpose.
        var rp = [Int32](repeating: 0, count: a.rows + 1), ci = [Int32](), va = [Double]()
        ci.reserveCapacity(tril.nonzeros); va.reserveCapacity(tril.nonzeros)
        for i in 0..<a.rows {
            for k in Int(tril.rowPointers[i])..<Int(tril.rowPointers[i + 1]) where Int(tril.columnIndices[k]) < i {
                ci.append(tril.columnIndices[k]); va.append(values[k] / diagonal[i])
            }
            rp[i + 1] = Int32(ci.count)
        }
        lower = try CSRMatrix(rows: a.rows, columns: a.rows, rowPointers: rp, columnIndices: ci, values: va)
        upper = lower.transposed()
        inverseDiagonal = diagonal.map { 1 / $0 }
        rows = a.rows; shift = alpha
        setupSeconds = Date().timeIntervalSince(t0)
    }

    /// Row-oriented IC(0) on tril(A) + α·diag: returns L's values on the same pattern and its
    /// diagonal, or nil at the first non-positive pivot.
    ///   lᵢⱼ = (aᵢⱼ − Σ_{m<j} lᵢₘ lⱼₘ) / lⱼⱼ  for j < i in the pattern,
    ///   lᵢᵢ = sqrt(aᵢᵢ(1+α) − Σ_{m<i} lᵢₘ²).
    private static func factor(_ t: CSRMatrix, shift alpha: Double) -> ([Double], [Double])? {
        var l = t.values
        var diag = [Double](repeating: 0, count: t.rows)
        let rp = t.rowPointers, ci = t.columnIndices
        for i in 0..<t.rows {
            let start = Int(rp[i]), end = Int(rp[i + 1])
            var k = start
            while k < end && Int(ci[k]) < i {
                let j = Int(ci[k])
                // Sparse dot of rows i and j over columns m < j (both rows sorted).
                var s = 0.0
                var a = start, b = Int(rp[j])
                let bEnd = Int(rp[j + 1])
                while a < k && b < bEnd {
                    let ca = ci[a], cb = ci[b]
                    if Int(cb) >= j { break }
                    if ca == cb { s += l[a] * l[b]; a += 1; b += 1 } else if ca < cb { a += 1 } else { b += 1 }
                }
                l[k] = (l[k] - s) / diag[j]
                k += 1
            }
            guard k < end, Int(ci[k]) == i else { return nil }  // missing diagonal: not factorable
            var s = 0.0
            for m in start..<k { s += l[m] * l[m] }
            let pivot = l[k] * (1 + alpha) - s
            guard pivot > 0, pivot.isFinite else { return nil }
            diag[i] = pivot.squareRoot()
            l[k] = diag[i]
        }
        return (l, diag)
    }

    /// z = (L Lᵀ)⁻¹ r with L = D(I + Ñ), so L Lᵀ = D(I + Ñ)(I + Ñᵀ)D:
    /// (I + Ñ) y = D⁻¹ r,  (I + Ñᵀ) w = y,  z = D⁻¹ w.
    public func apply(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) {
        sweeps(r, into: z)
        inverseDiagonal.withUnsafeBufferPointer { idb in
            let zp = z.baseAddress!, id = idb.baseAddress!
            Parallel.chunks(rows) { range, _ in for i in range { zp[i] *= id[i] } }
        }
    }

    /// z = M⁻¹ r and rᵀz, the final D⁻¹ scaling fused with the product (one pass fewer).
    public func applyAndDotWithInput(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) -> Double {
        sweeps(r, into: z)
        return inverseDiagonal.withUnsafeBufferPointer { idb in
            let zp = z.baseAddress!, id = idb.baseAddress!, rp = r.baseAddress!
            return Parallel.sum(rows) { range in
                var s = 0.0
                for i in range { let zi = zp[i] * id[i]; zp[i] = zi; s += rp[i] * zi }
                return s
            }
        }
    }

    /// The two triangular sweeps, leaving w = (I + Ñᵀ)⁻¹(I + Ñ)⁻¹ D⁻¹ r in z (z = D⁻¹ w).
    private func sweeps(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) {
        let n = rows
        lower.rowPointers.withUnsafeBufferPointer { lrp in lower.columnIndices.withUnsafeBufferPointer { lci in
        lower.values.withUnsafeBufferPointer { lva in upper.rowPointers.withUnsafeBufferPointer { urp in
        upper.columnIndices.withUnsafeBufferPointer { uci in upper.values.withUnsafeBufferPointer { uva in
        inverseDiagonal.withUnsafeBufferPointer { idb in
            let zp = z.baseAddress!, rr = r.baseAddress!, id = idb.baseAddress!
            let lp = lrp.baseAddress!, lc = lci.baseAddress!, lv = lva.baseAddress!
            let up = urp.baseAddress!, uc = uci.baseAddress!, uv = uva.baseAddress!
            // Columns are sorted, so the nearest (latest-computed) neighbour comes last in
            // the forward sweep and is taken last in the backward one: only its product sits
            // on the dependency chain.
            var k = 0
            for i in 0..<n {
                var s = rr[i] * id[i]
                let end = Int(lp[i + 1])
                while k < end { s -= lv[k] * zp[Int(lc[k])]; k += 1 }
                zp[i] = s
            }
            k = Int(up[n]) - 1
            for i in stride(from: n - 1, through: 0, by: -1) {
                var s = zp[i]
                let start = Int(up[i])
                while k >= start { s -= uv[k] * zp[Int(uc[k])]; k -= 1 }
                zp[i] = s
            }
        }}}}}}}
    }
}
