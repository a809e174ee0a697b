/// The C/F splitting of classical algebraic multigrid: Ruge–Stüben's first pass.
///
/// Every point starts undecided with the measure λᵢ = |S_iᵀ|, the number of points that
/// depend strongly on it. Repeatedly the undecided point of largest λ becomes a C point, the
/// undecided points that depend strongly on it become F points, and the measures change: a
/// new F point's undecided influencers gain one (they would interpolate it), the new C point's
/// undecided influencers lose one. Points left with λ = 0 and no strong connections become F
/// (smoothing alone reduces their error). Buckets by λ make it O(nnz(S)) (Ruge and Stüben,
/// "Algebraic multigrid", 1987, §4.2; the same as PyAMG's and hypre's RS first pass). The
/// order among equal λ is by index, so the splitting is deterministic.
enum RugeStubenCoarsening {
    /// `true` for C points.
    static func split(_ s: StrengthGraph) -> [Bool] {
        let n = s.rows
        let st = s.transposed()
        // Int32 throughout: the loop is bound by random access to these arrays.
        var lambda = (0..<n).map { Int32(st.neighbours($0).count) }
        // State: 0 undecided, 1 C, 2 F.
        var state = [UInt8](repeating: 0, count: n)
        for i in 0..<n where s.neighbours(i).isEmpty && st.neighbours(i).isEmpty { state[i] = 2 }
        // Bucket lists (doubly linked) by λ. λ_m starts at |S_mᵀ| and gains one for each point
        // of S_mᵀ that becomes F, so it stays below 2n (on a small dense coarse level it does
        // exceed n: buckets sized n + 1 overflowed with coarse_size ≤ 5). Raw buffers: the loop
        // below touches them O(nnz(S)) times.
        var head = [Int32](repeating: -1, count: 2 * n + 1), tail = [Int32](repeating: -1, count: 2 * n + 1)
        var next = [Int32](repeating: -1, count: n), prev = [Int32](repeating: -1, count: n)
        let top0 = Int(lambda.max() ?? 0)
        lambda.withUnsafeMutableBufferPointer { lam in state.withUnsafeMutableBufferPointer { st8 in
        head.withUnsafeMutableBufferPointer { hd in tail.withUnsafeMutableBufferPointer { tl in
        next.withUnsafeMutableBufferPointer { nx in prev.withUnsafeMutableBufferPointer { pv in
        s.rowPointers.withUnsafeBufferPointer { srp in s.columns.withUnsafeBufferPointer { sc in
        st.rowPointers.withUnsafeBufferPointer { trp in st.columns.withUnsafeBufferPointer { tc in
            // A point joins the tail of its bucket and the head is taken: among equal λ the
            // point that has waited longest goes first (as PyAMG's interval scheme).
            @inline(__always) func insert(_ i: Int) {
                let b = Int(lam[i]), i32 = Int32(truncatingIfNeeded: i)
                pv[i] = tl[b]; nx[i] = -1
                if tl[b] >= 0 { nx[Int(tl[b])] = i32 } else { hd[b] = i32 }
                tl[b] = i32
            }
            @inline(__always) func remove(_ i: Int) {
                let b = Int(lam[i])
                if pv[i] >= 0 { nx[Int(pv[i])] = nx[i] } else { hd[b] = nx[i] }
                if nx[i] >= 0 { pv[Int(nx[i])] = pv[i] } else { tl[b] = pv[i] }
            }
            for i in 0..<n where st8[i] == 0 { insert(i) }
            var top = top0
            while true {
                while top > 0 && hd[top] < 0 { top -= 1 }
                guard top > 0, hd[top] >= 0 else { break }
                let c = Int(hd[top])
                remove(c); st8[c] = 1
                for k in Int(trp[c])..<Int(trp[c + 1]) {
                    let j = Int(tc[k])
                    guard st8[j] == 0 else { continue }
                    remove(j); st8[j] = 2
                    for q in Int(srp[j])..<Int(srp[j + 1]) {
                        let m = Int(sc[q])
                        guard st8[m] == 0 else { continue }
                        remove(m); lam[m] += 1; insert(m)
                        if Int(lam[m]) > top { top = Int(lam[m]) }
                    }
                }
                for k in Int(srp[c])..<Int(srp[c + 1]) {
                    let j = Int(sc[k])
                    guard st8[j] == 0, lam[j] > 0 else { continue }
                    remove(j); lam[j] -= 1; insert(j)
                }
            }
        }}}}}}}}}}
        // An F point with strong connections but no strong C neighbour would get an empty row
        // of P: the coarse grid could not correct its error at all, and smoothing alone is slow
        // for smooth error. The first pass leaves such points when they end undecided with
        // λ = 0 (all their strong neighbours already F). Make them C points (in index order;
        // each promotion only helps later points). On 2D Poisson 1024² the hierarchy had 6 and
        // 3 such points on its 2,330- and 559-row levels and the V-cycle factor fell to 0.41.
        for i in 0..<n where state[i] != 1 && !s.neighbours(i).isEmpty {
            if !s.neighbours(i).contains(where: { state[Int(s.columns[$0])] == 1 }) { state[i] = 1 }
        }
        return state.map { $0 == 1 }
    }
}
