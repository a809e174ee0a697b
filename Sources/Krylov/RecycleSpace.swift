/// The space one solve hands to the next in a sequence of systems: k vectors of length n.
///
/// Recycled CG deflates with it (the Ritz vectors of its last solve), GCRO-DR augments with it
/// (harmonic Ritz vectors); each recomputes the images A·U with the next matrix rather than
/// reusing them, since a stale A·U would deflate the wrong operator. A sweep worker carries it
/// from case to case (`CarriedState`); it never crosses threads.
public final class RecycleSpace {
    public let vectors: [[Double]]
    public init(vectors: [[Double]]) { self.vectors = vectors }
    public var count: Int { vectors.count }
}
