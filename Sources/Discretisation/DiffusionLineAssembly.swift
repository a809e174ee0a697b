import LinearAlgebra

extension DiffusionAssembly {
    /// The matrix rows of the interior stretch of one grid line (index 1 … L on the last axis,
    /// interior on the others), for `assembleDiffusionRows`: the same operations as its
    /// interior-row path, row by row, so the same bits — but as loops over the line.
    ///
    /// First each face's transmissibility T = 2 / (1/a_here + 1/a_there) · area / h (the
    /// harmonic mean of the two node coefficients times the face's area over the node distance)
    /// for a block of rows, one contiguous loop per axis and side that the compiler turns into
    /// vector divisions; then the rows' 2d + 1 entries in column order (the low neighbours from
    /// the first axis on, the diagonal, the high ones from the last axis back), with the
    /// diagonal summed in the row path's order (low, high per axis).
    struct InteriorLine {
        /// Coefficients at the nodes, indexed like the row path's `a` (first node subtracted).
        let a: UnsafeBufferPointer<Double>
        /// Node of the line's unknown j is `nodeBase + j` (the last axis's node stride is 1 and
        /// its interior unknowns have consecutive nodes).
        let nodeBase: Int
        let nodeStrides: [Int], strides: [Int], spacing: [Double]
        /// Widths of the rows' control volumes on the outer axes (constant along the line), their
        /// product in axis order, and the last axis's widths by unknown.
        let outerWidths: [Double], outerVolume: Double
        let lastWidths: UnsafeBufferPointer<Double>
        let cellVolume: Double

        static let block = 256

        /// Rows j = `first` … `first` + count − 1 (interior: 1 ≤ j ≤ n − 2), the first being
        /// `firstRow` (global numbering), written at `columns`/`values` from `entry` on, 2d + 1
        /// each. `scratch` holds (2d + 1) · block values.
        /// Offsets are wrapping (`&+`): they are in range by construction, and overflow checks
        /// kept the loops from being vectorised.
        func write(from first: Int, count: Int, firstRow: Int, columns: UnsafeMutablePointer<Int32>, values: UnsafeMutablePointer<Double>,
                   entry: Int, scratch: UnsafeMutablePointer<Double>) {
            let dim = strides.count, last = dim - 1, width = 2 * dim + 1, block = Self.block
            let diagonal = scratch + 2 * dim * block
            var j0 = first
            while j0 < first + count {
                let n = min(block, first + count - j0)
                let here = a.baseAddress! + (nodeBase &+ j0), w = lastWidths.baseAddress! + j0
                let (volume0, h) = (outerVolume, spacing)
                // T of the low and high faces, axis by axis: scratch[(2d + side)·block + t].
                for d in 0..<dim {
                    let low = scratch + (2 * d) * block, high = low + block, hd = h[d]
                    if d == last {
                        for t in 0..<n {
                            let area = volume0 * w[t] / w[t], a0 = here[t]
                            low[t] = 2 / (1 / a0 + 1 / here[t &- 1]) * area / hd
                            high[t] = 2 / (1 / a0 + 1 / here[t &+ 1]) * area / hd
                        }
                    } else {
                        let below = here - nodeStrides[d], above = here + nodeStrides[d], wd = outerWidths[d]
                        for t in 0..<n {
                            let area = volume0 * w[t] / wd, a0 = here[t]
                            low[t] = 2 / (1 / a0 + 1 / below[t]) * area / hd
                            high[t] = 2 / (1 / a0 + 1 / above[t]) * area / hd
                        }
                    }
                }
                // The diagonal in the row path's order (low, high per axis), then every entry
                // divided by the cell volume.
                for t in 0..<n { diagonal[t] = 0 }
                for d in 0..<dim {
                    let low = scratch + (2 * d) * block, high = low + block
                    for t in 0..<n { diagonal[t] = diagonal[t] + low[t] + high[t] }
                }
                for t in 0..<n { diagonal[t] = diagonal[t] / cellVolume }
                for k in 0..<(2 * dim) {
                    let entries = scratch + k * block
                    for t in 0..<n { entries[t] = -entries[t] / cellVolume }
                }
                // Column order: the low neighbours from the first axis on, the diagonal, the
                // high ones from the last axis back.
                let rowAt = firstRow &+ (j0 &- first)
                let firstEntry = entry &+ (j0 &- first) &* width
                for t in 0..<n {
                    let row = rowAt &+ t
                    var at = firstEntry &+ t &* width
                    for d in 0..<dim {
                        columns[at] = Int32(truncatingIfNeeded: row &- strides[d]); values[at] = scratch[(2 * d) * block &+ t]
                        at &+= 1
                    }
                    columns[at] = Int32(truncatingIfNeeded: row); values[at] = diagonal[t]
                    at &+= 1
                    for d in stride(from: dim - 1, through: 0, by: -1) {
                        columns[at] = Int32(truncatingIfNeeded: row &+ strides[d]); values[at] = scratch[(2 * d + 1) * block &+ t]
                        at &+= 1
                    }
                }
                j0 += n
            }
        }
    }
}
