import Foundation
import LinearAlgebra
import Problems
import ReducedBasis
import Spectral
import Storage

/// `kind = "reduced_basis"`: the offline stage. Builds the family (`ReducedBasisFamilies`: the
/// thermal block, or a `[pde]` made affine by nonintrusive EIM), runs the weak greedy with the
/// residual bound, checks the model on random test parameters against truth solves (error,
/// bound, effectivity), and writes the reduced model as NPY arrays that a `reduced_model`
/// problem loads: rb_manifest.npy ([format 2, family (1 thermal block: bx, by, grid; 2 pde:
/// parameters, dimension, unknowns), N, Q_a, Q_f]), rb_reference.npy, rb_basis.npy (N × grid
/// shape), rb_operators.npy (Q_a × N × N), rb_loads.npy (Q_f × N), rb_residual.npy (the Riesz
/// representers in an X-orthonormal basis, R × (Q_f + N·Q_a)); a pde family adds
/// rb_matrix_eim.npy and rb_load_eim.npy (the EIM entries and Q[P, :]); test_parameters.npy,
/// test_errors.npy, test_bounds.npy; history.csv (the greedy).
public struct ReducedBasisStudy: Study {
    public init() {}
    public var kinds: [String] { ["reduced_basis"] }
    public var sweepColumns: [String] { ["basis_size", "max_test_error", "min_effectivity", "offline_seconds"] }

    public func check(_ spec: ProblemSpec) throws {
        guard let r = spec.physics as? ReducedBasisSpec else { throw RunError(.internal, "\(spec.document.path): not a reduced_basis problem") }
        if r.family == "pde" { try ReducedBasisFamilies.checkTraining(r) }
    }

    /// NumPy's C order for a column-major matrix.
    static func rowMajor(_ m: DenseMatrix) -> [Double] {
        var v = [Double](repeating: 0, count: m.rows * m.columns)
        for i in 0..<m.rows { for j in 0..<m.columns { v[i * m.columns + j] = m[i, j] } }
        return v
    }

