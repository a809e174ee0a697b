import Foundation
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
        var d2 = 0.0, b2 = 0.0, m = 0.0, mb = 0.0
        var ok = true
        for i in 0..<a.count {
            let d = abs(a[i] - b[i])
            d2 += d * d; b2 += b[i] * b[i]; m = max(m, d); mb = max(mb, abs(b[i]))
            if !(d <= atol + rtol * abs(b[i])) { ok = false }  // NaN counts as outside
        }
        relativeL2 = b2 > 0 ? (d2 / b2).squareRoot() : d2.squareRoot()
        maxAbs = m
        maxRelative = mb > 0 ? m / mb : m
        withinTolerance = ok
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
