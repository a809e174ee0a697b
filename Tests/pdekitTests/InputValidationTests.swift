import Foundation
import Storage
import XCTest

/// Bad input is one error line naming the file and key, exit 2, never a trap: malformed TOML,
/// overflowing sizes and integers, non-finite numbers, devices, deep nesting, NUL escapes,
/// unknown keys, options that name nothing.
final class InputValidationTests: ProblemFileTestCase {
    func sweepFile(_ name: String, cases: Int, extra: String = "") throws -> String {
        try write("\(name).toml", """
            [problem]
            name = "\(name)"
            kind = "pde"
            [pde]
            grid = [8]
            rhs = "k"
            parameters = { k = 1 }
            \(extra)
            [sweep.parameters]
            "pde.parameters.k" = { linear = [1, \(cases)], count = \(cases) }
            """)
    }

    func testTableHeadersThatAbortedTomlPlusPlus() throws {
        for header in ["[(]", "[*]", "[=]", "[.]", "[#]", "[[(]]", "[[[x]]]", "[", "a = [1, }]", "a = [\u{2028}]"] {
            _ = try write("h.toml", header + "\n")
            for command in ["check", "run"] {
                let r = try pdekit([command, "h.toml"])
                XCTAssertEqual(r.status, 2, "\(header): \(r.stderr)")
                XCTAssertTrue(r.stderr.hasPrefix("pdekit: error: h.toml:1: TOML syntax error"), "\(header): \(r.stderr)")
            }
        }
    }

    func testOverflowingSizesAreRefused() throws {
        for grid in ["[4294967296, 4294967296]", "[9223372036854775807, 15]", "[65536, 65536]"] {
            try assertRefused(["check", problem, "--set", "pde.grid=\(grid)"], ["pde.grid", "32-bit"])
        }
        let sweep = try write("big.toml", """
            [problem]
            kind = "pde"
            [pde]
            grid = [5]
            rhs = "k"
            parameters = { k = 1 }
            [sweep.parameters]
            "pde.parameters.k" = { linear = [0, 1], count = 1000000000000 }
            """)
        try assertRefused(["sweep", sweep, "--dry-run"], ["count = 1000000000000", "1000000"])
        try assertRefused(["check", sweep], ["1000000"])
    }

    func testNonFiniteNumbersAreBadInput() throws {
        _ = try write("n.toml", "[problem]\nkind = \"pde\"\n[pde]\ngrid = [5]\nrhs = nan\n")
        try assertRefused(["run", "n.toml"], ["n.toml:5: pde.rhs", "nan and inf"])
        try assertRefused(["run", problem, "--set", "pde.rhs=inf"], ["--set pde.rhs", "nan and inf"])
        try assertRefused(["run", problem, "--set", "pde.exact=\"sqrt(-1)\""], ["pde.exact", "NaN"])
        try assertRefused(["run", problem, "--set", "pde.rhs=\"1/(x - 0.5)\""], ["pde.rhs", "inf"])
        // A NaN in a linear system's right-hand side: bad input for every method.
        try NPY.write([1, .nan], shape: [2], to: work.appendingPathComponent("b.npy"))
        try Data("%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n1 1 2\n2 2 2\n".utf8).write(to: work.appendingPathComponent("A.mtx"))
        for method in ["direct", "cg", "lu"] {
            _ = try write("s.toml",
                          "[problem]\nkind = \"linear_system\"\n[system]\nmatrix = \"A.mtx\"\nrhs = \"b.npy\"\n[solver]\nmethod = \"\(method)\"\n")
            try assertRefused(["run", "s.toml"], ["s.toml:5: system.rhs", "nan"])
        }
    }

