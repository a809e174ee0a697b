import Foundation
import XCTest

/// Inputs `check` accepted and `run` then refused, or refused naming LAPACK or the wrong key
/// (found by an audit of the newer kinds). Each is now judged the same by both, at its key.
final class CheckMatchesRunTests: CLITestCase {
    /// Both commands refuse with exit 2 naming `key`, and run leaves no folder.
    func assertBothRefuse(_ name: String, _ text: String, _ key: String, _ words: [String] = [], extra: [String] = [],
                          file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try write(name, text)
        for command in ["check", "run"] {
            let r = try pdekit([command, path] + extra + (command == "run" ? ["-o", "out"] : []))
            XCTAssertEqual(r.status, 2, "\(command): \(r.stderr)", file: file, line: line)
            for w in [key] + words { XCTAssertTrue(r.stderr.contains(w), "\(command): '\(w)' missing from \(r.stderr)", file: file, line: line) }
            XCTAssertFalse(r.stderr.contains("argument") || r.stderr.contains("dgees") || r.stderr.contains("dgesv"), r.stderr,
                           file: file, line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("out").path), file: file, line: line)
    }

    func testDomainWhoseSpacingLeavesTheDoublesIsBlamed() throws {
        try assertBothRefuse("d.toml", "[problem]\nkind = \"pde\"\n[pde]\ngrid = [3, 3]\ndomain = [[0, 1e-160], [0, 1]]\nrhs = \"1\"\n",
                             "pde.domain", ["interval 1"])
        try assertBothRefuse("v.toml", "[problem]\nkind = \"pde\"\n[pde]\ngrid = [3, 3]\ndomain = [[0, 1e200], [0, 1e200]]\nrhs = \"1\"\n",
                             "pde.domain")
    }

    func testAMGBlockSizeIsNamedNotTheMethod() throws {
        let text = "[problem]\nkind = \"pde\"\n[pde]\ngrid = [3, 3]\nrhs = \"1\"\n[solver]\nmethod = \"amg\"\n"
            + "[solver.amg]\nalgorithm = \"aggregation\"\nblock_size = 2\n"
        try assertBothRefuse("b.toml", text, "solver.amg.block_size", ["does not divide the matrix's 9 rows"])
        // Classical AMG has no blocks: the key is not in its way.
        let classical = try write("c.toml", text.replacingOccurrences(of: "aggregation", with: "classical"))
        XCTAssertEqual(try pdekit(["run", classical, "-o", "c"]).status, 0)
    }

