import CSuiteSparse
import Foundation

/// Sparse Cholesky A = LLᵀ through CHOLMOD's supernodal factorisation.
///
/// Analysis (fill-reducing ordering, symbolic factor) runs once per sparsity pattern;
/// `refactor(values:)` reuses it for a new matrix with the same pattern, the case of a
/// parameter sweep. The class owns its `cholmod_common` and the copies of the index arrays
/// CHOLMOD points into; `deinit` frees the factor and calls `cholmod_finish`.
///
/// The CSR arrays of a symmetric A are also its CSC arrays, so they are handed to CHOLMOD
/// without a copy of the values' layout, with `stype = 1`: CHOLMOD then reads the upper
/// triangle and ignores the lower one (which we checked equals it).
///
/// As a `Preconditioner` it is an exact inverse (PETSc's `-pc_type cholesky`). Applications are
/// serialised by a lock because CHOLMOD's workspace lives in the shared common.
public final class CholeskyFactorization: Preconditioner, @unchecked Sendable {
    public let rows: Int
    public var columns: Int { rows }
    public var name: String { "cholmod" }
    public private(set) var analyzeSeconds = 0.0
    public private(set) var factorSeconds = 0.0
    public var setupSeconds: Double { analyzeSeconds + factorSeconds }
    /// Nonzeros in L (the fill), for `--view` and the benchmark.
    public private(set) var factorNonzeros = 0
    public private(set) var isSupernodal = false

    private var common = cholmod_common()
    private var factor: UnsafeMutablePointer<cholmod_factor>?
    private var sparse = cholmod_sparse()
    private let p: UnsafeMutablePointer<Int32>
    private let i: UnsafeMutablePointer<Int32>
    private let x: UnsafeMutablePointer<Double>
    private let nnz: Int
    private var workY: UnsafeMutablePointer<cholmod_dense>?
    private var workE: UnsafeMutablePointer<cholmod_dense>?
    private var solution: UnsafeMutablePointer<cholmod_dense>?
    private let lock = NSLock()

    /// Analyses and factors A. Throws `notSymmetric` or `notPositiveDefinite`.
    public init(_ a: CSRMatrix) throws {
        guard a.rows == a.columns else {
            throw LinearAlgebraError.invalidArgument("Cholesky needs a square matrix, got \(a.rows)×\(a.columns)")
        }
        guard a.allFinite else { throw LinearAlgebraError.invalidArgument("matrix has NaN or infinite entries") }
        let asym = a.asymmetry()
        guard asym <= 1e-12 else { throw LinearAlgebraError.notSymmetric(relativeAsymmetry: asym) }
        rows = a.rows
        nnz = a.nonzeros
        p = .allocate(capacity: rows + 1)
        i = .allocate(capacity: max(nnz, 1))
        x = .allocate(capacity: max(nnz, 1))
        a.rowPointers.withUnsafeBufferPointer { _ = UnsafeMutableBufferPointer(start: p, count: rows + 1).update(fromContentsOf: $0) }
        a.columnIndices.withUnsafeBufferPointer { _ = UnsafeMutableBufferPointer(start: i, count: nnz).update(fromContentsOf: $0) }
        a.values.withUnsafeBufferPointer { _ = UnsafeMutableBufferPointer(start: x, count: nnz).update(fromContentsOf: $0) }

        cholmod_start(&common)
        common.supernodal = CHOLMOD_SUPERNODAL
        // Return the failing column at once rather than finishing a useless factorisation.
        common.quick_return_if_not_posdef = 1
        common.print = 0
        sparse.nrow = rows; sparse.ncol = rows; sparse.nzmax = nnz
        sparse.p = UnsafeMutableRawPointer(p); sparse.i = UnsafeMutableRawPointer(i); sparse.nz = nil
        sparse.x = UnsafeMutableRawPointer(x); sparse.z = nil
        sparse.stype = 1; sparse.itype = CHOLMOD_INT; sparse.xtype = CHOLMOD_REAL; sparse.dtype = CHOLMOD_DOUBLE
        sparse.sorted = 1; sparse.packed = 1

        let t0 = Date()
        factor = cholmod_analyze(&sparse, &common)
        analyzeSeconds = Date().timeIntervalSince(t0)
        try checkStatus("cholmod_analyze")
        try factorize()
        try allocateSolveWorkspace()
    }

