import Foundation
import LinearAlgebra

/// The assembled linear system of a `DiffusionProblem`.
public struct AssembledProblem: Sendable {
    /// A; nil from `assemble(_:matrix: false)`, for a solve that applies the grid's stencil.
    public var assembledMatrix: CSRMatrix?
    public var matrix: CSRMatrix {
        guard let assembledMatrix else { preconditionFailure("internal: the system was assembled without its matrix") }
        return assembledMatrix
    }
    public var rhs: [Double]
    /// The exact solution at the unknowns, when the problem gives one.
    public var exact: [Double]?
    /// Shape of the solution array (the grid's shape).
    public var shape: [Int]
    /// What structured solvers (the FFT solver) need to know about the operator.
    public var structure: GridStructure
    /// f at the unknowns when the right-hand side is a field (values or a random field): what
    /// `rhs = { npy = ... }` reads back into the same system; nil for an expression.
    public var source: [Double]?
}

/// Second-order finite differences for −div(a ∇u) + b·∇u + c u = f on a uniform grid.
///
/// Vertex-centred finite volumes: each unknown owns the box of half-widths around its node
/// (a half box at a Neumann side). The flux through the face between neighbouring nodes is
/// T = a_face · (face area) / h with the harmonic mean a_face = 2aᵢaⱼ/(aᵢ + aⱼ), the
/// conservative choice for jumping coefficients. Summing fluxes gives a symmetric M-matrix;
/// every row is then divided by the full cell volume Πh_d, so interior rows are exactly the
/// textbook stencil (2d+1 points scaled by 1/h², e.g. (4uᵢⱼ − Σ neighbours)/h² for a ≡ 1 in
/// 2D) while boundary rows keep the symmetry the half boxes give.
///
/// The reaction adds volume · c to the diagonal; convection adds volume · b_d times an upwind
/// (first-order) or central (second-order) difference per axis, one-sided into the domain at a
/// Neumann side, so the matrix is no longer symmetric.
///
/// Dirichlet neighbours move to the right-hand side: + T·g. A Neumann side contributes the
/// boundary flux + a·g·(face area), g = ∂u/∂n outward. The scheme is second order for smooth
/// a and u (the half-box boundary rows have O(h) truncation error on an O(h) volume, which is
/// still O(h²) globally); the tests measure the order.
public enum DiffusionAssembly {
    /// `matrix: false`: b, the exact solution and the structure only, with the same checks
    /// (a matrix-free solve: GMG, FFT, `operator = "stencil"`); for −div(a∇u) = f only, the
    /// general path with velocity or reaction always assembles A.
    public static func assemble(_ problem: DiffusionProblem, matrix: Bool = true) throws -> AssembledProblem {
        let grid = problem.grid
        try checkCounts(problem)
        // A right-hand side given as a field is also returned at the unknowns (`source`); a
        // random one is sampled once, for both (its node values enter b as given ones do).
        var spec = problem, source: [Double]?
        switch problem.rhs {
        case .expression: source = nil
        case .values(let v): source = v
        case .nodeValues(let v): source = grid.atUnknowns(v)
        case .random(let r):
            let nodes = try r.nodeValues(on: grid)
            spec.rhs = .nodeValues(nodes)
            source = grid.atUnknowns(nodes)
        }
        // Coefficient at every node, boundary nodes included (they enter the face averages).
        let a = try nodeCoefficients(spec)
        let range = extremes(a)
        let (assembled, rhs, exact, maxPeclet): (CSRMatrix?, [Double], [Double]?, Double) = fastPathApplies(spec)
            ? try { let r = try assembleDiffusionRows(spec, nodeCoefficients: a, matrix: matrix, extremes: range); return (r.0, r.1, r.2, 0.0) }()
            : try assembleRows(spec, rows: nil) { a[$0] }
        var constant: Double?
        if case .expression(let e) = spec.coefficient, e.isConstant { constant = e(0) }
        let structure = GridStructure(
            axes: grid.axes.map { axis in
                let low: GridStructure.Boundary = axis.periodic ? .periodic : (axis.dirichletLow ? .dirichlet : .neumann)
                let high: GridStructure.Boundary = axis.periodic ? .periodic : (axis.dirichletHigh ? .dirichlet : .neumann)
                return GridStructure.Axis(unknowns: axis.unknowns, spacing: axis.spacing, low: low, high: high)
            },
            constantCoefficient: constant,
            // A constant coefficient is its own geometric mean (a million logarithms otherwise).
            geometricMeanCoefficient: constant ?? exp(a.reduce(0) { $0 + log($1) } / Double(a.count)),
            coefficientContrast: range.max / range.min,
            nodeCoefficients: a,
            lowerOrderTerms: spec.reaction != nil || spec.velocity != nil,
            cellPeclet: spec.velocity == nil ? nil : maxPeclet)
        return AssembledProblem(assembledMatrix: assembled, rhs: rhs, exact: exact, shape: grid.shape, structure: structure, source: source)
    }

