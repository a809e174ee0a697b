import Foundation
import XCTest
import LinearAlgebra
import Spectral
@testable import Tensor

final class ChebyshevTuckerTests: XCTestCase {
    func randomPoints(_ count: Int, _ box: [(Double, Double)], seed: UInt64) -> [[Double]] {
        var s = seed
        func u() -> Double { s = s &* 6364136223846793005 &+ 1442695040888963407; return Double(s >> 11) / Double(1 << 53) }
        return (0..<count).map { _ in box.map { $0.0 + ($0.1 - $0.0) * u() } }
    }

    /// A polynomial of degree ≤ n per axis is reproduced to rounding by n + 1 points, at
    /// scattered points and on a grid, in 1 to 4 dimensions; its integral is exact.
    func testPolynomialsAreReproduced() throws {
        let cases: [(box: [(Double, Double)], f: ([Double]) -> Double, integral: Double)] = [
            ([(0, 2)], { 3 * pow($0[0], 5) - $0[0] + 1 }, 3 * 64 / 6.0 - 2 + 2),
            ([(-1, 1), (0, 1)], { $0[0] * $0[0] * $0[1] - 2 * $0[1] + 0.5 }, 2.0 / 3 * 0.5 - 2 * 0.5 * 2 + 0.5 * 2),
            ([(-1, 1), (-1, 1), (-2, 1)], { $0[0] * $0[1] * $0[1] * $0[2] + pow($0[2], 3) }, 0 + 4 * (1 - 16) / 4.0),
            ([(-1, 1), (-1, 1), (-1, 1), (0, 1)], { $0[0] * $0[1] + $0[2] * $0[2] * $0[3] * $0[3] * $0[3] + 1 }, 0 + 4 * (2.0 / 3) * 0.25 + 8),
        ]
        for (d, c) in cases.enumerated() {
            let t = try ChebyshevTucker(box: c.box, points: Array(repeating: 9, count: c.box.count), tolerance: 1e-14, c.f)
            for p in randomPoints(50, c.box, seed: UInt64(d + 1)) {
                XCTAssertEqual(t.value(at: p), c.f(p), accuracy: 1e-12 * max(1, abs(c.f(p))), "d = \(d + 1) at \(p)")
            }
            XCTAssertEqual(t.integral(), c.integral, accuracy: 1e-12 * max(1, abs(c.integral)), "d = \(d + 1)")
            let axes = c.box.map { b in (0..<5).map { b.0 + (b.1 - b.0) * Double($0) / 4 } }
            let grid = t.values(onGrid: axes)
            var index = [Int](repeating: 0, count: axes.count)
            for m in 0..<grid.count {
                let p = (0..<axes.count).map { axes[$0][index[$0]] }
                XCTAssertEqual(grid.values[m], c.f(p), accuracy: 1e-12 * max(1, abs(c.f(p))))
                var k = axes.count - 1
                while k >= 0 { index[k] += 1; if index[k] < 5 { break }; index[k] = 0; k -= 1 }
            }
        }
    }

    /// A separable function is rank 1 in the format; exp(x + y + z) integrates to (e − 1/e)³.
    func testSeparableFunctionIsRankOne() throws {
        let box = [(-1.0, 1.0), (-1.0, 1.0), (-1.0, 1.0)]
        let t = try ChebyshevTucker.adaptive(box: box, tolerance: 1e-12) { exp($0[0] + $0[1] + $0[2]) }
        XCTAssertEqual(t.ranks, [1, 1, 1])
        XCTAssertEqual(t.integral(), pow(M_E - 1 / M_E, 3), accuracy: 1e-11)
    }

    /// 1/(1 + 25|x|²) on [−1,1]³ (a test function of issue 13) to 1e-4 and 1e-6: the adaptive
    /// degrees and the Tucker truncation (relative Frobenius error ε of the coefficients, whose
    /// norm is about that of f, max 1) keep the pointwise error at 500 random points within
    /// 10 ε — a smooth remainder's maximum is a few times its mean square (measured 0.10 ε and
    /// 0.19 ε at degrees 64 and 96, ranks 7 and 9); ranks stay far below the degrees.
    func testAdaptiveDegreeMeetsTheTolerance() throws {
        let box = [(-1.0, 1.0), (-1.0, 1.0), (-1.0, 1.0)]
        let f: ([Double]) -> Double = { 1 / (1 + 25 * ($0[0] * $0[0] + $0[1] * $0[1] + $0[2] * $0[2])) }
        for tolerance in [1e-4, 1e-6] {
            let t = try ChebyshevTucker.adaptive(box: box, tolerance: tolerance, f)
            var worst = 0.0
            for p in randomPoints(500, box, seed: 9) { worst = max(worst, abs(t.value(at: p) - f(p))) }
            XCTAssertLessThanOrEqual(worst, 10 * tolerance, "tolerance \(tolerance): degrees \(t.degrees), ranks \(t.ranks)")
            XCTAssertLessThan(t.ranks.max()!, t.degrees.min()! / 2, "ranks \(t.ranks), degrees \(t.degrees)")
            XCTAssertLessThan(t.storage, t.degrees.map { $0 + 1 }.reduce(1, *) / 10)
        }
    }

