import Configuration
import Foundation
import LinearAlgebra
import Problems
import ReducedBasis
import Storage

/// `family = "matrices"`: assembled matrices from another code, the training and test members'
/// Matrix Market matrices and right-hand sides; EIM as for a pde family. A(μ) is known only at
/// listed parameters (online, `reduced_model` reads the new member's files and uses their EIM
/// entries); α_LB is the user's expression (`coercivity`).
final class MatrixFamily: ReducedBasisFamily {
    let problem: AffineProblem
    let innerProduct: CSRMatrix
    let shape: [Int]
    let archived: ReducedModelArchive.Family
    let interpolation: NonintrusiveAffineForm?
    let testParameters: [[Double]]?
    let trainingTruth: ((Int) throws -> [Double])?
    private let solveMember: ([Double]) throws -> (solution: [Double], matrix: CSRMatrix)
    private let affineTruth = TruthSolver()

    init(_ r: ReducedBasisSpec) throws {
        // Every member is checked where it is read, and errors name its listing and row.
        var first: CSRMatrix?
        func load(_ c: ReducedBasisSpec.MatrixCase, _ key: String) throws -> (CSRMatrix, [Double]) {
            do {
                let (a, f) = try FamilyFiles.read(c)
                let name = c.matrix.lastPathComponent
                guard a.asymmetry() <= 1e-12 else {
                    throw FamilyFiles.Failure(message: "\(name) is not symmetric (relative asymmetry \(a.asymmetry())); the reduced basis needs a "
                        + "symmetric coercive family")
                }
                if let first {
                    guard a.rows == first.rows, a.rowPointers == first.rowPointers, a.columnIndices == first.columnIndices else {
                        throw FamilyFiles.Failure(message: "\(name) is \(a.rows) × \(a.rows) with \(a.nonzeros) stored entries, another size or "
                            + "sparsity pattern than the first training member's (\(first.rows) × \(first.rows), \(first.nonzeros)); the family "
                            + "needs one pattern")
                    }
                } else { first = a }
                guard f.count == a.rows else {
                    throw FamilyFiles.Failure(message: "\(c.rhs.lastPathComponent) has \(f.count) entries, the matrix \(a.rows) rows")
                }
                let alpha = c.parameters.withUnsafeBufferPointer { r.coercivity!.evaluate($0) }
                guard alpha > 0, alpha.isFinite else {
                    throw ProblemError(file: r.filePath, key: "reduced_basis.matrices.coercivity",
                                       message: "is \(alpha) at row \(c.line) of the \(key) listing "
                                           + "(\(ReducedBasisFamilies.describe(r, c.parameters))); a coercivity lower bound must be "
                                           + "positive and finite")
                }
                return (a, f)
            } catch let e as FamilyFiles.Failure {
                throw ProblemError(file: r.filePath, key: "reduced_basis.matrices.\(key)", message: "row \(c.line): \(e.message)")
            }
        }
        var matrices: [CSRMatrix] = [], loads: [[Double]] = []
        for c in r.matrixTraining { let (a, f) = try load(c, "training"); matrices.append(a); loads.append(f) }
        var known: [[Double]: (CSRMatrix, [Double])] = [:], rowOf: [[Double]: (key: String, line: Int, file: String)] = [:]
        for (k, c) in r.matrixTraining.enumerated() where known[c.parameters] == nil {
            known[c.parameters] = (matrices[k], loads[k]); rowOf[c.parameters] = ("training", c.line, c.matrix.lastPathComponent)
        }
        for c in r.matrixTests where known[c.parameters] == nil {
            known[c.parameters] = try load(c, "test"); rowOf[c.parameters] = ("test", c.line, c.matrix.lastPathComponent)
        }
        let n = matrices[0].rows
        let truth = TruthSolver()
        /// A truth solve whose failure (not positive definite) names the member.
        let rows = rowOf
        func solve(_ mu: [Double], _ m: (CSRMatrix, [Double])) throws -> [Double] {
            do { return try truth.solve(m.0, m.1) } catch let e as LinearAlgebraError {
                let at = rows[mu]
                throw ProblemError(file: r.filePath, key: "reduced_basis.matrices.\(at?.key ?? "training")",
                                   message: "row \(at?.line ?? 0): \(at?.file ?? ""): \(e)")
            }
        }
        let form = try ReducedBasisFamilies.affineForm(r, matrices, loads, key: "reduced_basis.matrices.training")
        let members = known
        let problemAt: @Sendable ([Double]) throws -> (matrix: CSRMatrix, load: [Double]) = { mu in
            guard let m = members[mu] else { throw LinearAlgebraError.invalidArgument("no listed member at \(mu)") }
            return (m.0, m.1)
        }
        guard let expression = r.coercivity else { throw RunError(.internal, "\(r.filePath): a matrices family without coercivity") }
        let bound = CoercivityLowerBound(name: "the file's coercivity = \"\(expression.source)\"") { mu in
            mu.withUnsafeBufferPointer { expression.evaluate($0) }
        }
        problem = form.problem(assembleRows: problemAt, coercivityLowerBound: bound)
        innerProduct = matrices[r.training.firstIndex(of: r.reference) ?? 0]
        interpolation = form
        shape = [n]
        archived = ReducedModelArchive.Family(Self.archiveFormat, numbers: [r.parameterNames.count, 0, n])
        testParameters = r.matrixTests.map(\.parameters)
        trainingTruth = { k in try solve(r.matrixTraining[k].parameters, (matrices[k], loads[k])) }
        solveMember = { mu in
            guard let m = members[mu] else { throw LinearAlgebraError.invalidArgument("no listed member at \(mu)") }
            return (try solve(mu, m), m.0)
        }
    }

