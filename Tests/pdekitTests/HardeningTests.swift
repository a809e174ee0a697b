import Foundation
import Storage
import XCTest

/// Issue [hardening]: pdekit never deletes or replaces what it did not write, never crashes on
/// a one-line input, and answers clearly where it used to answer wrongly. Each test is one
/// class of input from the issue, run through the built executable.
extension CLITestCase {
    func listing(_ path: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent(path).path).sorted()
    }

    /// Refused with exit 2, one line containing `words`, and the work folder exactly as before.
    func assertRefused(_ args: [String], _ words: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try listing()
        let r = try pdekit(args)
        XCTAssertEqual(r.status, 2, r.stderr, file: file, line: line)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, "not one line: \(r.stderr)", file: file, line: line)
        for w in words { XCTAssertTrue(r.stderr.contains(w), "'\(w)' missing from: \(r.stderr)", file: file, line: line) }
        XCTAssertEqual(try listing(), before, "the work folder changed", file: file, line: line)
    }
}

final class HardeningTests: CLITestCase {
    var problem: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        problem = try write("p.toml", """
            [problem]
            name = "p"
            kind = "pde"
            [pde]
            grid = [15]
            rhs = 1
            exact = "x*(1 - x)/2"
            """)
    }

    // MARK: data loss

    func testOutputDotEmptyAndParentsAreRefused() throws {
        try assertRefused(["run", problem, "-o", "."], ["--output .", "current folder"])
        try assertRefused(["run", problem, "-o", ""], ["empty path"])
        try assertRefused(["run", problem, "-o", ".."], ["contains the current folder"])
        try assertRefused(["run", problem, "-o", work.path], ["current folder"])
        try assertRefused(["run", problem, "-o", "/"], ["root folder"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: problem), "the problem file must survive")
    }

    func testFilesDevicesAndLinksAreRefused() throws {
        try Data("keep me".utf8).write(to: work.appendingPathComponent("afile"))
        try assertRefused(["run", problem, "-o", "afile"], ["is a file"])
        XCTAssertEqual(try String(contentsOf: work.appendingPathComponent("afile"), encoding: .utf8), "keep me")
        try assertRefused(["run", problem, "-o", "/dev/null"], ["character device"])
        var st = stat()
        XCTAssertEqual(lstat("/dev/null", &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR, "/dev/null must still be a device")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("real"), withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: work.appendingPathComponent("link").path, withDestinationPath: "real")
        try assertRefused(["run", problem, "-o", "link"], ["symbolic link"])
    }

    func testFolderWithUserFilesIsRefusedAndPdekitFolderIsReplaced() throws {
        let mine = work.appendingPathComponent("results")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: false)
        try Data("notes".utf8).write(to: mine.appendingPathComponent("notes.txt"))
        try assertRefused(["run", problem, "-o", "results"], ["did not write", "notes.txt"])
        XCTAssertEqual(try listing("results"), ["notes.txt"])

        // An empty folder is taken; a second run replaces pdekit's own folder.
        try FileManager.default.createDirectory(at: work.appendingPathComponent("empty"), withIntermediateDirectories: false)
        XCTAssertEqual(try pdekit(["run", problem, "-o", "empty"]).status, 0)
        XCTAssertEqual(try listing("empty"), [".pdekit-output", "history.csv", "run.toml", "solution.npy", "x.npy"])
        XCTAssertEqual(try pdekit(["run", problem, "-o", "empty"]).status, 0)
        // Once the user adds a file, the folder is no longer pdekit's alone.
        try Data("mine".utf8).write(to: work.appendingPathComponent("empty/plot.png"))
        try assertRefused(["run", problem, "-o", "empty"], ["plot.png", "did not write"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("empty/plot.png").path))
    }

    func testFolderHoldingTheInputsIsRefused() throws {
        let sub = work.appendingPathComponent("case")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: problem, toPath: sub.appendingPathComponent("q.toml").path)
        try assertRefused(["run", "case/q.toml", "-o", "case"], ["holds the input file"])
        // [output] directory is held to the same rule.
        _ = try write("r.toml", "[problem]\nkind = \"pde\"\n[pde]\ngrid = [5]\nrhs = 1\n[output]\ndirectory = \".\"\n")
        try assertRefused(["run", "r.toml"], ["r.toml: [output] directory .", "current folder"])
    }

    func testRunAndSweepFoldersAreNotMixed() throws {
        XCTAssertEqual(try pdekit(["run", problem, "-o", "r"]).status, 0)
        let sweep = try write("s.toml", """
            [problem]
            name = "s"
            kind = "pde"
            [pde]
            grid = [7]
            rhs = "k"
            parameters = { k = 1 }
            [sweep.parameters]
            "pde.parameters.k" = [1, 2]
            """)
        try assertRefused(["sweep", sweep, "-o", "r"], ["holds a pdekit run"])
        XCTAssertEqual(try pdekit(["sweep", sweep, "-o", "sw"]).status, 0)
        try assertRefused(["run", problem, "-o", "sw"], ["holds a pdekit sweep"])
        try assertRefused(["merge", "r"], ["not a sweep folder"])
        try FileManager.default.createDirectory(at: work.appendingPathComponent("plain"), withIntermediateDirectories: false)
        try assertRefused(["merge", "plain"], ["not a sweep folder"])
    }

    func testPlotWritesOnlyIntoPdekitFoldersAndKeepsUserPictures() throws {
        XCTAssertEqual(try pdekit(["run", problem, "-o", "r"]).status, 0)
        try Data("<svg>mine</svg>".utf8).write(to: work.appendingPathComponent("r/solution.svg"))
        // The user's picture makes the folder theirs too: plot refuses to replace it.
        let r = try pdekit(["plot", "r"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("pdekit did not write it"), r.stderr)
        XCTAssertEqual(try String(contentsOf: work.appendingPathComponent("r/solution.svg"), encoding: .utf8), "<svg>mine</svg>")
        try FileManager.default.removeItem(at: work.appendingPathComponent("r/solution.svg"))
        XCTAssertEqual(try pdekit(["plot", "r"]).status, 0)
        let manifest = try String(contentsOf: work.appendingPathComponent("r/.pdekit-output"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("file = solution.svg") && manifest.contains("file = history.svg"), manifest)
        // The run can replace its folder again, pictures included (they are pdekit's).
        XCTAssertEqual(try pdekit(["run", problem, "-o", "r"]).status, 0)
        try FileManager.default.createDirectory(at: work.appendingPathComponent("plain"), withIntermediateDirectories: false)
        try assertRefused(["plot", "plain"], ["not a folder pdekit wrote"])
    }

    // MARK: crashes

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

    func testRunsThatDoNotFitInMemoryAreRefusedBeforeAllocating() throws {
        // 10⁸ unknowns need at least 17 GB; PDEKIT_MEMORY_LIMIT stands in for a smaller machine.
        let r = try pdekit(["run", problem, "--set", "pde.grid=[10000,10000]", "-o", "big"], environment: ["PDEKIT_MEMORY_LIMIT": "6G"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertTrue(r.stderr.contains("pde.grid") && r.stderr.contains("needs at least") && r.stderr.contains("PDEKIT_MEMORY_LIMIT"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("big").path))
        // The same limit through ulimit -v (the address-space limit), as the issue saw it.
        let shell = try pdekitInShell("ulimit -v 6000000; exec \"$0\" check p.toml --set 'pde.grid=[10000,10000]'")
        XCTAssertEqual(shell.status, 2, shell.stderr)
        XCTAssertTrue(shell.stderr.contains("ulimit -v"), shell.stderr)
        // A GP regression's prediction grid is estimated too (4000² points: mean and variance
        // alone are 256 MB), and the error names the key that sets it.
        let gp = Self.packageRoot.appendingPathComponent("problems/gp_regression2d.toml").path
        let g = try pdekit(["run", gp, "--set", "gp.predict=[4000, 4000]", "-o", "gpbig"], environment: ["PDEKIT_MEMORY_LIMIT": "100M"])
        XCTAssertEqual(g.status, 2, g.stderr)
        XCTAssertTrue(g.stderr.contains("gp.predict") && g.stderr.contains("needs at least"), g.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("gpbig").path))
    }

    /// Under `ulimit -v`, `check` counts the process's own address space (VmSize, which a
    /// tab in /proc/self/status hid until now) and the threads a run starts; the largest grid it
    /// accepts then runs for GMRES(200) and CHOLMOD (GMRES aborted in the allocator, direct
    /// exited 1 on CHOLMOD_OUT_OF_MEMORY), and a limit too small for anything is refused at once
    /// (an OpenBLAS worker without its buffer made the process spin at exit, forever).
    func testAddressSpaceLimitsAreCountedWithTheProcessItself() throws {
        _ = try write("g.toml", """
            [problem]
            kind = "pde"
            [pde]
            grid = [33, 33]
            rhs = 1
            [solver]
            method = "gmres"
            preconditioner = "jacobi"
            max_iterations = 30
            [solver.gmres]
            restart = 200
            """)
        let limit = 700_000  // KiB
        func accepted(_ n: Int, _ extra: String) throws -> Bool {
            try pdekitInShell("ulimit -v \(limit); exec \"$0\" check g.toml --set 'pde.grid=[\(n),\(n)]' \(extra)").status == 0
        }
        for extra in ["", "--set solver.method=direct"] {
            var (lo, hi) = (8, 4096)
            while hi - lo > 1 { let mid = (lo + hi) / 2; if try accepted(mid, extra) { lo = mid } else { hi = mid } }
            XCTAssertGreaterThan(lo, 100, extra)
            let r = try pdekitInShell("ulimit -v \(limit); exec timeout 300 \"$0\" run g.toml --set 'pde.grid=[\(lo),\(lo)]' \(extra) -o out\(lo)")
            XCTAssertTrue(r.status == 0 || (r.status == 2 && r.stderr.contains("memory")), "grid \(lo) \(extra): exit \(r.status): \(r.stderr.prefix(300))")
        }
        let start = Date()
        let tight = try pdekitInShell("ulimit -v 250000; exec timeout 60 \"$0\" run g.toml -o tight")
        XCTAssertEqual(tight.status, 2, tight.stderr)
        XCTAssertTrue(tight.stderr.contains("ulimit -v"), tight.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 30)
        // A tensor's sampled grid is estimated too (points = 368 in 3D aborted).
        let tensor = Self.packageRoot.appendingPathComponent("problems/tensor_runge3d.toml").path
        let t = try pdekit(["check", tensor, "--set", "tensor.points=368"], environment: ["PDEKIT_MEMORY_LIMIT": "1G"])
        XCTAssertEqual(t.status, 2, t.stderr)
        XCTAssertTrue(t.stderr.contains("tensor.points") && t.stderr.contains("needs at least"), t.stderr)
    }

    func pdekitInShell(_ script: String) throws -> Outcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script, Self.executable.path]
        p.currentDirectoryURL = work
        let err = Pipe()
        p.standardError = err; p.standardOutput = FileHandle.nullDevice
        try p.run()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: "", stderr: String(decoding: e, as: UTF8.self))
    }

    func testPlotSurvivesNonFiniteValues() throws {
        XCTAssertEqual(try pdekit(["run", problem, "--set", "pde.grid=[4,5]", "-o", "r"]).status, 0)
        // Put a NaN and an infinity where a diverged run would have them.
        let solution = work.appendingPathComponent("r/solution.npy")
        var a = try NPY.read(solution)
        a.values[3] = .nan; a.values[7] = .infinity
        try NPY.write(a.values, shape: a.shape, to: solution)
        let history = "iteration,residual_norm,relative_residual,seconds\n0,1,1,0\n1,nan,nan,0\n2,inf,inf,0\n3,0.5,0.5,0\n"
        try Data(history.utf8).write(to: work.appendingPathComponent("r/history.csv"))
        let r = try pdekit(["plot", "r"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("r/solution.svg").path))
        // 1D with every value NaN: nothing to draw, no crash.
        XCTAssertEqual(try pdekit(["run", problem, "-o", "one"]).status, 0)
        try NPY.write([Double](repeating: .nan, count: 15), shape: [15], to: work.appendingPathComponent("one/solution.npy"))
        XCTAssertEqual(try pdekit(["plot", "one"]).status, 0)
    }

    // MARK: wrong or unclear answers

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
            _ = try write("s.toml", "[problem]\nkind = \"linear_system\"\n[system]\nmatrix = \"A.mtx\"\nrhs = \"b.npy\"\n[solver]\nmethod = \"\(method)\"\n")
            try assertRefused(["run", "s.toml"], ["s.toml:5: system.rhs", "nan"])
        }
    }

    func testNearlySingularDirectSolveIsNotReportedConverged() throws {
        // A = [[1, 1], [1, 1 + 1e-15]]: UMFPACK factors it, but x = A⁻¹b is dominated by the
        // rounding of the tiny pivot and ‖b − Ax‖/‖b‖ stays far above rtol = 1e-12.
        try Data("%%MatrixMarket matrix coordinate real general\n2 2 4\n1 1 1\n1 2 1\n2 1 1\n2 2 1.000000000000001\n".utf8)
            .write(to: work.appendingPathComponent("A.mtx"))
        try NPY.write([1, 0.3], shape: [2], to: work.appendingPathComponent("b.npy"))
        _ = try write("s.toml", "[problem]\nkind = \"linear_system\"\n[system]\nmatrix = \"A.mtx\"\nrhs = \"b.npy\"\n[solver]\nmethod = \"lu\"\nrtol = 1e-12\n")
        let r = try pdekit(["run", "s.toml", "-o", "o", "--error-if-not-converged"])
        XCTAssertEqual(r.status, 3, r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("o/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("reason = \"diverged_direct_residual\""), record)
        XCTAssertTrue(record.contains("reason_code = -101"), record)
        // A well-conditioned system passes the same check.
        XCTAssertEqual(try pdekit(["run", problem, "--set", "solver.method=direct", "-o", "d", "--error-if-not-converged"]).status, 0)
    }

    func testUnreachableToleranceStopsOnStagnation() throws {
        // rtol = 1e-15 is above the 10ε floor, but the 1D Laplacian with 400 unknowns
        // (κ ≈ 6.5e4) reaches only about ε·κ ≈ 1e-11 in the true residual.
        let r = try pdekit(["run", problem, "--set", "pde.grid=[400]", "--set", "solver.preconditioner=none",
                            "--set", "solver.rtol=1e-15", "-o", "o"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("o/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("reason = \"diverged_stagnation\""), record)
        let iterations = record.split(separator: "\n").first { $0.hasPrefix("iterations") }.flatMap { Int($0.split(separator: "=")[1].trimmingCharacters(in: .whitespaces)) }
        XCTAssertNotNil(iterations)
        XCTAssertLessThan(iterations ?? 10_000, 2_000, "ran towards max_iterations instead of stopping")
    }

    func testCompareWithNonFiniteAndHugeValues() throws {
        func npy(_ name: String, _ v: [Double]) throws -> String {
            try NPY.write(v, shape: [v.count], to: work.appendingPathComponent(name)); return name
        }
        // inf against -inf differs; equal infinities agree (NumPy's allclose).
        var r = try pdekit(["compare", try npy("a.npy", [1, .infinity]), try npy("b.npy", [1, -.infinity])])
        XCTAssertEqual(r.status, 4, r.stdout)
        r = try pdekit(["compare", "a.npy", try npy("c.npy", [1, .infinity])])
        XCTAssertEqual(r.status, 0, r.stdout)
        // NaN never matches and is printed as nan, never "max abs 0" or "-nan".
        r = try pdekit(["compare", try npy("n.npy", [1, .nan]), try npy("m.npy", [1, 2])])
        XCTAssertEqual(r.status, 4, r.stdout)
        XCTAssertTrue(r.stdout.contains("max abs nan") && !r.stdout.contains("-nan"), r.stdout)
        // 1e300 entries: the norms are scaled, so the relative error is 1e-6, not NaN.
        r = try pdekit(["compare", try npy("h.npy", [1e300, 1e300]), try npy("g.npy", [1e300 * (1 + 1e-6), 1e300 * (1 + 1e-6)])])
        XCTAssertEqual(r.status, 0, r.stdout)  // 1e-6 relative is within rtol = 1e-5
        XCTAssertTrue(r.stdout.contains("relative L2 9.99999"), r.stdout)
        // A finite value never matches an infinite one.
        r = try pdekit(["compare", try npy("f.npy", [1, 1]), try npy("i.npy", [.infinity, .infinity])])
        XCTAssertEqual(r.status, 4, r.stdout)
    }

    func testResumeRefusesAChangedSweep() throws {
        let text = """
            [problem]
            name = "s"
            kind = "pde"
            [pde]
            grid = [7]
            rhs = "k"
            parameters = { k = 1 }
            [sweep.parameters]
            "pde.parameters.k" = [1, 2, 3]
            """
        let path = try write("s.toml", text)
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "sw"]).status, 0)
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "sw", "--resume"]).status, 0)
        _ = try write("s.toml", text.replacingOccurrences(of: "[1, 2, 3]", with: "[1, 2, 4]"))
        try assertRefused(["sweep", path, "-o", "sw", "--resume"], ["other cases"])
        _ = try write("s.toml", text.replacingOccurrences(of: "grid = [7]", with: "grid = [9]"))
        try assertRefused(["sweep", path, "-o", "sw", "--resume"], ["other cases"])
    }

    func testCheckFindsWhatRunWouldRefuse() throws {
        try assertRefused(["check", problem, "--set", "pde.coefficient=\"x - 0.5\""], ["pde.coefficient", "positive"])
        try assertRefused(["check", problem, "--set", "solver.method=fft", "--set", "pde.coefficient=\"1 + x\""], ["solver.method", "constant coefficient"])
        let system = Self.packageRoot.appendingPathComponent("problems/linear_system.toml").path
        try assertRefused(["check", system, "--set", "solver.method=fft"], ["solver.method", "pde"])
        try assertRefused(["check", system, "--set", "solver.preconditioner=fft"], ["solver.preconditioner", "pde"])
        try Data("%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 2\n1 2 1\n2 2 2\n".utf8).write(to: work.appendingPathComponent("A.mtx"))
        try NPY.write([1, 1], shape: [2], to: work.appendingPathComponent("b.npy"))
        _ = try write("s.toml", "[problem]\nkind = \"linear_system\"\n[system]\nmatrix = \"A.mtx\"\nrhs = \"b.npy\"\n[solver]\nmethod = \"cg\"\n")
        try assertRefused(["check", "s.toml"], ["s.toml:7: solver.method", "not symmetric"])
        // Every case of a sweep, not only the base problem.
        _ = try write("w.toml", """
            [problem]
            kind = "pde"
            [pde]
            grid = [5]
            rhs = 1
            coefficient = "1 + c*x"
            parameters = { c = 0 }
            [sweep.parameters]
            "pde.parameters.c" = [0, 1, -5]
            """)
        try assertRefused(["check", "w.toml"], ["sweep case 2", "coefficient"])
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
            try Data("%%MatrixMarket matrix coordinate integer symmetric\n2 2 2\n1 1 \(value)\n2 2 2\n".utf8).write(to: work.appendingPathComponent("A.mtx"))
            try NPY.write([1, 1], shape: [2], to: work.appendingPathComponent("b.npy"))
            _ = try write("s.toml", "[problem]\nkind = \"linear_system\"\n[system]\nmatrix = \"A.mtx\"\nrhs = \"b.npy\"\n")
            try assertRefused(["run", "s.toml"], ["A.mtx", "line 3", "not an integer"])
        }
    }

    // MARK: found by attacking the first version

    func testAUserFolderUnderAPdekitFileNameIsKept() throws {
        XCTAssertEqual(try pdekit(["run", problem, "-o", "o"]).status, 0)
        let history = work.appendingPathComponent("o/history.csv")
        try FileManager.default.removeItem(at: history)
        try FileManager.default.createDirectory(at: history, withIntermediateDirectories: false)
        try Data("precious".utf8).write(to: history.appendingPathComponent("user.txt"))
        try assertRefused(["run", problem, "-o", "o"], ["history.csv", "did not write"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: history.appendingPathComponent("user.txt").path))
    }

    func testTildeIsAFolderNameNotHome() throws {
        XCTAssertEqual(try pdekit(["run", problem, "-o", "~/x"]).status, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("~/x/solution.npy").path))
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
        _ = try write("g.toml", "[problem]\nkind = \"pde\"\n[pde]\ngrid = " + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000) + "\n")
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

    func testSweepShardLayoutAndDataFilesAreFingerprinted() throws {
        try NPY.write([Double](repeating: 1, count: 7), shape: [7], to: work.appendingPathComponent("f.npy"))
        let path = try write("s.toml", """
            [problem]
            name = "s"
            kind = "pde"
            [pde]
            grid = [7]
            rhs = { npy = "f.npy" }
            coefficient = "1 + k*x"
            parameters = { k = 1 }
            [sweep.parameters]
            "pde.parameters.k" = [1, 2, 3]
            """)
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "sw"]).status, 0)
        // Another split of the same cases would redo and overwrite them.
        try assertRefused(["sweep", path, "-o", "sw", "--shard", "0/2"], ["split", "--shard"])
        // Changed data under the same file name is another sweep.
        try NPY.write([Double](repeating: 5, count: 7), shape: [7], to: work.appendingPathComponent("f.npy"))
        try assertRefused(["sweep", path, "-o", "sw", "--resume"], ["other cases"])
    }

    func testPlotLeavesNothingWhenItRefusesAndCopesWithHugeRanges() throws {
        XCTAssertEqual(try pdekit(["run", problem, "--set", "pde.grid=[6,6]", "-o", "r"]).status, 0)
        try FileManager.default.createSymbolicLink(atPath: work.appendingPathComponent("r/solution.svg").path, withDestinationPath: "/dev/null")
        let before = try listing("r")
        XCTAssertEqual(try pdekit(["plot", "r"]).status, 2)
        XCTAssertEqual(try listing("r"), before, "history.svg written although plot failed")
        try FileManager.default.removeItem(at: work.appendingPathComponent("r/solution.svg"))
        var values = [Double](repeating: 1e308, count: 36)
        values[0] = -1e308
        try NPY.write(values, shape: [6, 6], to: work.appendingPathComponent("r/solution.npy"))
        XCTAssertEqual(try pdekit(["plot", "r"]).status, 0)
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

}

