import LinearAlgebra

/// Linear interpolation along one axis, from a coarse axis to a fine one on the same interval.
///
/// An axis with I intervals (nodes − 1, or n for a periodic axis) coarsens to I_c = ⌈I/2⌉
/// intervals with the same sides. When I is even the coarse nodes are every other fine node
/// (the classical nested grids, weights ½ 1 ½); when I is odd the coarse spacing is I/I_c·h,
/// slightly less than 2h, and each fine node takes the linear interpolant between the two
/// coarse nodes around it. So every grid size coarsens; only sizes with I = 2^k·m, m small,
/// keep nested grids all the way down (docs/multigrid.md). A Dirichlet node carries no
/// correction, so its weight is dropped.
struct AxisTransfer {
    let fineCount: Int, coarseCount: Int
    /// Fine index i takes weight `lowWeight[i]` of coarse `low[i]` and `highWeight[i]` of
    /// coarse `high[i]` (a missing term has weight 0 and index 0).
    let low: [Int], lowWeight: [Double], high: [Int], highWeight: [Double]
    /// The transpose: coarse index c collects fine `fine[start[c]..<start[c+1]]` with `weight`.
    let start: [Int], fine: [Int], weight: [Double]
    /// h_fine / h_coarse (1 for an axis that is not coarsened).
    let spacingRatio: Double

    static func intervals(_ axis: GridStructure.Axis) -> Int {
        axis.low == .periodic ? axis.unknowns : axis.nodes - 1
    }

    /// The coarse axis, or nil when the axis is too short to coarsen (fewer than 3 intervals).
    static func coarsened(_ axis: GridStructure.Axis) -> GridStructure.Axis? {
        let i = intervals(axis)
        guard i >= 3 else { return nil }
        let ic = (i + 1) / 2
        let dirichletSides = (axis.low == .dirichlet ? 1 : 0) + (axis.high == .dirichlet ? 1 : 0)
        let unknowns = axis.low == .periodic ? ic : ic + 1 - dirichletSides
        guard unknowns >= 1 else { return nil }
        return GridStructure.Axis(unknowns: unknowns, spacing: axis.spacing * Double(i) / Double(ic),
                                  low: axis.low, high: axis.high)
    }

    /// The identity along an axis that is not coarsened on this level.
    init(identity count: Int) {
        fineCount = count; coarseCount = count
        low = Array(0..<count); lowWeight = [Double](repeating: 1, count: count)
        high = [Int](repeating: 0, count: count); highWeight = [Double](repeating: 0, count: count)
        start = Array(0...count); fine = Array(0..<count); weight = [Double](repeating: 1, count: count)
        spacingRatio = 1
    }

    /// Interpolation between the unknowns of `fine` and `coarse` (or, with `nodes`, between
    /// all their nodes, Dirichlet ends included: for restricting node coefficients).
    init(fine f: GridStructure.Axis, coarse c: GridStructure.Axis, nodes: Bool = false) {
        let i = Self.intervals(f), ic = Self.intervals(c)
        let wraps = f.low == .periodic
        let fineOffset = nodes || f.low != .dirichlet ? 0 : 1
        let coarseOffset = nodes || c.low != .dirichlet ? 0 : 1
        fineCount = nodes ? (wraps ? f.unknowns : f.nodes) : f.unknowns
        coarseCount = nodes ? (wraps ? c.unknowns : c.nodes) : c.unknowns
        var low = [Int](), lw = [Double](), high = [Int](), hw = [Double]()
        for k in 0..<fineCount {
            // Fine node p sits at coarse position p·I_c/I = a + θ (exact integer arithmetic,
            // so nested grids get weights exactly 0, ½ and 1).
            let p = k + fineOffset
            let a = p * ic / i, theta = Double(p * ic % i) / Double(i)
            var terms: [(Int, Double)] = []
            for (q, w) in [(a, 1 - theta), (a + 1, theta)] where w > 0 {
                let node = wraps ? q % ic : q
                let u = node - coarseOffset
                if u >= 0 && u < coarseCount { terms.append((u, w)) }
            }
            low.append(terms.count > 0 ? terms[0].0 : 0); lw.append(terms.count > 0 ? terms[0].1 : 0)
            high.append(terms.count > 1 ? terms[1].0 : 0); hw.append(terms.count > 1 ? terms[1].1 : 0)
        }
        self.low = low; lowWeight = lw; self.high = high; highWeight = hw
        var lists = [[(Int, Double)]](repeating: [], count: coarseCount)
        for k in 0..<fineCount {
            if lw[k] > 0 { lists[low[k]].append((k, lw[k])) }
            if hw[k] > 0 { lists[high[k]].append((k, hw[k])) }
        }
        var start = [0], fine = [Int](), weight = [Double]()
        for list in lists {
            for (k, w) in list { fine.append(k); weight.append(w) }
            start.append(fine.count)
        }
        self.start = start; self.fine = fine; self.weight = weight
        spacingRatio = f.spacing / c.spacing
    }
}

