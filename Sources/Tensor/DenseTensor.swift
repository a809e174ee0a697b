import LinearAlgebra

/// A dense tensor of order 1–4 (C order: the last index fastest), with the operations Tucker
/// decompositions are made of: mode-k unfoldings, mode-k products with a matrix and the
/// Frobenius norm. Notation of Kolda and Bader, "Tensor decompositions and applications", SIAM
/// Review 51 (2009): X_(k) is the n_k × (Π_{j≠k} n_j) unfolding, X ×_k U the product that
/// replaces mode k's index i by Σ_i U[r, i] X[…, i, …].
public struct DenseTensor: Sendable, Equatable {
    public let shape: [Int]
    public var values: [Double]

    public init(shape: [Int], values: [Double]? = nil) {
        precondition((1...4).contains(shape.count) && shape.allSatisfy { $0 >= 1 }, "DenseTensor: order 1–4 with positive sizes, got \(shape)")
        let count = shape.reduce(1, *)
        self.shape = shape
        self.values = values ?? [Double](repeating: 0, count: count)
        precondition(self.values.count == count, "DenseTensor: \(self.values.count) values for shape \(shape)")
    }

    /// T[i₀, …] = f(i₀, …) for every index (C order).
    public init(shape: [Int], _ f: ([Int]) -> Double) {
        self.init(shape: shape)
        var index = [Int](repeating: 0, count: shape.count)
        for k in 0..<values.count {
            values[k] = f(index)
            var d = shape.count - 1
            while d >= 0 { index[d] += 1; if index[d] < shape[d] { break }; index[d] = 0; d -= 1 }
        }
    }

    public var order: Int { shape.count }
    public var count: Int { values.count }

    public var frobeniusNorm: Double { DenseMatrix(rows: values.count, columns: 1, values: values).frobeniusNorm }

    /// (outer, n_k, inner): the sizes before, at and after mode k, so that the entry with
    /// mode-k index i sits at (a · n_k + i) · inner + c.
    func split(_ mode: Int) -> (outer: Int, size: Int, inner: Int) {
        (shape[..<mode].reduce(1, *), shape[mode], shape[(mode + 1)...].reduce(1, *))
    }

    /// X_(k): n_k rows; the columns run over the other indices in C order.
    public func unfolding(_ mode: Int) -> DenseMatrix {
        let (outer, n, inner) = split(mode)
        var m = DenseMatrix(rows: n, columns: outer * inner)
        values.withUnsafeBufferPointer { x in
            m.values.withUnsafeMutableBufferPointer { out in
                for a in 0..<outer { for i in 0..<n { for c in 0..<inner {
                    out[i + (a * inner + c) * n] = x[(a * n + i) * inner + c]
                }}}
            }
        }
        return m
    }

    /// X ×_k U for U of size r × n_k (`transpose`: Uᵀ for U of size n_k × r): mode k becomes r.
    public func modeProduct(_ u: DenseMatrix, mode: Int, transpose: Bool = false) -> DenseTensor {
        var newShape = shape
        newShape[mode] = transpose ? u.columns : u.rows
        return DenseTensor(shape: newShape, values: ModeProduct.apply(u, transpose: transpose, to: values, shape: shape, mode: mode))
    }

    /// The leading block T[0..<n₀, 0..<n₁, …] (each n_k ≤ shape[k]).
    public func leadingBlock(_ block: [Int]) -> DenseTensor {
        precondition(block.count == order && zip(block, shape).allSatisfy { $0 >= 0 && $0 <= $1 }, "leadingBlock \(block) of \(shape)")
        let d = order
        var out = DenseTensor(shape: block)
        guard out.count > 0 else { return out }
        let inner = block[d - 1]
        var index = [Int](repeating: 0, count: d)
        var strides = [Int](repeating: 1, count: d)
        for k in stride(from: d - 2, through: 0, by: -1) { strides[k] = strides[k + 1] * shape[k + 1] }
        var target = 0
        while target < out.count {
            var source = 0
            for k in 0..<(d - 1) { source += index[k] * strides[k] }
            for j in 0..<inner { out.values[target + j] = values[source + j] }
            target += inner
            var k = d - 2
            while k >= 0 { index[k] += 1; if index[k] < block[k] { break }; index[k] = 0; k -= 1 }
        }
        return out
    }
}

/// 2^e with 2^e ≤ max |v| < 2^(e+1) (1 for zero or non-finite data). Dividing by it is exact in
/// binary floating point; the Chebyshev transforms and the Tucker energies (sums of squares)
/// work on data scaled by it, so values near 1e306 or coefficients above 1e154 do not overflow.
func powerOfTwoScale(_ v: [Double]) -> Double {
    let largest = v.reduce(0.0) { max($0, abs($1)) }
    guard largest.isNormal else { return 1 }
    return Double(sign: .plus, exponent: largest.exponent, significand: 1)
}
