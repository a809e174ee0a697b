// GCRO-DR(m, k): GMRES with deflated restarting and a recycled subspace carried from one
// system of a sequence to the next.
//
// Reference: M. L. Parks, E. de Sturler, G. Mackey, D. D. Johnson and S. Maiti, "Recycling
// Krylov subspaces for sequences of linear systems", SIAM J. Sci. Comput. 28 (2006), Alg. 2.1.
//
// Notation (right preconditioning, Â = A M⁻¹, x = M⁻¹ ŷ): the recycle space U (n × k) and
// C = Â U with CᵀC = I. Each cycle
//   1. projects the residual, r ← (I − CCᵀ) r, remembering t = Cᵀr;
//   2. runs m − k Arnoldi steps on (I − CCᵀ)Â from r/‖r‖: (I − CCᵀ)Â V = V₊ H̄, B = Cᵀ Â V;
//   3. minimises ‖r − Â(U y₁ + V y₂)‖. With Ũ = U D (unit columns, D = diag 1/‖uᵢ‖) the
//      residual is [t − D y₁ − B y₂; βe₁ − H̄ y₂] in the orthonormal basis Ŵ = [C V₊]; the
//      top block is zeroed exactly by D y₁ = t − B y₂, so y₂ is the GMRES solution of the
//      projected Hessenberg system (Givens rotations give the residual norm at every step, as in
//      GMRES) and x ← x + M⁻¹(V y₂ + U (t − B y₂));
//   4. replaces U, C by the k harmonic Ritz vectors of Â in span V̂ = [Ũ V] with respect to
//      span Ŵ (eq. 2.13): Ḡᵀ Ḡ z = θ Ḡᵀ ŴᵀV̂ z, Ḡ = [[D, B], [0, H̄]], keeping the k of smallest
//      |θ|; with P those eigenvectors, Ḡ P = Q R, C ← Ŵ Q, U ← V̂ P R⁻¹ (so Â U = C again).
// The first cycle of the first system has no U: it is a GMRES(m) cycle and step 4 takes the
// harmonic Ritz vectors of H̄ (Ḡ = H̄, ŴᵀV̂ = [I; 0]).
//
// A new system (new A or new M) keeps U but must recompute C = Â U with its own operator and
// re-orthonormalise (Â U = Q R, C ← Q, U ← U R⁻¹): a stale C would project with the wrong
// operator and silently stall convergence. That costs k products, reported separately.
//
// Orthogonalisation: classical Gram–Schmidt against [C V] by BLAS-2 products on contiguous
// blocks, repeated once when the vector lost more than a factor 0.7 of its norm (Daniel, Gragg,
// Kaufman and Stewart 1976) — as stable as modified Gram–Schmidt with reorthogonalisation and
// one pass over the basis instead of one per column. Convergence is decided, as in `GMRES`, only
// by the true residual b − A x recomputed at the end of each cycle.

import Foundation
import LinearAlgebra

public final class GCRODR: KrylovSolver {
    public let matrix: any LinearOperator
    public let preconditioner: any Preconditioner
    public var options: IterativeOptions
    /// m, the dimension of the search space per cycle (recycled plus Arnoldi vectors).
    public let restart: Int
    /// k, the number of harmonic Ritz vectors kept (one more when a complex pair would be split).
    public let recycle: Int

    /// The blocks a solve works in: V (m + 1 columns) and U, C with their next copies (k + 1
    /// each, so that a complex conjugate pair is never split). A sequence of systems of one
    /// size hands them from one solver to the next (`workspace:`) instead of allocating them.
    public final class Workspace {
        let v: VectorBlock, u: VectorBlock, c: VectorBlock, uNext: VectorBlock, cNext: VectorBlock
        init(n: Int, restart: Int, recycle: Int) {
            v = VectorBlock(length: n, capacity: restart + 1)
            u = VectorBlock(length: n, capacity: recycle + 1); c = VectorBlock(length: n, capacity: recycle + 1)
            uNext = VectorBlock(length: n, capacity: recycle + 1); cNext = VectorBlock(length: n, capacity: recycle + 1)
        }
        func fits(n: Int, restart: Int, recycle: Int) -> Bool {
            v.length == n && v.capacity >= restart + 1 && u.capacity >= recycle + 1
        }
    }
    public let workspace: Workspace

