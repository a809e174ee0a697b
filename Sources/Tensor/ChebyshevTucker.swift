import Foundation
import LinearAlgebra
import Spectral

/// The hybrid Chebyshev–Tucker format (Benner, Khoromskij, Khoromskaia and Sun, 2025) of a
/// function on a box in d = 1…4 variables:
///
///     f(x) ≈ Σ_{j} G[j₁, …, j_d] Π_k u_{k, j_k}(x_k),   u_{k, j}(t) = Σ_m C_k[m, j] T_m(t̂),
///
/// t̂ the coordinate mapped to [−1, 1]. It is built by interpolating f on the tensor
/// Chebyshev–Lobatto grid (coefficients by DCT-I), then compressing the coefficient tensor by
/// ST-HOSVD: the coefficient tensor's mode-k fibres are Chebyshev coefficient vectors, so the
/// factors C_k are coefficient matrices and every factor is a univariate Chebyshev series.
/// Evaluation never forms a grid tensor: at a point it costs Σ_k N_k r_k + Π r_k, on a grid the
/// per-axis matrices T_m(t_i) C_k followed by d mode products of the small core.
public struct ChebyshevTucker: Sendable {
    public let lower: [Double]
    public let upper: [Double]
    public var core: DenseTensor
    /// C_k: (degree + 1) × r_k Chebyshev coefficients of the factor functions.
    public var factors: [DenseMatrix]
    /// False when `adaptive` stopped at its point cap with coefficients still above the
    /// tolerance on some axis (a cusp or a near-singularity): the result is not to tolerance.
    public var degreesResolved = true

    public var dimension: Int { lower.count }
    public var ranks: [Int] { core.shape }
    public var degrees: [Int] { factors.map { $0.rows - 1 } }
    public var storage: Int { core.count + factors.reduce(0) { $0 + $1.rows * $1.columns } }

    /// Interpolates `f` on `points[k]` Chebyshev–Lobatto points per axis, then compresses the
    /// coefficient tensor to the relative tolerance (Frobenius norm of the coefficients, which
    /// is the weighted L2 norm of the function up to constants).
    public init(box: [(Double, Double)], points: [Int], tolerance: Double, _ f: ([Double]) -> Double) throws {
        let values = try Self.sample(box: box, points: points, f)
        try self.init(box: box, coefficients: try Self.coefficients(values, points: points), tolerance: tolerance)
    }

    /// The format from a coefficient tensor (C order, index k along axis k).
    public init(box: [(Double, Double)], coefficients: DenseTensor, tolerance: Double) throws {
        guard box.count == coefficients.order, box.allSatisfy({ $0.0 < $0.1 && $0.0.isFinite && $0.1.isFinite }) else {
            throw LinearAlgebraError.invalidArgument("Chebyshev–Tucker: a box of \(coefficients.order) finite intervals with lower < upper")
        }
        // Trailing coefficients are negligible once the degree is resolved: each axis drops its
        // last slabs while their energy fits ε²‖C‖²/(100 d), a hundredth of the error budget in
        // all (the approximation stays as accurate as before, to ranks and grid errors), and
        // ST-HOSVD of the smaller block gets the rest (ε√0.99). Coefficients decay
        // geometrically, so even this small share cuts 109³ to about 80³ at 1e-7.
        let d = coefficients.order, shape = coefficients.shape
        // Energies square the coefficients: scaled by a power of two (exact) near the largest,
        // so that |c| above 1e154 does not overflow them (1e160·cos(9x) gave rank 1, error 1.09).
        let scale = powerOfTwoScale(coefficients.values)
        var coefficients = coefficients
        if scale != 1 { for i in coefficients.values.indices { coefficients.values[i] /= scale } }
        // The slab energies of every axis in one pass over the tensor (C order, last index fastest).
        var slabs = shape.map { [Double](repeating: 0, count: $0) }
        coefficients.values.withUnsafeBufferPointer { c in
            var index = [Int](repeating: 0, count: d)
            for flat in 0..<c.count {
                let v = c[flat] * c[flat]
                for k in 0..<d { slabs[k][index[k]] += v }
                var k = d - 1
                while k >= 0 { index[k] += 1; if index[k] < shape[k] { break }; index[k] = 0; k -= 1 }
            }
        }
        let energy = slabs[0].reduce(0, +)
        let budget = tolerance * tolerance * energy / Double(100 * d)
        var block = shape
        for k in 0..<d {
            let slab = slabs[k], n = shape[k]
            var tail = 0.0, keep = n
            while keep > 2, tail + slab[keep - 1] <= budget { tail += slab[keep - 1]; keep -= 1 }
            block[k] = keep
        }
        let trimmed = block == coefficients.shape ? coefficients : coefficients.leadingBlock(block)
        let t = try TuckerTensor.sthosvd(trimmed, .tolerance(tolerance * 0.99.squareRoot()))
        lower = box.map(\.0); upper = box.map(\.1)
        core = t.core; factors = t.factors
        if scale != 1 { for i in core.values.indices { core.values[i] *= scale } }
    }