/// Prolongation P (tensor product of the axes' linear interpolations) and restriction
/// R = (V_f/V_c)·Pᵀ between two levels, on the padded three-axis layout.
///
/// The scaling: the operator is K/V with K the finite-volume stiffness matrix and V = Πh the
/// cell volume. Galerkin's coarse problem is PᵀK_fP e = Pᵀ(V_f r_f); dividing by V_c gives the
/// coarse operator in the same scaling and the restricted residual R r_f = (V_f/V_c) Pᵀ r_f
/// (full weighting ¼ ½ ¼ per axis on nested grids).
struct GridTransfer {
    let axes: (AxisTransfer, AxisTransfer, AxisTransfer)
    let fineShape: (Int, Int, Int), coarseShape: (Int, Int, Int)
    let restrictionScale: Double
    /// The last axis's transposed weights in four fixed slots per coarse node (unused slots
    /// have weight 0 and index 0).
    let gather: (index: [Int], weight: [Double])

    init(_ a0: AxisTransfer, _ a1: AxisTransfer, _ a2: AxisTransfer) {
        axes = (a0, a1, a2)
        var index = [Int](repeating: 0, count: 4 * a2.coarseCount), weight = [Double](repeating: 0, count: 4 * a2.coarseCount)
        for c in 0..<a2.coarseCount {
            precondition(a2.start[c + 1] - a2.start[c] <= 4, "a coarse node gathers from at most four fine nodes")
            for (slot, q) in (a2.start[c]..<a2.start[c + 1]).enumerated() {
                index[4 * c + slot] = a2.fine[q]; weight[4 * c + slot] = a2.weight[q]
            }
        }
        gather = (index, weight)
        fineShape = (a0.fineCount, a1.fineCount, a2.fineCount)
        coarseShape = (a0.coarseCount, a1.coarseCount, a2.coarseCount)
        restrictionScale = a0.spacingRatio * a1.spacingRatio * a2.spacingRatio
    }

    /// x_fine += P e_coarse (with `replace`, x_fine = P e_coarse).
    ///
    /// Per fine row: the (up to 2 × 2) coarse rows it interpolates from are first combined
    /// into one coarse-length row (full-width passes that vectorise), which is then
    /// interpolated along the last axis (two gathers from a row in L1).
    func prolong(_ e: UnsafePointer<Double>, into x: UnsafeMutablePointer<Double>, replace: Bool = false) {
        let (f0, f1, f2) = fineShape
        let (_, c1, c2) = coarseShape
        let (t0, t1, t2) = axes
        t2.low.withUnsafeBufferPointer { lo in t2.high.withUnsafeBufferPointer { hi in
        t2.lowWeight.withUnsafeBufferPointer { lw in t2.highWeight.withUnsafeBufferPointer { hw in
            Parallel.chunks(f0 * f1, minimumChunk: max(1, Parallel.minimumChunk / max(1, f2))) { range, _ in
                withUnsafeTemporaryAllocation(of: Double.self, capacity: c2) { tmp in
                    let row = tmp.baseAddress!
                    for r in range {
                        let i0 = r / f1, i1 = r % f1
                        let xr = x + r * f2
                        for j in 0..<c2 { row[j] = 0 }
                        var any = false
                        for s0 in 0..<2 {
                            let cc0 = s0 == 0 ? t0.low[i0] : t0.high[i0], w0 = s0 == 0 ? t0.lowWeight[i0] : t0.highWeight[i0]
                            if w0 == 0 { continue }
                            for s1 in 0..<2 {
                                let cc1 = s1 == 0 ? t1.low[i1] : t1.high[i1], w1 = s1 == 0 ? t1.lowWeight[i1] : t1.highWeight[i1]
                                if w1 == 0 { continue }
                                let er = e + (cc0 * c1 + cc1) * c2, w = w0 * w1
                                for j in 0..<c2 { row[j] += w * er[j] }
                                any = true
                            }
                        }
                        if replace {
                            if !any { for j in 0..<f2 { xr[j] = 0 }; continue }
                            for j in 0..<f2 { xr[j] = lw[j] * row[lo[j]] + hw[j] * row[hi[j]] }
                        } else if any {
                            for j in 0..<f2 { xr[j] += lw[j] * row[lo[j]] + hw[j] * row[hi[j]] }
                        }
                    }
                }
            }
        }}}}
    }