    private let n: Int
    private let v: VectorBlock
    private var u: VectorBlock, c: VectorBlock
    private var uNext: VectorBlock, cNext: VectorBlock
    private var w: [Double], z: [Double]

    /// `workspace`: the blocks of an earlier solve, used when they fit (this size, at least these
    /// m and k); else new ones are made.
    public init(matrix: any LinearOperator, preconditioner: (any Preconditioner)? = nil, restart: Int = 40, recycle: Int = 20,
                options: IterativeOptions = IterativeOptions(), workspace reused: Workspace? = nil) throws {
        guard matrix.rows == matrix.columns else {
            throw LinearAlgebraError.invalidArgument("GCRO-DR needs a square operator, got \(matrix.rows)×\(matrix.columns)")
        }
        guard recycle >= 1, restart >= recycle + 2 else {
            throw LinearAlgebraError.invalidArgument("GCRO-DR needs 1 ≤ recycle ≤ restart − 2, got restart \(restart), recycle \(recycle)")
        }
        let n = matrix.rows
        let m = preconditioner ?? IdentityPreconditioner(size: n)
        guard m.rows == n, m.columns == n else {
            throw LinearAlgebraError.invalidArgument("preconditioner is \(m.rows)×\(m.columns), matrix is \(n)×\(n)")
        }
        self.matrix = matrix; self.preconditioner = m; self.options = options; self.n = n
        self.restart = restart; self.recycle = recycle
        workspace = reused.flatMap { $0.fits(n: n, restart: restart, recycle: recycle) ? $0 : nil }
            ?? Workspace(n: n, restart: restart, recycle: recycle)
        v = workspace.v; u = workspace.u; c = workspace.c; uNext = workspace.uNext; cNext = workspace.cNext
        w = [Double](repeating: 0, count: n); z = w
    }

    /// Solves A x = b; `x` holds the initial guess. `space` is the previous system's recycle
    /// space U (ignored when its vectors have another length). Returns the space for the next
    /// system and the number of products A M⁻¹ U spent re-deriving C (not counted as iterations).
    public func solve(_ b: [Double], x: inout [Double], space: RecycleSpace?) -> KrylovSolution {
        solve(b, x: &x, space: space, solutions: [])
    }

    /// As `solve(_:x:space:)`, the start augmented by previous solutions X of the sequence:
    /// x ← x + X α + M⁻¹ U β minimises ‖b − A x‖ over both spans at once (α by least squares
    /// against (I − CCᵀ) A X, β by the first cycle's projection on C), so the start is never
    /// worse than the previous solution with U's correction. s = X's rank products with A.
    public func solve(_ b: [Double], x: inout [Double], space: RecycleSpace?, solutions: [[Double]]) -> KrylovSolution {
        Parallel.withSerialBLAS(n < Parallel.minimumChunk * Parallel.threadCount) { cycles(b, x: &x, space: space, solutions: solutions) }
    }

