/// Nearest-neighbour ordering of a sweep's cases (the "S" of SKR: sorting the systems so that
/// each is close to the one before, which recycling and setup reuse exploit).
///
/// Each case is a feature vector (for `pde` problems the coefficient at the grid nodes,
/// subsampled to at most 1024 entries: the Frobenius distance of the coefficient fields on a
/// coarser grid). The greedy tour starts at case 0 and always moves to the nearest case not yet
/// visited: O(N²·d), so above 4000 cases the cases are first sorted along one fixed
/// pseudo-random direction (a one-dimensional embedding) and cut into groups of 2000, each
/// toured greedily. Ties go to the lower index, so the order is deterministic. A greedy tour
/// can be longer than the file order (when the file already lists a smooth family in order);
/// then the file order is kept, so the summed neighbour distance never grows.
public enum CaseOrdering {
    public static let maximumFeatures = 1024
    public static let greedyLimit = 4000
    public static let groupSize = 2000

    /// Every `stride`-th value, so that at most `maximumFeatures` remain.
    public static func subsample(_ v: [Double]) -> [Double] {
        guard v.count > maximumFeatures else { return v }
        let stride = (v.count + maximumFeatures - 1) / maximumFeatures
        return Swift.stride(from: 0, to: v.count, by: stride).map { v[$0] }
    }

    public static func distance2(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { let d = a[i] - b[i]; s += d * d }
        return s
    }

    /// A permutation of `features.indices` (all vectors of one length).
    public static func nearest(_ features: [[Double]]) -> [Int] {
        let n = features.count
        guard n > 2 else { return Array(0..<n) }
        let tour = n <= greedyLimit ? greedy(Array(0..<n), features) : grouped(features)
        let given = Array(0..<n)
        return tourLength(tour, features) <= tourLength(given, features) ? tour : given
    }

    static func grouped(_ features: [[Double]]) -> [Int] {
        let n = features.count
        // Sort along a fixed direction, then tour each group greedily.
        let d = features[0].count
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let direction = (0..<d).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) - 0.5
        }
        let projection = features.map { f in zip(f, direction).reduce(0) { $0 + $1.0 * $1.1 } }
        let sorted = (0..<n).sorted { projection[$0] != projection[$1] ? projection[$0] < projection[$1] : $0 < $1 }
        var order: [Int] = []
        for start in Swift.stride(from: 0, to: n, by: groupSize) {
            order += greedy(Array(sorted[start..<min(n, start + groupSize)]), features)
        }
        return order
    }

    /// The greedy tour of `cases`, from the first.
    static func greedy(_ cases: [Int], _ features: [[Double]]) -> [Int] {
        var remaining = Array(cases.dropFirst())
        var order = [cases[0]]
        while !remaining.isEmpty {
            let last = features[order.last!]
            var best = 0, bestDistance = Double.infinity
            for (k, c) in remaining.enumerated() {
                let dist = distance2(last, features[c])
                if dist < bestDistance || (dist == bestDistance && c < remaining[best]) { best = k; bestDistance = dist }
            }
            order.append(remaining.remove(at: best))
        }
        return order
    }

    /// Σ distances between consecutive cases of `order`.
    public static func tourLength(_ order: [Int], _ features: [[Double]]) -> Double {
        zip(order, order.dropFirst()).reduce(0) { $0 + distance2(features[$1.0], features[$1.1]).squareRoot() }
    }
}