    /// One solve of a zero right-hand side, so that cholmod_solve2 allocates its solution and
    /// workspace now, where running out of memory can be thrown; `apply` (a LinearOperator,
    /// which cannot throw) then reuses them and allocates nothing.
    private func allocateSolveWorkspace() throws {
        let zero = UnsafeMutablePointer<Double>.allocate(capacity: max(rows, 1))
        defer { zero.deallocate() }
        zero.initialize(repeating: 0, count: max(rows, 1))
        var b = cholmod_dense(nrow: rows, ncol: 1, nzmax: rows, d: rows, x: UnsafeMutableRawPointer(zero), z: nil,
                              xtype: CHOLMOD_REAL, dtype: CHOLMOD_DOUBLE)
        if cholmod_solve2(CHOLMOD_A, factor, &b, nil, &solution, nil, &workY, &workE, &common) == 0 || common.status < CHOLMOD_OK {
            if common.status == CHOLMOD_OUT_OF_MEMORY {
                throw LinearAlgebraError.outOfMemory("cholmod_solve2 could not allocate its workspace for \(rows) unknowns")
            }
            throw LinearAlgebraError.library("cholmod_solve2 failed with CHOLMOD status \(common.status)")
        }
    }

    /// True when `a` has exactly the sparsity pattern this factor was analysed for.
    public func hasPattern(of a: CSRMatrix) -> Bool {
        guard a.rows == rows, a.nonzeros == nnz else { return false }
        let samePointers = a.rowPointers.withUnsafeBufferPointer { $0.elementsEqual(UnsafeBufferPointer(start: p, count: rows + 1)) }
        return samePointers && a.columnIndices.withUnsafeBufferPointer { $0.elementsEqual(UnsafeBufferPointer(start: i, count: nnz)) }
    }

    /// Factors a new matrix with the same sparsity pattern, reusing the analysis (so
    /// `analyzeSeconds` becomes 0: this factorisation did not analyse).
    public func refactor(values: [Double]) throws {
        guard values.count == nnz else {
            throw LinearAlgebraError.invalidArgument("refactor: \(values.count) values for a pattern with \(nnz) nonzeros")
        }
        guard values.allSatisfy(\.isFinite) else { throw LinearAlgebraError.invalidArgument("matrix has NaN or infinite entries") }
        analyzeSeconds = 0
        values.withUnsafeBufferPointer { _ = UnsafeMutableBufferPointer(start: x, count: nnz).update(fromContentsOf: $0) }
        try factorize()
    }

    private func factorize() throws {
        let t0 = Date()
        cholmod_factorize(&sparse, factor, &common)
        factorSeconds = Date().timeIntervalSince(t0)
        if common.status == CHOLMOD_NOT_POSDEF, let f = factor {
            throw LinearAlgebraError.notPositiveDefinite(column: Int(f.pointee.minor), size: rows)
        }
        try checkStatus("cholmod_factorize")
        if let f = factor {
            isSupernodal = f.pointee.is_super != 0
            // Nonzeros of L: for a supernodal factor, the dense supernode blocks (xsize).
            factorNonzeros = isSupernodal ? Int(f.pointee.xsize) : Int(f.pointee.nzmax)
        }
    }

    private func checkStatus(_ call: String) throws {
        if common.status == CHOLMOD_OUT_OF_MEMORY {
            throw LinearAlgebraError.outOfMemory("\(call) could not allocate the Cholesky factor of a \(rows) × \(rows) matrix")
        }
        if common.status < CHOLMOD_OK {
            throw LinearAlgebraError.library("\(call) failed with CHOLMOD status \(common.status)")
        }
    }

    /// y = A⁻¹ x.
    public func apply(_ xIn: UnsafeBufferPointer<Double>, into y: UnsafeMutableBufferPointer<Double>) {
        precondition(xIn.count >= rows && y.count >= rows, "Cholesky solve: vectors shorter than \(rows)")
        lock.lock(); defer { lock.unlock() }
        var b = cholmod_dense(nrow: rows, ncol: 1, nzmax: rows, d: rows,
                              x: UnsafeMutableRawPointer(mutating: xIn.baseAddress), z: nil,
                              xtype: CHOLMOD_REAL, dtype: CHOLMOD_DOUBLE)
        let ok = cholmod_solve2(CHOLMOD_A, factor, &b, nil, &solution, nil, &workY, &workE, &common)
        precondition(ok != 0 && common.status >= CHOLMOD_OK, "cholmod_solve2 failed with status \(common.status)")
        let src = solution!.pointee.x.assumingMemoryBound(to: Double.self)
        y.baseAddress!.update(from: src, count: rows)
    }

    /// Convenience: x = A⁻¹ b.
    public func solve(_ b: [Double]) -> [Double] { apply(b) }

    deinit {
        cholmod_free_factor(&factor, &common)
        cholmod_free_dense(&solution, &common)
        cholmod_free_dense(&workY, &common)
        cholmod_free_dense(&workE, &common)
        cholmod_finish(&common)
        p.deallocate(); i.deallocate(); x.deallocate()
    }
}