    func testErrorsAreOneLineAndNameFileAndKey() throws {
        // Raw NPY header bytes with newlines inside.
        let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0, 20, 0] + Array("{'descr':\n'<f8'\n}\n\n\n".utf8)
        try Data(bytes).write(to: work.appendingPathComponent("bad.npy"))
        _ = try write("f.toml", "[problem]\nkind = \"pde\"\n[pde]\ngrid = [5]\nrhs = { npy = \"bad.npy\" }\n")
        try assertRefused(["run", "f.toml"], ["f.toml:5: pde.rhs", "bad.npy"])
        // A name with a NUL or a newline is refused, not truncated or printed raw.
        try assertRefused(["run", problem, "--set", "problem.name=\"a\\u0000b\""], ["NUL"])
        try assertRefused(["run", problem, "--set", "problem.name=\"a\\nb\""], ["problem.name", "a\\nb"])
        // A Matrix Market integer file holding 2.5 or 0x10.
        for value in ["2.5", "0x10"] {
            try Data("%%MatrixMarket matrix coordinate integer symmetric\n2 2 2\n1 1 \(value)\n2 2 2\n".utf8)
                .write(to: work.appendingPathComponent("A.mtx"))
            try NPY.write([1, 1], shape: [2], to: work.appendingPathComponent("b.npy"))
            _ = try write("s.toml", "[problem]\nkind = \"linear_system\"\n[system]\nmatrix = \"A.mtx\"\nrhs = \"b.npy\"\n")
            try assertRefused(["run", "s.toml"], ["A.mtx", "line 3", "not an integer"])
        }
    }

    func testDevicesAreNotDataFiles() throws {
        let system = Self.packageRoot.appendingPathComponent("problems/linear_system.toml").path
        try assertRefused(["run", system, "--set", "system.rhs=\"/dev/zero\""], ["system.rhs", "/dev/zero", "device"])
        try assertRefused(["check", "/dev/zero"], ["/dev/zero", "device"])
    }

    func testDeepDottedKeysAndDuplicateParametersAreRefused() throws {
        _ = try write("d.toml", String(repeating: "a.", count: 10_000) + "b = 1\n")
        try assertRefused(["check", "d.toml"], ["d.toml:1", "levels"])
        _ = try write("e.toml", "[" + String(repeating: "a.", count: 10_000) + "b]\n")
        try assertRefused(["check", "e.toml"], ["e.toml:1", "levels"])
        // Inline tables and arrays nested 10,000 deep (a 40 kB file) took 1.7 GB before parsing.
        _ = try write("f.toml", "a = " + String(repeating: "{b=", count: 10_000) + "1" + String(repeating: "}", count: 10_000) + "\n")
        try assertRefused(["check", "f.toml"], ["f.toml:1", "nested more than 64"])
        _ = try write("g.toml", "[problem]\nkind = \"pde\"\n[pde]\ngrid = " + String(repeating: "[", count: 5_000)
            + String(repeating: "]", count: 5_000) + "\n")
        try assertRefused(["check", "g.toml"], ["g.toml:4", "nested more than 64"])
        _ = try write("s.toml", """
            [problem]
            kind = "pde"
            [pde]
            grid = [5]
            rhs = "k"
            parameters = { k = 1 }
            [sweep.parameters]
            "pde.parameters.k" = [1, 2]
            pde.parameters.k = [3, 4]
            """)
        try assertRefused(["check", "s.toml"], ["pde.parameters.k", "given twice"])
    }

    func testExtremeCoefficientsAreSolvedOrBlamedCorrectly() throws {
        // The harmonic face mean no longer overflows: a constant coefficient of 1e-170 or 1e160
        // scales the solution by its inverse (1e170 or 1e-160, both representable).
        for c in ["1e-170", "1e160"] {
            let r = try pdekit(["run", problem, "--set", "pde.coefficient=\(c)", "-o", "c", "--error-if-not-converged"])
            XCTAssertEqual(r.status, 0, "\(c): \(r.stderr)")
            try FileManager.default.removeItem(at: work.appendingPathComponent("c"))
        }
        try assertRefused(["run", problem, "--set", "pde.coefficient=1e-320"], ["pde.coefficient", "2.2e-308"])
    }

    func testHugeIntegerOptionsAreRefusedNotTrapped() throws {
        for key in ["solver.gmg.pre_smooth", "solver.gmg.post_smooth", "solver.amg.pre_smooth", "solver.amg.post_smooth",
                    "solver.max_iterations", "solver.gmres.restart", "solver.gcrodr.restart", "solver.rcg.recycle"] {
            for value in ["9223372036854775807", "-9223372036854775808"] {
                let r = try pdekit(["check", problem, "--set", "\(key)=\(value)"])
                XCTAssertEqual(r.status, 2, "\(key)=\(value): \(r.stderr)")
                XCTAssertTrue(r.stderr.contains(key), r.stderr)
            }
        }
        let block = Self.packageRoot.appendingPathComponent("problems/thermal_block.toml").path
        let r = try pdekit(["check", block, "--set", "reduced_basis.grid=9223372036854775807"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("reduced_basis.grid") && r.stderr.contains("≤ 2001"), r.stderr)
        _ = try write("gp.toml", """
            [problem]
            kind = "gp_regression"
            [gp]
            box = [[0, 1], [0, 1]]
            grid = [9223372036854775807, 2]
            data = "d.csv"
            """)
        try Data("0,0,1\n".utf8).write(to: work.appendingPathComponent("d.csv"))
        let g = try pdekit(["check", "gp.toml"])
        XCTAssertEqual(g.status, 2, g.stderr)
        XCTAssertTrue(g.stderr.contains("gp.grid"), g.stderr)
    }

    func testNulEscapeNamesItsKey() throws {
        _ = try write("nul.toml", "[problem]\nname = \"a\\u0000b\"\nkind = \"pde\"\n[pde]\ngrid = [5]\nrhs = 1\n")
        try assertRefused(["check", "nul.toml"], ["nul.toml:2: problem.name: a NUL character"])
    }

    func testUnknownKeysInTablesOfOptionlessComponentsAreErrors() throws {
        for table in ["jacobi", "ic0", "cg", "lu"] {
            let path = try write("o.toml", "[problem]\nkind = \"pde\"\n[pde]\ngrid = [5]\nrhs = 1\n[solver]\npreconditioner = \"jacobi\"\n"
                + "[solver.\(table)]\nbogus = 1\n")
            let r = try pdekit(["check", path])
            XCTAssertEqual(r.status, 2, "\(table): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("solver.\(table).bogus") && r.stderr.contains("unknown key"), r.stderr)
        }
    }

    /// `plot --x/--y/--log-x/--log-y` on a run folder were ignored.
    func testPlotColumnOptionsOnARunFolderAreRefused() throws {
        let path = try sweepFile("r", cases: 1)
        XCTAssertEqual(try pdekit(["run", path, "-o", "r"]).status, 0)
        for option in [["--x", "h"], ["--y", "iterations"], ["--log-y"], ["--no-log-x"]] {
            try assertRefused(["plot", "r"] + option, [option[0].hasPrefix("--no") ? "--log-x" : option[0], "run folder"])
        }
    }
}