    /// The smallest and largest of `values` (not empty), in parallel chunks: exact in any order.
    static func extremes(_ values: [Double]) -> (min: Double, max: Double) {
        let chunks = max(1, min(Parallel.threadCount, values.count / Parallel.minimumChunk))
        var low = [Double](repeating: .infinity, count: chunks), high = [Double](repeating: -.infinity, count: chunks)
        values.withUnsafeBufferPointer { v in
        low.withUnsafeMutableBufferPointer { lo in
        high.withUnsafeMutableBufferPointer { hi in
            // Parallel.chunks cuts the same number of chunks (threads, at least minimumChunk each).
            Parallel.chunks(v.count) { range, c in
                var l = Double.infinity, h = -Double.infinity
                for i in range { l = Swift.min(l, v[i]); h = Swift.max(h, v[i]) }
                lo[c] = l; hi[c] = h
            }
        }
        }
        }
        return (low.min()!, high.max()!)
    }

    /// Only the given rows of the matrix and right-hand side (the other rows are empty and their
    /// right-hand side zero): what a nonintrusive reduced model needs online, the few entries
    /// at its interpolation points, without the O(n) work of a whole assembly when the
    /// coefficient is an expression (it is evaluated at the rows' neighbouring nodes only).
    public static func assemble(_ spec: DiffusionProblem, rows: [Int]) throws -> (matrix: CSRMatrix, rhs: [Double]) {
        let rows = Array(Set(rows)).sorted()
        guard rows.allSatisfy({ $0 >= 0 && $0 < spec.grid.count }) else {
            throw AssemblyError(key: "grid", message: "row out of range for \(spec.grid.count) unknowns")
        }
        try checkCounts(spec)
        let grid = spec.grid
        let r: (CSRMatrix, [Double], [Double]?, Double)
        if case .expression(let e) = spec.coefficient {
            let dim = grid.dimension
            let nodeStrides = grid.nodeStrides
            var node = [Int](repeating: 0, count: dim)
            r = try assembleRows(spec, rows: rows) { flat in
                var rem = flat
                for d in 0..<dim { node[d] = rem / nodeStrides[d]; rem %= nodeStrides[d] }
                return try checkedCoefficient(e(coordinate(grid, node, 0), coordinate(grid, node, 1), coordinate(grid, node, 2)), grid, node)
            }
        } else {
            let a = try nodeCoefficients(spec)
            r = try assembleRows(spec, rows: rows) { a[$0] }
        }
        return (r.0, r.1)
    }

