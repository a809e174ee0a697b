import Configuration
import Foundation
import Storage

/// `kind = "gp_regression"` on scattered points (structured kernel interpolation,
/// docs/gaussian-processes.md). Chosen by `points = "x.npy"` (n × d coordinates, with
/// `data = "y.npy"` the n values) or by a CSV `data` of coordinates and a value without `grid`.
///
/// ```toml
/// [gp]
/// points = "x.npy"            # n × d (d = 1, 2, 3), or a 1-D array for d = 1
/// data = "y.npy"              # n values
/// box = [[0, 1], [0, 1]]      # optional: default the bounding box of the points (and test points)
/// inducing_grid = [96, 96]    # optional: nodes per axis of the interpolation grid
/// probes = 16                 # probe vectors of the log-determinant and gradient estimates
/// preconditioner_rank = 256   # at most this many of K_UU's eigenpairs in the preconditioner
/// seed = 0                    # the probes' seed
/// test_points = "xt.npy"      # optional: the posterior mean there (test_mean.npy)
/// test_values = "yt.npy"      # optional: the held-out values, for the RMSE in run.toml
/// ```
extension GPRegressionSpec {
    public struct Scattered: Sendable, Equatable {
        /// The points file (nil when the coordinates came with the values in a CSV).
        public var pointsPath: String?
        /// n × d coordinates, row-major.
        public var points: [Double]
        public var inducingGrid: [Int]
        public var inducingGridGiven: Bool
        public var probes: Int
        /// The preconditioner's largest rank (the key's value, capped so that L, n × r, stays
        /// within 1 GB).
        public var maximumRank: Int
        public var rankGiven: Int
        public var seed: Int
        public var testPointsPath: String?
        public var testPoints: [Double]?
        public var testValuesPath: String?
        public var testValues: [Double]?
        public var count: Int { points.count / max(inducingGrid.count, 1) }
    }

    /// The largest interpolation grid (nodes in all), and per axis.
    static let maximumInducingNodes = 1 << 24
    static let maximumInducingPerAxis = 8192

    /// Whether the table describes scattered points.
    static func isScattered(_ r: TableReader) throws -> Bool {
        if r.has("points") { return true }
        guard let data = try r.string("data") else { return false }
        return data.lowercased().hasSuffix(".csv") && !r.has("grid")
    }

