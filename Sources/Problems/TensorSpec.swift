import Solvers
import Configuration
import Discretisation
import Foundation
import Storage

/// `kind = "tensor"`: a function of 1–4 variables approximated in the Chebyshev–Tucker format
/// (docs/tensor.md).
///
/// ```toml
/// [tensor]
/// function = "1/(1 + a*(x^2 + y^2 + z^2))"   # in x, y, z, w (the axes in order)
/// box = [[-1, 1], [-1, 1], [-1, 1]]          # one interval per variable, 1 to 4
/// parameters = { a = 25 }
/// tolerance = 1e-6                           # relative Frobenius error of the compression
/// method = "chebyshev_tucker"                # or "tucker": ST-HOSVD of the sampled grid tensor
/// points = 0                                 # chebyshev_tucker: 0 = adaptive degree; else points per axis
/// grid = 128                                 # tucker: uniform grid points per axis
/// test_points = 1000                         # random points for the achieved error
/// seed = 0
/// ```
/// Instead of `function`, a multi-particle potential Σ_ν q_ν p(|x − x_ν|) in 3D:
/// `particles = "lattice.csv"` (columns x, y, z, charge; a header line is allowed) and
/// `kernel = "newton_long_range"` (erf(r/σ)/r, `sigma`), `"slater"` (exp(−λr), `lambda`),
/// `"slater_long_range"` (`sigma`, `lambda`) or `"yukawa_long_range"` (`sigma`, `kappa`); the
/// long-range parts are defined in `ParticlePotential`.
public struct TensorSpec: PhysicsSection, Equatable {
    public static let kind = "tensor"
    public static let minimalTables = [
        MinimalTable(variant: "function = \"…\"", "function = \"x\"\nbox = [[0, 1]]"),
        MinimalTable(variant: "particles = \"file.csv\"", "particles = \"p.csv\"\nbox = [[0, 1], [0, 1], [0, 1]]",
                     files: ["p.csv": "0.5,0.5,0.5,1\n"]),
    ]
    public static let help = "a function of 1–4 variables in the Chebyshev–Tucker format (or Tucker of a sampled grid): ranks, error, "
        + "evaluation time"
    public static let table = "tensor"
    public static var usesSolver: Bool { false }
    public enum Method: String, Sendable, CaseIterable { case chebyshevTucker = "chebyshev_tucker", tucker }

    public var functionSource: String
    public var function: Expression?
    /// A particle potential instead of `function`.
    public var particles: ParticlePotential?
    public var particlesPath: String?
    public var box: [(Double, Double)]
    public var parameters: [String: Double]
    public var tolerance: Double
    public var method: Method
    /// Chebyshev points per axis; 0 for the adaptive degree.
    public var points: Int
    /// Uniform grid points per axis for `method = "tucker"`.
    public var grid: Int
    public var testPoints: Int
    public var seed: Int
    public var dataFiles: [String] { particlesPath.map { [$0] } ?? [] }

    public static let variables = ["x", "y", "z", "w"]

    public static func == (a: Self, b: Self) -> Bool { a.resolved == b.resolved }

    public init(_ r: TableReader) throws {
        let parameters = try r.parameters()
        self.parameters = parameters
        guard let boxValues = try r.array("box") else {
            throw r.error("box", "missing: one [lower, upper] interval per variable, e.g. box = [[-1, 1], [-1, 1]]")
        }
        guard (1...4).contains(boxValues.count) else { throw r.error("box", "expected 1 to 4 intervals, got \(boxValues.count)") }
        box = try boxValues.enumerated().map { d, v in
            guard case .array(let pair) = v, pair.count == 2, let lo = pair[0].number, let hi = pair[1].number else {
                throw r.error("box", "entry \(d + 1) must be [lower, upper]")
            }
            guard lo < hi else { throw r.error("box", "entry \(d + 1): lower \(lo) must be below upper \(hi)") }
            return (lo, hi)
        }
        particlesPath = try r.string("particles")
        if let path = particlesPath {
            guard !r.has("function") else { throw r.error("particles", "give either function or particles, not both") }
            guard box.count == 3 else { throw r.error("box", "a particle potential lives in 3D: give three intervals") }
            functionSource = ""
            function = nil
            particles = try ParticlePotential(r, path: path)
        } else {
            guard let source = try r.string("function") else {
                throw r.error("function", "missing: an expression in \(Self.variables.prefix(box.count).joined(separator: ", ")), "
                    + "or particles = \"file.csv\"")
            }
            functionSource = source
            particles = nil
            do {
                function = try Expression(source, variables: Array(Self.variables.prefix(box.count)), parameters: parameters)
            } catch let e as ExpressionError {
                throw r.error("function", "\(e)")
            }
        }
        tolerance = try r.double("tolerance", default: 1e-6, minimum: 0, exclusiveMinimum: true)
        guard tolerance < 1 else { throw r.error("tolerance", "a relative tolerance below 1, got \(tolerance)") }
        method = Method(rawValue: try r.string("method", default: "chebyshev_tucker", oneOf: Method.allCases.map(\.rawValue)))!
        points = try r.int("points", default: 0, minimum: 0)
        guard points == 0 || (2...1025).contains(points) else { throw r.error("points", "0 (adaptive) or 2 to 1025 points per axis, got \(points)") }
        grid = try r.int("grid", default: 128, minimum: 2)
        let samples = (method == .tucker ? grid : max(points, 257))
        let total = (0..<box.count).reduce(1.0) { acc, _ in acc * Double(samples) }
        if method == .tucker, total > 5e7 { throw r.error("grid", "\(grid)^\(box.count) samples; at most 5·10⁷") }
        if method == .chebyshevTucker, points > 0, pow(Double(points), Double(box.count)) > 5e7 {
            throw r.error("points", "\(points)^\(box.count) samples; at most 5·10⁷")
        }
        testPoints = try r.int("test_points", default: 1000, minimum: 1)
        guard testPoints <= 10_000_000 else { throw r.error("test_points", "at most 10⁷, got \(testPoints)") }
        seed = try r.int("seed", default: 0, minimum: 0, maximum: Int.max)
        try r.finish()
    }