    private func cycles(_ b: [Double], x: inout [Double], space: RecycleSpace?, solutions: [[Double]]) -> KrylovSolution {
        precondition(b.count == n && x.count == n, "GCRO-DR: b has \(b.count) entries, x has \(x.count), operator has \(n) rows")
        var log = IterationLog(options: options, rhsNorm: b.norm2, setupSeconds: preconditioner.setupSeconds)
        if let done = log.zeroRightHandSide(&x) { return KrylovSolution(result: done, space: space) }
        let threshold = log.threshold
        var r = [Double](repeating: 0, count: n)
        var rnorm = trueResidual(b, x, into: &r)

        // The carried space, with C = Â U derived from this system's operator.
        var kk = 0, products = 0
        if let space, space.length == n, space.count > 0 {
            let count = min(space.count, recycle + 1)
            for j in 0..<count {
                _ = u.column(j).update(fromContentsOf: space.block.column(j))
                applyOperator(UnsafeBufferPointer(u.column(j)), into: c.column(j))
            }
            products = count
            kk = orthonormaliseRecycleSpace(count)
        }
        // Previous solutions: α = argmin ‖(I − CCᵀ)(r − A Y α)‖, x ← x + Y α, r ← r − A Y α.
        let y = PreviousSolutions.orthonormalBasis(solutions.filter { $0.count == n })
        var startVectors = 0
        if !y.isEmpty {
            let images = y.map { yi -> [Double] in
                var z = matrix.apply(yi)
                let t = z.withUnsafeBufferPointer { c.transposeTimes($0, columns: kk) }
                z.withUnsafeMutableBufferPointer { c.subtract(t, from: $0) }
                return z
            }
            var projected = r
            let t = projected.withUnsafeBufferPointer { c.transposeTimes($0, columns: kk) }
            projected.withUnsafeMutableBufferPointer { c.subtract(t, from: $0) }
            if let alpha = PreviousSolutions.leastSquares(images, projected), alpha.allSatisfy(\.isFinite) {
                for (yi, a) in zip(y, alpha) { PreviousSolutions.axpy(a, yi, &x) }
                rnorm = trueResidual(b, x, into: &r)
                startVectors = y.count
                products += 1
            }
            products += y.count
        }

        let m = restart
        var k = 0, failedRestarts = 0
        /// The solution after k iterations; `recycled`: with this cycle's space for the next system.
        let startProducts = y.count + (startVectors > 0 ? 1 : 0), recycleProducts = products - startProducts
        if let done = log.initialResidual(rnorm) {
            var s = KrylovSolution(result: done, space: space, extraProducts: recycleProducts)
            s.startVectors = startVectors; s.startProducts = startProducts
            return s
        }
        func finish(_ reason: ConvergenceReason, _ rnorm: Double, recycled: Bool = true) -> KrylovSolution {
            var s = KrylovSolution(result: log.finish(reason, k, rnorm), space: recycled ? nextSpace(kk, fallback: space) : space,
                                   extraProducts: recycleProducts)
            s.startVectors = startVectors; s.startProducts = startProducts
            return s
        }
        while true {
            // 1. r ← (I − CCᵀ) r.
            let t = r.withUnsafeBufferPointer { c.transposeTimes($0, columns: kk) }
            r.withUnsafeMutableBufferPointer { c.subtract(t, from: $0) }
            let beta = r.norm2
            let steps = m - kk
            var hRaw = [Double](repeating: 0, count: (steps + 1) * steps)  // H̄ before rotations, column-major
            var ls = HessenbergLeastSquares(columns: steps)
            var bBlock = [Double](repeating: 0, count: kk * steps)       // B = Cᵀ Â V, column-major kk × steps
            var j = 0, estimate = beta, breakdown = false
            if beta > threshold && beta.isFinite {
                // 2. Arnoldi on (I − CCᵀ)Â.
                let vr = v.column(0)
                for i in 0..<n { vr[i] = r[i] / beta }
                ls.start(beta)
                while j < steps && k < options.maxIterations {
                    w.withUnsafeMutableBufferPointer { applyOperator(UnsafeBufferPointer(v.column(j)), into: $0) }
                    let before = w.norm2
                    for pass in 0..<2 {
                        w.withUnsafeMutableBufferPointer { wp in
                            let bc = c.transposeTimes(UnsafeBufferPointer(wp), columns: kk)
                            c.subtract(bc, from: wp)
                            for i in 0..<kk { bBlock[j * kk + i] += bc[i] }
                            let hv = v.transposeTimes(UnsafeBufferPointer(wp), columns: j + 1)
                            v.subtract(hv, from: wp)
                            for i in 0...j { hRaw[j * (steps + 1) + i] += hv[i] }
                        }
                        if pass == 0 && w.norm2 > 0.7 * before { break }
                    }
                    let hn = w.norm2
                    hRaw[j * (steps + 1) + j + 1] = hn
                    guard hn.isFinite, before.isFinite else {
                        k += 1; log.record(k, .nan); return finish(.diverged_nan, .nan, recycled: false)
                    }
                    if hn <= 1e-14 * before {
                        breakdown = true
                    } else {
                        let next = v.column(j + 1)
                        for i in 0..<n { next[i] = w[i] / hn }
                    }
                    estimate = ls.append(column: hRaw[(j * (steps + 1))...(j * (steps + 1) + j + 1)], at: j)
                    j += 1; k += 1
                    log.record(k, estimate)
                    if breakdown || estimate <= threshold { break }
                    if let limit = options.timeLimit, Date().timeIntervalSince(log.start) > limit { break }
                }
            }
            // 3. y₂ = H⁻¹ g, x ← x + M⁻¹ (V y₂ + U (t − B y₂)).
            let y = ls.solution(j)
            var uCoefficients = t
            for l in 0..<j { for i in 0..<kk { uCoefficients[i] -= bBlock[l * kk + i] * y[l] } }
            for i in 0..<n { w[i] = 0 }
            w.withUnsafeMutableBufferPointer { wp in
                v.add(y, into: wp)
                u.add(uCoefficients, into: wp)
            }
            w.withUnsafeBufferPointer { wp in z.withUnsafeMutableBufferPointer { preconditioner.apply(wp, into: $0) } }
            for i in 0..<n { x[i] += z[i] }

            // 4. The next recycle space, from this cycle's basis (while V still holds it).
            if j > 0 && !breakdown {
                if let newK = harmonicRitzUpdate(kk: kk, j: j, steps: steps, hRaw: hRaw, bBlock: bBlock) { kk = newK }
            }

            let previous = rnorm
            rnorm = trueResidual(b, x, into: &r)
            guard rnorm.isFinite else { return finish(.diverged_nan, rnorm, recycled: false) }
            if rnorm <= threshold { return finish(log.convergedReason(rnorm), rnorm) }
            if k >= options.maxIterations { return finish(.diverged_max_iterations, rnorm) }
            if let limit = options.timeLimit, Date().timeIntervalSince(log.start) > limit {
                return finish(.diverged_time_limit, rnorm)
            }
            // As in GMRES: a cycle whose estimate claimed convergence but whose true residual did
            // not halve shows rounding bounds this system; twice in a row ends the solve.
            if (breakdown || estimate <= threshold) && rnorm > 0.5 * previous {
                failedRestarts += 1
                if failedRestarts >= 2 { return finish(.diverged_stagnation, rnorm) }
            } else {
                failedRestarts = 0
            }
        }
    }

