// Recycling conjugate gradients for a sequence of SPD systems: deflated CG whose deflation
// space is carried from one system to the next.
//
// Deflated CG: Y. Saad, M. Yeung, J. Erhel and F. Guyomarc'h, "A deflated version of the
// conjugate gradient algorithm", SIAM J. Sci. Comput. 21 (2000). With W (n × k) spanning
// approximate eigenvectors of the smallest eigenvalues, the start is made A-orthogonal to W
// (x₀ = W E⁻¹ Wᵀ b, E = WᵀAW) and every search direction is too, p = z + βp − W E⁻¹ (AW)ᵀ z, so
// CG runs on the rest of the spectrum and its iteration count follows the reduced condition
// number. Recycling (as in Parks, de Sturler et al. 2006 and the "RCG" of Wang, de Sturler and
// Paulino 2007): after a solve, the Rayleigh–Ritz approximations of the k smallest eigenpairs
// in span{W, first ℓ search directions} become the next system's W. When the matrix changes,
// AW is recomputed with the new matrix (k products), never reused — a stale AW would deflate
// the wrong operator.
//
// Stopping rule and restarts from the true residual exactly as `ConjugateGradient`.

import Foundation
import LinearAlgebra

public final class RecyclingCG: KrylovSolver {
    public let matrix: any LinearOperator
    public let preconditioner: any Preconditioner
    public var options: IterativeOptions
    /// k, the number of vectors kept for the next system.
    public let recycle: Int
    /// ℓ, the number of search directions collected for the Ritz extraction.
    public let collect: Int

    public init(matrix: any LinearOperator, preconditioner: (any Preconditioner)? = nil, recycle: Int = 10,
                collect: Int = 20, options: IterativeOptions = IterativeOptions()) throws {
        guard matrix.rows == matrix.columns else {
            throw LinearAlgebraError.invalidArgument("recycling CG needs a square operator, got \(matrix.rows)×\(matrix.columns)")
        }
        let m = preconditioner ?? IdentityPreconditioner(size: matrix.rows)
        guard m.rows == matrix.rows else { throw LinearAlgebraError.invalidArgument("preconditioner size \(m.rows) ≠ \(matrix.rows)") }
        self.matrix = matrix; self.preconditioner = m; self.options = options
        self.recycle = max(0, recycle); self.collect = max(1, collect)
    }