    /// f on the tensor Lobatto grid of the box (C order; point j of axis k is the j-th Lobatto
    /// point, from the upper end down, mapped to the box).
    public static func sample(box: [(Double, Double)], points: [Int], _ f: ([Double]) -> Double) throws -> DenseTensor {
        guard (1...4).contains(points.count), points.count == box.count, points.allSatisfy({ $0 >= 2 }) else {
            throw LinearAlgebraError.invalidArgument("Chebyshev–Tucker: 1 to 4 axes of at least 2 points, got \(points)")
        }
        let total = points.reduce(1) { $0.multipliedReportingOverflow(by: $1).overflow ? Int.max : $0 * $1 }
        guard total <= 50_000_000 else {
            throw LinearAlgebraError.invalidArgument("Chebyshev–Tucker: \(points) is \(total) samples; at most 5·10⁷")
        }
        let nodes = zip(points, box).map { n, b in ChebyshevTransform.lobattoPoints(n).map { b.0 + (b.1 - b.0) * ($0 + 1) / 2 } }
        // Slabs of the first axis on the machine's cores (f must be safe to call concurrently:
        // expressions and particle sums are pure), one reused point buffer per slab: at 1e-7 the
        // samples (10⁶ and more) were most of the build, mostly in per-point allocations.
        let d = points.count, inner = total / points[0]
        var values = [Double](repeating: 0, count: total)
        values.withUnsafeMutableBufferPointer { out in
            let target = UncheckedBox(out)
            Parallel.chunks(points[0], minimumChunk: max(1, 16_384 / max(inner, 1))) { range, _ in
                var x = [Double](repeating: 0, count: d), index = [Int](repeating: 0, count: d)
                for i0 in range {
                    index[0] = i0; x[0] = nodes[0][i0]
                    for k in 1..<d { index[k] = 0; x[k] = nodes[k][0] }
                    for flat in (i0 * inner)..<((i0 + 1) * inner) {
                        target.value[flat] = f(x)
                        var k = d - 1
                        while k > 0 {
                            index[k] += 1
                            if index[k] < points[k] { x[k] = nodes[k][index[k]]; break }
                            index[k] = 0; x[k] = nodes[k][0]; k -= 1
                        }
                    }
                }
            }
        }
        // A pole on the grid would reach LAPACK as NaN or ∞ (which reports only "argument 5").
        if let flat = values.firstIndex(where: { !$0.isFinite }) {
            var rem = flat, bad = [Double](repeating: 0, count: d)
            for k in stride(from: d - 1, through: 0, by: -1) { bad[k] = nodes[k][rem % points[k]]; rem /= points[k] }
            throw LinearAlgebraError.invalidArgument("the function is not finite at the interpolation point \(bad)")
        }
        return DenseTensor(shape: points, values: values)
    }

    /// Chebyshev coefficients of a tensor of Lobatto samples. With 97 to 160 points per axis
    /// the DCT-I is applied as a dense matrix per mode (`dgemm` through the mode products, the
    /// weights folded in): 2n flops per entry and axis at BLAS-3 speed beat FFTW's REDFT00 there
    /// (measured on 3 axes: 109³ 38 ms vs 76 ms, 129³ 75 vs 105 ms); below, the small per-block
    /// products lose to FFTW (65³: 32 vs 10 ms), and above, the n⁴ flops do.
    ///
    /// The values are divided by a power of two near their largest magnitude first and the
    /// coefficients multiplied back (exact in binary floating point): the transforms' sums of
    /// up to Πn terms overflowed to inf for |f| near 1e306, which reached LAPACK as NaN.
    public static func coefficients(_ values: DenseTensor, points: [Int]) throws -> DenseTensor {
        let scale = powerOfTwoScale(values.values)
        var scaled = values
        if scale != 1 { for i in scaled.values.indices { scaled.values[i] /= scale } }
        var c: DenseTensor
        if points.allSatisfy({ denseTransformRange.contains($0) }) {
            c = scaled
            for (k, n) in points.enumerated() { c = c.modeProduct(dctMatrix(n), mode: k) }
        } else {
            let transform = try ChebyshevTransform(points: points)
            c = DenseTensor(shape: points, values: transform.coefficients(fromValues: scaled.values))
        }
        if scale != 1 { for i in c.values.indices { c.values[i] *= scale } }
        if let bad = c.values.first(where: { !$0.isFinite }) {
            throw LinearAlgebraError.invalidArgument("the function's Chebyshev coefficients are not finite (\(bad)): its values, up to \(scale) "
                + "in magnitude, are beyond what the transform can represent; rescale the function")
        }
        return c
    }


