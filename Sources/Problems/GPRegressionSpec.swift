import Solvers
import Configuration
import Foundation
import Storage

/// `kind = "gp_regression"`: exact Gaussian-process regression on a tensor grid with a product
/// kernel (docs/gaussian-processes.md), or on scattered points by structured kernel
/// interpolation (`points = …`, ScatteredDataSpec.swift).
///
/// ```toml
/// [gp]
/// data = "field.npy"          # the grid's values (NaN = missing), or a CSV of coordinates, value
/// box = [[0, 1], [0, 1]]      # one interval per axis; uniform nodes, ends included
/// grid = [64, 48]             # nodes per axis (required for CSV; must match an NPY's shape)
/// noise = 0.01                # σ²: a number, or { value = 0.01, bounds = [1e-6, 1], fixed = false }
/// signal_variance = 1         # s, in the same forms
/// mean = "zero"               # or "sample": subtract the data's mean first, add it back after
/// optimizer = "lbfgs"         # or "adam" or "none"
/// iterations = 100            # lbfgs: at most; adam: exactly
/// learning_rate = 0.01        # adam
/// tolerance = 1e-5            # lbfgs: projected gradient norm of −log p in log-hyperparameters
/// predict = [128, 96]         # optional: mean and variance on a finer grid of the same box
///
/// [[gp.kernel]]               # one per axis, in order
/// type = "squared_exponential"          # matern12, matern32, matern52, periodic,
/// lengthscale = { value = 0.2, bounds = [0.01, 10] }   # spectral_mixture, matern_cosine_mixture
/// ```
/// Mixtures take `weights`, `scales`, `frequencies` (arrays of equal length, or `components = Q`
/// for GP-HM's start: weights 1/Q, scales 1, frequencies linspace(0, frequency_scale, Q));
/// `periodic` takes `lengthscale` and `period`.
public struct GPRegressionSpec: PhysicsSection, Equatable {
    public static let kind = "gp_regression"
    public static let minimalTables = [
        MinimalTable("data = \"d.csv\"\nbox = [[0, 1]]\ngrid = [2]\nkernel = [{ type = \"squared_exponential\", "
                     + "lengthscale = { value = 0.5, bounds = [0.1, 1], fixed = false } }]"
                     + "\nnoise = { value = 0.1, bounds = [1e-6, 1], fixed = false }",
                     files: ["d.csv": "0,1\n1,2\n"]),
        MinimalTable(variant: "points = …", "points = \"x.npy\"\ndata = \"y.npy\"\nbox = [[0, 1]]\ninducing_grid = [8]\nprobes = 2"
                     + "\npreconditioner_rank = 4\nseed = 0\ntest_points = \"t.npy\"\ntest_values = \"v.npy\"\ncg_tolerance = 1e-6"
                     + "\nkernel = [{ type = \"squared_exponential\", lengthscale = 0.5 }]",
                     arrays: ["x.npy": NPYArray(shape: [2, 1], values: [0.2, 0.8]), "y.npy": NPYArray(shape: [2], values: [1, 2]),
                              "t.npy": NPYArray(shape: [1, 1], values: [0.5]), "v.npy": NPYArray(shape: [1], values: [1.5])])
    ]
    public static let help = "Gaussian-process regression with a product kernel: exact on a grid (Kronecker algebra), or on scattered points "
        + "by structured kernel interpolation (KISS-GP); posterior mean and variance, learned hyperparameters"
    public static let table = "gp"
    public static var usesSolver: Bool { false }

    public enum Optimizer: String, Sendable, CaseIterable { case lbfgs, adam, none }
    public enum Mean: String, Sendable, CaseIterable { case zero, sample }

    /// A hyperparameter (or one per mixture component) with its bounds.
    public struct Hyperparameter: Sendable, Equatable {
        public var values: [Double]
        public var lower: Double
        public var upper: Double
        public var fixed: Bool
    }

