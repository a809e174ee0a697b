import Foundation

/// An error in an expression: the 1-based column (counted in characters) and what is wrong.
public struct ExpressionError: Error, CustomStringConvertible, Equatable {
    public let source: String
    public let column: Int
    public let message: String

    public init(source: String, column: Int, message: String) {
        self.source = source; self.column = column; self.message = message
    }

    /// One line, so that it can be embedded in a problem-file error.
    public var description: String { "in expression \"\(source)\" at column \(column): \(message)" }
}

/// A scalar expression such as `sin(mu*pi*x)*exp(-y) + 2*x^2`, compiled once and then
/// evaluated at every grid point.
///
/// Compilation: recursive descent to a small tree, folding subtrees without variables as it
/// goes (`x*0` is kept: it is NaN for infinite x), then one closure per node, each specialised
/// for its operator and for leaf operands (`2*x` is a single closure reading `x`). An
/// evaluation is a walk of direct closure calls: no allocation, no lookup, no string work.
/// Closures were chosen over postfix code for a stack machine because they measured faster
/// (release build, `sin(2*pi*x)*sin(3*pi*y)*exp(-x*y) + x^2`: 34 ns against 45 ns): Swift
/// cannot thread an interpreter, so every instruction paid a shared indirect jump.
///
/// Precedence follows mathematics and Python: `^` (also `**`) is right-associative and binds
/// tighter than unary minus, so `-x^2 = -(x²)` and `2^3^2 = 512`.
public struct Expression: Sendable, CustomStringConvertible {
    public let source: String
    /// The coordinate names, in the order `evaluate` expects their values.
    public let variables: [String]
    /// The variables the expression actually reads.
    public let usedVariables: Set<String>
    /// True if no variable is read (after folding): callers may evaluate once and reuse the value.
    public var isConstant: Bool { usedVariables.isEmpty }
    public var description: String { source }

    private let kernel: ExpressionKernel
    /// The folded syntax tree, for evaluation over a whole grid (`values(onGrid:)`).
    let tree: ExpressionNode
    /// One past the largest variable index read: shorter value buffers are padded with zeros.
    private let requiredValues: Int

    public static let constants: [String: Double] = ["pi": Double.pi, "e": M_E]

    static let functions: [String: ExpressionFunction] = [
        "sin": .unary(.sin), "cos": .unary(.cos), "tan": .unary(.tan), "asin": .unary(.asin),
        "acos": .unary(.acos), "atan": .unary(.atan), "sinh": .unary(.sinh), "cosh": .unary(.cosh),
        "tanh": .unary(.tanh), "exp": .unary(.exp), "log": .unary(.log), "log10": .unary(.log10),
        "sqrt": .unary(.sqrt), "abs": .unary(.abs), "floor": .unary(.floor), "ceil": .unary(.ceil),
        "sign": .unary(.sign), "atan2": .binary(.atan2), "pow": .binary(.power),
        "min": .variadic(.minimum), "max": .variadic(.maximum),
    ]

    /// - Parameters:
    ///   - variables: the coordinate names, in the order their values are passed to `evaluate`.
    ///   - parameters: named constants, substituted at compile time. A parameter may not reuse
    ///     the name of a function, a constant or a variable: the meaning of the name would then
    ///     depend on which table wins.
    public init(_ source: String, variables: [String] = ["x", "y", "z", "t"], parameters: [String: Double] = [:]) throws {
        self.source = source
        self.variables = variables
        func clash(_ message: String) -> ExpressionError {
            // The clash is in the configuration, not in the text, so it is reported at column 1.
            ExpressionError(source: source, column: 1, message: message)
        }
        var seen = Set<String>()
        for name in variables {
            if let kind = Self.builtInKind(name) { throw clash("variable '\(name)' clashes with the \(kind) '\(name)'") }
            if !seen.insert(name).inserted { throw clash("variable '\(name)' is listed twice") }
        }
        for name in parameters.keys.sorted() {
            if let kind = Self.builtInKind(name) { throw clash("parameter '\(name)' clashes with the \(kind) '\(name)'") }
            if seen.contains(name) { throw clash("parameter '\(name)' shadows the variable '\(name)'") }
        }

        var parser = try ExpressionParser(source: source, variables: variables, parameters: parameters)
        tree = try parser.parse()
        kernel = ExpressionCompiler.compile(tree)
        requiredValues = (parser.usedIndices.max() ?? -1) + 1
        usedVariables = Set(parser.usedIndices.map { variables[$0] })
    }

