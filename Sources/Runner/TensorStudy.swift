import Solvers
import Configuration
import Foundation
import LinearAlgebra
import Problems
import Spectral
import Storage
import Tensor

/// `kind = "tensor"`: builds the Chebyshev–Tucker approximation of `[tensor] function` (or, with
/// `method = "tucker"`, the Tucker decomposition of the function sampled on a uniform grid, the
/// comparison a TensorLy user would make) and reports ranks, storage, the error against direct
/// evaluation and the time per evaluation. Outputs: core.npy and factor_1.npy … (Chebyshev
/// coefficients of the factor functions, or the grid factors for `tucker`).
public struct TensorStudy: SectionStudy {
    public init() {}
    public var sweepColumns: [String] { ["ranks", "storage", "max_error", "rms_error", "build_seconds", "evaluation_microseconds"] }

    public func solve(_ t: TensorSpec, _ spec: ProblemSpec, _ context: StudyContext) throws -> StudyOutcome {
        let d = t.box.count
        let f: ([Double]) -> Double
        if let particles = t.particles {
            f = { particles.value($0) }
        } else if let function = t.function {
            f = { x in x.withUnsafeBufferPointer { function.evaluate($0) } }
        } else {
            throw RunError(.internal, "\(spec.document.path): a tensor problem without a function")
        }
        let start = Date()
        var arrays: [NamedArray] = []
        var result = ConfigTable()
        var tables: [(name: String, table: ConfigTable)] = []
        // Random test points, the project's own generator (reproducible).
        var rng = Xoshiro256StarStar(seed: UInt64(t.seed))
        let points = (0..<t.testPoints).map { _ in t.box.map { $0.0 + ($0.1 - $0.0) * rng.uniform() } }
        let exact = points.map(f)
        guard exact.allSatisfy(\.isFinite) else {
            throw spec.document.error(["tensor", "function"], "is not finite at every test point of the box (a pole or a log of a negative number?)")
        }
        var approximate: [Double] = []
        var evalSeconds = 0.0
        let ranks: [Int], storage: Int, buildSeconds: Double
        var degreesResolved = true
        var lineError = 0.0, capped = false
        do {
            switch t.method {
            case .chebyshevTucker:
                let ct = t.points == 0
                    ? try ChebyshevTucker.adaptive(box: t.box, tolerance: t.tolerance, f)
                    : try ChebyshevTucker(box: t.box, points: Array(repeating: t.points, count: d), tolerance: t.tolerance, f)
                buildSeconds = Date().timeIntervalSince(start)
                let t0 = Date()
                approximate = points.map { ct.value(at: $0) }
                evalSeconds = Date().timeIntervalSince(t0)
                ranks = ct.ranks; storage = ct.storage
                arrays.append(NamedArray(name: "core", shape: ct.core.shape, values: ct.core.values))
                for (k, c) in ct.factors.enumerated() { arrays.append(factorArray(c, k)) }
                // Random points miss cusps (the Slater potential's charges): the error is also
                // measured on lines through the points where f is hardest.
                let lines = Self.lineError(ct, f, through: Self.hardPoints(t, testPoints: points, values: exact), box: t.box)
                lineError = lines.error / max(max(lines.scale, exact.map(abs).max() ?? 0), .leastNormalMagnitude)
                result["degrees"] = .array(ct.degrees.map { .integer($0) })
                result["max_line_error"] = .double(lineError)
                capped = !ct.degreesResolved
                degreesResolved = ct.degreesResolved && !(lineError > Self.lineErrorFactor * t.tolerance)
                result["degrees_resolved"] = .bool(degreesResolved)
                result["integral"] = .double(ct.integral())
            case .tucker:
                let axes = t.box.map { b in (0..<t.grid).map { b.0 + (b.1 - b.0) * Double($0) / Double(t.grid - 1) } }
                let x = DenseTensor(shape: Array(repeating: t.grid, count: d)) { i in f((0..<d).map { axes[$0][i[$0]] }) }
                guard x.values.allSatisfy(\.isFinite) else {
                    throw spec.document.error(["tensor", "function"], "is not finite at every grid point of the box")
                }
                let tucker = try TuckerTensor.sthosvd(x, .tolerance(t.tolerance))
                buildSeconds = Date().timeIntervalSince(start)
                // Off the grid the Tucker tensor has no values: its error is measured on the grid
                // (relative Frobenius) and at the test points by multilinear interpolation.
                let t0 = Date()
                let full = tucker.reconstruct()
                approximate = points.map { multilinear(full, axes: axes, at: $0) }
                evalSeconds = Date().timeIntervalSince(t0)
                // Relative to the largest |x| before squaring: values near 1e307 overflowed the sums.
                let s = max(x.values.map(abs).max() ?? 1, .leastNormalMagnitude)
                var difference2 = 0.0, norm2 = 0.0
                for (a, b) in zip(full.values, x.values) {
                    let e: Double = a / s - b / s, v: Double = b / s
                    difference2 += e * e; norm2 += v * v
                }
                let gridError = (difference2 / norm2).squareRoot()
                result["grid_relative_error"] = .double(gridError)
                ranks = tucker.ranks; storage = tucker.storage
                arrays.append(NamedArray(name: "core", shape: tucker.core.shape, values: tucker.core.values))
                for (k, u) in tucker.factors.enumerated() { arrays.append(factorArray(u, k)) }
            }
        } catch let e as LinearAlgebraError {
            // Sizes were checked with the file; what fails here is the function on the grid.
            throw spec.document.error(["tensor", t.particles == nil ? "function" : "particles"], e.description)
        }
        // Each error over max |f| before squaring (values near 1e307 overflowed the squares).
        let scale = max(exact.map(abs).max() ?? 1, .leastNormalMagnitude)
        let errors = zip(approximate, exact).map { abs($0 - $1) / scale }
        let maxError = errors.max() ?? 0
        let rmsError = (errors.map { $0 * $0 }.reduce(0, +) / Double(errors.count)).squareRoot()
        if let particles = t.particles { result["particles"] = .integer(particles.charges.count) }
        result["ranks"] = .array(ranks.map { .integer($0) })
        result["storage"] = .integer(storage)
        result["max_error"] = .double(maxError)
        result["rms_error"] = .double(rmsError)
        result["build_seconds"] = .double(buildSeconds)
        let perEval = evalSeconds / Double(points.count) * 1e6
        result["evaluation_microseconds"] = .double(perEval)
        var details = ConfigTable()
        details["error_definition"] = .string("|approximation - f| at the test points, over max |f| there")
        tables.append(("tensor_details", details))
        // Not to tolerance: the adaptive degree hit its cap with coefficients still above it.
        let reason: ConvergenceReason = !maxError.isFinite ? .diverged_nan : (degreesResolved ? .converged_direct : .diverged_max_iterations)
        let summary = "ranks \(ranks), \(storage) numbers stored, max error \(String(format: "%.2e", maxError)) "
            + "(relative, \(t.testPoints) random points), build \(String(format: "%.3f", buildSeconds)) s, "
            + "\(String(format: "%.2f", perEval)) µs per evaluation"
        let detail = !maxError.isFinite ? "the approximation is not finite at the test points (values beyond the range of doubles); rescale the "
            + "function"
            : !capped && lineError > Self.lineErrorFactor * t.tolerance
            ? String(format: "on lines through the particles and the largest values of f the error reaches %.2e of max |f|, above %g × the "
                + "tolerance (a cusp the coefficients and the random points do not see); the result is not to "
                + "tolerance", lineError, Self.lineErrorFactor)
            : "the Chebyshev coefficients did not fall below the tolerance within 257 points per axis (a cusp or near-singularity of the "
                + "function); the result is not to tolerance"
        return StudyOutcome(reason: reason, arrays: arrays, result: result, tables: tables, summary: summary,
                            notConvergedDetail: detail,
                            sweepValues: ["ranks": ranks.map(String.init).joined(separator: "x"), "storage": "\(storage)",
                                          "max_error": CSV.format(maxError), "rms_error": CSV.format(rmsError),
                                          "build_seconds": CSV.format(buildSeconds), "evaluation_microseconds": CSV.format(perEval)])
    }

