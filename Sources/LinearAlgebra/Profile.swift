import Foundation

/// `pdekit run --profile` (in the manner of PETSc's -log_view): named events with their calls,
/// seconds and, where a model of the traffic is known, the bytes they move. Off by default;
/// when off, nothing is timed or counted (the decorators that record events are not built).
/// Recording takes a lock, so events from a sweep's workers would mix: the profile is for a
/// single run.
public enum Profile {
    public struct Event: Sendable, Equatable {
        public var name: String
        public var calls = 0
        public var seconds = 0.0
        /// Bytes moved by the calls, by the event's model; nil when no model is known.
        public var bytes: Double?
    }

    nonisolated(unsafe) private static var on = false
    nonisolated(unsafe) private static var events: [Event] = []
    private static let lock = NSLock()

    public static var enabled: Bool { lock.withLock { on } }

    /// Starts a profile with no events (or ends one).
    public static func enable(_ flag: Bool) { lock.withLock { on = flag; events = [] } }

    /// Adds one call of `name` (created at its first call, kept in that order).
    public static func record(_ name: String, seconds: Double, bytes: Double?) {
        lock.withLock {
            guard on else { return }
            if let i = events.firstIndex(where: { $0.name == name }) {
                events[i].calls += 1
                events[i].seconds += seconds
                if let b = bytes { events[i].bytes = (events[i].bytes ?? 0) + b }
            } else {
                events.append(Event(name: name, calls: 1, seconds: seconds, bytes: bytes))
            }
        }
    }

    /// The events recorded since `enable(true)`.
    public static var recorded: [Event] { lock.withLock { events } }

    /// Seconds of a monotonic clock, for timing one call.
    @inline(__always) public static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
}
