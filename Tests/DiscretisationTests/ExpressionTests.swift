import Foundation
import XCTest
@testable import Discretisation

/// Values are compared exactly wherever the expression performs the same floating-point
/// operations, in the same order, as the Swift code giving the expected value: IEEE arithmetic
/// and the libm calls are deterministic, so any difference would be a real bug.
final class ExpressionTests: XCTestCase {
    func value(_ s: String, _ x: Double = 0, _ y: Double = 0, parameters: [String: Double] = [:]) throws -> Double {
        try Expression(s, parameters: parameters)(x, y)
    }

    func error(_ s: String, variables: [String] = ["x", "y", "z", "t"], parameters: [String: Double] = [:]) -> ExpressionError? {
        do {
            _ = try Expression(s, variables: variables, parameters: parameters)
            return nil
        } catch {
            return error as? ExpressionError
        }
    }

    /// Asserts that `s` fails at `column` with a message containing each of `words`.
    func assertError(_ s: String, column: Int, _ words: String..., parameters: [String: Double] = [:],
                     file: StaticString = #filePath, line: UInt = #line) {
        guard let e = error(s, parameters: parameters) else {
            return XCTFail("\"\(s)\" compiled", file: file, line: line)
        }
        XCTAssertEqual(e.column, column, "\(e)", file: file, line: line)
        XCTAssertEqual(e.source, s, file: file, line: line)
        for w in words { XCTAssertTrue(e.message.contains(w), "\(e) lacks \"\(w)\"", file: file, line: line) }
    }

    func testPrecedenceAndAssociativity() throws {
        XCTAssertEqual(try value("2^3^2"), 512)
        XCTAssertEqual(try value("2**3**2"), 512)
        XCTAssertEqual(try value("(2^3)^2"), 64)
        XCTAssertEqual(try value("-2^2"), -4)
        XCTAssertEqual(try value("-x^2", 3), -9)
        XCTAssertEqual(try value("(-x)^2", 3), 9)
        XCTAssertEqual(try value("2^-1"), 0.5)
        XCTAssertEqual(try value("2*3+4"), 10)
        XCTAssertEqual(try value("2+3*4"), 14)
        XCTAssertEqual(try value("8/4/2"), 1)
        XCTAssertEqual(try value("10-4-3"), 3)
        XCTAssertEqual(try value("-(1+2)*3"), -9)
        XCTAssertEqual(try value("2*-3"), -6)
        XCTAssertEqual(try value("--2 + +3"), 5)
        XCTAssertEqual(try value("x*y - x/y", 3, 4), 3.0 * 4 - 3.0 / 4)
    }

    func testNumberFormats() throws {
        XCTAssertEqual(try value("2"), 2)
        XCTAssertEqual(try value("2.5"), 2.5)
        XCTAssertEqual(try value(".5"), 0.5)
        XCTAssertEqual(try value("2."), 2)
        XCTAssertEqual(try value("1e-3"), 1e-3)
        XCTAssertEqual(try value("1.5E+2"), 1.5E+2)
        XCTAssertEqual(try value(" 1.5e2 + .5 + 2E-1 "), 1.5e2 + 0.5 + 2E-1)
    }

    func testEveryFunctionMatchesFoundation() throws {
        for x in [0.37, -0.81, 2.5, 0] {
            let unary: [(String, (Double) -> Double)] = [
                ("sin", sin), ("cos", cos), ("tan", tan), ("asin", asin), ("acos", acos), ("atan", atan),
                ("sinh", sinh), ("cosh", cosh), ("tanh", tanh), ("exp", exp), ("log", log), ("log10", log10),
                ("sqrt", sqrt), ("abs", { Swift.abs($0) }), ("floor", floor), ("ceil", ceil),
            ]
            for (name, f) in unary {
                let expected = f(x)
                let viaVariable = try value("\(name)(x)", x)
                let folded = try value("\(name)(\(x))")  // "\(x)" prints the shortest round-tripping digits
                // NaN (asin(2.5), log(-0.81), ...) must come out NaN too, hence the bit patterns.
                XCTAssertEqual(viaVariable.bitPattern, expected.bitPattern, "\(name)(\(x))")
                XCTAssertEqual(folded.bitPattern, expected.bitPattern, "folded \(name)(\(x))")
            }
            XCTAssertEqual(try value("atan2(x, y)", x, 1.3), atan2(x, 1.3))
            XCTAssertEqual(try value("atan2(y, x)", x, -1.3), atan2(-1.3, x))
            XCTAssertEqual(try value("pow(y, x)", x, 1.7), pow(1.7, x))
            XCTAssertEqual(try value("y^x", x, 1.7), pow(1.7, x))
            XCTAssertEqual(try value("x^3", x), pow(x, 3))
            XCTAssertEqual(try value("min(x, y, 0.1)", x, -0.5), Swift.min(x, -0.5, 0.1))
            XCTAssertEqual(try value("max(x, y, 0.1, -3)", x, -0.5), Swift.max(x, -0.5, 0.1, -3))
        }
        XCTAssertEqual(try value("pi"), Double.pi)
        XCTAssertEqual(try value("e"), M_E)
        XCTAssertEqual(try value("sign(x)", -2.5), -1)
        XCTAssertEqual(try value("sign(x)", 0.1), 1)
        XCTAssertEqual(try value("sign(x)", 0), 0)
        XCTAssertTrue(try value("sign(x)", .nan).isNaN)
        // NaN propagates through min and max whatever its position.
        XCTAssertTrue(try value("min(x, 1)", .nan).isNaN)
        XCTAssertTrue(try value("min(1, x)", .nan).isNaN)
        XCTAssertTrue(try value("max(x, 1, 2)", .nan).isNaN)
        XCTAssertTrue(try value("max(1, 2, x)", .nan).isNaN)
    }

