import Foundation
import LinearAlgebra

/// Preconditioned conjugate gradients on a block of right-hand sides at once, each column its
/// own CG, the products with A taken for all still-active columns together (modified batched CG,
/// mBCG: Gardner et al., "GPyTorch: blackbox matrix-matrix Gaussian process inference with GPU
/// acceleration", NeurIPS 2018, Alg. 2). Beside the solutions it returns, per column, the
/// Lanczos tridiagonal that CG's coefficients define (Saad 2003, §6.7.3):
///
///     T_kk = 1/α_k + β_{k−1}/α_{k−1},   T_k,k+1 = √β_k / α_k,
///
/// the matrix of P^{-1/2} A P^{-1/2} in the Krylov basis started at P^{-1/2} b, which stochastic
/// Lanczos quadrature turns into log-determinant estimates (`StochasticLogDeterminant`).
public enum BatchedConjugateGradient {
    /// y = A x for `columns` vectors of length n stored one after another.
    public typealias BlockOperator = (_ x: UnsafeBufferPointer<Double>, _ y: UnsafeMutableBufferPointer<Double>, _ columns: Int) -> Void

    public struct Column: Sendable {
        public var iterations = 0
        /// ‖b − A x‖ / ‖b‖ at the end (1 for b = 0: x = 0 solves it and no step is taken).
        public var relativeResidual = 1.0
        public var converged = false
        /// bᵀ P⁻¹ b: the squared norm of Lanczos' starting vector.
        public var startNormSquared = 0.0
        /// The tridiagonal's diagonal and off-diagonal (one shorter).
        public var diagonal: [Double] = []
        public var offDiagonal: [Double] = []
    }

    public struct Result: Sendable {
        /// The solutions, column after column (n × columns).
        public var solutions: [Double]
        public var columns: [Column]
        /// Block products taken (each on the columns still active).
        public var products: Int
    }

    /// Solves A X = B (B: n × `columns`, column after column) to ‖b − Ax‖ ≤ rtol ‖b‖ per column,
    /// at most `maxIterations` steps. `preconditioner` applies P⁻¹ to a block (nil: P = I).
    public static func solve(_ b: [Double], n: Int, columns: Int, rtol: Double, maxIterations: Int,
                             operator apply: BlockOperator, preconditioner: BlockOperator? = nil) -> Result {
        precondition(b.count == n * columns, "a block of \(columns) columns of length \(n)")
        var x = [Double](repeating: 0, count: n * columns)
        var r = b
        var z = preconditioned(r, n: n, columns: columns, preconditioner)
        var p = z
        var info = [Column](repeating: Column(), count: columns)
        var gamma = [Double](repeating: 0, count: columns), target = [Double](repeating: 0, count: columns)
        var alphaPrevious = [Double](repeating: 0, count: columns), betaPrevious = [Double](repeating: 0, count: columns)
        var active: [Int] = []
        for j in 0..<columns {
            let bj = Array(b[(j * n)..<((j + 1) * n)])
            let bNorm = dot(bj, bj).squareRoot()
            gamma[j] = dot(bj, Array(z[(j * n)..<((j + 1) * n)]))
            info[j].startNormSquared = gamma[j]
            target[j] = rtol * bNorm
            if bNorm == 0 { info[j].converged = true; info[j].relativeResidual = 0 } else { active.append(j) }
        }
        var products = 0
        var packedP = [Double](), packedQ = [Double]()
        while !active.isEmpty {
            // q = A p on the active columns, packed contiguously.
            let m = active.count
            packedP.removeAll(keepingCapacity: true)
            for j in active { packedP.append(contentsOf: p[(j * n)..<((j + 1) * n)]) }
            packedQ = [Double](repeating: 0, count: m * n)
            packedP.withUnsafeBufferPointer { pp in packedQ.withUnsafeMutableBufferPointer { apply(pp, $0, m) } }
            products += 1
            var next: [Int] = []
            var stillActive: [Int] = []
            for (slot, j) in active.enumerated() {
                let base = j * n, qBase = slot * n
                var pq = 0.0
                for i in 0..<n { pq += p[base + i] * packedQ[qBase + i] }
                // pᵀAp ≤ 0 means A is not SPD along p (or rounding at convergence): stop here.
                guard pq > 0, pq.isFinite else { continue }
                let alpha = gamma[j] / pq
                var rr = 0.0
                for i in 0..<n {
                    x[base + i] += alpha * p[base + i]
                    r[base + i] -= alpha * packedQ[qBase + i]
                    rr += r[base + i] * r[base + i]
                }
                let k = info[j].iterations
                info[j].diagonal.append(1 / alpha + (k > 0 ? betaPrevious[j] / alphaPrevious[j] : 0))
                alphaPrevious[j] = alpha
                info[j].iterations = k + 1
                info[j].relativeResidual = rr.squareRoot() / (target[j] / rtol)
                if rr.squareRoot() <= target[j] { info[j].converged = true; continue }
                if k + 1 >= maxIterations { continue }
                next.append(j)
                stillActive.append(slot)
            }
            // z = P⁻¹ r for the columns that go on, then β and the new directions.
            if !next.isEmpty, let preconditioner {
                var packedR = [Double]()
                packedR.reserveCapacity(next.count * n)
                for j in next { packedR.append(contentsOf: r[(j * n)..<((j + 1) * n)]) }
                let packedZ = preconditioned(packedR, n: n, columns: next.count, preconditioner)
                for (slot, j) in next.enumerated() {
                    for i in 0..<n { z[j * n + i] = packedZ[slot * n + i] }
                }
            } else {
                for j in next { for i in 0..<n { z[j * n + i] = r[j * n + i] } }
            }
            for j in next {
                let base = j * n
                var rz = 0.0
                for i in 0..<n { rz += r[base + i] * z[base + i] }
                let beta = rz / gamma[j]
                gamma[j] = rz
                betaPrevious[j] = beta
                info[j].offDiagonal.append(beta.squareRoot() / alphaPrevious[j])
                for i in 0..<n { p[base + i] = z[base + i] + beta * p[base + i] }
            }
            active = next
        }
        return Result(solutions: x, columns: info, products: products)
    }

