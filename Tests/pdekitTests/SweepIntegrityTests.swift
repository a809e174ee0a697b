import Foundation
import Storage
import XCTest

/// A sweep folder stays one sweep's: resume refuses a changed sweep or foreign rows, merge refuses
/// missing and repeated cases, check judges the cases, shards and data files are fingerprinted.
final class SweepIntegrityTests: ProblemFileTestCase {
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
        try assertRefused(["check", problem, "--set", "solver.method=fft", "--set", "pde.coefficient=\"1 + x\""],
                          ["solver.method", "constant coefficient"])
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

    func testMergeRefusesMissingAndRepeatedCases() throws {
        let path = try sweepFile("m", cases: 6)
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "m", "--shard", "0/2"]).status, 0)
        // The other shard has not run: the merge would lose cases 3-5.
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "m", "--shard", "1/2", "--dry-run"]).status, 0)
        _ = try write("m/sweep-shard-1-of-2.csv", try String(contentsOf: work.appendingPathComponent("m/sweep-shard-0-of-2.csv"), encoding: .utf8)
            .split(separator: "\n").first! + "\n")
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
        try (text + foreign.replacingOccurrences(of: "99,", with: "7,", options: .anchored) + "\n")
            .write(to: shard, atomically: true, encoding: .utf8)
        try assertRefused(["merge", "h"], ["sweep-shard-1-of-2.csv line 4", "'7' is not a case"])
    }

    func testCheckJudgesTheCasesOfASweepNotItsBase() throws {
        let path = try sweepFile("c", cases: 2, extra: "coefficient = \"x - 0.5\"")
        // The base coefficient turns negative, but every case replaces it.
        _ = try write("c.toml", try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\"pde.parameters.k\"", with: "\"pde.coefficient\" = [\"1\", \"2\"]\n\"pde.parameters.k\""))
        let r = try pdekit(["check", "c.toml"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("4 sweep case(s) valid"), r.stdout)
    }

    func testJobsAboveTheCoreCountRunThatManyWorkers() throws {
        let path = try sweepFile("j", cases: 12)
        let r = try pdekit(["sweep", path, "-o", "j", "--jobs", "4"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let (records, _) = try CSV.read(work.appendingPathComponent("j/sweep.csv"))
        let previous = records[0].firstIndex(of: "previous_case")!
        // Twelve cases make three chains of four (SweepSpec.defaultChainLength): chains are cut
        // by the cases, not by the workers, so three cases start a chain whatever --jobs is.
        XCTAssertEqual(records.dropFirst().filter { $0[previous].isEmpty }.count, 3)
        XCTAssertEqual(records.count - 1, 12)
        // A thread per job: absurd counts are refused, not attempted.
        let absurd = try pdekit(["sweep", path, "-o", "j2", "--jobs", "100000"])
        XCTAssertEqual(absurd.status, 2, absurd.stderr)
        XCTAssertTrue(absurd.stderr.contains("--jobs must lie in 1...256"), absurd.stderr)
    }
}