    func truth(_ mu: [Double]) throws -> (solution: [Double], matrix: CSRMatrix) { try solveMember(mu) }

    func affineSolution(_ mu: [Double]) throws -> [Double]? {
        try affineTruth.solve(try problem.matrix(mu), try problem.load(mu))
    }
}

extension MatrixFamily: ReducedBasisFamilyEntry {
    static var name: ReducedBasisSpec.Family { .matrices }
    /// Manifest code 3, numbers (parameters, 0, unknowns).
    static let archiveFormat = ReducedModelArchive.Format(
        code: 3, name: "matrices", bounds: [1...64, 0...0, 1...Int(Int32.max), 1...500, 1...500, 1...500],
        unknowns: { $0[2] }, parameters: { $0[0] }, interpolated: true)
    static var boundDescription: String { ReducedBasisFamilies.interpolatedBound }
    static func build(_ r: ReducedBasisSpec) throws -> any ReducedBasisFamily { try MatrixFamily(r) }

    /// θ and φ come from the new member's files at the EIM entries (`reduced_model` reads them),
    /// α_LB from the model's coercivity expression; the family's own closures refuse.
    static func online(_ contents: ReducedModelArchive.Contents, record: () throws -> ReducedBasisSpec,
                       fail: (String) -> ProblemError) throws -> ReducedModelStudy.Loaded {
        let offline = try record()
        guard let coercivity = offline.coercivity, let interpolation = contents.interpolation else {
            throw fail("run.toml does not describe the model's grid and parameters")
        }
        let refuse: AffineProblem.Coefficients = { _ in
            throw LinearAlgebraError.invalidArgument("a matrices family's coefficients come from its member's files")
        }
        let model = try contents.model(operatorCoefficients: refuse, loadCoefficients: refuse,
                                       coercivityLowerBound: CoercivityLowerBound(name: coercivity.source) { mu in
                                           mu.withUnsafeBufferPointer { coercivity.evaluate($0) }
                                       })
        return ReducedModelStudy.Loaded(model: model, shape: [contents.family.unknowns], names: offline.parameterNames, positive: false,
                                        members: ReducedModelStudy.MemberCoefficients(interpolation: interpolation, coercivity: coercivity))
    }
}

/// Reading a matrices family's member files: a Matrix Market matrix (coordinate, square) and a
/// right-hand side (NPY or Matrix Market vector). Errors carry the file's name.
enum FamilyFiles {
    struct Failure: Error { var message: String }

    static func read(_ c: ReducedBasisSpec.MatrixCase) throws -> (CSRMatrix, [Double]) {
        (try matrix(c.matrix), try vector(c.rhs))
    }

    static func matrix(_ url: URL) throws -> CSRMatrix {
        let name = url.lastPathComponent
        do {
            switch try MatrixMarket.read(url) {
            case .coordinate(let c):
                guard c.rows == c.columns else { throw Failure(message: "\(name) is \(c.rows)×\(c.columns); a square matrix is needed") }
                guard c.values.allSatisfy(\.isFinite) else { throw Failure(message: "\(name) holds a value that is not finite") }
                return try CSRMatrix(rows: c.rows, columns: c.columns, rowIndices: c.rowIndices, columnIndices: c.columnIndices, values: c.values)
            case .array:
                throw Failure(message: "\(name) is a dense (array) Matrix Market file; give the matrix in coordinate format")
            }
        } catch let e as StorageError { throw Failure(message: "\(name): \(e.description)") }
        catch let e as LinearAlgebraError { throw Failure(message: "\(name): \(e)") }
    }

    static func vector(_ url: URL) throws -> [Double] {
        let name = url.lastPathComponent
        let values: [Double]
        do {
            if name.lowercased().hasSuffix(".mtx") {
                switch try MatrixMarket.read(url) {
                case .array(let rows, let columns, let v):
                    guard columns == 1 || rows == 1 else { throw Failure(message: "\(name) is \(rows)×\(columns); a vector is needed") }
                    values = v
                case .coordinate(let c):
                    guard c.columns == 1 else { throw Failure(message: "\(name) is \(c.rows)×\(c.columns); a vector is needed") }
                    var v = [Double](repeating: 0, count: c.rows)
                    for (i, x) in zip(c.rowIndices, c.values) { v[Int(i)] += x }
                    values = v
                }
            } else {
                let a = try NPY.read(url)
                guard a.shape.count == 1 || (a.shape.count == 2 && a.shape.contains(1)) else {
                    throw Failure(message: "\(name) has shape \(a.shape); a vector is needed")
                }
                values = a.values
            }
        } catch let e as StorageError { throw Failure(message: "\(name): \(e.description)") }
        guard values.allSatisfy(\.isFinite) else { throw Failure(message: "\(name) holds a value that is not finite") }
        return values
    }
}