    /// Solves A x = b from the guess in `x`, deflating `space` (if its vectors have this
    /// system's size): the start is moved by W E⁻¹ Wᵀ r₀ so that its residual is
    /// W-orthogonal. Returns the result (`iterations` counts CG iterations; the k products A W
    /// are extra, `extraProducts`) and the space for the next system.
    public func solve(_ b: [Double], x: inout [Double], space: RecycleSpace?) -> KrylovSolution {
        let n = matrix.rows
        precondition(b.count == n && x.count == n, "recycling CG: b has \(b.count) entries, x has \(x.count), operator has \(n) rows")
        var log = IterationLog(options: options, rhsNorm: b.norm2, setupSeconds: preconditioner.setupSeconds)
        if let done = log.zeroRightHandSide(&x) { return KrylovSolution(result: done, space: space) }
        let threshold = log.threshold

        // The deflation space with this matrix: AW (fresh), E = WᵀAW and its Cholesky factor.
        var w = space?.vectors(ofLength: n) ?? []
        var aw = w.map { matrix.apply($0) }
        var e: DenseCholesky?
        if !w.isEmpty {
            let k = w.count
            var em = DenseMatrix(rows: k, columns: k)
            for i in 0..<k { for j in 0..<k { em[i, j] = 0.5 * (w[i].dot(aw[j]) + w[j].dot(aw[i])) } }
            e = try? DenseCholesky(em)
            if e == nil { w = []; aw = [] }  // not positive definite for this matrix: plain CG
        }
        let deflationProducts = w.count
        // E⁻¹ explicitly (k × k, once): a LAPACK call per iteration would wake OpenBLAS's thread
        // pool every time, which cost more than the iteration itself on 10⁴ unknowns.
        let kw = w.count
        var inverse = [Double](repeating: 0, count: kw * kw)
        if let e, let inv = try? e.solve(DenseMatrix.identity(kw)) {
            for i in 0..<kw { for j in 0..<kw { inverse[i * kw + j] = inv[i, j] } }
        }
        /// μ = E⁻¹ (AW)ᵀ v: the W-component to remove from v.
        func deflate(_ v: [Double]) -> [Double] {
            guard e != nil else { return [] }
            let t = aw.map { $0.dot(v) }
            return (0..<kw).map { i in (0..<kw).reduce(0.0) { $0 + inverse[i * kw + $1] * t[$1] } }
        }
        // x₀ ← x₀ + W E⁻¹ Wᵀ r₀ (r₀ = b from a zero guess).
        if let e {
            let r0 = x.contains { $0 != 0 } ? zip(b, matrix.apply(x)).map { $0 - $1 } : b
            let mu = (try? e.solve(w.map { $0.dot(r0) })) ?? []
            for (c, wc) in zip(mu, w) { for i in 0..<n { x[i] += c * wc[i] } }
        }
        func trueResidual() -> (r: [Double], norm: Double) {
            let ax = matrix.apply(x)
            let r = (0..<n).map { b[$0] - ax[$0] }
            return (r, r.norm2)
        }
        var (r, rnorm) = trueResidual()
        if let done = log.initialResidual(rnorm) {
            return KrylovSolution(result: done, space: done.reason.converged ? RecycleSpace(vectors: w) : space, extraProducts: deflationProducts)
        }

        // Work vectors reused by every iteration; products and updates by the fused, threaded
        // kernels CG uses.
        var z = [Double](repeating: 0, count: n), q = z
        func applyPreconditioner() -> Double {
            r.withUnsafeBufferPointer { rp in z.withUnsafeMutableBufferPointer { preconditioner.applyAndDotWithInput(rp, into: $0) } }
        }
        /// p ← p − W E⁻¹ (AW)ᵀ z.
        func removeDeflated(from p: inout [Double]) {
            let mu = deflate(z)
            p.withUnsafeMutableBufferPointer { pp in
                for (c, wc) in zip(mu, w) { wc.withUnsafeBufferPointer { Vec.axpy(-c, $0, pp) } }
            }
        }
        var rz = applyPreconditioner()
        guard rz > 0 else {
            return KrylovSolution(result: log.finish(rz.isNaN ? .diverged_nan : .diverged_indefinite_preconditioner, 0, rnorm), space: space,
                                  extraProducts: deflationProducts)
        }
        var p = z
        removeDeflated(from: &p)
        var directions: [[Double]] = [], products: [[Double]] = []
        var k = 0
        var lastRestart = Double.infinity, stalled = 0
        func done(_ reason: ConvergenceReason, _ norm: Double) -> KrylovSolution {
            let next = reason.converged ? ritzSpace(w: w, aw: aw, directions: directions, products: products) : RecycleSpace(vectors: w)
            return KrylovSolution(result: log.finish(reason, k, norm), space: next, extraProducts: deflationProducts)
        }
        while k < options.maxIterations {
            if let limit = options.timeLimit, Date().timeIntervalSince(log.start) > limit { return done(.diverged_time_limit, rnorm) }
            let pq = p.withUnsafeBufferPointer { pp in q.withUnsafeMutableBufferPointer { matrix.applyAndDot(pp, into: $0) } }
            guard pq.isFinite else { return done(.diverged_nan, rnorm) }
            guard pq > 0 else { return done(.diverged_indefinite_matrix, rnorm) }
            if directions.count < collect { directions.append(p); products.append(q) }
            let alpha = rz / pq
            let rr = p.withUnsafeBufferPointer { pp in q.withUnsafeBufferPointer { qp in
                x.withUnsafeMutableBufferPointer { xp in r.withUnsafeMutableBufferPointer {
                    Vec.cgUpdate(alpha: alpha, p: pp, q: qp, x: xp, r: $0)
                } } } }
            k += 1
            rnorm = rr.squareRoot()
            guard rnorm.isFinite else { log.record(k, rnorm); return done(.diverged_nan, rnorm) }
            if rnorm <= threshold {
                let t = trueResidual()
                log.record(k, t.norm)
                if t.norm <= threshold { return done(log.convergedReason(t.norm), t.norm) }
                r = t.r; rnorm = t.norm
                stalled = t.norm > 0.5 * lastRestart ? stalled + 1 : 0
                lastRestart = min(lastRestart, t.norm)
                if stalled >= 2 { return done(.diverged_stagnation, t.norm) }
                rz = applyPreconditioner()
                p = z
                removeDeflated(from: &p)
                continue
            }
            log.record(k, rnorm)
            let rzNew = applyPreconditioner()
            guard rzNew > 0 else { return done(rzNew.isNaN ? .diverged_nan : .diverged_indefinite_preconditioner, rnorm) }
            let beta = rzNew / rz
            rz = rzNew
            z.withUnsafeBufferPointer { zp in p.withUnsafeMutableBufferPointer { Vec.xpby(zp, beta, $0) } }
            removeDeflated(from: &p)
        }
        return done(.diverged_max_iterations, trueResidual().norm)
    }

