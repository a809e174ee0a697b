import Foundation
import Storage

/// A syntax-tree node. Its height is kept so that absurdly deep input is refused while parsing,
/// before the recursive compiler (or the tree's own destruction) could exhaust a thread's stack.
struct ExpressionNode: Sendable {
    indirect enum Kind: Sendable {
        case number(Double)
        case variable(Int)
        case unary(ExpressionUnary, ExpressionNode)
        case binary(ExpressionBinary, ExpressionNode, ExpressionNode)
    }

    let kind: Kind
    let height: Int

    var number: Double? { if case .number(let v) = kind { v } else { nil } }

    // The constructors fold as the tree is built: a node whose operands are all numbers becomes
    // a number. Only variable-free subtrees fold (`x*0` stays: it is NaN for infinite x), and
    // the value comes from compiling and running the node, so folding never changes a result.

    static func number(_ v: Double) -> Self { Self(kind: .number(v), height: 1) }

    static func variable(_ index: Int) -> Self { Self(kind: .variable(index), height: 1) }

    static func unary(_ f: ExpressionUnary, _ a: Self) -> Self {
        Self(kind: .unary(f, a), height: a.height + 1).folded(a.number != nil)
    }

    static func binary(_ f: ExpressionBinary, _ a: Self, _ b: Self) -> Self {
        Self(kind: .binary(f, a, b), height: max(a.height, b.height) + 1).folded(a.number != nil && b.number != nil)
    }

    private func folded(_ operandsAreNumbers: Bool) -> Self {
        operandsAreNumbers ? .number(ExpressionCompiler.compile(self)(nil)) : self
    }
}

struct ExpressionToken {
    enum Kind: Equatable { case number(Double), name(String), plus, minus, star, slash, power, open, close, comma, end }
    let kind: Kind
    let column: Int  // 1-based, in characters
    let text: String
}

/// Recursive descent over
///
///     sum     := product (('+' | '-') product)*
///     product := unary (('*' | '/') unary)*
///     unary   := ('+' | '-') unary | power
///     power   := primary (('^' | '**') unary)?
///     primary := number | name | name '(' [sum (',' sum)*] ')' | '(' sum ')'
///
/// `power` takes a `unary` exponent, which makes `^` right-associative (`2^3^2 = 2^9`) and
/// allows `2^-1`, while a leading minus applies to the whole power (`-2^2 = -4`).
struct ExpressionParser {
    /// Generous for hand-written expressions, and shallow enough for a 512 KiB thread stack.
    static let maxNesting = 256

    let source: String
    let variables: [String]
    let parameters: [String: Double]
    let tokens: [ExpressionToken]
    var index = 0
    var nesting = 0
    /// Indices of the variables read, for `usedVariables` and for padding short value buffers.
    var usedIndices = Set<Int>()

    init(source: String, variables: [String], parameters: [String: Double]) throws {
        self.source = source
        self.variables = variables
        self.parameters = parameters
        self.tokens = try Self.tokenize(source)
    }

    func error(_ message: String, at column: Int) -> ExpressionError {
        ExpressionError(source: source, column: column, message: message)
    }

    var current: ExpressionToken { tokens[index] }

    @discardableResult mutating func advance() -> ExpressionToken {
        defer { index += 1 }
        return tokens[index]
    }

    mutating func parse() throws -> ExpressionNode {
        if current.kind == .end { throw error("empty expression", at: 1) }
        let tree = try sum()
        switch current.kind {
        case .end: return tree
        case .close: throw error("unbalanced parenthesis: ')' without a matching '('", at: current.column)
        case .name, .number, .open:
            throw error("unexpected '\(current.text)' after end of expression (missing operator?)", at: current.column)
        default: throw error("unexpected '\(current.text)' after end of expression", at: current.column)
        }
    }

    func checked(_ node: ExpressionNode, at token: ExpressionToken) throws -> ExpressionNode {
        if node.height > Self.maxNesting { throw tooDeep(token) }
        return node
    }

    func tooDeep(_ token: ExpressionToken) -> ExpressionError {
        error("expression is nested too deeply (more than \(Self.maxNesting) levels)", at: token.column)
    }

    mutating func sum() throws -> ExpressionNode {
        var left = try product()
        while true {
            let f: ExpressionBinary
            switch current.kind {
            case .plus: f = .add
            case .minus: f = .subtract
            default: return left
            }
            let token = advance()
            left = try checked(.binary(f, left, try product()), at: token)
        }
    }

    mutating func product() throws -> ExpressionNode {
        var left = try unary()
        while true {
            let f: ExpressionBinary
            switch current.kind {
            case .star: f = .multiply
            case .slash: f = .divide
            default: return left
            }
            let token = advance()
            left = try checked(.binary(f, left, try unary()), at: token)
        }
    }

    /// Every recursive path of the grammar passes through here, so this is where the parser's
    /// own recursion (`----x`, `((((x))))`) is bounded.
    mutating func unary() throws -> ExpressionNode {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Self.maxNesting { throw tooDeep(current) }
        switch current.kind {
        case .plus:
            advance()
            return try unary()
        case .minus:
            let token = advance()
            return try checked(.unary(.negate, try unary()), at: token)
        default:
            return try power()
        }
    }

    mutating func power() throws -> ExpressionNode {
        let base = try primary()
        guard current.kind == .power else { return base }
        let token = advance()
        return try checked(.binary(.power, base, try unary()), at: token)
    }

