import Foundation
import XCTest
@testable import Discretisation

/// The long-range kernels against their definition: the Gaussian superposition of the full
/// kernel cut at exponents t ≤ 1/σ², integrated numerically here (composite Gauss–Legendre on
/// the finite range), not through the closed forms the code uses.
final class ParticleKernelTests: XCTestCase {
    /// ∫_a^b g by 400 panels of 8-point Gauss–Legendre: the integrands below are smooth on
    /// the cut range (the substitution removes the endpoint behaviour), so this is exact to
    /// rounding.
    func integrate(_ a: Double, _ b: Double, _ g: (Double) -> Double) -> Double {
        let x: [Double] = [0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363]
        let w: [Double] = [0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763]
        let panels = 400, h = (b - a) / Double(panels)
        var s = 0.0
        for p in 0..<panels {
            let mid = a + (Double(p) + 0.5) * h
            for k in 0..<4 { s += w[k] * (g(mid - 0.5 * h * x[k]) + g(mid + 0.5 * h * x[k])) }
        }
        return s * 0.5 * h
    }

    func testLongRangePartsAreTheCutGaussianSuperpositions() throws {
        let sigma = 0.3, lambda = 1.3, kappa = 0.8
        let one = (positions: [(0.0, 0.0, 0.0)], charges: [1.0])
        let slater = ParticlePotential(kernel: .slaterLongRange, sigma: sigma, lambda: lambda, positions: one.positions, charges: one.charges)
        let yukawa = ParticlePotential(kernel: .yukawaLongRange, sigma: sigma, kappa: kappa, positions: one.positions, charges: one.charges)
        let newton = ParticlePotential(kernel: .newtonLongRange, sigma: sigma, positions: one.positions, charges: one.charges)
        for r in [0.0, 1e-7, 1e-3, 0.1, 0.5, 2.0] {
            // e^{−λr} = (λ/(2√π)) ∫ t^{−3/2} e^{−λ²/(4t) − r²t} dt, t ≤ 1/σ²; with t = 1/u²:
            // (λ/√π) ∫_{σ}^{∞} e^{−λ²u²/4 − r²/u²} du, cut at u = 40/λ (e^{−400} beyond).
            let s = lambda / Double.pi.squareRoot() * integrate(sigma, 40 / lambda) { u in exp(-lambda * lambda * u * u / 4 - r * r / (u * u)) }
            XCTAssertEqual(slater.kernelValue(r), s, accuracy: 1e-12 * s, "slater r = \(r)")
            // e^{−κr}/r = (2/√π) ∫ e^{−r²s² − κ²/(4s²)} ds, s ≤ 1/σ.
            let y = 2 / Double.pi.squareRoot() * integrate(0, 1 / sigma) { v in v == 0 ? 0 : exp(-r * r * v * v - kappa * kappa / (4 * v * v)) }
            // The limit below 1e-5σ is exact to O((r/σ)²) ≈ 1e-10 relative.
            XCTAssertEqual(yukawa.kernelValue(r), y, accuracy: 1e-9 * y, "yukawa r = \(r)")
            let n = 2 / Double.pi.squareRoot() * integrate(0, 1 / sigma) { v in exp(-r * r * v * v) }
            XCTAssertEqual(newton.kernelValue(r), n, accuracy: 1e-12 * n, "newton r = \(r)")
        }
        // Far from the particle the cut changes nothing: the full kernels return.
        XCTAssertEqual(slater.kernelValue(3), exp(-lambda * 3), accuracy: 1e-14)
        XCTAssertEqual(yukawa.kernelValue(3), exp(-kappa * 3) / 3, accuracy: 1e-14)
    }
}