    public struct KernelSpec: Sendable, Equatable {
        public var type: String
        /// In the kernel family's parameter order (for mixtures: weights, scales, frequencies).
        public var parameters: [(name: String, value: Hyperparameter)]
        public static func == (a: Self, b: Self) -> Bool {
            a.type == b.type && a.parameters.map(\.name) == b.parameters.map(\.name) && a.parameters.map(\.value) == b.parameters.map(\.value)
        }
    }

    public static let kernelTypes = ["squared_exponential", "matern12", "matern32", "matern52", "periodic", "spectral_mixture",
                                     "matern_cosine_mixture"]
    public static let variables = ["x", "y", "z", "w"]

    public var dataPath: String
    public var box: [(Double, Double)]
    /// Nodes per axis: the data's grid, or for scattered points the inducing grid.
    public var grid: [Int]
    /// The data on the grid in C order, NaN where missing; for scattered points, one per point.
    public var values: [Double]
    public var kernels: [KernelSpec]
    public var noise: Hyperparameter
    public var signalVariance: Hyperparameter
    public var mean: Mean
    public var optimizer: Optimizer
    public var iterations: Int
    public var learningRate: Double
    public var tolerance: Double
    public var predict: [Int]?
    public var cgTolerance: Double
    /// Scattered points (structured kernel interpolation); nil for gridded data.
    public var scattered: Scattered?
    public var dataFiles: [String] {
        [dataPath] + [scattered?.pointsPath, scattered?.testPointsPath, scattered?.testValuesPath].compactMap { $0 }
    }

    public var observedCount: Int { values.reduce(0) { $1.isNaN ? $0 : $0 + 1 } }

    public static func == (a: Self, b: Self) -> Bool { a.resolved == b.resolved }

    /// Coordinates and values beyond this magnitude are refused: the kernel and the likelihood
    /// square them (1e150² = 1e300 leaves room for sums over 10⁷ points).
    static let magnitudeLimit = 1e150