    /// A steep front tanh(20(x + y + z − 2.4)) that crosses only the corner of the box near
    /// (1, 1, 1): the probe lines of `adaptive` miss it on two axes (they see a constant and
    /// suggest low degrees, asserted below so the test keeps exercising that path), and the
    /// check on the whole coefficient tensor must catch it and grow the degrees. The format's
    /// guarantee is in the mean square (the relative Frobenius error of the coefficients, ≈ the
    /// Chebyshev-weighted L2 error): the RMS error over random points must stay within 3 ε of
    /// f's RMS (measured 0.87 ε). The maximum is not bounded by 10 ε here as it is for smooth
    /// functions: the truncation's error gathers on the thin front (1.4e-3 at ε = 1e-4; the
    /// growth rule alone gave 1.9e-3).
    func testFeatureTheProbeLinesMissIsStillResolved() throws {
        let box = [(-1.0, 1.0), (-1.0, 1.0), (-1.0, 1.0)]
        let f: ([Double]) -> Double = { x in tanh(20 * (x[0] + x[1] + x[2] - 2.4)) }
        let tolerance = 1e-4
        let probed = try ChebyshevTucker.probeCutoffs(box: box, tolerance: tolerance, maxPoints: 257, f)
        let t = try ChebyshevTucker.adaptive(box: box, tolerance: tolerance, f)
        XCTAssertTrue(t.degreesResolved)
        XCTAssertTrue(zip(probed, t.degrees).contains { ($0 ?? 0) < $1 / 2 }, "the probe saw the front: \(probed) vs degrees \(t.degrees)")
        var error2 = 0.0, norm2 = 0.0
        let points = randomPoints(2000, box, seed: 4)
        for p in points { let e = t.value(at: p) - f(p); error2 += e * e; norm2 += f(p) * f(p) }
        XCTAssertLessThanOrEqual((error2 / norm2).squareRoot(), 3 * tolerance, "probe cut-offs \(probed), degrees \(t.degrees), ranks \(t.ranks)")
    }

    /// A peak too sharp for 257 points (Runge's function with a = 1e6 and 1e10): the growth
    /// rule extrapolates the slow decay to astronomically many points (or inf), which the
    /// 5-smooth search walked up from forever. It must stop at the cap and say it is capped.
    func testSharpPeakStopsAtTheCap() throws {
        for a in [1e6, 1e10] {
            let t = try ChebyshevTucker.adaptive(box: [(-1, 1)], tolerance: 1e-10) { 1 / (1 + a * $0[0] * $0[0]) }
            XCTAssertFalse(t.degreesResolved, "a = \(a)")
            XCTAssertLessThanOrEqual(t.degrees[0], 256, "a = \(a)")
        }
        // The next count stays within the doubling the rule starts from, whatever the decay.
        var c = DenseTensor(shape: [65], values: (0..<65).map { 1 - 1e-12 * Double($0) })
        XCTAssertLessThanOrEqual(ChebyshevTucker.nextPointCount(c, axis: 0, target: 1e-300), 129)
        c = DenseTensor(shape: [65], values: (0..<65).map { pow(0.999_999_999, Double($0)) })
        XCTAssertLessThanOrEqual(ChebyshevTucker.nextPointCount(c, axis: 0, target: 1e-300), 129)
    }

    func testRejectsBadBoxesAndHugeGrids() {
        XCTAssertThrowsError(try ChebyshevTucker(box: [(1, 0)], points: [5], tolerance: 1e-8) { $0[0] })
        XCTAssertThrowsError(try ChebyshevTucker(box: [(0, 1), (0, 1), (0, 1), (0, 1)], points: [200, 200, 200, 200], tolerance: 1e-8) { $0[0] })
        XCTAssertThrowsError(try ChebyshevTucker(box: [(0, .infinity)], points: [5], tolerance: 1e-8) { $0[0] })
    }
}

final class ChebyshevCoefficientPathTests: XCTestCase {
    /// The dense-matrix DCT-I (used for 97–160 points per axis) equals FFTW's on the same
    /// samples: both are the same linear map, so they agree to rounding (n · ε · max|f|).
    func testMatrixDCTAgreesWithFFTW() throws {
        let points = [97, 101, 99]
        let v = DenseTensor(shape: points) { i in sin(0.37 * Double(i[0]) + cos(0.11 * Double(i[1] * i[2]))) }
        let viaMatrix = try ChebyshevTucker.coefficients(v, points: points)
        let viaFFTW = try ChebyshevTransform(points: points).coefficients(fromValues: v.values)
        let worst = zip(viaMatrix.values, viaFFTW).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(worst, 1e-13)
    }
}
