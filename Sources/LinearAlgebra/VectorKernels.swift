/// Level-1 kernels on contiguous buffers, parallel over `Parallel.chunks`.
///
/// Krylov methods spend most of their non-SpMV time here. Each kernel makes one pass over its
/// operands; the fused variants (`axpyAndNormSquared`, ...) exist because on a bandwidth-bound
/// machine a pass saved is time saved (PCG needs five vector passes per iteration instead of
/// eight). Reductions go through `Parallel.sum`, whose blocks do not depend on the thread
/// count, so results have the same bits on any number of threads.
public enum Vec {
    public typealias In = UnsafeBufferPointer<Double>
    public typealias Out = UnsafeMutableBufferPointer<Double>

    /// xᵀy
    public static func dot(_ x: In, _ y: In) -> Double {
        precondition(x.count == y.count, "dot: lengths \(x.count) and \(y.count) differ")
        let xp = x.baseAddress!, yp = y.baseAddress!
        return Parallel.sum(x.count) { r in
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            var i = r.lowerBound
            while i + 4 <= r.upperBound {
                s0 += xp[i] * yp[i]; s1 += xp[i + 1] * yp[i + 1]
                s2 += xp[i + 2] * yp[i + 2]; s3 += xp[i + 3] * yp[i + 3]
                i += 4
            }
            while i < r.upperBound { s0 += xp[i] * yp[i]; i += 1 }
            return (s0 + s1) + (s2 + s3)
        }
    }

    /// ‖x‖₂ (no overflow guard: residual norms of double-precision systems stay far from 1e154).
    public static func norm(_ x: In) -> Double { dot(x, x).squareRoot() }

    /// y ← y + αx
    public static func axpy(_ alpha: Double, _ x: In, _ y: Out) {
        let xp = x.baseAddress!, yp = y.baseAddress!
        Parallel.chunks(x.count) { r, _ in
            for i in r { yp[i] += alpha * xp[i] }
        }
    }

    /// y ← x + βy  (the PCG direction update p ← z + βp)
    public static func xpby(_ x: In, _ beta: Double, _ y: Out) {
        let xp = x.baseAddress!, yp = y.baseAddress!
        Parallel.chunks(x.count) { r, _ in
            for i in r { yp[i] = xp[i] + beta * yp[i] }
        }
    }

    /// x ← x + αp and r ← r − αq in one pass; returns the new rᵀr.
    public static func cgUpdate(alpha: Double, p: In, q: In, x: Out, r: Out) -> Double {
        let pp = p.baseAddress!, qp = q.baseAddress!, xp = x.baseAddress!, rp = r.baseAddress!
        return Parallel.sum(x.count) { rg in
            var s = 0.0
            for i in rg {
                xp[i] += alpha * pp[i]
                let ri = rp[i] - alpha * qp[i]
                rp[i] = ri
                s += ri * ri
            }
            return s
        }
    }

    /// z ← d ∘ r (Jacobi application) and returns rᵀz in the same pass.
    public static func scaleAndDot(_ d: In, _ r: In, into z: Out) -> Double {
        let dp = d.baseAddress!, rp = r.baseAddress!, zp = z.baseAddress!
        return Parallel.sum(r.count) { rg in
            var s = 0.0
            for i in rg { let zi = dp[i] * rp[i]; zp[i] = zi; s += rp[i] * zi }
            return s
        }
    }

    /// r ← b − r (turns r = Ax into the residual), returns ‖r‖².
    public static func residualFromProduct(_ b: In, _ r: Out) -> Double {
        let bp = b.baseAddress!, rp = r.baseAddress!
        return Parallel.sum(r.count) { rg in
            var s = 0.0
            for i in rg { let v = bp[i] - rp[i]; rp[i] = v; s += v * v }
            return s
        }
    }

    public static func copy(_ x: In, into y: Out) {
        let xp = x.baseAddress!, yp = y.baseAddress!
        Parallel.chunks(x.count) { r, _ in
            (yp + r.lowerBound).update(from: xp + r.lowerBound, count: r.count)
        }
    }

    public static func fill(_ y: Out, _ value: Double) {
        let yp = y.baseAddress!
        Parallel.chunks(y.count) { r, _ in
            (yp + r.lowerBound).update(repeating: value, count: r.count)
        }
    }
}

extension Array where Element == Double {
    /// Euclidean norm, for setup code and tests.
    public var norm2: Double { withUnsafeBufferPointer { Vec.norm($0) } }
}
