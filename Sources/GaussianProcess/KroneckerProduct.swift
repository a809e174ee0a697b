import LinearAlgebra

/// A₁ ⊗ A₂ ⊗ … ⊗ A_d acting on a grid vector in C order (the last axis fastest): y = (⊗ A_k) x
/// is x multiplied along each mode by its factor (`ModeProduct`), O(N Σ n_k) flops instead of
/// the O(N²) of the assembled matrix (Saatçi 2012, §5.2.1). The factors may be rectangular
/// (r_k × n_k): the product maps a grid of shape n to one of shape r.
public struct KroneckerProduct: LinearOperator, Sendable {
    public let factors: [DenseMatrix]
    public var inputShape: [Int] { factors.map(\.columns) }
    public var outputShape: [Int] { factors.map(\.rows) }
    public var rows: Int { outputShape.reduce(1, *) }
    public var columns: Int { inputShape.reduce(1, *) }

    public init(_ factors: [DenseMatrix]) {
        precondition(!factors.isEmpty, "a Kronecker product of no factors")
        self.factors = factors
    }

    /// y = (⊗ A_k) x. Allocates two intermediate grids (O(N) memory against O(N Σ n_k) flops).
    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        var shape = inputShape
        var current = Array(x)
        for (k, a) in factors.enumerated() {
            current = ModeProduct.apply(a, to: current, shape: shape, mode: k)
            shape[k] = a.rows
        }
        _ = y.update(fromContentsOf: current)
    }

    /// (⊗ A_k)ᵀ = ⊗ A_kᵀ.
    public var transposed: KroneckerProduct { KroneckerProduct(factors.map(\.transposed)) }

    /// Applies (⊗ op(A_k)) to a grid of shape `shape` (op = transpose when asked).
    public static func apply(_ factors: [DenseMatrix], transpose: Bool = false, to x: [Double], shape: [Int]) -> [Double] {
        var shape = shape, current = x
        for (k, a) in factors.enumerated() {
            current = ModeProduct.apply(a, transpose: transpose, to: current, shape: shape, mode: k)
            shape[k] = transpose ? a.columns : a.rows
        }
        return current
    }
}
