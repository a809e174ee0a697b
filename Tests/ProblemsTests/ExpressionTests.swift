import Foundation
import XCTest
@testable import Problems

final class ExpressionTests: XCTestCase {
    func value(_ s: String, _ x: Double = 0, _ y: Double = 0, parameters: [String: Double] = [:]) throws -> Double {
        try Expression(s, parameters: parameters)(x, y)
    }

    func message(_ s: String, parameters: [String: Double] = [:]) -> String {
        do { _ = try Expression(s, parameters: parameters); return "no error" } catch { return "\(error)" }
    }

    /// Exact comparisons: each case performs the same floating-point operations as the literal.
    func testPrecedenceAndAssociativity() throws {
        XCTAssertEqual(try value("2^3^2"), 512)
        XCTAssertEqual(try value("2**3**2"), 512)
        XCTAssertEqual(try value("-2^2"), -4)
        XCTAssertEqual(try value("2*3+4"), 10)
        XCTAssertEqual(try value("2+3*4"), 14)
        XCTAssertEqual(try value("8/4/2"), 1)
        XCTAssertEqual(try value("10-4-3"), 3)
        XCTAssertEqual(try value("-(1+2)*3"), -9)
        XCTAssertEqual(try value("2^-1"), 0.5)
        XCTAssertEqual(try value("1.5e2 + .5 + 2E-1"), 150.7)
        XCTAssertEqual(try value("x*y - x", 3, 4), 9)
    }

    func testFunctionsMatchFoundation() throws {
        let x = 0.37
        let cases: [(String, Double)] = [
            ("sin(x)", sin(x)), ("cos(x)", cos(x)), ("tan(x)", tan(x)), ("asin(x)", asin(x)), ("acos(x)", acos(x)),
            ("atan(x)", atan(x)), ("atan2(x, 2)", atan2(x, 2)), ("sinh(x)", sinh(x)), ("cosh(x)", cosh(x)),
            ("tanh(x)", tanh(x)), ("exp(x)", exp(x)), ("log(x)", log(x)), ("log10(x)", log10(x)), ("sqrt(x)", x.squareRoot()),
            ("abs(-x)", x), ("floor(x)", 0), ("ceil(x)", 1), ("sign(-x)", -1), ("pow(x, 3)", pow(x, 3)),
            ("min(x, 2, -1)", -1), ("max(x, 2, -1)", 2), ("pi", Double.pi), ("e", M_E),
        ]
        for (source, expected) in cases { XCTAssertEqual(try value(source, x), expected, source) }
    }

    func testParametersFoldingAndUsedVariables() throws {
        XCTAssertEqual(try value("k*x", 2, parameters: ["k": 1.5]), 3)
        let c = try Expression("2*pi + sin(1)")
        XCTAssertTrue(c.isConstant)
        XCTAssertEqual(c(123), 2 * Double.pi + sin(1))
        // x*0 is not folded: it is NaN for infinite x.
        let z = try Expression("x*0")
        XCTAssertFalse(z.isConstant)
        XCTAssertTrue(z(.infinity).isNaN)
        XCTAssertEqual(try Expression("x + z*y").usedVariables, ["x", "y", "z"])
        XCTAssertEqual(try Expression("t", variables: ["x", "y", "z", "t"])(0, 0, 0, 7), 7)
    }

    func testErrorsNameTheColumn() {
        XCTAssertTrue(message("").contains("empty expression"))
        XCTAssertTrue(message("sinn(x)").contains("column 1: unknown name 'sinn' (did you mean 'sin'?)"), message("sinn(x)"))
        XCTAssertTrue(message("x + w").contains("column 5: unknown name 'w'"), message("x + w"))
        XCTAssertTrue(message("x $ 2").contains("column 3: unexpected '$'"), message("x $ 2"))
        XCTAssertTrue(message("(x + 1").contains("column 1: unbalanced parenthesis"), message("(x + 1"))
        XCTAssertTrue(message("x + 1)").contains("column 6: unbalanced parenthesis"), message("x + 1)"))
        XCTAssertTrue(message("x +").contains("unexpected end"), message("x +"))
        XCTAssertTrue(message("atan2(x)").contains("atan2 takes 2 arguments, got 1"), message("atan2(x)"))
        XCTAssertTrue(message("min(x)").contains("at least 2"), message("min(x)"))
        XCTAssertTrue(message("x(2)").contains("'x' is not a function"), message("x(2)"))
        XCTAssertTrue(message("sin + 1").contains("function 'sin' needs arguments"), message("sin + 1"))
        XCTAssertTrue(message("x 2").contains("column 3: unexpected '2' after the end"), message("x 2"))
        XCTAssertTrue(message("x", parameters: ["sin": 1]).contains("clashes"))
    }
}
