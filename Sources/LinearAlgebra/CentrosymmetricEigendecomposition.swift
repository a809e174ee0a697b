import Foundation

/// The eigendecomposition of a symmetric centrosymmetric matrix (J A J = A, J the exchange
/// matrix) from two half-size eigenproblems. Every stationary kernel sampled on a uniform grid
/// is symmetric Toeplitz, hence centrosymmetric, so Gaussian-process factor matrices take this
/// path: two problems of size n/2 cost a quarter of the flops of one of size n, and run in
/// parallel (Cantoni & Butler, "Eigenvalues and eigenvectors of symmetric centrosymmetric
/// matrices", Linear Algebra Appl. 13, 1976).
///
/// With n = 2m (+1), A = [[A₁₁, A₁₂], [A₂₁, A₂₂]] in m-blocks (and a middle row/column c, a_mid
/// when n is odd), the orthogonal P = (1/√2)[[I, I], [J, −J]] (with √2 e_mid between) gives
/// Pᵀ A P = diag(E, O), E = A₁₁ + A₁₂ J (bordered by √2 c and a_mid when n is odd) and
/// O = A₁₁ − A₁₂ J: eigenvectors of E give the symmetric eigenvectors (v; Jv)/√2, those of O
/// the skew-symmetric ones (v; −Jv)/√2.
extension SymmetricEigendecomposition {
    /// True when a[i, j] = a[n−1−i, n−1−j] for all i, j (exactly: a Toeplitz matrix built from
    /// its lags is).
    public static func isCentrosymmetric(_ a: DenseMatrix) -> Bool {
        guard a.rows == a.columns else { return false }
        let n = a.rows
        return a.values.withUnsafeBufferPointer { v in
            for j in 0..<n { for i in 0..<n where v[i + j * n] != v[(n - 1 - i) + (n - 1 - j) * n] { return false } }
            return true
        }
    }

    /// The decomposition of a symmetric centrosymmetric `a` through its two halves (eigenvalues
    /// ascending, as `init` gives them). `parallel`: solve the halves on two threads.
    public static func centrosymmetric(_ a: DenseMatrix, parallel: Bool = false) throws -> SymmetricEigendecomposition {
        let n = a.rows, m = n / 2, odd = n % 2 == 1
        guard n >= 2 else { return try SymmetricEigendecomposition(a) }
        let ne = m + (odd ? 1 : 0)
        var even = DenseMatrix(rows: ne, columns: ne), skew = DenseMatrix(rows: m, columns: m)
        let r2 = 2.0.squareRoot()
        for j in 0..<m {
            for i in 0..<m {
                // (A₁₂ J)[i, j] = A[i, n−1−j].
                let a11 = a[i, j], a12j = a[i, n - 1 - j]
                even[i, j] = a11 + a12j
                skew[i, j] = a11 - a12j
            }
        }
        if odd {
            for i in 0..<m { even[i, m] = r2 * a[i, m]; even[m, i] = r2 * a[m, i] }
            even[m, m] = a[m, m]
        }
        let halves: [SymmetricEigendecomposition]
        if parallel && Parallel.threadCount > 1 {
            let results = UnsafeSendableSlots<Result<SymmetricEigendecomposition, Error>>(count: 2)
            let inputs = [even, skew]
            Parallel.withSerialBLAS(true) {
                DispatchQueue.concurrentPerform(iterations: 2) { k in results.set(k, Result { try SymmetricEigendecomposition(inputs[k]) }) }
            }
            halves = try results.values.map { try $0!.get() }
        } else {
            halves = [try SymmetricEigendecomposition(even), try SymmetricEigendecomposition(skew)]
        }
        // Assemble the columns and sort by eigenvalue (merging two ascending lists).
        let s = 1 / r2
        var values = [Double](), vectors = DenseMatrix(rows: n, columns: n)
        values.reserveCapacity(n)
        var ie = 0, io = 0
        let (ee, eo) = (halves[0].eigenvalues, halves[1].eigenvalues)
        let (ve, vo) = (halves[0].eigenvectors, halves[1].eigenvectors)
        vectors.values.withUnsafeMutableBufferPointer { out in
            for col in 0..<n {
                let takeEven = io >= eo.count || (ie < ee.count && ee[ie] <= eo[io])
                let base = col * n
                if takeEven {
                    for i in 0..<m { let x = ve[i, ie] * s; out[base + i] = x; out[base + n - 1 - i] = x }
                    if odd { out[base + m] = ve[m, ie] }
                    values.append(ee[ie]); ie += 1
                } else {
                    for i in 0..<m { let x = vo[i, io] * s; out[base + i] = x; out[base + n - 1 - i] = -x }
                    values.append(eo[io]); io += 1
                }
            }
        }
        return SymmetricEigendecomposition(eigenvalues: values, eigenvectors: vectors)
    }
}

/// Slots written once each from concurrent iterations (results of `concurrentPerform`).
public final class UnsafeSendableSlots<T>: @unchecked Sendable {
    public private(set) var values: [T?]
    private let lock = NSLock()
    public init(count: Int) { values = Array(repeating: nil, count: count) }
    public func set(_ k: Int, _ v: T) { lock.lock(); values[k] = v; lock.unlock() }
}