    mutating func primary() throws -> ExpressionNode {
        let token = current
        switch token.kind {
        case .number(let v):
            advance()
            return .number(v)
        case .name(let name):
            advance()
            return current.kind == .open ? try call(name, token) : try reference(name, token)
        case .open:
            advance()
            let inner = try sum()
            try close(token, expecting: "')'")
            return inner
        case .end:
            throw error("unexpected end of expression", at: token.column)
        default:
            throw error("unexpected '\(token.text)', expected a number, a name or '('", at: token.column)
        }
    }

    mutating func close(_ open: ExpressionToken, expecting: String) throws {
        switch current.kind {
        case .close: advance()
        case .end: throw error("unbalanced parenthesis: this '(' is never closed", at: open.column)
        default: throw error("unexpected '\(current.text)', expected \(expecting)", at: current.column)
        }
    }

    mutating func reference(_ name: String, _ token: ExpressionToken) throws -> ExpressionNode {
        if let i = variables.firstIndex(of: name) {
            usedIndices.insert(i)
            return .variable(i)
        }
        if let v = parameters[name] ?? Expression.constants[name] { return .number(v) }
        if Expression.functions[name] != nil {
            throw error("function '\(name)' used without arguments; write \(name)(...)", at: token.column)
        }
        throw unknown(name, token)
    }

    mutating func call(_ name: String, _ token: ExpressionToken) throws -> ExpressionNode {
        guard let function = Expression.functions[name] else {
            let kind = variables.contains(name) ? "variable"
                : parameters[name] != nil ? "parameter"
                : Expression.constants[name] != nil ? "constant" : nil
            guard let kind else { throw unknown(name, token) }
            throw error("'\(name)' is a \(kind), not a function (write \(name)*(...) to multiply)", at: token.column)
        }
        let open = advance()
        var args: [ExpressionNode] = []
        if current.kind != .close {
            args.append(try sum())
            while current.kind == .comma {
                advance()
                args.append(try sum())
            }
        }
        try close(open, expecting: "',' or ')'")
        func arity(_ n: Int) throws {
            guard args.count != n else { return }
            throw error("'\(name)' takes \(n) argument\(n == 1 ? "" : "s"), got \(args.count)", at: token.column)
        }
        switch function {
        case .unary(let f):
            try arity(1)
            return try checked(.unary(f, args[0]), at: token)
        case .binary(let f):
            try arity(2)
            return try checked(.binary(f, args[0], args[1]), at: token)
        case .variadic(let f):
            guard let last = args.last, args.count >= 2 else {
                throw error("'\(name)' takes at least 2 arguments, got \(args.count)", at: token.column)
            }
            // min(a, b, c) = min(a, min(b, c)): a chain of the two-argument operation.
            let chain = args.dropLast().reversed().reduce(last) { tail, arg in .binary(f, arg, tail) }
            return try checked(chain, at: token)
        }
    }

    func unknown(_ name: String, _ token: ExpressionToken) -> ExpressionError {
        let names = variables + parameters.keys + Expression.constants.keys + Expression.functions.keys
        let hint = nearest(name, in: names, maxDistance: 2).map { " (did you mean '\($0)'?)" } ?? ""
        return error("unknown name '\(name)'\(hint)", at: token.column)
    }


    static func tokenize(_ source: String) throws -> [ExpressionToken] {
        let chars = Array(source)
        func isDigit(_ i: Int) -> Bool { i < chars.count && ("0"..."9").contains(chars[i]) }
        func isChar(_ i: Int, _ options: Character...) -> Bool { i < chars.count && options.contains(chars[i]) }
        var tokens: [ExpressionToken] = []
        var i = 0
        while i < chars.count {
            let c = chars[i], start = i
            if c.isWhitespace { i += 1; continue }
            let kind: ExpressionToken.Kind
            if isDigit(i) || (c == "." && isDigit(i + 1)) {
                while isDigit(i) { i += 1 }
                if isChar(i, ".") { i += 1; while isDigit(i) { i += 1 } }
                // An exponent needs digits; otherwise the `e` is left for the next token (and
                // `2e` reports the stray name rather than a half-read number).
                if isChar(i, "e", "E") {
                    let j = isChar(i + 1, "+", "-") ? i + 2 : i + 1
                    if isDigit(j) { i = j; while isDigit(i) { i += 1 } }
                }
                let text = String(chars[start..<i])
                // The scan above admits only decimal literals, which Double parses; overflow
                // gives infinity, which is refused so that a typo'd exponent is not silently inf.
                guard let v = Double(text), v.isFinite else {
                    throw ExpressionError(source: source, column: start + 1, message: "number '\(text)' is out of range")
                }
                kind = .number(v)
            } else if c.isLetter || c == "_" {
                while i < chars.count, chars[i].isLetter || isDigit(i) || chars[i] == "_" { i += 1 }
                kind = .name(String(chars[start..<i]))
            } else {
                i += 1
                switch c {
                case "+": kind = .plus
                case "-": kind = .minus
                case "*" where isChar(i, "*"): i += 1; kind = .power
                case "*": kind = .star
                case "/": kind = .slash
                case "^": kind = .power
                case "(": kind = .open
                case ")": kind = .close
                case ",": kind = .comma
                default:
                    throw ExpressionError(source: source, column: start + 1, message: "unexpected character '\(c)'")
                }
            }
            tokens.append(ExpressionToken(kind: kind, column: start + 1, text: String(chars[start..<i])))
        }
        tokens.append(ExpressionToken(kind: .end, column: chars.count + 1, text: ""))
        return tokens
    }
}