    private static func builtInKind(_ name: String) -> String? {
        if functions[name] != nil { return "function" }
        if constants[name] != nil { return "constant" }
        return nil
    }

    /// Evaluates with the variables' values in the order given at initialisation; missing
    /// trailing values count as 0.
    public func evaluate(_ values: UnsafeBufferPointer<Double>) -> Double {
        // Padding here, once, keeps the loads in the kernel free of bounds tests.
        if values.count >= requiredValues { return kernel(values.baseAddress) }
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: requiredValues) { padded in
            _ = padded.initialize(from: values)
            for i in values.count..<requiredValues { padded.initializeElement(at: i, to: 0) }
            return kernel(UnsafePointer(padded.baseAddress))
        }
    }

    /// `f(x, y, z, t)` for the default variables; with another variable list the arguments
    /// are its first four values.
    public func callAsFunction(_ x: Double, _ y: Double = 0, _ z: Double = 0, _ t: Double = 0) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4) { v in
            v.initializeElement(at: 0, to: x); v.initializeElement(at: 1, to: y)
            v.initializeElement(at: 2, to: z); v.initializeElement(at: 3, to: t)
            return evaluate(UnsafeBufferPointer(v))
        }
    }
}

enum ExpressionFunction: Sendable {
    case unary(ExpressionUnary), binary(ExpressionBinary), variadic(ExpressionBinary)
}

enum ExpressionUnary: Sendable {
    case negate, sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, exp, log, log10, sqrt, abs, floor, ceil, sign
}

enum ExpressionBinary: Sendable {
    case add, subtract, multiply, divide, power, atan2, minimum, maximum
}

/// Reads variable `i` as `values.unsafelyUnwrapped[i]`. The pointer is nil only for an empty
/// buffer (or when folding), which reaches a kernel only if it reads no variable.
typealias ExpressionKernel = @Sendable (UnsafePointer<Double>?) -> Double

protocol ExpressionUnaryKernel: SendableMetatype { static func apply(_ x: Double) -> Double }
protocol ExpressionBinaryKernel: SendableMetatype { static func apply(_ a: Double, _ b: Double) -> Double }

/// One type per operation, so that each generic closure below is specialised with its
/// operation inlined: a closure per node and no switch at evaluation time.
enum ExpressionKernels {
    enum Negate: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { -x } }
    enum Square: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { x * x } }
    enum Sin: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.sin(x) } }
    enum Cos: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.cos(x) } }
    enum Tan: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.tan(x) } }
    enum Asin: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.asin(x) } }
    enum Acos: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.acos(x) } }
    enum Atan: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.atan(x) } }
    enum Sinh: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.sinh(x) } }
    enum Cosh: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.cosh(x) } }
    enum Tanh: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.tanh(x) } }
    enum Exp: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.exp(x) } }
    enum Log: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.log(x) } }
    enum Log10: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.log10(x) } }
    enum Sqrt: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.sqrt(x) } }
    enum Abs: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Swift.abs(x) } }
    enum Floor: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.floor(x) } }
    enum Ceil: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { Foundation.ceil(x) } }
    /// Keeps ±0 and NaN, as numpy.sign does.
    enum Sign: ExpressionUnaryKernel { static func apply(_ x: Double) -> Double { x > 0 ? 1 : (x < 0 ? -1 : x) } }

    enum Add: ExpressionBinaryKernel { static func apply(_ a: Double, _ b: Double) -> Double { a + b } }
    enum Subtract: ExpressionBinaryKernel { static func apply(_ a: Double, _ b: Double) -> Double { a - b } }
    enum Multiply: ExpressionBinaryKernel { static func apply(_ a: Double, _ b: Double) -> Double { a * b } }
    enum Divide: ExpressionBinaryKernel { static func apply(_ a: Double, _ b: Double) -> Double { a / b } }
    /// `a^2` is `a*a` whether the 2 is literal (compiled to `Square`) or computed (here): the
    /// product is correctly rounded, which libm's pow only nearly guarantees, and much faster.
    enum Power: ExpressionBinaryKernel {
        static func apply(_ a: Double, _ b: Double) -> Double { b == 2 ? a * a : Foundation.pow(a, b) }
    }
    enum Atan2: ExpressionBinaryKernel { static func apply(_ a: Double, _ b: Double) -> Double { Foundation.atan2(a, b) } }
    /// min and max propagate NaN (as numpy.minimum/maximum do): a NaN argument signals a bad
    /// input and must not be dropped, and the result must not depend on argument order.
    enum Minimum: ExpressionBinaryKernel { static func apply(_ a: Double, _ b: Double) -> Double { b < a || b.isNaN ? b : a } }
    enum Maximum: ExpressionBinaryKernel { static func apply(_ a: Double, _ b: Double) -> Double { b > a || b.isNaN ? b : a } }
}

