import Foundation
import LinearAlgebra

/// A low-rank-plus-noise approximation P = L Lᵀ + σ² I of the interpolated covariance
/// C = s W K_UU Wᵀ + σ² I, built from K_UU's own eigenpairs: K_UU = Q Λ Qᵀ is Kronecker
/// (Q = ⊗ Q_k, Λ = ⊗ Λ_k, from the d small factors), so its r largest eigenpairs are products
/// of 1-D ones, and
///
///     L = √s W Q_r Λ_r^{1/2}   (n × r),   C − P = s W Q_rest Λ_rest Q_restᵀ Wᵀ ⪰ 0.
///
/// Each column of W Q_r is a product over axes of 1-D eigenvectors interpolated at the points'
/// coordinates (W's rows are tensor products), so L costs O(n r d). GPyTorch preconditions the
/// same systems with a pivoted Cholesky factor of the kernel (Gardner et al. 2018, §4); the
/// Kronecker eigenpairs give a factor of the interpolated kernel itself without pivoting.
///
/// P serves three ways (ScatteredGaussianProcess): it preconditions CG; log det P is exact,
/// so only tr log(P⁻¹C) is left to stochastic Lanczos quadrature; and tr(P⁻¹ ∂C) is exact, so
/// Hutchinson's estimator only sees tr((C⁻¹ − P⁻¹) ∂C) — both remainders vanish as P → C,
/// which is what makes the estimates' variance small.
///
/// With S = σ² I_r + LᵀL (Woodbury and the matrix determinant lemma):
///
///     P⁻¹ = (I − L S⁻¹ Lᵀ) / σ²,   log det P = (n − r) log σ² + log det S.
struct InterpolatedEigenPreconditioner {
    let n: Int
    /// L, n × r.
    let factor: DenseMatrix
    let capacitance: DenseCholesky
    let noise: Double
    let logDeterminant: Double
    /// The kept eigenpairs of K_UU: each a product eigenvalue and its 1-D indices per axis.
    let kept: [(value: Double, index: [Int])]
    let eigen: [SymmetricEigendecomposition]
    let signal: Double
    var rank: Int { factor.columns }

    /// The rows of √s W* Q_r Λ_r^{1/2} for points with these stencils: column c is
    /// √(s λ_c) Π_k (1-D eigenvector i_k of axis k interpolated at the points' coordinates).
    static func rows(_ stencils: [CubicInterpolation.AxisStencils], kept: [(value: Double, index: [Int])], eigen: [SymmetricEigendecomposition],
                     signal s: Double) -> DenseMatrix {
        let d = eigen.count, n = stencils[0].start.count
        // B_k[p, i] = Σ_o w_{k,o}(p) Q_k[start + o, i] for each 1-D eigenvector used.
        var interpolated: [[Int: [Double]]] = Array(repeating: [:], count: d)
        for (_, idx) in kept {
            for k in 0..<d where interpolated[k][idx[k]] == nil {
                let q = eigen[k].eigenvectors, st = stencils[k]
                interpolated[k][idx[k]] = (0..<n).map { p in
                    let a = Int(st.start[p])
                    return st.weights[4 * p] * q[a, idx[k]] + st.weights[4 * p + 1] * q[a + 1, idx[k]]
                        + st.weights[4 * p + 2] * q[a + 2, idx[k]] + st.weights[4 * p + 3] * q[a + 3, idx[k]]
                }
            }
        }
        var l = DenseMatrix(rows: n, columns: kept.count)
        l.values.withUnsafeMutableBufferPointer { lp in
            for (c, (value, idx)) in kept.enumerated() {
                let scale = (s * value).squareRoot()
                for p in 0..<n { lp[c * n + p] = scale }
                for k in 0..<d {
                    let b = interpolated[k][idx[k]]!
                    for p in 0..<n { lp[c * n + p] *= b[p] }
                }
            }
        }
        return l
    }

