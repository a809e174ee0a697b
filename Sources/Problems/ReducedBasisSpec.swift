import Solvers
import Configuration
import Discretisation
import Foundation
import Storage

/// `kind = "reduced_basis"`: the offline stage of the reduced-basis method on a parametrised
/// family (docs/reduced-basis.md). Two families: the thermal block, affine by construction,
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
///
/// `family = "pde"`: any diffusion–reaction `[pde]` (the same table, as
/// `[reduced_basis.pde]`) whose expressions use named `parameters`, affine in them or not. The
/// training set varies those parameters; the family is made affine nonintrusively, by EIM of
/// the assembled matrices and right-hand sides (`eim = { tolerance, max_terms, selection }`);
/// and `family = "matrices"`: the assembled A(μᵢ), f(μᵢ) from another code, Matrix Market and
/// NPY files listed in a CSV file per parameter (`[reduced_basis.matrices]`), the same EIM.
public struct ReducedBasisSpec: PhysicsSection, Equatable {
    public static let kind = "reduced_basis"
    public static let minimalTables = [
        MinimalTable(variant: "family = \"thermal_block\"", "grid = 7\ntraining = { parameters = { mu1 = [1], mu2 = [1], mu3 = [1], mu4 = [1] } }"),
        MinimalTable(variant: "family = \"pde\"", "family = \"pde\"\npde = { grid = [3], rhs = 1, coefficient = \"1 + s\", parameters = { s = 0 } }"
                     + "\ntraining = { parameters = { s = [0, 1] } }\ntest = {}\neim = {}"),
        MinimalTable(variant: "family = \"matrices\"", "family = \"matrices\"\nmatrices = { training = \"l.csv\", coercivity = \"1\" }",
                     files: SystemSpec.minimalTables[0].files.merging(["l.csv": "mu,matrix,rhs\n1,A.mtx,b.mtx\n"]) { a, _ in a }),
    ]
    public static let help = "reduced basis (weak greedy, residual error bound) for a parametrised family — the thermal block, "
        + "any diffusion–reaction [pde], or another code's matrices, the last two through nonintrusive EIM: basis, reduced model, "
        + "errors on a test set"
    public static let table = "reduced_basis"
    public static var usesSolver: Bool { false }
    public enum Measure: String, Sendable, CaseIterable { case absolute, relative }
    /// The families a reduced basis is built for (`family`); the Runner registers one builder per case.
    public enum Family: String, Sendable, CaseIterable {
        case thermalBlock = "thermal_block", pde, matrices
    }
    /// How EIM picks its points (`eim.selection`): greedy EIM, DEIM, or Q-DEIM's pivoted QR.
    public enum Selection: String, Sendable, CaseIterable { case eim, deim, qdeim }

    /// One member of a matrices family: its parameters and files (resolved), as listed.
    public struct MatrixCase: Sendable, Equatable {
        public var parameters: [Double]
        public var matrix: URL
        public var rhs: URL
        /// The row of the listing (1 = the first after the header), for messages.
        public var line: Int
    }

    public var family: Family
    public var blocks: [Int]
    public var grid: Int
    public var reference: [Double]
    public var tolerance: Double
    public var maxSize: Int
    public var measure: Measure
    public var testSamples: Int
    public var testSeed: Int
    /// Training parameter vectors (in the order of `parameterNames`).
    public var training: [[Double]]
    /// mu1 … for the thermal block; the training set's parameters, in file order, for a pde
    /// family; the listing's header for a matrices family.
    public var parameterNames: [String]
    /// Family "pde": the problem at the reference parameters.
    public var pde: PDESpec?
    /// Families "pde" and "matrices": EIM of the matrices and right-hand sides.
    public var eimTolerance: Double
    public var eimMaxTerms: Int
    public var eimSelection: Selection
    /// Family "matrices": the training and test members, and α_LB(μ) as an expression of the
    /// parameters (pyMOR's coercivity estimator: the user knows the family; pdekit cannot).
    public var matrixTraining: [MatrixCase] = []
    public var matrixTests: [MatrixCase] = []
    public var coercivity: Expression?
    /// `truth = [μ…]`: instead of the offline stage, the full (truth) solution at these
    /// parameters, in the order of `parameterNames` (families thermal_block and pde).
    public var truth: [Double]?
    var listings: [String] = []
    var listedFiles: [String] = []
    public var dataFiles: [String] { (pde?.dataFiles ?? []) + listings + listedFiles }
    /// The training table as written (for the record).
    var trainingTable: ConfigValue
    var pdeTable: ConfigTable?
    let document: ProblemDocument

