// Gaussian random fields on a tensor grid with covariance operator σ² (−Δ + τ²)^(−α).
//
// Karhunen–Loève sampling in the Laplacian's eigenbasis on the box: per axis the cosine
// (Neumann) modes ψ₀ = 1, ψ_k = √2 cos(πk(x − a)/L), or on a periodic axis the real Fourier
// modes 1, √2 cos(2πmx/L), √2 sin(2πmx/L). A sample is
//     u(x) = Σ_{k ≠ 0} ξ_k c_k Π_d ψ_{k_d}(x_d),   c_k = τ^(α − d/2) (|ω_k|² + τ²)^(−α/2),
// ξ_k independent standard normals, ω_k the modes' frequencies; the mean mode is left out.
// This is the spectrum of the generator behind the neural-operator Darcy data sets (the
// MATLAB GRF.m of Li et al., "Fourier neural operator", ICLR 2021: τ^(α−1)(π²|k|² + τ²)^(−α/2)
// in 2D, cosine modes), so α = 2.5, τ = 7 gives fields with their statistics, not their
// samples (the random stream is ours; each mode's normal comes from the seed and the mode's
// wavenumbers, so one seed is one field at every resolution). The sum is evaluated at every node of the grid, the
// boundary nodes included, by one DCT-I / half-complex inverse DFT per axis (FFTW_ESTIMATE
// plans, whose algorithm choice is deterministic, so a seed gives bitwise-equal fields).
//
// Matérn fields are the case α = ν + d/2, τ = √(2ν)/ℓ (Whittle 1954; Lindgren, Rue and
// Lindström, JRSS B 73, 2011), scaled so that the domain-averaged variance Σ c_k² equals σ².

import Foundation
import LinearAlgebra

public final class GaussianRandomField: @unchecked Sendable {
    public struct Axis: Sendable, Hashable {
        /// Number of nodes, both ends included (periodic: nodes of one period, end excluded).
        public var nodes: Int
        public var length: Double
        public var periodic: Bool
        public init(nodes: Int, length: Double, periodic: Bool = false) {
            self.nodes = nodes; self.length = length; self.periodic = periodic
        }
    }

    public let axes: [Axis]
    public let alpha: Double
    public let tau: Double
    /// Standard deviation of every mode's coefficient (C order; 0 for the mean mode).
    public let modeStandardDeviations: [Double]
    /// Multiplier from a mode's coefficient to the transform input (basis normalisation).
    private let basisScale: [Double]
    private let plan: R2RPlan
    private let lock = NSLock()

