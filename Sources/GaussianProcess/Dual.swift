import Foundation

/// The arithmetic a kernel formula needs, so that one formula serves both values (`Double`)
/// and exact derivatives in a hyperparameter (`Dual`, forward-mode automatic differentiation).
/// The inputs τ stay plain `Double`s: kernels are differentiated in τ by hand (k', k'' are
/// written out per kernel, because |τ| is not differentiable at 0 while the Matérn kernels are),
/// and in the hyperparameters by running the same code on duals.
public protocol KernelScalar: Sendable {
    init(_ value: Double)
    var value: Double { get }
    static func + (a: Self, b: Self) -> Self
    static func - (a: Self, b: Self) -> Self
    static func * (a: Self, b: Self) -> Self
    static func / (a: Self, b: Self) -> Self
    static prefix func - (a: Self) -> Self
    static func exp(_ a: Self) -> Self
    static func cos(_ a: Self) -> Self
    static func sin(_ a: Self) -> Self
    static func sqrt(_ a: Self) -> Self
}

extension KernelScalar {
    static func + (a: Self, b: Double) -> Self { a + Self(b) }
    static func + (a: Double, b: Self) -> Self { Self(a) + b }
    static func - (a: Self, b: Double) -> Self { a - Self(b) }
    static func - (a: Double, b: Self) -> Self { Self(a) - b }
    static func * (a: Self, b: Double) -> Self { a * Self(b) }
    static func * (a: Double, b: Self) -> Self { Self(a) * b }
    static func / (a: Self, b: Double) -> Self { a / Self(b) }
    static func / (a: Double, b: Self) -> Self { Self(a) / b }
}

extension Double: KernelScalar {
    public var value: Double { self }
    public static func exp(_ a: Double) -> Double { Foundation.exp(a) }
    public static func cos(_ a: Double) -> Double { Foundation.cos(a) }
    public static func sin(_ a: Double) -> Double { Foundation.sin(a) }
    public static func sqrt(_ a: Double) -> Double { a.squareRoot() }
}

/// a + b ε with ε² = 0: evaluating f on (θ, 1) gives (f(θ), f'(θ)) exactly (no step size).
public struct Dual: KernelScalar, Equatable {
    public var value: Double
    public var derivative: Double
    public init(_ value: Double) { self.value = value; derivative = 0 }
    public init(_ value: Double, _ derivative: Double) { self.value = value; self.derivative = derivative }

    public static func + (a: Dual, b: Dual) -> Dual { Dual(a.value + b.value, a.derivative + b.derivative) }
    public static func - (a: Dual, b: Dual) -> Dual { Dual(a.value - b.value, a.derivative - b.derivative) }
    public static func * (a: Dual, b: Dual) -> Dual { Dual(a.value * b.value, a.derivative * b.value + a.value * b.derivative) }
    public static func / (a: Dual, b: Dual) -> Dual {
        Dual(a.value / b.value, (a.derivative * b.value - a.value * b.derivative) / (b.value * b.value))
    }
    public static prefix func - (a: Dual) -> Dual { Dual(-a.value, -a.derivative) }
    public static func exp(_ a: Dual) -> Dual { let e = Foundation.exp(a.value); return Dual(e, e * a.derivative) }
    public static func cos(_ a: Dual) -> Dual { Dual(Foundation.cos(a.value), -Foundation.sin(a.value) * a.derivative) }
    public static func sin(_ a: Dual) -> Dual { Dual(Foundation.sin(a.value), Foundation.cos(a.value) * a.derivative) }
    public static func sqrt(_ a: Dual) -> Dual { let s = a.value.squareRoot(); return Dual(s, a.derivative / (2 * s)) }
}
