/// What one sweep worker keeps from a case for the next case it runs: an analysed CHOLMOD or
/// UMFPACK pattern, an AMG hierarchy, a recycle space, a loaded reduced model.
///
/// Each worker owns one and hands it to every case of its chain in order, so it never crosses
/// threads (it is deliberately not Sendable). Entries are stored under typed keys (`Key`), one
/// per component that writes them; a component checks that what it finds still fits (the same
/// pattern, the same size) before reusing it, and replaces it otherwise.
public final class CarriedState {
    /// The name an entry is kept under and the type it has.
    public struct Key<Value: AnyObject>: Sendable {
        public let name: String
        public init(_ name: String) { self.name = name }
    }

    private var entries: [String: AnyObject] = [:]
    public init() {}

    public func value<Value>(_ key: Key<Value>) -> Value? { entries[key.name] as? Value }
    public func set<Value>(_ key: Key<Value>, _ value: Value?) { entries[key.name] = value }
}