    static func preconditioned(_ r: [Double], n: Int, columns: Int, _ preconditioner: BlockOperator?) -> [Double] {
        guard let preconditioner else { return r }
        var z = [Double](repeating: 0, count: r.count)
        r.withUnsafeBufferPointer { rp in z.withUnsafeMutableBufferPointer { preconditioner(rp, $0, columns) } }
        return z
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
}

/// log det A for SPD A from the tridiagonals of batched CG on probe vectors (stochastic Lanczos
/// quadrature: Ubaru, Chen & Saad, "Fast estimation of tr(f(A)) via stochastic Lanczos
/// quadrature", SIMAX 2017; with a preconditioner as in GPyTorch, Gardner et al. 2018, §4):
///
///     log det A = log det P + tr log(P^{-1/2} A P^{-1/2}),
///     tr log(P^{-1/2} A P^{-1/2}) ≈ (1/t) Σ_i (z_iᵀ P⁻¹ z_i) e₁ᵀ log(T_i) e₁,   z_i ~ N(0, P),
///
/// where e₁ᵀ log(T) e₁ = Σ_k (first entry of T's k-th eigenvector)² log λ_k. The estimate is
/// unbiased up to the quadrature error of the Lanczos rule; its standard error is the sample
/// standard deviation of the per-probe terms over √t.
public enum StochasticLogDeterminant {
    /// e₁ᵀ log(T) e₁ for a symmetric tridiagonal T with positive eigenvalues.
    public static func quadrature(diagonal: [Double], offDiagonal: [Double]) throws -> Double {
        guard !diagonal.isEmpty else { return 0 }
        let e = try SymmetricEigendecomposition.tridiagonal(diagonal: diagonal, offDiagonal: offDiagonal)
        var s = 0.0
        for k in e.eigenvalues.indices {
            let v = e.eigenvectors[0, k]
            // A Ritz value of an SPD matrix is positive; rounding can leave a tiny one ≤ 0.
            s += v * v * log(max(e.eigenvalues[k], Double.leastNormalMagnitude))
        }
        return s
    }

    /// (estimate of tr log(P⁻¹A), its standard error) from the probe columns of a batched solve.
    public static func estimate(_ columns: [BatchedConjugateGradient.Column]) throws -> (value: Double, standardError: Double) {
        let terms = try columns.map { c in c.startNormSquared * (try quadrature(diagonal: c.diagonal, offDiagonal: c.offDiagonal)) }
        let t = Double(terms.count)
        guard t > 0 else { return (0, .infinity) }
        let mean = terms.reduce(0, +) / t
        guard terms.count > 1 else { return (mean, .infinity) }
        let variance = terms.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (t - 1)
        return (mean, (variance / t).squareRoot())
    }
}
