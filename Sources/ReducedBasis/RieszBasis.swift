import Foundation
import LinearAlgebra

/// The numerically stable residual norm of Buhr, Engwer, Ohlberger & Rave ("A numerically
/// stable a posteriori error estimator for reduced basis approximations of elliptic
/// equations", 2014): instead of expanding ‖r(μ)‖²_X' = Σ θθ' ⟨R, R'⟩ through Gram matrices of
/// the Riesz representers — whose terms can be far larger than their sum, so that rounding
/// leaves nothing below √ε of the largest (a 1D family's bound fell to 0 while the error was
/// 3e-4) — every representer is expressed in an X-orthonormal basis W of their span, R = W r̂,
/// and ‖r(μ)‖_X' = ‖Σ θ r̂‖₂ is summed as a short vector: rounding now costs ε, not √ε, of the
/// largest term.
///
/// Offline only: W grows a block of representers at a time (two passes of block classical
/// Gram–Schmidt against W in the X inner product, through `dgemm`, then modified Gram–Schmidt
/// inside the block, a third projection for vectors that lost most of their norm). A vector
/// whose remainder is below `dropTolerance` of its norm adds no column (it is in the span to
/// that accuracy), so the residual norm is exact to about 1e-10 of its largest term.
struct RieszBasis {
    let x: CSRMatrix
    /// n × R, X-orthonormal.
    private(set) var w: DenseMatrix
    /// Below this fraction of its norm a vector's remainder is dropped (it is in the span to that
    /// accuracy). Not ε: a remainder of 1e-12 is mostly rounding and, normalised, would be a
    /// direction far from X-orthogonal to W (the thermal block's every fourth representer is
    /// exactly dependent — Σ_q μ_q A_q u(μ) = f — and came out at 7e-13 to 2e-10).
    let dropTolerance = 1e-10

    init(x: CSRMatrix) {
        self.x = x
        w = DenseMatrix(rows: x.rows, columns: 0)
    }

    var size: Int { w.columns }

    /// Adds `vectors` to the span; returns each one's coefficients in W (length `size` after
    /// the call; a vector is W times its coefficients up to the drop tolerance).
    mutating func add(_ vectors: [[Double]]) throws -> [[Double]] {
        let n = x.rows, k = vectors.count
        guard k > 0 else { return [] }
        var b = DenseMatrix(rows: n, columns: k, values: vectors.flatMap { $0 })
        let r0 = w.columns
        var c = DenseMatrix(rows: r0, columns: k)
        let norms = vectors.map { xNorm($0) }
        // Twice against W: C += Wᵀ X B, B −= W C.
        if r0 > 0 {
            for _ in 0..<2 {
                let xb = applyX(b)
                let ci = try w.multiplied(by: xb, transposeSelf: true)
                let correction = try w.multiplied(by: ci)
                for i in b.values.indices { b.values[i] -= correction.values[i] }
                for i in c.values.indices { c.values[i] += ci.values[i] }
            }
        }
        // Inside the block: modified Gram–Schmidt in X, twice per vector.
        var accepted: [[Double]] = [], within = [[Double]](repeating: [], count: k)
        for j in 0..<k {
            var v = Array(b.values[(j * n)..<((j + 1) * n)])
            var coefficients = [Double](repeating: 0, count: accepted.count)
            for _ in 0..<2 {
                for (a, q) in accepted.enumerated() {
                    let r = xDot(q, v)
                    coefficients[a] += r
                    for i in 0..<n { v[i] -= r * q[i] }
                }
            }
            var remainder = xNorm(v)
            // A vector nearly in the span loses most of its norm to cancellation, and what is
            // left carries rounding error along W of size ε‖v‖: project it on W once more
            // (Daniel–Gragg–Kaufman–Stewart) before it may become a direction of its own.
            if remainder > dropTolerance * norms[j] && remainder < 0.5 * norms[j] && r0 > 0 {
                let xv = x.apply(v)
                let d = (0..<r0).map { i in w.values.withUnsafeBufferPointer { wp in
                    var t = 0.0; for e in 0..<n { t += wp[i * n + e] * xv[e] }; return t } }
                for i in 0..<r0 { c[i, j] += d[i]; for e in 0..<n { v[e] -= d[i] * w.values[i * n + e] } }
                for (a, q) in accepted.enumerated() {
                    let r = xDot(q, v)
                    coefficients[a] += r
                    for e in 0..<n { v[e] -= r * q[e] }
                }
                remainder = xNorm(v)
            }
            if remainder > dropTolerance * norms[j] && remainder > 0 {
                accepted.append(v.map { $0 / remainder })
                coefficients.append(remainder)
            }
            within[j] = coefficients
        }
        w = DenseMatrix(rows: n, columns: r0 + accepted.count, values: w.values + accepted.flatMap { $0 })
        return (0..<k).map { j in
            var out = [Double](repeating: 0, count: w.columns)
            for i in 0..<r0 { out[i] = c[i, j] }
            for (a, value) in within[j].enumerated() { out[r0 + a] = value }
            return out
        }
    }

    private func applyX(_ b: DenseMatrix) -> DenseMatrix {
        let n = b.rows
        var out = DenseMatrix(rows: n, columns: b.columns)
        for j in 0..<b.columns {
            let y = x.apply(Array(b.values[(j * n)..<((j + 1) * n)]))
            out.values.replaceSubrange((j * n)..<((j + 1) * n), with: y)
        }
        return out
    }

    private func xDot(_ a: [Double], _ b: [Double]) -> Double { zip(a, x.apply(b)).reduce(0) { $0 + $1.0 * $1.1 } }
    private func xNorm(_ a: [Double]) -> Double { max(xDot(a, a), 0).squareRoot() }
}
