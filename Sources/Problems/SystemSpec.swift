import Configuration
import Foundation
import LinearAlgebra
import Storage

/// The `[system]` table: the user's own A x = b, A in Matrix Market, b in NPY or Matrix Market.
public struct SystemSpec: PhysicsSection {
    public static let kind = "linear_system"
    public static let minimalTables = [
        MinimalTable("matrix = \"A.mtx\"\nrhs = \"b.mtx\"", files: ["A.mtx": "%%MatrixMarket matrix coordinate real symmetric\n1 1 1\n1 1 2\n",
                                                               "b.mtx": "%%MatrixMarket matrix array real general\n1 1\n1\n"])
    ]
    public static let help = "your own A x = b: A in Matrix Market, b in NPY or Matrix Market"
    public static let table = "system"

    public var dataFiles: [String] { [matrixPath, rhsPath] + (exactPath.map { [$0] } ?? []) }

    public var matrixPath: String
    public var rhsPath: String
    public var exactPath: String?
    public var matrix: CSRMatrix
    public var rhs: [Double]
    public var exact: [Double]?
    /// `nullspace = "constants"`: A is singular with the constant vector as its null space (a
    /// Laplacian without a Dirichlet condition, PyAMG's Neumann `unit_square`), as PETSc's
    /// MatSetNullSpace with MatNullSpaceCreate(…, PETSC_TRUE, 0, …): the study removes b's
    /// mean and the solution's, and reports b's incompatible share (`diverged_null`).
    public var constantNullspace: Bool

    public init(_ r: TableReader) throws {
        guard let m = try r.string("matrix") else {
            throw r.error("matrix", "missing: give a Matrix Market file, e.g. matrix = \"data/A.mtx\"")
        }
        guard let b = try r.string("rhs") else {
            throw r.error("rhs", "missing: give the right-hand side as .npy or .mtx")
        }
        matrixPath = m; rhsPath = b
        exactPath = try r.string("exact")
        constantNullspace = try r.string("nullspace", default: "none", oneOf: ["none", "constants"]) == "constants"
        try r.finish()

        matrix = try Self.loadMatrix(r, "matrix", m)
        if let k = matrix.values.firstIndex(where: { !$0.isFinite }) {
            throw r.error("matrix", "\(m) holds \(matrix.values[k]) (stored entry \(k + 1)); the matrix must be finite")
        }
        rhs = try Self.loadVector(r, "rhs", b)
        if let i = rhs.firstIndex(where: { !$0.isFinite }) {
            throw r.error("rhs", "\(b) holds \(rhs[i]) at index \(i); the right-hand side must be finite")
        }
        guard rhs.count == matrix.rows else {
            throw r.error("rhs", "\(b) has \(rhs.count) entries, the matrix has \(matrix.rows) rows")
        }
        if constantNullspace {
            // A·1 = 0 and Aᵀ·1 = 0 (the left null space too, or removing b's mean would not
            // make the system consistent), to rounding: row and column sums against the
            // largest entry times the longest row.
            var rowSums = [Double](repeating: 0, count: matrix.rows), columnSums = rowSums
            var largest = 0.0, longest = 0
            for i in 0..<matrix.rows {
                let range = Int(matrix.rowPointers[i])..<Int(matrix.rowPointers[i + 1])
                longest = max(longest, range.count)
                for k in range {
                    let v = matrix.values[k]
                    rowSums[i] += v; columnSums[Int(matrix.columnIndices[k])] += v; largest = max(largest, abs(v))
                }
            }
            let tolerance = 64 * Double.ulpOfOne * largest * Double(max(longest, 1))
            if let i = rowSums.indices.first(where: { abs(rowSums[$0]) > tolerance || abs(columnSums[$0]) > tolerance }) {
                throw r.error("nullspace", "\"constants\" needs every row and column of \(m) to sum to zero; row or column \(i + 1) sums to "
                    + "\(abs(rowSums[i]) > tolerance ? rowSums[i] : columnSums[i])")
            }
        }
        if let e = exactPath {
            let x = try Self.loadVector(r, "exact", e)
            guard x.count == matrix.columns else {
                throw r.error("exact", "\(e) has \(x.count) entries, the matrix has \(matrix.columns) columns")
            }
            if let i = x.firstIndex(where: { !$0.isFinite }) {
                throw r.error("exact", "\(e) holds \(x[i]) at index \(i); an exact solution must be finite")
            }
            exact = x
        }
    }

    private static func loadMatrix(_ r: TableReader, _ key: String, _ path: String) throws -> CSRMatrix {
        let url = r.document.resolve(path)
        let content: MatrixMarketContent
        do { content = try MatrixMarket.read(url) } catch let e as StorageError { throw r.error(key, e.description) }
        switch content {
        case .coordinate(let c):
            guard c.rows == c.columns else { throw r.error(key, "\(path) is \(c.rows)×\(c.columns); a square matrix is needed") }
            do {
                return try CSRMatrix(rows: c.rows, columns: c.columns, rowIndices: c.rowIndices,
                                     columnIndices: c.columnIndices, values: c.values)
            } catch { throw r.error(key, "\(path): \(error)") }
        case .array:
            throw r.error(key, "\(path) is a dense (array) Matrix Market file; give the matrix in coordinate format")
        }
    }

    private static func loadVector(_ r: TableReader, _ key: String, _ path: String) throws -> [Double] {
        let url = r.document.resolve(path)
        do {
            if path.lowercased().hasSuffix(".mtx") {
                switch try MatrixMarket.read(url) {
                case .array(let rows, let columns, let values):
                    guard columns == 1 || rows == 1 else { throw r.error(key, "\(path) is \(rows)×\(columns); a vector is needed") }
                    return values
                case .coordinate(let c):
                    guard c.columns == 1 else { throw r.error(key, "\(path) is \(c.rows)×\(c.columns); a vector is needed") }
                    var v = [Double](repeating: 0, count: c.rows)
                    for (i, x) in zip(c.rowIndices, c.values) { v[Int(i)] += x }
                    return v
                }
            }
            let a = try NPY.read(url)
            guard a.shape.count == 1 || (a.shape.count == 2 && a.shape.contains(1)) else {
                throw r.error(key, "\(path) has shape \(a.shape); a vector is needed")
            }
            return a.values
        } catch let e as StorageError { throw r.error(key, e.description) }
    }

    public var resolved: ConfigTable {
        var t = ConfigTable()
        t["matrix"] = .string(matrixPath); t["rhs"] = .string(rhsPath)
        if let exactPath { t["exact"] = .string(exactPath) }
        t["nullspace"] = .string(constantNullspace ? "constants" : "none")
        // Configuration only (the size is in [solver_details]), so a record replays.
        return t
    }
}