    /// Point counts whose DCT-I runs as a dense matrix (`coefficients`).
    static let denseTransformRange = 97...160

    /// The values → coefficients map on n Lobatto points as a matrix: with N = n − 1,
    /// c_k = (k ∈ {0, N} ? ½ : 1)/N · Σ_j (j ∈ {0, N} ? 1 : 2) cos(πjk/N) f_j (ChebyshevTransform's
    /// DCT-I with its scaling).
    static func dctMatrix(_ n: Int) -> DenseMatrix {
        let m = n - 1
        var a = DenseMatrix(rows: n, columns: n)
        for j in 0..<n {
            let wj: Double = (j == 0 || j == m) ? 1 : 2
            for k in 0..<n {
                let wk: Double = (k == 0 || k == m) ? 0.5 : 1
                // cos(πjk/N) with the product reduced mod 2N, exact at the symmetric points.
                a[k, j] = wk / Double(m) * wj * cos(Double.pi * Double((j * k) % (2 * m)) / Double(m))
            }
        }
        return a
    }

    /// Adaptive degrees. First a probe (`probeCutoffs`): along a few lines per axis, cheap 1D
    /// interpolants find the index m_k beyond which the Chebyshev coefficients stay small, and
    /// the tensor grid is sampled once with m_k plus an eighth (at least 8) points per axis.
    /// Then the check on the whole coefficient tensor: every axis's coefficients from m_k on
    /// must be below `tolerance` times the largest, over all fibres. An axis the probe could not
    /// settle, or that fails the check (a feature the probe lines missed), falls back to the
    /// growth rule: from 17 points, its last quarter must fall below the tolerance (coefficient
    /// decay, as Chebfun's cut-off rule in spirit), each step predicting the count from the
    /// decay rate seen so far (`nextPointCount`), at most doubling, up to `maxPoints`.
    ///
    /// The probe saves the intermediate full-tensor steps and the last-quarter margin: the
    /// 1/(1 + 25|x|²) build at 1e-7 went 17³ → 33³ → 65³ → 121³ samples before it, and 102³ after.
    public static func adaptive(box: [(Double, Double)], tolerance: Double, maxPoints: Int = 257,
                                _ f: ([Double]) -> Double) throws -> ChebyshevTucker {
        let probed = try probeCutoffs(box: box, tolerance: tolerance, maxPoints: maxPoints, f)
        // checkFrom[k]: the first coefficient index of axis k that must be below the tolerance
        // (nil: the last quarter, the growth rule).
        var checkFrom: [Int?] = probed
        var points = probed.map { cut -> Int in
            guard let m = cut else { return 17 }
            // FFTW wants 5-smooth interval counts; the dense DCT matrices (97–160) take any.
            let n = max(17, m + max(8, m / 8))
            return min(maxPoints, denseTransformRange.contains(n) ? n : smooth(n))
        }
        var resolved = [Bool](repeating: false, count: box.count)
        var capped = false
        while true {
            let c = try coefficients(try sample(box: box, points: points, f), points: points)
            let largest = c.values.reduce(0) { max($0, abs($1)) }
            for k in 0..<box.count where !resolved[k] {
                let (outer, n, inner) = c.split(k)
                let from = min(checkFrom[k] ?? (3 * n / 4), 3 * n / 4)
                var tail = 0.0
                for a in 0..<outer { for i in from..<n { for b in 0..<inner { tail = max(tail, abs(c.values[(a * n + i) * inner + b])) } } }
                if tail <= tolerance * largest { resolved[k] = true } else if points[k] >= maxPoints { resolved[k] = true; capped = true }
                else { checkFrom[k] = nil }
            }
            if resolved.allSatisfy({ $0 }) {
                var t = try ChebyshevTucker(box: box, coefficients: c, tolerance: tolerance)
                t.degreesResolved = !capped
                return t
            }
            for k in 0..<box.count where !resolved[k] {
                points[k] = min(maxPoints, nextPointCount(c, axis: k, target: tolerance * largest))
            }
        }
    }

