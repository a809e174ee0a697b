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

    /// The blocks a solve works in: Z = [W P] and AZ = [AW AP]. A sequence of systems of one
    /// size hands them from one solver to the next (`workspace:`) instead of allocating them.
    public final class Workspace {
        let z: VectorBlock, az: VectorBlock
        init(n: Int, columns: Int) { z = VectorBlock(length: n, capacity: columns); az = VectorBlock(length: n, capacity: columns) }
        func fits(n: Int, columns: Int) -> Bool { z.length == n && z.capacity >= columns }
    }
    /// The blocks of the last solve (given to the initialiser, or made by `solve`).
    public private(set) var workspace: Workspace?

    public init(matrix: any LinearOperator, preconditioner: (any Preconditioner)? = nil, recycle: Int = 10,
                collect: Int = 20, options: IterativeOptions = IterativeOptions(), workspace: Workspace? = nil) throws {
        guard matrix.rows == matrix.columns else {
            throw LinearAlgebraError.invalidArgument("recycling CG needs a square operator, got \(matrix.rows)×\(matrix.columns)")
        }
        let m = preconditioner ?? IdentityPreconditioner(size: matrix.rows)
        guard m.rows == matrix.rows else { throw LinearAlgebraError.invalidArgument("preconditioner size \(m.rows) ≠ \(matrix.rows)") }
        self.matrix = matrix; self.preconditioner = m; self.options = options
        self.recycle = max(0, recycle); self.collect = max(1, collect)
        self.workspace = workspace
    }

    /// Solves A x = b from the guess in `x`, deflating `space` (if its vectors have this
    /// system's size): the start is moved by W E⁻¹ Wᵀ r₀ so that its residual is
    /// W-orthogonal. Returns the result (`iterations` counts CG iterations; the k products A W
    /// are extra, `extraProducts`) and the space for the next system.
    public func solve(_ b: [Double], x: inout [Double], space: RecycleSpace?) -> KrylovSolution {
        solve(b, x: &x, space: space, solutions: [])
    }

    /// As `solve(_:x:space:)`, the start a Galerkin projection over span{W, X} with X the
    /// sequence's previous solutions (`PreviousSolutions`): s = X's rank more products with A.
    public func solve(_ b: [Double], x: inout [Double], space: RecycleSpace?, solutions: [[Double]]) -> KrylovSolution {
        // On short vectors OpenBLAS's threads cost more than the block products they split.
        Parallel.withSerialBLAS(matrix.rows < Parallel.minimumChunk * Parallel.threadCount) {
            deflatedCG(b, x: &x, space: space, solutions: solutions)
        }
    }

    /// γ solving [W Y]ᵀ A [W Y] γ = [W Y]ᵀ r₀ (Cholesky; nil when the Gram matrix is not
    /// positive definite, e.g. Y nearly inside span W), with A W known and A Y formed here.
    private func galerkinStart(w: VectorBlock, aw: VectorBlock, kw: Int, y: [[Double]], r0: [Double]) -> [Double]? {
        let n = r0.count, s = y.count, m = kw + s
        let yb = VectorBlock(length: n, capacity: s), ayb = VectorBlock(length: n, capacity: s)
        for (j, yj) in y.enumerated() {
            _ = yb.column(j).update(fromContentsOf: yj)
            yj.withUnsafeBufferPointer { matrix.apply($0, into: ayb.column(j)) }
        }
        // G = [W Y]ᵀ [AW AY] by blocks, symmetrised.
        let ww = w.transposeTimes(aw, columns: kw, otherColumns: kw), wy = w.transposeTimes(ayb, columns: kw, otherColumns: s)
        let yw = yb.transposeTimes(aw, columns: s, otherColumns: kw), yy = yb.transposeTimes(ayb, columns: s, otherColumns: s)
        func entry(_ i: Int, _ j: Int) -> Double {
            switch (i < kw, j < kw) {
            case (true, true): ww[i, j]
            case (true, false): wy[i, j - kw]
            case (false, true): yw[i - kw, j]
            case (false, false): yy[i - kw, j - kw]
            }
        }
        var g = DenseMatrix(rows: m, columns: m)
        for i in 0..<m { for j in 0..<m { g[i, j] = 0.5 * (entry(i, j) + entry(j, i)) } }
        let rhs = r0.withUnsafeBufferPointer { w.transposeTimes($0, columns: kw) + yb.transposeTimes($0, columns: s) }
        guard let cholesky = try? DenseCholesky(g), let gamma = try? cholesky.solve(rhs), gamma.allSatisfy(\.isFinite) else { return nil }
        return gamma
    }

    private func deflatedCG(_ b: [Double], x: inout [Double], space: RecycleSpace?, solutions: [[Double]]) -> KrylovSolution {
        let n = matrix.rows
        precondition(b.count == n && x.count == n, "recycling CG: b has \(b.count) entries, x has \(x.count), operator has \(n) rows")
        var log = IterationLog(options: options, rhsNorm: b.norm2, setupSeconds: preconditioner.setupSeconds)
        if let done = log.zeroRightHandSide(&x) { return KrylovSolution(result: done, space: space) }
        let threshold = log.threshold

        // Z = [W P] and AZ = [AW AP] side by side: the deflation space (AW fresh for this
        // matrix), then the search directions collected for the Ritz extraction.
        let incoming = space.flatMap { $0.length == n && $0.count > 0 ? $0 : nil }
        let deflationProducts = incoming?.count ?? 0
        let columns = max(deflationProducts, recycle) + collect
        let blocks = workspace.flatMap { $0.fits(n: n, columns: columns) ? $0 : nil } ?? Workspace(n: n, columns: columns)
        workspace = blocks
        let zb = blocks.z, azb = blocks.az
        for j in 0..<deflationProducts {
            _ = zb.column(j).update(fromContentsOf: incoming!.block.column(j))
            matrix.apply(UnsafeBufferPointer(zb.column(j)), into: azb.column(j))
        }
        // E = WᵀAW (symmetrised) and its Cholesky factor; not positive definite for this
        // matrix: plain CG.
        var kw = deflationProducts
        var e: DenseCholesky?
        if kw > 0 {
            let g = zb.transposeTimes(azb, columns: kw, otherColumns: kw)
            var em = DenseMatrix(rows: kw, columns: kw)
            for i in 0..<kw { for j in 0..<kw { em[i, j] = 0.5 * (g[i, j] + g[j, i]) } }
            e = try? DenseCholesky(em)
            if e == nil { kw = 0 }
        }
        // E⁻¹ explicitly (k × k, once): a LAPACK call per iteration would wake OpenBLAS's thread
        // pool every time, which cost more than the iteration itself on 10⁴ unknowns.
        var inverse = [Double](repeating: 0, count: kw * kw)
        if let e, let inv = try? e.solve(DenseMatrix.identity(kw)) {
            for i in 0..<kw { for j in 0..<kw { inverse[i * kw + j] = inv[i, j] } }
        }
        /// μ = E⁻¹ (AW)ᵀ v: the W-component to remove from v.
        func deflate(_ v: [Double]) -> [Double] {
            guard kw > 0 else { return [] }
            let t = v.withUnsafeBufferPointer { azb.transposeTimes($0, columns: kw) }
            return (0..<kw).map { i in (0..<kw).reduce(0.0) { $0 + inverse[i * kw + $1] * t[$1] } }
        }
        /// The incoming space as it is (a solve that does not converge hands it on unchanged).
        func incomingSpace() -> RecycleSpace? {
            guard kw > 0 else { return RecycleSpace(block: VectorBlock(length: n, capacity: 0), count: 0) }
            let block = VectorBlock(length: n, capacity: kw)
            for j in 0..<kw { _ = block.column(j).update(fromContentsOf: zb.column(j)) }
            return RecycleSpace(block: block, count: kw)
        }
        // x₀ ← x₀ + W E⁻¹ Wᵀ r₀ (r₀ = b from a zero guess); with previous solutions Y, the
        // Galerkin start over span{W, Y} at once (r ⊥ W still holds, as deflation needs).
        let y = PreviousSolutions.orthonormalBasis(solutions.filter { $0.count == n })
        var startVectors = 0
        if kw > 0 || !y.isEmpty {
            let r0 = x.contains { $0 != 0 } ? zip(b, matrix.apply(x)).map { $0 - $1 } : b
            if !y.isEmpty, let gamma = galerkinStart(w: zb, aw: azb, kw: kw, y: y, r0: r0) {
                x.withUnsafeMutableBufferPointer { zb.add(Array(gamma[..<kw]), into: $0) }
                for (yi, g) in zip(y, gamma[kw...]) { PreviousSolutions.axpy(g, yi, &x) }
                startVectors = y.count
            } else if let e, kw > 0 {
                let wr = r0.withUnsafeBufferPointer { zb.transposeTimes($0, columns: kw) }
                if let mu = try? e.solve(wr) { x.withUnsafeMutableBufferPointer { zb.add(mu, into: $0) } }
            }
        }
        let startProducts = y.count
        func solution(_ result: SolveResult, _ space: RecycleSpace?) -> KrylovSolution {
            var s = KrylovSolution(result: result, space: space, extraProducts: deflationProducts)
            s.startVectors = startVectors; s.startProducts = startProducts
            return s
        }
        func trueResidual() -> (r: [Double], norm: Double) {
            let ax = matrix.apply(x)
            let r = (0..<n).map { b[$0] - ax[$0] }
            return (r, r.norm2)
        }
        var (r, rnorm) = trueResidual()
        if let done = log.initialResidual(rnorm) {
            return solution(done, done.reason.converged ? incomingSpace() : space)
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
            p.withUnsafeMutableBufferPointer { zb.subtract(mu, from: $0) }
        }
        var rz = applyPreconditioner()
        guard rz > 0 else {
            return solution(log.finish(rz.isNaN ? .diverged_nan : .diverged_indefinite_preconditioner, 0, rnorm), space)
        }
        var p = z
        removeDeflated(from: &p)
        var collected = 0  // directions and their products in Z and AZ after the kw of W
        var k = 0
        var lastRestart = Double.infinity, stalled = 0
        func done(_ reason: ConvergenceReason, _ norm: Double) -> KrylovSolution {
            let next = reason.converged ? ritzSpace(z: zb, az: azb, count: kw + collected) : incomingSpace()
            return solution(log.finish(reason, k, norm), next)
        }
        while k < options.maxIterations {
            if let limit = options.timeLimit, Date().timeIntervalSince(log.start) > limit { return done(.diverged_time_limit, rnorm) }
            let pq = p.withUnsafeBufferPointer { pp in q.withUnsafeMutableBufferPointer { matrix.applyAndDot(pp, into: $0) } }
            guard pq.isFinite else { return done(.diverged_nan, rnorm) }
            guard pq > 0 else { return done(.diverged_indefinite_matrix, rnorm) }
            if collected < collect {
                _ = zb.column(kw + collected).update(fromContentsOf: p)
                _ = azb.column(kw + collected).update(fromContentsOf: q)
                collected += 1
            }
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
    /// known: [AW, AP]), both one `dgemm`. G = V S Vᵀ gives an orthonormal basis B = Z V S^{-1/2}
    /// (directions that are numerically dependent, s < 1e-10·max s, are dropped); the
    /// eigenvectors Y of BᵀAB = S^{-1/2} Vᵀ H V S^{-1/2} for the k smallest eigenvalues give the
    /// new W = B Y, formed by one more `dgemm`.
    func ritzSpace(z: VectorBlock, az: VectorBlock, count m: Int) -> RecycleSpace? {
        guard recycle > 0, m > 0 else { return nil }
        let g0 = z.transposeTimes(z, columns: m, otherColumns: m), h0 = z.transposeTimes(az, columns: m, otherColumns: m)
        var g = DenseMatrix(rows: m, columns: m), h = DenseMatrix(rows: m, columns: m)
        for i in 0..<m {
            for j in 0..<m { g[i, j] = 0.5 * (g0[i, j] + g0[j, i]); h[i, j] = 0.5 * (h0[i, j] + h0[j, i]) }
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
        guard let all = try? basisCoefficients.multiplied(by: ts.eigenvectors) else { return nil }
        var coefficients = DenseMatrix(rows: m, columns: k)
        for c in 0..<k { for i in 0..<m { coefficients[i, c] = all[i, c] } }
        let ritz = VectorBlock(length: z.length, capacity: k)
        z.times(coefficients, into: ritz)
        // Unit columns; a column that vanished or overflowed is dropped.
        var count = 0
        for c in 0..<k {
            let v = ritz.column(c)
            let norm = Vec.norm(UnsafeBufferPointer(v))
            guard norm > 0 && norm.isFinite else { continue }
            let out = ritz.column(count)
            for i in 0..<v.count { out[i] = v[i] / norm }
            count += 1
        }
        return RecycleSpace(block: ritz, count: count)
    }
}