    /// `^2` is computed as a product (correctly rounded) on every path, whether the exponent is
    /// literal, folded or a variable.
    func testSquareIsAProduct() throws {
        for x in [0.1, 1.0 / 3, -7.25, 1e200, .infinity] {
            XCTAssertEqual(try value("x^2", x), x * x)
            XCTAssertEqual(try value("pow(x, 2)", x), x * x)
            XCTAssertEqual(try value("x^y", x, 2), x * x)
        }
        XCTAssertEqual(try value("0.1^2"), 0.1 * 0.1)
    }

    func testMatchesTheSwiftFormula() throws {
        let e = try Expression("sin(2*pi*x)*sin(3*pi*y)*exp(-x*y) + x^2")
        for (x, y) in [(0.1, 0.2), (0.77, 0.31), (-1.5, 2.25)] {
            XCTAssertEqual(e(x, y), sin(2 * Double.pi * x) * sin(3 * Double.pi * y) * exp(-x * y) + x * x)
        }
    }

    func testParameters() throws {
        XCTAssertEqual(try value("k*x", 2, parameters: ["k": 1.5]), 3)
        XCTAssertEqual(try value("sin(mu*pi*x)", 0.3, parameters: ["mu": 2]), sin(2 * Double.pi * 0.3))
        let c = try Expression("k^2 + 1", parameters: ["k": 3])
        XCTAssertTrue(c.isConstant)
        XCTAssertEqual(c(0), 10)
    }

    func testConstantFolding() throws {
        let c = try Expression("2*pi + sin(1)")
        XCTAssertTrue(c.isConstant)
        XCTAssertTrue(c.usedVariables.isEmpty)
        XCTAssertEqual(c(123, 4), 2 * Double.pi + sin(1))
        XCTAssertTrue(try Expression("2*pi").isConstant)
        XCTAssertTrue(try Expression("max(1, 2, 3)").isConstant)
        // Only variable-free subtrees fold: x*0 and 0*y are NaN for infinite x and y.
        let z = try Expression("x+0*y")
        XCTAssertFalse(z.isConstant)
        XCTAssertEqual(z(2, 5), 2)
        XCTAssertTrue(z(2, .infinity).isNaN)
        XCTAssertTrue(try Expression("x*0")(.infinity).isNaN)
        // A folded subtree gives exactly the value it would give unfolded.
        XCTAssertEqual(try value("sin(2*pi/7)"), try value("sin(2*pi/x)", 7))
    }

    func testVariables() throws {
        XCTAssertEqual(try Expression("x + z*y").usedVariables, ["x", "y", "z"])
        XCTAssertEqual(try Expression("t")(0, 0, 0, 7), 7)
        XCTAssertEqual(try Expression("x + 0*t").usedVariables, ["x", "t"])
        let polar = try Expression("r*cos(theta)", variables: ["r", "theta"])
        XCTAssertEqual(polar.usedVariables, ["r", "theta"])
        XCTAssertEqual(polar.variables, ["r", "theta"])
        let values: [Double] = [2, 0.5]
        XCTAssertEqual(values.withUnsafeBufferPointer { polar.evaluate($0) }, 2 * cos(0.5))
        // Missing trailing values count as 0.
        let short: [Double] = [2]
        XCTAssertEqual(short.withUnsafeBufferPointer { polar.evaluate($0) }, 2)
        let none: [Double] = []
        XCTAssertEqual(none.withUnsafeBufferPointer { polar.evaluate($0) }, 0)
        XCTAssertEqual(none.withUnsafeBufferPointer { try! Expression("3*e").evaluate($0) }, 3 * M_E)
        XCTAssertEqual(try Expression("u", variables: ["a", "b", "c", "d", "u"])(1, 2, 3, 4), 0)
    }

