import Solvers
import Configuration
import Foundation
import LinearAlgebra
import Problems
import ReducedBasis
import Spectral
import Storage

/// `kind = "reduced_basis"`: the offline stage. Builds the family (its entry in
/// `ReducedBasisFamilies`), runs the weak greedy with the residual bound, checks the model on
/// test parameters against truth solves (error, bound, effectivity), and writes the model as
/// the arrays of `ReducedModelArchive` that a `reduced_model` problem loads, with
/// test_parameters.npy, test_errors.npy, test_bounds.npy and history.csv (the greedy).
public struct ReducedBasisStudy: SectionStudy {
    public init() {}
    public var sweepColumns: [String] { ["basis_size", "max_test_error", "min_effectivity", "offline_seconds"] }

    public func check(_ r: ReducedBasisSpec, _ spec: ProblemSpec, carry: CarriedState?) throws {
        try ReducedBasisFamilies.entry(r.family).check(r)
    }

    public func solve(_ r: ReducedBasisSpec, _ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome {
        let start = Date()
        let entry = try ReducedBasisFamilies.entry(r.family)
        if let mu = r.truth { return try truthOutcome(r, entry, mu, start: start) }
        let family = try entry.build(r)
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
        let tests = family.testParameters ?? (0..<r.testSamples).map { _ in (0..<q).map { lo[$0] + (hi[$0] - lo[$0]) * rng.uniform() } }
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
            if let affineError = try family.affineError(a) { affineErrors.append(affineError) }
            if let um = try family.affineSolution(mu) {
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
        var arrays = ReducedModelArchive.arrays(model, family: family.archived, reference: r.reference, shape: family.shape,
                                                interpolation: family.interpolation)
        let archived = arrays.map(\.name)
        if let form = family.interpolation { arrays += ReducedBasisFamilies.eimDiagnostics(form) }
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
            table.append(["\(h.size)", "\(h.parameterIndex)", CSV.format(h.maxBound), CSV.format(h.maxRelativeBound)]
                         + r.training[h.parameterIndex].map(CSV.format))
        }
        var result = ConfigTable()
        result["basis_size"] = .integer(n)
        result["greedy_stop"] = .string(stop)
        result["training_size"] = .integer(r.training.count)
        result["unknowns"] = .integer(problem.size)
        result["max_relative_bound_training"] = .double(history.last?.maxRelativeBound ?? .nan)
        result["offline_seconds"] = .double(offline)
        if let form = family.interpolation {
            let eim = ReducedBasisFamilies.eimResult(form)
            for k in eim.keys { result[k] = eim[k] }
        }
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
        details["bound"] = .string(entry.boundDescription)
        let reachedTolerance = (history.last?.maxRelativeBound ?? .infinity) <= r.tolerance
        // Converged when the greedy reached its tolerance; a bound below an error would be a defect.
        let reason: ConvergenceReason = (!effectivities.isEmpty && minEffectivity < 1 - 1e-6) ? .diverged_breakdown
            : (reachedTolerance ? .converged_rtol : .diverged_max_iterations)
        let summary = "\(n) basis vectors (\(stop)), offline \(String(format: "%.2f", offline)) s" + (tests.isEmpty ? "" :
            ", test max error \(String(format: "%.2e", maxError)), min effectivity \(String(format: "%.2f", minEffectivity)), "
                + "online \(String(format: "%.1f", onlineSeconds / Double(tests.count) * 1e6)) µs "
                + "vs truth \(String(format: "%.1f", truthSeconds / Double(tests.count) * 1e3)) ms")
        let detail = reason == .diverged_breakdown ? "the error bound fell below the true error (effectivity \(minEffectivity))"
            : "the greedy stopped at max_size = \(r.maxSize) with a relative bound of \(history.last?.maxRelativeBound ?? .nan) "
                + "> tolerance \(r.tolerance)"
        var outcome = StudyOutcome(reason: reason, arrays: arrays, history: table, result: result,
                                   tables: [("reduced_basis_details", details)], summary: summary, notConvergedDetail: detail,
                                   sweepValues: ["basis_size": "\(n)", "max_test_error": CSV.format(maxError),
                                                 "min_effectivity": CSV.format(minEffectivity), "offline_seconds": CSV.format(offline)])
        // The model a reduced_model run loads, each array with its digest.
        outcome.checksummed = archived
        return outcome
    }

    /// `[reduced_basis] truth = [μ…]`: the full solution at μ (solution.npy, the grid's shape),
    /// to check a reduced model against (`pdekit compare` with a reduced_model run at μ).
    private func truthOutcome(_ r: ReducedBasisSpec, _ entry: any ReducedBasisFamilyEntry.Type, _ mu: [Double],
                              start: Date) throws -> StudyOutcome {
        let (u, shape) = try entry.truthSolution(r, mu)
        let seconds = Date().timeIntervalSince(start)
        var result = ConfigTable()
        var parameters = ConfigTable()
        for (name, value) in zip(r.parameterNames, mu) { parameters[name] = .double(value) }
        result["truth_parameters"] = .table(parameters)
        result["unknowns"] = .integer(u.count)
        result["solve_seconds"] = .double(seconds)
        let summary = "truth solution at \(ReducedBasisFamilies.describe(r, mu)): \(u.count) unknowns, "
            + String(format: "%.3f s (CHOLMOD)", seconds)
        return StudyOutcome(reason: .converged_direct, arrays: [NamedArray(name: "solution", shape: shape, values: u)], result: result,
                            summary: summary)
    }
}
