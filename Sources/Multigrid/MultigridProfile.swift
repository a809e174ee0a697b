import Foundation
import LinearAlgebra

extension GeometricMultigrid {
    /// Median seconds of the parts of a cycle on the finest level (for `pdekit-bench
    /// multigrid --profile`): where a cycle's time goes, against a plain array copy.
    public func profileFinestLevel(_ b: [Double], repeats: Int = 15) -> [(part: String, seconds: Double)] {
        let level = levels[0], op = level.op, n = op.rows
        var x = [Double](repeating: 0, count: n), y = x
        func time(_ body: () -> Void) -> Double {
            let samples = (0..<repeats).map { _ -> Double in let t = Date(); body(); return Date().timeIntervalSince(t) }
            return samples.sorted()[repeats / 2]
        }
        var parts: [(String, Double)] = []
        b.withUnsafeBufferPointer { bp in
            x.withUnsafeMutableBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    let xb = xp.baseAddress!, bb = bp.baseAddress!
                    parts.append(("apply", time { op.apply(bp, into: yp) }))
                    parts.append(("residual", time { op.residual(bp, UnsafeBufferPointer(xp), into: yp) }))
                    parts.append(("smooth", time { level.smoother.smooth(xb, bb, sweeps: 1, reverse: false) }))
                    if levels.count > 1, let t = level.toCoarse {
                        parts.append(("restrict", time { t.restrict(bb, into: levels[1].b.pointer) }))
                        parts.append(("prolong", time { t.prolong(levels[1].x.pointer, into: xb, replace: false) }))
                    }
                    parts.append(("v_cycle", time { cycle(0, xb, bb, .v) }))
                    parts.append(("precondition", time { apply(bp, into: yp) }))
                    parts.append(("copy", time { Vec.copy(bp, into: yp) }))
                }
            }
        }
        return parts
    }
}