    /// A resolved smooth function's pointwise error stays within 10 ε (TensorTests derive it: a
    /// smooth remainder's maximum is a few times its mean square, measured 0.1–0.2 ε); beyond
    /// that on the check lines the degrees are not resolved, whatever the coefficients say.
    static let lineErrorFactor = 10.0

    /// Where f is hardest: each particle (up to 64, the largest charges first), else the test
    /// points of largest |f| (4 of them) and the box's centre.
    static func hardPoints(_ t: TensorSpec, testPoints: [[Double]], values: [Double]) -> [[Double]] {
        if let p = t.particles {
            let inside = p.charges.indices.filter { i in
                zip([p.positions[i].0, p.positions[i].1, p.positions[i].2], t.box).allSatisfy { $0 >= $1.0 && $0 <= $1.1 }
            }
            let order = inside.sorted { abs(p.charges[$0]) > abs(p.charges[$1]) }.prefix(64)
            return order.map { [p.positions[$0].0, p.positions[$0].1, p.positions[$0].2] }
        }
        let largest = values.indices.sorted { abs(values[$0]) > abs(values[$1]) }.prefix(4).map { testPoints[$0] }
        return largest + [t.box.map { ($0.0 + $0.1) / 2 }]
    }

    /// The largest |ct − f| on the lines along every axis through `points`, each at 2n − 1
    /// Chebyshev–Lobatto points of the axis (twice the build's resolution) and at the point
    /// itself (a cusp's own coordinate); and the largest |f| seen there.
    static func lineError(_ ct: ChebyshevTucker, _ f: ([Double]) -> Double, through points: [[Double]],
                          box: [(Double, Double)]) -> (error: Double, scale: Double) {
        var error = 0.0, scale = 0.0
        for base in points {
            for k in box.indices {
                let n = 2 * ct.degrees[k] + 1
                let (lo, hi) = box[k]
                var coordinates = (0..<n).map { j in lo + (hi - lo) * (1 - cos(Double.pi * Double(j) / Double(n - 1))) / 2 }
                if base[k] >= lo && base[k] <= hi { coordinates.append(base[k]) }
                var x = base
                for c in coordinates {
                    x[k] = c
                    let exact = f(x)
                    guard exact.isFinite else { continue }
                    error = max(error, abs(ct.value(at: x) - exact)); scale = max(scale, abs(exact))
                }
            }
        }
        return (error, scale)
    }

