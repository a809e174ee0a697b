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
    /// `matrix: false` computes b (and the exact solution) only, for a solve that applies the
    /// stencil itself: no CSR arrays (56 bytes a row in 2D) are allocated or written, and an
    /// entry beyond the range of doubles is still refused, with the same message.
    /// `extremes`: the smallest and largest of `a`, when the caller has them (one pass fewer).
    static func assembleDiffusionRows(_ spec: DiffusionProblem, nodeCoefficients a: [Double], slab: Range<Int>? = nil, firstNode: Int = 0,
                                      matrix writeMatrix: Bool = true, extremes: (min: Double, max: Double)? = nil)
        throws -> (CSRMatrix?, [Double], [Double]?) {
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

        let rows = slab ?? 0..<n, m = rows.count
        let last = dim - 1
        // Per-axis scalars out of the Axis structs, and f's data out of its enum: the row loop
        // then reads plain values (binding an enum's array per row retains and releases it).
        let periodic = grid.axes.map(\.periodic), dirichletLow = grid.axes.map(\.dirichletLow)
        let dirichletHigh = grid.axes.map(\.dirichletHigh)
        var fValues: [Double] = [], fAtNodes = false, fExpression: Expression?
        // A whole grid's f and exact solution are evaluated a line at a time first (the same bits
        // as pointwise: `Expression.values(onGrid:)`); a slab's rows pointwise.
        var exactValues: [Double]?
        if slab == nil, let e = spec.exact { exactValues = e.values(onGrid: grid.unknownCoordinates) }
        switch spec.rhs {
        case .expression(let e) where slab == nil && constantRHS == nil: fValues = e.values(onGrid: grid.unknownCoordinates)
        case .expression(let e): fExpression = constantRHS == nil ? e : nil
        case .values(let v): fValues = v
        case .nodeValues(let v): fValues = v; fAtNodes = true
        case .random: fValues = randomRHS!; fAtNodes = true
        }

        // Row offsets first: a row holds its diagonal and each neighbour that is an unknown (a
        // periodic axis wraps; a Dirichlet neighbour moves to b, a Neumann side has none). Then
        // the rows are filled in parallel chunks, each at its own offsets, into arrays that are
        // never zeroed (every entry is written once).
        let neighbours = (0..<dim).map { d in
            (0..<shape[d]).map { i in periodic[d] ? 2 : (i > 0 ? 1 : 0) + (i < shape[d] - 1 ? 1 : 0) }
        }
        func multiIndex(_ row: Int) -> [Int] {
            var rem = row
            return (0..<dim).map { d in defer { rem %= strides[d] }; return rem / strides[d] }
        }
        func advance(_ index: inout [Int]) {
            var d = dim - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0; d -= 1
            }
        }
        let rowPointers = !writeMatrix ? [] : [Int32](unsafeUninitializedCapacity: m + 1) { p, initialised in
            var index = multiIndex(rows.lowerBound), total = 0
            p[0] = 0
            for local in 0..<m {
                total += 1
                for d in 0..<dim { total += neighbours[d][index[d]] }
                p[local + 1] = Int32(truncatingIfNeeded: total)
                advance(&index)
            }
            initialised = m + 1
        }
        let nonzeros = writeMatrix ? Int(rowPointers[m]) : 0
        var columns = [Int32](unsafeUninitializedCapacity: nonzeros) { _, c in c = nonzeros }
        var values = [Double](unsafeUninitializedCapacity: nonzeros) { _, c in c = nonzeros }
        var rhs = [Double](unsafeUninitializedCapacity: m) { _, c in c = m }
        var pointwiseExact = exactValues == nil && spec.exact != nil ? [Double](repeating: 0, count: m) : []
        // Interior stretches of lines as loops over the line, where the interior unknowns of the
        // last axis have consecutive nodes (always, on the grids `Grid` makes).
        let lineFastPath = shape[last] > 2 && nodeOf[last][shape[last] - 2] - nodeOf[last][1] == shape[last] - 3

        a.withUnsafeBufferPointer { a in
        rowPointers.withUnsafeBufferPointer { rowPointers in
        columns.withUnsafeMutableBufferPointer { columns in
        values.withUnsafeMutableBufferPointer { values in
        rhs.withUnsafeMutableBufferPointer { rhs in
        pointwiseExact.withUnsafeMutableBufferPointer { pointwiseExact in
            let out = UncheckedBox((columns, values, rhs, pointwiseExact))
            Parallel.chunks(m) { chunk, _ in
                let (columns, values, rhs, pointwiseExact) = out.value
                var index = multiIndex(rows.lowerBound + chunk.lowerBound)
                var widths = [Double](repeating: 0, count: dim)
                var local = chunk.lowerBound
                let scratch = UnsafeMutablePointer<Double>.allocate(capacity: (2 * dim + 1) * InteriorLine.block)
                defer { scratch.deallocate() }
                while local < chunk.upperBound {
                    // A stretch of interior rows of a grid line (index 1 … n − 2 on the last
                    // axis, interior on the others: every neighbour an unknown, no wrapping, no
                    // boundary term in b) as loops over the line: the matrix rows by
                    // `InteriorLine`, b = volume·f / V with the volume's product in the row
                    // loop's order, so the same bits as the general rows below.
                    let j0 = index[last]
                    if lineFastPath && j0 >= 1 && j0 <= shape[last] - 2
                        && (0..<last).allSatisfy({ index[$0] > 0 && index[$0] < shape[$0] - 1 }) {
                        let count = min(shape[last] - 1 - j0, chunk.upperBound - local)
                        var outerVolume = 1.0, lineNode = 0
                        for d in 0..<last { outerVolume *= widthOf[d][index[d]]; lineNode += nodeOf[d][index[d]] * nodeStrides[d] }
                        let firstRow = rows.lowerBound + local
                        if writeMatrix {
                            widthOf[last].withUnsafeBufferPointer { w in
                                let line = InteriorLine(a: a, nodeBase: lineNode + nodeOf[last][1] - 1 - firstNode, nodeStrides: nodeStrides,
                                                        strides: strides, spacing: h, outerWidths: (0..<last).map { widthOf[$0][index[$0]] },
                                                        outerVolume: outerVolume, lastWidths: w, cellVolume: cellVolume)
                                line.write(from: j0, count: count, firstRow: firstRow, columns: columns.baseAddress!, values: values.baseAddress!,
                                           entry: Int(rowPointers[local]), scratch: scratch)
                            }
                        }
                        // A pointwise f or exact solution (a slab's) at the line's points.
                        let x = coordinateOf[0][index[0]], y = dim > 1 ? coordinateOf[1][index[1]] : 0
                        let z = dim > 2 ? coordinateOf[2][index[2]] : 0
                        widthOf[last].withUnsafeBufferPointer { w in
                        nodeOf[last].withUnsafeBufferPointer { nodeIndex in
                        fValues.withUnsafeBufferPointer { f in
                            for j in j0 ..< j0 + count {
                                let volume = outerVolume * w[j], at = local + j - j0
                                let t = coordinateOf[last][j]
                                let (px, py, pz) = last == 0 ? (t, y, z) : last == 1 ? (x, t, z) : (x, y, t)
                                if !pointwiseExact.isEmpty, let e = spec.exact { pointwiseExact[at] = e(px, py, pz) }
                                let b: Double
                                if let c = constantRHS {
                                    b = volume * c
                                } else if let e = fExpression {
                                    b = volume * e(px, py, pz)
                                } else {
                                    // The last axis's node stride is 1.
                                    b = volume * (fAtNodes ? f[lineNode + nodeIndex[j]] : f[firstRow + j - j0])
                                }
                                rhs[at] = b / cellVolume
                            }
                        }
                        }
                        }
                        local += count
                        index[last] += count - 1
                        advance(&index)
                        continue
                    }
                    defer { local += 1 }
                    let row = rows.lowerBound + local
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
                    if !pointwiseExact.isEmpty, let e = spec.exact { pointwiseExact[local] = e(x, y, z) }
                    var diagonal = 0.0
                    let first = writeMatrix ? Int(rowPointers[local]) : 0
                    var count = first
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
                                if writeMatrix {
                                    columns[count] = Int32(row + (wrapped - i) * strides[d]); values[count] = -t / cellVolume
                                }
                                count += 1
                            } else {
                                let xb = grid.axes[d].coordinate(node: nodeOf[d][i] + step)
                                b += t * spec.boundaryValues[d][side](d == 0 ? xb : x, d == 1 ? xb : y, d == 2 ? xb : z)
                            }
                        }
                    }
                    guard writeMatrix else {
                        rhs[local] = b / cellVolume
                        advance(&index)
                        continue
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
                    rhs[local] = b / cellVolume
                    advance(&index)
                }
            }
        }
        }
        }
        }
        }
        }
        let exact = exactValues ?? (spec.exact == nil ? nil : pointwiseExact)
        if !writeMatrix {
            // `checkFinite` refuses an entry that overflows or is subnormal. An entry −T/V grows with
            // the coefficients at its face (every operation of T is monotone in them), so bounds
            // from the extreme coefficients, with a factor 2 for the rounding of the half-box
            // areas, rule it out without the entries. Past the bounds the matrix is assembled,
            // which words the refusal (or finds none).
            if let (low, high) = a.isEmpty ? nil : extremes ?? DiffusionAssembly.extremes(a) {
                let fullVolume = h.reduce(1, *), halfVolume = h.reduce(1) { $0 * ($1 / 2) }
                let safe = (0..<dim).allSatisfy { d in
                    let largest = 2 / (1 / high + 1 / high) * (fullVolume / h[d]) / h[d]
                    let smallest = 2 / (1 / low + 1 / low) * (halfVolume / (h[d] / 2)) / h[d]
                    return (2 * Double(2 * dim) * largest / cellVolume).isFinite && (smallest / cellVolume / 2).isNormal
                }
                if !safe { _ = try assembleDiffusionRows(spec, nodeCoefficients: a, slab: slab, firstNode: firstNode) }
            }
            try checkFinite(spec, rowPointers: [0], values: [], rhs: rhs, exact: exact, firstRow: rows.lowerBound)
            return (nil, rhs, exact)
        }
        try checkFinite(spec, rowPointers: rowPointers, values: values, rhs: rhs, exact: exact, firstRow: rows.lowerBound)
        let matrix = try CSRMatrix(rows: m, columns: n, rowPointers: rowPointers, columnIndices: columns, values: values)
        return (matrix, rhs, exact)
    }
}
