import LinearAlgebra

/// The rows of −div(a ∇u) = f (no convection, no reaction) in one pass: the same finite-volume
/// scheme as `DiffusionAssembly.assembleRows`, with the same floating-point operations in the
/// same order — so the same matrix and right-hand side bit for bit (`OnePassAssemblyTests`
/// compares them) — but without its per-row generality: the unknowns are walked with running
/// multi-indices instead of divisions, node indices and coordinates are precomputed per axis,
/// a constant f is evaluated once, and the ≤ 2d + 1 entries of a row are sorted in a fixed
/// buffer. A dataset case (a new coefficient on a fixed grid) spent about 40 % of its time in
/// the general assembly.
///
/// Taken when the problem has neither velocity nor reaction and every periodic axis has at
/// least 3 unknowns (then a row's neighbours are distinct columns, so no entries merge).
extension DiffusionAssembly {
    static func fastPathApplies(_ spec: DiffusionProblem) -> Bool {
        spec.velocity == nil && spec.reaction == nil && spec.grid.axes.allSatisfy { !$0.periodic || $0.unknowns >= 3 }
    }

    /// Matrix, right-hand side and exact solution of every row; `a` holds the coefficient at
    /// every node (C order over the nodes). With `slab`, of those rows only, numbered from its
    /// start (global columns), and `a` holds the nodes from `firstNode` on.
    static func assembleDiffusionRows(_ spec: DiffusionProblem, nodeCoefficients a: [Double], slab: Range<Int>? = nil, firstNode: Int = 0)
        throws -> (CSRMatrix, [Double], [Double]?) {
        let grid = spec.grid
        let dim = grid.dimension
        let shape = grid.shape
        let strides = grid.strides
        let n = grid.count
        let h = grid.axes.map(\.spacing)
        let cellVolume = h.reduce(1, *)
        let nodeStrides = grid.nodeStrides
        // Per axis and unknown: its node, coordinate and control-volume width.
        let nodeOf = grid.axes.map { axis in (0..<axis.unknowns).map { axis.node(ofUnknown: $0) } }
        let coordinateOf = grid.axes.map { axis in (0..<axis.unknowns).map { axis.coordinate(node: axis.node(ofUnknown: $0)) } }
        let widthOf = grid.axes.map { axis in (0..<axis.unknowns).map { axis.cellWidth(ofUnknown: $0) } }
        let randomRHS: [Double]?
        if case .random(let r) = spec.rhs { randomRHS = try r.nodeValues(on: grid) } else { randomRHS = nil }
        var constantRHS: Double?
        if case .expression(let e) = spec.rhs, e.isConstant { constantRHS = e(0) }

        let perRow = 2 * dim + 1
        let rows = slab ?? 0..<n, m = rows.count
        var rowPointers = [Int32](repeating: 0, count: m + 1)
        var columns = [Int32](repeating: 0, count: m * perRow)
        var values = [Double](repeating: 0, count: m * perRow)
        var rhs = [Double](repeating: 0, count: m)
        var exact: [Double]? = spec.exact.map { _ in [Double](repeating: 0, count: m) }
        // Per-axis scalars out of the Axis structs, and f's data out of its enum: the row loop
        // then reads plain values (binding an enum's array per row retains and releases it).
        let periodic = grid.axes.map(\.periodic), dirichletLow = grid.axes.map(\.dirichletLow)
        let dirichletHigh = grid.axes.map(\.dirichletHigh)
        var fValues: [Double] = [], fAtNodes = false, fExpression: Expression?
        switch spec.rhs {
        case .expression(let e): fExpression = constantRHS == nil ? e : nil
        case .values(let v): fValues = v
        case .nodeValues(let v): fValues = v; fAtNodes = true
        case .random: fValues = randomRHS!; fAtNodes = true
        }
        var index = [Int](repeating: 0, count: dim)
        var start = rows.lowerBound
        for d in 0..<dim { index[d] = start / strides[d]; start %= strides[d] }
        var widths = [Double](repeating: 0, count: dim)
        var count = 0  // entries written

        a.withUnsafeBufferPointer { a in
        columns.withUnsafeMutableBufferPointer { columns in
        values.withUnsafeMutableBufferPointer { values in
            for row in rows {
                let local = row - rows.lowerBound
                var node = -firstNode
                var volume = 1.0
                for d in 0..<dim {
                    node += nodeOf[d][index[d]] * nodeStrides[d]
                    widths[d] = widthOf[d][index[d]]; volume *= widths[d]
                }
                let here = a[node]
                let x = coordinateOf[0][index[0]]
                let y = dim > 1 ? coordinateOf[1][index[1]] : 0
                let z = dim > 2 ? coordinateOf[2][index[2]] : 0
                var b: Double
                if let c = constantRHS {
                    b = volume * c
                } else if let e = fExpression {
                    b = volume * e(x, y, z)
                } else {
                    b = volume * fValues[fAtNodes ? node + firstNode : row]
                }
                if let e = spec.exact { exact![local] = e(x, y, z) }
                var diagonal = 0.0
                let first = count
                for d in 0..<dim {
                    let area = volume / widths[d]
                    let i = index[d], size = shape[d]
                    for side in 0..<2 {
                        let step = side == 0 ? -1 : 1
                        if !periodic[d] && (side == 0 ? (i == 0 && !dirichletLow[d]) : (i == size - 1 && !dirichletHigh[d])) {
                            b += here * spec.boundaryValues[d][side](x, y, z) * area
                            continue
                        }
                        let k = i + step
                        let wrapped = periodic[d] ? (k + size) % size : k
                        let there = a[node + (periodic[d] ? wrapped - i : step) * nodeStrides[d]]
                        let t = 2 / (1 / here + 1 / there) * area / h[d]
                        diagonal += t
                        if wrapped >= 0 && wrapped < size {
                            columns[count] = Int32(row + (wrapped - i) * strides[d]); values[count] = -t / cellVolume
                            count += 1
                        } else {
                            let xb = grid.axes[d].coordinate(node: nodeOf[d][i] + step)
                            b += t * spec.boundaryValues[d][side](d == 0 ? xb : x, d == 1 ? xb : y, d == 2 ? xb : z)
                        }
                    }
                }
                columns[count] = Int32(row); values[count] = diagonal / cellVolume
                count += 1
                // Sorted by column (an insertion sort of at most 2d + 1 entries, as the general path).
                for i in (first + 1)..<count {
                    var j = i
                    while j > first && columns[j - 1] > columns[j] {
                        columns.swapAt(j - 1, j); values.swapAt(j - 1, j); j -= 1
                    }
                }
                rowPointers[local + 1] = Int32(count)
                rhs[local] = b / cellVolume
                // The next unknown in C order: the last axis fastest.
                var d = dim - 1
                while d >= 0 {
                    index[d] += 1
                    if index[d] < shape[d] { break }
                    index[d] = 0; d -= 1
                }
            }
        }
        }
        }
        columns.removeLast(columns.count - count)
        values.removeLast(values.count - count)
        try checkFinite(spec, rowPointers: rowPointers, values: values, rhs: rhs, exact: exact, firstRow: rows.lowerBound)
        let matrix = try CSRMatrix(rows: m, columns: n, rowPointers: rowPointers, columnIndices: columns, values: values)
        return (matrix, rhs, exact)
    }
}
