import LinearAlgebra

/// A Krylov method's A and M⁻¹ under `--profile`: every application is timed and counted
/// (`Profile`), and passed on unchanged, fused forms included, so the method runs the same
/// kernels as without the profile. Built only when the profile is on.
struct ProfiledOperator: LinearOperator {
    let base: any LinearOperator
    let event: String
    /// Bytes one application moves, by a model (nil: none known).
    let bytes: Double?

    /// A CSR product reads the values and column indices (12 bytes per nonzero), the row
    /// pointers, x once and writes y: the lower bound a bandwidth-bound SpMV cannot beat.
    init(_ base: any LinearOperator) {
        self.base = base
        if let csr = base as? CSRMatrix {
            event = "MatMult (CSR)"
            bytes = 12 * Double(csr.nonzeros) + 4 * Double(csr.rows + 1) + 8 * Double(csr.rows + csr.columns)
        } else {
            event = "MatMult (\(String(describing: type(of: base))))"
            bytes = nil
        }
    }

    var rows: Int { base.rows }
    var columns: Int { base.columns }

    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let t = Profile.now()
        base.apply(x, into: y)
        Profile.record(event, seconds: Profile.now() - t, bytes: bytes)
    }

    func applyAndDot(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) -> Double {
        let t = Profile.now()
        let d = base.applyAndDot(x, into: y)
        Profile.record(event, seconds: Profile.now() - t, bytes: bytes)
        return d
    }
}

struct ProfiledPreconditioner: Preconditioner {
    let base: any Preconditioner
    var event: String { "PCApply (\(base.name))" }

    var rows: Int { base.rows }
    var columns: Int { base.columns }
    var name: String { base.name }
    var isIdentity: Bool { base.isIdentity }
    var setupSeconds: Double { base.setupSeconds }
    var matrixFreeOperator: (any LinearOperator)? { base.matrixFreeOperator }

    func apply(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) {
        let t = Profile.now()
        base.apply(r, into: z)
        Profile.record(event, seconds: Profile.now() - t, bytes: nil)
    }

    func applyAndDotWithInput(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) -> Double {
        let t = Profile.now()
        let d = base.applyAndDotWithInput(r, into: z)
        Profile.record(event, seconds: Profile.now() - t, bytes: nil)
        return d
    }
}
