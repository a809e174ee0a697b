import COpenBLAS

/// A X + X B = C for dense A (m × m), B (n × n): the Bartels–Stewart algorithm (Comm. ACM 15,
/// 1972) — real Schur forms A = U S Uᵀ, B = V T Vᵀ (`dgees`), the quasi-triangular equation
/// S Y + Y T = Uᵀ C V (`dtrsyl`), X = U Y Vᵀ. O(m³ + n³); solvable when no eigenvalue of A is
/// the negative of one of B. What a collocation method on a tensor grid needs: (D₁ ⊗ I + I ⊗ D₂)
/// vec X = vec C is D₁ X + X D₂ᵀ = C.
public enum SylvesterEquation {
    public static func solve(_ a: DenseMatrix, _ b: DenseMatrix, _ c: DenseMatrix) throws -> DenseMatrix {
        try SylvesterSolver(a, b).solve(c)
    }
}

/// A X + X B = C for one pair (A, B) and many C: the Schur forms are computed once, each solve
/// then costs four matrix products and one `dtrsyl` (what Newton's method on a collocation
/// operator needs, one preconditioner solve per Krylov step).
public struct SylvesterSolver: Sendable {
    let s: DenseMatrix, u: DenseMatrix, t: DenseMatrix, v: DenseMatrix

    public init(_ a: DenseMatrix, _ b: DenseMatrix) throws {
        guard a.rows == a.columns, b.rows == b.columns else {
            throw LinearAlgebraError.invalidArgument("Sylvester: A \(a.rows)×\(a.columns), B \(b.rows)×\(b.columns)")
        }
        (s, u) = try SylvesterEquation.schur(a)
        (t, v) = try SylvesterEquation.schur(b)
    }

    public func solve(_ c: DenseMatrix) throws -> DenseMatrix {
        guard c.rows == s.rows, c.columns == t.rows else {
            throw LinearAlgebraError.invalidArgument("Sylvester: A \(s.rows)×\(s.rows), B \(t.rows)×\(t.rows), C \(c.rows)×\(c.columns)")
        }
        var y = try u.multiplied(by: try c.multiplied(by: v), transposeSelf: true)
        var scale = 1.0
        let m = s.rows, n = t.rows
        if m > 0 && n > 0 {
            let info = LAPACKE_dtrsyl(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "N")), 1, Int32(m), Int32(n),
                                      s.values, Int32(m), t.values, Int32(n), &y.values, Int32(m), &scale)
            if info < 0 { throw LinearAlgebraError.library("dtrsyl: argument \(-info) invalid") }
            if info == 1 { throw LinearAlgebraError.singular("A and −B have (nearly) common eigenvalues: the Sylvester equation is singular") }
        }
        var x = try u.multiplied(by: try y.multiplied(by: v, transposeOther: true))
        if scale != 1 { for i in x.values.indices { x.values[i] /= scale } }
        return x
    }
}

extension SylvesterEquation {
    /// The real Schur form A = Z S Zᵀ (S quasi upper triangular, Z orthogonal).
    static func schur(_ a: DenseMatrix) throws -> (s: DenseMatrix, z: DenseMatrix) {
        try a.checkLAPACKSize("dgees")
        let n = a.rows
        var s = a.values, z = [Double](repeating: 0, count: n * n)
        var wr = [Double](repeating: 0, count: n), wi = [Double](repeating: 0, count: n)
        var sdim: Int32 = 0
        if n > 0 {
            let info = LAPACKE_dgees(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "N")), nil, Int32(n), &s, Int32(n), &sdim,
                                     &wr, &wi, &z, Int32(n))
            if info != 0 { throw LinearAlgebraError.library("dgees: info \(info)") }
        }
        return (DenseMatrix(rows: n, columns: n, values: s), DenseMatrix(rows: n, columns: n, values: z))
    }
}
