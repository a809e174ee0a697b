import LinearAlgebra

/// One rank's part of a distributed assembly: the rows of a slab of planes along the grid's
/// first (slowest) axis, so that its unknowns are one contiguous block of the C-order solution,
/// assembled without any whole-grid vector (the coefficient is evaluated on the slab's node
/// planes and their neighbours only). The scheme is `DiffusionAssembly.assembleRows`'s, so the
/// slabs of all ranks together are the whole assembly's rows exactly.
public struct AssembledSlab: Sendable {
    /// The global rows (unknowns) of the slab.
    public var rows: Range<Int>
    /// rows.count × (all unknowns), global column indices.
    public var matrix: CSRMatrix
    public var rhs: [Double]
    public var exact: [Double]?
    /// f at the slab's unknowns when the right-hand side is a field (what rhs.npy holds).
    public var source: [Double]?
    /// The flat node indices (C order over `Grid.nodeShape`) this slab covers of coefficient.npy:
    /// the nodes of its planes, plus the Dirichlet boundary planes for the first and last slab,
    /// so that the slabs of all ranks partition the nodes.
    public var nodes: Range<Int>
    /// The coefficient at `nodes`.
    public var nodeCoefficients: [Double]
}

extension DiffusionAssembly {
    /// The rows of the planes `planes` along axis 0 (`0 ..< shape[0]` is the whole grid).
    public static func assemble(_ spec: DiffusionProblem, planes: Range<Int>) throws -> AssembledSlab {
        let grid = spec.grid
        try checkCounts(spec)
        let axis = grid.axes[0]
        let planeRows = grid.strides[0], planeNodes = grid.nodeStrides[0]
        precondition(planes.lowerBound >= 0 && planes.upperBound <= axis.unknowns, "planes beyond the grid")
        let rows = planes.lowerBound * planeRows ..< planes.upperBound * planeRows

        // Node planes written to coefficient.npy: from the first plane's node (node 0 for the
        // first slab) up to the next slab's first node (the last node for the last slab).
        let firstNode = planes.lowerBound == 0 ? 0 : axis.node(ofUnknown: planes.lowerBound)
        let endNode = planes.upperBound == axis.unknowns ? axis.nodes : axis.node(ofUnknown: planes.upperBound)
        let nodes = firstNode * planeNodes ..< endNode * planeNodes
        // Node planes the rows read: their own and one on each side (every node on a periodic
        // axis 0, whose first and last planes are neighbours).
        let read = axis.periodic ? 0 ..< axis.nodes
            : max(0, axis.node(ofUnknown: planes.lowerBound) - 1) ..< min(axis.nodes, axis.node(ofUnknown: max(planes.upperBound, 1) - 1) + 2)
        let readNodes = read.lowerBound * planeNodes ..< read.upperBound * planeNodes
        let a = try nodeCoefficients(spec, nodes: readNodes)
        let (matrix, rhs, exact) = fastPathApplies(spec)
            ? try { let r = try assembleDiffusionRows(spec, nodeCoefficients: a, slab: rows, firstNode: readNodes.lowerBound)
                    return (r.0!, r.1, r.2) }()
            : try { let r = try assembleRows(spec, rows: nil, slab: rows) { a[$0 - readNodes.lowerBound] }; return (r.0, r.1, r.2) }()
        let written = Array(a[(nodes.lowerBound - readNodes.lowerBound) ..< (nodes.upperBound - readNodes.lowerBound)])

        var source: [Double]?
        switch spec.rhs {
        case .expression: source = nil
        case .values(let v): source = Array(v[rows])
        case .nodeValues(let v): source = slabAtUnknowns(grid, v, rows)
        case .random(let r): source = slabAtUnknowns(grid, try r.nodeValues(on: grid), rows)
        }
        return AssembledSlab(rows: rows, matrix: matrix, rhs: rhs, exact: exact, source: source, nodes: nodes, nodeCoefficients: written)
    }

    /// `Grid.atUnknowns` for the unknowns `rows` only.
    private static func slabAtUnknowns(_ grid: Grid, _ nodeValues: [Double], _ rows: Range<Int>) -> [Double] {
        let strides = grid.strides, nodeStrides = grid.nodeStrides
        return rows.map { row in
            var rem = row, node = 0
            for d in 0..<grid.dimension {
                node += grid.axes[d].node(ofUnknown: rem / strides[d]) * nodeStrides[d]
                rem %= strides[d]
            }
            return nodeValues[node]
        }
    }
}
