import Solvers
import Configuration
import Discretisation
import Foundation
import Storage

/// The `[pde]` table: −div(a ∇u) + b·∇u + c u = f on a box, uniform grid, Dirichlet, Neumann
/// or periodic per side. The convection b and reaction c are optional (a nonsymmetric or, for
/// c < 0, indefinite system: Helmholtz-type problems).
public struct PDESpec: PhysicsSection {
    public static let kind = "pde"
    public static let minimalTables = [
        MinimalTable("grid = [3]\nrhs = 1"),
        MinimalTable(variant: "[pde.boundary] on a 3D grid", "grid = [3, 3, 3]\nrhs = 1\nboundary = { all = { type = \"dirichlet\", value = 0 }, "
                     + Self.sideNames.joined().map { "\($0) = { type = \"dirichlet\", value = 0 }" }.joined(separator: ", ") + " }"),
        MinimalTable(variant: "coefficient = { grf = … }", "grid = [3, 3]\nrhs = 1\ncoefficient = { grf = { seed = 1 } }"),
        MinimalTable(variant: "coefficient = { matern = … }",
                     "grid = [3, 3]\nrhs = 1\ncoefficient = { matern = { length_scale = 0.5, seed = 1 } }"),
    ]
    public static let help = "-div(a grad u) + b.grad u + c u = f on a 1D/2D/3D box, finite differences, Dirichlet, Neumann or periodic per side"
    public static let table = "pde"

    public var dataFiles: [String] {
        [coefficient, rhs].compactMap { if case .npy(let path, _) = $0 { path } else { nil } }
    }

    public enum BoundaryKind: String, Sendable { case dirichlet, neumann, periodic }
    public struct Boundary: Sendable {
        public var kind: BoundaryKind
        /// Dirichlet: u on the side. Neumann: the outward normal derivative ∂u/∂n.
        public var value: Expression
    }

    public var grid: Grid
    public var coefficient: FieldSpec
    public var rhs: FieldSpec
    public var exact: Expression?
    /// c(x) of the reaction term c u (nil: none).
    public var reaction: Expression?
    /// b(x) of the convection term b·∇u, one expression per axis (nil: none).
    public var velocity: [Expression]?
    /// How b·∇u is differenced (`DiffusionProblem.Convection`).
    public var convection: DiffusionProblem.Convection = .upwind
    public var parameters: [String: Double]
    /// boundaries[axis][0] is the low side, [1] the high side.
    public var boundaries: [[Boundary]]

    public static let sideNames = [["x_min", "x_max"], ["y_min", "y_max"], ["z_min", "z_max"]]

    /// The problem as `DiffusionAssembly` takes it: the fields with their data, no file names.
    public var discretisation: DiffusionProblem {
        DiffusionProblem(grid: grid, coefficient: coefficient.field(on: grid), rhs: rhs.field(on: grid), exact: exact, reaction: reaction,
                         velocity: velocity,
                         convection: convection, boundaryValues: boundaries.map { $0.map(\.value) })
    }