    public static func == (a: Self, b: Self) -> Bool { a.resolved == b.resolved }
    /// The problem file, for messages.
    public var filePath: String { document.path }

    public init(_ r: TableReader) throws {
        document = r.document
        family = Family(rawValue: try r.string("family", default: "thermal_block", oneOf: Family.allCases.map(\.rawValue)))!
        let isPDE = family == .pde, isMatrices = family == .matrices
        if isPDE || isMatrices {
            for key in ["blocks", "grid"] where r.has(key) {
                throw r.error(key, "only for family = \"thermal_block\"" + (isPDE ? "; a pde family's grid is [reduced_basis.pde] grid" : ""))
            }
            blocks = []; grid = 0
        } else {
            if let b = try r.array("blocks") {
                let n = b.compactMap { v -> Int? in if case .integer(let i) = v { return i } else { return nil } }
                guard n.count == 2, n.allSatisfy({ (1...4).contains($0) }) else {
                    throw r.error("blocks", "expected [bx, by] with 1 to 4 blocks per axis")
                }
                blocks = n
            } else { blocks = [2, 2] }
            grid = try r.int("grid", default: 227, minimum: 3, maximum: 2001)  // 4·10⁶ unknowns
            for b in blocks where (grid + 1) % (2 * b) != 0 {
                throw r.error("grid", "\(grid) interior nodes put face midpoints on block edges: grid + 1 must be divisible by \(2 * b) "
                    + "(e.g. \(((grid + 1) / (2 * b) + 1) * 2 * b - 1))")
            }
        }
        if isPDE {
            guard let p = try r.table("pde") else {
                throw r.error("pde", "missing: family = \"pde\" needs a [reduced_basis.pde] table (the [pde] syntax) whose parameters "
                    + "the training set varies")
            }
            let template = try PDESpec(p)
            guard template.velocity == nil else {
                throw p.error("velocity", "a reduced-basis family must be symmetric and coercive (diffusion and a nonnegative reaction): "
                    + "convection is not supported")
            }
            guard template.grid.axes.contains(where: { $0.dirichletLow || $0.dirichletHigh }) else {
                throw p.error("boundary", "a reduced-basis family needs a Dirichlet side (an all-Neumann or periodic problem is singular)")
            }
            if case .random = template.coefficient {
                throw p.error("coefficient", "a reduced-basis family's coefficient is an expression or an NPY file, not a random field")
            }
            pde = template; pdeTable = p.table
        } else { pde = nil; pdeTable = nil }
        tolerance = try r.double("tolerance", default: 1e-6, minimum: 0)
        maxSize = try r.int("max_size", default: 20, minimum: 1, maximum: 500)
        measure = Measure(rawValue: try r.string("measure", default: "absolute", oneOf: Measure.allCases.map(\.rawValue)))!
        if let t = try r.table("test") {
            testSamples = try t.int("samples", default: 20, minimum: 0, maximum: 10_000)
            testSeed = try t.int("seed", default: 0, minimum: 0, maximum: Int.max)
            try t.finish()
        } else { testSamples = 20; testSeed = 0 }
        if let e = try r.table("eim") {
            guard isPDE || isMatrices else { throw r.error("eim", "only for family = \"pde\" (the thermal block is affine as it is)") }
            eimTolerance = try e.double("tolerance", default: 1e-10, minimum: 0)
            eimMaxTerms = try e.int("max_terms", default: 100, minimum: 1, maximum: 500)
            eimSelection = Selection(rawValue: try e.string("selection", default: "eim", oneOf: Selection.allCases.map(\.rawValue)))!
            try e.finish()
        } else { eimTolerance = 1e-10; eimMaxTerms = 100; eimSelection = .eim }
        if isMatrices {
            guard let m = try r.table("matrices") else {
                throw r.error("matrices", "missing: family = \"matrices\" needs [reduced_basis.matrices] with training = \"listing.csv\" "
                    + "(columns: the parameters, then matrix and rhs files) and coercivity = \"expression\"")
            }
            for key in ["training", "test"] where r.has(key) {
                throw r.error(key, "not for family = \"matrices\": its training and test members are the rows of "
                    + "[reduced_basis.matrices] training and test")
            }
            if r.has("truth") {
                throw r.error("truth", "not for family = \"matrices\": a member's truth solution is a kind = \"linear_system\" run of its "
                    + "matrix and right-hand side files")
            }
            trainingTable = .table(m.table)
            training = []; parameterNames = []; reference = []
            try readMatrices(m, r)
            try r.finish()
            return
        }
        guard let t = try r.table("training") else {
            throw r.error("training", "missing: [reduced_basis.training] with parameters in the [sweep] syntax, "
                + "e.g. parameters = { mu1 = [0.1, 1], ... }")
        }
        trainingTable = .table(t.table)
        let design = try SweepSpec(design: t)
        let keys = design.parameters.map(\.key)
        let names: [String]
        if let pde {
            for key in keys where pde.parameters[key] == nil {
                throw t.error(dotted: "parameters.\(key)", "not a parameter of [reduced_basis.pde]: name it there, "
                    + "e.g. parameters = { \(key) = 1 }, and use it in an expression")
            }
            guard !keys.isEmpty else { throw t.error("parameters", "missing: the [reduced_basis.pde] parameters the family varies") }
            names = keys
        } else {
            names = (1...(blocks[0] * blocks[1])).map { "mu\($0)" }
            let given = Set(keys)
            for name in names where !given.contains(name) {
                throw t.error("parameters", "missing \(name): the \(blocks[0])×\(blocks[1]) thermal block has parameters "
                    + "\(names.joined(separator: ", "))")
            }
            if let extra = given.subtracting(names).sorted().first {
                throw t.error(dotted: "parameters.\(extra)",
                              "not a parameter of the \(blocks[0])×\(blocks[1]) thermal block (\(names.joined(separator: ", ")))")
            }
        }
        parameterNames = names
        training = try design.cases.map { c in
            try names.map { name in
                guard let v = c.first(where: { $0.key == name })?.value.number, v.isFinite, isPDE || (1e-8...1e8).contains(v) else {
                    throw t.error(dotted: "parameters.\(name)",
                                  isPDE ? "training values must be finite numbers" : "conductivities must lie in [1e-8, 1e8]")
                }
                return v
            }
        }
        guard training.count <= 100_000 else { throw t.error("parameters", "\(training.count) training parameters; at most 10⁵") }
        // μ̄: one number or one per parameter (for a pde family also a table by name; by
        // default its [reduced_basis.pde] parameter values).
        let q = names.count
        /// A parameter vector: one number, one per parameter, or (pde) a table by name.
        func vector(_ key: String) throws -> [Double]? {
            defer { r.describe(key, as: "parameters", "one number, one per parameter" + (isPDE ? " or { name = number, … }" : "")) }
            guard let v = r.value(key) else { return nil }
            switch v {
            case .table(let byName):
                guard isPDE else { throw r.error(key, "expected a number or an array") }
                let x = try names.map { name in
                    guard let x = byName[name]?.number else {
                        throw r.error(key, "missing \(name) (\(key) = { \(names.map { "\($0) = …" }.joined(separator: ", ")) })")
                    }
                    return x
                }
                if let extra = byName.keys.first(where: { !names.contains($0) }) {
                    throw r.error(key, "\(extra) is not a trained parameter (\(names.joined(separator: ", ")))")
                }
                return x
            case .array(let a):
                let x = a.compactMap(\.number)
                guard x.count == q, x.count == a.count else { throw r.error(key, "expected \(q) numbers (one per parameter) or one number") }
                return x
            default:
                guard let x = v.number else { throw r.error(key, "expected a number or an array") }
                return Array(repeating: x, count: q)
            }
        }
        reference = try vector("reference") ?? pde.map { p in names.map { p.parameters[$0]! } } ?? Array(repeating: 1, count: q)
        truth = try vector("truth")
        if let t = truth, !t.allSatisfy({ $0.isFinite && (isPDE || (1e-8...1e8).contains($0)) }) {
            throw r.error("truth", isPDE ? "every value must be finite" : "every conductivity must lie in [1e-8, 1e8]")
        }
        guard reference.allSatisfy({ $0.isFinite && (isPDE || (1e-8...1e8).contains($0)) }) else {
            throw r.error("reference", isPDE ? "every value must be finite" : "every conductivity must lie in [1e-8, 1e8]")
        }
        try r.finish()
    }

