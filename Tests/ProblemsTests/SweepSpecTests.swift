import Configuration
import Foundation
import XCTest
@testable import Problems

final class SweepSpecTests: XCTestCase {
    let base = "[problem]\nkind = \"pde\"\n[pde]\ngrid = [8]\nrhs = 1\n"

    func sweep(_ text: String) throws -> SweepSpec {
        try SweepSpec(ProblemDocument(text: base + text, path: "s.toml", directory: URL(fileURLWithPath: "/tmp")))
    }

    func testProductOfListAndRanges() throws {
        let s = try sweep("""
            [sweep.parameters]
            "pde.parameters.k" = { log = [1e-2, 1], count = 3 }
            "solver.max_iterations" = { linear = [10, 20], count = 3, integer = true }
            """)
        XCTAssertEqual(s.cases.count, 9)
        XCTAssertEqual(s.parameters.map(\.key), ["pde.parameters.k", "solver.max_iterations"])
        let k = s.parameters[0].values.compactMap(\.number)
        XCTAssertEqual(k[0], 1e-2, accuracy: 1e-17); XCTAssertEqual(k[1], 0.1, accuracy: 1e-16); XCTAssertEqual(k[2], 1, accuracy: 1e-15)
        XCTAssertEqual(s.parameters[1].values, [.integer(10), .integer(15), .integer(20)])
        // Product order: the last parameter varies fastest.
        XCTAssertEqual(s.cases[1].map(\.key), ["pde.parameters.k", "solver.max_iterations"])
        XCTAssertEqual(s.cases[1][1].value, .integer(15))
    }

    /// The file's order, not the alphabet: written z then a, the columns are z, a and the product
    /// varies a (the last written) fastest — quoted, dotted and inline-table keys alike.
    func testParametersKeepTheOrderOfTheFile() throws {
        let s = try sweep("""
            [sweep.parameters]
            "solver.rtol" = [1e-6, 1e-8]
            pde.parameters.z = [1, 2]
            "pde.parameters.a" = { linear = [0, 1], count = 3 }
            """)
        XCTAssertEqual(s.parameters.map(\.key), ["solver.rtol", "pde.parameters.z", "pde.parameters.a"])
        XCTAssertEqual(s.cases.count, 12)
        XCTAssertEqual(s.cases[0][2].value, .double(0)); XCTAssertEqual(s.cases[1][2].value, .double(0.5))
        XCTAssertEqual(s.cases[3][1].value, .integer(2)); XCTAssertEqual(s.cases[6][0].value, .double(1e-8))
        // A dotted key after a quoted one keeps its place although TOML nests it with an
        // earlier key of the same first part.
        let mixed = try sweep("[sweep.parameters]\npde.grid = [[10, 10], [12, 12]]\n\"solver.rtol\" = [1e-6, 1e-8]\npde.parameters.k = [3.0, 4.0]\n")
        XCTAssertEqual(mixed.parameters.map(\.key), ["pde.grid", "solver.rtol", "pde.parameters.k"])
        XCTAssertEqual(mixed.cases[1][2].value, .double(4.0))
        // Tables and inline tables keep their order too (the resolved run record follows it).
        let document = try ProblemDocument(text: "[zeta]\nb = 1\na = { y = 1, x = 2 }\n[alpha]\nc = 3\n", path: "o.toml",
                                           directory: URL(fileURLWithPath: "/tmp"))
        XCTAssertEqual(document.root.keys, ["zeta", "alpha"])
        guard case .table(let zeta)? = document.root["zeta"], case .table(let inline)? = zeta["a"] else { return XCTFail("tables") }
        XCTAssertEqual(zeta.keys, ["b", "a"])
        XCTAssertEqual(inline.keys, ["y", "x"])
    }

    func testZipNeedsEqualLengths() throws {
        XCTAssertEqual(try sweep("[sweep]\nmode = \"zip\"\n[sweep.parameters]\na.b = [1, 2]\nc.d = [3, 4]\n").cases.count, 2)
        XCTAssertThrowsError(try sweep("[sweep]\nmode = \"zip\"\n[sweep.parameters]\na.b = [1, 2]\nc.d = [3]\n")) {
            XCTAssertTrue("\($0)".contains("lists of one length"), "\($0)")
        }
    }

    /// Latin hypercube: with n samples, each parameter has exactly one sample in each of the n
    /// equal strata of its interval (the defining property; it fails for plain random sampling
    /// with probability 1 − n!/nⁿ).
    func testLatinHypercubeFillsEveryStratumOnce() throws {
        let s = try sweep("[sweep]\nmode = \"latin_hypercube\"\nsamples = 16\nseed = 4\n[sweep.parameters]\n"
                          + "\"a.x\" = { uniform = [0, 2] }\n\"a.y\" = { log_uniform = [1e-3, 1e3] }\n")
        XCTAssertEqual(s.cases.count, 16)
        let x = s.parameters.first { $0.key == "a.x" }!.values.compactMap(\.number)
        let y = s.parameters.first { $0.key == "a.y" }!.values.compactMap(\.number)
        XCTAssertEqual(Set(x.map { Int($0 / 2 * 16) }), Set(0..<16))
        XCTAssertEqual(Set(y.map { Int((log10($0) + 3) / 6 * 16) }), Set(0..<16))
        // The seed names the design.
        let again = try sweep("[sweep]\nmode = \"latin_hypercube\"\nsamples = 16\nseed = 4\n[sweep.parameters]\n"
                              + "\"a.x\" = { uniform = [0, 2] }\n\"a.y\" = { log_uniform = [1e-3, 1e3] }\n")
        XCTAssertEqual(again.parameters.map(\.values), s.parameters.map(\.values))
    }

    func testErrorsNameTheParameter() {
        XCTAssertThrowsError(try sweep("[sweep.parameters]\n\"solver.rtol\" = 3\n")) {
            XCTAssertTrue("\($0)".contains("s.toml:7: sweep.parameters.solver.rtol"), "\($0)")
        }
        XCTAssertThrowsError(try sweep("[sweep]\nmode = \"random\"\n[sweep.parameters]\nx.y = [1, 2]\n")) {
            XCTAssertTrue("\($0)".contains("samples") || "\($0)".contains("interval"), "\($0)")
        }
        XCTAssertThrowsError(try sweep("")) { XCTAssertTrue("\($0)".contains("no [sweep] table"), "\($0)") }
    }

    /// A case's value lands in the document; a bad one is named as a sweep parameter.
    func testCaseDocumentsAndTheirErrors() throws {
        let doc = try ProblemDocument(text: base + "[sweep.parameters]\n\"pde.grid\" = [[4], [1]]\n", path: "s.toml",
                                      directory: URL(fileURLWithPath: "/tmp"))
        let s = try SweepSpec(doc)
        let first = try ProblemSpec(try doc.sweepCase(s.cases[0]))
        guard let p = first.physics as? PDESpec else { return XCTFail() }
        XCTAssertEqual(p.grid.shape, [4])
        XCTAssertFalse(first.hasSweep)
        XCTAssertThrowsError(try ProblemSpec(try doc.sweepCase(s.cases[1]))) {
            XCTAssertTrue("\($0)".contains("[sweep] parameter pde.grid"), "\($0)")
            XCTAssertTrue("\($0)".contains("grid too small"), "\($0)")
        }
    }
}