    public init(_ r: TableReader) throws {
        // Parameters first: every expression may use them.
        let parameters = try r.parameters()
        self.parameters = parameters

        guard let gridValues = try r.array("grid") else {
            throw r.error("grid", "missing: give the number of unknowns per axis, e.g. grid = [255, 255]")
        }
        guard (1...3).contains(gridValues.count) else {
            throw r.error("grid", "expected 1 to 3 sizes (one per axis), got \(gridValues.count)")
        }
        let sizes: [Int] = try gridValues.enumerated().map { d, v in
            guard case .integer(let n) = v else { throw r.error("grid", "entry \(d + 1) is \(v.typeName), expected an integer") }
            guard n >= 2 else { throw r.error("grid", "grid too small: axis \(d + 1) has \(n) unknowns, at least 2 are needed") }
            return n
        }
        // The matrix has up to 2d+1 entries per unknown, indexed by 32-bit integers; the
        // products are checked so that absurd sizes are refused, not overflowed.
        var total = 1
        for n in sizes {
            let (t, overflow) = total.multipliedReportingOverflow(by: n)
            guard !overflow, t <= Int(Int32.max) else {
                throw r.error("grid", "\(sizes) has more unknowns than the 32-bit sparse index range holds "
                    + "(at most \(Int32.max / Int32(2 * sizes.count + 1)) for \(sizes.count) axes)")
            }
            total = t
        }
        guard total * (2 * sizes.count + 1) < Int(Int32.max) else {
            throw r.error("grid", "\(total) unknowns exceed the 32-bit sparse index range "
                + "(at most \(Int32.max / Int32(2 * sizes.count + 1)) for \(sizes.count) axes)")
        }

        var bounds = [[Double]](repeating: [0, 1], count: sizes.count)
        if let domain = try r.array("domain") {
            guard domain.count == sizes.count else {
                throw r.error("domain", "has \(domain.count) intervals but grid has \(sizes.count) axes")
            }
            for (d, v) in domain.enumerated() {
                guard case .array(let pair) = v, pair.count == 2,
                      let lo = pair[0].number, let hi = pair[1].number, lo < hi, lo.isFinite, hi.isFinite else {
                    throw r.error("domain", "interval \(d + 1) must be [lower, upper] with lower < upper")
                }
                bounds[d] = [lo, hi]
            }
        }

        // Boundary conditions: [pde.boundary] with `all` and per-side entries.
        var boundaries = [[Boundary]]()
        let zero = try Expression("0")
        var kinds = [[BoundaryKind]](repeating: [.dirichlet, .dirichlet], count: sizes.count)
        var values = [[Expression]](repeating: [zero, zero], count: sizes.count)
        if let b = try r.table("boundary") {
            func side(_ key: String) throws -> (BoundaryKind, Expression)? {
                defer { b.describe(key, as: "table", "{ type = …, value = … }" + (key == "all" ? ": every side" : "")) }
                guard let t = try b.table(key) else { return nil }
                let kind = try t.string("type", default: "dirichlet", oneOf: ["dirichlet", "neumann", "periodic"])
                let value = try FieldSpec.read(t, "value", parameters: parameters, allowNPY: false)
                try t.finish()
                if case .expression(let e)? = value { return (BoundaryKind(rawValue: kind)!, e) }
                return (BoundaryKind(rawValue: kind)!, zero)
            }
            if let all = try side("all") {
                for d in 0..<sizes.count { kinds[d] = [all.0, all.0]; values[d] = [all.1, all.1] }
            }
            for d in 0..<3 {
                for s in 0..<2 {
                    let name = Self.sideNames[d][s]
                    if d >= sizes.count {
                        if b.has(name) { throw b.error(name, "the grid has \(sizes.count) axis(es); there is no \(name) side") }
                        continue
                    }
                    if let v = try side(name) { kinds[d][s] = v.0; values[d][s] = v.1 }
                }
            }
            try b.finish()
        }
        for d in 0..<sizes.count {
            if (kinds[d][0] == .periodic) != (kinds[d][1] == .periodic) {
                throw r.error("boundary", "\(Self.sideNames[d][0]) and \(Self.sideNames[d][1]) must both be periodic or neither")
            }
            if kinds[d][0] == .periodic && sizes[d] < 3 {
                throw r.error("grid", "a periodic axis needs at least 3 unknowns, axis \(d + 1) has \(sizes[d])")
            }
            boundaries.append((0..<2).map { Boundary(kind: kinds[d][$0], value: values[d][$0]) })
        }
        // No Dirichlet side: −div(a∇u) alone is singular (u up to a constant), which the linear
        // solve handles for the methods that declare it; with convection or reaction terms
        // (checked once they are read, below) it is refused.
        let noDirichlet = kinds.allSatisfy({ $0.allSatisfy { $0 != .dirichlet } })
        self.boundaries = boundaries
        grid = Grid(axes: (0..<sizes.count).map { d in
            Grid.Axis(unknowns: sizes[d], lower: bounds[d][0], upper: bounds[d][1],
                      dirichletLow: kinds[d][0] == .dirichlet, dirichletHigh: kinds[d][1] == .dirichlet,
                      periodic: kinds[d][0] == .periodic)
        })
        // The stencil divides by h² and the cell volume is the product of the spacings: a
        // domain whose h, 1/h² or cell volume leaves the normal doubles makes the matrix inf or
        // NaN whatever the coefficient is: the domain is refused here, not the coefficient.
        let spacings = grid.axes.map(\.spacing)
        for (d, h) in spacings.enumerated() where !(h.isNormal && (1 / (h * h)).isNormal) {
            throw r.error("domain", "interval \(d + 1) gives the spacing h = \(h), and 1/h² = \(1 / (h * h)) is beyond the range of doubles; "
                + "rescale the domain")
        }
        let volume = spacings.reduce(1, *)
        if !(volume.isNormal && (1 / volume).isNormal) {
            throw r.error("domain", "the cell volume \(volume) (the product of the spacings \(spacings)) is beyond the range of doubles; rescale "
                + "the domain")
        }

        coefficient = try FieldSpec.read(r, "coefficient", parameters: parameters) ?? .expression(try Expression("1"))
        guard let f = try FieldSpec.read(r, "rhs", parameters: parameters) else {
            throw r.error("rhs", "missing: give the right-hand side f, e.g. rhs = \"1\"")
        }
        rhs = f
        for (key, field) in [("coefficient", coefficient), ("rhs", rhs)] {
            // Shaped like the grid's unknowns or its nodes, or flat in the same C order.
            if case .npy(let path, let array) = field, array.shape != grid.shape, array.shape != [grid.count],
               !FieldSpec.isNodeShaped(array, on: grid) {
                let nodes = grid.nodeShape == grid.shape ? "" : ", or its nodes \(grid.nodeShape) with the Dirichlet boundary nodes"
                throw r.error(key, "\(path) has shape \(array.shape), the grid's unknowns are \(grid.shape)\(nodes) (or flat)")
            }
        }
        if let e = try FieldSpec.read(r, "exact", parameters: parameters, allowNPY: false), case .expression(let ex) = e {
            exact = ex
        }
        if let e = try FieldSpec.read(r, "reaction", parameters: parameters, allowNPY: false), case .expression(let ex) = e {
            reaction = ex
        }
        if let values = try r.array("velocity") {
            guard values.count == sizes.count else {
                throw r.error("velocity", "has \(values.count) components but the grid has \(sizes.count) axes")
            }
            velocity = try values.enumerated().map { d, v -> Expression in
                switch v {
                case .integer(let i): return try Expression("\(Double(i))")
                case .double(let x):
                    guard x.isFinite else { throw r.error("velocity", "component \(d + 1) must be finite, got \(x)") }
                    return try Expression("\(x)")
                case .string(let text):
                    do { return try Expression(text, parameters: parameters) }
                    catch let e as ExpressionError { throw r.error("velocity", "component \(d + 1): \(e.description)") }
                default: throw r.error("velocity", "component \(d + 1) is \(v.typeName), expected a number or an expression string")
                }
            }
        }
        convection = DiffusionProblem.Convection(rawValue: try r.string("convection", default: "upwind",
                                                                        oneOf: DiffusionProblem.Convection.allCases.map(\.rawValue)))!
        if r.has("convection") && velocity == nil { throw r.error("convection", "applies only with a velocity") }
        if noDirichlet && (velocity != nil || reaction != nil) {
            throw r.error("boundary", "no side is Dirichlet: with a velocity or reaction term pdekit cannot tell whether the problem is "
                + "well posed; make at least one side Dirichlet")
        }
        // A coordinate the grid does not have would silently read as 0 (rhs = "z" in 2D).
        let absent = Set(["x", "y", "z"].dropFirst(sizes.count))
        var expressions: [(String, Expression)] = []
        for (key, field) in [("coefficient", coefficient), ("rhs", rhs)] { if case .expression(let e) = field { expressions.append((key, e)) } }
        if let exact { expressions.append(("exact", exact)) }
        if let reaction { expressions.append(("reaction", reaction)) }
        for v in velocity ?? [] { expressions.append(("velocity", v)) }
        for d in 0..<sizes.count { for s in 0..<2 { expressions.append(("boundary.\(Self.sideNames[d][s])", boundaries[d][s].value)) } }
        for (key, e) in expressions {
            if let name = e.usedVariables.intersection(absent).sorted().first {
                throw r.error(key, "\"\(e.source)\" reads \(name), but the grid has \(sizes.count) axis(es) "
                    + "(\(["x", "y", "z"].prefix(sizes.count).joined(separator: ", ")))")
            }
        }
        try r.finish()
    }

