import LinearAlgebra

/// The (2d+1)-point diffusion operator of a structured grid, applied without a matrix.
///
/// It is the operator `DiffusionAssembly` assembles, rebuilt from the neutral `GridStructure`
/// (axes and the coefficient at every node): vertex-centred finite volumes, face coefficient
/// the harmonic mean 2/(1/aᵢ + 1/aⱼ), half boxes at Neumann sides, rows scaled by the full
/// cell volume Πh_d. So the weight of the face between neighbours i and i + e_d is
///
///     t = harmonic(aᵢ, aⱼ) / h_d² · Π_{e≠d} (width_e / h_e),   width_e ∈ {h_e, h_e/2},
///
/// the operator is symmetric, and (A u)ᵢ = Dᵢuᵢ − Σ_faces t·u_neighbour with Dᵢ the sum of the
/// weights of all faces of i, Dirichlet faces included. The conformance test checks it against
/// the assembled CSR matrix entry by entry.
///
/// Storage is the diagonal plus one upper-face weight per unknown and axis (a periodic axis
/// stores its wrap-around face at the last index): 3 (2D) or 4 (3D) arrays, against CSR's 12
/// bytes per nonzero. With a constant coefficient and Dirichlet sides only, every row is the
/// same stencil and nothing is stored at all; that is the memory-bandwidth floor of an
/// operator application (read x, write y).
///
/// Internally every grid has three axes (1D and 2D grids are padded in front with axes of one
/// unknown), numbered in C order with the last axis fastest, as the solution arrays are.
public final class StencilOperator: LinearOperator, @unchecked Sendable {
    public let axes: [GridStructure.Axis]
    public let rows: Int
    public var columns: Int { rows }
    /// Unknowns per padded axis, and whether each wraps around.
    let n: (Int, Int, Int)
    let periodic: (Bool, Bool, Bool)
    /// True when no side is Dirichlet: constants are the null space (all-Neumann or periodic).
    public let isSingular: Bool

    /// The same stencil in every row: the diagonal and the weight per padded axis.
    struct Uniform { var diagonal: Double; var weight: (Double, Double, Double) }
    let uniform: Uniform?
    /// Per-row storage when the stencil varies (nil when `uniform` is set; an axis of one
    /// unknown that does not wrap has no faces and no array). Raw buffers owned by the
    /// operator, so the kernels touch no reference counts.
    let diagonal: UnsafeMutablePointer<Double>?
    let upper: (UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutablePointer<Double>?)
    /// A zero row, standing in for a missing neighbour row of x.
    let zeros: UnsafeMutablePointer<Double>

