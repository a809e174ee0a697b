import LinearAlgebra
import Storage

/// The arrays of a reduced model: what the offline stage writes and the online stage reads
/// back, format 2 (docs/reduced-basis.md).
///
/// - `rb_manifest` [format, family, a, b, c, N, Q_a, Q_f], with (a, b, c) the family's entry
///   (`Family.numbers`);
/// - `rb_reference` μ̄; `rb_basis` N × the grid's shape (vector j is `rb_basis[j]`);
/// - `rb_operators` Q_a × N × N and `rb_loads` Q_f × N, the reduced terms;
/// - `rb_residual` R × (Q_f + N·Q_a), the Riesz representers in an X-orthonormal basis;
/// - a family made affine by EIM adds `rb_matrix_eim` and `rb_load_eim` (`InterpolationEntries`).
///
/// Reading checks every number before it is converted or allocated: a damaged array is an
/// error naming it, never a trap or a confident answer.
public enum ReducedModelArchive {
    public static let format = 2

    /// The family a model reduces, as the manifest records it.
    public enum Family: Equatable, Sendable {
        case thermalBlock(blocksX: Int, blocksY: Int, grid: Int)
        case pde(parameters: Int, dimension: Int, unknowns: Int)
        case matrices(parameters: Int, unknowns: Int)

        /// Its name in a problem file (`[reduced_basis] family`).
        public var name: String {
            switch self {
            case .thermalBlock: "thermal_block"
            case .pde: "pde"
            case .matrices: "matrices"
            }
        }
        public var unknowns: Int {
            switch self {
            case .thermalBlock(_, _, let m): m * m
            case .pde(_, _, let n), .matrices(_, let n): n
            }
        }
        public var parameters: Int {
            switch self {
            case .thermalBlock(let bx, let by, _): bx * by
            case .pde(let q, _, _), .matrices(let q, _): q
            }
        }
        /// Whether the family's coefficients come from EIM entries (`rb_matrix_eim`, `rb_load_eim`).
        public var isInterpolated: Bool { if case .thermalBlock = self { false } else { true } }

        /// Manifest entries 1–4: the code, then the family's three numbers.
        var numbers: [Double] {
            switch self {
            case .thermalBlock(let bx, let by, let m): [1, Double(bx), Double(by), Double(m)]
            case .pde(let q, let d, let n): [2, Double(q), Double(d), Double(n)]
            case .matrices(let q, let n): [3, Double(q), 0, Double(n)]
            }
        }

        /// The family from manifest entries 1–4, each already a whole number within `limits`.
        init?(numbers v: [Int]) {
            switch v[0] {
            case 1: self = .thermalBlock(blocksX: v[1], blocksY: v[2], grid: v[3])
            case 2 where v[2] >= 1: self = .pde(parameters: v[1], dimension: v[2], unknowns: v[3])
            case 3 where v[2] == 0: self = .matrices(parameters: v[1], unknowns: v[3])
            default: return nil
            }
        }

        /// Upper bounds of manifest entries 2–7 for a family code (the thermal block's are its
        /// table's limits; the others' what the offline stage allows).
        static func limits(code: Double) -> [Double] {
            code == 1 ? [4, 4, 2001, 500, 16, 16] : [64, 3, Double(Int32.max), 500, 500, 500]
        }
    }

    /// A model's parts as read back.
    public struct Contents: Sendable {
        public var family: Family
        /// unknowns × N, X-orthonormal columns.
        public var basis: DenseMatrix
        public var operators: [DenseMatrix]
        public var loads: [[Double]]
        public var residual: DenseMatrix
        public var reference: [Double]
        /// The EIM entries of an interpolated family; nil for the thermal block.
        public var interpolation: InterpolationEntries?
        public var size: Int { basis.columns }

        /// The reduced model with the family's online coefficients and bound.
        public func model(operatorCoefficients: @escaping AffineProblem.Coefficients, loadCoefficients: @escaping AffineProblem.Coefficients,
                          coercivityLowerBound: CoercivityLowerBound? = nil) throws -> ReducedBasisModel {
            try ReducedBasisModel(basis: basis, reducedOperators: operators, reducedLoads: loads, residual: residual, reference: reference,
                                  operatorCoefficients: operatorCoefficients, loadCoefficients: loadCoefficients,
                                  coercivityLowerBound: coercivityLowerBound)
        }
    }

    /// A model whose arrays do not hold what the format says; the message names the array.
    public struct Damaged: Error, CustomStringConvertible {
        public var description: String
    }

    /// The arrays every model has; an interpolated family adds `rb_matrix_eim` and `rb_load_eim`.
    public static let arrayNames = ["rb_manifest", "rb_reference", "rb_basis", "rb_operators", "rb_loads", "rb_residual"]

    /// The model as arrays, in the order they are written.
    public static func arrays(_ model: ReducedBasisModel, family: Family, reference: [Double], shape: [Int],
                              interpolation: NonintrusiveAffineForm?) -> [NamedArray] {
        let n = model.size, residual = model.residualCoefficients
        let qa = model.reducedOperators.count, qf = model.reducedLoads.count
        var arrays = [
            NamedArray(name: "rb_manifest", shape: [8], values: [Double(format)] + family.numbers + [Double(n), Double(qa), Double(qf)]),
            NamedArray(name: "rb_reference", shape: [reference.count], values: reference),
            NamedArray(name: "rb_basis", shape: [n] + shape, values: model.basis.values),
            NamedArray(name: "rb_operators", shape: [qa, n, n], values: model.reducedOperators.flatMap(rowMajor)),
            NamedArray(name: "rb_loads", shape: [qf, n], values: model.reducedLoads.flatMap { $0 }),
            NamedArray(name: "rb_residual", shape: [residual.rows, residual.columns], values: rowMajor(residual)),
        ]
        if let form = interpolation {
            let online = form.online
            arrays.append(NamedArray(name: "rb_matrix_eim", shape: [online.entries.count, 2 + online.entries.count], values: online.matrixArray))
            arrays.append(NamedArray(name: "rb_load_eim", shape: [online.points.count, 1 + online.points.count], values: online.loadArray))
        }
        return arrays
    }

