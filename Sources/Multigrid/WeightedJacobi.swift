import LinearAlgebra

/// Weighted (damped) Jacobi: x ← x + ω D⁻¹(b − Ax).
///
/// ω = 2d/(2d + 1) by default: for the d-dimensional 5/7-point Laplacian this weight minimises
/// the largest amplification of the high-frequency half of the spectrum (smoothing factor
/// 1/3 in 1D, 3/5 in 2D, 5/7 in 3D; Trottenberg, Oosterlee, Schüller, "Multigrid", §2.1).
final class WeightedJacobi: Smoother {
    let op: any ResidualOperator
    let omega: Double
    private let inverse: [Double]
    private let r: WorkVector

    init(_ op: any ResidualOperator, diagonal: [Double], omega: Double) {
        self.op = op; self.omega = omega
        inverse = diagonal.map { 1 / $0 }
        r = WorkVector(op.rows)
    }

    func smooth(_ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>, sweeps: Int, reverse: Bool) {
        let n = op.rows, w = omega, rp = r.pointer
        for _ in 0..<sweeps {
            op.residual(UnsafeBufferPointer(start: b, count: n), UnsafeBufferPointer(start: x, count: n),
                        into: UnsafeMutableBufferPointer(start: rp, count: n))
            inverse.withUnsafeBufferPointer { dp in
                let d = dp.baseAddress!
                Parallel.chunks(n) { range, _ in
                    for i in range { x[i] += w * d[i] * rp[i] }
                }
            }
        }
    }
}
