import Foundation

/// Syntax tree of an expression; `fold()` evaluates variable-free subtrees at parse time.
indirect enum ExpressionNode {
    case number(Double)
    case variable(String)
    case negate(ExpressionNode)
    case binary(Character, ExpressionNode, ExpressionNode)  // + - * / ^
    case call(String, [ExpressionNode])

    var constantValue: Double? { if case .number(let v) = self { return v }; return nil }

    /// Evaluates a node whose children are all numbers (used by constant folding).
    static func evaluate(_ node: ExpressionNode) -> Double? {
        var code: [Instruction] = [], d = 0, m = 0, used = Set<String>()
        node.compile(into: &code, depth: &d, maxDepth: &m, used: &used, variables: [])
        guard used.isEmpty else { return nil }
        var stack: [Double] = []
        for op in code {
            switch op {
            case .constant(let c): stack.append(c)
            case .variable: return nil
            case .negate: stack[stack.count - 1] = -stack[stack.count - 1]
            case .add, .subtract, .multiply, .divide, .power:
                let b = stack.removeLast(), a = stack.removeLast()
                switch op {
                case .add: stack.append(a + b); case .subtract: stack.append(a - b)
                case .multiply: stack.append(a * b); case .divide: stack.append(a / b)
                default: stack.append(Foundation.pow(a, b))
                }
            case .unary(let f): stack[stack.count - 1] = f.apply(stack[stack.count - 1])
            case .binary(let f): let b = stack.removeLast(), a = stack.removeLast(); stack.append(f.apply(a, b))
            case .minimum(let n): let xs = stack.suffix(n); stack.removeLast(n); stack.append(xs.min()!)
            case .maximum(let n): let xs = stack.suffix(n); stack.removeLast(n); stack.append(xs.max()!)
            }
        }
        return stack.first
    }

    func fold() -> ExpressionNode {
        let folded: ExpressionNode
        switch self {
        case .number, .variable: return self
        case .negate(let a): folded = .negate(a.fold())
        case .binary(let op, let a, let b): folded = .binary(op, a.fold(), b.fold())
        case .call(let f, let args): folded = .call(f, args.map { $0.fold() })
        }
        let childrenConstant: Bool
        switch folded {
        case .negate(let a): childrenConstant = a.constantValue != nil
        case .binary(_, let a, let b): childrenConstant = a.constantValue != nil && b.constantValue != nil
        case .call(_, let args): childrenConstant = args.allSatisfy { $0.constantValue != nil }
        default: childrenConstant = false
        }
        if childrenConstant, let v = Self.evaluate(folded) { return .number(v) }
        return folded
    }

    func compile(into code: inout [Instruction], depth: inout Int, maxDepth: inout Int,
                 used: inout Set<String>, variables: [String]) {
        func push() { depth += 1; maxDepth = max(maxDepth, depth) }
        switch self {
        case .number(let v): code.append(.constant(v)); push()
        case .variable(let name):
            used.insert(name)
            code.append(.variable(variables.firstIndex(of: name) ?? Int.max)); push()
        case .negate(let a):
            a.compile(into: &code, depth: &depth, maxDepth: &maxDepth, used: &used, variables: variables)
            code.append(.negate)
        case .binary(let op, let a, let b):
            a.compile(into: &code, depth: &depth, maxDepth: &maxDepth, used: &used, variables: variables)
            b.compile(into: &code, depth: &depth, maxDepth: &maxDepth, used: &used, variables: variables)
            switch op {
            case "+": code.append(.add); case "-": code.append(.subtract)
            case "*": code.append(.multiply); case "/": code.append(.divide)
            default: code.append(.power)
            }
            depth -= 1
        case .call(let name, let args):
            for a in args { a.compile(into: &code, depth: &depth, maxDepth: &maxDepth, used: &used, variables: variables) }
            switch name {
            case "min": code.append(.minimum(args.count))
            case "max": code.append(.maximum(args.count))
            case "atan2": code.append(.binary(.atan2))
            case "pow": code.append(.binary(.pow))
            default: code.append(.unary(UnaryFunction(name)!))
            }
            depth -= args.count - 1
        }
    }
}

/// Recursive descent over the grammar
///   sum     := product (('+' | '-') product)*
///   product := unary (('*' | '/') unary)*
///   unary   := ('-' | '+') unary | power
///   power   := atom (('^' | '**') unary)?        (right-associative; binds tighter than unary minus)
///   atom    := number | name | name '(' sum (',' sum)* ')' | '(' sum ')'
struct ExpressionParser {
    let source: String
    let chars: [Character]
    let variables: [String]
    let parameters: [String: Double]
    var position = 0

    init(source: String, variables: [String], parameters: [String: Double]) {
        self.source = source; self.chars = Array(source); self.variables = variables; self.parameters = parameters
    }