    /// The finite-volume rows (all when `rows` is nil, else those, sorted): matrix, right-hand
    /// side, exact solution and the largest cell Péclet number. `a` gives the coefficient at a
    /// node (flat index over the grid's nodes, C order).
    /// With `slab`, only those rows, numbered from its start: a matrix of slab.count rows (global
    /// columns) and right-hand side and exact solution of slab.count entries.
    static func assembleRows(_ spec: DiffusionProblem, rows: [Int]?, slab: Range<Int>? = nil, coefficient a: (Int) throws -> Double) throws
        -> (CSRMatrix, [Double], [Double]?, Double) {
        let grid = spec.grid
        let dim = grid.dimension
        let shape = grid.shape
        let strides = grid.strides
        let n = grid.count
        let h = grid.axes.map(\.spacing)
        let cellVolume = h.reduce(1, *)
                let nodeStrides = grid.nodeStrides
        let randomRHS: [Double]?
        if case .random(let r) = spec.rhs { randomRHS = try r.nodeValues(on: grid) } else { randomRHS = nil }

        let base = slab?.lowerBound ?? 0, m = slab?.count ?? n
        var rowPointers = [Int32](repeating: 0, count: m + 1)
        var columns = [Int32](), values = [Double]()
        columns.reserveCapacity(m * (2 * dim + 1)); values.reserveCapacity(m * (2 * dim + 1))
        var rhs = [Double](repeating: 0, count: m)
        var exact: [Double]? = spec.exact.map { _ in [Double](repeating: 0, count: m) }
        var index = [Int](repeating: 0, count: dim)
        var nodeIndex = [Int](repeating: 0, count: dim)
        var widths = [Double](repeating: 0, count: dim)  // control-volume widths of the current row
        var entries: [(column: Int32, value: Double)] = []
        entries.reserveCapacity(4 * dim + 1)
        var maxPeclet = 0.0

        var filled = 0  // rows whose row pointer is set (a partial assembly leaves the rest empty)
        for row in rows ?? Array(slab ?? 0..<n) {
            let local = row - base
            while filled < local { rowPointers[filled + 1] = Int32(columns.count); filled += 1 }
            var rem = row
            for d in 0..<dim { index[d] = rem / strides[d]; rem %= strides[d] }
            for d in 0..<dim { nodeIndex[d] = grid.axes[d].node(ofUnknown: index[d]) }
            var volume = 1.0
            for d in 0..<dim { widths[d] = grid.axes[d].cellWidth(ofUnknown: index[d]); volume *= widths[d] }
            let here = try a(flatNode(nodeIndex, nodeStrides))
            let (x, y, z) = grid.coordinates(of: index)
            var b: Double
            switch spec.rhs {
            case .expression(let e): b = volume * e(x, y, z)
            case .values(let values): b = volume * values[row]
            case .nodeValues(let values): b = volume * values[flatNode(nodeIndex, nodeStrides)]
            case .random: b = volume * randomRHS![flatNode(nodeIndex, nodeStrides)]
            }
            if let e = spec.exact { exact![local] = e(x, y, z) }
            var diagonal = 0.0
            entries.removeAll(keepingCapacity: true)
            for d in 0..<dim {
                let area = volume / widths[d]
                let axis = grid.axes[d]
                for side in 0..<2 {
                    let step = side == 0 ? -1 : 1
                    let k = index[d] + step
                    let isBoundaryNode = !axis.periodic && (side == 0 ? (index[d] == 0 && !axis.dirichletLow)
                                                                    : (index[d] == shape[d] - 1 && !axis.dirichletHigh))
                    if isBoundaryNode {
                        // Neumann side: prescribed outward flux a·∂u/∂n through the boundary face.
                        let g = spec.boundaryValues[d][side](x, y, z)
                        b += here * g * area
                        continue
                    }
                    // Periodic axes wrap: node n is node 0 (the coefficient array holds nodes 0..n−1).
                    let wrapped = axis.periodic ? (k + shape[d]) % shape[d] : k
                    let savedNode = nodeIndex[d]
                    nodeIndex[d] = axis.periodic ? wrapped : nodeIndex[d] + step
                    let there = try a(flatNode(nodeIndex, nodeStrides))
                    nodeIndex[d] = savedNode
                    // Harmonic mean as 2/(1/a + 1/b): 2ab/(a + b) overflows for a, b above 1e154.
                    let t = 2 / (1 / here + 1 / there) * area / h[d]
                    diagonal += t
                    if wrapped >= 0 && wrapped < shape[d] {
                        entries.append((Int32(row + (wrapped - index[d]) * strides[d]), -t / cellVolume))
                    } else {
                        // Dirichlet neighbour: known value moves to the right-hand side.
                        let xb = axis.coordinate(node: savedNode + step)
                        b += t * spec.boundaryValues[d][side](d == 0 ? xb : x, d == 1 ? xb : y, d == 2 ? xb : z)
                    }
                }
            }
            // Reaction c u: volume · c on the diagonal.
            if let c = spec.reaction {
                let cv = c(x, y, z)
                guard cv.isFinite else {
                    throw AssemblyError(key: "reaction", message: "is \(shown(cv)) at \(point(grid, row)); it must be finite on the grid")
                }
                diagonal += volume * cv
            }
            // Convection b·∇u, one axis at a time: upwind (the difference towards where the flow
            // comes from) or central; one-sided into the domain where a Neumann side leaves no
            // neighbour. A Dirichlet neighbour's known value moves to the right-hand side.
            if let velocity = spec.velocity {
                for d in 0..<dim {
                    let v = velocity[d](x, y, z)
                    guard v.isFinite else {
                        throw AssemblyError(key: "velocity", message: "component \(d + 1) is \(shown(v)) at \(point(grid, row)); "
                            + "it must be finite on the grid")
                    }
                    if v == 0 { continue }
                    let axis = grid.axes[d], hd = h[d]
                    maxPeclet = max(maxPeclet, abs(v) * hd / (2 * here))
                    let hasLow = axis.periodic || index[d] > 0 || axis.dirichletLow
                    let hasHigh = axis.periodic || index[d] < shape[d] - 1 || axis.dirichletHigh
                    // Weights of u at (low neighbour, this node, high neighbour) for ∂u/∂x_d.
                    var weights: (Double, Double, Double)
                    if spec.convection == .central && hasLow && hasHigh {
                        weights = (-1 / (2 * hd), 0, 1 / (2 * hd))
                    } else if hasLow && (spec.convection == .central ? !hasHigh : (v > 0 || !hasHigh)) {
                        weights = (-1 / hd, 1 / hd, 0)
                    } else if hasHigh {
                        weights = (0, -1 / hd, 1 / hd)
                    } else {
                        continue  // one node between two Neumann sides: no difference to take
                    }
                    diagonal += volume * v * weights.1
                    for side in 0..<2 {
                        let w = side == 0 ? weights.0 : weights.2
                        if w == 0 { continue }
                        let step = side == 0 ? -1 : 1
                        let coefficient = volume * v * w
                        let k = index[d] + step
                        let wrapped = axis.periodic ? (k + shape[d]) % shape[d] : k
                        if wrapped >= 0 && wrapped < shape[d] {
                            entries.append((Int32(row + (wrapped - index[d]) * strides[d]), coefficient / cellVolume))
                        } else {
                            let xb = axis.coordinate(node: nodeIndex[d] + step)
                            b -= coefficient * spec.boundaryValues[d][side](d == 0 ? xb : x, d == 1 ? xb : y, d == 2 ? xb : z)
                        }
                    }
                }
            }
            entries.append((Int32(row), diagonal / cellVolume))
            // CSR rows are sorted by column (at most 4d + 1 entries: an insertion sort), and a
            // column that convection and diffusion both couple is stored once.
            for i in 1..<entries.count {
                var j = i
                while j > 0 && entries[j - 1].column > entries[j].column { entries.swapAt(j - 1, j); j -= 1 }
            }
            var last: Int32 = -1
            for e in entries {
                if e.column == last { values[values.count - 1] += e.value; continue }
                columns.append(e.column); values.append(e.value); last = e.column
            }
            rowPointers[local + 1] = Int32(columns.count)
            filled = local + 1
            rhs[local] = b / cellVolume
        }
        while filled < m { rowPointers[filled + 1] = Int32(columns.count); filled += 1 }
        try checkFinite(spec, rowPointers: rowPointers, values: values, rhs: rhs, exact: exact, firstRow: base)
        let matrix = try CSRMatrix(rows: m, columns: n, rowPointers: rowPointers, columnIndices: columns, values: values)
        return (matrix, rhs, exact, maxPeclet)
    }