    func factorArray(_ m: DenseMatrix, _ k: Int) -> NamedArray {
        // Row-major (rows × columns) as NumPy reads it.
        var v = [Double](repeating: 0, count: m.rows * m.columns)
        for i in 0..<m.rows { for j in 0..<m.columns { v[i * m.columns + j] = m[i, j] } }
        return NamedArray(name: "factor_\(k + 1)", shape: [m.rows, m.columns], values: v)
    }

    func multilinear(_ t: DenseTensor, axes: [[Double]], at x: [Double]) -> Double {
        let d = axes.count
        var lo = [Int](repeating: 0, count: d), w = [Double](repeating: 0, count: d)
        for k in 0..<d {
            let a = axes[k], h = a[1] - a[0]
            let s = min(max((x[k] - a[0]) / h, 0), Double(a.count - 1) - 1e-12)
            lo[k] = min(Int(s), a.count - 2); w[k] = s - Double(lo[k])
        }
        var sum = 0.0
        for corner in 0..<(1 << d) {
            var weight = 1.0, flat = 0
            for k in 0..<d {
                let up = (corner >> k) & 1
                weight *= up == 1 ? w[k] : 1 - w[k]
                flat = flat * t.shape[k] + lo[k] + up
            }
            sum += weight * t.values[flat]
        }
        return sum
    }
}