    public init(_ r: TableReader) throws {
        let scatteredPoints = try Self.isScattered(r)
        let boxValues = try r.array("box")
        guard boxValues != nil || scatteredPoints else {
            throw r.error("box", "missing: one [lower, upper] interval per axis, e.g. box = [[0, 1], [0, 1]]")
        }
        let maximumAxes = scatteredPoints ? 3 : 4
        if let b = boxValues, !(1...maximumAxes).contains(b.count) {
            throw r.error("box", "expected 1 to \(maximumAxes) intervals, got \(b.count)")
        }
        let givenBox: [(Double, Double)]? = try boxValues.map { try $0.enumerated().map { d, v in
            guard case .array(let pair) = v, pair.count == 2, let lo = pair[0].number, let hi = pair[1].number, lo.isFinite, hi.isFinite else {
                throw r.error("box", "entry \(d + 1) must be [lower, upper] with finite numbers")
            }
            guard lo < hi else { throw r.error("box", "entry \(d + 1): lower \(lo) must be below upper \(hi)") }
            // Kernels square scaled distances: |x| ≤ 1e150 keeps (x − x')² finite, and a width
            // above 1e-150 keeps the default lengthscale (a fifth of it) and its square normal.
            guard max(abs(lo), abs(hi)) <= Self.magnitudeLimit, hi - lo >= 1 / Self.magnitudeLimit else {
                throw r.error("box", "entry \(d + 1): [\(lo), \(hi)] must lie within ±1e150 and be wider than 1e-150 (the kernel squares "
                    + "distances); rescale the coordinates")
            }
            return (lo, hi)
        }}
        if scatteredPoints {
            let read = try Self.readScattered(r, givenBox: givenBox)
            box = read.box; values = read.values; dataPath = read.dataPath; scattered = read.scattered
            grid = read.scattered.inducingGrid
        } else {
            box = givenBox!
            scattered = nil
            (grid, values, dataPath) = try Self.readGridData(r, box: box)
        }
        let d = box.count

        if let kernelValues = try r.array("kernel") {
            guard kernelValues.count == d else {
                throw r.error("kernel", "\(kernelValues.count) kernels for \(d) axes: give one [[gp.kernel]] per axis, in order")
            }
            let boxes = box
            kernels = try kernelValues.enumerated().map { k, v in
                guard case .table(let t) = v else { throw r.error("kernel", "entry \(k + 1) must be a table") }
                return try Self.kernel(r.child("kernel", t), axis: k, box: boxes[k])
            }
        } else {
            throw r.error("kernel", "missing: one [[gp.kernel]] table per axis, e.g. type = \"squared_exponential\", lengthscale = 0.2")
        }
        noise = try Self.hyperparameter(r, "noise", default: [0.01], components: 1, positive: true)
        signalVariance = try Self.hyperparameter(r, "signal_variance", default: [1], components: 1, positive: true)
        mean = Mean(rawValue: try r.string("mean", default: "zero", oneOf: Mean.allCases.map(\.rawValue)))!
        optimizer = Optimizer(rawValue: try r.string("optimizer", default: "lbfgs", oneOf: Optimizer.allCases.map(\.rawValue)))!
        iterations = try r.int("iterations", default: optimizer == .adam ? 1000 : 100, minimum: 0)
        guard iterations <= 1_000_000 else { throw r.error("iterations", "at most 10⁶, got \(iterations)") }
        learningRate = try r.double("learning_rate", default: 0.01, minimum: 0, exclusiveMinimum: true)
        tolerance = try r.double("tolerance", default: 1e-5, minimum: 0, exclusiveMinimum: true)
        predict = try Self.counts(r, "predict", d)
        if let p = predict {
            guard p.allSatisfy({ $0 <= 8192 }), p.reduce(1.0, { $0 * Double($1) }) <= 2e7 else {
                throw r.error("predict", "at most 8192 nodes per axis and 2·10⁷ points, got \(p)")
            }
        }
        cgTolerance = try r.double("cg_tolerance", default: scattered == nil ? 1e-8 : 1e-6, minimum: 0, exclusiveMinimum: true)
        // With missing points the exact likelihood is a dense |O| × |O| Cholesky per evaluation
        // (GridGaussianProcess.observedFit, at most 6000 observed points).
        if scattered == nil && observedCount < values.count && optimizer != .none && observedCount > 6000 {
            throw r.error("optimizer", "\(values.count - observedCount) of \(values.count) points are missing (NaN) and \(observedCount) are "
                + "observed: the exact likelihood of incomplete data takes a dense Cholesky of the observed points' covariance, at most 6000; "
                + "learn the hyperparameters on a complete or smaller grid, or set optimizer = \"none\" with fixed values")
        }
        try r.finish()
    }

