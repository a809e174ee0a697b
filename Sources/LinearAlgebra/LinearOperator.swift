/// A linear map y = A x on contiguous `Double` buffers.
///
/// CSR matrices, matrix-free stencils, Kronecker products and FFT-diagonalised operators all
/// conform, so every Krylov method is written once against this protocol. `apply` must not
/// allocate: solvers call it in their inner loop. `x` and `y` never alias.
public protocol LinearOperator: Sendable {
    var rows: Int { get }
    var columns: Int { get }
    func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>)
    /// y = A x and returns xᵀy. Krylov methods need both; an operator that can form the dot
    /// product while y is still in cache saves a pass over memory (CSR does).
    func applyAndDot(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) -> Double
}

extension LinearOperator {
    public func applyAndDot(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) -> Double {
        apply(x, into: y)
        return Vec.dot(x, UnsafeBufferPointer(y))
    }
}

extension LinearOperator {
    /// Convenience for tests and setup code (allocates; never call in a hot loop).
    public func apply(_ x: [Double]) -> [Double] {
        precondition(x.count == columns, "apply: x has \(x.count) entries, operator has \(columns) columns")
        var y = [Double](repeating: 0, count: rows)
        x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { apply(xp, into: $0) } }
        return y
    }

    /// The dense matrix of the operator, column by column (for tests on small sizes).
    public func denseMatrix() -> DenseMatrix {
        var m = DenseMatrix(rows: rows, columns: columns)
        var e = [Double](repeating: 0, count: columns)
        for j in 0..<columns {
            e[j] = 1
            let col = apply(e)
            for i in 0..<rows { m[i, j] = col[i] }
            e[j] = 0
        }
        return m
    }
}

/// An approximation of A⁻¹, applied as z = M⁻¹ r.
///
/// A preconditioner is itself a `LinearOperator` (square), so anything that can precondition
/// can be used as a solver by itself (stationary iteration) and composed like any operator.
/// All setup work (factorisation, diagonal extraction) happens in the initialiser.
public protocol Preconditioner: LinearOperator {
    /// Stable name used in problem files, `--view` and run records (e.g. "jacobi", "ic0").
    var name: String { get }
    /// True when M⁻¹ = I, letting solvers skip the application and a vector.
    var isIdentity: Bool { get }
    /// Seconds spent in setup (factorisation), reported in run records.
    var setupSeconds: Double { get }
    /// z = M⁻¹ r and returns rᵀz (the PCG inner product), fused where the preconditioner can.
    func applyAndDotWithInput(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) -> Double
    /// A matrix-free form of A itself that the preconditioner already holds (geometric
    /// multigrid's finest stencil), for a Krylov method asked to apply A without the matrix;
    /// nil when it holds none (the default).
    var matrixFreeOperator: (any LinearOperator)? { get }
}

extension Preconditioner {
    public func applyAndDotWithInput(_ r: UnsafeBufferPointer<Double>, into z: UnsafeMutableBufferPointer<Double>) -> Double {
        apply(r, into: z)
        return Vec.dot(r, UnsafeBufferPointer(z))
    }
}

extension Preconditioner {
    public var isIdentity: Bool { false }
    public var matrixFreeOperator: (any LinearOperator)? { nil }
}

/// M⁻¹ = I: plain (unpreconditioned) Krylov.
public struct IdentityPreconditioner: Preconditioner {
    public let rows: Int
    public var columns: Int { rows }
    public var name: String { "none" }
    public var isIdentity: Bool { true }
    public var setupSeconds: Double { 0 }
    public init(size: Int) { rows = size }
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        _ = y.update(fromContentsOf: x)
    }
}
