import Foundation
import Storage
import XCTest

/// pdekit never deletes or replaces what it did not write: `-o` targets, user folders and files,
/// staging-shaped names of the user's, plot outputs, folders that cannot be created.
final class OutputFolderSafetyTests: ProblemFileTestCase {
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

    func testHiddenUserFilesThatLookLikeStagingNamesAreKept() throws {
        let keep = work.appendingPathComponent("keep")
        try FileManager.default.createDirectory(at: keep.appendingPathComponent(".photos.tmp-backup"), withIntermediateDirectories: true)
        try Data("precious".utf8).write(to: keep.appendingPathComponent(".notes.old-2023"))
        try assertRefused(["run", problem, "-o", "keep"], ["did not write"])
        XCTAssertEqual(try listing("keep"), [".notes.old-2023", ".photos.tmp-backup"])
    }

    /// Names shaped exactly like pdekit's staging names (`.NAME.old-PID-RANDOM`) are still a
    /// user's: a folder holding only such entries is not empty, a run folder holding one is not
    /// pdekit's to replace, and a sweep keeps one in a case folder.
    func testStagingShapedUserEntriesAreNeverRemoved() throws {
        func plant(_ folder: String) throws {
            let dir = work.appendingPathComponent(folder)
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(".photos.tmp-2023-1"), withIntermediateDirectories: true)
            try Data("img".utf8).write(to: dir.appendingPathComponent(".photos.tmp-2023-1/img1.jpg"))
            try Data("notes".utf8).write(to: dir.appendingPathComponent(".notes.old-2023-12"))
        }
        func intact(_ folder: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let dir = work.appendingPathComponent(folder)
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(".photos.tmp-2023-1/img1.jpg")), Data("img".utf8), file: file, line: line)
            XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent(".notes.old-2023-12")), Data("notes".utf8), file: file, line: line)
        }
        // A folder of such entries only.
        try plant("only")
        try assertRefused(["run", problem, "-o", "only"], ["did not write", ".notes.old-2023-12"])
        try intact("only")
        // Inside pdekit's own run folder, on a rerun (even a pid-shaped name: a committed run
        // folder never holds a staging file, its files are staged in a sibling folder).
        XCTAssertEqual(try pdekit(["run", problem, "-o", "mine"]).status, 0)
        try plant("mine")
        try Data().write(to: work.appendingPathComponent("mine/.solution.npy.tmp-4242-123456"))
        try assertRefused(["run", problem, "-o", "mine"], ["did not write"])
        try intact("mine")
        // In a sweep's case folder on --resume: the case fails, its folder is kept as it is.
        _ = try write("s.toml", "[problem]\nname = \"s\"\nkind = \"pde\"\n[pde]\ngrid = [9]\nrhs = \"k\"\nparameters = { k = 1 }\n"
            + "[sweep.parameters]\n\"pde.parameters.k\" = [1, 2]\n")
        XCTAssertEqual(try pdekit(["sweep", "s.toml", "-o", "sw"]).status, 0)
        let table = work.appendingPathComponent("sw/sweep.csv")
        let rows = try CSV.read(table).records
        try Data(rows.dropLast().map(CSV.line).joined().utf8).write(to: table)  // case 1 to be rerun
        try plant("sw/case-0001")
        let resumed = try pdekit(["sweep", "s.toml", "-o", "sw", "--resume"])
        XCTAssertTrue(resumed.stdout.contains("1 failed"), resumed.stdout)  // a failed case is a row, the sweep exits 0
        try intact("sw/case-0001")
        XCTAssertTrue(try CSV.read(table).records.last?.contains { $0.contains("did not write") } == true)
        // At the sweep folder's top, such a name is a stranger too.
        try plant("sw")
        try assertRefused(["sweep", "s.toml", "-o", "sw", "--resume"], ["did not write"])
        try intact("sw")
    }

    func testSweepThatCannotCreateItsFolderIsBadInput() throws {
        try FileManager.default.createSymbolicLink(atPath: work.appendingPathComponent("dl").path, withDestinationPath: "/nonexistent-pdekit-target")
        _ = try write("s2.toml", """
            [problem]
            kind = "pde"
            [pde]
            grid = [5]
            rhs = "k"
            parameters = { k = 1 }
            [sweep.parameters]
            "pde.parameters.k" = [1, 2]
            """)
        let r = try pdekit(["sweep", "s2.toml", "-o", "dl/x"])
        XCTAssertEqual(r.status, 2, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("dl/x"), r.stderr)
    }
}