    func testHugeTensorValuesAreTransformedNotSentToLAPACKAsNaN() throws {
        // 1e306 everywhere: the transform's unscaled sums overflowed ("dgeqrf: argument 4").
        let path = try write("t.toml", "[problem]\nkind = \"tensor\"\n[tensor]\nfunction = \"1e306\"\nbox = [[-1, 1], [-1, 1], [-1, 1]]\n")
        let r = try pdekit(["run", path, "-o", "t", "--error-if-not-converged"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("t/run.toml"), encoding: .utf8)
        XCTAssertEqual(try XCTUnwrap(recordNumber(record, "max_error")), 0, accuracy: 1e-15)
        // 1e160·cos(9x): the coefficient energies squared past 1e308 (rank 1, error 1.09).
        let big = try write("b.toml", "[problem]\nkind = \"tensor\"\n[tensor]\nfunction = \"1e160*cos(9*x)\"\nbox = [[-1, 1]]\ntolerance = 1e-8\n")
        XCTAssertEqual(try pdekit(["run", big, "-o", "b", "--error-if-not-converged"]).status, 0)
        let b = try String(contentsOf: work.appendingPathComponent("b/run.toml"), encoding: .utf8)
        XCTAssertLessThan(try XCTUnwrap(recordNumber(b, "max_error")), 1e-6)
    }

    func testGPCollocationBoundsWhatWouldOverflow() throws {
        let advection = "[problem]\nkind = \"gp_pde\"\n[gp_pde]\nequation = \"advection\"\nvelocity = 1e308\n"
            + "box = [[0, 6.283185307179586], [0, 1]]\npoints = [12, 12]\nexact = \"sin(x)\"\n"
        try assertBothRefuse("a.toml", advection, "gp_pde.velocity", ["at most 1e8"])
    }

    func testReducedBasisTrainingIsCheckedAtEveryParameter() throws {
        let family = """
            [problem]
            kind = "reduced_basis"
            [reduced_basis]
            family = "pde"
            test = { samples = 2, seed = 0 }
            [reduced_basis.pde]
            grid = [9, 9]
            coefficient = "1 + contrast*exp(-((x - 0.5)^2 + (y - 0.5)^2)/width^2)"
            rhs = 1
            parameters = { contrast = 1, width = 0.1 }
            [reduced_basis.training]
            parameters = { contrast = [-2, 5], width = [0.1] }
            """
        try assertBothRefuse("n.toml", family, "reduced_basis.pde.coefficient", ["contrast = -2.0"])
        // A reference 1e350 times the coefficient at a training parameter: the reduced operator
        // underflowed to 0 and dgesv failed naming nothing.
        let scaled = """
            [problem]
            kind = "reduced_basis"
            [reduced_basis]
            family = "pde"
            test = { samples = 2, seed = 0 }
            [reduced_basis.pde]
            grid = [5, 5]
            coefficient = "contrast"
            rhs = "contrast"
            parameters = { contrast = 1e150 }
            [reduced_basis.training]
            parameters = { contrast = [1e-200, 1] }
            """
        try assertBothRefuse("s.toml", scaled, "reduced_basis.reference", ["coercivity ratio"])
        // rhs = 0: zero basis vectors and test errors 0/0 = NaN, saved as a model that a later
        // reduced_model refused as damaged. Run refuses it (check does not assemble the loads).
        let zero = try write("z.toml",
                             family.replacingOccurrences(of: "rhs = 1", with: "rhs = 0").replacingOccurrences(of: "[-2, 5]", with: "[2, 5]"))
        let r = try pdekit(["run", zero, "-o", "z"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("reduced_basis.pde.rhs") && r.stderr.contains("nothing to reduce"), r.stderr)
    }

    func testReducedModelParametersOutsideTheFamilyAreRefusedByCheck() throws {
        let offline = try write("rb.toml", """
            [problem]
            kind = "reduced_basis"
            name = "rb"
            [reduced_basis]
            family = "pde"
            tolerance = 1e-3
            max_size = 10
            test = { samples = 2, seed = 0 }
            [reduced_basis.pde]
            grid = [9, 9]
            coefficient = "1 + contrast*exp(-((x - 0.5)^2 + (y - 0.5)^2)/width^2)"
            rhs = 1
            parameters = { contrast = 1, width = 0.1 }
            [reduced_basis.training]
            mode = "random"
            samples = 8
            seed = 1
            parameters = { contrast = { uniform = [1, 10] }, width = { uniform = [0.05, 0.2] } }
            """)
        XCTAssertEqual(try pdekit(["run", offline, "-o", "rb"]).status, 0)
        try assertBothRefuse("o.toml",
                             "[problem]\nkind = \"reduced_model\"\n[reduced_model]\nmodel = \"rb\"\nparameters = { contrast = 7.5, width = 0 }\n",
                             "reduced_model.parameters", ["width = 0.0", "not defined"])
    }

    /// A sweep file's base problem is what `run` solves: `check` judges the cases, and says
    /// when `run` would refuse the base (its coefficient, or the folder a sweep wrote).
    func testCheckOfASweepFileWarnsWhenRunWouldRefuseTheBase() throws {
        let path = try write("sw.toml", """
            [problem]
            name = "sw"
            kind = "pde"
            [pde]
            grid = [7, 7]
            coefficient = "k"
            rhs = "1"
            parameters = { k = -1 }
            [sweep.parameters]
            "pde.parameters.k" = [1, 2]
            """)
        let r = try pdekit(["check", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("pdekit run") && r.stderr.contains("pde.coefficient"), r.stderr)
        XCTAssertEqual(try pdekit(["run", path, "-o", "x"]).status, 2)
        XCTAssertEqual(try pdekit(["sweep", path]).status, 0)
        // After the sweep, outputs/sw is a sweep folder, which run would not replace.
        let valid = try write("sw.toml", try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "k = -1", with: "k = 1"))
        let again = try pdekit(["check", valid])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("holds a pdekit sweep"), again.stderr)
    }
}