    /// b_coarse = (V_f/V_c) Pᵀ r_fine.
    ///
    /// Per coarse row: the fine rows that restrict to it are combined into one fine-length row
    /// (vectorised passes), then restricted along the last axis with the transposed weights
    /// held in four fixed slots (a coarse node gathers from at most four fine nodes).
    func restrict(_ r: UnsafePointer<Double>, into b: UnsafeMutablePointer<Double>) {
        let (_, f1, f2) = fineShape
        let (c0, c1, c2) = coarseShape
        let (t0, t1, _) = axes
        let scale = restrictionScale
        gather.index.withUnsafeBufferPointer { gi in gather.weight.withUnsafeBufferPointer { gw in
            let idx = gi.baseAddress!, wt = gw.baseAddress!
            Parallel.chunks(c0 * c1, minimumChunk: max(1, Parallel.minimumChunk / max(1, 4 * c2))) { range, _ in
                withUnsafeTemporaryAllocation(of: Double.self, capacity: f2) { tmp in
                    let row = tmp.baseAddress!
                    for cr in range {
                        let k0 = cr / c1, k1 = cr % c1
                        for j in 0..<f2 { row[j] = 0 }
                        for a in t0.start[k0]..<t0.start[k0 + 1] {
                            let i0 = t0.fine[a], w0 = scale * t0.weight[a]
                            for q in t1.start[k1]..<t1.start[k1 + 1] {
                                let rr = r + (i0 * f1 + t1.fine[q]) * f2, w = w0 * t1.weight[q]
                                for j in 0..<f2 { row[j] += w * rr[j] }
                            }
                        }
                        let br = b + cr * c2
                        for j in 0..<c2 {
                            let k = 4 * j
                            br[j] = wt[k] * row[idx[k]] + wt[k + 1] * row[idx[k + 1]]
                                + wt[k + 2] * row[idx[k + 2]] + wt[k + 3] * row[idx[k + 3]]
                        }
                    }
                }
            }
        }}
    }

    /// P as a CSR matrix (fine × coarse), for Galerkin coarse operators.
    func prolongationMatrix() throws -> CSRMatrix {
        let (f0, f1, f2) = fineShape
        let (_, c1, c2) = coarseShape
        let (t0, t1, t2) = axes
        var ri = [Int32](), ci = [Int32](), v = [Double]()
        let capacity = 8 * f0 * f1 * f2
        ri.reserveCapacity(capacity); ci.reserveCapacity(capacity); v.reserveCapacity(capacity)
        // Term s (0: low, 1: high) of axis transfer t at fine index i.
        @inline(__always) func term(_ t: AxisTransfer, _ i: Int, _ s: Int) -> (Int, Double) {
            s == 0 ? (t.low[i], t.lowWeight[i]) : (t.high[i], t.highWeight[i])
        }
        for i0 in 0..<f0 {
            for i1 in 0..<f1 {
                for i2 in 0..<f2 {
                    let row = Int32((i0 * f1 + i1) * f2 + i2)
                    for s0 in 0..<2 {
                        let (a, wa) = term(t0, i0, s0)
                        if wa == 0 { continue }
                        for s1 in 0..<2 {
                            let (b, wb) = term(t1, i1, s1)
                            if wb == 0 { continue }
                            for s2 in 0..<2 {
                                let (c, wc) = term(t2, i2, s2)
                                if wc == 0 { continue }
                                ri.append(row); ci.append(Int32((a * c1 + b) * c2 + c)); v.append(wa * wb * wc)
                            }
                        }
                    }
                }
            }
        }
        return try CSRMatrix(rows: f0 * f1 * f2, columns: coarseShape.0 * c1 * c2, rowIndices: ri, columnIndices: ci, values: v)
    }

    /// Weighted average of node values (Σ_f P[f,c] v_f / Σ_f P[f,c]) on the node grids: the
    /// coarse coefficient field of a rediscretisation (applied to log a, a geometric mean).
    static func averageNodes(_ v: [Double], fine: [GridStructure.Axis], coarse: [GridStructure.Axis],
                             coarsened: [Bool]) -> [Double] {
        // One axis at a time: v has the fine node shape on axes ≥ d and coarse on axes < d.
        var values = v
        var shape = fine.map { $0.low == .periodic ? $0.unknowns : $0.nodes }
        for d in 0..<fine.count where coarsened[d] {
            let t = AxisTransfer(fine: fine[d], coarse: coarse[d], nodes: true)
            let outer = shape[..<d].reduce(1, *), inner = shape[(d + 1)...].reduce(1, *)
            var out = [Double](repeating: 0, count: outer * t.coarseCount * inner)
            for o in 0..<outer {
                for c in 0..<t.coarseCount {
                    var total = 0.0
                    for q in t.start[c]..<t.start[c + 1] { total += t.weight[q] }
                    for q in t.start[c]..<t.start[c + 1] {
                        let w = t.weight[q] / total
                        let src = (o * t.fineCount + t.fine[q]) * inner, dst = (o * t.coarseCount + c) * inner
                        for k in 0..<inner { out[dst + k] += w * values[src + k] }
                    }
                }
            }
            values = out
            shape[d] = t.coarseCount
        }
        return values
    }
}