    /// Gridded data: an NPY array of the grid's values (NaN = missing), or a CSV of nodes and values.
    static func readGridData(_ r: TableReader, box: [(Double, Double)]) throws -> (grid: [Int], values: [Double], path: String) {
        let d = box.count
        let givenGrid = try counts(r, "grid", d)
        var grid: [Int], values: [Double]
        guard let path = try r.string("data") else {
            throw r.error("data", "missing: an NPY file with the grid's values, or a CSV of coordinates and a value")
        }
        let url = r.document.resolve(path)
        if path.lowercased().hasSuffix(".csv") {
            guard let g = givenGrid else { throw r.error("grid", "missing: CSV data needs the grid's nodes per axis, e.g. grid = [64, 64]") }
            grid = g
            values = try readCSV(r, url: url, path: path, box: box, grid: g)
        } else {
            let array: NPYArray
            do { array = try NPY.read(url) } catch { throw r.error("data", "\(path): \(oneLine(String(describing: error)))") }
            guard array.shape.count == d else {
                throw r.error("data", "\(path) has shape \(array.shape); the box has \(d) axes, so the data needs \(d) dimensions")
            }
            if let g = givenGrid, g != array.shape { throw r.error("grid", "\(g) does not match the shape \(array.shape) of \(path)") }
            guard array.shape.allSatisfy({ $0 >= 2 }) else { throw r.error("data", "\(path): at least 2 nodes per axis, got shape \(array.shape)") }
            if let i = array.values.firstIndex(where: { $0.isInfinite }) {
                throw r.error("data", "\(path): value \(i) (C order) is infinite; mark missing points with NaN")
            }
            grid = array.shape
            values = array.values
        }
        guard grid.allSatisfy({ $0 <= 8192 }) else { throw r.error("grid", "at most 8192 nodes per axis (dense n × n factors), got \(grid)") }
        guard grid.reduce(1.0, { $0 * Double($1) }) <= 2e7 else { throw r.error("grid", "\(grid) has more than 2·10⁷ points") }
        guard values.contains(where: { !$0.isNaN }) else { throw r.error("data", "\(path): every value is missing (NaN)") }
        // The likelihood sums squares of the values: beyond 1e150 they overflow to inf and the
        // posterior is NaN everywhere.
        if let i = values.firstIndex(where: { abs($0) > magnitudeLimit }) {
            throw r.error("data", "\(path): value \(i) (C order) is \(values[i]); values beyond ±1e150 overflow the likelihood's squares; rescale "
                + "the data")
        }

        return (grid, values, path)
    }

    static func counts(_ r: TableReader, _ key: String, _ d: Int) throws -> [Int]? {
        guard let a = try r.array(key) else { return nil }
        let n = a.compactMap { v -> Int? in if case .integer(let i) = v { return i } else { return nil } }
        guard n.count == d else { throw r.error(key, "expected \(d) integers (one per axis), got \(a.count) values") }
        guard n.allSatisfy({ $0 >= 2 }) else { throw r.error(key, "at least 2 nodes per axis, got \(n)") }
        // Bounded before anything multiplies them (a product of huge counts would overflow).
        var total = 1
        for c in n {
            let (t, overflow) = total.multipliedReportingOverflow(by: c)
            guard !overflow, t <= Int(Int32.max) else { throw r.error(key, "\(n) has more than \(Int32.max) points") }
            total = t
        }
        return n
    }

    /// A number, an array (one per mixture component) or { value, bounds, fixed }.
    static func hyperparameter(_ r: TableReader, _ key: String, default d: [Double]?, components: Int, positive: Bool) throws -> Hyperparameter {
        func numbers(_ v: ConfigValue) throws -> [Double] {
            switch v {
            case .array(let a):
                let x = a.compactMap(\.number)
                guard x.count == a.count else { throw r.error(key, "expected numbers") }
                return x
            default:
                guard let x = v.number else { throw r.error(key, "expected a number, an array or { value, bounds, fixed }, found \(v.typeName)") }
                return [x]
            }
        }
        var values: [Double]
        var lower = positive ? 1e-8 : 0, upper = 1e8, fixed = false
        defer { r.describe(key, as: "hyperparameter", "a number, an array or { value = …, bounds = [lo, hi], fixed = … }") }
        switch r.value(key) {
        case nil:
            guard let d else { throw r.error(key, "missing") }
            values = d
        case .table(let t)?:
            let sub = r.child(key, t)
            guard let v = sub.value("value") else { throw sub.error("value", "missing: the starting value") }
            values = try numbers(v)
            if let b = try sub.array("bounds") {
                guard b.count == 2, let lo = b[0].number, let hi = b[1].number, lo < hi else {
                    throw sub.error("bounds", "expected [lower, upper] with lower < upper")
                }
                lower = lo; upper = hi
            }
            fixed = try sub.bool("fixed", default: false)
            try sub.finish()
        case let v?:
            values = try numbers(v)
        }
        guard values.count == components else { throw r.error(key, "expected \(components) value\(components == 1 ? "" : "s"), got \(values.count)") }
        guard values.allSatisfy(\.isFinite) else { throw r.error(key, "must be finite") }
        if positive {
            guard lower > 0 else { throw r.error(key, "bounds must be positive, got lower \(lower)") }
            guard values.allSatisfy({ $0 > 0 }) else { throw r.error(key, "must be > 0, got \(values)") }
        }
        guard values.allSatisfy({ $0 >= lower && $0 <= upper }) else { throw r.error(key, "\(values) lies outside its bounds [\(lower), \(upper)]") }
        return Hyperparameter(values: values, lower: lower, upper: upper, fixed: fixed)
    }

