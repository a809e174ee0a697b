import Foundation
import LinearAlgebra

/// An expression at every point of a tensor-product grid, a whole grid line per step.
///
/// A grid's points are (x₀[i₀], x₁[i₁], …) in C order, the last axis fastest: a *line* is the
/// run of points along the last axis with the other indices fixed. Each subtree of the folded
/// syntax tree is classed by the axes it reads:
/// - none: a constant (already folded by the parser);
/// - not the last axis: one value per line, evaluated once per line by the scalar kernel;
/// - the last axis only: the same on every line, tabulated once over that axis;
/// - the last axis and another: computed per line, as one loop per operation over a block of
///   the line, reading registers, tables and per-line values.
///
/// A manufactured solution such as `x*(1 - x)*sin(pi*y)` then costs one multiplication per
/// point: `x*(1 - x)` is a per-line value, `sin(pi*y)` a table. Every point still sees the same
/// floating-point operations on the same operands as the scalar kernel `e(x, y, z)` (the same
/// `ExpressionKernels` functions; a value reused is a value computed once instead of many
/// times), so the results are bitwise those of pointwise evaluation; `ExpressionGridTests`
/// checks that. Lines are split across threads; each point's value does not depend on how.
extension Expression {
    /// Values at every point of the grid whose axis d has the coordinates `axes[d]`: axis d
    /// supplies the expression's variable d, and later variables (z on a 2D grid, t) are 0, as
    /// for `e(x, y)`. C order, the last axis fastest.
    public func values(onGrid axes: [[Double]]) -> [Double] {
        let count = axes.reduce(1) { $0 * $1.count }
        return [Double](unsafeUninitializedCapacity: count) { buffer, initialised in
            evaluate(onGrid: axes, into: buffer)
            initialised = count
        }
    }

    /// `values(onGrid:)` into `out`, which must hold one value per grid point.
    public func evaluate(onGrid axes: [[Double]], into out: UnsafeMutableBufferPointer<Double>) {
        let count = axes.reduce(1) { $0 * $1.count }
        precondition(out.count >= count, "one value per grid point")
        guard count > 0 else { return }
        precondition(!axes.isEmpty && axes.count <= variables.count, "an axis per variable, at least one")
        ExpressionGridProgram(tree, axes: axes, variableCount: max(variables.count, 4)).run(into: out.baseAddress!)
    }
}

/// The compiled form of one expression on one grid: tables, per-line subtrees and the steps of
/// a block (see `Expression.values(onGrid:)`).
struct ExpressionGridProgram {
    /// Points of a line handled per step: registers of this length stay in the L1 cache.
    static let block = 512

    /// Where an operation reads an operand: a register of the block, a table over the last axis
    /// (at the block's offset), or a value per line (a folded constant is one too).
    enum Operand { case register(Int), table(Int), scalar(Int) }

    /// One operation over a block; `destination` is a register, or the output when nil.
    typealias Step = (_ frame: Frame, _ destination: UnsafeMutablePointer<Double>, _ count: Int) -> Void

    struct Frame {
        var registers: UnsafeMutablePointer<Double>
        /// The tables, one after the other, each as long as a line.
        var tables: UnsafePointer<Double>
        var lineLength: Int
        var scalars: UnsafePointer<Double>
        /// The block's first point within its line.
        var offset: Int

        @inline(__always) func pointer(_ o: Operand) -> UnsafePointer<Double> {
            switch o {
            case .register(let r): UnsafePointer(registers + r * ExpressionGridProgram.block)
            case .table(let t): tables + t * lineLength + offset
            case .scalar: preconditionFailure("a per-line value is not a vector operand")
            }
        }
    }

    let axes: [[Double]]
    let variableCount: Int
    /// Subtrees read once per line (kernels over the variable buffer), then constants.
    private(set) var lineKernels: [ExpressionKernel] = []
    /// Tables over the last axis, concatenated.
    private(set) var tables: [Double] = []
    private(set) var tableCount = 0
    private(set) var steps: [(step: Step, register: Int?)] = []
    private(set) var registerCount = 0
    /// The whole expression when it is not a per-block computation: a per-line value or a table.
    private var root: Operand = .scalar(0)

    init(_ tree: ExpressionNode, axes: [[Double]], variableCount: Int) {
        self.axes = axes
        self.variableCount = variableCount
        root = lower(tree, last: axes.count - 1, isRoot: true)
    }

    /// The axes a subtree reads, as a bit mask (variables beyond the grid's axes read 0: none).
    private static func mask(_ node: ExpressionNode, axes: Int) -> Int {
        switch node.kind {
        case .number: 0
        case .variable(let i): i < axes ? 1 << i : 0
        case .unary(_, let a): mask(a, axes: axes)
        case .binary(_, let a, let b): mask(a, axes: axes) | mask(b, axes: axes)
        }
    }