    public func solve(_ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome {
        guard let r = spec.physics as? ReducedBasisSpec else { throw RunError(.internal, "\(spec.document.path): not a reduced_basis problem") }
        let start = Date()
        let family = try ReducedBasisFamilies.build(r)
        let problem = family.problem
        let greedy: (model: ReducedBasisModel, history: [ReducedBasisModel.GreedyStep], stopReason: String)
        do {
            greedy = try ReducedBasisModel.weakGreedy(problem, training: r.training, reference: r.reference, tolerance: r.tolerance,
                                                      maxSize: r.maxSize, measure: r.measure == .absolute ? .absolute : .relative,
                                                      innerProduct: family.innerProduct, truth: family.trainingTruth)
        } catch LinearAlgebraError.singular(let what) {
            // A reduced operator that is singular in double precision: the training set's
            // operators differ by more than the reference's norm can represent.
            throw spec.document.error(["reduced_basis", "training"], "a reduced system of the greedy is singular (\(what)): the training "
                + "parameters make the operator vanish against the reference's norm; narrow the range or move the reference into it")
        }
        let (model, history, stop) = greedy
        let offline = Date().timeIntervalSince(start)
        // Test set: uniform in the training set's box.
        let q = r.reference.count
        let lo = (0..<q).map { k in r.training.map { $0[k] }.min()! }, hi = (0..<q).map { k in r.training.map { $0[k] }.max()! }
        var rng = Xoshiro256StarStar(seed: UInt64(r.testSeed))
        let tests = family.tests ?? (0..<r.testSamples).map { _ in (0..<q).map { lo[$0] + (hi[$0] - lo[$0]) * rng.uniform() } }
        let x = family.innerProduct
        // A nonintrusive family's reduced basis approximates (and bounds the error of) the EIM
        // model's solution u_M; its distance to the truth u is the EIM's share, reported apart.
        var errors: [Double] = [], bounds: [Double] = [], affineErrors: [Double] = [], modelErrors: [Double] = [], eimErrors: [Double] = []
        var onlineSeconds = 0.0, truthSeconds = 0.0
        func energy(_ v: [Double]) -> Double { zip(v, x.apply(v)).reduce(0) { $0 + $1.0 * $1.1 }.squareRoot() }
        for mu in tests {
            let t0 = Date()
            let (u, a) = try family.truth(mu)
            let t1 = Date()
            let (c, bound) = try model.solveReduced(mu)
            onlineSeconds += Date().timeIntervalSince(t1); truthSeconds += t1.timeIntervalSince(t0)
            let un = model.reconstruct(c)
            let unorm = energy(u)
            errors.append(energy(zip(u, un).map { $0 - $1 }) / unorm); bounds.append(bound / unorm)
            if let affineError = family.affineError { affineErrors.append(try affineError(a)) }
            if let affineSolution = family.affineSolution {
                let um = try affineSolution(mu)
                modelErrors.append(energy(zip(um, un).map { $0 - $1 }) / unorm)
                eimErrors.append(energy(zip(u, um).map { $0 - $1 }) / unorm)
            }
        }
        // Effectivity: the bound over the error it bounds (the EIM model's for a pde family).
        // Below 1e-9 of ‖u‖ the bound is at the rounding floor of its residual basis (vectors in
        // the span to 1e-10 are dropped): a ratio there measures rounding, not the bound.
        let effectivities = zip(bounds, modelErrors.isEmpty ? errors : modelErrors).compactMap { $1 > 1e-9 ? $0 / $1 : nil }
        let minEffectivity = effectivities.min() ?? .nan
        let maxError = errors.max() ?? .nan
        let n = model.size
        var arrays: [NamedArray] = []
        let residual = model.residualCoefficients
        arrays.append(NamedArray(name: "rb_manifest", shape: [8], values: family.manifest(n)))
        arrays.append(NamedArray(name: "rb_reference", shape: [q], values: r.reference))
        // Basis vectors as rows: vector j is rb_basis[j] on the grid.
        arrays.append(NamedArray(name: "rb_basis", shape: [n] + family.shape, values: model.basis.values))
        arrays.append(NamedArray(name: "rb_operators", shape: [problem.operators.count, n, n], values: model.reducedOperators.flatMap(Self.rowMajor)))
        arrays.append(NamedArray(name: "rb_loads", shape: [problem.loads.count, n], values: model.reducedLoads.flatMap { $0 }))
        arrays.append(NamedArray(name: "rb_residual", shape: [residual.rows, residual.columns], values: Self.rowMajor(residual)))
        arrays += family.arrays
        if !tests.isEmpty {
            arrays.append(NamedArray(name: "test_parameters", shape: [tests.count, q], values: tests.flatMap { $0 }))
            arrays.append(NamedArray(name: "test_errors", shape: [tests.count], values: errors))
            arrays.append(NamedArray(name: "test_bounds", shape: [tests.count], values: bounds))
            if !eimErrors.isEmpty {
                arrays.append(NamedArray(name: "test_model_errors", shape: [tests.count], values: modelErrors))
                arrays.append(NamedArray(name: "test_eim_errors", shape: [tests.count], values: eimErrors))
            }
        }
        var table = CSVTable(header: ["basis_size", "chosen_parameter_index", "max_bound", "max_relative_bound"] + r.parameterNames)
        for h in history {
            table.append(["\(h.size)", "\(h.parameterIndex)", CSV.format(h.maxBound), CSV.format(h.maxRelativeBound)] + r.training[h.parameterIndex].map(CSV.format))
        }
        var result = ConfigTable()
        result["basis_size"] = .integer(n)
        result["greedy_stop"] = .string(stop)
        result["training_size"] = .integer(r.training.count)
        result["unknowns"] = .integer(problem.size)
        result["max_relative_bound_training"] = .double(history.last?.maxRelativeBound ?? .nan)
        result["offline_seconds"] = .double(offline)
        for k in family.result.keys { result[k] = family.result[k] }
        if !tests.isEmpty {
            result["test_size"] = .integer(tests.count)
            result["max_test_error"] = .double(maxError)
            result["max_test_bound"] = .double(bounds.max()!)
            result["min_effectivity"] = .double(minEffectivity)
            result["online_seconds_per_solve"] = .double(onlineSeconds / Double(tests.count))
            result["truth_seconds_per_solve"] = .double(truthSeconds / Double(tests.count))
            if let worst = affineErrors.max() { result["eim_matrix_test_error"] = .double(worst) }
            if let worst = modelErrors.max() { result["max_test_model_error"] = .double(worst) }
            if let worst = eimErrors.max() { result["max_test_eim_error"] = .double(worst) }
        }
        var details = ConfigTable()
        details["error_norm"] = .string("energy norm at the reference parameter, relative to the truth's")
        details["bound"] = .string(r.family == "thermal_block" ? "residual dual norm over the min-theta coercivity lower bound"
            : "residual dual norm of the EIM-affine model over the coercivity lower bound (a pde family: the nodal ratio; a matrices family: the file's coercivity expression): it bounds the reduced solution's distance to the EIM model's solution (max_test_model_error; min_effectivity is against it); the EIM model differs from the truth by max_test_eim_error, which the bound does not see")
        let reachedTolerance = (history.last?.maxRelativeBound ?? .infinity) <= r.tolerance
        // Converged when the greedy reached its tolerance; a bound below an error would be a defect.
        let reason: ConvergenceReason = (!effectivities.isEmpty && minEffectivity < 1 - 1e-6) ? .diverged_breakdown
            : (reachedTolerance ? .converged_rtol : .diverged_max_iterations)
        let summary = "\(n) basis vectors (\(stop)), offline \(String(format: "%.2f", offline)) s" + (tests.isEmpty ? "" :
            ", test max error \(String(format: "%.2e", maxError)), min effectivity \(String(format: "%.2f", minEffectivity)), online \(String(format: "%.1f", onlineSeconds / Double(tests.count) * 1e6)) µs vs truth \(String(format: "%.1f", truthSeconds / Double(tests.count) * 1e3)) ms")
        let detail = reason == .diverged_breakdown ? "the error bound fell below the true error (effectivity \(minEffectivity))"
            : "the greedy stopped at max_size = \(r.maxSize) with a relative bound of \(history.last?.maxRelativeBound ?? .nan) > tolerance \(r.tolerance)"
        var outcome = StudyOutcome(reason: reason, arrays: arrays, history: table, result: result,
                                   tables: [("reduced_basis_details", details)], summary: summary, notConvergedDetail: detail,
                                   sweepValues: ["basis_size": "\(n)", "max_test_error": CSV.format(maxError),
                                                 "min_effectivity": CSV.format(minEffectivity), "offline_seconds": CSV.format(offline)])
        // The model a reduced_model run loads, each array with its digest.
        outcome.checksummed = arrays.map(\.name).filter { $0.hasPrefix("rb_") }
        return outcome
    }
}

/// `kind = "reduced_model"`: loads the arrays a reduced_basis run wrote (kept in memory for the
/// next case of a sweep) and solves the N × N reduced system at the given parameters: the
/// solution on the grid (solution.npy) and the error bound in the record.
public struct ReducedModelStudy: Study {
    public init() {}
    public var kinds: [String] { ["reduced_model"] }
    public var sweepColumns: [String] { ["compliance", "compliance_bound", "bound", "relative_bound", "online_seconds"] }