    static func kernel(_ r: TableReader, axis k: Int, box: (Double, Double)) throws -> KernelSpec {
        let type = try r.string("type", default: "squared_exponential", oneOf: kernelTypes)
        let span = box.1 - box.0
        var parameters: [(String, Hyperparameter)] = []
        switch type {
        case "spectral_mixture", "matern_cosine_mixture":
            let q: Int
            if let c = try r.int("components") {
                guard (1...200).contains(c) else { throw r.error("components", "1 to 200 components, got \(c)") }
                q = c
            } else if let w = try r.array("weights") {
                // An empty mixture is a zero kernel: a constant mean reported as a fit.
                guard (1...200).contains(w.count) else { throw r.error("weights", "1 to 200 components, got \(w.count)") }
                q = w.count
            } else {
                throw r.error("components", "missing: components = Q, or weights, scales and frequencies arrays")
            }
            let scale = try r.double("frequency_scale", default: 1, minimum: 0, exclusiveMinimum: true)
            parameters.append(("weights", try hyperparameter(r, "weights", default: Array(repeating: 1 / Double(q), count: q),
                                                             components: q, positive: true)))
            parameters.append(("scales", try hyperparameter(r, "scales", default: Array(repeating: 1, count: q), components: q, positive: true)))
            parameters.append(("frequencies", try hyperparameter(r, "frequencies",
                                                                 default: (0..<q).map { q == 1 ? 0 : scale * Double($0) / Double(q - 1) },
                                                                 components: q, positive: false)))
        case "periodic":
            parameters.append(("lengthscale", try hyperparameter(r, "lengthscale", default: [1], components: 1, positive: true)))
            parameters.append(("period", try hyperparameter(r, "period", default: [span], components: 1, positive: true)))
        default:
            parameters.append(("lengthscale", try hyperparameter(r, "lengthscale", default: [0.2 * span], components: 1, positive: true)))
        }
        try r.finish()
        return KernelSpec(type: type, parameters: parameters)
    }

    static func readCSV(_ r: TableReader, url: URL, path: String, box: [(Double, Double)], grid: [Int]) throws -> [Double] {
        let records: [[String]]
        do { records = try CSV.read(url).records } catch let e as StorageError { throw r.error("data", "\(path): \(e.description)") }
        let d = box.count
        var values = [Double](repeating: .nan, count: grid.reduce(1, *))
        var seen = Set<Int>()
        for (line, row) in records.enumerated() {
            let numbers = row.map { Double($0.trimmingCharacters(in: .whitespaces)) }
            if line == 0 && numbers.contains(where: { $0 == nil }) { continue }  // a header
            guard row.count == d + 1, numbers.allSatisfy({ $0?.isFinite == true }) else {
                throw r.error("data", "\(path) line \(line + 1): expected \(d + 1) finite numbers "
                    + "(\(variables.prefix(d).joined(separator: ", ")), value)")
            }
            var flat = 0
            for k in 0..<d {
                let t = (numbers[k]! - box[k].0) / (box[k].1 - box[k].0) * Double(grid[k] - 1)
                let i = Int(t.rounded())
                guard (0..<grid[k]).contains(i), abs(t - Double(i)) <= 1e-6 else {
                    throw r.error("data", "\(path) line \(line + 1): \(variables[k]) = \(numbers[k]!) is not a node of the \(grid[k])-point grid "
                        + "on [\(box[k].0), \(box[k].1)]")
                }
                flat = flat * grid[k] + i
            }
            guard seen.insert(flat).inserted else { throw r.error("data", "\(path) line \(line + 1): a second value for the same grid node") }
            values[flat] = numbers[d]!
        }
        return values
    }

