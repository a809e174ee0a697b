import LinearAlgebra

/// Smoothed aggregation (Vaněk, Mandel and Brezina, "Algebraic multigrid by smoothed
/// aggregation for second and fourth order elliptic problems", Computing 56, 1996).
///
/// 1. Aggregation of the strength graph in three passes (as PyAMG's `standard_aggregation`):
///    a point whose strong neighbours are all free starts an aggregate with them; a free
///    point then joins a neighbouring aggregate; what is left forms aggregates with its free
///    neighbours. Points without any strong neighbour stay out (their rows of P are zero:
///    smoothing alone handles them). With `blockSize` b > 1 (b unknowns per node, as in
///    elasticity) the graph is amalgamated first: nodes I ~ J when any unknown of I couples
///    strongly to one of J, and an aggregate takes all unknowns of its nodes.
/// 2. The tentative prolongator T: on each aggregate the near-nullspace vectors B (constants
///    by default; rigid-body modes for elasticity, from an NPY file) are orthonormalised, T's
///    block is Q and the coarse near-nullspace block is R (B = T B_c exactly).
/// 3. The smoothed prolongator P = (I − ω D⁻¹A) T with ω = 4/(3ρ), ρ ≈ λ_max(D⁻¹A): one
///    damped Jacobi step that makes the coarse basis functions overlap and lowers the energy.
enum SmoothedAggregation {
    /// Aggregate number of each point (−1: in no aggregate) and the aggregate count.
    static func aggregate(_ s: StrengthGraph) -> (aggregate: [Int], count: Int) {
        let n = s.rows
        var agg = [Int](repeating: -1, count: n)
        var count = 0
        // Pass 1: roots whose strong neighbours are all free.
        for i in 0..<n where agg[i] < 0 {
            let nb = s.neighbours(i)
            if nb.isEmpty { continue }
            if nb.contains(where: { agg[Int(s.columns[$0])] >= 0 }) { continue }
            agg[i] = count
            for k in nb { agg[Int(s.columns[k])] = count }
            count += 1
        }
        // Pass 2: join a neighbouring aggregate (of pass 1).
        var pass2 = agg
        for i in 0..<n where agg[i] < 0 {
            for k in s.neighbours(i) where agg[Int(s.columns[k])] >= 0 { pass2[i] = agg[Int(s.columns[k])]; break }
        }
        agg = pass2
        // Pass 3: what is left aggregates with its free neighbours.
        for i in 0..<n where agg[i] < 0 && !s.neighbours(i).isEmpty {
            agg[i] = count
            for k in s.neighbours(i) where agg[Int(s.columns[k])] < 0 { agg[Int(s.columns[k])] = count }
            count += 1
        }
        return (agg, count)
    }

    /// The nodal strength graph of `blockSize` unknowns per node.
    static func amalgamated(_ s: StrengthGraph, blockSize b: Int) -> StrengthGraph {
        guard b > 1 else { return s }
        let nodes = s.rows / b
        var rp = [Int32](repeating: 0, count: nodes + 1), cols: [Int32] = []
        var mark = [Int](repeating: -1, count: nodes)
        for node in 0..<nodes {
            for i in (node * b)..<((node + 1) * b) {
                for k in s.neighbours(i) {
                    let other = Int(s.columns[k]) / b
                    if other != node && mark[other] != node { mark[other] = node; cols.append(Int32(other)) }
                }
            }
            let lo = Int(rp[node])
            cols[lo..<cols.count].sort()
            rp[node + 1] = Int32(cols.count)
        }
        return StrengthGraph(rows: nodes, rowPointers: rp, columns: cols)
    }

    /// T (n × count·k) and the coarse near-nullspace (count·k × k, row-major) from aggregates
    /// of the unknowns and the near-nullspace B (n × k, row-major).
    static func tentative(aggregate agg: [Int], count: Int, nullspace b: [Double], vectors k: Int) throws -> (t: CSRMatrix, coarse: [Double]) {
        let n = agg.count
        var members = [[Int]](repeating: [], count: count)
        for i in 0..<n where agg[i] >= 0 { members[agg[i]].append(i) }
        var rowEntries = [[(Int32, Double)]](repeating: [], count: n)
        var coarse = [Double](repeating: 0, count: count * k * k)
        for a in 0..<count {
            let rows = members[a]
            // Modified Gram–Schmidt on the columns of B restricted to the aggregate.
            var q = [[Double]](repeating: [Double](repeating: 0, count: rows.count), count: k)
            for c in 0..<k { for (t, i) in rows.enumerated() { q[c][t] = b[i * k + c] } }
            for c in 0..<k {
                for p in 0..<c {
                    var dot = 0.0
                    for t in rows.indices { dot += q[p][t] * q[c][t] }
                    coarse[(a * k + p) * k + c] = dot
                    for t in rows.indices { q[c][t] -= dot * q[p][t] }
                }
                var norm = 0.0
                for t in rows.indices { norm += q[c][t] * q[c][t] }
                norm = norm.squareRoot()
                // A column dependent on the previous ones (an aggregate smaller than k, or
                // vectors that coincide on it) contributes nothing.
                if norm > 1e-12 * Double(rows.count).squareRoot() {
                    coarse[(a * k + c) * k + c] = norm
                    for t in rows.indices { q[c][t] /= norm }
                } else {
                    for t in rows.indices { q[c][t] = 0 }
                }
            }
            for (t, i) in rows.enumerated() {
                for c in 0..<k where q[c][t] != 0 { rowEntries[i].append((Int32(a * k + c), q[c][t])) }
            }
        }
        var rp = [Int32](repeating: 0, count: n + 1), cols = [Int32](), vals = [Double]()
        for i in 0..<n {
            for (j, v) in rowEntries[i] { cols.append(j); vals.append(v) }
            rp[i + 1] = Int32(cols.count)
        }
        return (try CSRMatrix(rows: n, columns: count * k, rowPointers: rp, columnIndices: cols, values: vals), coarse)
    }

    /// P = (I − ω D⁻¹A) T, ω = 4/(3ρ).
    static func smoothed(_ a: CSRMatrix, _ t: CSRMatrix, spectralRadius rho: Double) throws -> CSRMatrix {
        let at = try a.multiplied(by: t)
        let d = a.diagonal()
        let omega = 4 / (3 * rho)
        var vals = at.values
        for i in 0..<at.rows {
            let scale = omega / d[i]
            // pattern(T) ⊆ pattern(AT) (A has a nonzero diagonal): merge the sorted rows.
            var q = Int(t.rowPointers[i])
            let qe = Int(t.rowPointers[i + 1])
            for k in Int(at.rowPointers[i])..<Int(at.rowPointers[i + 1]) {
                var v = -scale * at.values[k]
                if q < qe && t.columnIndices[q] == at.columnIndices[k] { v += t.values[q]; q += 1 }
                vals[k] = v
            }
        }
        return try CSRMatrix(rows: at.rows, columns: at.columns, rowPointers: at.rowPointers, columnIndices: at.columnIndices, values: vals)
    }
}