    /// The operand holding `node`'s values, emitting the steps that compute it.
    private mutating func lower(_ node: ExpressionNode, last: Int, isRoot: Bool = false) -> Operand {
        let m = Self.mask(node, axes: axes.count)
        if m & (1 << last) == 0 {
            lineKernels.append(ExpressionCompiler.compile(node))
            return .scalar(lineKernels.count - 1)
        }
        if m == 1 << last {
            // Tabulated with the scalar kernel: the same operations as at every point.
            let kernel = ExpressionCompiler.compile(node)
            var v = [Double](repeating: 0, count: variableCount)
            tables += axes[last].map { c in
                v[last] = c
                return v.withUnsafeBufferPointer { kernel($0.baseAddress) }
            }
            tableCount += 1
            return .table(tableCount - 1)
        }
        var register: Int?
        if !isRoot { register = registerCount; registerCount += 1 }
        typealias K = ExpressionKernels
        let step: Step
        switch node.kind {
        case .number, .variable:
            preconditionFailure("a leaf reads at most one axis")
        case .unary(let f, let a):
            let x = lower(a, last: last)
            switch f {
            case .negate: step = Self.unary(K.Negate.self, x)
            case .sin: step = Self.unary(K.Sin.self, x)
            case .cos: step = Self.unary(K.Cos.self, x)
            case .tan: step = Self.unary(K.Tan.self, x)
            case .asin: step = Self.unary(K.Asin.self, x)
            case .acos: step = Self.unary(K.Acos.self, x)
            case .atan: step = Self.unary(K.Atan.self, x)
            case .sinh: step = Self.unary(K.Sinh.self, x)
            case .cosh: step = Self.unary(K.Cosh.self, x)
            case .tanh: step = Self.unary(K.Tanh.self, x)
            case .exp: step = Self.unary(K.Exp.self, x)
            case .log: step = Self.unary(K.Log.self, x)
            case .log10: step = Self.unary(K.Log10.self, x)
            case .sqrt: step = Self.unary(K.Sqrt.self, x)
            case .abs: step = Self.unary(K.Abs.self, x)
            case .floor: step = Self.unary(K.Floor.self, x)
            case .ceil: step = Self.unary(K.Ceil.self, x)
            case .sign: step = Self.unary(K.Sign.self, x)
            }
        case .binary(.power, let a, let b) where b.number == 2:
            // As `ExpressionCompiler`: a literal square is a product.
            step = Self.unary(K.Square.self, lower(a, last: last))
        case .binary(let f, let a, let b):
            let x = lower(a, last: last), y = lower(b, last: last)
            switch f {
            case .add: step = Self.binary(K.Add.self, x, y)
            case .subtract: step = Self.binary(K.Subtract.self, x, y)
            case .multiply: step = Self.binary(K.Multiply.self, x, y)
            case .divide: step = Self.binary(K.Divide.self, x, y)
            case .power: step = Self.binary(K.Power.self, x, y)
            case .atan2: step = Self.binary(K.Atan2.self, x, y)
            case .minimum: step = Self.binary(K.Minimum.self, x, y)
            case .maximum: step = Self.binary(K.Maximum.self, x, y)
            }
        }
        steps.append((step, register))
        return register.map { .register($0) } ?? .register(-1)
    }

    private static func unary<Op: ExpressionUnaryKernel>(_: Op.Type, _ a: Operand) -> Step {
        { frame, out, n in
            let x = frame.pointer(a)
            for i in 0..<n { out[i] = Op.apply(x[i]) }
        }
    }

    /// At least one operand is a vector (the node reads the last axis).
    private static func binary<Op: ExpressionBinaryKernel>(_: Op.Type, _ a: Operand, _ b: Operand) -> Step {
        switch (a, b) {
        case (.scalar(let s), _):
            return { frame, out, n in
                let c = frame.scalars[s], y = frame.pointer(b)
                for i in 0..<n { out[i] = Op.apply(c, y[i]) }
            }
        case (_, .scalar(let s)):
            return { frame, out, n in
                let x = frame.pointer(a), c = frame.scalars[s]
                for i in 0..<n { out[i] = Op.apply(x[i], c) }
            }
        default:
            return { frame, out, n in
                let x = frame.pointer(a), y = frame.pointer(b)
                for i in 0..<n { out[i] = Op.apply(x[i], y[i]) }
            }
        }
    }

    /// Every line, split across threads by lines (a 1D grid is one line, split by blocks).
    func run(into out: UnsafeMutablePointer<Double>) {
        let last = axes.count - 1
        let lineLength = axes[last].count
        let lines = axes.dropLast().reduce(1) { $0 * $1.count }
        let blocksPerLine = (lineLength + Self.block - 1) / Self.block
        let items = lines * blocksPerLine
        let output = UncheckedBox(out)
        Parallel.chunks(items, minimumChunk: max(1, Parallel.minimumChunk / Self.block)) { range, _ in
            var values = [Double](repeating: 0, count: variableCount)
            var scalars = [Double](repeating: 0, count: lineKernels.count)
            let registers = UnsafeMutablePointer<Double>.allocate(capacity: max(1, registerCount) * Self.block)
            defer { registers.deallocate() }
            (tables.isEmpty ? [0] : tables).withUnsafeBufferPointer { tableBase in
                var currentLine = -1
                for item in range {
                    let line = item / blocksPerLine, start = (item % blocksPerLine) * Self.block
                    let n = min(Self.block, lineLength - start)
                    if line != currentLine {
                        // The line's coordinates on the other axes, then its per-line values.
                        var rem = line
                        for d in stride(from: last - 1, through: 0, by: -1) {
                            values[d] = axes[d][rem % axes[d].count]; rem /= axes[d].count
                        }
                        values.withUnsafeBufferPointer { v in
                            for k in lineKernels.indices { scalars[k] = lineKernels[k](v.baseAddress) }
                        }
                        currentLine = line
                    }
                    let destination = output.value + line * lineLength + start
                    scalars.withUnsafeBufferPointer { s in
                        let frame = Frame(registers: registers, tables: tableBase.baseAddress!, lineLength: lineLength,
                                          scalars: s.baseAddress ?? UnsafePointer(registers), offset: start)
                        switch root {
                        case .scalar(let k): destination.update(repeating: s[k], count: n)
                        case .table: destination.update(from: frame.pointer(root), count: n)
                        case .register:
                            for (step, register) in steps {
                                step(frame, register.map { registers + $0 * Self.block } ?? destination, n)
                            }
                        }
                    }
                }
            }
        }
    }
}
