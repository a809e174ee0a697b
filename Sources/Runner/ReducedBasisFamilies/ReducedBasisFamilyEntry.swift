import Configuration
import Foundation
import LinearAlgebra
import Problems
import ReducedBasis
import Storage

/// A reduced-basis family as pdekit runs it: the library's `ReducedBasisFamily` built from its
/// `[reduced_basis]` table (offline), and a model again from its archive (online). One type per
/// family, registered once in `ReducedBasisFamilies.all`; nothing else names a family.
protocol ReducedBasisFamilyEntry {
    /// The `[reduced_basis] family` it serves (its archive format's `name` is the same string).
    static var name: ReducedBasisSpec.Family { get }
    /// How its models are recorded in the manifest (code and numbers).
    static var archiveFormat: ReducedModelArchive.Format { get }
    /// What `check` verifies short of the offline stage (default: nothing beyond the table).
    static func check(_ r: ReducedBasisSpec) throws
    /// The family of a validated table, ready for the greedy.
    static func build(_ r: ReducedBasisSpec) throws -> any ReducedBasisFamily
    /// What the record says the error bound bounds.
    static var boundDescription: String { get }
    /// The online model of an archive of this family. `record` reads the model's own run.toml
    /// (its `[reduced_basis]` table) for a family whose online half needs it.
    static func online(_ contents: ReducedModelArchive.Contents, record: () throws -> ReducedBasisSpec,
                       fail: (String) -> ProblemError) throws -> ReducedModelStudy.Loaded
    /// The truth (full) solution at `mu` (`[reduced_basis] truth`), on the grid's shape, without
    /// the offline stage: what the family's reduced models approximate.
    static func truthSolution(_ r: ReducedBasisSpec, _ mu: [Double]) throws -> (solution: [Double], shape: [Int])
}

extension ReducedBasisFamilyEntry {
    static func check(_ r: ReducedBasisSpec) throws {}
    static func truthSolution(_ r: ReducedBasisSpec, _ mu: [Double]) throws -> (solution: [Double], shape: [Int]) {
        throw ProblemError(file: r.filePath, key: "reduced_basis.truth", message: "family \"\(name.rawValue)\" has no truth solve by parameters")
    }
}

/// The registry of families, and what the nonintrusive (EIM) families share.
enum ReducedBasisFamilies {
    static var all: [any ReducedBasisFamilyEntry.Type] { [ThermalBlockFamily.self, PDEFamily.self, MatrixFamily.self] }

    static func entry(_ name: ReducedBasisSpec.Family) throws -> any ReducedBasisFamilyEntry.Type {
        guard let e = all.first(where: { $0.name == name }) else {
            throw RunError(.internal, "no reduced-basis family '\(name.rawValue)' is registered")
        }
        return e
    }

    /// The archive formats of the registered families (what `reduced_model` can read).
    static var archiveFormats: [ReducedModelArchive.Format] { all.map { $0.archiveFormat } }

    /// The entry of an archive's family (its manifest's code, by name).
    static func entry(_ family: ReducedModelArchive.Family) throws -> any ReducedBasisFamilyEntry.Type {
        guard let name = ReducedBasisSpec.Family(rawValue: family.name) else { throw RunError(.internal, "no family '\(family.name)'") }
        return try entry(name)
    }

    /// EIM of the training matrices and right-hand sides, errors at `key`.
    static func affineForm(_ r: ReducedBasisSpec, _ matrices: [CSRMatrix], _ loads: [[Double]], key: String) throws -> NonintrusiveAffineForm {
        let selection: EmpiricalInterpolation.Selection = switch r.eimSelection {
        case .eim: .eim
        case .deim: .deim
        case .qdeim: .qdeim
        }
        do {
            return try NonintrusiveAffineForm(matrices: matrices, loads: loads, tolerance: r.eimTolerance, maxTerms: r.eimMaxTerms,
                                              selection: selection)
        } catch let e as LinearAlgebraError {
            throw ProblemError(file: r.filePath, key: key, message: "the training matrices cannot be interpolated: \(e)")
        }
    }

    /// The EIM's error histories, beside the model's arrays.
    static func eimDiagnostics(_ form: NonintrusiveAffineForm) -> [NamedArray] {
        let ma = form.matrixInterpolation, mf = form.loadInterpolation
        return [NamedArray(name: "eim_matrix_errors", shape: [ma.interpolation.errors.count], values: ma.interpolation.errors),
                NamedArray(name: "eim_load_errors", shape: [mf.errors.count], values: mf.errors)]
    }

    /// The EIM's part of the record's `[result]`.
    static func eimResult(_ form: NonintrusiveAffineForm) -> ConfigTable {
        let ma = form.matrixInterpolation, mf = form.loadInterpolation
        var t = ConfigTable()
        t["eim_matrix_terms"] = .integer(ma.terms)
        t["eim_load_terms"] = .integer(mf.terms)
        t["eim_matrix_training_error"] = .double(ma.interpolation.errors.last ?? .nan)
        t["eim_load_training_error"] = .double(mf.errors.last ?? .nan)
        t["eim_matrix_stop"] = .string(ma.interpolation.stopReason)
        t["eim_online_rows"] = .integer(form.rows.count)
        return t
    }

    /// The bound's description for an EIM family.
    static let interpolatedBound = "residual dual norm of the EIM-affine model over the coercivity lower bound (a pde family: the nodal ratio; "
        + "a matrices family: the file's coercivity expression): it bounds the reduced solution's distance to the EIM model's solution "
        + "(max_test_model_error; min_effectivity is against it); the EIM model differs from the truth by max_test_eim_error, which the "
        + "bound does not see"

    static func describe(_ r: ReducedBasisSpec, _ mu: [Double]) -> String {
        zip(r.parameterNames, mu).map { "\($0) = \($1)" }.joined(separator: ", ")
    }
}
