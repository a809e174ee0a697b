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
        var lambda = (0..<n).map { st.neighbours($0).count }
        // State: 0 undecided, 1 C, 2 F.
        var state = [UInt8](repeating: 0, count: n)
        for i in 0..<n where s.neighbours(i).isEmpty && st.neighbours(i).isEmpty { state[i] = 2 }
        // Bucket lists (doubly linked) by λ; λ never exceeds n.
        let buckets = n + 1
        var head = [Int](repeating: -1, count: buckets), next = [Int](repeating: -1, count: n), prev = [Int](repeating: -1, count: n)
        func insert(_ i: Int) {
            let b = lambda[i]
            next[i] = head[b]; prev[i] = -1
            if head[b] >= 0 { prev[head[b]] = i }
            head[b] = i
        }
        func remove(_ i: Int) {
            let b = lambda[i]
            if prev[i] >= 0 { next[prev[i]] = next[i] } else { head[b] = next[i] }
            if next[i] >= 0 { prev[next[i]] = prev[i] }
        }
        for i in stride(from: n - 1, through: 0, by: -1) where state[i] == 0 { insert(i) }
        var top = lambda.max() ?? 0
        while true {
            while top > 0 && head[top] < 0 { top -= 1 }
            guard top > 0, head[top] >= 0 else { break }
            let c = head[top]
            remove(c); state[c] = 1
            for k in st.neighbours(c) {
                let j = Int(st.columns[k])
                guard state[j] == 0 else { continue }
                remove(j); state[j] = 2
                for q in s.neighbours(j) {
                    let m = Int(s.columns[q])
                    guard state[m] == 0 else { continue }
                    remove(m); lambda[m] += 1; insert(m)
                    top = max(top, lambda[m])
                }
            }
            for k in s.neighbours(c) {
                let j = Int(s.columns[k])
                guard state[j] == 0, lambda[j] > 0 else { continue }
                remove(j); lambda[j] -= 1; insert(j)
            }
        }
        return state.map { $0 == 1 }
    }
}
