/// A uniform tensor-product grid of unknowns on a box, 1 to 3 dimensions.
///
/// Along each axis the nodes are x = a + k·h, k = 0 … M−1, with h = (b − a)/(M − 1). A node on
/// a Dirichlet side carries a known value and is not an unknown; a node on a Neumann side is.
/// So `n` unknowns per axis means M = n + (number of Dirichlet sides on that axis) nodes, and
/// with Dirichlet on both sides h = (b − a)/(n + 1), the usual finite-difference grid. A
/// periodic axis has n unknowns at a + k·h, k = 0 … n−1, h = (b − a)/n.
///
/// Unknowns are numbered with the last axis fastest (C order), so the solution vector is the
/// NumPy array of shape `shape` with u[i, j, k] = u(xᵢ, yⱼ, z_k), as `np.meshgrid(..., indexing="ij")`.
public struct Grid: Sendable, Equatable {
    public enum Side: String, Sendable, CaseIterable { case low, high }

    public struct Axis: Sendable, Equatable {
        public var unknowns: Int
        public var lower: Double
        public var upper: Double
        public var dirichletLow: Bool
        public var dirichletHigh: Bool
        /// Periodic axis: node n is node 0 again, so n unknowns span the period, h = (b − a)/n.
        public var periodic: Bool = false

        /// `unknowns` on [lower, upper]; a side is Dirichlet (its node is not an unknown), else
        /// Neumann, unless the axis is periodic.
        public init(unknowns: Int, lower: Double = 0, upper: Double = 1, dirichletLow: Bool = true, dirichletHigh: Bool = true,
                    periodic: Bool = false) {
            self.unknowns = unknowns; self.lower = lower; self.upper = upper
            self.dirichletLow = dirichletLow && !periodic; self.dirichletHigh = dirichletHigh && !periodic; self.periodic = periodic
        }

        public var nodes: Int { unknowns + (dirichletLow ? 1 : 0) + (dirichletHigh ? 1 : 0) }
        public var spacing: Double { (upper - lower) / Double(periodic ? unknowns : nodes - 1) }
        /// Node index of unknown k.
        public func node(ofUnknown k: Int) -> Int { k + (dirichletLow ? 1 : 0) }
        public func coordinate(node: Int) -> Double {
            node == nodes - 1 && !periodic ? upper : lower + Double(node) * spacing
        }
        /// Width of the control volume of unknown k: h, or h/2 at a Neumann boundary node.
        public func cellWidth(ofUnknown k: Int) -> Double {
            let h = spacing
            if periodic { return h }
            if (k == 0 && !dirichletLow) || (k == unknowns - 1 && !dirichletHigh) {
                return unknowns == 1 && !dirichletLow && !dirichletHigh ? h : h / 2
            }
            return h
        }
    }

    public var axes: [Axis]

    public init(axes: [Axis]) { self.axes = axes }

    public var dimension: Int { axes.count }
    public var shape: [Int] { axes.map(\.unknowns) }
    public var count: Int { axes.reduce(1) { $0 * $1.unknowns } }
    /// Nodes per axis: the unknowns plus the Dirichlet boundary nodes, whose values the
    /// stencil reads (the coefficient) or moves to the right-hand side (boundary data).
    public var nodeShape: [Int] { axes.map(\.nodes) }
    public var nodeCount: Int { axes.reduce(1) { $0 * $1.nodes } }
    /// Strides of the C-order numbering of the nodes (last axis fastest).
    public var nodeStrides: [Int] {
        var s = [Int](repeating: 1, count: dimension)
        for d in stride(from: dimension - 2, through: 0, by: -1) { s[d] = s[d + 1] * axes[d + 1].nodes }
        return s
    }

    /// A field given at every node (C order over `nodeShape`) at the unknowns only (C order
    /// over `shape`).
    public func atUnknowns(_ nodeValues: [Double]) -> [Double] {
        precondition(nodeValues.count == nodeCount, "one value per node")
        let strides = self.strides, nodeStrides = self.nodeStrides
        return (0..<count).map { row in
            var rem = row, node = 0
            for d in 0..<dimension {
                node += axes[d].node(ofUnknown: rem / strides[d]) * nodeStrides[d]
                rem %= strides[d]
            }
            return nodeValues[node]
        }
    }

    /// The coordinates of every node per axis, Dirichlet end nodes included.
    public var nodeCoordinates: [[Double]] { axes.map { axis in (0..<axis.nodes).map { axis.coordinate(node: $0) } } }
    /// The coordinates of the unknowns per axis.
    public var unknownCoordinates: [[Double]] { axes.map { axis in (0..<axis.unknowns).map { axis.coordinate(node: axis.node(ofUnknown: $0)) } } }

    /// Strides of the C-order numbering (last axis fastest).
    public var strides: [Int] {
        var s = [Int](repeating: 1, count: dimension)
        for d in stride(from: dimension - 2, through: 0, by: -1) { s[d] = s[d + 1] * axes[d + 1].unknowns }
        return s
    }

    /// Coordinates (x, y, z) of unknown with multi-index `index`; missing axes are 0.
    public func coordinates(of index: [Int]) -> (Double, Double, Double) {
        var c = (0.0, 0.0, 0.0)
        for d in 0..<dimension {
            let v = axes[d].coordinate(node: axes[d].node(ofUnknown: index[d]))
            if d == 0 { c.0 = v } else if d == 1 { c.1 = v } else { c.2 = v }
        }
        return c
    }
}