    public func stackShape(_ spec: ProblemSpec) throws -> [Int]? {
        guard let r = spec.physics as? ReducedModelSpec else { return nil }
        return try Self.load(r, spec).shape
    }

    public func check(_ spec: ProblemSpec) throws {
        guard let r = spec.physics as? ReducedModelSpec else { throw RunError(.internal, "\(spec.document.path): not a reduced_model problem") }
        let loaded = try Self.load(r, spec)
        let mu = try Self.parameters(r, loaded: loaded, spec)
        // A family evaluated at the parameters (θ, φ and α_LB from the rows at the EIM entries)
        // fails there as run would (an inclusion of width 0 has no coefficient); N × N, cheap.
        if loaded.members == nil { _ = try Self.solveFamily(loaded, mu, spec) }
    }

    /// The reduced solve of a family model at μ; the family's own assembly failing at μ is the
    /// parameters' fault and says so (it named a `coefficient` key the file does not have).
    static func solveFamily(_ loaded: Loaded, _ mu: [Double], _ spec: ProblemSpec) throws
        -> (coefficients: [Double], bound: Double, compliance: Double, complianceBound: Double) {
        do { return try loaded.model.solveWithCompliance(mu) } catch let e as AssemblyError {
            let at = zip(loaded.names, mu).map { "\($0) = \($1)" }.joined(separator: ", ")
            throw spec.document.error(["reduced_model", "parameters"], "at \(at) the model's family is not defined: its \(e.key) \(e.message)")
        }
    }