    /// Eigenpairs kept: those with s λ (n / M) ≥ `threshold` σ² (the interpolated kernel's
    /// eigenvalues are about n/M times K_UU's for points spread over the box), at most
    /// `maximumRank` of them, largest first.
    init(stencils: [CubicInterpolation.AxisStencils], eigen: [SymmetricEigendecomposition], gridCount: Int, signalVariance s: Double,
         noiseVariance noise: Double, maximumRank: Int, threshold: Double = 1e-2) throws {
        let d = eigen.count
        let n = stencils[0].start.count
        self.n = n
        self.noise = noise
        // Per axis, eigenvalues descending (dsyevd's are ascending); rounding can leave tiny
        // negative ones, which are dropped.
        let order = eigen.map { e in Array(e.eigenvalues.indices.reversed()).filter { e.eigenvalues[$0] > 0 } }
        let cut = threshold * noise / (s * Double(n) / Double(gridCount))
        var largestRest = [Double](repeating: 1, count: d + 1)
        for k in stride(from: d - 1, through: 0, by: -1) {
            largestRest[k] = largestRest[k + 1] * (order[k].first.map { eigen[k].eigenvalues[$0] } ?? 0)
        }
        // Products above the cut, by depth-first search pruned with the largest product left;
        // whenever 8r are held, only the r largest are kept and the cut rises to the smallest
        // of them, so the search stays O(r) per level whatever the grid's size.
        var kept: [(value: Double, index: [Int])] = []
        var index = [Int](repeating: 0, count: d)
        var bar = cut
        func keepLargest() {
            kept.sort { $0.value > $1.value }
            if kept.count > maximumRank { kept.removeLast(kept.count - maximumRank) }
            if kept.count == maximumRank, let last = kept.last { bar = max(bar, last.value) }
        }
        func visit(_ k: Int, _ product: Double) {
            if k == d { kept.append((product, index)); if kept.count >= 8 * maximumRank { keepLargest() }; return }
            for i in order[k] {
                let v = product * eigen[k].eigenvalues[i]
                if v * largestRest[k + 1] < bar { break }
                index[k] = i
                visit(k + 1, v)
            }
        }
        if maximumRank > 0 { visit(0, 1) }
        keepLargest()
        let r = kept.count
        self.kept = kept
        self.eigen = eigen
        signal = s
        let l = Self.rows(stencils, kept: kept, eigen: eigen, signal: s)
        var capacitanceMatrix = try l.multiplied(by: l, transposeSelf: true)
        for i in 0..<r { capacitanceMatrix[i, i] += noise }
        capacitance = try DenseCholesky(capacitanceMatrix)
        factor = l
        logDeterminant = Double(n - r) * log(noise) + capacitance.logDeterminant
    }

    /// k*ᵀ P⁻¹ k* at points whose rows of √s W* Q_r Λ_r^{1/2} are u* (n* × r), for the
    /// cross-covariance through the kept eigenpairs, k* = L u*: with G = LᵀL = S − σ² I,
    /// Lᵀ P⁻¹ L = G S⁻¹ = I − σ² S⁻¹, so k*ᵀ P⁻¹ k* = |u*|² − σ² u*ᵀ S⁻¹ u* (r² per point).
    func explainedVariance(_ u: DenseMatrix) throws -> [Double] {
        let m = u.rows
        guard rank > 0 else { return [Double](repeating: 0, count: m) }
        let solved = try capacitance.solve(u.transposed)  // S⁻¹ u*ᵀ, r × n*
        return (0..<m).map { p in
            var norm = 0.0, form = 0.0
            for c in 0..<rank { norm += u[p, c] * u[p, c]; form += u[p, c] * solved[c, p] }
            return norm - noise * form
        }
    }

    /// Y = P⁻¹ X for `columns` vectors (column after column).
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>, columns: Int) {
        let block = DenseMatrix(rows: n, columns: columns, values: Array(x))
        let correction: DenseMatrix
        if rank > 0, let h = try? factor.multiplied(by: block, transposeSelf: true), let g = try? capacitance.solve(h),
           let lg = try? factor.multiplied(by: g) {
            correction = lg
        } else {
            correction = DenseMatrix(rows: n, columns: columns)
        }
        for i in 0..<(n * columns) { y[i] = (x[i] - correction.values[i]) / noise }
    }

    /// Probe vectors z ~ N(0, P): z = L g₁ + σ g₂ for standard normals g₁ (the first r of the
    /// `stride` − n leading entries of each probe's normals) and g₂ (its last n entries).
    func sample(_ normals: [Double], probes t: Int, stride: Int) throws -> [Double] {
        precondition(normals.count >= t * stride && stride - n >= rank, "probe normals: \(normals.count) for \(t) probes of stride \(stride)")
        var g1 = DenseMatrix(rows: rank, columns: t)
        for i in 0..<t { for c in 0..<rank { g1[c, i] = normals[i * stride + c] } }
        let lg = rank > 0 ? try factor.multiplied(by: g1) : DenseMatrix(rows: n, columns: t)
        let sigma = noise.squareRoot()
        var z = [Double](repeating: 0, count: n * t)
        for i in 0..<t { for p in 0..<n { z[i * n + p] = lg.values[i * n + p] + sigma * normals[i * stride + (stride - n) + p] } }
        return z
    }
}
