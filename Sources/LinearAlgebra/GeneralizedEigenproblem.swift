import COpenBLAS

/// A z = θ B z for real square A, B by the QZ algorithm (LAPACK `dggev`): eigenvalues
/// θ = (αr + i αi) / β and right eigenvectors. Complex eigenvalues come in conjugate pairs in
/// consecutive positions j, j+1 (αi[j] > 0); their eigenvector is vectors[:, j] ± i vectors[:, j+1].
/// β = 0 marks an infinite eigenvalue (singular B).
public struct GeneralizedEigenproblem: Sendable {
    public let alphaReal: [Double]
    public let alphaImaginary: [Double]
    public let beta: [Double]
    /// Right eigenvectors in LAPACK's real storage (see above).
    public let vectors: DenseMatrix

    public init(_ a: DenseMatrix, _ b: DenseMatrix) throws {
        guard a.rows == a.columns, b.rows == a.rows, b.columns == a.columns else {
            throw LinearAlgebraError.invalidArgument("generalized eigenproblem of \(a.rows)×\(a.columns) and \(b.rows)×\(b.columns) matrices")
        }
        try a.checkLAPACKSize("dggev")
        let n = a.rows
        var aa = a.values, bb = b.values
        var ar = [Double](repeating: 0, count: n), ai = ar, be = ar
        var vl = [Double](repeating: 0, count: 1), vr = [Double](repeating: 0, count: n * n)
        if n > 0 {
            let info = LAPACKE_dggev(LAPACK_COL_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "V")), Int32(n),
                                     &aa, Int32(n), &bb, Int32(n), &ar, &ai, &be, &vl, 1, &vr, Int32(n))
            if info > 0 { throw LinearAlgebraError.library("dggev: the QZ iteration failed (info \(info))") }
            if info < 0 { throw LinearAlgebraError.library("dggev: argument \(-info) invalid") }
        }
        alphaReal = ar; alphaImaginary = ai; beta = be
        vectors = DenseMatrix(rows: n, columns: n, values: vr)
    }

    /// |θ_j|, infinite where β_j = 0.
    public func modulus(_ j: Int) -> Double {
        let top = (alphaReal[j] * alphaReal[j] + alphaImaginary[j] * alphaImaginary[j]).squareRoot()
        return beta[j] == 0 ? (top == 0 ? .nan : .infinity) : top / abs(beta[j])
    }

    /// A real basis of the eigenvectors of the `count` eigenvalues of smallest modulus. A complex
    /// pair enters whole (its real and imaginary parts span the same real invariant subspace), so
    /// count + 1 columns come back when the count-th eigenvalue is half of a pair. NaN eigenvalues
    /// (0/0, a singular pencil) are never chosen.
    public func smallestModulusBasis(count: Int) -> DenseMatrix {
        let n = alphaReal.count
        let order = (0..<n).filter { !modulus($0).isNaN }.sorted { modulus($0) < modulus($1) }
        var chosen: [Int] = []
        var taken = Set<Int>()
        for j in order where chosen.count < count && !taken.contains(j) {
            if alphaImaginary[j] == 0 {
                chosen.append(j); taken.insert(j)
            } else {
                let first = alphaImaginary[j] > 0 ? j : j - 1  // the pair's real-part column
                guard first >= 0, first + 1 < n else { continue }
                chosen += [first, first + 1]; taken.formUnion([first, first + 1])
            }
        }
        var basis = DenseMatrix(rows: n, columns: chosen.count)
        for (c, j) in chosen.enumerated() { for i in 0..<n { basis[i, c] = vectors[i, j] } }
        return basis
    }
}
