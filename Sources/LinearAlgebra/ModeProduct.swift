import COpenBLAS

/// The mode-k product Y = X ×_k op(U) of a tensor stored in C order (last index fastest): every
/// mode-k fibre x of X becomes op(U) x. Kronecker operators (A₁ ⊗ … ⊗ A_d) vec(X) are d of
/// these, and Tucker decompositions are made of them (Kolda & Bader 2009, §2.5).
///
/// Each call is BLAS-3 without copies: with (outer, n, inner) the sizes before, at and after
/// mode k, block a of X is an n × inner row-major matrix X_a, and Y_a = op(U) X_a is one
/// `dgemm`; for the last mode (inner = 1) the whole tensor is one (outer × n) · op(U)ᵀ product.
public enum ModeProduct {
    /// (outer, n_k, inner) for `shape` and `mode`.
    public static func split(_ shape: [Int], _ mode: Int) -> (outer: Int, size: Int, inner: Int) {
        (shape[..<mode].reduce(1, *), shape[mode], shape[(mode + 1)...].reduce(1, *))
    }

    /// y = x ×_mode op(U): op(U) = U (r × n_k) or, with `transpose`, Uᵀ for U of size n_k × r.
    /// `y` holds outer · r · inner values; x and y must not alias.
    public static func apply(_ u: DenseMatrix, transpose: Bool = false, to x: UnsafeBufferPointer<Double>, shape: [Int], mode: Int,
                             into y: UnsafeMutableBufferPointer<Double>) {
        let (outer, n, inner) = split(shape, mode)
        let r = transpose ? u.columns : u.rows
        precondition((transpose ? u.rows : u.columns) == n, "mode product: a \(u.rows)×\(u.columns) matrix on mode \(mode) of size \(n)")
        precondition(x.count >= outer * n * inner && y.count >= outer * r * inner, "mode product: buffer sizes")
        guard outer > 0, inner > 0, r > 0 else { return }
        if n == 0 { for i in 0..<(outer * r * inner) { y[i] = 0 }; return }
        u.values.withUnsafeBufferPointer { up in
            // U is column-major r × n (ld r): in row-major terms its buffer is Uᵀ (n × r).
            if inner == 1 {
                // Y (outer × r, row-major) = X (outer × n) · op(U)ᵀ.
                cblas_dgemm(CblasRowMajor, CblasNoTrans, transpose ? CblasTrans : CblasNoTrans,
                            Int32(outer), Int32(r), Int32(n), 1, x.baseAddress, Int32(n),
                            up.baseAddress, Int32(max(u.rows, 1)), 0, y.baseAddress, Int32(r))
                return
            }
            for a in 0..<outer {
                // Y_a (r × inner) = op(U) (r × n) · X_a (n × inner), all row-major.
                cblas_dgemm(CblasRowMajor, transpose ? CblasNoTrans : CblasTrans, CblasNoTrans,
                            Int32(r), Int32(inner), Int32(n), 1, up.baseAddress, Int32(max(u.rows, 1)),
                            x.baseAddress! + a * n * inner, Int32(inner), 0, y.baseAddress! + a * r * inner, Int32(inner))
            }
        }
    }

    /// x ×_mode op(U) as a new array.
    public static func apply(_ u: DenseMatrix, transpose: Bool = false, to x: [Double], shape: [Int], mode: Int) -> [Double] {
        let (outer, _, inner) = split(shape, mode)
        let r = transpose ? u.columns : u.rows
        var y = [Double](repeating: 0, count: outer * r * inner)
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { apply(u, transpose: transpose, to: xp, shape: shape, mode: mode, into: $0) }
        }
        return y
    }

    /// X_(k) Y_(k)ᵀ: the n_k × n_k matrix Σ over mode-k fibres f of x_f y_fᵀ (the unfoldings'
    /// product, without forming them).
    public static func gram(_ x: [Double], _ y: [Double], shape: [Int], mode: Int) -> DenseMatrix {
        let (outer, n, inner) = split(shape, mode)
        precondition(x.count == outer * n * inner && y.count == x.count, "gram: buffer sizes")
        var m = DenseMatrix(rows: n, columns: n)
        guard n > 0, outer * inner > 0 else { return m }
        // Row-major C = Y_a X_aᵀ has C[k, j] = Σ y_k x_j at k n + j, which column-major is M[j, k].
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                m.values.withUnsafeMutableBufferPointer { mp in
                    if inner == 1 {
                        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(n), Int32(n), Int32(outer), 1,
                                    yp.baseAddress, Int32(n), xp.baseAddress, Int32(n), 0, mp.baseAddress, Int32(n))
                        return
                    }
                    for a in 0..<outer {
                        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(n), Int32(inner), 1,
                                    yp.baseAddress! + a * n * inner, Int32(inner), xp.baseAddress! + a * n * inner, Int32(inner),
                                    a == 0 ? 0 : 1, mp.baseAddress, Int32(n))
                    }
                }
            }
        }
        return m
    }
}