    /// Covariance σ²(−Δ + τ²)^(−α) with σ² chosen by `variance` (domain-averaged), or the
    /// FNO normalisation τ^(α − d/2) when `variance` is nil.
    public init(axes: [Axis], alpha: Double, tau: Double, variance: Double? = nil) throws {
        guard (1...3).contains(axes.count), axes.allSatisfy({ $0.nodes >= 2 && $0.length > 0 }) else {
            throw LinearAlgebraError.invalidArgument("random field: 1 to 3 axes with at least 2 nodes and positive length")
        }
        guard alpha > Double(axes.count) / 2, tau >= 0, alpha.isFinite, tau.isFinite else {
            throw LinearAlgebraError.invalidArgument("random field: need alpha > d/2 = \(Double(axes.count) / 2) (finite variance) and tau ≥ 0, "
                + "got alpha \(alpha), tau \(tau)")
        }
        self.axes = axes; self.alpha = alpha; self.tau = tau
        let shape = axes.map(\.nodes)
        let count = shape.reduce(1, *)
        // Per axis: frequency and basis scale of each transform index.
        var omega: [[Double]] = [], scale: [[Double]] = []
        for a in axes {
            let m = a.nodes
            if a.periodic {
                omega.append((0..<m).map { 2 * Double.pi * Double(min($0, m - $0)) / a.length })
                scale.append((0..<m).map { k in k == 0 || 2 * k == m ? 1 : 1 / 2.squareRoot() })
            } else {
                omega.append((0..<m).map { Double.pi * Double($0) / a.length })
                scale.append((0..<m).map { k in k == 0 ? 1 : (k == m - 1 ? 2.squareRoot() : 1 / 2.squareRoot()) })
            }
        }
        var sd = [Double](repeating: 0, count: count), bs = sd
        var index = [Int](repeating: 0, count: shape.count)
        let prefactor = pow(tau, alpha - Double(axes.count) / 2)
        for k in 0..<count {
            var w2 = 0.0, b = 1.0
            for d in 0..<shape.count { w2 += omega[d][index[d]] * omega[d][index[d]]; b *= scale[d][index[d]] }
            sd[k] = k == 0 ? 0 : prefactor * pow(w2 + tau * tau, -alpha / 2)
            bs[k] = b
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        if let variance {
            guard variance > 0 else { throw LinearAlgebraError.invalidArgument("random field: variance must be positive") }
            let total = sd.reduce(0) { $0 + $1 * $1 }
            let f = (variance / total).squareRoot()
            sd = sd.map { $0 * f }
        }
        modeStandardDeviations = sd
        basisScale = bs
        plan = try R2RPlan(shape: shape, kinds: axes.map { $0.periodic ? .halfComplexToReal : .dctI }, effort: .estimate)
    }

    /// Matérn field: smoothness ν, length scale ℓ, domain-averaged variance σ².
    public convenience init(maternAxes axes: [Axis], nu: Double, lengthScale: Double, variance: Double = 1) throws {
        let key = try GaussianRandomFieldPool.Key(maternAxes: axes, nu: nu, lengthScale: lengthScale, variance: variance)
        try self.init(axes: axes, alpha: key.alpha, tau: key.tau, variance: key.variance)
    }

    /// One sample on the node grid (C order), from `seed`.
    ///
    /// Each mode's normal ξ_k is drawn from the seed and the mode's identity — per axis its
    /// wavenumber (and, on a periodic axis, cosine or sine) — not from its position in a
    /// sequence, so one seed is one field at every resolution: a coarser grid has the same
    /// low modes with the same ξ_k and differs from a finer one at shared points only by the
    /// modes it cannot represent.
    public func sample(seed: UInt64) -> [Double] {
        let xi = modeNormals(seed: seed)
        lock.lock(); defer { lock.unlock() }
        let buf = plan.buffer
        for k in 0..<buf.count { buf[k] = xi[k] * modeStandardDeviations[k] * basisScale[k] }
        plan.execute()
        return Array(buf)
    }

    /// ξ_k for every transform index (C order): a standard normal from the seed and the mode's
    /// identity — per axis its wavenumber and, on a periodic axis, cosine or sine. DCT-I index j
    /// is the cosine of wavenumber j; half-complex index j ≤ M/2 the cosine of wavenumber j,
    /// j > M/2 the sine of wavenumber M − j.
    public func modeNormals(seed: UInt64) -> [Double] {
        let shape = axes.map(\.nodes)
        let count = shape.reduce(1, *)
        var xi = [Double](repeating: 0, count: count)
        var index = [Int](repeating: 0, count: shape.count)
        let base = Self.mix(seed)
        for k in 0..<count {
            var key = base
            for (d, a) in axes.enumerated() {
                let j = index[d], sine = a.periodic && 2 * j > a.nodes
                let wavenumber = UInt64(sine ? a.nodes - j : j)
                key = Self.mix(key ^ Self.mix(wavenumber << 3 | (sine ? 4 : 0) | UInt64(d)))
            }
            var normal = NormalGenerator(seed: key)
            xi[k] = normal.next()
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
        return xi
    }

    /// SplitMix64's finaliser (Steele, Lea and Flood 2014): a bijective 64-bit mix, so distinct
    /// (seed, mode) keys give unrelated generator seeds.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Mode coefficients of a field on the node grid (the inverse of `sample`'s synthesis),
    /// for checking spectra: returns ξ_k c_k for a sample.
    public func modeCoefficients(_ values: [Double]) throws -> [Double] {
        let shape = axes.map(\.nodes)
        let forward = try R2RPlan(shape: shape, kinds: axes.map { $0.periodic ? .realToHalfComplex : .dctI }, effort: .estimate)
        _ = forward.buffer.update(fromContentsOf: values)
        forward.execute()
        // DCT-I is its own inverse up to 2(M−1); R2HC inverts HC2R up to M.
        let norm = axes.map { Double($0.periodic ? $0.nodes : 2 * ($0.nodes - 1)) }.reduce(1, *)
        return (0..<values.count).map { forward.buffer[$0] / norm / basisScale[$0] }
    }
}
