import Foundation

/// Σ_ν q_ν p(|x − x_ν|) over a set of particles: positions and charges, and the kernel p.
public struct ParticlePotential: Sendable {
    public enum Kernel: String, Sendable, CaseIterable {
        case newtonLongRange = "newton_long_range", slater, slaterLongRange = "slater_long_range", yukawaLongRange = "yukawa_long_range"
    }
    public var kernel: Kernel
    public var sigma: Double
    public var lambda: Double
    public var kappa: Double
    /// x, y, z, charge per particle.
    public var positions: [(Double, Double, Double)]
    public var charges: [Double]

    public init(kernel: Kernel, sigma: Double = 0.1, lambda: Double = 1, kappa: Double = 1, positions: [(Double, Double, Double)],
                charges: [Double]) {
        self.kernel = kernel; self.sigma = sigma; self.lambda = lambda; self.kappa = kappa
        self.positions = positions; self.charges = charges
    }

    /// p(r). The long-range parts are the range separation of Benner, Khoromskaia and
    /// Khoromskij (SISC 2018): write the kernel as a superposition of Gaussians e^{−r²t} and keep
    /// the wide ones, t ≤ 1/σ². That leaves an entire function of r² — smooth at the particles,
    /// so the Chebyshev series converge geometrically — which is what the Chebyshev–Tucker format
    /// approximates; the short-range rest is local. With 1/r = (2/√π)∫₀^∞ e^{−r²s²} ds the cut
    /// gives erf(r/σ)/r. With e^{−λr} = (λ/(2√π))∫₀^∞ t^{−3/2} e^{−λ²/(4t)} e^{−r²t} dt it gives
    ///
    ///     ½ [e^{−λr} erfc(λσ/2 − r/σ) + e^{λr} erfc(λσ/2 + r/σ)],
    ///
    /// and with e^{−κr}/r = (2/√π)∫₀^∞ e^{−r²s² − κ²/(4s²)} ds
    ///
    ///     [e^{−κr} erfc(κσ/2 − r/σ) − e^{κr} erfc(κσ/2 + r/σ)] / (2r),
    ///
    /// whose limit at r = 0 is 2e^{−(κσ/2)²}/(σ√π) − κ erfc(κσ/2) (erf(r/σ)/r at κ = 0). (The
    /// product erf(r/σ) e^{−κr}/r would keep e^{−κr}'s cusp at every particle.)
    public func kernelValue(_ r: Double) -> Double {
        let smallR = 1e-5 * sigma  // below it the cancellation in the Yukawa bracket exceeds the O(r²) of the limit
        switch kernel {
        case .newtonLongRange: return r < 1e-8 * sigma ? 2 / (sigma * Double.pi.squareRoot()) : erf(r / sigma) / r
        case .slater: return exp(-lambda * r)
        case .slaterLongRange:
            let a = lambda * sigma / 2
            return 0.5 * (exp(-lambda * r) * erfc(a - r / sigma) + exp(lambda * r) * erfc(a + r / sigma))
        case .yukawaLongRange:
            let a = kappa * sigma / 2
            if r < smallR { return 2 * exp(-a * a) / (sigma * Double.pi.squareRoot()) - kappa * erfc(a) }
            return (exp(-kappa * r) * erfc(a - r / sigma) - exp(kappa * r) * erfc(a + r / sigma)) / (2 * r)
        }
    }

    /// The potential at x (direct summation).
    public func value(_ x: [Double]) -> Double {
        var s = 0.0
        for (p, q) in zip(positions, charges) {
            let dx = x[0] - p.0, dy = x[1] - p.1, dz = x[2] - p.2
            s += q * kernelValue((dx * dx + dy * dy + dz * dz).squareRoot())
        }
        return s
    }
}
