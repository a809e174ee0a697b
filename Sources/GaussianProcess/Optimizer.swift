import Foundation

/// Minimisation of a smooth objective within box bounds, for hyperparameters (in the variables
/// the caller chooses: logarithms of positive parameters). One record per iteration.
public struct OptimizationRecord: Sendable {
    public var iteration: Int
    public var value: Double
    public var gradientNorm: Double
    public var point: [Double]
}

public struct OptimizationResult: Sendable {
    public var point: [Double]
    public var value: Double
    public var gradient: [Double]
    public var iterations: Int
    public var evaluations: Int
    public var converged: Bool
    /// Why it stopped, in words (for run records).
    public var stopReason: String
    public var history: [OptimizationRecord]
}

/// The objective: value and gradient at a point.
public typealias Objective = ([Double]) throws -> (value: Double, gradient: [Double])

public struct Bounds: Sendable {
    public var lower: [Double]
    public var upper: [Double]
    public init(lower: [Double], upper: [Double]) { self.lower = lower; self.upper = upper }

    func project(_ x: [Double]) -> [Double] { zip(x, zip(lower, upper)).map { min(max($0, $1.0), $1.1) } }

    /// The gradient with components that push against an active bound zeroed: its norm is zero
    /// exactly at a KKT point of the box-constrained problem.
    func projectedGradient(_ x: [Double], _ g: [Double]) -> [Double] {
        x.indices.map { i in
            (x[i] <= lower[i] && g[i] > 0) || (x[i] >= upper[i] && g[i] < 0) ? 0 : g[i]
        }
    }
}

func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
