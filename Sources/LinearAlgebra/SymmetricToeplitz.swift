import Foundation

/// A symmetric Toeplitz matrix T (T_ij = c_|i−j|, a stationary kernel on a uniform axis) applied
/// along one mode of a C-order tensor by circulant embedding (Strang 1986; GPyTorch's
/// ToeplitzLinearOperator does the same): T is the leading m × m block of the circulant of
/// length L ≥ 2m − 1 whose first column is (c₀, …, c_{m−1}, 0, …, 0, c_{m−1}, …, c₁), so T x is
/// the first m entries of C (x, 0): one real FFT, a product with C's real spectrum, one inverse FFT —
/// O(L log L) per fibre instead of the dense product's m². FFTW's half-complex transforms
/// (`R2RPlan`, `realToHalfComplex` / `halfComplexToReal`) keep everything real: a real spectrum
/// scales a coefficient's real and imaginary parts alike.
///
/// The same transforms give the lag sums Σ_fibres Σ_j x_f[j + ℓ] y_f[j], the diagonals of the
/// mode's Gram matrix Σ_f x_f y_fᵀ, which is all a stationary kernel's gradient needs
/// (`Kernel1D.parameterGradients(spacing:lagSums:)`): the fibres' cross-correlations summed in
/// frequency space, then one inverse transform.
public struct SymmetricToeplitz: Sendable {
    /// c₀ … c_{m−1}.
    public let firstColumn: [Double]
    /// L: the smallest length ≥ 2m − 1 with no prime factor above 7 (FFTW's fast sizes; 2m
    /// itself can carry a large prime, 632 = 8 · 79 for m = 316).
    let length: Int
    /// C's eigenvalues / L in half-complex order (the scale of each stored coefficient).
    let spectrum: [Double]

    public init(firstColumn c: [Double]) throws {
        let m = c.count
        guard m >= 1 else { throw LinearAlgebraError.invalidArgument("a Toeplitz matrix of order 0") }
        firstColumn = c
        length = Self.fastLength(2 * m - 1)
        let plan = try R2RPlanPool.shared.checkout(shape: [length], kinds: [.realToHalfComplex], effort: .estimate, threads: 1)
        defer { R2RPlanPool.shared.checkin(plan) }
        let b = plan.buffer
        for i in 0..<length { b[i] = 0 }
        for j in 0..<m { b[j] = c[j] }
        for j in 1..<m { b[length - j] = c[j] }
        plan.execute()
        // The circulant is symmetric, so its DFT is real: r_k at k and L − k (whose imaginary
        // slot then scales by the same eigenvalue).
        var s = [Double](repeating: 0, count: length)
        let scale = 1 / Double(length)
        for k in 0...(length / 2) { s[k] = b[k] * scale }
        for k in 1..<((length + 1) / 2) { s[length - k] = b[k] * scale }
        spectrum = s
    }

    public var size: Int { firstColumn.count }

    /// The smallest n' ≥ n whose prime factors are 2, 3, 5 and 7.
    static func fastLength(_ n: Int) -> Int {
        var candidate = max(n, 1)
        while true {
            var rest = candidate
            for p in [2, 3, 5, 7] { while rest % p == 0 { rest /= p } }
            if rest == 1 { return candidate }
            candidate += 1
        }
    }

    /// Fibres per batch of transforms: about 2²⁰ doubles of buffer.
    func batch(_ fibres: Int) -> Int { max(1, min(fibres, (1 << 20) / length)) }

