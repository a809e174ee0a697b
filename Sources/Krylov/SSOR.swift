import LinearAlgebra

/// Symmetric successive over-relaxation as a preconditioner.
///
/// With A = L + D + U, M = ω/(2−ω) · (D/ω + L) (D/ω)⁻¹ (D/ω + U) (Saad, §10.2), which is SPD
/// for SPD A and 0 < ω < 2. z = M⁻¹ r is one forward and one backward Gauss–Seidel sweep;
/// both are sequential, so this preconditioner runs on one core.
public struct SSORPreconditioner: Preconditioner {
    public let rows: Int
    public var columns: Int { rows }
    public var name: String { "ssor" }
    public let setupSeconds: Double = 0
    public let omega: Double
    private let a: CSRMatrix
    /// Position of aᵢᵢ in `a.values` for each row.
    private let diagonalIndex: [Int32]

    /// `[solver.ssor]`: the relaxation factor ω in (0, 2).
    public struct Options: Sendable, Equatable {
        public var omega: Double
        public init(omega: Double = 1) { self.omega = omega }
    }

    public init(_ a: CSRMatrix, omega: Double = 1.0) throws {
        guard omega > 0, omega < 2 else {
            throw LinearAlgebraError.invalidArgument("SSOR: omega must lie in (0, 2), got \(omega)")
        }
        guard a.rows == a.columns else { throw LinearAlgebraError.invalidArgument("SSOR needs a square matrix") }
        var di = [Int32](repeating: 0, count: a.rows)
        for i in 0..<a.rows {
            guard let k = a.entryIndex(row: i, column: i), a.values[k] != 0 else {
                throw LinearAlgebraError.invalidArgument("SSOR: diagonal entry of row \(i + 1) is zero or missing")
            }
            di[i] = Int32(k)
        }
        self.a = a; self.omega = omega; rows = a.rows; diagonalIndex = di
    }

    public func apply(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) {
        let n = rows, w = omega
        a.rowPointers.withUnsafeBufferPointer { rpb in
            a.columnIndices.withUnsafeBufferPointer { cib in
                a.values.withUnsafeBufferPointer { vb in
                    diagonalIndex.withUnsafeBufferPointer { dib in
                        let rp = rpb.baseAddress!, ci = cib.baseAddress!, va = vb.baseAddress!, di = dib.baseAddress!
                        let zp = z.baseAddress!, rr = r.baseAddress!
                        // Forward: (D/ω + L) y = r, y stored in z.
                        for i in 0..<n {
                            var s = rr[i]
                            var k = Int(rp[i]); let d = Int(di[i])
                            while k < d { s -= va[k] * zp[Int(ci[k])]; k += 1 }
                            zp[i] = s * w / va[d]
                        }
                        // w = (D/ω) y, then backward (D/ω + U) z = w; the two diagonal scalings
                        // cancel, leaving zᵢ = yᵢ − ω/aᵢᵢ Σ_{j>i} aᵢⱼ zⱼ. Final factor (2−ω)/ω.
                        for i in stride(from: n - 1, through: 0, by: -1) {
                            let d = Int(di[i]); var s = 0.0
                            var k = d + 1; let end = Int(rp[i + 1])
                            while k < end { s += va[k] * zp[Int(ci[k])]; k += 1 }
                            zp[i] -= s * w / va[d]
                        }
                        let scale = (2 - w) / w
                        for i in 0..<n { zp[i] *= scale }
                    }
                }
            }
        }
    }
}
