import Configuration
import Foundation
import LinearAlgebra
import Problems
import Storage

/// Differences between a result `a` and a reference `b` of the same shape.
///
/// relative L2 = ‖a − b‖₂ / ‖b‖₂, max abs = max |aᵢ − bᵢ|, max relative = max |aᵢ − bᵢ| / max |bᵢ|
/// (normwise, so a zero in b does not blow it up). `within(rtol:atol:)` is NumPy's `allclose`
/// rule, |aᵢ − bᵢ| ≤ atol + rtol·|bᵢ| for every i, so the defaults mean what SciPy users expect.
public struct Comparison: Sendable, Equatable {
    public var relativeL2: Double
    public var maxAbs: Double
    public var maxRelative: Double
    /// Every entry satisfies |aᵢ − bᵢ| ≤ atol + rtol·|bᵢ| for the tolerances given at init.
    public var withinTolerance: Bool

    public static let defaultRtol = 1e-5
    public static let defaultAtol = 1e-8

    public init(_ a: [Double], _ b: [Double], rtol: Double = Comparison.defaultRtol, atol: Double = Comparison.defaultAtol) {
        precondition(a.count == b.count)
        // NumPy's isclose: equal infinities are close, any NaN is not. Norms are scaled by the
        // largest entry (as LAPACK's dnrm2 does) so that entries near 1e300 do not overflow.
        // Two passes, each over fixed blocks of the vectors on the worker threads (a million
        // entries took 11 ms serially): maxima and the tolerance test, then the scaled sums, added
        // in block order so that the figures do not depend on the thread count.
        let blocks = max(1, a.count / Parallel.minimumChunk)
        var partial = [(m: Double, mb: Double, ok: Bool, nan: Bool)](repeating: (0, 0, true, false), count: blocks)
        a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
        partial.withUnsafeMutableBufferPointer { partial in
            let out = UncheckedBox(partial)
            Parallel.chunks(blocks, minimumChunk: 1) { run, _ in
                for block in run {
                    var m = 0.0, mb = 0.0, ok = true, nan = false
                    for i in a.count * block / blocks ..< a.count * (block + 1) / blocks {
                        let d = a[i] == b[i] ? 0 : abs(a[i] - b[i])  // inf == inf: difference 0, not NaN
                        if d.isNaN { nan = true; ok = false; continue }
                        m = max(m, d); mb = max(mb, abs(b[i]))
                        // An infinity matches only itself (inf ≤ atol + rtol·inf would pass anything).
                        if !(d <= atol + rtol * abs(b[i])) || (!a[i].isFinite || !b[i].isFinite) && a[i] != b[i] { ok = false }
                    }
                    out.value[block] = (m, mb, ok, nan)
                }
            }
        }
        }
        }
        let m = partial.map(\.m).max()!, mb = partial.map(\.mb).max()!
        let ok = partial.allSatisfy(\.ok), nan = partial.contains { $0.nan }
        let sd = m > 0 && m.isFinite ? m : 1, sb = mb > 0 && mb.isFinite ? mb : 1
        let d2 = Parallel.sum(a.count) { range in
            var s = 0.0
            for i in range { let d = a[i] == b[i] ? 0 : abs(a[i] - b[i]); s += (d / sd) * (d / sd) }
            return s
        }
        let b2 = Parallel.sum(a.count) { range in
            var s = 0.0
            for i in range { s += (b[i] / sb) * (b[i] / sb) }
            return s
        }
        let dNorm = sd * d2.squareRoot(), bNorm = sb * b2.squareRoot()
        if nan {
            relativeL2 = .nan; maxAbs = .nan; maxRelative = .nan
        } else {
            // An infinite difference (inf against −inf or a finite value) is infinitely far off
            // whatever b's norm is; inf/inf would print nan though neither input holds one.
            relativeL2 = dNorm.isInfinite ? .infinity : (bNorm > 0 ? dNorm / bNorm : dNorm)
            maxAbs = m
            maxRelative = m.isInfinite ? .infinity : (mb > 0 ? m / mb : m)
        }
        withinTolerance = ok
    }

    /// A figure for messages: `%.6e`, with "nan" and "inf" spelled the same on every platform
    /// (C's printf may write "-nan").
    public static func format(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        return String(format: "%.6e", x)
    }

    /// The figures as a run-record table.
    public var table: ConfigTable {
        var t = ConfigTable()
        t["relative_l2_error"] = .double(relativeL2)
        t["max_abs_error"] = .double(maxAbs)
        t["max_relative_error"] = .double(maxRelative)
        return t
    }
}
