import LinearAlgebra

/// Chebyshev polynomial smoothing in D⁻¹A: the polynomial of the given degree that is smallest
/// on [λ_max/(2d), λ_max], the part of the spectrum the coarse grid does not correct.
///
/// For the d-dimensional Laplacian, D⁻¹A has eigenvalues (1/d)Σ(1 − cos θₖ) ∈ (0, 2); the
/// high frequencies (some |θₖ| ≥ π/2) lie in [1/d, 2], a ratio of 1/(2d) to the top. λ_max
/// comes from 12 steps of power iteration (a Rayleigh quotient, so an underestimate) × 1.1,
/// capped at 2, the Gershgorin bound of a weakly diagonally dominant matrix. The iteration is
/// the three-term recurrence of Saad, "Iterative Methods for Sparse Linear Systems", Alg. 12.1
/// (as PETSc's KSPCHEBYSHEV), with the true residual recomputed at each step. The same
/// polynomial before and after the correction keeps the cycle symmetric.
final class ChebyshevSmoother: Smoother {
    let op: any ResidualOperator
    let lower: Double, upper: Double
    private let diagonal: [Double], inverse: [Double]
    private let r: WorkVector, z: WorkVector, step: WorkVector

    /// `lowerFraction`: the smoothing interval's lower end over its upper end (1/(2d) for the
    /// grid Laplacians; algebraic multigrid uses hypre's 0.3). `cap`: a known upper bound of
    /// λ_max(D⁻¹A) (2 for weakly diagonally dominant matrices), or nil.
    init(_ op: any ResidualOperator, diagonal: [Double], lowerFraction: Double, cap: Double?) {
        self.op = op
        self.diagonal = diagonal
        inverse = diagonal.map { 1 / $0 }
        r = WorkVector(op.rows); z = WorkVector(op.rows); step = WorkVector(op.rows)
        let estimate = Self.largestEigenvalue(op, diagonal: diagonal, inverse: inverse)
        upper = cap.map { min(1.1 * estimate, $0) } ?? 1.1 * estimate
        lower = upper * lowerFraction
    }

    /// Power iteration on D⁻¹A from a fixed pseudo-random vector; returns the last Rayleigh
    /// quotient vᵀAv / vᵀDv.
    static func largestEigenvalue(_ op: any ResidualOperator, diagonal d: [Double], inverse: [Double]) -> Double {
        let n = op.rows
        var v = (0..<n).map { i -> Double in
            // A fixed hash of i in [−1, 1): deterministic and free of any structure of the grid.
            var h = UInt64(i) &* 0x9E37_79B9_7F4A_7C15
            h ^= h >> 31; h = h &* 0xBF58_476D_1CE4_E5B9; h ^= h >> 29
            return Double(h >> 11) / Double(1 << 52) - 1
        }
        var av = [Double](repeating: 0, count: n)
        var estimate = 0.0
        for _ in 0..<12 {
            v.withUnsafeBufferPointer { vp in av.withUnsafeMutableBufferPointer { op.apply(vp, into: $0) } }
            var vav = 0.0, vdv = 0.0
            for i in 0..<n { vav += v[i] * av[i]; vdv += v[i] * d[i] * v[i] }
            guard vdv > 0, vav.isFinite else { break }
            estimate = vav / vdv
            var norm = 0.0
            for i in 0..<n { v[i] = inverse[i] * av[i]; norm += v[i] * v[i] }
            guard norm > 0 else { break }
            let s = 1 / norm.squareRoot()
            for i in 0..<n { v[i] *= s }
        }
        return estimate > 0 ? estimate : 2
    }

    func smooth(_ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>, sweeps degree: Int, reverse: Bool) {
        let n = op.rows
        let theta = (upper + lower) / 2, delta = (upper - lower) / 2
        let sigma = theta / delta
        var rho = 1 / sigma
        let rp = r.pointer, zp = z.pointer, dp = step.pointer
        func scaledResidual() {
            op.residual(UnsafeBufferPointer(start: b, count: n), UnsafeBufferPointer(start: x, count: n),
                        into: UnsafeMutableBufferPointer(start: rp, count: n))
            inverse.withUnsafeBufferPointer { ip in
                let inv = ip.baseAddress!
                Parallel.chunks(n) { range, _ in for i in range { zp[i] = inv[i] * rp[i] } }
            }
        }
        scaledResidual()
        Parallel.chunks(n) { range, _ in for i in range { dp[i] = zp[i] / theta } }
        for k in 0..<degree {
            Parallel.chunks(n) { range, _ in for i in range { x[i] += dp[i] } }
            if k == degree - 1 { break }
            scaledResidual()
            let next = 1 / (2 * sigma - rho)
            let a = next * rho, c = 2 * next / delta
            Parallel.chunks(n) { range, _ in for i in range { dp[i] = a * dp[i] + c * zp[i] } }
            rho = next
        }
    }
}
