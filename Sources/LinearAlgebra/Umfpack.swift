import CSuiteSparse
import Foundation

/// Sparse LU through UMFPACK, for nonsymmetric or indefinite matrices.
///
/// UMFPACK takes compressed columns; the CSR arrays of A are the CSC arrays of Aᵀ, so we hand
/// them over unchanged and solve with `UMFPACK_At`, i.e. (Aᵀ)ᵀ x = b. Symbolic analysis is kept
/// for `refactor(values:)` on the same pattern.
public final class LUFactorization: Preconditioner, @unchecked Sendable {
    public let rows: Int
    public var columns: Int { rows }
    public var name: String { "umfpack" }
    public private(set) var analyzeSeconds = 0.0
    public private(set) var factorSeconds = 0.0
    public var setupSeconds: Double { analyzeSeconds + factorSeconds }

    private let p: [Int32]
    private let i: [Int32]
    private var x: [Double]
    private var symbolic: UnsafeMutableRawPointer?
    private var numeric: UnsafeMutableRawPointer?
    private var control = [Double](repeating: 0, count: Int(UMFPACK_CONTROL))
    /// umfpack_di_wsolve's workspace (n ints, 5n doubles with iterative refinement), allocated
    /// with the factor so that a solve allocates nothing: `apply` cannot throw, and
    /// umfpack_di_solve's own allocation failing would have been a trap.
    private var workIndices: [Int32]
    private var work: [Double]
    private let lock = NSLock()

    public init(_ a: CSRMatrix) throws {
        guard a.rows == a.columns else {
            throw LinearAlgebraError.invalidArgument("LU needs a square matrix, got \(a.rows)×\(a.columns)")
        }
        guard a.allFinite else { throw LinearAlgebraError.invalidArgument("matrix has NaN or infinite entries") }
        rows = a.rows; p = a.rowPointers; i = a.columnIndices; x = a.values
        workIndices = [Int32](repeating: 0, count: max(rows, 1))
        work = [Double](repeating: 0, count: max(5 * rows, 1))
        umfpack_di_defaults(&control)
        let t0 = Date()
        let status = umfpack_di_symbolic(Int32(rows), Int32(rows), p, i, x, &symbolic, control, nil)
        analyzeSeconds = Date().timeIntervalSince(t0)
        guard status == UMFPACK_OK else { throw Self.error("umfpack_di_symbolic", status) }
        try factorize()
    }

    /// True when `a` has exactly the sparsity pattern this factor was analysed for.
    public func hasPattern(of a: CSRMatrix) -> Bool {
        a.rows == rows && a.rowPointers == p && a.columnIndices == i
    }

    /// Factors a new matrix with the same pattern, reusing the symbolic analysis (so
    /// `analyzeSeconds` becomes 0).
    public func refactor(values: [Double]) throws {
        guard values.count == x.count else {
            throw LinearAlgebraError.invalidArgument("refactor: \(values.count) values for a pattern with \(x.count) nonzeros")
        }
        guard values.allSatisfy(\.isFinite) else { throw LinearAlgebraError.invalidArgument("matrix has NaN or infinite entries") }
        analyzeSeconds = 0
        x = values
        try factorize()
    }

    private func factorize() throws {
        if numeric != nil { umfpack_di_free_numeric(&numeric) }
        let t0 = Date()
        let status = umfpack_di_numeric(p, i, x, symbolic, &numeric, control, nil)
        factorSeconds = Date().timeIntervalSince(t0)
        if status == UMFPACK_WARNING_singular_matrix {
            throw LinearAlgebraError.singular("UMFPACK found a zero pivot (the matrix is singular to working precision)")
        }
        guard status == UMFPACK_OK else { throw Self.error("umfpack_di_numeric", status) }
    }

    private static func error(_ call: String, _ status: Int32) -> LinearAlgebraError {
        if status == UMFPACK_ERROR_out_of_memory {
            return .outOfMemory("\(call) could not allocate the LU factors")
        }
        return .library("\(call) failed with UMFPACK status \(status)")
    }

    public func apply(_ b: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        lock.lock(); defer { lock.unlock() }
        let status = workIndices.withUnsafeMutableBufferPointer { wi in
            work.withUnsafeMutableBufferPointer { w in
                umfpack_di_wsolve(UMFPACK_At, p, i, x, y.baseAddress, b.baseAddress, numeric, control, nil, wi.baseAddress, w.baseAddress)
            }
        }
        precondition(status == UMFPACK_OK, "umfpack_di_wsolve failed with status \(status)")
    }

    public func solve(_ b: [Double]) -> [Double] { apply(b) }

    deinit {
        if numeric != nil { umfpack_di_free_numeric(&numeric) }
        if symbolic != nil { umfpack_di_free_symbolic(&symbolic) }
    }
}
