// Chebyshev interpolation on Chebyshev–Lobatto points, values ↔ coefficients, by DCT-I.
//
// On x_j = cos(πj/N), j = 0 … N, the interpolant p(x) = Σ_{k=0}^{N} c_k T_k(x) satisfies
// f_j = p(x_j) = Σ_k c_k cos(πjk/N). With FFTW's REDFT00, Y_k = f_0 + (−1)^k f_N +
// 2 Σ_{j=1}^{N−1} f_j cos(πjk/N), the coefficients are c_k = Y_k / N, halved for
// k = 0 and k = N (Trefethen, "Approximation Theory and Approximation Practice", ch. 3 and 8;
// Chebfun's vals2coeffs). The inverse undoes the halving and applies REDFT00 once more, which
// is its own inverse up to 2N. In several dimensions the same is done along every axis.

import Foundation
import LinearAlgebra

public final class ChebyshevTransform: @unchecked Sendable {
    /// Number of points per axis (degree + 1), at least 2.
    public let points: [Int]
    private let plan: R2RPlan
    private let lock = NSLock()

    public init(points: [Int], effort: R2RPlan.Effort = .estimate) throws {
        guard (1...4).contains(points.count), points.allSatisfy({ $0 >= 2 }) else {
            throw LinearAlgebraError.invalidArgument("Chebyshev transform: 1 to 4 axes of at least 2 points, got \(points)")
        }
        self.points = points
        plan = try R2RPlan(shape: points, kinds: points.map { _ in .dctI }, effort: effort)
    }

    /// The Chebyshev–Lobatto points cos(πj/(n−1)), j = 0 … n−1 (from 1 down to −1), computed
    /// as sin(π(n−1−2j)/(2(n−1))) so that they are symmetric about 0 to the last bit.
    public static func lobattoPoints(_ n: Int) -> [Double] {
        let m = Double(n - 1)
        return (0..<n).map { sin(Double.pi * (m - 2 * Double($0)) / (2 * m)) }
    }

    /// Coefficients c (C order, c[k₀, k₁, …] of T_{k₀}(x) T_{k₁}(y) …) from values on the
    /// tensor Lobatto grid (C order, first index along x).
    public func coefficients(fromValues values: [Double]) -> [Double] {
        precondition(values.count == plan.buffer.count, "Chebyshev: \(values.count) values for \(points) points")
        lock.lock(); defer { lock.unlock() }
        _ = plan.buffer.update(fromContentsOf: values)
        plan.execute()
        var out = Array(plan.buffer)
        scale(&out, inverse: false)
        return out
    }

    /// Values on the Lobatto grid from coefficients.
    public func values(fromCoefficients coefficients: [Double]) -> [Double] {
        precondition(coefficients.count == plan.buffer.count, "Chebyshev: \(coefficients.count) coefficients for \(points) points")
        lock.lock(); defer { lock.unlock() }
        var c = coefficients
        scale(&c, inverse: true)
        _ = plan.buffer.update(fromContentsOf: c)
        plan.execute()
        return Array(plan.buffer)
    }

    /// Forward: multiply by Π_d w_d(k_d)/N_d, w = 1/2 at both ends, 1 inside. Inverse: the
    /// synthesis f_j = Σ c_k cos(πjk/N) equals REDFT00 of (c with interior entries halved).
    private func scale(_ a: inout [Double], inverse: Bool) {
        // Per-axis weights, then one product per entry: the weight of all axes but the last is
        // formed once per fibre of the last axis.
        let w = points.map { p -> [Double] in
            let n = p - 1
            return (0...n).map { k in
                let end = k == 0 || k == n
                return inverse ? (end ? 1 : 0.5) : (end ? 0.5 : 1) / Double(n)
            }
        }
        let d = points.count, inner = points[d - 1], last = w[d - 1]
        var index = [Int](repeating: 0, count: d - 1)
        a.withUnsafeMutableBufferPointer { a in
            for base in stride(from: 0, to: a.count, by: inner) {
                var s = 1.0
                for k in 0..<(d - 1) { s *= w[k][index[k]] }
                for k in 0..<inner { a[base + k] *= s * last[k] }
                var k = d - 2
                while k >= 0 { index[k] += 1; if index[k] < points[k] { break }; index[k] = 0; k -= 1 }
            }
        }
    }
}
