import Solvers
import Configuration
import Discretisation
import Foundation

/// `kind = "gp_pde"`: GP-HM's collocation solver for high-frequency PDEs with fixed kernels
/// (docs/gaussian-processes.md).
///
/// ```toml
/// [gp_pde]
/// equation = "poisson"            # Δu = f or "allen_cahn": Δu + u(u² − 1) = f (1D, 2D), or
///                                 # "advection": u_t + velocity u_x = f on a box in (x, t)
/// box = [[0, 6.283185307179586]]
/// points = [400]                  # collocation points per axis (uniform, ends included)
/// source = "-10000*sin(100*x)"    # f, in x (and y)
/// boundary = "sin(100*x)"         # u on the boundary (default: exact)
/// exact = "sin(100*x)"            # optional: the error on the test grid
/// kernel = "matern_cosine_mixture"   # spectral_mixture, or matern52 / squared_exponential
/// components = 1                  # mixtures: frequencies from the spectrum of f …
/// frequencies = [15.9]            # … or given (same for every axis), with weights and scales
/// scale = 0.1                     # the mixtures' inverse length scale
/// lengthscale = 1                 # matern52 / squared_exponential
/// jitter = 1e-10
/// test_points = 300               # per axis, for the prediction and its error
/// learn = { optimizer = "lbfgs", iterations = 50, prune = 1e-3 }   # learn the kernels (GP-HM's objective)
/// ```
public struct GPPDESpec: PhysicsSection, Equatable {
    public static let kind = "gp_pde"
    public static let minimalTables = [
        MinimalTable(variant: "equation = \"poisson\"", "box = [[0, 1]]\npoints = [5]\nsource = \"1\"\nboundary = \"0\"\nlearn = {}"),
        MinimalTable(variant: "equation = \"advection\"",
                     "equation = \"advection\"\nbox = [[0, 1], [0, 1]]\npoints = [5, 5]\nvelocity = 1\nboundary = \"0\""),
    ]
    public static let help = "GP-HM's Gaussian-process collocation solver for high-frequency Poisson and Allen–Cahn equations (1D, 2D) "
        + "and advection"
    public static let table = "gp_pde"
    public static var usesSolver: Bool { false }
    public enum Equation: String, Sendable, CaseIterable { case poisson, allenCahn = "allen_cahn", advection }
    /// `kernel`: a mixture whose components sit at frequencies (GP-HM's Matérn–cosine, or the
    /// spectral mixture), or one stationary kernel with a length scale.
    public enum Kernel: String, Sendable, CaseIterable {
        case maternCosineMixture = "matern_cosine_mixture", spectralMixture = "spectral_mixture", matern52, squaredExponential = "squared_exponential"
        public var isMixture: Bool { self == .maternCosineMixture || self == .spectralMixture }
    }
    /// `learn.optimizer`.
    public enum Optimizer: String, Sendable, CaseIterable { case lbfgs, adam }
    public static let variables = ["x", "y"]

    public var equation: Equation
    /// The advection velocity (`advection` only).
    public var velocity: Double?
    public var box: [(Double, Double)]
    public var points: [Int]
    public var sourceText: String, source: Expression
    public var boundaryText: String, boundary: Expression
    /// No `boundary` key: the boundary values come from `exact`.
    public var boundaryFromExact: Bool
    public var exactText: String?, exact: Expression?
    public var kernel: Kernel
    public var components: Int
    public var frequencies: [Double]?
    public var weights: [Double]?
    public var scale: Double
    public var lengthscale: Double
    public var jitter: Double
    public var testPoints: Int
    public var parameters: [String: Double]
    /// GP-HM's kernel learning (`CollocationKernelLearning`).
    public struct Learning: Sendable, Equatable {
        public var optimizer: Optimizer
        public var iterations: Int
        public var learningRate: Double
        public var prune: Double
    }
    public var learning: Learning?
    public var dataFiles: [String] { [] }

    public static func == (a: Self, b: Self) -> Bool { a.resolved == b.resolved }

