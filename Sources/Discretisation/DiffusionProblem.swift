import Foundation

/// −div(a ∇u) + b·∇u + c u = f on a box with a uniform grid: what `DiffusionAssembly`
/// discretises, described without any file format (a problem file's `[pde]` maps onto it).
///
/// The grid's axes say which sides are Dirichlet, Neumann (neither flag) or periodic;
/// `boundaryValues[d][0]` and `[d][1]` give the low and high side's value: u on a Dirichlet
/// side, the outward normal derivative ∂u/∂n on a Neumann side (unused on a periodic axis).
public struct DiffusionProblem: Sendable {
    /// A scalar field on the grid.
    public enum Field: Sendable {
        /// An expression in x, y, z.
        case expression(Expression)
        /// One value per unknown, in C order over the grid's shape (for the coefficient, a
        /// Dirichlet node takes its neighbouring unknown's value).
        case values([Double])
        /// One value per node, Dirichlet boundary nodes included, in C order over
        /// `grid.nodeShape`: every value the operator reads, as `coefficient.npy` writes it.
        case nodeValues([Double])
        /// A seeded random field, sampled at the grid's nodes.
        case random(RandomField)
    }

    /// How b·∇u is differenced: first-order upwind (stable for any cell Péclet number) or
    /// second-order central (oscillates once |b|h/(2a) > 1).
    public enum Convection: String, Sendable, CaseIterable { case upwind, central }

    public var grid: Grid
    /// a(x), positive.
    public var coefficient: Field
    public var rhs: Field
    /// The exact solution, when known (the assembly evaluates it at the unknowns).
    public var exact: Expression?
    /// c(x) of the reaction term (nil: none).
    public var reaction: Expression?
    /// b(x), one expression per axis (nil: none).
    public var velocity: [Expression]?
    public var convection: Convection
    public var boundaryValues: [[Expression]]

    /// `boundaryValues` defaults to zero on every side. One value pair per axis and one velocity
    /// component per axis are required (a caller's error otherwise, not the data's).
    public init(grid: Grid, coefficient: Field, rhs: Field, exact: Expression? = nil, reaction: Expression? = nil,
                velocity: [Expression]? = nil, convection: Convection = .upwind, boundaryValues: [[Expression]]? = nil) {
        precondition(boundaryValues.map { $0.count == grid.dimension && $0.allSatisfy { $0.count == 2 } } ?? true,
                     "one [low, high] pair of boundary values per axis")
        precondition(velocity.map { $0.count == grid.dimension } ?? true, "one velocity component per axis")
        self.grid = grid; self.coefficient = coefficient; self.rhs = rhs; self.exact = exact; self.reaction = reaction
        self.velocity = velocity; self.convection = convection
        self.boundaryValues = boundaryValues ?? Array(repeating: [Self.zero, Self.zero], count: grid.dimension)
    }

    /// The constant 0 (a literal the parser always accepts).
    static let zero = try! Expression("0")
}
