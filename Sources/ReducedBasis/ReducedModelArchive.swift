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

    /// How a family is recorded in the manifest: its code (entry 1), the meaning and bounds of
    /// its three numbers (entries 2–4), and what they say of the model. Each family declares its
    /// own (`ThermalBlockFamily.archiveFormat`, the Runner's pde and matrices families); reading
    /// takes the list of known formats, so a new family adds its format, not a case here.
    public struct Format: Sendable {
        /// Manifest entry 1, unique among the formats.
        public let code: Int
        /// The family's name in a problem file (`[reduced_basis] family`).
        public let name: String
        /// Inclusive bounds of the three numbers, then upper bounds of N, Q_a and Q_f.
        public let bounds: [ClosedRange<Int>]
        /// The unknowns and the parameters of a model with these numbers.
        public let unknowns: @Sendable ([Int]) -> Int
        public let parameters: @Sendable ([Int]) -> Int
        /// The coefficients come from EIM entries (`rb_matrix_eim`, `rb_load_eim`).
        public let interpolated: Bool
        /// A check of the read model beyond sizes and finiteness (nil: none).
        public let check: (@Sendable (Contents) -> String?)?

        public init(code: Int, name: String, bounds: [ClosedRange<Int>], unknowns: @escaping @Sendable ([Int]) -> Int,
                    parameters: @escaping @Sendable ([Int]) -> Int, interpolated: Bool, check: (@Sendable (Contents) -> String?)? = nil) {
            precondition(bounds.count == 6, "a format bounds its three numbers, N, Q_a and Q_f")
            self.code = code; self.name = name; self.bounds = bounds; self.unknowns = unknowns; self.parameters = parameters
            self.interpolated = interpolated; self.check = check
        }
    }

    /// The family a model reduces, as the manifest records it: a format and its three numbers.
    public struct Family: Sendable, Equatable {
        public let format: Format
        public let numbers: [Int]
        public init(_ format: Format, numbers: [Int]) {
            precondition(numbers.count == 3, "three numbers describe a family")
            self.format = format; self.numbers = numbers
        }
        public var name: String { format.name }
        public var unknowns: Int { format.unknowns(numbers) }
        public var parameters: Int { format.parameters(numbers) }
        public static func == (a: Family, b: Family) -> Bool { a.format.code == b.format.code && a.numbers == b.numbers }
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
        /// The EIM entries of an interpolated family; nil otherwise.
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
        let manifest = [format, family.format.code] + family.numbers + [n, qa, qf]
        var arrays = [
            NamedArray(name: "rb_manifest", shape: [8], values: manifest.map(Double.init)),
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

    /// Reads a model through `read` (an array by name, e.g. from a folder's NPY files), whose
    /// family is one of `formats`.
    public static func read(_ read: (String) throws -> NPYArray, formats: [Format]) throws -> Contents {
        let manifest = try read("rb_manifest").values
        if manifest.first == 1 {
            throw Damaged(description: "a model of an earlier pdekit (format 1, Gram matrices of the residual); build it again with pdekit run "
                + "on its problem file")
        }
        // Every entry a whole number within its family's bounds before any conversion or
        // allocation (a damaged manifest must be an error, not a trap or a huge allocation).
        func whole(_ x: Double, _ range: ClosedRange<Int>) -> Bool {
            x.isFinite && x.rounded() == x && x >= Double(range.lowerBound) && x <= Double(range.upperBound)
        }
        guard manifest.count == 8, manifest[0] == Double(format),
              let kind = formats.first(where: { whole(manifest[1], $0.code...$0.code) }),
              zip(manifest[2...], kind.bounds).allSatisfy({ whole($0, $1) }) else {
            throw Damaged(description: "rb_manifest.npy is not a format-2 reduced model (8 whole numbers within their ranges)")
        }
        let family = Family(kind, numbers: manifest[2...4].map { Int($0) })
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
        guard basis.values.count == n * unknowns, ops.values.count == qa * n * n, loads.values.count == qf * n,
              reference.values.count == family.parameters, residual.shape.count == 2,
              residual.shape[1] == qf + n * qa, residual.shape[0] <= qf + n * qa else {
            throw Damaged(description: "the model's arrays do not match its manifest (\(n) vectors, \(qa) terms)")
        }
        let operators = (0..<qa).map { matrix(Array(ops.values[($0 * n * n)..<(($0 + 1) * n * n)]), n, n) }
        var interpolation: InterpolationEntries?
        if kind.interpolated {
            let eimA = try read("rb_matrix_eim"), eimF = try read("rb_load_eim")
            guard let entries = InterpolationEntries(matrixArray: eimA.values, loadArray: eimF.values, terms: qa, loadTerms: qf,
                                                     size: unknowns) else {
                throw Damaged(description: "rb_matrix_eim.npy / rb_load_eim.npy do not match the model's \(qa) and \(qf) terms and "
                    + "\(unknowns) unknowns")
            }
            interpolation = entries
        }
        let contents = Contents(family: family, basis: DenseMatrix(rows: unknowns, columns: n, values: basis.values), operators: operators,
                                loads: (0..<qf).map { Array(loads.values[($0 * n)..<(($0 + 1) * n)]) },
                                residual: matrix(residual.values, residual.shape[0], qf + n * qa), reference: reference.values,
                                interpolation: interpolation)
        if let problem = kind.check?(contents) { throw Damaged(description: problem) }
        return contents
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