/// Issue [spine]: options tables for components a run does not use are reported, not dropped.
final class SolverOptionsTests: CLITestCase {
    func testUnusedOptionsAreReportedAndRecorded() throws {
        let path = try write("p.toml", """
            [problem]
            name = "p"
            kind = "pde"
            [pde]
            grid = [6, 6]
            rhs = 1
            [solver]
            preconditioner = "ic0"
            [solver.ssor]
            omega = 1.5
            """)
        let r = try pdekit(["run", path, "-o", "o"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("[solver.ssor] is not used by this run (it uses 'cg' with 'ic0')"), r.stderr)
        let record = try String(contentsOf: work.appendingPathComponent("o/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("unused_options = [\"solver.ssor\"]"), record)
        // Used, the same table is applied and recorded, with no warning.
        let used = try pdekit(["run", path, "-o", "u", "--set", "solver.preconditioner=ssor", "--view"])
        XCTAssertEqual(used.status, 0, used.stderr)
        XCTAssertFalse(used.stderr.contains("not used"), used.stderr)
        XCTAssertTrue(used.stdout.contains("ssor_omega = 1.5"), used.stdout)
        // A bad value in an unused table is still an error: typos do not hide.
        let bad = try pdekit(["check", path, "--set", "solver.ssor.omega=3"])
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertTrue(bad.stderr.contains("solver.ssor.omega"), bad.stderr)
    }
}

/// Found by attacking the spine: merge completeness, check on sweep files, option-less tables,
/// --jobs above the core count.
final class SpineAttackTests: CLITestCase {
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

    func testMergeRefusesMissingAndRepeatedCases() throws {
        let path = try sweepFile("m", cases: 6)
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "m", "--shard", "0/2"]).status, 0)
        // The other shard has not run: the merge would lose cases 3-5.
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "m", "--shard", "1/2", "--dry-run"]).status, 0)
        _ = try write("m/sweep-shard-1-of-2.csv", try String(contentsOf: work.appendingPathComponent("m/sweep-shard-0-of-2.csv"), encoding: .utf8).split(separator: "\n").first! + "\n")
        let incomplete = try pdekit(["merge", "m"])
        XCTAssertEqual(incomplete.status, 2, incomplete.stdout)
        XCTAssertTrue(incomplete.stderr.contains("3 of 6 cases have no row yet"), incomplete.stderr)
        // The last shard's --merge merges; an edited table with a repeated row is refused.
        try FileManager.default.removeItem(at: work.appendingPathComponent("m/sweep-shard-1-of-2.csv"))
        let last = try pdekit(["sweep", path, "-o", "m", "--shard", "1/2", "--merge"])
        XCTAssertEqual(last.status, 0, last.stderr)
        XCTAssertTrue(last.stdout.contains("merged 6 case(s)"), last.stdout)
        let shard = work.appendingPathComponent("m/sweep-shard-1-of-2.csv")
        let text = try String(contentsOf: shard, encoding: .utf8)
        try (text + text.split(separator: "\n").last! + "\n").write(to: shard, atomically: true, encoding: .utf8)
        let repeated = try pdekit(["merge", "m"])
        XCTAssertEqual(repeated.status, 2)
        XCTAssertTrue(repeated.stderr.contains("more than one row"), repeated.stderr)
    }

    /// Rows pdekit does not write — garbage, a case the sweep does not have (99 of 4), a status
    /// it never writes — were kept by --resume and merge; now each is refused naming its line.
    func testResumeAndMergeRefuseRowsThatAreNotTheSweeps() throws {
        let path = try sweepFile("g", cases: 4)
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "g"]).status, 0)
        let table = work.appendingPathComponent("g/sweep.csv")
        let original = try String(contentsOf: table, encoding: .utf8)
        let row = String(original.split(separator: "\n")[1])
        let fields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let foreign = (["99"] + fields.dropFirst()).joined(separator: ",")
        let status = fields.firstIndex(of: "ok")!
        var odd = fields; odd[status] = "great"
        for (bad, words) in [("garbage", ["line 6", "fields"]), (foreign, ["line 6", "'99' is not a case"]),
                             (odd.joined(separator: ","), ["line 6", "status 'great'"]), (row, ["case 0 has more than one row"])] {
            try (original + bad + "\n").write(to: table, atomically: true, encoding: .utf8)
            try assertRefused(["sweep", path, "-o", "g", "--resume"], words)
        }
        // merge reads shard tables the same way.
        let shards = try sweepFile("h", cases: 4)
        for i in 0..<2 { XCTAssertEqual(try pdekit(["sweep", shards, "-o", "h", "--shard", "\(i)/2"]).status, 0) }
        let shard = work.appendingPathComponent("h/sweep-shard-1-of-2.csv")
        let text = try String(contentsOf: shard, encoding: .utf8)
        try (text + foreign.replacingOccurrences(of: "99,", with: "7,", options: .anchored) + "\n").write(to: shard, atomically: true, encoding: .utf8)
        try assertRefused(["merge", "h"], ["sweep-shard-1-of-2.csv line 4", "'7' is not a case"])
    }

    /// `plot --x/--y/--log-x/--log-y` on a run folder were ignored.
    func testPlotColumnOptionsOnARunFolderAreRefused() throws {
        let path = try sweepFile("r", cases: 1)
        XCTAssertEqual(try pdekit(["run", path, "-o", "r"]).status, 0)
        for option in [["--x", "h"], ["--y", "iterations"], ["--log-y"], ["--no-log-x"]] {
            try assertRefused(["plot", "r"] + option, [option[0].hasPrefix("--no") ? "--log-x" : option[0], "run folder"])
        }
    }

    func testCheckJudgesTheCasesOfASweepNotItsBase() throws {
        let path = try sweepFile("c", cases: 2, extra: "coefficient = \"x - 0.5\"")
        // The base coefficient turns negative, but every case replaces it.
        _ = try write("c.toml", try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"pde.parameters.k\"", with: "\"pde.coefficient\" = [\"1\", \"2\"]\n\"pde.parameters.k\""))
        let r = try pdekit(["check", "c.toml"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("4 sweep case(s) valid"), r.stdout)
    }

    func testUnknownKeysInTablesOfOptionlessComponentsAreErrors() throws {
        for table in ["jacobi", "ic0", "cg", "lu"] {
            let path = try write("o.toml", "[problem]\nkind = \"pde\"\n[pde]\ngrid = [5]\nrhs = 1\n[solver]\npreconditioner = \"jacobi\"\n[solver.\(table)]\nbogus = 1\n")
            let r = try pdekit(["check", path])
            XCTAssertEqual(r.status, 2, "\(table): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("solver.\(table).bogus") && r.stderr.contains("unknown key"), r.stderr)
        }
    }

    func testJobsAboveTheCoreCountRunThatManyWorkers() throws {
        let path = try sweepFile("j", cases: 12)
        let r = try pdekit(["sweep", path, "-o", "j", "--jobs", "4"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let (records, _) = try CSV.read(work.appendingPathComponent("j/sweep.csv"))
        let previous = records[0].firstIndex(of: "previous_case")!
        // Four workers, so four cases were some worker's first.
        XCTAssertEqual(records.dropFirst().filter { $0[previous].isEmpty }.count, 4)
        // A thread per job: absurd counts are refused, not attempted.
        let absurd = try pdekit(["sweep", path, "-o", "j2", "--jobs", "100000"])
        XCTAssertEqual(absurd.status, 2, absurd.stderr)
        XCTAssertTrue(absurd.stderr.contains("--jobs must lie in 1...256"), absurd.stderr)
    }
}
