// The start of a system in a sequence from the sequence's previous solutions: the best
// combination of the last s solutions, found with s products by the new matrix.
//
// Reference: P. F. Fischer, "Projection techniques for iterative solution of Ax = b with
// successive right-hand sides", Comput. Methods Appl. Mech. Engrg. 163 (1998) — PETSc's
// KSPGUESSFISCHER. SciPy's gcrotmk gets the same effect by keeping its outer corrections,
// whose span holds the previous solutions.
//
// With Y an orthonormal basis of span{x₁ … x_s} (modified Gram–Schmidt twice; a solution that
// adds less than 1e-10 of its norm to the span is dropped) and Z = A Y, the start x₀ + Y β
//   - minimises ‖b − A x‖₂ (`residual`): β = R⁻¹ Qᵀ r₀ with Z = Q R, for any nonsingular A
//     (GMRES, GCRO-DR);
//   - minimises the A-norm of the error (`energy`): (Yᵀ Z) β = Yᵀ r₀, for SPD A (CG).
// Both never make the start worse in their norm than x₀ itself (β = 0 is a candidate), and
// x₀ + x_s (the previous solution) is a candidate too, so the start is at least as good as
// `initial_guess = "previous"`. When the matrix changes from case to case, Z is recomputed with
// the new one: the products are the price, reported beside the iterations.

import LinearAlgebra

public final class PreviousSolutions {
    /// s, the number of solutions kept (the oldest goes first).
    public let capacity: Int
    public private(set) var solutions: [[Double]] = []

    public enum Norm: Sendable { case residual, energy }

    public init(capacity: Int) {
        precondition(capacity >= 1, "PreviousSolutions: capacity \(capacity)")
        self.capacity = capacity
    }

    /// Keeps x (a converged, finite solution) as the newest.
    public func append(_ x: [Double]) {
        if solutions.count == capacity { solutions.removeFirst() }
        solutions.append(x)
    }

    /// x ← x + Y β, the best start in `norm` over x + span of the kept solutions of this
    /// system's size. Returns the basis size used and the products with A spent (one for the
    /// residual of a nonzero x, one per basis vector); (0, 0) leaves x as it was.
    public func improve(_ x: inout [Double], b: [Double], matrix: any LinearOperator, norm: Norm) -> (vectors: Int, products: Int) {
        let n = b.count
        precondition(x.count == n && matrix.rows == n, "PreviousSolutions: x \(x.count), b \(n), A \(matrix.rows)")
        let basis = Self.orthonormalBasis(solutions.filter { $0.count == n })
        guard !basis.isEmpty else { return (0, 0) }
        var products = 0
        var r = b
        if x.contains(where: { $0 != 0 }) {
            let ax = matrix.apply(x)
            for i in 0..<n { r[i] -= ax[i] }
            products += 1
        }
        let images = basis.map { matrix.apply($0) }
        products += basis.count
        let beta: [Double]?
        switch norm {
        case .residual: beta = Self.leastSquares(images, r)
        case .energy: beta = Self.galerkin(basis, images, r)
        }
        guard let beta, beta.allSatisfy(\.isFinite) else { return (0, products) }
        for (y, c) in zip(basis, beta) { Self.axpy(c, y, &x) }
        return (basis.count, products)
    }

    /// Modified Gram–Schmidt, twice, newest solution first (the one most like the next).
    static func orthonormalBasis(_ vectors: [[Double]]) -> [[Double]] {
        var basis: [[Double]] = []
        for v in vectors.reversed() {
            let original = v.norm2
            guard original > 0, original.isFinite else { continue }
            var y = v
            for _ in 0..<2 {
                for q in basis {
                    axpy(-dot(q, y), q, &y)
                }
            }
            let norm = y.norm2
            guard norm > 1e-10 * original else { continue }
            basis.append(y.map { $0 / norm })
        }
        return basis
    }

    /// min ‖r − Z β‖: Z = Q R by modified Gram–Schmidt twice, β = R⁻¹ Qᵀ r; nil when Z is
    /// numerically rank-deficient (A maps the span to almost nothing: no trustworthy start).
    static func leastSquares(_ z: [[Double]], _ r: [Double]) -> [Double]? {
        let s = z.count
        var q: [[Double]] = []
        var rr = [Double](repeating: 0, count: s * s)  // R, row-major
        for j in 0..<s {
            var v = z[j]
            let original = v.norm2
            for _ in 0..<2 {
                for (i, qi) in q.enumerated() {
                    let c = dot(qi, v)
                    rr[i * s + j] += c
                    axpy(-c, qi, &v)
                }
            }
            let norm = v.norm2
            guard norm > 1e-12 * original, norm.isFinite else { return nil }
            rr[j * s + j] = norm
            q.append(v.map { $0 / norm })
        }
        var beta = q.map { dot($0, r) }
        for i in stride(from: s - 1, through: 0, by: -1) {
            for j in (i + 1)..<s { beta[i] -= rr[i * s + j] * beta[j] }
            beta[i] /= rr[i * s + i]
        }
        return beta
    }

    /// (Yᵀ A Y) β = Yᵀ r by Cholesky; nil when Yᵀ A Y is not positive definite (A is not SPD
    /// on the span).
    static func galerkin(_ y: [[Double]], _ z: [[Double]], _ r: [Double]) -> [Double]? {
        let s = y.count
        var g = DenseMatrix(rows: s, columns: s)
        for i in 0..<s { for j in 0..<s { g[i, j] = 0.5 * (dot(y[i], z[j]) + dot(y[j], z[i])) } }
        guard let cholesky = try? DenseCholesky(g) else { return nil }
        return try? cholesky.solve(y.map { dot($0, r) })
    }

    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { Vec.dot(ap, $0) } }
    }

    /// y ← y + c x.
    static func axpy(_ c: Double, _ x: [Double], _ y: inout [Double]) {
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { Vec.axpy(c, xp, $0) } }
    }
}