    /// The points, values, box and scattered-only keys. `givenBox` is the box key if present.
    static func readScattered(_ r: TableReader, givenBox: [(Double, Double)]?)
        throws -> (box: [(Double, Double)], values: [Double], dataPath: String, scattered: Scattered) {
        if r.has("grid") { throw r.error("grid", "scattered points (points = …) are interpolated onto inducing_grid; grid is for gridded data") }
        guard let dataPath = try r.string("data") else {
            throw r.error("data", "missing: the values at the points, an NPY array of n values (or a CSV of coordinates and a value)")
        }
        var points: [Double], values: [Double], d: Int
        let pointsPath = try r.string("points")
        if let pointsPath {
            (points, d) = try readPoints(r, "points", pointsPath, dimension: givenBox?.count)
            values = try readValues(r, "data", dataPath, count: points.count / d)
        } else {
            (points, values, d) = try readPointCSV(r, dataPath, dimension: givenBox?.count)
        }
        var testPoints: [Double]?, testValues: [Double]?
        let testPointsPath = try r.string("test_points"), testValuesPath = try r.string("test_values")
        if let testPointsPath {
            let (t, _) = try readPoints(r, "test_points", testPointsPath, dimension: d)
            testPoints = t
            if let testValuesPath { testValues = try readValues(r, "test_values", testValuesPath, count: t.count / d) }
        } else if testValuesPath != nil {
            throw r.error("test_values", "needs test_points: the coordinates of the held-out values")
        }
        // The box: given (every point must lie in it) or the points' bounding box.
        let box: [(Double, Double)]
        if let givenBox {
            box = givenBox
            for (key, set) in [("points", points), ("test_points", testPoints ?? [])] {
                for p in 0..<(set.count / d) {
                    for k in 0..<d where !(box[k].0...box[k].1).contains(set[p * d + k]) {
                        throw r.error(key == "points" && pointsPath == nil ? "data" : key,
                                      "point \(p + 1): \(variables[k]) = \(set[p * d + k]) lies outside the box [\(box[k].0), \(box[k].1)]")
                    }
                }
            }
        } else {
            let all = points + (testPoints ?? [])
            box = try (0..<d).map { k in
                var lo = Double.infinity, hi = -Double.infinity
                for p in 0..<(all.count / d) { lo = min(lo, all[p * d + k]); hi = max(hi, all[p * d + k]) }
                guard hi > lo else {
                    throw r.error("box", "every point has \(variables[k]) = \(lo): give box = [...] with a nonzero width on that axis")
                }
                // As for a given box: the grid's spacing must stay a normal number.
                guard hi - lo >= 1 / magnitudeLimit else {
                    throw r.error("box", "the points span only \(hi - lo) in \(variables[k]); rescale the coordinates (at least 1e-150)")
                }
                return (lo, hi)
            }
        }
        let n = points.count / d
        let inducing: [Int], given: Bool
        if let g = try counts(r, "inducing_grid", d) {
            guard g.allSatisfy({ $0 >= 4 }) else { throw r.error("inducing_grid", "at least 4 nodes per axis (the cubic stencil), got \(g)") }
            guard g.allSatisfy({ $0 <= maximumInducingPerAxis }), g.reduce(1, *) <= maximumInducingNodes else {
                throw r.error("inducing_grid", "at most \(maximumInducingPerAxis) nodes per axis and \(maximumInducingNodes) in all, got \(g)")
            }
            inducing = g; given = true
        } else {
            inducing = automaticInducingGrid(points: n, dimension: d); given = false
        }
        let probes = try r.int("probes", default: 16, minimum: 2, maximum: 1024)
        let rank = try r.int("preconditioner_rank", default: 256, minimum: 0, maximum: 4096)
        let seed = try r.int("seed", default: 0, minimum: 0)
        let s = Scattered(pointsPath: pointsPath, points: points, inducingGrid: inducing, inducingGridGiven: given, probes: probes,
                          maximumRank: min(rank, max(16, (1 << 27) / max(n, 1))), rankGiven: rank, seed: seed,
                          testPointsPath: testPointsPath, testPoints: testPoints, testValuesPath: testValuesPath, testValues: testValues)
        return (box, values, dataPath, s)
    }

    /// Twice GPyTorch's `choose_grid_size` (n^{1/d} nodes per axis), at least 16, plus the
    /// three nodes of the stencil's margin; shrunk evenly to at most 2²² nodes in all.
    static func automaticInducingGrid(points n: Int, dimension d: Int) -> [Int] {
        var per = max(16, Int((2 * pow(Double(n), 1 / Double(d))).rounded(.up)))
        while pow(Double(per + 3), Double(d)) > Double(1 << 22) { per = per * 9 / 10 }
        return Array(repeating: min(per, maximumInducingPerAxis - 3) + 3, count: d)
    }

    static func readArray(_ r: TableReader, _ key: String, _ path: String) throws -> NPYArray {
        guard !path.lowercased().hasSuffix(".csv") else { throw r.error(key, "\(path): expected an NPY file (CSV only for data)") }
        do { return try NPY.read(r.document.resolve(path)) } catch { throw r.error(key, "\(path): \(oneLine(String(describing: error)))") }
    }

    /// Finite values within ±1e150 (the likelihood squares them), or an error naming the entry.
    static func checkFinite(_ r: TableReader, _ key: String, _ path: String, _ values: [Double], what: String) throws {
        if let i = values.firstIndex(where: { !$0.isFinite || abs($0) > magnitudeLimit }) {
            throw r.error(key, "\(path): \(what) \(i + 1) is \(values[i]); expected finite numbers within ±1e150")
        }
    }