    /// The sampled tensor, its Chebyshev coefficients (or, for `tucker`, the reconstruction at
    /// the test points' grid) and one unfolding the HOSVD copies: three arrays of the samples'
    /// size, 8 bytes each, plus the test points and their values. The adaptive build's size is
    /// not known before it runs; its first stage (17 points per axis) is the lower bound.
    public func memoryEstimate(_ solver: SolverSpec) throws -> MemoryEstimate? {
        let perAxis = method == .tucker ? grid : (points > 0 ? points : 17)
        let samples = pow(Double(perAxis), Double(box.count))
        let tensors = 3 * 8 * samples
        let tests = 8 * Double(testPoints) * Double(box.count + 2)
        let f = MemoryEstimate.format
        return MemoryEstimate(bytes: tensors + tests, detail: "sampled tensor, coefficients and an unfolding \(f(tensors)), test points \(f(tests))",
                              key: ["tensor", method == .tucker ? "grid" : "points"])
    }

    public var resolved: ConfigTable {
        var t = ConfigTable()
        if let particles, let particlesPath {
            t["particles"] = .string(particlesPath)
            for (k, v) in particles.resolved { t[k] = v }
        } else {
            t["function"] = .string(functionSource)
        }
        t["box"] = .array(box.map { .array([.double($0.0), .double($0.1)]) })
        if !parameters.isEmpty {
            var p = ConfigTable()
            for k in parameters.keys.sorted() { p[k] = .double(parameters[k]!) }
            t["parameters"] = .table(p)
        }
        t["tolerance"] = .double(tolerance)
        t["method"] = .string(method.rawValue)
        if method == .chebyshevTucker { t["points"] = .integer(points) } else { t["grid"] = .integer(grid) }
        t["test_points"] = .integer(testPoints)
        t["seed"] = .integer(seed)
        return t
    }
}

/// `particles = "file.csv"` of a tensor problem: the CSV (x, y, z, charge per row, an optional
/// header) and the kernel's keys.
extension ParticlePotential {
    init(_ r: TableReader, path: String) throws {
        let kernel = Kernel(rawValue: try r.string("kernel", default: "newton_long_range", oneOf: Kernel.allCases.map(\.rawValue)))!
        let sigma = try r.double("sigma", default: 0.1, minimum: 0, exclusiveMinimum: true)
        let lambda = try r.double("lambda", default: 1, minimum: 0, exclusiveMinimum: true)
        let kappa = try r.double("kappa", default: 1, minimum: 0)
        let url = r.document.resolve(path)
        let records: [[String]]
        do { records = try CSV.read(url).records } catch let e as StorageError { throw r.error("particles", "\(path): \(e.description)") }
        var positions: [(Double, Double, Double)] = [], charges: [Double] = []
        for (line, row) in records.enumerated() {
            let numbers = row.map { Double($0.trimmingCharacters(in: .whitespaces)) }
            if line == 0 && numbers.contains(where: { $0 == nil }) { continue }  // a header
            guard row.count == 4, numbers.allSatisfy({ $0?.isFinite == true }) else {
                throw r.error("particles", "\(path) line \(line + 1): expected four finite numbers x, y, z, charge")
            }
            positions.append((numbers[0]!, numbers[1]!, numbers[2]!)); charges.append(numbers[3]!)
        }
        guard !charges.isEmpty else { throw r.error("particles", "\(path): no particles") }
        guard charges.count <= 100_000 else { throw r.error("particles", "\(path): \(charges.count) particles; at most 10⁵") }
        self.init(kernel: kernel, sigma: sigma, lambda: lambda, kappa: kappa, positions: positions, charges: charges)
    }

    var resolved: [(String, ConfigValue)] {
        var out: [(String, ConfigValue)] = [("kernel", .string(kernel.rawValue))]
        switch kernel {
        case .newtonLongRange: out.append(("sigma", .double(sigma)))
        case .slater: out.append(("lambda", .double(lambda)))
        case .slaterLongRange: out += [("sigma", .double(sigma)), ("lambda", .double(lambda))]
        case .yukawaLongRange: out += [("sigma", .double(sigma)), ("kappa", .double(kappa))]
        }
        return out
    }
}
