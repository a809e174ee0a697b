import LinearAlgebra

/// A parametrised family as the offline stage needs it, whichever it is: the affine problem the
/// weak greedy reduces, the inner product X, truth solves to test the model against, and what
/// the model's archive records so that the online stage can rebuild the family's half.
///
/// A family affine by construction (the thermal block) reduces its own affine form; a family
/// made affine by EIM (`interpolation`, Casenave, Ern & Lelièvre 2015) reduces the EIM form,
/// whose solution differs from the truth by the EIM's share: the study reports both.
public protocol ReducedBasisFamily {
    /// The affine problem the greedy reduces.
    var problem: AffineProblem { get }
    /// X = A(μ̄) of the truth.
    var innerProduct: CSRMatrix { get }
    /// The solution's shape on the grid (`[n]` without a grid).
    var shape: [Int] { get }
    /// The family's entry in the model's manifest.
    var archived: ReducedModelArchive.Family { get }
    /// The EIM that made the family affine; nil when it is affine as it is.
    var interpolation: NonintrusiveAffineForm? { get }
    /// Test parameters the family fixes (a listing of members); nil: random in the training box.
    var testParameters: [[Double]]? { get }
    /// The truth at training parameter k for the greedy's snapshots; nil: the greedy solves the
    /// affine form itself (exact for an affine family).
    var trainingTruth: ((Int) throws -> [Double])? { get }
    /// The truth at μ: its solution and assembled matrix.
    func truth(_ mu: [Double]) throws -> (solution: [Double], matrix: CSRMatrix)
    /// The solution of the affine form itself at μ when it only approximates the truth (what the
    /// reduced basis approximates and its bound bounds); nil when it is the truth.
    func affineSolution(_ mu: [Double]) throws -> [Double]?
}

extension ReducedBasisFamily {
    public var interpolation: NonintrusiveAffineForm? { nil }
    public var testParameters: [[Double]]? { nil }
    public var trainingTruth: ((Int) throws -> [Double])? { nil }
    public func affineSolution(_ mu: [Double]) throws -> [Double]? { nil }

    /// Relative Frobenius distance of a truth matrix to the affine form; nil when exact.
    public func affineError(_ a: CSRMatrix) throws -> Double? { try interpolation?.relativeFrobeniusError(a) }
}
