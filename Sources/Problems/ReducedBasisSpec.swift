import Foundation
import Storage

/// `kind = "reduced_basis"`: the offline stage of the reduced-basis method on a parametrised
/// family (docs/reduced-basis.md). Today's family is the thermal block, affine by construction:
///
/// ```toml
/// [reduced_basis]
/// family = "thermal_block"
/// blocks = [2, 2]                # bx × by blocks, parameters mu1 … mu(bx·by)
/// grid = 227                     # interior nodes per axis; grid + 1 divisible by 2·bx and 2·by
/// reference = 1                  # μ̄ (all parameters) for the X = A(μ̄) norm and min-θ
/// tolerance = 1e-6               # largest relative error bound over the training set
/// max_size = 16
/// measure = "absolute"           # which bound the greedy maximises ("relative": Δ/‖u_N‖)
/// test = { samples = 20, seed = 0 }   # random parameters in the training box, truth vs reduced
///
/// [reduced_basis.training]       # the [sweep] design syntax: mode, samples, seed, parameters
/// parameters = { mu1 = [0.1, 0.4, 0.7, 1.0], mu2 = [0.1, 0.4, 0.7, 1.0], ... }
/// ```
public struct ReducedBasisSpec: PhysicsSection, Equatable {
    public static let kind = "reduced_basis"
    public static let help = "reduced basis (weak greedy, residual error bound) for a parametrised family: basis, reduced model, errors on a test set"
    public static let table = "reduced_basis"
    public static var usesSolver: Bool { false }
    public enum Measure: String, Sendable, CaseIterable { case absolute, relative }

    public var family: String
    public var blocks: [Int]
    public var grid: Int
    public var reference: [Double]
    public var tolerance: Double
    public var maxSize: Int
    public var measure: Measure
    public var testSamples: Int
    public var testSeed: Int
    /// Training parameter vectors (mu1, mu2, … in order).
    public var training: [[Double]]
    public var parameterNames: [String] { (1...(blocks[0] * blocks[1])).map { "mu\($0)" } }
    public var dataFiles: [String] { [] }
    /// The training table as written (for the record).
    var trainingTable: ConfigValue

    public static func == (a: Self, b: Self) -> Bool { a.resolved == b.resolved }

    public init(_ r: TableReader) throws {
        family = try r.string("family", default: "thermal_block", oneOf: ["thermal_block"])
        if let b = try r.array("blocks") {
            let n = b.compactMap { v -> Int? in if case .integer(let i) = v { return i } else { return nil } }
            guard n.count == 2, n.allSatisfy({ (1...4).contains($0) }) else { throw r.error("blocks", "expected [bx, by] with 1 to 4 blocks per axis") }
            blocks = n
        } else { blocks = [2, 2] }
        grid = try r.int("grid", default: 227, minimum: 3)
        for b in blocks where (grid + 1) % (2 * b) != 0 {
            throw r.error("grid", "\(grid) interior nodes put face midpoints on block edges: grid + 1 must be divisible by \(2 * b) (e.g. \(((grid + 1) / (2 * b) + 1) * 2 * b - 1))")
        }
        guard grid <= 2001 else { throw r.error("grid", "at most 2001 nodes per axis (4·10⁶ unknowns), got \(grid)") }
        let q = blocks[0] * blocks[1]
        if let v = r.value("reference") {
            switch v {
            case .array(let a):
                let x = a.compactMap(\.number)
                guard x.count == q, x.count == a.count else { throw r.error("reference", "expected \(q) numbers (one per block) or one number") }
                reference = x
            default:
                guard let x = v.number else { throw r.error("reference", "expected a number or an array") }
                reference = Array(repeating: x, count: q)
            }
        } else { reference = Array(repeating: 1, count: q) }
        guard reference.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw r.error("reference", "every conductivity must be positive and finite") }
        tolerance = try r.double("tolerance", default: 1e-6, minimum: 0)
        maxSize = try r.int("max_size", default: 20, minimum: 1)
        guard maxSize <= 500 else { throw r.error("max_size", "at most 500 basis vectors, got \(maxSize)") }
        measure = Measure(rawValue: try r.string("measure", default: "absolute", oneOf: Measure.allCases.map(\.rawValue)))!
        if let t = try r.table("test") {
            testSamples = try t.int("samples", default: 20, minimum: 0)
            guard testSamples <= 10_000 else { throw t.error("samples", "at most 10⁴ test parameters") }
            testSeed = try t.int("seed", default: 0, minimum: 0)
            try t.finish()
        } else { testSamples = 20; testSeed = 0 }
        guard let t = try r.table("training") else {
            throw r.error("training", "missing: [reduced_basis.training] with parameters in the [sweep] syntax, e.g. parameters = { mu1 = [0.1, 1], ... }")
        }
        trainingTable = .table(t.table)
        let design = try SweepSpec(design: t)
        let names = (1...q).map { "mu\($0)" }
        let keys = Set(design.parameters.map(\.key))
        for name in names where !keys.contains(name) {
            throw t.error("parameters", "missing \(name): the \(blocks[0])×\(blocks[1]) thermal block has parameters \(names.joined(separator: ", "))")
        }
        if let extra = keys.subtracting(names).sorted().first {
            throw t.error(dotted: "parameters.\(extra)", "not a parameter of the \(blocks[0])×\(blocks[1]) thermal block (\(names.joined(separator: ", ")))")
        }
        training = try design.cases.map { c in
            try names.map { name in
                guard let v = c.first(where: { $0.key == name })?.value.number, v > 0, v.isFinite else {
                    throw t.error(dotted: "parameters.\(name)", "conductivities must be positive finite numbers")
                }
                return v
            }
        }
        guard training.count <= 100_000 else { throw t.error("parameters", "\(training.count) training parameters; at most 10⁵") }
        try r.finish()
    }

    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["family"] = .string(family)
        t["blocks"] = .array(blocks.map { .integer($0) })
        t["grid"] = .integer(grid)
        t["reference"] = .array(reference.map { .double($0) })
        t["tolerance"] = .double(tolerance)
        t["max_size"] = .integer(maxSize)
        t["measure"] = .string(measure.rawValue)
        var test = ConfigTable()
        test["samples"] = .integer(testSamples); test["seed"] = .integer(testSeed)
        t["test"] = .table(test)
        t["training"] = trainingTable
        return t
    }
}