    /// Builds the operator of −div(a∇u) on `axes` with the coefficient given at every node
    /// (C order over `axes.map(\.nodes)`, Dirichlet end nodes included).
    public init(axes: [GridStructure.Axis], nodeCoefficients a: [Double]) throws {
        guard (1...3).contains(axes.count) else {
            throw LinearAlgebraError.invalidArgument("a stencil operator needs 1 to 3 axes, got \(axes.count)")
        }
        let nodeCount = axes.reduce(1) { $0 * $1.nodes }
        guard a.count == nodeCount else {
            throw LinearAlgebraError.invalidArgument("\(a.count) node coefficients for \(nodeCount) nodes")
        }
        self.axes = axes
        let padded = [GridStructure.Axis](repeating: GridStructure.Axis(unknowns: 1, spacing: 1, low: .neumann, high: .neumann),
                                          count: 3 - axes.count) + axes
        let size = padded.map(\.unknowns)
        n = (size[0], size[1], size[2])
        periodic = (padded[0].low == .periodic, padded[1].low == .periodic, padded[2].low == .periodic)
        let count = size[0] * size[1] * size[2]
        rows = count
        isSingular = !axes.contains { $0.low == .dirichlet || $0.high == .dirichlet }
        zeros = .allocate(capacity: size[2])
        zeros.initialize(repeating: 0, count: size[2])

        let isPadding = (0..<3).map { $0 < 3 - axes.count }
        let constant = a.allSatisfy { $0 == a[0] }
        let dirichletOnly = axes.allSatisfy { $0.low == .dirichlet && $0.high == .dirichlet }
        if constant && dirichletOnly {
            // Every face has the same weight per axis: no storage.
            let harmonic = 2 / (1 / a[0] + 1 / a[0])
            var w = [0.0, 0.0, 0.0]
            for d in 0..<3 where !isPadding[d] { w[d] = harmonic / (padded[d].spacing * padded[d].spacing) }
            uniform = Uniform(diagonal: 2 * (w[0] + w[1] + w[2]), weight: (w[0], w[1], w[2]))
            diagonal = nil; upper = (nil, nil, nil)
            return
        }
        uniform = nil

        // Node strides (C order over nodes) and unknown strides, both padded to three axes.
        let nodeSize = padded.enumerated().map { isPadding[$0.offset] ? 1 : $0.element.nodes }
        let nodeStride = [nodeSize[1] * nodeSize[2], nodeSize[2], 1]
        let stride = [size[1] * size[2], size[2], 1]
        let offset = padded.map { $0.low == .dirichlet ? 1 : 0 }
        // Control-volume width over h: 1/2 at a Neumann end node (unless it is the only node).
        func widthRatio(_ d: Int, _ k: Int) -> Double {
            let axis = padded[d]
            if isPadding[d] || axis.low == .periodic { return 1 }
            let lowEnd = k == 0 && axis.low == .neumann, highEnd = k == axis.unknowns - 1 && axis.high == .neumann
            if axis.unknowns == 1 && axis.low == .neumann && axis.high == .neumann { return 1 }
            return lowEnd || highEnd ? 0.5 : 1
        }
        var diag = [Double](repeating: 0, count: count)
        var up: [[Double]] = (0..<3).map { d in
            isPadding[d] ? [] : [Double](repeating: 0, count: count)
        }
        var ratio = [[Double]](repeating: [], count: 3)
        for d in 0..<3 { ratio[d] = (0..<size[d]).map { widthRatio(d, $0) } }

        var index = [0, 0, 0]
        for row in 0..<count {
            var rem = row
            for d in 0..<3 { index[d] = rem / stride[d]; rem %= stride[d] }
            var node = 0
            for d in 0..<3 { node += (index[d] + offset[d]) * nodeStride[d] }
            let here = a[node]
            var sum = 0.0
            for d in 0..<3 where !isPadding[d] {
                let axis = padded[d]
                let h = axis.spacing
                var area = 1.0
                for e in 0..<3 where e != d { area *= ratio[e][index[e]] }
                let scale = area / (h * h)
                func weight(_ there: Double) -> Double { 2 / (1 / here + 1 / there) * scale }
                let k = index[d], last = size[d] - 1
                // Upper face.
                if k < last {
                    let t = weight(a[node + nodeStride[d]])
                    up[d][row] = t; sum += t
                } else if axis.high == .periodic {
                    let t = weight(a[node - k * nodeStride[d]])
                    up[d][row] = t; sum += t
                } else if axis.high == .dirichlet {
                    sum += weight(a[node + nodeStride[d]])
                }
                // Lower face.
                if k > 0 {
                    sum += weight(a[node - nodeStride[d]])
                } else if axis.low == .periodic {
                    sum += weight(a[node + last * nodeStride[d]])
                } else if axis.low == .dirichlet {
                    sum += weight(a[node - nodeStride[d]])
                }
            }
            diag[row] = sum
        }
        func owned(_ a: [Double]) -> UnsafeMutablePointer<Double>? {
            guard !a.isEmpty else { return nil }
            let p = UnsafeMutablePointer<Double>.allocate(capacity: a.count)
            p.initialize(from: a, count: a.count)
            return p
        }
        diagonal = owned(diag)
        upper = (owned(up[0]), owned(up[1]), owned(up[2]))
    }

    deinit {
        zeros.deallocate()
        diagonal?.deallocate(); upper.0?.deallocate(); upper.1?.deallocate(); upper.2?.deallocate()
    }

    /// The operator's diagonal (for Jacobi-type smoothers).
    public func diagonalEntries() -> [Double] {
        if let u = uniform { return [Double](repeating: u.diagonal, count: rows) }
        return Array(UnsafeBufferPointer(start: diagonal!, count: rows))
    }