    /// Refuses an assembly with an entry, right-hand side or exact value that is not finite (or
    /// a subnormal matrix entry), naming the term that overflowed and where.
    /// `firstRow`: the global row of the first (of a slab's rows).
    static func checkFinite(_ spec: DiffusionProblem, rowPointers: [Int32], values: [Double], rhs: [Double], exact: [Double]?,
                            firstRow: Int = 0) throws {
        let grid = spec.grid
        let n = rowPointers.count - 1
        if let k = values.firstIndex(where: { !$0.isFinite || $0.isSubnormal }) {
            let row = firstRow + ((0..<n).first { Int(rowPointers[$0 + 1]) > k } ?? 0)
            // Name the term that can overflow: the convection or reaction term when there is one.
            let (key, term) = spec.velocity != nil ? ("velocity", "the velocity over the grid spacing (or the coefficient over its square)")
                : spec.reaction != nil ? ("reaction", "the reaction (or the coefficient over the grid spacing squared)")
                : ("coefficient", "the coefficient over the grid spacing squared")
            throw AssemblyError(key: key, message: "the assembled matrix has the entry \(shown(values[k])) in the row of \(point(grid, row)): "
                + "\(term) is beyond the range of doubles")
        }
        if let i = rhs.firstIndex(where: { !$0.isFinite }) {
            throw AssemblyError(key: "rhs", message: "the right-hand side (or a boundary value next to it) is \(shown(rhs[i])) "
                + "at \(point(grid, firstRow + i)); it must be finite on the grid")
        }
        if let exact, let i = exact.firstIndex(where: { !$0.isFinite }) {
            throw AssemblyError(key: "exact", message: "the exact solution is \(shown(exact[i])) at \(point(grid, firstRow + i)); "
                + "it must be finite on the grid")
        }
    }

