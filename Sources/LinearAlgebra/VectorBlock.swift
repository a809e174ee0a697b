import COpenBLAS

/// n vectors side by side, column-major in one allocation: Krylov bases, recycle spaces.
///
/// Block Krylov methods spend their non-SpMV time in products with a whole basis: h = Vᵀw and
/// w ← w − V h (classical Gram–Schmidt), V·P (forming Ritz vectors). One contiguous block turns
/// each into a single BLAS-2/3 call that streams V once, where column-by-column Level-1 loops
/// would stream it once per column.
public final class VectorBlock {
    /// The length of each vector.
    public let length: Int
    /// The number of columns the block can hold.
    public let capacity: Int
    private let storage: UnsafeMutablePointer<Double>

    public init(length: Int, capacity: Int) {
        precondition(length >= 0 && capacity >= 0, "VectorBlock: negative size \(length)×\(capacity)")
        self.length = length; self.capacity = capacity
        let count = max(1, length * capacity)
        storage = .allocate(capacity: count)
        storage.initialize(repeating: 0, count: count)
    }

    deinit { storage.deallocate() }

    /// Column j as a mutable buffer (valid while the block lives).
    public func column(_ j: Int) -> UnsafeMutableBufferPointer<Double> {
        precondition(j >= 0 && j < capacity, "VectorBlock: column \(j) of \(capacity)")
        return UnsafeMutableBufferPointer(start: storage + j * length, count: length)
    }

    public func columnArray(_ j: Int) -> [Double] { Array(column(j)) }

    /// h = V[:, 0..<columns]ᵀ w (`dgemv`).
    public func transposeTimes(_ w: UnsafeBufferPointer<Double>, columns: Int) -> [Double] {
        var h = [Double](repeating: 0, count: columns)
        guard columns > 0, length > 0 else { return h }
        precondition(columns <= capacity && w.count == length, "VectorBlock: Vᵀw with \(columns) columns, w of \(w.count)")
        h.withUnsafeMutableBufferPointer { hp in
            cblas_dgemv(CblasColMajor, CblasTrans, Int32(length), Int32(columns), 1, storage, Int32(length),
                        w.baseAddress, 1, 0, hp.baseAddress, 1)
        }
        return h
    }

    /// w ← w − V[:, 0..<h.count] h (`dgemv`).
    public func subtract(_ h: [Double], from w: UnsafeMutableBufferPointer<Double>) {
        guard !h.isEmpty, length > 0 else { return }
        precondition(h.count <= capacity && w.count == length, "VectorBlock: w − V h with \(h.count) columns, w of \(w.count)")
        h.withUnsafeBufferPointer { hp in
            cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(length), Int32(h.count), -1, storage, Int32(length),
                        hp.baseAddress, 1, 1, w.baseAddress, 1)
        }
    }

    /// y ← y + V[:, 0..<h.count] h.
    public func add(_ h: [Double], into y: UnsafeMutableBufferPointer<Double>) {
        guard !h.isEmpty, length > 0 else { return }
        precondition(h.count <= capacity && y.count == length, "VectorBlock: y + V h with \(h.count) columns, y of \(y.count)")
        h.withUnsafeBufferPointer { hp in
            cblas_dgemv(CblasColMajor, CblasNoTrans, Int32(length), Int32(h.count), 1, storage, Int32(length),
                        hp.baseAddress, 1, 1, y.baseAddress, 1)
        }
    }

    /// V[:, 0..<columns]ᵀ · other[:, 0..<otherColumns], a columns × otherColumns matrix (`dgemm`).
    public func transposeTimes(_ other: VectorBlock, columns: Int, otherColumns: Int) -> DenseMatrix {
        precondition(other.length == length && columns <= capacity && otherColumns <= other.capacity, "VectorBlock: mismatched Vᵀ W")
        var g = DenseMatrix(rows: columns, columns: otherColumns)
        guard columns > 0, otherColumns > 0, length > 0 else { return g }
        g.values.withUnsafeMutableBufferPointer { gp in
            cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, Int32(columns), Int32(otherColumns), Int32(length), 1,
                        storage, Int32(length), other.storage, Int32(length), 0, gp.baseAddress, Int32(columns))
        }
        return g
    }

    /// out[:, 0..<c.columns] ← beta·out + V[:, 0..<c.rows] · c (`dgemm`); beta = 0 overwrites.
    public func times(_ c: DenseMatrix, into out: VectorBlock, beta: Double = 0) {
        precondition(out !== self, "VectorBlock: V·C cannot write into V")
        precondition(out.length == length && c.rows <= capacity && c.columns <= out.capacity, "VectorBlock: mismatched V·C")
        guard c.columns > 0, length > 0 else { return }
        if c.rows == 0 {
            if beta == 0 { (out.storage).update(repeating: 0, count: length * c.columns) }
            return
        }
        c.values.withUnsafeBufferPointer { cp in
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(c.columns), Int32(c.rows), 1,
                        storage, Int32(length), cp.baseAddress, Int32(c.rows), beta, out.storage, Int32(length))
        }
    }

    /// V[:, 0..<r.rows] ← V[:, 0..<r.rows] · R⁻¹ for upper-triangular nonsingular R (`dtrsm`).
    public func rightDivide(byUpperTriangular r: DenseMatrix) {
        precondition(r.rows == r.columns && r.rows <= capacity, "VectorBlock: R is \(r.rows)×\(r.columns)")
        guard r.rows > 0, length > 0 else { return }
        r.values.withUnsafeBufferPointer { rp in
            cblas_dtrsm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, Int32(length), Int32(r.rows), 1,
                        rp.baseAddress, Int32(r.rows), storage, Int32(length))
        }
    }

    /// The first `columns` columns as a dense n × columns matrix (a copy).
    public func dense(columns: Int) -> DenseMatrix {
        precondition(columns <= capacity, "VectorBlock: \(columns) columns of \(capacity)")
        return DenseMatrix(rows: length, columns: columns, values: Array(UnsafeBufferPointer(start: storage, count: length * columns)))
    }

    /// Overwrites the first m.columns columns with the columns of m (n × c).
    public func setColumns(from m: DenseMatrix) {
        precondition(m.rows == length && m.columns <= capacity, "VectorBlock: setting \(m.rows)×\(m.columns) into \(length)×\(capacity)")
        m.values.withUnsafeBufferPointer { storage.update(from: $0.baseAddress!, count: length * m.columns) }
    }
}
