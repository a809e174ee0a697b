import XCTest
@testable import Spectral

/// A kept field samples what a new one does, bit for bit; the pool keeps at most its capacity
/// and drops what is too large.
final class GaussianRandomFieldPoolTests: XCTestCase {
    func testKeptFieldsSampleAsNewOnesAndThePoolStaysBounded() throws {
        let axes = [GaussianRandomField.Axis(nodes: 33, length: 1), GaussianRandomField.Axis(nodes: 20, length: 2, periodic: true)]
        let key = GaussianRandomFieldPool.Key(axes: axes, alpha: 2.5, tau: 7, variance: nil)
        let fresh = try GaussianRandomField(axes: axes, alpha: 2.5, tau: 7)
        for seed: UInt64 in [0, 1, 99, 1 << 40] {
            let pooled = try GaussianRandomFieldPool.with(key) { $0.sample(seed: seed) }
            XCTAssertEqual(pooled.map(\.bitPattern), fresh.sample(seed: seed).map(\.bitPattern), "seed \(seed)")
        }
        XCTAssertGreaterThanOrEqual(GaussianRandomFieldPool.kept, 1)
        // A Matérn key holds the convenience initialiser's α and τ.
        let matern = try GaussianRandomFieldPool.Key(maternAxes: axes, nu: 1.5, lengthScale: 0.2, variance: 2)
        let direct = try GaussianRandomField(maternAxes: axes, nu: 1.5, lengthScale: 0.2, variance: 2)
        XCTAssertEqual(try GaussianRandomFieldPool.with(matern) { $0.sample(seed: 5) }, direct.sample(seed: 5))
        XCTAssertThrowsError(try GaussianRandomFieldPool.Key(maternAxes: axes, nu: 0, lengthScale: 0.2, variance: 2))
        // Many keys, and fields taken at once: never more than the capacity kept.
        for tau in stride(from: 1.0, through: 9, by: 1) {
            let k = GaussianRandomFieldPool.Key(axes: axes, alpha: 2, tau: tau, variance: nil)
            _ = try GaussianRandomFieldPool.with(k) { a in try GaussianRandomFieldPool.with(k) { b in a.sample(seed: 1)[3] + b.sample(seed: 2)[3] } }
            XCTAssertLessThanOrEqual(GaussianRandomFieldPool.kept, GaussianRandomFieldPool.capacity)
        }
        // Too large to keep (24 bytes a node above 32 MB).
        let large = GaussianRandomFieldPool.Key(axes: [GaussianRandomField.Axis(nodes: 1_500_000, length: 1)], alpha: 1, tau: 1, variance: nil)
        let before = GaussianRandomFieldPool.kept
        _ = try GaussianRandomFieldPool.with(large) { $0.modeStandardDeviations.count }
        XCTAssertLessThanOrEqual(GaussianRandomFieldPool.kept, before)
    }
}
