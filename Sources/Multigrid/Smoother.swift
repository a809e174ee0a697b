import LinearAlgebra

/// A smoother of one multigrid level: a few sweeps of a cheap iteration on A x = b that damp
/// the error components the coarse grid cannot represent.
protocol Smoother: AnyObject {
    /// `sweeps` steps on A x = b, in place. `reverse` runs the adjoint ordering, used after the
    /// coarse correction when the cycle must be symmetric (a CG preconditioner).
    func smooth(_ x: UnsafeMutablePointer<Double>, _ b: UnsafePointer<Double>, sweeps: Int, reverse: Bool)
}

/// A work vector owned by a level or smoother (allocated once, freed with its owner).
final class WorkVector {
    let buffer: UnsafeMutableBufferPointer<Double>
    init(_ count: Int) {
        buffer = .allocate(capacity: max(count, 1))
        buffer.initialize(repeating: 0)
    }
    var pointer: UnsafeMutablePointer<Double> { buffer.baseAddress! }
    deinit { buffer.deallocate() }
}

