import Foundation
import LinearAlgebra
import Problems
import ReducedBasis
import Spectral
import Storage

/// `kind = "reduced_basis"`: the offline stage. Builds the family (the thermal block), runs the
/// weak greedy with the min-θ residual bound, checks the model on random test parameters against
/// truth solves (error, bound, effectivity), and writes the reduced model as NPY arrays that a
/// `reduced_model` problem loads: rb_manifest.npy ([format 1, family 1 = thermal block, bx, by,
/// grid, N, Q_a, Q_f]), rb_reference.npy, rb_basis.npy (N × grid × grid), rb_operators.npy
/// (Q_a × N × N), rb_loads.npy (Q_f × N) and the Riesz Gram matrices rb_ff.npy, rb_fl.npy,
/// rb_ll.npy; test_parameters.npy, test_errors.npy, test_bounds.npy; history.csv (the greedy).
public struct ReducedBasisStudy: Study {
    public init() {}
    public var kinds: [String] { ["reduced_basis"] }
    public var sweepColumns: [String] { ["basis_size", "max_test_error", "min_effectivity", "offline_seconds"] }

    public func check(_ spec: ProblemSpec) throws {
        guard spec.physics is ReducedBasisSpec else { throw RunError(.internal, "\(spec.document.path): not a reduced_basis problem") }
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
        let problem = try ThermalBlock.problem(m: r.grid, blocksX: r.blocks[0], blocksY: r.blocks[1])
        let (model, history, stop) = try ReducedBasisModel.weakGreedy(problem, training: r.training, reference: r.reference, tolerance: r.tolerance,
                                                                     maxSize: r.maxSize, measure: r.measure == .absolute ? .absolute : .relative)
        let offline = Date().timeIntervalSince(start)
        // Test set: uniform in the training set's box.
        let q = r.reference.count
        let lo = (0..<q).map { k in r.training.map { $0[k] }.min()! }, hi = (0..<q).map { k in r.training.map { $0[k] }.max()! }
        var rng = Xoshiro256StarStar(seed: UInt64(r.testSeed))
        let tests = (0..<r.testSamples).map { _ in (0..<q).map { lo[$0] + (hi[$0] - lo[$0]) * rng.uniform() } }
        let x = try problem.matrix(r.reference)
        var errors: [Double] = [], bounds: [Double] = [], onlineSeconds = 0.0, truthSeconds = 0.0
        if !tests.isEmpty {
            let truth = try CholeskyFactorization(try problem.matrix(tests[0]))
            func energy(_ v: [Double]) -> Double { zip(v, x.apply(v)).reduce(0) { $0 + $1.0 * $1.1 }.squareRoot() }
            for mu in tests {
                let t0 = Date()
                try truth.refactor(values: try problem.matrix(mu).values)
                let u = truth.solve(problem.load(mu))
                let t1 = Date()
                let (c, bound) = try model.solveReduced(mu)
                onlineSeconds += Date().timeIntervalSince(t1); truthSeconds += t1.timeIntervalSince(t0)
                let e = zip(u, model.reconstruct(c)).map { $0 - $1 }
                let unorm = energy(u)
                errors.append(energy(e) / unorm); bounds.append(bound / unorm)
            }
        }
        let effectivities = zip(bounds, errors).compactMap { $1 > 0 ? $0 / $1 : nil }
        let minEffectivity = effectivities.min() ?? .nan
        let maxError = errors.max() ?? .nan
        let n = model.size, m = r.grid
        var arrays: [NamedArray] = []
        let (ff, fl, ll) = model.rieszGram
        arrays.append(NamedArray(name: "rb_manifest", shape: [8], values: [1, 1, Double(r.blocks[0]), Double(r.blocks[1]), Double(m), Double(n),
                                                                           Double(problem.operators.count), Double(problem.loads.count)]))
        arrays.append(NamedArray(name: "rb_reference", shape: [q], values: r.reference))
        // Basis vectors as rows: vector j is rb_basis[j] on the grid.
        arrays.append(NamedArray(name: "rb_basis", shape: [n, m, m], values: model.basis.values))
        arrays.append(NamedArray(name: "rb_operators", shape: [problem.operators.count, n, n], values: model.reducedOperators.flatMap(Self.rowMajor)))
        arrays.append(NamedArray(name: "rb_loads", shape: [problem.loads.count, n], values: model.reducedLoads.flatMap { $0 }))
        arrays.append(NamedArray(name: "rb_ff", shape: [ff.rows, ff.columns], values: Self.rowMajor(ff)))
        arrays.append(NamedArray(name: "rb_fl", shape: [fl.rows, fl.columns], values: Self.rowMajor(fl)))
        arrays.append(NamedArray(name: "rb_ll", shape: [ll.rows, ll.columns], values: Self.rowMajor(ll)))
        if !tests.isEmpty {
            arrays.append(NamedArray(name: "test_parameters", shape: [tests.count, q], values: tests.flatMap { $0 }))
            arrays.append(NamedArray(name: "test_errors", shape: [tests.count], values: errors))
            arrays.append(NamedArray(name: "test_bounds", shape: [tests.count], values: bounds))
        }
        var table = CSVTable(header: ["basis_size", "chosen_parameter_index", "max_bound", "max_relative_bound"] + r.parameterNames)
        for h in history {
            table.append(["\(h.size)", "\(h.parameterIndex)", CSV.format(h.maxBound), CSV.format(h.maxRelativeBound)] + r.training[h.parameterIndex].map(CSV.format))
        }
        var result = ConfigTable()
        result["basis_size"] = .integer(n)
        result["greedy_stop"] = .string(stop)
        result["training_size"] = .integer(r.training.count)
        result["unknowns"] = .integer(m * m)
        result["max_relative_bound_training"] = .double(history.last?.maxRelativeBound ?? .nan)
        result["offline_seconds"] = .double(offline)
        if !tests.isEmpty {
            result["test_size"] = .integer(tests.count)
            result["max_test_error"] = .double(maxError)
            result["max_test_bound"] = .double(bounds.max()!)
            result["min_effectivity"] = .double(minEffectivity)
            result["online_seconds_per_solve"] = .double(onlineSeconds / Double(tests.count))
            result["truth_seconds_per_solve"] = .double(truthSeconds / Double(tests.count))
        }
        var details = ConfigTable()
        details["error_norm"] = .string("energy norm at the reference parameter, relative to the truth's")
        details["bound"] = .string("residual dual norm over the min-theta coercivity lower bound")
        let reachedTolerance = (history.last?.maxRelativeBound ?? .infinity) <= r.tolerance
        // Converged when the greedy reached its tolerance; a bound below an error would be a defect.
        let reason: ConvergenceReason = (!effectivities.isEmpty && minEffectivity < 1 - 1e-6) ? .diverged_breakdown
            : (reachedTolerance ? .converged_rtol : .diverged_max_iterations)
        let summary = "\(n) basis vectors (\(stop)), offline \(String(format: "%.2f", offline)) s" + (tests.isEmpty ? "" :
            ", test max error \(String(format: "%.2e", maxError)), min effectivity \(String(format: "%.2f", minEffectivity)), online \(String(format: "%.1f", onlineSeconds / Double(tests.count) * 1e6)) µs vs truth \(String(format: "%.1f", truthSeconds / Double(tests.count) * 1e3)) ms")
        let detail = reason == .diverged_breakdown ? "the error bound fell below the true error (effectivity \(minEffectivity))"
            : "the greedy stopped at max_size = \(r.maxSize) with a relative bound of \(history.last?.maxRelativeBound ?? .nan) > tolerance \(r.tolerance)"
        return StudyOutcome(reason: reason, arrays: arrays, history: table, result: result, tables: [("reduced_basis_details", details)],
                            summary: summary, notConvergedDetail: detail,
                            sweepValues: ["basis_size": "\(n)", "max_test_error": CSV.format(maxError), "min_effectivity": CSV.format(minEffectivity),
                                          "offline_seconds": CSV.format(offline)])
    }
}

