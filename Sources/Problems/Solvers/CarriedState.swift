/// What one sweep worker keeps from a case for the next case it runs: an analysed CHOLMOD or
/// UMFPACK pattern, an AMG hierarchy, a recycle space, a loaded reduced model.
///
/// Each worker owns one and hands it to every case of its chain in order, so it never crosses
/// threads (it is deliberately not Sendable). Entries are keyed by the component that wrote
/// them; a component checks that what it finds still fits (the same pattern, the same size)
/// before reusing it, and replaces it otherwise.
public final class CarriedState {
    private var entries: [String: AnyObject] = [:]
    public init() {}

    public func value<T: AnyObject>(_ key: String, as type: T.Type) -> T? { entries[key] as? T }
    public func set(_ key: String, _ value: AnyObject?) { entries[key] = value }
}