    /// Family "pde": the problem at parameters `mu` (in the order of `parameterNames`), read
    /// from the same table with those parameter values — every check of the [pde] reader runs.
    public func pde(at mu: [Double]) throws -> PDESpec {
        guard var t = pdeTable else { throw ProblemError(file: document.path, key: "reduced_basis.family", message: "not a pde family") }
        var p: ConfigTable
        if case .table(let given)? = t["parameters"] { p = given } else { p = ConfigTable() }
        for (name, v) in zip(parameterNames, mu) { p[name] = .double(v) }
        t["parameters"] = .table(p)
        return try PDESpec(TableReader(table: t, path: ["reduced_basis", "pde"], document: document))
    }

    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["family"] = .string(family.rawValue)
        if family == .matrices {
            t["matrices"] = trainingTable
            var e = ConfigTable()
            e["tolerance"] = .double(eimTolerance); e["max_terms"] = .integer(eimMaxTerms); e["selection"] = .string(eimSelection.rawValue)
            t["eim"] = .table(e)
        } else if let pde {
            t["pde"] = .table(pde.resolved)
            var e = ConfigTable()
            e["tolerance"] = .double(eimTolerance); e["max_terms"] = .integer(eimMaxTerms); e["selection"] = .string(eimSelection.rawValue)
            t["eim"] = .table(e)
        } else {
            t["blocks"] = .array(blocks.map { .integer($0) })
            t["grid"] = .integer(grid)
        }
        t["reference"] = .array(reference.map { .double($0) })
        if let truth { t["truth"] = .array(truth.map { .double($0) }) }
        t["tolerance"] = .double(tolerance)
        t["max_size"] = .integer(maxSize)
        t["measure"] = .string(measure.rawValue)
        if family != .matrices {
            var test = ConfigTable()
            test["samples"] = .integer(testSamples); test["seed"] = .integer(testSeed)
            t["test"] = .table(test)
            t["training"] = trainingTable
        }
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
    public static let minimalTables = [MinimalTable("model = \"m\"\nparameters = { mu1 = 1 }", files: ["m/run.toml": ""])]
    public static let help = "evaluate a saved reduced model at new parameters: solution on the grid and its error bound, in microseconds"
    public static let table = "reduced_model"
    public static var usesSolver: Bool { false }

