/// A neutral description of a structured tensor grid and the operator assembled on it: what
/// structured solvers (FFT, geometric multigrid) need to know, with no dependency on how the
/// problem was written. `Problems` fills it; `Spectral` and `Multigrid` read it.
public struct GridStructure: Sendable {
    /// How an axis ends.
    public enum Boundary: String, Sendable { case dirichlet, neumann, periodic }

    /// One axis of unknowns (Dirichlet nodes are not unknowns; Neumann and periodic ones are).
    public struct Axis: Sendable, Equatable {
        public var unknowns: Int
        public var spacing: Double
        public var low: Boundary
        public var high: Boundary
        public init(unknowns: Int, spacing: Double, low: Boundary, high: Boundary) {
            self.unknowns = unknowns; self.spacing = spacing; self.low = low; self.high = high
        }
        /// Grid nodes on this axis: the unknowns plus a node at each Dirichlet end.
        public var nodes: Int { unknowns + (low == .dirichlet ? 1 : 0) + (high == .dirichlet ? 1 : 0) }
    }

    public var axes: [Axis]
    /// The coefficient when it is one number (an expression without variables), else nil.
    public var constantCoefficient: Double?
    /// Geometric mean of the coefficient over the nodes, exp(mean log a): the constant of the
    /// FFT preconditioner for variable coefficients (the natural mean for log-normal fields).
    public var geometricMeanCoefficient: Double
    /// max a / min a over the nodes.
    public var coefficientContrast: Double
    /// The coefficient at every node, C order over `axes.map(\.nodes)` (Dirichlet end nodes
    /// included): what a rediscretisation on a coarser grid starts from. Empty when unknown.
    public var nodeCoefficients: [Double]
    /// The operator has convection or reaction terms besides −div(a∇u): the structured solvers
    /// (FFT, geometric multigrid), which build −div(a∇u) alone, cannot serve it.
    public var lowerOrderTerms: Bool
    /// The largest cell Péclet number |b_d| h_d / (2a) (nil without convection): above 1,
    /// central differences oscillate.
    public var cellPeclet: Double?

    public init(axes: [Axis], constantCoefficient: Double?, geometricMeanCoefficient: Double,
                coefficientContrast: Double = 1, nodeCoefficients: [Double] = [], lowerOrderTerms: Bool = false,
                cellPeclet: Double? = nil) {
        self.axes = axes; self.constantCoefficient = constantCoefficient
        self.geometricMeanCoefficient = geometricMeanCoefficient; self.coefficientContrast = coefficientContrast
        self.nodeCoefficients = nodeCoefficients; self.lowerOrderTerms = lowerOrderTerms; self.cellPeclet = cellPeclet
    }

    /// No side is Dirichlet and the operator is −div(a∇u) alone: the constants are its null
    /// space (all-Neumann or periodic), u is determined up to a constant, and A u = b is
    /// solvable only for b orthogonal to the constants (the matrix is symmetric).
    /// The number of unknowns (the product of the axes').
    public var unknowns: Int { axes.reduce(1) { $0 * $1.unknowns } }

    public var isSingular: Bool {
        !lowerOrderTerms && axes.allSatisfy { $0.low != .dirichlet && $0.high != .dirichlet }
    }
}