    /// out = A M⁻¹ v.
    private func applyOperator(_ vec: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        z.withUnsafeMutableBufferPointer { zp in
            preconditioner.apply(vec, into: zp)
            matrix.apply(UnsafeBufferPointer(zp), into: out)
        }
    }

    private func trueResidual(_ b: [Double], _ x: [Double], into r: inout [Double]) -> Double {
        x.withUnsafeBufferPointer { xp in r.withUnsafeMutableBufferPointer { matrix.apply(xp, into: $0) } }
        return r.withUnsafeMutableBufferPointer { rp in b.withUnsafeBufferPointer { Vec.residualFromProduct($0, rp) } }.squareRoot()
    }

    /// C (count columns, = Â U) = Q R; C ← Q, U ← U R⁻¹. Returns the recycle dimension, 0 when
    /// Â U is numerically rank-deficient (the space is dropped rather than half-trusted).
    private func orthonormaliseRecycleSpace(_ count: Int) -> Int {
        guard let qr = try? QRDecomposition(c.dense(columns: count)) else { return 0 }
        let diagonal = (0..<count).map { abs(qr.r[$0, $0]) }
        guard let largest = diagonal.max(), largest.isFinite, diagonal.allSatisfy({ $0 > 1e-12 * largest }) else { return 0 }
        c.setColumns(from: qr.q)
        u.rightDivide(byUpperTriangular: qr.r)
        return count
    }