    public var model: String
    public var modelURL: URL
    public var parameters: [String: Double]
    /// A matrices family's new member: its matrix and right-hand side files (the EIM needs a few
    /// of their entries; pdekit cannot assemble them), as written and resolved.
    public var matrix: String?
    public var rhs: String?
    public var matrixURL: URL? { matrix.map { document.resolve($0) } }
    public var rhsURL: URL? { rhs.map { document.resolve($0) } }
    let document: ProblemDocument
    /// The model's arrays (so a sweep's fingerprint changes when the model is rebuilt, and no
    /// output may replace them).
    public var dataFiles: [String] {
        Self.modelArrays.map { (model as NSString).appendingPathComponent($0 + ".npy") } + [matrix, rhs].compactMap { $0 }
    }
    public static let modelArrays = ["rb_manifest", "rb_reference", "rb_basis", "rb_operators", "rb_loads", "rb_residual"]

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
        document = r.document
        matrix = try r.string("matrix"); rhs = try r.string("rhs")
        guard (matrix == nil) == (rhs == nil) else {
            throw r.error(matrix == nil ? "matrix" : "rhs", "a matrices family's member needs both matrix and rhs")
        }
        guard !parameters.isEmpty else { throw r.error("parameters", "missing: parameters = { mu1 = …, … }") }
        try r.finish()
    }

    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["model"] = .string(model)
        var p = ConfigTable()
        for k in parameters.keys.sorted() { p[k] = .double(parameters[k]!) }
        t["parameters"] = .table(p)
        if let matrix, let rhs { t["matrix"] = .string(matrix); t["rhs"] = .string(rhs) }
        return t
    }
}