    /// The right-hand side f at the unknowns (C order over the grid's shape): the values that
    /// `rhs = { npy = ... }` reads back into the same system. The assembled b also holds the
    /// boundary data and the control volumes of Neumann rows.
    public static func sourceValues(_ spec: DiffusionProblem) throws -> [Double] {
        try checkCounts(spec)
        let grid = spec.grid
        switch spec.rhs {
        case .expression(let e):
            // A line at a time, the bits of a pointwise evaluation (`Expression.values(onGrid:)`).
            return e.values(onGrid: grid.unknownCoordinates)
        case .values(let values): return values
        case .nodeValues(let values): return grid.atUnknowns(values)
        case .random(let r): return grid.atUnknowns(try r.nodeValues(on: grid))
        }
    }

    /// Value arrays must match the grid: a caller's array of another length is refused here,
    /// not read out of bounds.
    static func checkCounts(_ spec: DiffusionProblem) throws {
        for (key, field) in [("coefficient", spec.coefficient), ("rhs", spec.rhs)] {
            switch field {
            case .values(let v) where v.count != spec.grid.count:
                throw AssemblyError(key: key, message: "has \(v.count) values for \(spec.grid.count) unknowns")
            case .nodeValues(let v) where v.count != spec.grid.nodeCount:
                throw AssemblyError(key: key, message: "has \(v.count) values for \(spec.grid.nodeCount) nodes")
            default: break
            }
        }
    }

