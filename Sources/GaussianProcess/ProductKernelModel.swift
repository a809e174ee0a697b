import Foundation

/// A Gaussian process with a product kernel s Π_k k_k(x_k − x_k') and noise σ²: what the grid
/// (`GridGaussianProcess`) and scattered (`ScatteredGaussianProcess`) models share, so that
/// their hyperparameters are one vector in one order, s, σ², then each axis's kernel parameters
/// (`kernel_1.lengthscale`, …), and are learned by the same loop.
public protocol ProductKernelModel: Sendable {
    var kernels: [Kernel1D] { get set }
    /// s, the variance of f (the kernels have unit variance, the mixtures their weights).
    var signalVariance: Double { get set }
    /// σ², the noise variance of the data.
    var noiseVariance: Double { get set }
}

extension ProductKernelModel {
    public var hyperparameterNames: [String] {
        ["signal_variance", "noise_variance"] + kernels.enumerated().flatMap { k, kernel in
            kernel.parameterNames.map { "kernel_\(k + 1).\($0)" }
        }
    }

    public var hyperparameters: [Double] {
        get { [signalVariance, noiseVariance] + kernels.flatMap(\.parameters) }
        set {
            precondition(newValue.count == 2 + kernels.reduce(0) { $0 + $1.parameters.count }, "hyperparameter count")
            signalVariance = newValue[0]; noiseVariance = newValue[1]
            var at = 2
            for k in kernels.indices {
                let c = kernels[k].parameters.count
                kernels[k].parameters = Array(newValue[at..<(at + c)]); at += c
            }
        }
    }

    /// Whether hyperparameter i is positive (optimised on its logarithm).
    public func isPositive(_ i: Int) -> Bool {
        if i < 2 { return true }
        var at = 2
        for kernel in kernels {
            if i < at + kernel.parameters.count { return kernel.isPositive(i - at) }
            at += kernel.parameters.count
        }
        return true
    }
}