    public init(_ r: TableReader) throws {
        let params = try r.parameters()
        parameters = params
        equation = Equation(rawValue: try r.string("equation", default: "poisson", oneOf: Equation.allCases.map(\.rawValue)))!
        guard let boxValues = try r.array("box"), (1...2).contains(boxValues.count) else {
            throw r.error("box", "missing or wrong: one or two [lower, upper] intervals, e.g. box = [[0, 6.283185307179586]]")
        }
        box = try boxValues.enumerated().map { d, v in
            guard case .array(let pair) = v, pair.count == 2,
                  let lo = pair[0].number, let hi = pair[1].number, lo.isFinite, hi.isFinite, lo < hi else {
                throw r.error("box", "entry \(d + 1) must be [lower, upper] with finite lower < upper")
            }
            // A width at rounding level of the ends (or subnormal) leaves no grid to speak of.
            guard hi - lo >= 1e-10 * max(abs(lo), abs(hi), 1e-300), hi - lo >= 1e-200, (hi - lo).isFinite else {
                throw r.error("box", "entry \(d + 1) [\(lo), \(hi)] is too narrow (or too wide) for a collocation grid")
            }
            return (lo, hi)
        }
        guard let p = try r.array("points") else { throw r.error("points", "missing: collocation points per axis, e.g. points = [400]") }
        points = try p.map { v in
            guard case .integer(let n) = v, (5...4000).contains(n) else { throw r.error("points", "5 to 4000 points per axis") }
            return n
        }
        guard points.count == box.count else { throw r.error("points", "\(points.count) counts for \(box.count) axes") }
        if equation == .advection {
            guard box.count == 2 else { throw r.error("box", "advection is solved on a box in (x, t): two intervals, x then t") }
            guard let v = try r.double("velocity"), v.isFinite, v != 0 else {
                throw r.error("velocity", "advection needs a nonzero finite velocity (u_t + velocity u_x = f)")
            }
            // velocity × the kernel's x-derivatives enters the collocation matrix: beyond 1e8
            // (the frequencies' bound) it overflowed and LAPACK's Schur iteration spun to its limit.
            guard abs(v) <= 1e8 else { throw r.error("velocity", "|velocity| at most 1e8, got \(v); rescale t") }
            velocity = v
        } else if r.has("velocity") {
            throw r.error("velocity", "applies to equation = \"advection\" only")
        }
        let vars = equation == .advection ? ["x", "t"] : Array(Self.variables.prefix(box.count))
        func expression(_ key: String, _ text: String) throws -> Expression {
            do { return try Expression(text, variables: vars, parameters: params) } catch let e as ExpressionError { throw r.error(key, "\(e)") }
        }
        guard let s = try r.string("source") ?? (equation == .advection ? "0" : nil) else {
            throw r.error("source", "missing: the right-hand side f in \(vars.joined(separator: ", "))")
        }
        sourceText = s; source = try expression("source", s)
        exactText = try r.string("exact")
        exact = try exactText.map { try expression("exact", $0) }
        let given = try r.string("boundary")
        boundaryFromExact = given == nil
        guard let b = given ?? exactText else { throw r.error("boundary", "missing: u on the boundary (or give exact)") }
        boundaryText = b; boundary = try expression("boundary", b)
        kernel = Kernel(rawValue: try r.string("kernel", default: Kernel.maternCosineMixture.rawValue, oneOf: Kernel.allCases.map(\.rawValue)))!
        components = try r.int("components", default: 1, minimum: 1)
        guard components <= 50 else { throw r.error("components", "at most 50, got \(components)") }
        let mus = try r.array("frequencies").map { a in
            let x = a.compactMap(\.number)
            guard x.count == a.count, !x.isEmpty, x.allSatisfy({ $0 >= 0 && $0 <= 1e8 }) else {
                throw r.error("frequencies", "numbers from 0 to 1e8")
            }
            return x
        }
        frequencies = mus
        weights = try r.array("weights").map { a in
            let x = a.compactMap(\.number)
            guard x.count == a.count, x.count == mus?.count, x.allSatisfy({ $0 > 0 && $0.isFinite }) else {
                throw r.error("weights", "one positive weight per frequency")
            }
            // Times (2π·frequency)⁴ in K'': beyond 1e8 (the other kernel bounds) it overflowed.
            guard x.allSatisfy({ (1e-8...1e8).contains($0) }) else { throw r.error("weights", "between 1e-8 and 1e8, got \(x)") }
            return x
        }
        scale = try r.double("scale", default: 0.1, minimum: 0, exclusiveMinimum: true)
        lengthscale = try r.double("lengthscale", default: 1, minimum: 0, exclusiveMinimum: true)
        for (key, v) in [("scale", scale), ("lengthscale", lengthscale)] where !(1e-8...1e8).contains(v) {
            throw r.error(key, "between 1e-8 and 1e8, got \(v)")
        }
        jitter = try r.double("jitter", default: 1e-10, minimum: 0, exclusiveMinimum: true)
        guard jitter <= 1e-2 else { throw r.error("jitter", "at most 1e-2 (it is added to a kernel matrix with unit-scale entries), got \(jitter)") }
        testPoints = try r.int("test_points", default: 300, minimum: 2)
        guard testPoints <= 4000 else { throw r.error("test_points", "at most 4000 per axis") }
        if let l = try r.table("learn") {
            let optimizer = Optimizer(rawValue: try l.string("optimizer", default: Optimizer.lbfgs.rawValue,
                                                             oneOf: Optimizer.allCases.map(\.rawValue)))!
            learning = Learning(optimizer: optimizer,
                                iterations: try l.int("iterations", default: optimizer == .adam ? 500 : 50, minimum: 0, maximum: 100_000),
                                learningRate: try l.double("learning_rate", default: 0.01, minimum: 0, exclusiveMinimum: true),
                                prune: try l.double("prune", default: 1e-3, minimum: 0))
            guard learning!.prune < 1 else { throw l.error("prune", "a fraction of the largest weight below 1, got \(learning!.prune)") }
            try l.finish()
        } else { learning = nil }
        try r.finish()
    }

    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["equation"] = .string(equation.rawValue)
        if let velocity { t["velocity"] = .double(velocity) }
        t["box"] = .array(box.map { .array([.double($0.0), .double($0.1)]) })
        t["points"] = .array(points.map { .integer($0) })
        t["source"] = .string(sourceText)
        t["boundary"] = .string(boundaryText)
        if let exactText { t["exact"] = .string(exactText) }
        if !parameters.isEmpty {
            var p = ConfigTable()
            for k in parameters.keys.sorted() { p[k] = .double(parameters[k]!) }
            t["parameters"] = .table(p)
        }
        t["kernel"] = .string(kernel.rawValue)
        if kernel.isMixture {
            if let frequencies { t["frequencies"] = .array(frequencies.map { .double($0) }) } else { t["components"] = .integer(components) }
            if let weights { t["weights"] = .array(weights.map { .double($0) }) }
            t["scale"] = .double(scale)
        } else {
            t["lengthscale"] = .double(lengthscale)
        }
        t["jitter"] = .double(jitter)
        t["test_points"] = .integer(testPoints)
        if let learning {
            var l = ConfigTable()
            l["optimizer"] = .string(learning.optimizer.rawValue); l["iterations"] = .integer(learning.iterations)
            if learning.optimizer == .adam { l["learning_rate"] = .double(learning.learningRate) }
            l["prune"] = .double(learning.prune)
            t["learn"] = .table(l)
        }
        return t
    }
}

extension GPPDESpec {
    /// Per axis: K, K'', D and their Schur forms (n² each, ~8 of them); on the grid: f, g, u and
    /// the Sylvester right-hand side and its transforms (~8 N); the test grid.
    public func memoryEstimate(_ solver: SolverSpec) throws -> MemoryEstimate? {
        let n = points.reduce(0.0) { $0 + Double($1) * Double($1) }, grid = points.reduce(1.0) { $0 * Double($1) }
        let test = pow(Double(testPoints), Double(points.count))
        let matrices = 8 * 8 * n, fields = 8 * 8 * grid + 8 * 3 * test
        return MemoryEstimate(bytes: matrices + fields,
                              detail: "per-axis matrices \(MemoryEstimate.format(matrices)), grid and test fields \(MemoryEstimate.format(fields))",
                              key: ["gp_pde", "points"])
    }
}