extension ReducedBasisSpec {
    /// Thermal block: the Q + 2 stiffness matrices (terms, X, A(μ)), two CHOLMOD factors (at
    /// least 20 entries per row on a 2D grid), the basis and the Q Riesz representers per
    /// vector. A pde family adds the training matrices and right-hand sides and the EIM's copy
    /// of them (K × (nonzeros + n), twice) and has up to `eim.max_terms` terms.
    public func memoryEstimate(_ solver: SolverSpec) throws -> MemoryEstimate? {
        let f = MemoryEstimate.format
        if family == .matrices {
            // The members are held as CSR (12 bytes per entry) and the EIM copies their values
            // twice (16 more); a Matrix Market line is at most ~70 bytes, so each byte of the
            // files is at least 0.4 bytes in memory.
            let bytes = (matrixTraining + matrixTests).reduce(0.0) { total, c in
                total + ((try? FileManager.default.attributesOfItem(atPath: c.matrix.path)[.size] as? NSNumber)?.doubleValue ?? 0)
            }
            return MemoryEstimate(bytes: 0.4 * bytes, detail: "the members' matrices and their EIM \(f(0.4 * bytes))",
                                  key: ["reduced_basis", "matrices", "training"])
        }
        if let pde {
            let n = Double(pde.grid.count), nnz = n * Double(2 * pde.grid.dimension + 1), k = Double(training.count)
            let q = Double(eimMaxTerms)
            let training = k * (12 * nnz + 8 * n) + 2 * 8 * k * (nnz + n)
            let terms = q * 12 * nnz, factors = 2 * 12 * 20 * n, vectors = (q + 1) * 8 * n * Double(maxSize)
            return MemoryEstimate(bytes: training + terms + factors + vectors,
                                  detail: "training matrices and their EIM \(f(training)), EIM terms \(f(terms)), factors \(f(factors)), "
                                      + "basis and Riesz representers \(f(vectors))",
                                  key: ["reduced_basis", "training"])
        }
        let n = Double(grid * grid), q = Double(blocks[0] * blocks[1])
        let matrices = (q + 2) * 12 * 5 * n, factors = 2 * 12 * 20 * n, vectors = (q + 1) * 8 * n * Double(maxSize)
        return MemoryEstimate(bytes: matrices + factors + vectors,
                              detail: "matrices \(f(matrices)), factors \(f(factors)), basis and Riesz representers \(f(vectors))",
                              key: ["reduced_basis", "grid"])
    }
}

