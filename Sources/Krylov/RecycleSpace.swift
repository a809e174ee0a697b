import LinearAlgebra

/// The space one solve hands to the next in a sequence of systems: k vectors of length n, the
/// columns of one `VectorBlock`.
///
/// Recycled CG deflates with it (the Ritz vectors of its last solve), GCRO-DR augments with it
/// (harmonic Ritz vectors); each recomputes the images A·U with the next matrix rather than
/// reusing them, since a stale A·U would deflate the wrong operator. A sweep worker carries it
/// from case to case (`CarriedState`); it never crosses threads.
public final class RecycleSpace {
    /// The vectors, as the first `count` columns.
    public let block: VectorBlock
    public let count: Int
    /// The length of the vectors (a system of another size ignores the space).
    public var length: Int { block.length }

    public init(block: VectorBlock, count: Int) {
        precondition(count >= 0 && count <= block.capacity, "RecycleSpace: \(count) of \(block.capacity) columns")
        self.block = block; self.count = count
    }
}

/// What a Krylov solve returns: the result, the space for the next system of a sequence (nil
/// from a method that does not recycle), and the products with A spent outside the iterations
/// (re-deriving A·U for a recycled space), which `result.iterations` does not count.
public struct KrylovSolution {
    public var result: SolveResult
    public var space: RecycleSpace?
    public var extraProducts: Int
    /// The previous solutions the start was projected on, and the products with A that cost
    /// (`PreviousSolutions`; not in `extraProducts`).
    public var startVectors = 0, startProducts = 0

    public init(result: SolveResult, space: RecycleSpace? = nil, extraProducts: Int = 0) {
        self.result = result; self.space = space; self.extraProducts = extraProducts
    }
}

/// A Krylov method as a sequence of systems drives it: A x = b from the guess in `x`, given the
/// previous system's recycle space (which a method that does not recycle ignores).
public protocol KrylovSolver: AnyObject {
    func solve(_ b: [Double], x: inout [Double], space: RecycleSpace?) -> KrylovSolution
}

extension KrylovSolver {
    /// A x = b from x = 0.
    public func solve(_ b: [Double], space: RecycleSpace?) -> (x: [Double], solution: KrylovSolution) {
        var x = [Double](repeating: 0, count: b.count)
        let s = solve(b, x: &x, space: space)
        return (x, s)
    }
}
