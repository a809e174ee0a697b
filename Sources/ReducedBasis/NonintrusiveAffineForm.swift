import Foundation
import LinearAlgebra

/// The affine form of a family A(μ) u = f(μ) known only through a black box that assembles it
/// (Casenave, Ern & Lelièvre 2015): EIM of the training matrices' nonzeros and of the training
/// right-hand sides gives
///
///     A(μ) ≈ Σ_m β_m(μ) Q_m,   f(μ) ≈ Σ_k γ_k(μ) g_k,
///
/// with β(μ) from the M_A entries of A(μ) at `matrixInterpolation.entries` and γ(μ) from the
/// M_f entries of f(μ) at `loadInterpolation.points`: online, the black box only has to
/// produce the rows in `rows` (a few dozen), however A depends on μ.
public struct NonintrusiveAffineForm: Sendable {
    public let matrixInterpolation: MatrixInterpolation
    public let loadInterpolation: EmpiricalInterpolation
    public var size: Int { matrixInterpolation.pattern.rows }

    /// `matrices` and `loads` at the training parameters (one pattern for all matrices).
    public init(matrices: [CSRMatrix], loads: [[Double]], tolerance: Double, maxTerms: Int,
                selection: EmpiricalInterpolation.Selection = .eim) throws {
        guard let n = loads.first?.count, loads.count == matrices.count, loads.allSatisfy({ $0.count == n }),
              matrices.allSatisfy({ $0.rows == n }) else {
            throw LinearAlgebraError.invalidArgument("nonintrusive affine form: one right-hand side of the matrices' size per training matrix")
        }
        matrixInterpolation = try MatrixInterpolation(training: matrices, tolerance: tolerance, maxTerms: maxTerms, selection: selection)
        loadInterpolation = try EmpiricalInterpolation(snapshots: DenseMatrix(rows: n, columns: loads.count, values: loads.flatMap { $0 }),
                                                       tolerance: tolerance, maxTerms: maxTerms, selection: selection)
    }

    /// What the online stage needs: the entries and points with their Q[P, :].
    public var online: InterpolationEntries {
        InterpolationEntries(entries: matrixInterpolation.entries, matrixQ: matrixInterpolation.interpolation.interpolationMatrix,
                             points: loadInterpolation.points, loadQ: loadInterpolation.interpolationMatrix)
    }

    /// The rows the black box must assemble online: those of the matrix entries and the
    /// right-hand side's points, sorted.
    public var rows: [Int] { online.rows }

    /// The affine problem: Q_m and g_k as terms, coefficients from `assembleRows(μ)` (the black
    /// box asked for `rows` only).
    public func problem(assembleRows: @escaping @Sendable ([Double]) throws -> (matrix: CSRMatrix, load: [Double]),
                        coercivityLowerBound: CoercivityLowerBound) -> AffineProblem {
        let loads = (0..<loadInterpolation.terms).map { k in
            Array(loadInterpolation.basis.values[(k * size)..<((k + 1) * size)])
        }
        // Both coefficient vectors come from one assembly: the last one is kept for the load's call.
        let online = self.online
        let cache = CoefficientCache()
        @Sendable func both(_ mu: [Double]) throws -> (beta: [Double], gamma: [Double]) {
            if let hit = cache.get(mu) { return hit }
            let (a, f) = try assembleRows(mu)
            let c = try online.coefficients(matrix: a, load: f)
            cache.set(mu, c)
            return c
        }
        return AffineProblem(operators: matrixInterpolation.termMatrices(), loads: loads,
                             operatorCoefficients: { try both($0).beta }, loadCoefficients: { try both($0).gamma },
                             coercivityLowerBound: coercivityLowerBound)
    }
}

/// The coefficients of the last parameter asked for (θ and φ are asked for in pairs).
private final class CoefficientCache: @unchecked Sendable {
    private let lock = NSLock()
    private var key: [Double] = []
    private var value: (beta: [Double], gamma: [Double])?
    func get(_ mu: [Double]) -> (beta: [Double], gamma: [Double])? { lock.lock(); defer { lock.unlock() }; return key == mu ? value : nil }
    func set(_ mu: [Double], _ v: (beta: [Double], gamma: [Double])) { lock.lock(); key = mu; value = v; lock.unlock() }
}

extension NonintrusiveAffineForm {
    /// ‖A − Σ β_m Q_m‖_F / ‖A‖_F for a matrix A with the training pattern: how far the affine
    /// form is from a truth matrix (β from A's entries at the interpolation points).
    public func relativeFrobeniusError(_ a: CSRMatrix) throws -> Double {
        let approx = try matrixInterpolation.approximate(a)
        let d = zip(a.values, approx.values).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return (d / max(a.values.reduce(0) { $0 + $1 * $1 }, 1e-300)).squareRoot()
    }
}