    struct Loaded: Sendable {
        var model: ReducedBasisModel; var shape: [Int]; var names: [String]; var positive: Bool
        /// A matrices family: θ, φ and α_LB from the new member's files and the coercivity expression.
        var members: MemberCoefficients?
    }

    /// A matrices family's online half: θ and φ from the new member's files at the EIM entries,
    /// α_LB from the file's coercivity expression.
    struct MemberCoefficients: Sendable {
        var interpolation: InterpolationEntries
        var coercivity: Problems.Expression
    }
    nonisolated(unsafe) static var cache: [String: Loaded] = [:]
    static let lock = NSLock()

    static func load(_ r: ReducedModelSpec, _ spec: ProblemSpec) throws -> Loaded {
        let key = r.modelURL.standardizedFileURL.path
        lock.lock(); let hit = cache[key]; lock.unlock()
        if let hit { return hit }
        func fail(_ message: String) -> ProblemError { spec.document.error(["reduced_model", "model"], "\(r.model): \(message)") }
        // Every array against its digest in checksums.sha256: a changed array (zeroed,
        // transposed, a row dropped) passes the shape and range checks below.
        let digests: [String: String]?
        do { digests = try ModelChecksums.read(in: r.modelURL) } catch {
            throw fail("\(ModelChecksums.fileName): \(oneLine(String(describing: error)))")
        }
        func read(_ name: String) throws -> NPYArray {
            let outcome: Result<NPYArray, ModelChecksums.Mismatch>
            do { outcome = try ModelChecksums.readVerified(name + ".npy", in: r.modelURL, digests: digests) } catch {
                throw fail("\(name).npy: \(oneLine(String(describing: error)))")
            }
            switch outcome {
            case .success(let array): return array
            case .failure(let mismatch): throw fail("\(mismatch.message); build the model again with pdekit run on its problem file")
            }
        }
        let manifest = try read("rb_manifest")
        // Every entry a small whole number before any conversion or allocation (a damaged
        // manifest must be an error, not a trap or a huge allocation).
        let family = manifest.values.count == 8 ? manifest.values[1] : 0
        if manifest.values.first == 1 {
            throw fail("a model of an earlier pdekit (format 1, Gram matrices of the residual); build it again with pdekit run on its problem file")
        }
        let limits: [Double] = family == 1 ? [2, 1, 4, 4, 2001, 500, 16, 16] : [2, 3, 64, 3, Double(Int32.max), 500, 500, 500]
        guard manifest.values.count == 8, manifest.values[0] == 2, family >= 1, family <= 3, family != 3 || manifest.values[3] == 0,
              family != 2 || manifest.values[3] >= 1,
              zip(manifest.values, limits).enumerated().allSatisfy({ i, p in p.0.isFinite && (p.0 >= 1 || (i == 3 && family == 3)) && p.0 <= p.1 && p.0.rounded() == p.0 }) else {
            throw fail("rb_manifest.npy is not a format-2 reduced model (8 whole numbers within their ranges)")
        }
        let v = manifest.values.map { Int($0) }
        let (n, qa, qf) = (v[5], v[6], v[7])
        let basis = try read("rb_basis"), ops = try read("rb_operators"), loads = try read("rb_loads")
        let residual = try read("rb_residual"), reference = try read("rb_reference")
        // Every stored number finite, and the reduced quantities far from overflow (their
        // products and the N × N solve would otherwise turn them into NaN inside LAPACK).
        for (name, array, limit) in [("rb_basis", basis, Double.greatestFiniteMagnitude), ("rb_operators", ops, 1e150), ("rb_loads", loads, 1e150),
                                     ("rb_residual", residual, 1e150), ("rb_reference", reference, 1e150)]
            where !array.values.allSatisfy({ $0.isFinite && abs($0) <= limit }) {
            throw fail("\(name).npy holds a value that is not finite\(limit < .greatestFiniteMagnitude ? " or beyond 1e150" : ""): a damaged model; build it again")
        }
        let unknowns = family == 1 ? v[4] * v[4] : v[4]
        let parameters = family == 1 ? v[2] * v[3] : v[2]
        guard basis.values.count == n * unknowns, ops.values.count == qa * n * n, loads.values.count == qf * n,
              family != 1 || qa == parameters, reference.values.count == parameters, residual.shape.count == 2,
              residual.shape[1] == qf + n * qa, residual.shape[0] <= qf + n * qa, residual.values.allSatisfy(\.isFinite) else {
            throw fail("the model's arrays do not match its manifest (\(n) vectors, \(qa) terms)")
        }
        func matrix(_ a: [Double], _ rows: Int, _ columns: Int) -> DenseMatrix {
            var d = DenseMatrix(rows: rows, columns: columns)
            for i in 0..<rows { for j in 0..<columns { d[i, j] = a[i * columns + j] } }
            return d
        }
        let parts = (basis: DenseMatrix(rows: unknowns, columns: n, values: basis.values),
                     operators: (0..<qa).map { matrix(Array(ops.values[($0 * n * n)..<(($0 + 1) * n * n)]), n, n) },
                     loads: (0..<qf).map { Array(loads.values[($0 * n)..<(($0 + 1) * n)]) },
                     residual: matrix(residual.values, residual.shape[0], qf + n * qa))
        let loaded: Loaded
        if family == 1 {
            // Each term A_q is positive semidefinite, so V ᵀA_q V has a nonnegative diagonal: a
            // model whose operators break that was damaged (a negated array is finite and
            // would give a negative compliance).
            for (q, a) in parts.operators.enumerated() where (0..<n).contains(where: { a[$0, $0] < 0 }) {
                throw fail("rb_operators.npy term \(q + 1) has a negative diagonal entry; the thermal block's terms are positive semidefinite: a damaged model")
            }
            let model = try ReducedBasisModel(basis: parts.basis, reducedOperators: parts.operators, reducedLoads: parts.loads, residual: parts.residual,
                                              reference: reference.values, operatorCoefficients: { $0 }, loadCoefficients: { _ in [1] })
            loaded = Loaded(model: model, shape: [v[4], v[4]], names: (1...qa).map { "mu\($0)" }, positive: true)
        } else {
            loaded = try loadNonintrusive(r, spec, family: Int(family), parts: parts, reference: reference.values, unknowns: unknowns, parameters: parameters,
                                          eimA: try read("rb_matrix_eim"), eimF: try read("rb_load_eim"), fail: fail)
        }
        lock.lock(); cache[key] = loaded; lock.unlock()
        return loaded
    }