    /// Per axis, the coefficient index beyond which f's Chebyshev coefficients along probe lines
    /// stay below a quarter of `tolerance` times the largest seen (nil when 257 points do not
    /// resolve a line: a cusp or near-singularity, left to the growth rule). The lines run along
    /// axis k through the box's centre and 11 pseudo-random points (a fixed sequence), sampled
    /// at 17, 33, 65, … Lobatto points until each line's last quarter is below the threshold.
    /// The quarter is a margin for the lines' scale (a line through a peak has larger
    /// coefficients than the tensor's average); the full check afterwards decides.
    static func probeCutoffs(box: [(Double, Double)], tolerance: Double, maxPoints: Int,
                             _ f: ([Double]) -> Double) throws -> [Int?] {
        let d = box.count, lines = 12
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let bases: [[Double]] = (0..<lines).map { line in
            box.map { b in b.0 + (b.1 - b.0) * (line == 0 ? 0.5 : uniform()) }
        }
        var cutoffs: [Int?] = []
        for k in 0..<d {
            var n = 17, cutoff: Int? = nil
            while true {
                let transform = try ChebyshevTransform(points: [n])
                let nodes = ChebyshevTransform.lobattoPoints(n).map { box[k].0 + (box[k].1 - box[k].0) * ($0 + 1) / 2 }
                var all: [[Double]] = []
                for base in bases {
                    var x = base
                    let values = nodes.map { t -> Double in x[k] = t; return f(x) }
                    guard values.allSatisfy(\.isFinite) else { all = []; break }
                    all.append(transform.coefficients(fromValues: values))
                }
                guard !all.isEmpty else { break }  // not finite on a line: the sampling reports where
                let threshold = 0.25 * tolerance * all.map { $0.map(abs).max() ?? 0 }.max()!
                let tail = all.map { c in c[(3 * n / 4)...].map(abs).max() ?? 0 }.max()!
                if tail <= threshold {
                    cutoff = all.map { c in (c.lastIndex { abs($0) > threshold } ?? 0) + 1 }.max()!
                    break
                }
                if n >= maxPoints { break }
                n = min(maxPoints, 2 * (n - 1) + 1)
            }
            cutoffs.append(cutoff)
        }
        return cutoffs
    }

    /// The next number of points for an unresolved axis: from the geometric decay of its
    /// coefficient envelope (max over fibres, max over a window of 7 to ride over odd/even
    /// zeros) between the middle and the end, the index where it reaches the target, plus 15 %
    /// and a quarter to keep the checked tail below it; between n + 8 and 2n − 1 (the doubling
    /// the rule started from), which a decay too slow or too noisy to fit falls back to.
    static func nextPointCount(_ c: DenseTensor, axis k: Int, target: Double) -> Int {
        let (outer, n, inner) = c.split(k)
        let doubled = 2 * (n - 1) + 1
        var envelope = [Double](repeating: 0, count: n)
        for a in 0..<outer { for i in 0..<n { for b in 0..<inner { envelope[i] = max(envelope[i], abs(c.values[(a * n + i) * inner + b])) } } }
        func window(_ m: Int) -> Double { envelope[max(0, m - 3)...min(n - 1, m + 3)].max() ?? 0 }
        let m1 = n / 2, m2 = n - 4
        let a1 = window(m1), a2 = window(m2)
        guard a1 > 0, a2 > 0, a2 < a1, target > 0 else { return doubled }
        let rate = (log(a1) - log(a2)) / Double(m2 - m1)          // decay per index
        let needed = Double(m2) + (log(a2) - log(target)) / rate    // where the envelope meets the target
        let wanted = (needed * 1.15 * 4 / 3).rounded(.up) + 1       // the checked tail is the last quarter
        // A slow decay (a sharp peak) extrapolates to astronomically many points, or to inf:
        // clamp before converting and before `smooth`, whose walk upward is O(count).
        let count = wanted.isFinite && wanted < Double(doubled) ? Int(wanted) : doubled
        return smooth(min(doubled, max(n + 8, count)))
    }