extension ReducedBasisSpec {
    /// The rest of `init` for family "matrices": the listings, the parameters they name, μ̄
    /// (a training member: X = A(μ̄) must be a matrix pdekit has), and the coercivity expression.
    mutating func readMatrices(_ m: TableReader, _ r: TableReader) throws {
        guard let training = try m.string("training") else {
            throw m.error("training", "missing: a CSV file with a header row (the parameters, then matrix and rhs) and one row per training member")
        }
        let (names, members) = try Self.listing(m, "training", training)
        var tests: [MatrixCase] = []
        if let test = try m.string("test") {
            let (testNames, rows) = try Self.listing(m, "test", test)
            guard testNames == names else { throw m.error("test", "\(test) lists the parameters \(testNames), the training listing \(names)") }
            tests = rows
            listings.append(test)
        }
        listings.insert(training, at: 0)
        guard let source = try m.string("coercivity") else {
            throw m.error("coercivity", "missing: a lower bound of the coercivity constant relative to X = A(μ̄), as an expression of "
                + "\(names.joined(separator: ", ")) (e.g. \"min(\(names.joined(separator: ", ")))\" for a min-θ family); "
                + "pdekit cannot derive it from matrices alone")
        }
        do { coercivity = try Expression(source, variables: names) } catch let e as ExpressionError { throw m.error("coercivity", e.description) }
        try m.finish()
        parameterNames = names
        matrixTraining = members; matrixTests = tests
        self.training = members.map(\.parameters)
        for c in members + tests {
            for url in [c.matrix, c.rhs] {
                let relative = url.path.hasPrefix(document.directory.path + "/")
                    ? String(url.path.dropFirst(document.directory.path.count + 1)) : url.path
                if !listedFiles.contains(relative) { listedFiles.append(relative) }
            }
        }
        if let v = r.value("reference") {
            let mu: [Double]
            switch v {
            case .table(let byName):
                mu = try names.map { name -> Double in
                    guard let x = byName[name]?.number else { throw r.error("reference", "missing \(name)") }
                    return x
                }
                if let extra = byName.keys.first(where: { !names.contains($0) }) {
                    throw r.error("reference", "\(extra) is not a parameter of the listing (\(names.joined(separator: ", ")))")
                }
            case .array(let a) where a.count == names.count && a.allSatisfy({ $0.number != nil }):
                mu = a.compactMap(\.number)   // the record's form: one value per parameter, in order
            default:
                throw r.error("reference", "expected a table of the parameters, e.g. reference = { \(names[0]) = … }, matching a training member")
            }
            guard self.training.contains(mu) else {
                throw r.error("reference", "\(mu) is not a training member: X = A(μ̄) must be one of the listed matrices")
            }
            reference = mu
        } else { reference = self.training[0] }
    }

    /// Reads a family listing: header (parameter names, then `matrix` and `rhs`), one row per
    /// member; the file names are relative to the listing's folder.
    static func listing(_ m: TableReader, _ key: String, _ path: String) throws -> ([String], [MatrixCase]) {
        let url = m.document.resolve(path)
        let records: [[String]]
        do { records = try CSV.read(url).records } catch let e as StorageError { throw m.error(key, "\(path): \(e.description)") }
        guard let header = records.first?.map({ $0.trimmingCharacters(in: .whitespaces) }), header.count >= 3,
              header.suffix(2) == ["matrix", "rhs"] else {
            throw m.error(key, "\(path): the header must name the parameters, then matrix and rhs (e.g. mu1,mu2,matrix,rhs)")
        }
        let names = Array(header.dropLast(2))
        guard Set(names).count == names.count,
              names.allSatisfy({ n in
                  !n.isEmpty && (n.first!.isLetter || n.first == "_") && n.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
              }) else {
            throw m.error(key, "\(path): parameter names must be distinct identifiers, got \(names)")
        }
        let folder = url.deletingLastPathComponent()
        var members: [MatrixCase] = []
        for (i, row) in records.dropFirst().enumerated() where !(row.count == 1 && row[0].trimmingCharacters(in: .whitespaces).isEmpty) {
            guard row.count == header.count else { throw m.error(key, "\(path): row \(i + 1) has \(row.count) fields, the header \(header.count)") }
            let values = try names.indices.map { j -> Double in
                guard let x = Double(row[j].trimmingCharacters(in: .whitespaces)), x.isFinite else {
                    throw m.error(key, "\(path): row \(i + 1): \(names[j]) = '\(row[j])' is not a finite number")
                }
                return x
            }
            let files = row.suffix(2).map { field -> URL in
                let name = field.trimmingCharacters(in: .whitespaces)
                return (name.hasPrefix("/") ? URL(fileURLWithPath: name) : folder.appendingPathComponent(name)).standardizedFileURL
            }
            members.append(MatrixCase(parameters: values, matrix: files[0], rhs: files[1], line: i + 1))
        }
        guard !members.isEmpty else { throw m.error(key, "\(path): no members listed") }
        guard members.count <= 10_000 else { throw m.error(key, "\(path): \(members.count) members; at most 10⁴") }
        return (names, members)
    }
}