    /// Rayleigh–Ritz on span{W, collected directions}: Z = [W P], G = ZᵀZ, H = ZᵀAZ (AZ is
    /// known: [AW, AP]). G = V S Vᵀ gives an orthonormal basis B = Z V S^{-1/2} (directions that
    /// are numerically dependent, s < 1e-10·max s, are dropped); the eigenvectors Y of
    /// BᵀAB = S^{-1/2} Vᵀ H V S^{-1/2} for the k smallest eigenvalues give the new W = B Y.
    func ritzSpace(w: [[Double]], aw: [[Double]], directions: [[Double]], products: [[Double]]) -> RecycleSpace? {
        guard recycle > 0 else { return nil }
        let z = w + directions, az = aw + products
        let m = z.count
        guard m > 0 else { return nil }
        var g = DenseMatrix(rows: m, columns: m), h = DenseMatrix(rows: m, columns: m)
        for i in 0..<m {
            for j in i..<m {
                let gij = z[i].dot(z[j]), hij = 0.5 * (z[i].dot(az[j]) + z[j].dot(az[i]))
                g[i, j] = gij; g[j, i] = gij; h[i, j] = hij; h[j, i] = hij
            }
        }
        guard let gs = try? SymmetricEigendecomposition(g) else { return nil }
        let top = gs.eigenvalues.last ?? 0
        let kept = (0..<m).filter { gs.eigenvalues[$0] > 1e-10 * top }
        guard !kept.isEmpty else { return nil }
        // T = S^{-1/2} Vᵀ H V S^{-1/2} on the kept directions.
        let r = kept.count
        var basisCoefficients = DenseMatrix(rows: m, columns: r)  // V S^{-1/2}
        for (c, col) in kept.enumerated() {
            let scale = 1 / gs.eigenvalues[col].squareRoot()
            for i in 0..<m { basisCoefficients[i, c] = gs.eigenvectors[i, col] * scale }
        }
        guard let hv = try? h.multiplied(by: basisCoefficients),
              let t = try? basisCoefficients.multiplied(by: hv, transposeSelf: true) else { return nil }
        var tsym = t
        for i in 0..<r { for j in 0..<r { tsym[i, j] = 0.5 * (t[i, j] + t[j, i]) } }
        guard let ts = try? SymmetricEigendecomposition(tsym) else { return nil }
        let k = min(recycle, r)
        guard let coefficients = try? basisCoefficients.multiplied(by: ts.eigenvectors) else { return nil }
        let n = z[0].count
        var vectors: [[Double]] = []
        for c in 0..<k {
            var v = [Double](repeating: 0, count: n)
            for i in 0..<m {
                let a = coefficients[i, c]
                if a != 0 { for j in 0..<n { v[j] += a * z[i][j] } }
            }
            let norm = v.norm2
            if norm > 0 && norm.isFinite { vectors.append(v.map { $0 / norm }) }
        }
        return RecycleSpace(vectors: vectors)
    }
}

extension Array where Element == Double {
    func dot(_ other: [Double]) -> Double {
        withUnsafeBufferPointer { a in other.withUnsafeBufferPointer { Vec.dot(a, $0) } }
    }
}