    /// Reads a model through `read` (an array by name, e.g. from a folder's NPY files).
    public static func read(_ read: (String) throws -> NPYArray) throws -> Contents {
        let manifest = try read("rb_manifest").values
        if manifest.first == 1 {
            throw Damaged(description: "a model of an earlier pdekit (format 1, Gram matrices of the residual); build it again with pdekit run "
                + "on its problem file")
        }
        // Every entry a small whole number within its family's limits before any conversion or
        // allocation; entry 3 is 0 for a matrices family.
        let code = manifest.count == 8 ? manifest[1] : 0
        let limits = [Double(format), 3] + Family.limits(code: code)
        guard manifest.count == 8, manifest[0] == Double(format),
              zip(manifest, limits).enumerated().allSatisfy({ i, p in
                  p.0.isFinite && p.0.rounded() == p.0 && p.0 <= p.1 && (p.0 >= 1 || (i == 3 && code == 3 && p.0 == 0))
              }),
              let family = Family(numbers: manifest[1...4].map { Int($0) }) else {
            throw Damaged(description: "rb_manifest.npy is not a format-2 reduced model (8 whole numbers within their ranges)")
        }
        let (n, qa, qf) = (Int(manifest[5]), Int(manifest[6]), Int(manifest[7]))
        let basis = try read("rb_basis"), ops = try read("rb_operators"), loads = try read("rb_loads")
        let residual = try read("rb_residual"), reference = try read("rb_reference")
        // Every stored number finite, and the reduced quantities far from overflow (their
        // products and the N × N solve would otherwise turn them into NaN inside LAPACK).
        for (name, array, limit) in [("rb_basis", basis, Double.greatestFiniteMagnitude), ("rb_operators", ops, 1e150), ("rb_loads", loads, 1e150),
                                     ("rb_residual", residual, 1e150), ("rb_reference", reference, 1e150)]
            where !array.values.allSatisfy({ $0.isFinite && abs($0) <= limit }) {
            let beyond = limit < .greatestFiniteMagnitude ? " or beyond 1e150" : ""
            throw Damaged(description: "\(name).npy holds a value that is not finite\(beyond): a damaged model; build it again")
        }
        let unknowns = family.unknowns
        let thermalTerms: Bool = { if case .thermalBlock = family { qa == family.parameters } else { true } }()
        guard basis.values.count == n * unknowns, ops.values.count == qa * n * n, loads.values.count == qf * n, thermalTerms,
              reference.values.count == family.parameters, residual.shape.count == 2,
              residual.shape[1] == qf + n * qa, residual.shape[0] <= qf + n * qa else {
            throw Damaged(description: "the model's arrays do not match its manifest (\(n) vectors, \(qa) terms)")
        }
        let operators = (0..<qa).map { matrix(Array(ops.values[($0 * n * n)..<(($0 + 1) * n * n)]), n, n) }
        if case .thermalBlock = family {
            // Each term A_q is positive semidefinite, so VᵀA_q V has a nonnegative diagonal: a
            // model whose operators break that was damaged (a negated array is finite and
            // would give a negative compliance).
            for (q, a) in operators.enumerated() where (0..<n).contains(where: { a[$0, $0] < 0 }) {
                throw Damaged(description: "rb_operators.npy term \(q + 1) has a negative diagonal entry; the thermal block's terms are positive "
                    + "semidefinite: a damaged model")
            }
        }
        var interpolation: InterpolationEntries?
        if family.isInterpolated {
            let eimA = try read("rb_matrix_eim"), eimF = try read("rb_load_eim")
            guard let entries = InterpolationEntries(matrixArray: eimA.values, loadArray: eimF.values, terms: qa, loadTerms: qf,
                                                     size: unknowns) else {
                throw Damaged(description: "rb_matrix_eim.npy / rb_load_eim.npy do not match the model's \(qa) and \(qf) terms and "
                    + "\(unknowns) unknowns")
            }
            interpolation = entries
        }
        return Contents(family: family, basis: DenseMatrix(rows: unknowns, columns: n, values: basis.values), operators: operators,
                        loads: (0..<qf).map { Array(loads.values[($0 * n)..<(($0 + 1) * n)]) },
                        residual: matrix(residual.values, residual.shape[0], qf + n * qa), reference: reference.values,
                        interpolation: interpolation)
    }

    /// NumPy's C order for a column-major matrix.
    static func rowMajor(_ m: DenseMatrix) -> [Double] {
        var v = [Double](repeating: 0, count: m.rows * m.columns)
        for i in 0..<m.rows { for j in 0..<m.columns { v[i * m.columns + j] = m[i, j] } }
        return v
    }

    /// A rows × columns matrix from C-order values.
    static func matrix(_ a: [Double], _ rows: Int, _ columns: Int) -> DenseMatrix {
        var d = DenseMatrix(rows: rows, columns: columns)
        for i in 0..<rows { for j in 0..<columns { d[i, j] = a[i * columns + j] } }
        return d
    }
}