    /// The resolved `[pde]` table for run records.
    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["grid"] = .array(grid.shape.map { .integer($0) })
        t["domain"] = .array(grid.axes.map { .array([.double($0.lower), .double($0.upper)]) })
        t["coefficient"] = coefficient.resolved
        t["rhs"] = rhs.resolved
        if let exact { t["exact"] = .string(exact.source) }
        if let reaction { t["reaction"] = .string(reaction.source) }
        if let velocity {
            t["velocity"] = .array(velocity.map { .string($0.source) })
            t["convection"] = .string(convection.rawValue)
        }
        if !parameters.isEmpty {
            var p = ConfigTable()
            for k in parameters.keys.sorted() { p[k] = .double(parameters[k]!) }
            t["parameters"] = .table(p)
        }
        var b = ConfigTable()
        for d in 0..<grid.dimension { for s in 0..<2 {
            var side = ConfigTable()
            side["type"] = .string(boundaries[d][s].kind.rawValue)
            side["value"] = .string(boundaries[d][s].value.source)
            b[Self.sideNames[d][s]] = .table(side)
        }}
        t["boundary"] = .table(b)
        return t
    }
}

extension PDESpec {
    /// The coefficient at the nodes (and the FFT work arrays of a random field), the CSR matrix
    /// (12 bytes per entry: a Double and a 32-bit column), the right-hand side, solution and
    /// exact arrays, and the method's and preconditioner's workspace as their registry entries
    /// model it (for factorisations, the fill measured for nested-dissection orderings).
    public func memoryEstimate(_ solver: SolverSpec) throws -> MemoryEstimate? {
        let n = Double(grid.count), d = Double(grid.dimension)
        let nodes = grid.axes.reduce(1.0) { $0 * Double($1.nodes) }
        var fields = 8 * nodes
        for f in [coefficient, rhs] { if case .random = f { fields += 32 * nodes } }  // complex FFT work arrays
        // The CSR matrix, unless no component reads it (then only b is assembled).
        let matrix = solver.needsAssembledMatrix || velocity != nil || reaction != nil ? 12 * (2 * d + 1) * n + 4 * n : 0
        let vectors = 8 * n * (exact == nil ? 2 : 3)
        var method = try solver.methodEntry?.workspace(n, grid.dimension, solver.options[solver.method]) ?? 40 * n
        if solver.methodEntry?.usesPreconditioner == true, let entry = SolverRegistry.preconditioner(solver.preconditioner) {
            method += try entry.workspace(n, grid.dimension, solver.options[solver.preconditioner])
        }
        // initial_guess = "projection": the kept solutions, their orthonormal basis and its images.
        if solver.initialGuess == .projection && solver.methodEntry?.acceptsInitialGuess == true {
            method += 3 * Double(solver.initialGuessVectors) * 8 * n
        }
        let f = MemoryEstimate.format
        return MemoryEstimate(bytes: fields + matrix + vectors + method,
                              detail: "matrix \(f(matrix)), fields and vectors \(f(fields + vectors)), solver \(f(method))",
                              key: ["pde", "grid"])
    }
}