    /// The coefficient at every node of the grid (C order over the axes' nodes, Dirichlet end
    /// nodes included), checked positive and finite: what the assembly averages onto faces,
    /// and what a sweep compares to order its cases.
    /// `nodes` (flat node indices) limits it to those nodes: a rank's slab of a distributed run.
    public static func nodeCoefficients(_ spec: DiffusionProblem, nodes: Range<Int>? = nil) throws -> [Double] {
        let grid = spec.grid
        try checkCounts(spec)
        let dim = grid.dimension
        let shape = grid.shape
        let strides = grid.strides
        let nodeStrides = grid.nodeStrides
        let range = nodes ?? 0..<grid.nodeCount
        var node = [Int](repeating: 0, count: dim)
        if case .expression(let e) = spec.coefficient, nodes == nil {
            // The whole node grid a line at a time (`Expression.values(onGrid:)`), then checked.
            let a = e.values(onGrid: grid.nodeCoordinates)
            if let bad = a.firstIndex(where: { !($0 > 0 && $0.isNormal) }) {
                var rem = bad
                for d in 0..<dim { node[d] = rem / nodeStrides[d]; rem %= nodeStrides[d] }
                _ = try checkedCoefficient(a[bad], grid, node)
            }
            return a
        }
        var a = [Double](repeating: 0, count: range.count)
        let randomCoefficient: [Double]?
        if case .random(let r) = spec.coefficient { randomCoefficient = try r.nodeValues(on: grid) } else { randomCoefficient = nil }
        for flat in range {
            var rem = flat
            for d in 0..<dim { node[d] = rem / nodeStrides[d]; rem %= nodeStrides[d] }
            let value: Double
            switch spec.coefficient {
            case .expression(let e):
                let x = coordinate(grid, node, 0), y = coordinate(grid, node, 1), z = coordinate(grid, node, 2)
                value = e(x, y, z)
            case .values(let values):
                // Values are given at unknowns; a Dirichlet boundary node takes its neighbour's.
                var index = 0
                for d in 0..<dim {
                    let k = min(max(node[d] - (grid.axes[d].dirichletLow ? 1 : 0), 0), shape[d] - 1)
                    index += k * strides[d]
                }
                value = values[index]
            case .nodeValues(let values):
                value = values[flat]
            case .random:
                value = randomCoefficient![flat]
            }
            a[flat - range.lowerBound] = try checkedCoefficient(value, grid, node)
        }

        return a
    }

    @inline(__always)
    private static func flatNode(_ node: [Int], _ strides: [Int]) -> Int {
        var f = 0
        for d in 0..<node.count { f += node[d] * strides[d] }
        return f
    }

    /// The coefficient at a node, refused unless positive, finite and normal (one message for
    /// the whole assembly and for the rows a reduced model assembles online).
    private static func checkedCoefficient(_ value: Double, _ grid: Grid, _ node: [Int]) throws -> Double {
        guard value > 0, value.isNormal else {
            let where_ = (0..<grid.dimension).map { String(coordinate(grid, node, $0)) }.joined(separator: ", ")
            throw AssemblyError(key: "coefficient", message: "must be positive and finite (and not below 2.2e-308); it is \(shown(value)) "
                + "at (\(where_))")
        }
        return value
    }

    /// A value for messages: NaN without the sign x86 gives sqrt(-1).
    private static func shown(_ x: Double) -> String { x.isNaN ? "NaN" : "\(x)" }

    /// The coordinates of unknown `row`, for messages.
    private static func point(_ grid: Grid, _ row: Int) -> String {
        var rem = row, index = [Int](repeating: 0, count: grid.dimension)
        let strides = grid.strides
        for d in 0..<grid.dimension { index[d] = rem / strides[d]; rem %= strides[d] }
        let c = grid.coordinates(of: index)
        return "(" + [c.0, c.1, c.2].prefix(grid.dimension).map { "\($0)" }.joined(separator: ", ") + ")"
    }

    private static func coordinate(_ grid: Grid, _ node: [Int], _ d: Int) -> Double {
        d < grid.dimension ? grid.axes[d].coordinate(node: node[d]) : 0
    }
}

/// A field that evaluates to an invalid value on the grid (found only once it is evaluated).
public struct AssemblyError: Error, CustomStringConvertible {
    public let key: String
    public let message: String
    public var description: String { "\(key): \(message)" }
}