    // MARK: Rows

    /// Calls `body(offset, weights, weight)` for each neighbour row (axes 0 and 1) of grid row
    /// (i0, i1): its values start at `offset` from the row's, and its face weights are the row
    /// `weights` of `upper` (or the number `weight` for a uniform stencil). Row r = i0·n1 + i1
    /// starts at unknown r·n2. Inlined, so the closure costs nothing.
    @inline(__always)
    func forEachNeighbourRow(_ i0: Int, _ i1: Int, _ body: (Int, UnsafePointer<Double>?, Double) -> Void) {
        let (n0, n1, n2) = n
        let s1 = n2, s0 = n1 * n2
        let row = (i0 * n1 + i1) * n2
        @inline(__always) func visit(_ offset: Int, _ weightRow: Int, _ axis: Int) {
            if let u = uniform {
                body(offset, nil, axis == 0 ? u.weight.0 : u.weight.1)
            } else {
                body(offset, UnsafePointer((axis == 0 ? upper.0 : upper.1)! + weightRow), 0)
            }
        }
        if n1 > 1 || periodic.1 {
            if i1 < n1 - 1 { visit(s1, row, 1) } else if periodic.1 { visit(-(n1 - 1) * s1, row, 1) }
            if i1 > 0 { visit(-s1, row - s1, 1) } else if periodic.1 { visit((n1 - 1) * s1, row + (n1 - 1) * s1, 1) }
        }
        if n0 > 1 || periodic.0 {
            if i0 < n0 - 1 { visit(s0, row, 0) } else if periodic.0 { visit(-(n0 - 1) * s0, row, 0) }
            if i0 > 0 { visit(-s0, row - s0, 0) } else if periodic.0 { visit((n0 - 1) * s0, row + (n0 - 1) * s0, 0) }
        }
    }

    /// The rows of x next to grid row (i0, i1) along axes 1 and 0 (below, above), the zero row
    /// where there is none: the uniform kernels' four neighbour rows. Only for `uniform`
    /// operators, which have Dirichlet sides (no wrap).
    @inline(__always)
    func uniformNeighbours(_ i0: Int, _ i1: Int, _ xr: UnsafePointer<Double>)
        -> (UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>, UnsafePointer<Double>) {
        let (n0, n1, n2) = n
        let z = UnsafePointer(zeros)
        return (i1 > 0 ? xr - n2 : z, i1 < n1 - 1 ? xr + n2 : z,
                i0 > 0 ? xr - n1 * n2 : z, i0 < n0 - 1 ? xr + n1 * n2 : z)
    }

    /// y = (A x) on grid row (i0, i1) (if `b` is given, y = b − A x instead).
    @inline(__always)
    func applyRow(_ i0: Int, _ i1: Int, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>,
                  minus b: UnsafePointer<Double>?) {
        let n2 = n.2
        let row = (i0 * n.1 + i1) * n2
        let xr = x + row, yr = y + row
        if let u = uniform {
            // One pass: y = D x − w₂(x[j−1] + x[j+1]) − w₁(rows along axis 1) − w₀(axis 0).
            let d = u.diagonal, (w0, w1, w2) = u.weight
            let (a1, b1, a0, b0) = uniformNeighbours(i0, i1, xr)
            @inline(__always) func value(_ j: Int, _ left: Double, _ right: Double) -> Double {
                d * xr[j] - w2 * (left + right) - w1 * (a1[j] + b1[j]) - w0 * (a0[j] + b0[j])
            }
            if let b {
                let br = b + row
                if n2 == 1 { yr[0] = br[0] - value(0, 0, 0); return }
                yr[0] = br[0] - value(0, 0, xr[1])
                for j in 1..<(n2 - 1) { yr[j] = br[j] - value(j, xr[j - 1], xr[j + 1]) }
                yr[n2 - 1] = br[n2 - 1] - value(n2 - 1, xr[n2 - 2], 0)
            } else {
                if n2 == 1 { yr[0] = value(0, 0, 0); return }
                yr[0] = value(0, 0, xr[1])
                for j in 1..<(n2 - 1) { yr[j] = value(j, xr[j - 1], xr[j + 1]) }
                yr[n2 - 1] = value(n2 - 1, xr[n2 - 2], 0)
            }
            return
        }
        let dr = diagonal! + row
        if let up = upper.2 {
            let u = up + row
            if n2 == 1 {
                yr[0] = dr[0] * xr[0] - 2 * u[0] * xr[0]
            } else {
                // The face below j = 0 is the wrap face stored at n2 − 1 (0 unless periodic).
                yr[0] = dr[0] * xr[0] - u[0] * xr[1] - u[n2 - 1] * xr[n2 - 1]
                for j in 1..<(n2 - 1) { yr[j] = dr[j] * xr[j] - u[j] * xr[j + 1] - u[j - 1] * xr[j - 1] }
                yr[n2 - 1] = dr[n2 - 1] * xr[n2 - 1] - u[n2 - 2] * xr[n2 - 2] - u[n2 - 1] * xr[0]
            }
        } else {
            for j in 0..<n2 { yr[j] = dr[j] * xr[j] }
        }
        forEachNeighbourRow(i0, i1) { offset, weights, _ in
            let xn = xr + offset, w = weights!
            for j in 0..<n2 { yr[j] -= w[j] * xn[j] }
        }
        if let b {
            let br = b + row
            for j in 0..<n2 { yr[j] = br[j] - yr[j] }
        }
    }