    func error(_ message: String, at column: Int? = nil) -> ExpressionError {
        ExpressionError(source: source, column: (column ?? position) + 1, message: message)
    }

    mutating func skipSpace() { while position < chars.count, chars[position].isWhitespace { position += 1 } }

    mutating func peek() -> Character? { skipSpace(); return position < chars.count ? chars[position] : nil }

    mutating func parse() throws -> ExpressionNode {
        guard peek() != nil else { throw error("empty expression") }
        let tree = try sum()
        if let c = peek() {
            throw c == ")" ? error("unbalanced parenthesis: ')' without '('") : error("unexpected '\(c)' after the end of the expression")
        }
        return tree.fold()
    }

    mutating func sum() throws -> ExpressionNode {
        var left = try product()
        while let c = peek(), c == "+" || c == "-" {
            position += 1
            left = .binary(c, left, try product())
        }
        return left
    }

    mutating func product() throws -> ExpressionNode {
        var left = try unary()
        while let c = peek(), c == "*" || c == "/" {
            if c == "*", position + 1 < chars.count, chars[position + 1] == "*" { break }  // '**' is power
            position += 1
            left = .binary(c, left, try unary())
        }
        return left
    }

    mutating func unary() throws -> ExpressionNode {
        if let c = peek(), c == "-" || c == "+" {
            position += 1
            let operand = try unary()
            return c == "-" ? .negate(operand) : operand
        }
        return try power()
    }

    mutating func power() throws -> ExpressionNode {
        let base = try atom()
        if let c = peek() {
            if c == "^" { position += 1; return .binary("^", base, try unary()) }
            if c == "*", position + 1 < chars.count, chars[position + 1] == "*" { position += 2; return .binary("^", base, try unary()) }
        }
        return base
    }

    mutating func atom() throws -> ExpressionNode {
        guard let c = peek() else { throw error("unexpected end of the expression") }
        if c.isNumber || c == "." { return try number() }
        if c.isLetter || c == "_" { return try name() }
        if c == "(" {
            let open = position
            position += 1
            let inner = try sum()
            guard peek() == ")" else {
                throw peek() == nil ? error("unbalanced parenthesis: '(' is never closed", at: open) : error("expected ')'")
            }
            position += 1
            return inner
        }
        if c == ")" { throw error("unexpected ')'") }
        throw error("unexpected character '\(c)'")
    }

    mutating func number() throws -> ExpressionNode {
        let start = position
        while position < chars.count, chars[position].isNumber || chars[position] == "." { position += 1 }
        if position < chars.count, chars[position] == "e" || chars[position] == "E" {
            var p = position + 1
            if p < chars.count, chars[p] == "+" || chars[p] == "-" { p += 1 }
            if p < chars.count, chars[p].isNumber {
                position = p
                while position < chars.count, chars[position].isNumber { position += 1 }
            }
        }
        let text = String(chars[start..<position])
        guard let v = Double(text) else { throw error("malformed number '\(text)'", at: start) }
        return .number(v)
    }

    mutating func name() throws -> ExpressionNode {
        let start = position
        while position < chars.count, chars[position].isLetter || chars[position].isNumber || chars[position] == "_" { position += 1 }
        let name = String(chars[start..<position])
        if peek() == "(" {
            guard let arity = Expression.functions[name] else {
                if variables.contains(name) || parameters[name] != nil || Expression.constants[name] != nil {
                    throw error("'\(name)' is not a function", at: start)
                }
                throw unknown(name, at: start)
            }
            position += 1
            var args: [ExpressionNode] = []
            if peek() != ")" {
                args.append(try sum())
                while peek() == "," { position += 1; args.append(try sum()) }
            }
            guard peek() == ")" else {
                throw peek() == nil ? error("unbalanced parenthesis: '\(name)(' is never closed", at: start) : error("expected ',' or ')'")
            }
            position += 1
            if arity >= 0 && args.count != arity {
                throw error("\(name) takes \(arity) argument\(arity == 1 ? "" : "s"), got \(args.count)", at: start)
            }
            if arity < 0 && args.count < 2 { throw error("\(name) takes at least 2 arguments, got \(args.count)", at: start) }
            return .call(name, args)
        }
        if variables.contains(name) { return .variable(name) }
        if let v = parameters[name] { return .number(v) }
        if let v = Expression.constants[name] { return .number(v) }
        if Expression.functions[name] != nil { throw error("function '\(name)' needs arguments, e.g. \(name)(x)", at: start) }
        throw unknown(name, at: start)
    }

    func unknown(_ name: String, at column: Int) -> ExpressionError {
        let names = variables + Array(parameters.keys) + Array(Expression.constants.keys) + Array(Expression.functions.keys)
        let hint = nearest(name, in: names.sorted()).map { " (did you mean '\($0)'?)" } ?? ""
        return error("unknown name '\(name)'\(hint)", at: column)
    }
}