/// `kind = "reduced_model"`: loads the arrays a reduced_basis run wrote (kept in memory for the
/// next case of a sweep) and solves the N × N reduced system at the given parameters: the
/// solution on the grid (solution.npy) and the error bound in the record.
public struct ReducedModelStudy: Study {
    public init() {}
    public var kinds: [String] { ["reduced_model"] }
    public var sweepColumns: [String] { ["compliance", "compliance_bound", "bound", "relative_bound", "online_seconds"] }

    public func check(_ spec: ProblemSpec) throws {
        guard let r = spec.physics as? ReducedModelSpec else { throw RunError(.internal, "\(spec.document.path): not a reduced_model problem") }
        let loaded = try Self.load(r, spec)
        _ = try Self.parameters(r, names: loaded.names, spec)
    }

    struct Loaded: Sendable { var model: ReducedBasisModel; var grid: Int; var names: [String] }
    nonisolated(unsafe) static var cache: [String: Loaded] = [:]
    static let lock = NSLock()

    static func load(_ r: ReducedModelSpec, _ spec: ProblemSpec) throws -> Loaded {
        let key = r.modelURL.standardizedFileURL.path
        lock.lock(); let hit = cache[key]; lock.unlock()
        if let hit { return hit }
        func read(_ name: String) throws -> NPYArray {
            do { return try NPY.read(r.modelURL.appendingPathComponent(name + ".npy")) } catch {
                throw spec.document.error(["reduced_model", "model"], "\(r.model): \(name).npy: \(oneLine(String(describing: error)))")
            }
        }
        let manifest = try read("rb_manifest")
        // Every entry a small whole number before any conversion or allocation (a damaged
        // manifest must be an error, not a trap or a huge allocation).
        let limits: [Double] = [1, 1, 4, 4, 2001, 500, 16, 16]
        guard manifest.values.count == 8, manifest.values[0] == 1, manifest.values[1] == 1,
              zip(manifest.values, limits).allSatisfy({ $0.isFinite && $0 >= 1 && $0 <= $1 && $0.rounded() == $0 }) else {
            throw spec.document.error(["reduced_model", "model"], "\(r.model): rb_manifest.npy is not a format-1 thermal-block model (8 whole numbers within their ranges)")
        }
        let v = manifest.values.map { Int($0) }
        let (bx, by, m, n, qa, qf) = (v[2], v[3], v[4], v[5], v[6], v[7])
        let basis = try read("rb_basis"), ops = try read("rb_operators"), loads = try read("rb_loads")
        let ff = try read("rb_ff"), fl = try read("rb_fl"), ll = try read("rb_ll"), reference = try read("rb_reference")
        guard basis.values.count == n * m * m, ops.values.count == qa * n * n, loads.values.count == qf * n, qa == bx * by,
              reference.values.count == qa, ff.values.count == qf * qf, fl.values.count == qf * n * qa, ll.values.count == n * qa * n * qa else {
            throw spec.document.error(["reduced_model", "model"], "\(r.model): the model's arrays do not match its manifest (\(n) vectors, \(qa) terms)")
        }
        func matrix(_ a: [Double], _ rows: Int, _ columns: Int) -> DenseMatrix {
            var d = DenseMatrix(rows: rows, columns: columns)
            for i in 0..<rows { for j in 0..<columns { d[i, j] = a[i * columns + j] } }
            return d
        }
        let model = ReducedBasisModel(
            basis: DenseMatrix(rows: m * m, columns: n, values: basis.values),
            reducedOperators: (0..<qa).map { matrix(Array(ops.values[($0 * n * n)..<(($0 + 1) * n * n)]), n, n) },
            reducedLoads: (0..<qf).map { Array(loads.values[($0 * n)..<(($0 + 1) * n)]) },
            rieszGram: (matrix(ff.values, qf, qf), matrix(fl.values, qf, n * qa), matrix(ll.values, n * qa, n * qa)),
            reference: reference.values, operatorCoefficients: { $0 }, loadCoefficients: { _ in [1] })
        let loaded = Loaded(model: model, grid: m, names: (1...qa).map { "mu\($0)" })
        lock.lock(); cache[key] = loaded; lock.unlock()
        return loaded
    }