    /// Step 4: the harmonic Ritz vectors of this cycle become U and C. Returns the new recycle
    /// dimension, or nil (keeping U and C) when the cycle gave no more vectors than are kept or
    /// the small problems failed.
    private func harmonicRitzUpdate(kk: Int, j: Int, steps: Int, hRaw: [Double], bBlock: [Double]) -> Int? {
        let mm = kk + j
        guard mm > recycle else { return nil }
        // D = diag(1/‖uᵢ‖).
        let d = (0..<kk).map { 1 / Vec.norm(UnsafeBufferPointer(u.column($0))) }
        guard d.allSatisfy({ $0.isFinite }) else { return nil }
        // Ḡ ((mm+1) × mm) and ŴᵀV̂ ((mm+1) × mm).
        var gBar = DenseMatrix(rows: mm + 1, columns: mm)
        var wv = DenseMatrix(rows: mm + 1, columns: mm)
        for i in 0..<kk { gBar[i, i] = d[i] }
        for l in 0..<j {
            for i in 0..<kk { gBar[i, kk + l] = bBlock[l * kk + i] }
            for i in 0...(l + 1) { gBar[kk + i, kk + l] = hRaw[l * (steps + 1) + i] }
            wv[kk + l, kk + l] = 1
        }
        if kk > 0 {
            let cu = c.transposeTimes(u, columns: kk, otherColumns: kk)
            let vu = v.transposeTimes(u, columns: j + 1, otherColumns: kk)
            for col in 0..<kk {
                for i in 0..<kk { wv[i, col] = cu[i, col] * d[col] }
                for i in 0...j { wv[kk + i, col] = vu[i, col] * d[col] }
            }
        }
        guard let lhs = try? gBar.multiplied(by: gBar, transposeSelf: true),
              let rhs = try? gBar.multiplied(by: wv, transposeSelf: true),
              let eig = try? GeneralizedEigenproblem(lhs, rhs) else { return nil }
        let p = eig.smallestModulusBasis(count: recycle)
        let newK = p.columns
        guard newK > 0, newK <= recycle + 1, newK < restart,
              let gp = try? gBar.multiplied(by: p), let qr = try? QRDecomposition(gp) else { return nil }
        let diagonal = (0..<newK).map { abs(qr.r[$0, $0]) }
        guard let largest = diagonal.max(), largest.isFinite, largest > 0, diagonal.allSatisfy({ $0 > 1e-12 * largest }) else { return nil }
        // C ← [C V₊] Q, U ← [U D, V] P R⁻¹.
        var qTop = DenseMatrix(rows: kk, columns: newK), qBottom = DenseMatrix(rows: j + 1, columns: newK)
        var pTop = DenseMatrix(rows: kk, columns: newK), pBottom = DenseMatrix(rows: j, columns: newK)
        for col in 0..<newK {
            for i in 0..<kk { qTop[i, col] = qr.q[i, col]; pTop[i, col] = p[i, col] * d[i] }
            for i in 0...j { qBottom[i, col] = qr.q[kk + i, col] }
            for i in 0..<j { pBottom[i, col] = p[kk + i, col] }
        }
        v.times(qBottom, into: cNext)
        v.times(pBottom, into: uNext)
        if kk > 0 {
            c.times(qTop, into: cNext, beta: 1)
            u.times(pTop, into: uNext, beta: 1)
        }
        uNext.rightDivide(byUpperTriangular: qr.r)
        swap(&u, &uNext); swap(&c, &cNext)
        return newK
    }

    /// The space handed to the next system: U with unit columns.
    private func nextSpace(_ kk: Int, fallback: RecycleSpace?) -> RecycleSpace? {
        guard kk > 0 else { return fallback }
        let next = VectorBlock(length: n, capacity: kk)
        var count = 0
        for j in 0..<kk {
            let col = u.column(j)
            let norm = Vec.norm(UnsafeBufferPointer(col))
            guard norm > 0, norm.isFinite else { continue }
            let out = next.column(count)
            for i in 0..<n { out[i] = col[i] / norm }
            count += 1
        }
        return count == 0 ? fallback : RecycleSpace(block: next, count: count)
    }
}