    func testDescriptionAndConcurrentUse() async throws {
        let e = try Expression("x^2 + y")
        XCTAssertEqual(e.description, "x^2 + y")
        XCTAssertEqual(e.source, "x^2 + y")
        // An expression is immutable and Sendable: evaluating it from several tasks is safe.
        let results = await withTaskGroup(of: (Int, Double).self) { group in
            for i in 0..<64 { group.addTask { (i, e(Double(i), 1)) } }
            var results = [Double](repeating: 0, count: 64)
            for await (i, v) in group { results[i] = v }
            return results
        }
        XCTAssertEqual(results, (0..<64).map { Double($0) * Double($0) + 1 })
    }

    func testSyntaxErrors() {
        assertError("", column: 1, "empty expression")
        assertError("   ", column: 1, "empty expression")
        assertError("x $ 2", column: 3, "unexpected character '$'")
        assertError("x +", column: 4, "unexpected end of expression")
        assertError("x * * y", column: 5, "unexpected '*'")
        assertError("sin(x,)", column: 7, "unexpected ')'")
        assertError("(x y)", column: 4, "unexpected 'y'", "expected ')'")
        assertError("(x + 1", column: 1, "unbalanced parenthesis")
        assertError("2*sin(x", column: 6, "unbalanced parenthesis")
        assertError("x + 1)", column: 6, "unbalanced parenthesis")
        assertError("x 2", column: 3, "unexpected '2' after end of expression")
        assertError("2x", column: 2, "unexpected 'x' after end of expression")
        assertError("1e999", column: 1, "out of range")
    }

    func testNameErrors() {
        assertError("sinn(x)", column: 1, "unknown name 'sinn' (did you mean 'sin'?)")
        XCTAssertEqual(error("sinn(x)")?.description,
                       "in expression \"sinn(x)\" at column 1: unknown name 'sinn' (did you mean 'sin'?)")
        assertError("x + yy", column: 5, "unknown name 'yy' (did you mean 'y'?)")
        assertError("2*mu*x", column: 3, "unknown name 'mu' (did you mean 'nu'?)", parameters: ["nu": 1])
        assertError("expp(x)", column: 1, "did you mean 'exp'?")
        assertError("x + pii", column: 5, "did you mean 'pi'?")
        // Far from every name: no suggestion (a one-letter name is not "near" other letters).
        assertError("x + w", column: 5, "unknown name 'w'")
        XCTAssertFalse(error("x + w")?.message.contains("did you mean") ?? true)
        XCTAssertFalse(error("cosine(x)")?.message.contains("did you mean") ?? true)
        assertError("x(2)", column: 1, "'x' is a variable, not a function")
        assertError("1 + k(2)", column: 5, "'k' is a parameter, not a function", parameters: ["k": 2])
        assertError("pi(2)", column: 1, "'pi' is a constant, not a function")
        assertError("1 + sin", column: 5, "function 'sin' used without arguments")
    }

    func testArityErrors() {
        assertError("atan2(x)", column: 1, "'atan2' takes 2 arguments, got 1")
        assertError("2*sin(x, y)", column: 3, "'sin' takes 1 argument, got 2")
        assertError("pow()", column: 1, "'pow' takes 2 arguments, got 0")
        assertError("min(x)", column: 1, "'min' takes at least 2 arguments, got 1")
        assertError("max()", column: 1, "'max' takes at least 2 arguments, got 0")
    }

    func testNameClashes() {
        XCTAssertEqual(error("x", parameters: ["sin": 1]),
                       ExpressionError(source: "x", column: 1, message: "parameter 'sin' clashes with the function 'sin'"))
        XCTAssertTrue(error("x", parameters: ["pi": 3])?.message.contains("clashes with the constant 'pi'") ?? false)
        XCTAssertTrue(error("x", parameters: ["y": 3])?.message.contains("parameter 'y' shadows the variable 'y'") ?? false)
        XCTAssertTrue(error("x", variables: ["x", "e"])?.message.contains("variable 'e' clashes with the constant") ?? false)
        XCTAssertTrue(error("x", variables: ["x", "x"])?.message.contains("listed twice") ?? false)
    }

    /// Deep input is refused rather than overflowing a thread's stack in the recursive parser,
    /// compiler or evaluator.
    func testNestingLimit() {
        let deep = String(repeating: "(", count: 300) + "x" + String(repeating: ")", count: 300)
        XCTAssertTrue(error(deep)?.message.contains("nested too deeply") ?? false)
        XCTAssertTrue(error(String(repeating: "-", count: 1000) + "x")?.message.contains("nested too deeply") ?? false)
        XCTAssertTrue(error("x" + String(repeating: "+x", count: 1000))?.message.contains("nested too deeply") ?? false)
        XCTAssertNil(error("x" + String(repeating: "+x", count: 200)))
    }
}
