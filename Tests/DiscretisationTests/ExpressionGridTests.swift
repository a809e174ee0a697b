import Foundation
import LinearAlgebra
import Spectral
import XCTest
@testable import Discretisation

fileprivate typealias Expression = Discretisation.Expression

/// `Expression.values(onGrid:)` reuses per-line values and tables over the last axis, and
/// runs operations a block of a line at a time; each point must still get exactly the bits of
/// the pointwise kernel `e(x, y, z)` (the same operations on the same operands), NaN included.
final class ExpressionGridTests: XCTestCase {
    /// Every bit equal, or both NaN (a NaN's payload is not specified by IEEE for every operation).
    fileprivate func assertSameBits(_ e: Expression, _ axes: [[Double]], file: StaticString = #filePath, line: UInt = #line) {
        let grid = e.values(onGrid: axes)
        var index = [Int](repeating: 0, count: axes.count)
        for k in grid.indices {
            var rem = k
            for d in stride(from: axes.count - 1, through: 0, by: -1) { index[d] = rem % axes[d].count; rem /= axes[d].count }
            let c = (0..<3).map { $0 < axes.count ? axes[$0][index[$0]] : 0 }
            let expected = e(c[0], c[1], c[2])
            if expected.isNaN && grid[k].isNaN { continue }
            if expected.bitPattern != grid[k].bitPattern {
                return XCTFail("\(e.source) at \(c): grid \(grid[k]), pointwise \(expected)", file: file, line: line)
            }
        }
    }

    /// Random trees over every operation, leaves x, y, z, t and numbers, on 1D to 3D grids
    /// whose lines are shorter and longer than a block (512), with coordinates that make
    /// log, sqrt, asin and division produce NaN and infinities at some points.
    func testRandomExpressionsGiveThePointwiseBits() throws {
        var rng = Xoshiro256StarStar(seed: 20261207)  // seeded, so a failure names an expression that reproduces
        let unary = ["-", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "exp", "log", "log10", "sqrt", "abs",
                     "floor", "ceil", "sign"]
        let binary = ["+", "-", "*", "/", "^", "atan2", "pow", "min", "max"]
        func leaf() -> String {
            switch rng.next() % 7 {
            case 0: return "x"
            case 1: return "y"
            case 2: return "z"
            case 3: return "t"
            case 4: return "2"
            default: return String(Double(rng.next() % 2000) / 100 - 10)
            }
        }
        func tree(_ depth: Int) -> String {
            if depth == 0 || rng.next() % 4 == 0 { return leaf() }
            if rng.next() % 3 == 0 {
                let f = unary[Int(rng.next() % UInt64(unary.count))]
                return f == "-" ? "(-\(tree(depth - 1)))" : "\(f)(\(tree(depth - 1)))"
            }
            let f = binary[Int(rng.next() % UInt64(binary.count))]
            switch f {
            case "atan2", "pow", "min", "max": return "\(f)(\(tree(depth - 1)), \(tree(depth - 1)))"
            default: return "(\(tree(depth - 1)) \(f) \(tree(depth - 1)))"
            }
        }
        let grids: [[[Double]]] = [
            [(0..<1100).map { -1.5 + 3 * Double($0) / 1099 }],
            [(0..<7).map { -1 + Double($0) / 3 }, (0..<600).map { -2 + 4 * Double($0) / 599 }],
            [(0..<5).map { Double($0) / 4 }, (0..<4).map { -Double($0) / 3 }, (0..<9).map { -1 + Double($0) / 4 }],
        ]
        for _ in 0..<150 {
            let source = tree(5)
            let e = try Expression(source)
            for axes in grids { assertSameBits(e, axes) }
        }
    }

    func testTheProblemFilesKindsOfExpression() throws {
        let axes = [(1...63).map { Double($0) / 64 }, (1...1030).map { Double($0) / 1031 }]
        for source in ["(2 + pi^2*x*(1 - x))*sin(pi*y)", "x*(1 - x)*sin(pi*y)", "1", "x", "y", "exp(-x*y)", "x^2 + y^2",
                       "1 + 0.5*sin(2*pi*x)*cos(3*pi*y)", "min(x, y, 0.5)", "t + z"] {
            assertSameBits(try Expression(source), axes)
        }
    }

    /// Lines split across threads give the same values as one thread.
    func testThreadCountDoesNotChangeTheValues() throws {
        let e = try Expression("sin(pi*x)*cos(y) + x*y^2")
        let axes = [(0..<300).map { Double($0) / 299 }, (0..<300).map { Double($0) / 299 }]
        let before = Parallel.threadCount
        defer { Parallel.setThreadCount(before) }
        Parallel.setThreadCount(1)
        let one = e.values(onGrid: axes)
        Parallel.setThreadCount(2)
        XCTAssertEqual(one, e.values(onGrid: axes))
    }
}