    /// A nonintrusive family's online half: its [reduced_basis] table from the model's run.toml,
    /// the EIM entries and points with their matrices Q[P, :]. A pde family's θ(μ) and φ(μ) come
    /// from the rows at those entries only and α_LB(μ) from the nodal ratio; a matrices
    /// family's from the new member's files and the coercivity expression (`members`).
    static func loadNonintrusive(_ r: ReducedModelSpec, _ spec: ProblemSpec, family: Int,
                              parts: (basis: DenseMatrix, operators: [DenseMatrix], loads: [[Double]], residual: DenseMatrix),
                              reference: [Double], unknowns: Int, parameters: Int, eimA: NPYArray, eimF: NPYArray,
                              fail: (String) -> ProblemError) throws -> Loaded {
        let record = r.modelURL.appendingPathComponent("run.toml").path
        let offline: ReducedBasisSpec
        do {
            guard let o = try ProblemSpec(path: record).physics as? ReducedBasisSpec, o.family == (family == 2 ? "pde" : "matrices") else {
                throw fail("run.toml is not the record of this model's family")
            }
            offline = o
        } catch let e as ProblemError { throw fail("run.toml: \(oneLine(e.description))") }
        guard offline.pde.map({ $0.grid.count == unknowns }) ?? true, offline.parameterNames.count == parameters else {
            throw fail("run.toml does not describe the model's grid and parameters")
        }
        guard let interpolation = InterpolationEntries(matrixArray: eimA.values, loadArray: eimF.values, terms: parts.operators.count,
                                                       loadTerms: parts.loads.count, size: unknowns) else {
            throw fail("rb_matrix_eim.npy / rb_load_eim.npy do not match the model's \(parts.operators.count) and \(parts.loads.count) terms and \(unknowns) unknowns")
        }
        if family == 3, let coercivity = offline.coercivity {
            let model = try ReducedBasisModel(basis: parts.basis, reducedOperators: parts.operators, reducedLoads: parts.loads, residual: parts.residual,
                                              reference: reference,
                                              operatorCoefficients: { _ in throw LinearAlgebraError.invalidArgument("a matrices family's coefficients come from its member's files") },
                                              loadCoefficients: { _ in throw LinearAlgebraError.invalidArgument("a matrices family's coefficients come from its member's files") },
                                              coercivityLowerBound: CoercivityLowerBound(name: coercivity.source) { mu in mu.withUnsafeBufferPointer { coercivity.evaluate($0) } })
            return Loaded(model: model, shape: [unknowns], names: offline.parameterNames, positive: false,
                          members: MemberCoefficients(interpolation: interpolation, coercivity: coercivity))
        }
        guard let template = offline.pde else { throw fail("run.toml has no [reduced_basis.pde] table") }
        let rows = interpolation.rows
        let coefficients: @Sendable ([Double]) throws -> (beta: [Double], gamma: [Double]) = { mu in
            let a = try DiffusionAssembly.assemble(try offline.pde(at: mu), rows: rows)
            return try interpolation.coefficients(matrix: a.matrix, load: a.rhs)
        }
        let bound = ReducedBasisFamilies.coercivityBound(offline, referenceFields: try ReducedBasisFamilies.nodalFields(try offline.pde(at: reference)))
        let model = try ReducedBasisModel(basis: parts.basis, reducedOperators: parts.operators, reducedLoads: parts.loads, residual: parts.residual,
                                          reference: reference, operatorCoefficients: { try coefficients($0).beta },
                                          loadCoefficients: { try coefficients($0).gamma }, coercivityLowerBound: bound)
        return Loaded(model: model, shape: template.grid.shape, names: offline.parameterNames, positive: false)
    }

