import Foundation

/// A lower bound α_LB(μ) ≤ α(μ) = inf_v a(v, v; μ) / ‖v‖²_X of the coercivity constant, X = A(μ̄):
/// what turns the residual's dual norm into a rigorous error bound, Δ(μ) = ‖r‖_X' / α_LB(μ).
///
/// `nodalRatio` is the one for diffusion–reaction families, affine or not: when the
/// coefficient a(x; μ) ≥ r·a(x; μ̄) at every node and the reaction c(x; μ) ≥ r·c(x; μ̄) ≥ 0 at
/// every unknown, every face transmissibility (a harmonic mean of nodal coefficients, monotone
/// and 1-homogeneous) and every reaction term of a(v, v; μ) is at least r times its value at
/// μ̄, so a(v, v; μ) ≥ r·a(v, v; μ̄) = r‖v‖²_X — the min-θ argument of Prud'homme et al. (2002)
/// applied node by node rather than term by term.
public struct CoercivityLowerBound: Sendable {
    public let name: String
    public let value: @Sendable ([Double]) throws -> Double

    public init(name: String, value: @escaping @Sendable ([Double]) throws -> Double) { self.name = name; self.value = value }

    /// min over nodes of a(μ)/a(μ̄) and, where c(μ̄) > 0, of c(μ)/c(μ̄) (where c(μ̄) = 0 the
    /// term c(μ)v² ≥ 0 only adds); 0 — no bound — when c(μ) is negative somewhere.
    public static func nodalRatio(coefficient: [Double], referenceCoefficient: [Double],
                                  reaction: [Double]? = nil, referenceReaction: [Double]? = nil) -> Double {
        precondition(coefficient.count == referenceCoefficient.count, "one coefficient per node at μ and μ̄")
        var r = Double.infinity
        for (a, a0) in zip(coefficient, referenceCoefficient) { r = min(r, a / a0) }
        if let reaction {
            let c0 = referenceReaction ?? [Double](repeating: 0, count: reaction.count)
            for (c, cRef) in zip(reaction, c0) {
                if c < 0 { return 0 }
                if cRef > 0 { r = min(r, c / cRef) }
            }
        }
        return r.isFinite ? max(r, 0) : 0
    }
}