    static func parameters(_ r: ReducedModelSpec, names: [String], _ spec: ProblemSpec) throws -> [Double] {
        for k in r.parameters.keys where !names.contains(k) {
            throw spec.document.error(["reduced_model", "parameters", k], "not a parameter of this model (\(names.joined(separator: ", ")))")
        }
        return try names.map { name in
            guard let v = r.parameters[name] else {
                throw spec.document.error(["reduced_model", "parameters"], "missing \(name): this model has parameters \(names.joined(separator: ", "))")
            }
            guard v > 0 else { throw spec.document.error(["reduced_model", "parameters", name], "a conductivity must be positive, got \(v)") }
            return v
        }
    }

    public func solve(_ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome {
        guard let r = spec.physics as? ReducedModelSpec else { throw RunError(.internal, "\(spec.document.path): not a reduced_model problem") }
        let loaded = try Self.load(r, spec)
        let mu = try Self.parameters(r, names: loaded.names, spec)
        let t0 = Date()
        let (c, bound, compliance, complianceBound) = try loaded.model.solveWithCompliance(mu)
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
        return StudyOutcome(reason: bound.isFinite ? .converged_direct : .diverged_nan,
                            arrays: (context.writesArrays ? [NamedArray(name: "solution", shape: [loaded.grid, loaded.grid], values: u)] : [])
                                + [NamedArray(name: "coefficients", shape: [c.count], values: c)],
                            result: result, tables: [("parameters", p)],
                            summary: "N = \(loaded.model.size), relative error bound \(String(format: "%.2e", relative)), online \(String(format: "%.1f", online * 1e6)) µs",
                            notConvergedDetail: "the error bound is not finite (a parameter outside the model's coercive range?)",
                            sweepValues: ["compliance": CSV.format(compliance), "compliance_bound": CSV.format(complianceBound),
                                          "bound": CSV.format(bound), "relative_bound": CSV.format(relative), "online_seconds": CSV.format(online)])
    }
}