    /// Y = X ×_mode T for X of `shape` (C order); `shape[mode]` must be m.
    public func apply(to x: [Double], shape: [Int], mode: Int) throws -> [Double] {
        let (outer, m, inner) = ModeProduct.split(shape, mode)
        precondition(m == size && x.count == outer * m * inner, "Toeplitz mode product: order \(size) on mode \(mode) of \(shape)")
        let fibres = outer * inner, b = batch(fibres), l = length
        var y = [Double](repeating: 0, count: x.count)
        let forward = try R2RPlanPool.shared.checkout(shape: [l], kinds: [.realToHalfComplex], howMany: b, effort: .estimate,
                                                      threads: Parallel.threadCount)
        let inverse = try R2RPlanPool.shared.checkout(shape: [l], kinds: [.halfComplexToReal], howMany: b, effort: .estimate,
                                                      threads: Parallel.threadCount)
        defer { R2RPlanPool.shared.checkin(forward); R2RPlanPool.shared.checkin(inverse) }
        let fb = forward.buffer, ib = inverse.buffer
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                spectrum.withUnsafeBufferPointer { sp in
                    for first in stride(from: 0, to: fibres, by: b) {
                        let count = min(b, fibres - first)
                        // Fibre f = a · inner + c starts at a m inner + c, stride inner.
                        Parallel.chunks(b, minimumChunk: 64) { range, _ in
                            for slot in range {
                                let row = fb.baseAddress! + slot * l
                                if slot >= count { for i in 0..<l { row[i] = 0 }; continue }
                                let f = first + slot, start = (f / inner) * m * inner + f % inner
                                for i in 0..<m { row[i] = xp[start + i * inner] }
                                for i in m..<l { row[i] = 0 }
                            }
                        }
                        forward.execute()
                        Parallel.chunks(b * l, minimumChunk: 1 << 14) { range, _ in
                            for i in range { ib[i] = fb[i] * sp[i % l] }
                        }
                        inverse.execute()
                        Parallel.chunks(count, minimumChunk: 64) { range, _ in
                            for slot in range {
                                let row = ib.baseAddress! + slot * l
                                let f = first + slot, start = (f / inner) * m * inner + f % inner
                                for i in 0..<m { yp[start + i * inner] = row[i] }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// s[ℓ + m − 1] = Σ_fibres Σ_j x_f[j + ℓ] y_f[j] for ℓ = −(m − 1) … m − 1, over the mode-`mode`
    /// fibres of x and y (`shape`, C order): the diagonal sums of Σ_f x_f y_fᵀ. Exact lags need
    /// a transform length L ≥ 2m − 1 (no wrap-around), which `fastLength` gives.
    public static func lagSums(_ x: [Double], _ y: [Double], shape: [Int], mode: Int) throws -> [Double] {
        let (outer, m, inner) = ModeProduct.split(shape, mode)
        precondition(x.count == outer * m * inner && y.count == x.count, "lag sums: buffer sizes")
        let l = fastLength(2 * m - 1), fibres = outer * inner
        let b = max(1, min(fibres, (1 << 19) / l))
        let plan = try R2RPlanPool.shared.checkout(shape: [l], kinds: [.realToHalfComplex], howMany: 2 * b, effort: .estimate,
                                                   threads: Parallel.threadCount)
        defer { R2RPlanPool.shared.checkin(plan) }
        let buffer = plan.buffer
        // Z = Σ_f X̂_f conj(Ŷ_f) in half-complex order, summed over fixed blocks of fibres (so
        // the bits do not depend on the thread count).
        var z = [Double](repeating: 0, count: l)
        for first in stride(from: 0, to: fibres, by: b) {
            let count = min(b, fibres - first)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeBufferPointer { yp in
                    Parallel.chunks(2 * b, minimumChunk: 64) { range, _ in
                        for slot in range {
                            let row = buffer.baseAddress! + slot * l
                            let fibre = slot % b
                            if fibre >= count { for i in 0..<l { row[i] = 0 }; continue }
                            let f = first + fibre, start = (f / inner) * m * inner + f % inner
                            let source = slot < b ? xp : yp
                            for i in 0..<m { row[i] = source[start + i * inner] }
                            for i in m..<l { row[i] = 0 }
                        }
                    }
                }
            }
            plan.execute()
            for fibre in 0..<count {
                let xr = buffer.baseAddress! + fibre * l, yr = buffer.baseAddress! + (b + fibre) * l
                z[0] += xr[0] * yr[0]
                if l % 2 == 0 { z[l / 2] += xr[l / 2] * yr[l / 2] }  // the Nyquist coefficient, real
                for k in 1..<((l + 1) / 2) {
                    // (a + ib)(c − id) = (ac + bd) + i(bc − ad); imaginary parts sit at L − k.
                    let a = xr[k], bi = xr[l - k], c = yr[k], d = yr[l - k]
                    z[k] += a * c + bi * d
                    z[l - k] += bi * c - a * d
                }
            }
        }
        let back = try R2RPlanPool.shared.checkout(shape: [l], kinds: [.halfComplexToReal], effort: .estimate, threads: 1)
        defer { R2RPlanPool.shared.checkin(back) }
        for i in 0..<l { back.buffer[i] = z[i] / Double(l) }
        back.execute()
        // Circular lag ℓ sits at ℓ mod L.
        return (0..<(2 * m - 1)).map { i in let lag = i - (m - 1); return back.buffer[(lag + l) % l] }
    }
}
