import Foundation

/// An error in an expression, with the 1-based column where it was found.
public struct ExpressionError: Error, CustomStringConvertible, Equatable {
    public let source: String
    public let column: Int
    public let message: String
    public var description: String { "in expression \"\(source)\" at column \(column): \(message)" }
}

/// A compiled scalar expression such as `sin(k*pi*x)*exp(-y) + x^2`.
///
/// Parsed once (recursive descent), constant-folded (subtrees without variables only: `x*0`
/// stays, because it is NaN for infinite x), and compiled to postfix code run by a fixed-size
/// stack, so evaluation at a million grid points does no allocation or lookup. Precedence as
/// in mathematics and Python: `^` (or `**`) binds tighter than unary minus and is
/// right-associative, so `-x^2 = -(x²)` and `2^3^2 = 512`.
public struct Expression: Sendable, CustomStringConvertible {
    public let source: String
    public let variables: [String]
    private let code: [Instruction]
    private let maxDepth: Int
    public let usedVariables: Set<String>

    public var description: String { source }
    public var isConstant: Bool { usedVariables.isEmpty }

    public static let constants: [String: Double] = ["pi": Double.pi, "e": M_E]
    /// Name → arity (−1: variadic with at least two arguments).
    static let functions: [String: Int] = [
        "sin": 1, "cos": 1, "tan": 1, "asin": 1, "acos": 1, "atan": 1, "atan2": 2, "sinh": 1, "cosh": 1,
        "tanh": 1, "exp": 1, "log": 1, "log10": 1, "sqrt": 1, "abs": 1, "floor": 1, "ceil": 1, "sign": 1,
        "pow": 2, "min": -1, "max": -1,
    ]

    public init(_ source: String, variables: [String] = ["x", "y", "z", "t"], parameters: [String: Double] = [:]) throws {
        self.source = source
        self.variables = variables
        for name in parameters.keys {
            if Self.functions[name] != nil || Self.constants[name] != nil || variables.contains(name) {
                throw ExpressionError(source: source, column: 1, message: "parameter '\(name)' clashes with a built-in name")
            }
        }
        var parser = ExpressionParser(source: source, variables: variables, parameters: parameters)
        let tree = try parser.parse()
        var code: [Instruction] = []
        var depth = 0, maxDepth = 0
        var used = Set<String>()
        tree.compile(into: &code, depth: &depth, maxDepth: &maxDepth, used: &used, variables: variables)
        self.code = code
        self.maxDepth = max(maxDepth, 1)
        self.usedVariables = used
    }

    /// Evaluates with the variables' values in the order given at initialisation.
    public func evaluate(_ values: UnsafeBufferPointer<Double>) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: maxDepth) { stack in
            var top = -1
            for op in code {
                switch op {
                case .constant(let c): top += 1; stack[top] = c
                case .variable(let i): top += 1; stack[top] = i < values.count ? values[i] : 0
                case .negate: stack[top] = -stack[top]
                case .add: top -= 1; stack[top] += stack[top + 1]
                case .subtract: top -= 1; stack[top] -= stack[top + 1]
                case .multiply: top -= 1; stack[top] *= stack[top + 1]
                case .divide: top -= 1; stack[top] /= stack[top + 1]
                case .power: top -= 1; stack[top] = Foundation.pow(stack[top], stack[top + 1])
                case .unary(let f): stack[top] = f.apply(stack[top])
                case .binary(let f): top -= 1; stack[top] = f.apply(stack[top], stack[top + 1])
                case .minimum(let n):
                    var m = stack[top]; for k in 1..<n { m = Swift.min(m, stack[top - k]) }
                    top -= n - 1; stack[top] = m
                case .maximum(let n):
                    var m = stack[top]; for k in 1..<n { m = Swift.max(m, stack[top - k]) }
                    top -= n - 1; stack[top] = m
                }
            }
            return stack[0]
        }
    }

    public func callAsFunction(_ x: Double, _ y: Double = 0, _ z: Double = 0, _ t: Double = 0) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4) { v in
            v[0] = x; v[1] = y; v[2] = z; v[3] = t
            return evaluate(UnsafeBufferPointer(v))
        }
    }
}

enum UnaryFunction: Sendable {
    case sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, exp, log, log10, sqrt, abs, floor, ceil, sign
    init?(_ name: String) {
        switch name {
        case "sin": self = .sin; case "cos": self = .cos; case "tan": self = .tan
        case "asin": self = .asin; case "acos": self = .acos; case "atan": self = .atan
        case "sinh": self = .sinh; case "cosh": self = .cosh; case "tanh": self = .tanh
        case "exp": self = .exp; case "log": self = .log; case "log10": self = .log10
        case "sqrt": self = .sqrt; case "abs": self = .abs; case "floor": self = .floor
        case "ceil": self = .ceil; case "sign": self = .sign
        default: return nil
        }
    }
    @inline(__always) func apply(_ x: Double) -> Double {
        switch self {
        case .sin: Foundation.sin(x); case .cos: Foundation.cos(x); case .tan: Foundation.tan(x)
        case .asin: Foundation.asin(x); case .acos: Foundation.acos(x); case .atan: Foundation.atan(x)
        case .sinh: Foundation.sinh(x); case .cosh: Foundation.cosh(x); case .tanh: Foundation.tanh(x)
        case .exp: Foundation.exp(x); case .log: Foundation.log(x); case .log10: Foundation.log10(x)
        case .sqrt: x.squareRoot(); case .abs: Swift.abs(x); case .floor: x.rounded(.down)
        case .ceil: x.rounded(.up)
        case .sign: x > 0 ? 1 : (x < 0 ? -1 : x)  // sign(±0) = ±0, sign(NaN) = NaN
        }
    }
}

enum BinaryFunction: Sendable {
    case atan2, pow
    @inline(__always) func apply(_ a: Double, _ b: Double) -> Double {
        switch self {
        case .atan2: Foundation.atan2(a, b)
        case .pow: Foundation.pow(a, b)
        }
    }
}

enum Instruction: Sendable {
    case constant(Double)
    case variable(Int)
    case negate, add, subtract, multiply, divide, power
    case unary(UnaryFunction)
    case binary(BinaryFunction)
    case minimum(Int), maximum(Int)
}