/// Turns a tree into nested closures. Also used for constant folding, so that a folded value
/// is computed by exactly the code that would have computed it at each point.
enum ExpressionCompiler {
    typealias K = ExpressionKernels

    static func compile(_ node: ExpressionNode) -> ExpressionKernel {
        switch node.kind {
        case .number(let c):
            return { _ in c }
        case .variable(let i):
            return { $0.unsafelyUnwrapped[i] }
        case .unary(let f, let a):
            switch f {
            case .negate: return unary(K.Negate.self, a)
            case .sin: return unary(K.Sin.self, a)
            case .cos: return unary(K.Cos.self, a)
            case .tan: return unary(K.Tan.self, a)
            case .asin: return unary(K.Asin.self, a)
            case .acos: return unary(K.Acos.self, a)
            case .atan: return unary(K.Atan.self, a)
            case .sinh: return unary(K.Sinh.self, a)
            case .cosh: return unary(K.Cosh.self, a)
            case .tanh: return unary(K.Tanh.self, a)
            case .exp: return unary(K.Exp.self, a)
            case .log: return unary(K.Log.self, a)
            case .log10: return unary(K.Log10.self, a)
            case .sqrt: return unary(K.Sqrt.self, a)
            case .abs: return unary(K.Abs.self, a)
            case .floor: return unary(K.Floor.self, a)
            case .ceil: return unary(K.Ceil.self, a)
            case .sign: return unary(K.Sign.self, a)
            }
        case .binary(.power, let a, let b) where b.number == 2:
            return unary(K.Square.self, a)
        case .binary(let f, let a, let b):
            switch f {
            case .add: return binary(K.Add.self, a, b)
            case .subtract: return binary(K.Subtract.self, a, b)
            case .multiply: return binary(K.Multiply.self, a, b)
            case .divide: return binary(K.Divide.self, a, b)
            case .power: return binary(K.Power.self, a, b)
            case .atan2: return binary(K.Atan2.self, a, b)
            case .minimum: return binary(K.Minimum.self, a, b)
            case .maximum: return binary(K.Maximum.self, a, b)
            }
        }
    }

    /// A variable operand is read in place rather than through a closure of its own.
    private static func unary<Op: ExpressionUnaryKernel>(_: Op.Type, _ a: ExpressionNode) -> ExpressionKernel {
        if case .variable(let i) = a.kind { return { Op.apply($0.unsafelyUnwrapped[i]) } }
        let f = compile(a)
        return { Op.apply(f($0)) }
    }

    /// Leaf operands (variables and numbers) are inlined into the operator's closure, which
    /// about halves the number of calls for typical expressions.
    private static func binary<Op: ExpressionBinaryKernel>(_: Op.Type, _ a: ExpressionNode, _ b: ExpressionNode) -> ExpressionKernel {
        switch (a.kind, b.kind) {
        case (.variable(let i), .variable(let j)): return { Op.apply($0.unsafelyUnwrapped[i], $0.unsafelyUnwrapped[j]) }
        case (.variable(let i), .number(let c)): return { Op.apply($0.unsafelyUnwrapped[i], c) }
        case (.number(let c), .variable(let j)): return { Op.apply(c, $0.unsafelyUnwrapped[j]) }
        case (_, .variable(let j)): let f = compile(a); return { Op.apply(f($0), $0.unsafelyUnwrapped[j]) }
        case (_, .number(let c)): let f = compile(a); return { Op.apply(f($0), c) }
        case (.variable(let i), _): let g = compile(b); return { Op.apply($0.unsafelyUnwrapped[i], g($0)) }
        case (.number(let c), _): let g = compile(b); return { Op.apply(c, g($0)) }
        default: let f = compile(a), g = compile(b); return { Op.apply(f($0), g($0)) }
        }
    }
}