/// `kind = "reduced_model"`: a reduced model written by a `reduced_basis` run, evaluated online
/// at new parameters (docs/reduced-basis.md).
///
/// ```toml
/// [reduced_model]
/// model = "outputs/thermal_block"     # the reduced_basis run's output folder
/// parameters = { mu1 = 0.3, mu2 = 0.9, mu3 = 0.5, mu4 = 0.1 }
/// ```
public struct ReducedModelSpec: PhysicsSection, Equatable {
    public static let kind = "reduced_model"
    public static let help = "evaluate a saved reduced model at new parameters: solution on the grid and its error bound, in microseconds"
    public static let table = "reduced_model"
    public static var usesSolver: Bool { false }

    public var model: String
    public var modelURL: URL
    public var parameters: [String: Double]
    /// The model's arrays (so a sweep's fingerprint changes when the model is rebuilt, and no
    /// output may replace them).
    public var dataFiles: [String] { Self.modelArrays.map { (model as NSString).appendingPathComponent($0 + ".npy") } }
    public static let modelArrays = ["rb_manifest", "rb_reference", "rb_basis", "rb_operators", "rb_loads", "rb_ff", "rb_fl", "rb_ll"]

    public static func == (a: Self, b: Self) -> Bool { a.resolved == b.resolved }

    public init(_ r: TableReader) throws {
        guard let m = try r.string("model") else { throw r.error("model", "missing: the output folder of a reduced_basis run") }
        model = m
        modelURL = r.document.resolve(m)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: modelURL.path, isDirectory: &isDirectory), isDirectory.boolValue,
              FileManager.default.fileExists(atPath: modelURL.appendingPathComponent("run.toml").path) else {
            throw r.error("model", "\(m) is not the output folder of a reduced_basis run (no run.toml there)")
        }
        parameters = try r.parameters()
        guard !parameters.isEmpty else { throw r.error("parameters", "missing: parameters = { mu1 = …, … }") }
        try r.finish()
    }

    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["model"] = .string(model)
        var p = ConfigTable()
        for k in parameters.keys.sorted() { p[k] = .double(parameters[k]!) }
        t["parameters"] = .table(p)
        return t
    }
}

extension ReducedBasisSpec {
    /// The Q + 2 stiffness matrices (terms, X, A(μ)), two CHOLMOD factors (at least 20 entries
    /// per row on a 2D grid), the basis and the Q Riesz representers per vector.
    public func memoryEstimate(_ solver: SolverSpec) -> MemoryEstimate? {
        let n = Double(grid * grid), q = Double(blocks[0] * blocks[1])
        let matrices = (q + 2) * 12 * 5 * n, factors = 2 * 12 * 20 * n, vectors = (q + 1) * 8 * n * Double(maxSize)
        let f = MemoryEstimate.format
        return MemoryEstimate(bytes: matrices + factors + vectors,
                              detail: "matrices \(f(matrices)), factors \(f(factors)), basis and Riesz representers \(f(vectors))",
                              key: ["reduced_basis", "grid"])
    }
}
