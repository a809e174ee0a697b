import Foundation
import LinearAlgebra

/// K = K₁ ⊗ … ⊗ K_d = (L₁ ⊗ … ⊗ L_d)(L₁ ⊗ … ⊗ L_d)ᵀ from the factors' Cholesky factors: K⁻¹ x
/// is a triangular solve pair along every mode, and log det K = Σ_k (N / n_k) log det K_k.
/// What a GP conditional mean K'' K⁻¹ u needs when no noise is added (GP-HM adds a jitter to
/// each factor instead).
public struct KroneckerCholesky: Sendable {
    public let factors: [DenseCholesky]
    public var shape: [Int] { factors.map(\.size) }

    public init(_ matrices: [DenseMatrix]) throws {
        factors = try matrices.map { try DenseCholesky($0) }
    }

    /// log det K = Σ_k (N / n_k) log det K_k.
    public var logDeterminant: Double {
        let n = Double(shape.reduce(1, *))
        return factors.reduce(0) { $0 + n / Double($1.size) * $1.logDeterminant }
    }

    /// K⁻¹ x for a grid vector x in C order.
    public func solve(_ x: [Double]) -> [Double] {
        var y = x
        let shape = self.shape
        for (k, c) in factors.enumerated() {
            let (outer, n, inner) = ModeProduct.split(shape, k)
            guard n > 0, outer > 0, inner > 0 else { continue }
            y.withUnsafeMutableBufferPointer { yp in
                if inner == 1 {
                    // Rows of the (outer × n) row-major Y are fibres: Y ← Y K_k⁻¹.
                    c.solveRows(yp.baseAddress!, rows: outer)
                } else {
                    // Block a is n × inner row-major with fibres as columns: Y_a ← K_k⁻¹ Y_a.
                    for a in 0..<outer { c.solveColumns(yp.baseAddress! + a * n * inner, columns: inner) }
                }
            }
        }
        return y
    }
}
