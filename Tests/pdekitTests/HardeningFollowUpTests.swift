import Foundation
import Storage
import XCTest

/// Issue [hardening], second audit: each test is a defect an attack on the finished issue found
/// (a hidden user file taken for a staging name and deleted, integer keys that overflowed before
/// their bound was checked, a sweep folder that could not be resumed after its own stack, `check`
/// accepting what `sweep` and `run` refuse at once, an unclassified folder error, a NUL escape
/// without its key, `compare` printing nan for inputs without one).
final class HardeningFollowUpTests: CLITestCase {
    var problem: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        problem = try write("p.toml", "[problem]\nname = \"p\"\nkind = \"pde\"\n[pde]\ngrid = [15]\nrhs = 1\n")
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
        _ = try write("s.toml", "[problem]\nname = \"s\"\nkind = \"pde\"\n[pde]\ngrid = [9]\nrhs = \"k\"\nparameters = { k = 1 }\n[sweep.parameters]\n\"pde.parameters.k\" = [1, 2]\n")
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

    func testSweepWithStackAndVTKResumes() throws {
        _ = try write("st.toml", """
            [problem]
            name = "st"
            kind = "pde"
            [pde]
            grid = [7, 7]
            rhs = "k"
            parameters = { k = 1 }
            [output]
            stack = true
            vtk = true
            [sweep.parameters]
            "pde.parameters.k" = [1, 2]
            """)
        XCTAssertEqual(try pdekit(["sweep", "st.toml", "-o", "sw"]).status, 0)
        XCTAssertTrue(try listing("sw").contains("stack_cases.npy") && listing("sw").contains("cases.pvd"))
        let again = try pdekit(["sweep", "st.toml", "-o", "sw", "--resume"])
        XCTAssertEqual(again.status, 0, again.stderr)
        // The manifest lists them, so a user's file beside them is still noticed.
        let manifest = try String(contentsOf: work.appendingPathComponent("sw/.pdekit-output"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("file = stack_solutions.npy") && manifest.contains("file = cases.pvd"), manifest)
    }

    func testCheckRefusesWhatSweepAndRunRefuseAtOnce() throws {
        _ = try write("g.toml", """
            [problem]
            name = "g"
            kind = "pde"
            [pde]
            grid = [7]
            rhs = 1
            [output]
            stack = true
            [sweep.parameters]
            "pde.grid" = [[7], [9]]
            """)
        try assertRefused(["check", "g.toml"], ["[output] stack needs every case on one grid"])
        _ = try write("d.toml", "[problem]\nkind = \"pde\"\n[pde]\ngrid = [5]\nrhs = 1\n[output]\ndirectory = \".\"\n")
        try assertRefused(["check", "d.toml"], ["d.toml: [output] directory ."])
        // A user's folder where the run would write by default (outputs/<name>).
        try FileManager.default.createDirectory(at: work.appendingPathComponent("outputs/p"), withIntermediateDirectories: true)
        try Data("mine".utf8).write(to: work.appendingPathComponent("outputs/p/notes.txt"))
        try assertRefused(["check", problem], ["notes.txt"])
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

    func testNulEscapeNamesItsKey() throws {
        _ = try write("nul.toml", "[problem]\nname = \"a\\u0000b\"\nkind = \"pde\"\n[pde]\ngrid = [5]\nrhs = 1\n")
        try assertRefused(["check", "nul.toml"], ["nul.toml:2: problem.name: a NUL character"])
    }

    func testCompareOfOppositeInfinitiesIsInfNotNan() throws {
        try NPY.write([1, .infinity], shape: [2], to: work.appendingPathComponent("a.npy"))
        try NPY.write([1, -.infinity], shape: [2], to: work.appendingPathComponent("b.npy"))
        let r = try pdekit(["compare", "a.npy", "b.npy"])
        XCTAssertEqual(r.status, 4, r.stdout)
        XCTAssertFalse(r.stdout.contains("nan"), r.stdout)
        XCTAssertTrue(r.stdout.contains("relative L2 inf"), r.stdout)
    }
}