    public var resolved: ConfigTable {
        func hyper(_ h: Hyperparameter) -> ConfigValue {
            var t = ConfigTable()
            t["value"] = h.values.count == 1 ? .double(h.values[0]) : .array(h.values.map { .double($0) })
            t["bounds"] = .array([.double(h.lower), .double(h.upper)])
            t["fixed"] = .bool(h.fixed)
            return .table(t)
        }
        var t = ConfigTable()
        t["data"] = .string(dataPath)
        t["box"] = .array(box.map { .array([.double($0.0), .double($0.1)]) })
        if let s = scattered {
            if let p = s.pointsPath { t["points"] = .string(p) }
            t["inducing_grid"] = .array(grid.map { .integer($0) })
            t["probes"] = .integer(s.probes)
            t["preconditioner_rank"] = .integer(s.rankGiven)
            t["seed"] = .integer(s.seed)
            if let p = s.testPointsPath { t["test_points"] = .string(p) }
            if let p = s.testValuesPath { t["test_values"] = .string(p) }
            t["cg_tolerance"] = .double(cgTolerance)
        } else {
            t["grid"] = .array(grid.map { .integer($0) })
        }
        t["noise"] = hyper(noise)
        t["signal_variance"] = hyper(signalVariance)
        t["mean"] = .string(mean.rawValue)
        t["optimizer"] = .string(optimizer.rawValue)
        if optimizer != .none { t["iterations"] = .integer(iterations) }
        if optimizer == .adam { t["learning_rate"] = .double(learningRate) }
        if optimizer == .lbfgs { t["tolerance"] = .double(tolerance) }
        if let predict { t["predict"] = .array(predict.map { .integer($0) }) }
        if observedCount < values.count { t["cg_tolerance"] = .double(cgTolerance) }
        t["kernel"] = .array(kernels.map { k in
            var kt = ConfigTable()
            kt["type"] = .string(k.type)
            for (name, h) in k.parameters { kt[name] = hyper(h) }
            return .table(kt)
        })
        return t
    }
}

extension GPRegressionSpec {
    /// Per axis: K, its eigenvectors, the sensitivity W and a work matrix (n² each, ~6); on the
    /// data grid: data, rotated data, α, mean, variance, CG vectors for missing points (~12 N);
    /// on the prediction grid: mean, variance and the per-axis maps' intermediates (~4 P); when
    /// learning from an incomplete grid, C, its factor and C⁻¹ on the observed points.
    public func memoryEstimate(_ solver: SolverSpec) throws -> MemoryEstimate? {
        if let s = scattered { return scatteredMemoryEstimate(s) }
        let n = grid.reduce(0.0) { $0 + Double($1) * Double($1) }, points = grid.reduce(1.0) { $0 * Double($1) }
        let predicted = 4 * 8 * (predict.map { $0.reduce(1.0) { $0 * Double($1) } } ?? 0)
        let matrices = 6 * 8 * n, fields = 12 * 8 * points
        let observed = Double(values.reduce(0) { $0 + ($1.isNaN ? 0 : 1) })
        let dense = optimizer != .none && observed < points ? 3 * 8 * observed * observed : 0
        let f = MemoryEstimate.format
        return MemoryEstimate(bytes: matrices + fields + predicted + dense,
                              detail: "per-axis matrices \(f(matrices)), grid fields \(f(fields)), prediction grid \(f(predicted))"
                                  + (dense > 0 ? ", observed points' dense covariance \(f(dense))" : ""),
                              key: predict == nil ? ["gp", "data"] : ["gp", "predict"])
    }
}