    static func parameters(_ r: ReducedModelSpec, loaded: Loaded, _ spec: ProblemSpec) throws -> [Double] {
        let names = loaded.names
        for k in r.parameters.keys where !names.contains(k) {
            throw spec.document.error(["reduced_model", "parameters", k], "not a parameter of this model (\(names.joined(separator: ", ")))")
        }
        return try names.map { name in
            guard let v = r.parameters[name] else {
                throw spec.document.error(["reduced_model", "parameters"], "missing \(name): this model has parameters \(names.joined(separator: ", "))")
            }
            guard !loaded.positive || v > 0 else { throw spec.document.error(["reduced_model", "parameters", name], "a conductivity must be positive, got \(v)") }
            return v
        }
    }

    public func solve(_ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome {
        guard let r = spec.physics as? ReducedModelSpec else { throw RunError(.internal, "\(spec.document.path): not a reduced_model problem") }
        let loaded = try Self.load(r, spec)
        let mu = try Self.parameters(r, loaded: loaded, spec)
        // A matrices family reads its new member's files (before the clock: pdekit does not
        // assemble them, the other code does).
        var member: (theta: [Double], phi: [Double])?
        if let members = loaded.members {
            guard let m = r.matrixURL, let f = r.rhsURL else {
                throw spec.document.error(["reduced_model", "matrix"], "missing: this model is of a matrices family; give the new member's matrix and rhs files")
            }
            do {
                let c = try members.interpolation.coefficients(matrix: try FamilyFiles.matrix(m), load: try FamilyFiles.vector(f))
                member = (c.beta, c.gamma)
            } catch let e as FamilyFiles.Failure {
                throw spec.document.error(["reduced_model", "matrix"], e.message)
            } catch let e as LinearAlgebraError {
                throw spec.document.error(["reduced_model", "matrix"], "\(m.lastPathComponent): \(e.description)")
            }
        } else if r.matrix != nil {
            throw spec.document.error(["reduced_model", "matrix"], "only for a model of a matrices family; this model evaluates its family at the parameters")
        }
        let t0 = Date()
        let (c, bound, compliance, complianceBound) = try member.map { m in
            try loaded.model.solveWithCompliance(theta: m.theta, phi: m.phi, alpha: mu.withUnsafeBufferPointer { loaded.members!.coercivity.evaluate($0) })
        } ?? Self.solveFamily(loaded, mu, spec)
        let online = Date().timeIntervalSince(t0)
        // One matrix–vector product: OpenBLAS's threads would spin between sweep cases. It
        // reads the whole basis (n × N, 6.6 MB at n = 51,529, N = 16), 80 % of a case's time,
        // so it is skipped when nothing will be written (a sweep without case folders).
        let u = context.writesArrays ? Parallel.withSerialBLAS(true) { loaded.model.reconstruct(c) } : []
        // ‖u_N‖_X = ‖c‖ (the basis is X-orthonormal).
        let relative = bound / max(c.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-300)
        var result = ConfigTable()
        result["basis_size"] = .integer(loaded.model.size)
        result["compliance"] = .double(compliance)
        result["compliance_bound"] = .double(complianceBound)
        result["compliance_definition"] = .string("f(u) = the load functional at the solution; 0 <= s - s_N <= compliance_bound")
        result["bound"] = .double(bound)
        result["relative_bound"] = .double(relative)
        result["online_seconds"] = .double(online)
        var p = ConfigTable()
        for (k, v) in zip(loaded.names, mu) { p[k] = .double(v) }
        return StudyOutcome(reason: bound.isFinite && c.allSatisfy(\.isFinite) ? .converged_direct : .diverged_nan,
                            arrays: (context.writesArrays ? [NamedArray(name: "solution", shape: loaded.shape, values: u)] : [])
                                + [NamedArray(name: "coefficients", shape: [c.count], values: c)],
                            result: result, tables: [("parameters", p)],
                            summary: "N = \(loaded.model.size), relative error bound \(String(format: "%.2e", relative)), online \(String(format: "%.1f", online * 1e6)) µs",
                            notConvergedDetail: "the error bound is not finite (a parameter outside the model's coercive range?)",
                            sweepValues: ["compliance": CSV.format(compliance), "compliance_bound": CSV.format(complianceBound),
                                          "bound": CSV.format(bound), "relative_bound": CSV.format(relative), "online_seconds": CSV.format(online)])
    }
}