    /// An (n, d) array or, for d = 1, an (n) one.
    static func readPoints(_ r: TableReader, _ key: String, _ path: String, dimension: Int?) throws -> ([Double], Int) {
        let a = try readArray(r, key, path)
        let d: Int
        switch a.shape.count {
        case 1: d = 1
        case 2: d = a.shape[1]
        default: throw r.error(key, "\(path) has shape \(a.shape); expected (n, d) coordinates")
        }
        guard (1...3).contains(d) else { throw r.error(key, "\(path) has shape \(a.shape): 1 to 3 coordinates per point, got \(d)") }
        if let dimension, dimension != d {
            throw r.error(key, "\(path) has \(d) coordinates per point; expected \(dimension) (the box's or the training points' axes)")
        }
        guard a.shape[0] >= 1 else { throw r.error(key, "\(path) holds no points") }
        try checkFinite(r, key, path, a.values, what: "coordinate")
        return (a.values, d)
    }

    static func readValues(_ r: TableReader, _ key: String, _ path: String, count n: Int) throws -> [Double] {
        let a = try readArray(r, key, path)
        guard a.values.count == n, a.shape.count == 1 || (a.shape.count == 2 && a.shape[1] == 1) else {
            throw r.error(key, "\(path) has shape \(a.shape); expected \(n) values, one per point")
        }
        try checkFinite(r, key, path, a.values, what: "value")
        return a.values
    }

    /// Rows of d coordinates and a value (an optional header line).
    static func readPointCSV(_ r: TableReader, _ path: String, dimension: Int?) throws -> ([Double], [Double], Int) {
        let records: [[String]]
        do { records = try CSV.read(r.document.resolve(path)).records } catch let e as StorageError {
            throw r.error("data", "\(path): \(e.description)")
        }
        var points: [Double] = [], values: [Double] = []
        var d = dimension ?? 0
        for (line, row) in records.enumerated() {
            let numbers = row.map { Double($0.trimmingCharacters(in: .whitespaces)) }
            if line == 0 && numbers.contains(where: { $0 == nil }) { continue }  // a header
            if d == 0 { d = row.count - 1 }
            guard (1...3).contains(d), row.count == d + 1, numbers.allSatisfy({ $0.map { $0.isFinite && abs($0) <= magnitudeLimit } == true }) else {
                throw r.error("data", "\(path) line \(line + 1): expected \(max(d, 1) + 1) finite numbers within ±1e150 "
                    + "(\(variables.prefix(max(d, 1)).joined(separator: ", ")), value), 1 to 3 coordinates")
            }
            points += numbers[0..<d].map { $0! }
            values.append(numbers[d]!)
        }
        guard !values.isEmpty else { throw r.error("data", "\(path) holds no points") }
        return (points, values, d)
    }

    /// W and Wᵀ (12 bytes per entry, 4^d per point, twice), the batched CG's vectors
    /// (about 6 (t + 1) n), the grid blocks ((t + 1) M, about 4 of them), the preconditioner's
    /// L and S⁻¹Lᵀ (2 n r) and the probes' normals (t (n + r)), and the test points.
    func scatteredMemoryEstimate(_ s: Scattered) -> MemoryEstimate {
        let d = Double(box.count), n = Double(s.count), t = Double(s.probes + 1)
        let m = s.inducingGrid.reduce(1.0) { $0 * Double($1) }
        let r = Double(s.maximumRank)
        let weights = 2 * 12 * n * pow(4, d), vectors = 6 * 8 * t * n + 8 * (2 * n * r + t * (n + r)), grids = 4 * 8 * t * m
        let test = Double(s.testPoints?.count ?? 0) / d * (12 * pow(4, d) + 16)
        let predicted = 4 * 8 * (predict.map { $0.reduce(1.0) { $0 * Double($1) } } ?? 0)
        let f = MemoryEstimate.format
        return MemoryEstimate(bytes: weights + vectors + grids + test + predicted,
                              detail: "interpolation weights \(f(weights)), CG vectors \(f(vectors)), inducing-grid blocks \(f(grids))",
                              key: s.inducingGridGiven ? ["gp", "inducing_grid"] : ["gp", "probes"])
    }
}
