import Solvers
import Configuration
import Foundation
import XCTest
@testable import Problems

/// Bad problem files: each error names the file, the line and the key, in one line.
final class ProblemSpecTests: XCTestCase {
    let dir = URL(fileURLWithPath: NSTemporaryDirectory())

    func load(_ text: String, overrides: [String] = []) throws -> ProblemSpec {
        try ProblemSpec(ProblemDocument(text: text, path: "p.toml", directory: dir, overrides: overrides))
    }

    func assertError(_ text: String, overrides: [String] = [], contains words: [String],
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try load(text, overrides: overrides), file: file, line: line) { error in
            let s = "\(error)"
            XCTAssertFalse(s.contains("\n"), "not one line: \(s)", file: file, line: line)
            for w in words { XCTAssertTrue(s.contains(w), "'\(w)' missing from: \(s)", file: file, line: line) }
        }
    }

    let valid = """
        [problem]
        kind = "pde"
        [pde]
        grid = [8, 8]
        rhs = "1"
        """

    func testValidFileHasDefaults() throws {
        let s = try load(valid)
        XCTAssertEqual(s.name, "p")
        XCTAssertEqual(s.solver, SolverSpec())
        guard let p = s.physics as? PDESpec else { return XCTFail() }
        XCTAssertEqual(p.grid.shape, [8, 8])
        XCTAssertEqual(p.grid.axes[0].spacing, 1.0 / 9.0, accuracy: 1e-16)
    }

    func testMalformedTOMLNamesTheLine() {
        assertError("[problem]\nkind = \"pde\"\n[pde\ngrid = [8]\n", contains: ["p.toml:3:", "TOML syntax error"])
    }

    func testUnknownKeyNamesLineAndNearestKey() {
        assertError(valid + "\n[solver]\nprecondtioner = \"ic0\"\n",
                    contains: ["p.toml:7:", "solver.precondtioner", "unknown key", "did you mean 'preconditioner'"])
    }

    /// A required key that is missing names the misspelt key the table holds instead; a far-off
    /// unknown key is not offered as the near-miss.
    func testMissingKeyNamesItsNearMiss() {
        assertError("[problem]\nkind = \"pde\"\n[pde]\ngird = [8, 8]\nrhs = \"1\"\n",
                    contains: ["pde.grid", "missing", "the table has 'gird': a misspelling of 'grid'?"])
        XCTAssertThrowsError(try load("[problem]\nkind = \"pde\"\n[pde]\nshape = [8, 8]\nrhs = \"1\"\n")) { error in
            XCTAssertFalse("\(error)".contains("misspelling"), "\(error)")
        }
    }

    /// An unknown key at one level that the schema has at another is named by its full path:
    /// `--set grid=...` → pde.grid, `--set rtoll=...` → solver.rtol (the schema's keys are those
    /// of the tables the file has: here a [solver] table); a key the schema has nowhere gets no
    /// hint.
    func testUnknownKeyNamesTheFullPathWhereTheSchemaHasIt() {
        assertError(valid, overrides: ["grid=[4, 4]"], contains: ["--set grid", "unknown key at the top level", "did you mean 'pde.grid'?"])
        assertError(valid + "\n[solver]\nmethod = \"cg\"\n", overrides: ["rtoll=1e-3"], contains: ["did you mean 'solver.rtol'?"])
        assertError(valid, overrides: ["solver.grid=1"], contains: ["unknown key in [solver]", "did you mean 'pde.grid'?"])
        XCTAssertThrowsError(try load(valid, overrides: ["zzz=1"])) { error in
            XCTAssertFalse("\(error)".contains("did you mean"), "\(error)")
        }
    }

    /// `--set pde.grid=33,33` reads as a string: the error shows the bracketed array.
    func testACommaListWhereAnArrayGoesShowsTheBrackets() {
        assertError(valid, overrides: ["pde.grid=33,33"], contains: ["pde.grid", "expected an array, found a string", "[33,33]"])
    }

    func testUnknownSection() {
        assertError(valid + "\n[solvr]\nmethod = \"cg\"\n", contains: ["p.toml:6:", "solvr", "did you mean 'solver'"])
    }

    func testWrongType() {
        assertError(valid + "\n[solver]\nrtol = \"small\"\n", contains: ["p.toml:7:", "solver.rtol", "expected a number, found a string"])
    }

    func testGridTooSmall() {
        assertError("[problem]\nkind = \"pde\"\n[pde]\ngrid = [8, 1]\nrhs = 1\n", contains: ["p.toml:4:", "pde.grid", "grid too small"])
    }

    func testNegativeTolerance() {
        assertError(valid + "\n[solver]\nrtol = -1e-8\n", contains: ["p.toml:7:", "solver.rtol", "must be ≥ 0"])
    }

    func testUnknownMethodSuggestsNearest() {
        assertError(valid + "\n[solver]\npreconditioner = \"ic\"\n", contains: ["unknown value 'ic'", "ic0"])
    }

    func testBadExpressionNamesKeyAndColumn() {
        assertError("[problem]\nkind = \"pde\"\n[pde]\ngrid = [8]\nrhs = \"sinn(x)\"\n",
                    contains: ["p.toml:5:", "pde.rhs", "sinn", "did you mean 'sin'"])
    }

    func testMissingNPYFile() {
        assertError("[problem]\nkind = \"pde\"\n[pde]\ngrid = [8]\nrhs = { npy = \"nope.npy\" }\n", contains: ["pde.rhs", "nope.npy"])
    }

    /// All-Neumann −Δu = f is accepted (the solvers that handle its constant null space are
    /// chosen later); with a reaction or velocity term pdekit cannot tell whether it is well
    /// posed, and refuses.
    func testAllNeumannNeedsPureDiffusion() throws {
        XCTAssertNoThrow(try load(valid + "\nboundary = { all = { type = \"neumann\" } }\n"))
        assertError(valid + "\nreaction = 1\nboundary = { all = { type = \"neumann\" } }\n", contains: ["pde.boundary", "no side is Dirichlet"])
    }

    func testSideThatDoesNotExist() {
        assertError("[problem]\nkind = \"pde\"\n[pde]\ngrid = [8]\nrhs = 1\n[pde.boundary]\ny_min = { type = \"neumann\" }\n",
                    contains: ["p.toml:7:", "no y_min side"])
    }

    func testOverridesApplyAndAreNamedInErrors() throws {
        let s = try load(valid, overrides: ["pde.grid=[5,6]", "solver.preconditioner=jacobi", "solver.rtol=1e-6"])
        guard let p = s.physics as? PDESpec else { return XCTFail() }
        XCTAssertEqual(p.grid.shape, [5, 6])
        XCTAssertEqual(s.solver.preconditioner, "jacobi")
        XCTAssertEqual(s.solver.rtol, 1e-6)
        assertError(valid, overrides: ["solver.rtol=-3"], contains: ["--set solver.rtol", "must be ≥ 0"])
        assertError(valid, overrides: ["solver.max_iterations"], contains: ["expected KEY=VALUE"])
    }

    func testResolvedConfigurationRoundTrips() throws {
        let s = try load(valid)
        let again = try load(Self.render(s.resolved))
        XCTAssertEqual(again.resolved, s.resolved)
    }

    /// Minimal TOML rendering for the round-trip test (the runner has the production writer).
    static func render(_ t: ConfigTable, path: [String] = []) -> String {
        func inline(_ v: ConfigValue) -> String {
            switch v {
            case .string(let s): return "\"\(s)\""
            case .integer(let i): return "\(i)"
            case .double(let d): return "\(d)"
            case .bool(let b): return "\(b)"
            case .array(let a): return "[" + a.map(inline).joined(separator: ", ") + "]"
            case .table(let t): return "{ " + t.keys.map { "\($0) = \(inline(t[$0]!))" }.joined(separator: ", ") + " }"
            }
        }
        var out = ""
        for k in t.keys { if case .table = t[k]! {} else { out += "\(k) = \(inline(t[k]!))\n" } }
        for k in t.keys { if case .table(let s) = t[k]! { out += "[\((path + [k]).joined(separator: "."))]\n" + render(s, path: path + [k]) } }
        return out
    }
}

final class ProblemStemTests: XCTestCase {
    /// The default problem name, taken from the file's name in text, is what Foundation's URL
    /// gives for every shape of path a problem file can have.
    func testStemAgreesWithFoundation() {
        for path in ["problems/a.b.toml", "a.toml", "/x/y/z.toml", ".hidden", "dir/.hidden", "noext", "dir/x.", "x.toml/", "a/b/", "/",
                     ".a.toml", "RUN.toml", "dir.d/file", "./p.toml", "../q/r.toml", "a//b.toml"] {
            XCTAssertEqual(ProblemSpec.stem(path), URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, path)
        }
    }
}
