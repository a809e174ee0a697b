import Foundation
import LinearAlgebra

/// Built fields kept for the next sample with the same parameters.
///
/// A sweep over seeds samples the same covariance on the same grid for every case, and
/// building a `GaussianRandomField` (a power per mode for its spectrum, an FFTW plan) was a
/// tenth of a 63² Darcy case's time. A caller takes a field for its parameters, samples, and
/// gives it back; each field serves one thread at a time (its transform buffer is its own), so
/// two sweep workers hold two. A field's samples do not depend on whether it was kept: the
/// spectrum is a function of the parameters and the plan's algorithm is FFTW_ESTIMATE's
/// deterministic choice. Only fields of at most `maximumBytes` are kept, at most `capacity` in
/// all; parameters not seen before push out the others.
public enum GaussianRandomFieldPool {
    public struct Key: Hashable, Sendable {
        public var axes: [GaussianRandomField.Axis]
        public var alpha: Double, tau: Double
        public var variance: Double?
        public init(axes: [GaussianRandomField.Axis], alpha: Double, tau: Double, variance: Double?) {
            self.axes = axes; self.alpha = alpha; self.tau = tau; self.variance = variance
        }

        /// A Matérn field's: α = ν + d/2, τ = √(2ν)/ℓ.
        public init(maternAxes axes: [GaussianRandomField.Axis], nu: Double, lengthScale: Double, variance: Double) throws {
            guard nu > 0, lengthScale > 0 else { throw LinearAlgebraError.invalidArgument("Matérn field: nu and length_scale must be positive") }
            self.init(axes: axes, alpha: nu + Double(axes.count) / 2, tau: (2 * nu).squareRoot() / lengthScale, variance: variance)
        }
    }

    public static let capacity = 4
    /// Three arrays of the grid's size (spectrum, basis scale, transform buffer): 32 MB is a
    /// grid of about 1,400,000 nodes.
    public static let maximumBytes = 32 << 20

    nonisolated(unsafe) private static var free: [Key: [GaussianRandomField]] = [:]
    private static let lock = NSLock()

    /// `body` with a field for `key`: a kept one, or a new one kept afterwards when it is small
    /// enough.
    public static func with<T>(_ key: Key, _ body: (GaussianRandomField) throws -> T) throws -> T {
        let field = try take(key) ?? GaussianRandomField(axes: key.axes, alpha: key.alpha, tau: key.tau, variance: key.variance)
        defer { give(field, key) }
        return try body(field)
    }

    private static func take(_ key: Key) -> GaussianRandomField? {
        lock.lock(); defer { lock.unlock() }
        return free[key]?.popLast()
    }

    private static func give(_ field: GaussianRandomField, _ key: Key) {
        guard 24 * key.axes.reduce(1, { $0 * $1.nodes }) <= maximumBytes else { return }
        lock.lock(); defer { lock.unlock() }
        if free[key] == nil { free = free.filter { !$0.value.isEmpty } }
        if free.values.reduce(0, { $0 + $1.count }) >= capacity { free = free.filter { $0.key == key } }
        if (free[key]?.count ?? 0) < capacity { free[key, default: []].append(field) }
    }

    /// Kept fields, for tests.
    static var kept: Int { lock.lock(); defer { lock.unlock() }; return free.values.reduce(0) { $0 + $1.count } }
}
