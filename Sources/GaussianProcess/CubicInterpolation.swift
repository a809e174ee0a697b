import Foundation
import LinearAlgebra

/// A uniform tensor grid of inducing points for structured kernel interpolation, one cell wider
/// than the data's box on every side, so that each point's cubic stencil (nodes i − 1 … i + 2)
/// lies inside the grid: with m nodes on an axis whose data lie in [lo, hi], the spacing is
/// h = (hi − lo)/(m − 3) and the nodes are lo − h, lo, …, hi, hi + h.
public struct InducingGrid: Sendable, Equatable {
    /// Per axis: the first node, the spacing and the node count.
    public let first: [Double]
    public let spacing: [Double]
    public let shape: [Int]

    /// The grid over `box` (one [lo, hi] per axis) with `shape[k]` ≥ 4 nodes on axis k.
    public init(box: [(Double, Double)], shape: [Int]) {
        precondition(box.count == shape.count && shape.allSatisfy { $0 >= 4 }, "an inducing grid needs at least 4 nodes per axis")
        self.shape = shape
        spacing = zip(box, shape).map { b, m in (b.1 - b.0) / Double(m - 3) }
        first = zip(box, spacing).map { b, h in b.0 - h }
    }

    public var count: Int { shape.reduce(1, *) }
    public var dimension: Int { shape.count }

    /// The nodes of axis k.
    public func axis(_ k: Int) -> [Double] { (0..<shape[k]).map { first[k] + Double($0) * spacing[k] } }
}

/// Local cubic interpolation onto an inducing grid (Keys 1981, "Cubic convolution interpolation
/// for digital image processing", a = −1/2): a point's value of a smooth function is
/// Σ_j w_j u_j over the 4^d grid nodes around it, with per-axis weights
///
///     W(s) = (a + 2)|s|³ − (a + 3)|s|² + 1         for |s| ≤ 1,
///            a|s|³ − 5a|s|² + 8a|s| − 4a            for 1 < |s| < 2,
///
/// s the distance to the node in spacings. The interpolation error is O(h³). Structured kernel
/// interpolation (Wilson & Nickisch, "Kernel interpolation for scalable structured Gaussian
/// processes (KISS-GP)", ICML 2015, eq. 5) approximates K_XX ≈ W K_UU Wᵀ with these weights as
/// the rows of the sparse n × M matrix W; GPyTorch's GridInterpolationKernel uses the same.
public enum CubicInterpolation {
    static let a = -0.5

    /// Keys' kernel at distance s (in spacings).
    @inline(__always)
    static func keys(_ s: Double) -> Double {
        let r = abs(s)
        if r <= 1 { return ((a + 2) * r - (a + 3)) * r * r + 1 }
        if r < 2 { return ((a * r - 5 * a) * r + 8 * a) * r - 4 * a }
        return 0
    }

    /// The four weights of the nodes i − 1 … i + 2 for a coordinate, and i − 1. The stencil is
    /// clamped to the grid: a point at the last data node (t = m − 2) uses the nodes m − 4 … m − 1
    /// with weights (0, 0, 1, 0), which interpolate it exactly.
    @inline(__always)
    static func stencil(_ x: Double, first: Double, spacing: Double, count m: Int) -> (start: Int, weights: (Double, Double, Double, Double)) {
        let t = (x - first) / spacing
        let i = min(max(Int(t.rounded(.down)), 1), m - 3)
        let f = t - Double(i)
        return (i - 1, (keys(f + 1), keys(f), keys(f - 1), keys(f - 2)))
    }

    /// One axis's stencils: for point p the nodes start[p] … start[p] + 3 with the weights
    /// weights[4p …< 4p + 4]. W's row p is the tensor product of the d axes' stencils.
    public struct AxisStencils: Sendable {
        public let start: [Int32]
        public let weights: [Double]
    }

    /// Every axis's stencils for the points (n rows of d coordinates, row-major), which must lie
    /// within the grid's inner box (checked by the caller's reader).
    public static func stencils(points: [Double], grid: InducingGrid) -> [AxisStencils] {
        let d = grid.dimension
        precondition(d >= 1 && points.count % d == 0, "points: \(points.count) coordinates for dimension \(d)")
        let n = points.count / d
        return (0..<d).map { k in
            var start = [Int32](repeating: 0, count: n), weights = [Double](repeating: 0, count: 4 * n)
            for p in 0..<n {
                let s = stencil(points[p * d + k], first: grid.first[k], spacing: grid.spacing[k], count: grid.shape[k])
                start[p] = Int32(s.start)
                (weights[4 * p], weights[4 * p + 1], weights[4 * p + 2], weights[4 * p + 3]) = s.weights
            }
            return AxisStencils(start: start, weights: weights)
        }
    }

    /// W (n × M) for the points on the grid: 4^d nonzeros per row, columns in the grid's C order
    /// (the last axis fastest), so sorted within a row.
    public static func weights(points: [Double], grid: InducingGrid) throws -> CSRMatrix {
        try weights(stencils(points: points, grid: grid), grid: grid)
    }

    public static func weights(_ axes: [AxisStencils], grid: InducingGrid) throws -> CSRMatrix {
        let d = grid.dimension, n = axes.first?.start.count ?? 0, per = 1 << (2 * d)
        guard n * per < Int(Int32.max), grid.count < Int(Int32.max) else {
            throw LinearAlgebraError.invalidArgument("\(n) points × \(per) weights or \(grid.count) grid nodes exceed the 32-bit index range")
        }
        var rowPointers = [Int32](repeating: 0, count: n + 1)
        for i in 0...n { rowPointers[i] = Int32(i * per) }
        var columns = [Int32](repeating: 0, count: n * per)
        var values = [Double](repeating: 0, count: n * per)
        // Strides of the grid's C order.
        var strides = [Int](repeating: 1, count: d)
        for k in stride(from: d - 2, through: 0, by: -1) { strides[k] = strides[k + 1] * grid.shape[k + 1] }
        columns.withUnsafeMutableBufferPointer { cp in
            values.withUnsafeMutableBufferPointer { vp in
                Parallel.chunks(n, minimumChunk: 4096) { range, _ in
                    for p in range {
                        // The 4^d tensor-product entries, the last axis's offset fastest.
                        for e in 0..<per {
                            var column = 0, w = 1.0, rest = e
                            for k in stride(from: d - 1, through: 0, by: -1) {
                                let o = rest & 3
                                rest >>= 2
                                column += (Int(axes[k].start[p]) + o) * strides[k]
                                w *= axes[k].weights[4 * p + o]
                            }
                            cp[p * per + e] = Int32(column)
                            vp[p * per + e] = w
                        }
                    }
                }
            }
        }
        return try CSRMatrix(rows: n, columns: grid.count, rowPointers: rowPointers, columnIndices: columns, values: values)
    }
}