    /// Grid rows (i0, i1) in parallel chunks.
    @inline(__always)
    func forEachRow(_ body: (Int, Int) -> Void) {
        let rowCount = n.0 * n.1, n1 = n.1
        Parallel.chunks(rowCount, minimumChunk: max(1, Parallel.minimumChunk / max(1, n.2))) { range, _ in
            for r in range { body(r / n1, r % n1) }
        }
    }

    public func apply(_ x: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        let xp = x.baseAddress!, yp = y.baseAddress!
        forEachRow { i0, i1 in applyRow(i0, i1, xp, yp, minus: nil) }
    }

    /// r = b − A x.
    public func residual(_ b: UnsafeBufferPointer<Double>, _ x: UnsafeBufferPointer<Double>, into r: UnsafeMutableBufferPointer<Double>) {
        let xp = x.baseAddress!, bp = b.baseAddress!, rp = r.baseAddress!
        forEachRow { i0, i1 in applyRow(i0, i1, xp, rp, minus: bp) }
    }

    /// The operator as a CSR matrix (for the coarsest level's CHOLMOD factor and for tests).
    public func assembled() throws -> CSRMatrix {
        var ri = [CSRMatrix.Index](), ci = [CSRMatrix.Index](), v = [Double]()
        ri.reserveCapacity(rows * 7); ci.reserveCapacity(rows * 7); v.reserveCapacity(rows * 7)
        let size = [n.0, n.1, n.2], wraps = [periodic.0, periodic.1, periodic.2]
        let stride = [n.1 * n.2, n.2, 1]
        let diag = diagonalEntries()
        func weight(_ d: Int, _ i: Int) -> Double {
            if let u = uniform { return d == 0 ? u.weight.0 : (d == 1 ? u.weight.1 : u.weight.2) }
            return d == 0 ? upper.0![i] : (d == 1 ? upper.1![i] : upper.2![i])
        }
        for i in 0..<rows {
            func add(_ j: Int, _ value: Double) {
                ri.append(CSRMatrix.Index(i)); ci.append(CSRMatrix.Index(j)); v.append(value)
            }
            add(i, diag[i])
            for d in 0..<3 where size[d] > 1 || wraps[d] {
                let k = (i / stride[d]) % size[d], last = size[d] - 1
                if k < last { add(i + stride[d], -weight(d, i)) } else if wraps[d] { add(i - last * stride[d], -weight(d, i)) }
                if k > 0 { add(i - stride[d], -weight(d, i - stride[d])) }
                else if wraps[d] { add(i + last * stride[d], -weight(d, i + last * stride[d])) }
            }
        }
        return try CSRMatrix(rows: rows, columns: rows, rowIndices: ri, columnIndices: ci, values: v)
    }
}