    /// The smallest count ≥ n whose interval count n − 1 has no prime factor above 5: FFTW's
    /// DCT-I of n points is fast for those (measured: 102 points, 101 prime, made the 1e-7 build
    /// of issue 13's Newton kernel 2.7× slower than 129 points).
    static func smooth(_ n: Int) -> Int {
        var m = max(n - 1, 1)
        while true {
            var r = m
            for p in [2, 3, 5] { while r % p == 0 { r /= p } }
            if r == 1 { return m + 1 }
            m += 1
        }
    }

    /// T₀(t) … T_{n−1}(t) by the three-term recurrence.
    static func chebyshevValues(_ t: Double, count n: Int) -> [Double] {
        var v = [Double](repeating: 0, count: n)
        v[0] = 1
        if n > 1 { v[1] = t }
        if n > 2 { for m in 2..<n { v[m] = 2 * t * v[m - 1] - v[m - 2] } }
        return v
    }

    func mapped(_ x: Double, _ k: Int) -> Double { (2 * x - lower[k] - upper[k]) / (upper[k] - lower[k]) }

    /// f at one point: v_k = C_kᵀ T(t_k), then the core contracted with v₁ … v_d — plain loops,
    /// no allocation beyond the d small vectors (Σ N_k r_k + d Π r_k operations).
    public func value(at x: [Double]) -> Double {
        precondition(x.count == dimension, "Chebyshev–Tucker: a point of \(x.count) coordinates in \(dimension) dimensions")
        var vectors: [[Double]] = []
        for k in 0..<dimension {
            let fk = factors[k], n = fk.rows, r = fk.columns
            let t = mapped(x[k], k)
            var v = [Double](repeating: 0, count: r)
            fk.values.withUnsafeBufferPointer { c in
                // T_m(t) by the recurrence, accumulated column by column (C_k is column-major).
                var tPrev = 1.0, tCur = t
                for j in 0..<r { v[j] = c[j * n] }
                if n > 1 { for j in 0..<r { v[j] += c[1 + j * n] * t } }
                if n > 2 {
                    for m in 2..<n {
                        let tNext = 2 * t * tCur - tPrev
                        tPrev = tCur; tCur = tNext
                        for j in 0..<r { v[j] += c[m + j * n] * tNext }
                    }
                }
            }
            vectors.append(v)
        }
        // Σ over core entries (C order) of G[i] Π_k v_k[i_k], innermost axis summed first.
        let shape = core.shape, last = dimension - 1, inner = shape[last]
        return core.values.withUnsafeBufferPointer { g in
            var total = 0.0
            var index = [Int](repeating: 0, count: dimension)
            var base = 0
            while base < g.count {
                var s = 0.0
                let vl = vectors[last]
                for j in 0..<inner { s += g[base + j] * vl[j] }
                var w = 1.0
                for k in 0..<last { w *= vectors[k][index[k]] }
                total += w * s
                base += inner
                var k = last - 1
                while k >= 0 { index[k] += 1; if index[k] < shape[k] { break }; index[k] = 0; k -= 1 }
            }
            return total
        }
    }

    /// f on the tensor grid of the given coordinates per axis (C order).
    public func values(onGrid axes: [[Double]]) -> DenseTensor {
        precondition(axes.count == dimension, "Chebyshev–Tucker: \(axes.count) axes in \(dimension) dimensions")
        var t = core
        for k in 0..<dimension {
            let fk = factors[k]
            var e = DenseMatrix(rows: axes[k].count, columns: fk.rows)
            for (i, x) in axes[k].enumerated() {
                let v = Self.chebyshevValues(mapped(x, k), count: fk.rows)
                for m in 0..<fk.rows { e[i, m] = v[m] }
            }
            t = t.modeProduct(try! e.multiplied(by: fk), mode: k)
        }
        return t
    }

    /// ∫ over the box: ∫_{−1}^{1} T_m = 2/(1 − m²) for even m, 0 for odd m, times the half-widths.
    public func integral() -> Double {
        var t = core
        for k in 0..<dimension {
            let fk = factors[k]
            var w = DenseMatrix(rows: 1, columns: fk.columns)
            for j in 0..<fk.columns {
                var s = 0.0
                for m in stride(from: 0, to: fk.rows, by: 2) { s += fk[m, j] * 2 / (1 - Double(m * m)) }
                w[0, j] = s * (upper[k] - lower[k]) / 2
            }
            t = t.modeProduct(w, mode: k)
        }
        return t.values[0]
    }
}
