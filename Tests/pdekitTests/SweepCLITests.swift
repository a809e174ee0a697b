import Foundation
import XCTest
import Storage

/// `pdekit sweep`, `merge` and `compare` end to end.
final class SweepCLITests: CLITestCase {
    /// A sweep of `count` small Darcy cases (one GRF seed each), FFT-preconditioned CG.
    func darcySweep(_ name: String, count: Int, grid: Int = 31, extra: String = "") throws -> String {
        try write("\(name).toml", """
            [problem]
            name = "\(name)"
            kind = "pde"
            [pde]
            grid = [\(grid), \(grid)]
            rhs = 1
            coefficient = { grf = { alpha = 2.5, tau = 7, seed = 0, scale = 2, transform = "exp" } }
            [solver]
            preconditioner = "ic0"
            [sweep.parameters]
            "pde.coefficient.grf.seed" = { linear = [0, \(count - 1)], count = \(count), integer = true }
            \(extra)
            """)
    }

    func table(_ dir: String) throws -> [[String]] {
        let (records, torn) = try CSV.read(work.appendingPathComponent(dir).appendingPathComponent("sweep.csv"))
        XCTAssertFalse(torn)
        return records
    }

    func testSweepWritesOneRowAndFolderPerCase() throws {
        let r = try pdekit(["sweep", try darcySweep("d", count: 6), "--jobs", "2", "-o", "d"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try table("d")
        XCTAssertEqual(t.count, 7)
        XCTAssertEqual(t.dropFirst().map { $0[0] }, ["0", "1", "2", "3", "4", "5"])
        let status = t[0].firstIndex(of: "status")!
        XCTAssertTrue(t.dropFirst().allSatisfy { $0[status] == "ok" })
        for c in 0..<6 {
            XCTAssertNoThrow(try NPY.read(work.appendingPathComponent(String(format: "d/case-%04d/solution.npy", c))))
        }
        // Different seeds, different fields: the solutions differ.
        let a = try NPY.read(work.appendingPathComponent("d/case-0000/solution.npy")).values
        let b = try NPY.read(work.appendingPathComponent("d/case-0001/solution.npy")).values
        XCTAssertNotEqual(a, b)
        // Running again without --resume would mix two sweeps: refused, nothing touched.
        let again = try pdekit(["sweep", work.appendingPathComponent("d.toml").path, "-o", "d"])
        XCTAssertEqual(again.status, 2)
        XCTAssertTrue(again.stderr.contains("--resume"), again.stderr)
    }

    func testCheckValidatesEveryCase() throws {
        let good = try pdekit(["check", try darcySweep("c", count: 3)])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertTrue(good.stdout.contains("3 sweep case(s) valid"), good.stdout)
        let bad = try pdekit(["check", try darcySweep("c2", count: 3, extra: "\"pde.grid\" = [[8, 8], [8, 1]]")])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("[sweep] parameter pde.grid") && bad.stderr.contains("grid too small"), bad.stderr)
    }

    func testDryRunListsCases() throws {
        let r = try pdekit(["sweep", try darcySweep("d", count: 4), "--dry-run", "--shard", "1/2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("4 case(s), 2 in shard 1/2"), r.stdout)
        // Shards are contiguous blocks: 1/2 of four cases is cases 2 and 3.
        XCTAssertTrue(r.stdout.contains("\n2,2\n") && r.stdout.contains("\n3,3\n") && !r.stdout.contains("\n1,1\n"), r.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("outputs").path))
    }

    /// A case that fails (here a coefficient that turns negative) is recorded and the rest run.
    func testFailingCaseIsRecordedAndTheSweepGoesOn() throws {
        let path = try write("f.toml", """
            [problem]
            name = "f"
            kind = "pde"
            [pde]
            grid = [9]
            rhs = 1
            coefficient = "1 + c*x"
            parameters = { c = 0 }
            [sweep.parameters]
            "pde.parameters.c" = [0, -5, 1]
            """)
        let r = try pdekit(["sweep", path, "-o", "f"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try table("f")
        let status = t[0].firstIndex(of: "status")!, error = t[0].firstIndex(of: "error")!
        XCTAssertEqual(t.dropFirst().map { $0[status] }, ["ok", "failed", "ok"])
        XCTAssertTrue(t[2][error].contains("coefficient: must be positive"), t[2][error])
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("f/case-0001").path))
    }

    /// SIGKILL mid-way, then --resume: no case lost, none done twice, no torn row.
    func testKilledSweepResumes() throws {
        try assertKilledSweepResumes("k", settings: [])
    }

    /// A recycling sweep in nearest-neighbour order, killed and resumed: every case is there
    /// once; the resumed chains start without a recycle space (it lived in the killed process).
    func testKilledRecyclingSweepResumes() throws {
        try assertKilledSweepResumes("kr", settings: ["--set", "solver.method=gcrodr", "--set", "solver.preconditioner=jacobi",
                                                      "--set", "sweep.order=nearest"])
    }

    /// The same with `[output] hdf5 = true`: the resumed sweep's dataset.h5 holds all 40 cases
    /// once, in case order, equal to their folders (read back by h5py).
    func testKilledDatasetSweepResumes() throws {
        try assertKilledSweepResumes("kh", settings: ["--set", "output.hdf5=true"])
        let script = """
            import sys, csv, h5py, numpy as np
            d = sys.argv[1]
            rows = {int(r['case']): r for r in csv.DictReader(open(d + '/sweep.csv'))}
            with h5py.File(d + '/dataset.h5', 'r') as f:
                assert list(f['case'][:]) == list(range(40)), f['case'][:]
                assert all(s == 'ok' for s in f['status'].asstr()[:])
                for i in range(40):
                    assert np.array_equal(f['solution'][i], np.load(d + '/' + rows[i]['folder'] + '/solution.npy')), i
            print('ok')
            """
        let (status, text) = try python(script, work.appendingPathComponent("kh").path)
        XCTAssertEqual(status, 0, text)
        XCTAssertTrue(text.contains("ok"), text)
    }

    /// The same without case folders: the arrays go through the spool, which the kill may
    /// leave with a torn last record; the resumed dataset equals an uninterrupted sweep's.
    func testKilledSpooledSweepResumes() throws {
        let spooled = ["--set", "output.hdf5=true", "--set", "output.stack=true", "--set", "output.case_folders=false"]
        try assertKilledSweepResumes("ks", settings: spooled)
        let whole = try pdekit(["sweep", work.appendingPathComponent("ks.toml").path, "-o", "ku", "--jobs", "2",
                                "--set", "output.hdf5=true", "--set", "output.stack=true"])
        XCTAssertEqual(whole.status, 0, whole.stderr)
        let script = """
            import sys, os, h5py, numpy as np
            a, b = sys.argv[1], sys.argv[2]
            assert not any(n.endswith('.spool') or n.startswith('case-') for n in os.listdir(a)), os.listdir(a)
            with h5py.File(a + '/dataset.h5', 'r') as f, h5py.File(b + '/dataset.h5', 'r') as g:
                assert list(f['case'][:]) == list(range(40))
                for k in ('solution', 'coefficient', 'parameters', 'iterations', 'relative_residual'):
                    assert np.array_equal(f[k][:], g[k][:]), k
            for s in ('solutions', 'coefficients', 'cases'):
                assert np.array_equal(np.load(a + '/stack_' + s + '.npy'), np.load(b + '/stack_' + s + '.npy')), s
            print('ok')
            """
        let (status, text) = try python(script, work.appendingPathComponent("ks").path, work.appendingPathComponent("ku").path)
        XCTAssertEqual(status, 0, text)
        XCTAssertTrue(text.contains("ok"), text)
    }

    /// Shards without case folders each keep a spool; the merge stacks them all.
    func testSpooledShardsMergeToTheUnshardedStack() throws {
        let path = try darcySweep("sp", count: 5, extra: "")
        let lean = ["--set", "output.stack=true", "--set", "output.case_folders=false"]
        for i in 0..<2 { XCTAssertEqual(try pdekit(["sweep", path, "-o", "sp", "--shard", "\(i)/2"] + lean).status, 0) }
        let folder = work.appendingPathComponent("sp")
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".spool") }),
                       ["sweep-shard-0-of-2.spool", "sweep-shard-1-of-2.spool"])
        let m = try pdekit(["merge", "sp"])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: folder.path).allSatisfy { !$0.hasSuffix(".spool") })
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "spu"] + lean).status, 0)
        for name in ["stack_solutions.npy", "stack_coefficients.npy", "stack_cases.npy"] {
            XCTAssertEqual(try NPY.read(folder.appendingPathComponent(name)), try NPY.read(work.appendingPathComponent("spu/\(name)")), name)
        }
    }

    func assertKilledSweepResumes(_ name: String, settings: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try darcySweep(name, count: 40, grid: 127)
        let p = Process()
        p.executableURL = Self.executable
        p.arguments = ["sweep", path, "-o", name] + settings
        p.currentDirectoryURL = work
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        let csv = work.appendingPathComponent("\(name)/sweep.csv")
        let deadline = Date().addingTimeInterval(120)
        var rows = 0
        while Date() < deadline {
            rows = (try? CSV.read(csv))?.records.count ?? 0
            if rows >= 4 || !p.isRunning { break }
            usleep(20_000)
        }
        XCTAssertTrue(p.isRunning, "the sweep finished before it could be killed; make its cases slower", file: file, line: line)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let before = try CSV.read(csv)
        XCTAssertFalse(before.tornTail, file: file, line: line)
        XCTAssertLessThan(before.records.count - 1, 40, file: file, line: line)

        let r = try pdekit(["sweep", path, "-o", name, "--resume", "--jobs", "2"] + settings)
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        let t = try table(name)
        let ids = t.dropFirst().map { Int($0[0])! }
        XCTAssertEqual(ids.sorted(), Array(0..<40), file: file, line: line)  // each case once
        if settings.isEmpty { XCTAssertEqual(ids, Array(0..<40), file: file, line: line) }  // and in file order
        let status = t[0].firstIndex(of: "status")!
        XCTAssertTrue(t.dropFirst().allSatisfy { $0[status] == "ok" }, file: file, line: line)
        // No staging folders left from the killed cases.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent(name).path).filter { $0.hasPrefix(".") }
        XCTAssertTrue(leftovers.allSatisfy { $0.contains(".tmp-") || $0 == ".pdekit-output" || $0 == ".pdekit-lock" }, "\(leftovers)",
                      file: file, line: line)
    }

    func testShardsMergeToTheUnshardedTable() throws {
        let path = try darcySweep("s", count: 5)
        for i in 0..<2 { XCTAssertEqual(try pdekit(["sweep", path, "-o", "s", "--shard", "\(i)/2"]).status, 0) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("s/sweep.csv").path))
        let m = try pdekit(["merge", "s"])
        XCTAssertEqual(m.status, 0, m.stderr)
        XCTAssertEqual(try table("s").dropFirst().map { $0[0] }, ["0", "1", "2", "3", "4"])
        // A missing shard is named.
        try FileManager.default.removeItem(at: work.appendingPathComponent("s/sweep-shard-1-of-2.csv"))
        let bad = try pdekit(["merge", "s"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("missing shard table(s) 1/2"), bad.stderr)
    }

    /// `sweep --merge` in the first shard to finish, before another shard has even started (an
    /// early Slurm array task): no table to merge yet, exit 0; the last shard merges. It used to
    /// fail with "missing shard table(s)", which failed the array job.
    func testMergeInAnEarlyShardWaitsForTheLast() throws {
        let path = try darcySweep("em", count: 5)
        let early = try pdekit(["sweep", path, "-o", "em", "--shard", "0/3", "--merge"])
        XCTAssertEqual(early.status, 0, early.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("em/sweep.csv").path))
        for i in [2, 1] { XCTAssertEqual(try pdekit(["sweep", path, "-o", "em", "--shard", "\(i)/3", "--merge"]).status, 0) }
        XCTAssertEqual(try table("em").dropFirst().map { $0[0] }, ["0", "1", "2", "3", "4"])
    }

    /// A refinement study's observed order, by the linear solve's table hook, both in a
    /// one-table sweep and in a merge of shards (the sweep manifest names the kind, so `merge`
    /// knows whose columns to finish). Second order: 2 ± 0.15 (the order's own error at these
    /// grids, as in docs/sweeps.md).
    func testObservedOrderInSweepsAndMerges() throws {
        let path = try write("r.toml", """
            [problem]
            name = "r"
            kind = "pde"
            [pde]
            grid = [15, 15]
            coefficient = "1 + x^2"
            rhs = "-2*x*pi*cos(pi*x)*sin(pi*y) + 2*pi^2*(1 + x^2)*sin(pi*x)*sin(pi*y)"
            exact = "sin(pi*x)*sin(pi*y)"
            [solver]
            method = "direct"
            [sweep.parameters]
            "pde.grid" = [[15, 15], [31, 31], [63, 63]]
            """)
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "one"]).status, 0)
        for i in 0..<2 { XCTAssertEqual(try pdekit(["sweep", path, "-o", "sh", "--shard", "\(i)/2"]).status, 0) }
        let manifest = try String(contentsOf: work.appendingPathComponent("sh/.pdekit-output"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("problem = pde"), manifest)
        XCTAssertEqual(try pdekit(["merge", "sh"]).status, 0)
        for folder in ["one", "sh"] {
            let rows = try table(folder)
            let o = try XCTUnwrap(rows[0].firstIndex(of: "observed_order"))
            XCTAssertEqual(rows[1][o], "", "\(folder): the coarsest grid has no order")
            for row in rows.dropFirst(2) {
                let order = try XCTUnwrap(Double(row[o]), "\(folder): \(row)")
                XCTAssertEqual(order, 2, accuracy: 0.15, folder)
            }
        }
    }

    /// Real MPI: OpenMPI's mpirun (installed by make deps) starts two ranks that split the cases.
    func testMpirunSplitsTheCases() throws {
        let path = try darcySweep("m", count: 6)
        let r = try mpirun(2, ["sweep", path, "-o", "m"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("in shard 0/2") && r.stdout.contains("in shard 1/2"), r.stdout)
        XCTAssertEqual(try pdekit(["merge", "m"]).status, 0)
        XCTAssertEqual(try table("m").dropFirst().map { $0[0] }, ["0", "1", "2", "3", "4", "5"])
    }

    /// Two sweeps of one file started at once into one new folder: one runs, the other is
    /// refused (exit 2) without writing a row; before the lock both ran every case and the table
    /// held each case twice.
    func testTwoSweepsIntoOneFolderDoNotBothRun() throws {
        let path = try darcySweep("two", count: 12, grid: 63)
        let launched: [Process] = try (0..<2).map { _ in
            let p = Process()
            p.executableURL = Self.executable
            p.arguments = ["sweep", path, "-o", "two"]
            p.currentDirectoryURL = work
            p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        launched.forEach { $0.waitUntilExit() }
        XCTAssertEqual(launched.map(\.terminationStatus).sorted(), [0, 2])
        XCTAssertEqual(try table("two").dropFirst().map { $0[0] }, (0..<12).map(String.init))
        // The lock is released with its process: the folder resumes.
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "two", "--resume"]).status, 0)
    }

    /// A launcher variable that is set but malformed is refused: falling back to shard 0/1 would
    /// make every rank run the whole sweep into one folder. Shard arithmetic near Int.max does
    /// not overflow.
    func testLauncherVariablesAreCheckedAndShardsNearIntMaxWork() throws {
        let path = try darcySweep("env", count: 2, grid: 7)
        for (env, word) in [(["OMPI_COMM_WORLD_RANK": "x", "OMPI_COMM_WORLD_SIZE": "2"], "OMPI_COMM_WORLD_RANK"),
                            (["PMI_RANK": "1"], "PMI_SIZE"),
                            (["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "four"], "SLURM_ARRAY_TASK_COUNT"),
                            (["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2",
                              "SLURM_ARRAY_TASK_MIN": "-9223372036854775808"], "overflows")] {
            let r = try pdekit(["sweep", path, "-o", "env", "--dry-run"], environment: env)
            XCTAssertEqual(r.status, 2, "\(env): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(word), "\(env): \(r.stderr)")
        }
        // Of 2 cases in Int.max − 1 shards, the last shard runs case 1 and the one before none.
        let last = try pdekit(["sweep", path, "-o", "env", "--dry-run", "--shard", "9223372036854775806/9223372036854775807"])
        XCTAssertEqual(last.status, 0, last.stderr)
        XCTAssertTrue(last.stdout.hasSuffix("case,pde.coefficient.grf.seed\n1,1\n"), last.stdout)
        let before = try pdekit(["sweep", path, "-o", "env", "--dry-run", "--shard", "9223372036854775805/9223372036854775807"])
        XCTAssertEqual(before.status, 0, before.stderr)
        XCTAssertTrue(before.stdout.hasSuffix("case,pde.coefficient.grf.seed\n"), before.stdout)
        let env = try pdekit(["sweep", path, "-o", "env", "--dry-run"],
                             environment: ["OMPI_COMM_WORLD_RANK": "9223372036854775806", "OMPI_COMM_WORLD_SIZE": "9223372036854775807"])
        XCTAssertEqual(env.status, 0, env.stderr)
    }

    func testCompareArraysRunsAndSweeps() throws {
        try NPY.write([1, 2, 3], shape: [3], to: work.appendingPathComponent("a.npy"))
        try NPY.write([1, 2, 3 + 1e-7], shape: [3], to: work.appendingPathComponent("b.npy"))
        try NPY.write([1, 2.5, 3], shape: [3], to: work.appendingPathComponent("c.npy"))
        try NPY.write([1, 2, 3, 4], shape: [2, 2], to: work.appendingPathComponent("d.npy"))
        let near = try pdekit(["compare", "a.npy", "b.npy"])
        XCTAssertEqual(near.status, 0, near.stderr)
        XCTAssertTrue(near.stdout.contains("within tolerance"), near.stdout)
        let far = try pdekit(["compare", "a.npy", "c.npy"])
        XCTAssertEqual(far.status, 4)
        XCTAssertTrue(far.stdout.contains("max abs 5.000000e-01"), far.stdout)
        XCTAssertEqual(try pdekit(["compare", "a.npy", "c.npy", "--atol", "0.6"]).status, 0)
        try assertBadInputKeepingFiles(["compare", "a.npy", "d.npy"], ["shapes differ", "[3]", "[2, 2]"])

        // Two sweeps of the same cases: identical → 0; a run folder against an NPY works too.
        let path = try darcySweep("x", count: 3, grid: 15)
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "x1"]).status, 0)
        XCTAssertEqual(try pdekit(["sweep", path, "-o", "x2", "--set", "solver.rtol=1e-3"]).status, 0)
        let same = try pdekit(["compare", "x1", "x1"])
        XCTAssertEqual(same.status, 0, same.stderr)
        XCTAssertEqual(same.stdout.split(separator: "\n").count, 4)  // header + 3 cases
        let loose = try pdekit(["compare", "x2", "x1", "--rtol", "1e-9", "--atol", "0"])
        XCTAssertEqual(loose.status, 4, loose.stdout)
        XCTAssertEqual(try pdekit(["compare", "x1/case-0000", "x1/case-0000/solution.npy"]).status, 0)
    }

    /// [output] reference: run reports the same figures as compare.
    func testRunReportsErrorsAgainstAReference() throws {
        let path = Self.packageRoot.appendingPathComponent("problems/poisson2d.toml").path
        XCTAssertEqual(try pdekit(["run", path, "--set", "pde.grid=[9,9]", "-o", "ref", "--set", "solver.method=direct"]).status, 0)
        let problem = try write("r.toml", """
            [problem]
            name = "r"
            kind = "pde"
            [pde]
            grid = [9, 9]
            rhs = "(2 + pi^2*x*(1 - x))*sin(pi*y)"
            [output]
            reference = "ref/solution.npy"
            """)
        let r = try pdekit(["run", problem, "-o", "out"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("vs reference: relative L2"), r.stdout)
        let record = try String(contentsOf: work.appendingPathComponent("out/run.toml"), encoding: .utf8)
        XCTAssertTrue(record.contains("[reference]") && record.contains("max_relative_error"), record)
    }

    /// Like assertBadInput, for commands whose inputs are not problem files.
    func assertBadInputKeepingFiles(_ args: [String], _ words: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try pdekit(args)
        XCTAssertEqual(r.status, 2, r.stderr, file: file, line: line)
        for w in words { XCTAssertTrue(r.stderr.contains(w), "'\(w)' missing from: \(r.stderr)", file: file, line: line) }
    }
}

/// `pdekit plot`: the SVGs are valid pictures, as rsvg-convert (librsvg, from make deps) renders them.
final class PlotCLITests: CLITestCase {
    func pngSize(_ url: URL) throws -> (Int, Int) {
        let d = try Data(contentsOf: url)
        XCTAssertEqual(Array(d.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func be(_ o: Int) -> Int { d[o..<(o + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }

    func render(_ svg: URL) throws -> URL {
        let png = svg.deletingPathExtension().appendingPathExtension("png")
        let r = try pdekit(["-o", png.path, svg.path], executable: URL(fileURLWithPath: "/usr/bin/rsvg-convert"))
        XCTAssertEqual(r.status, 0, "rsvg-convert: \(r.stderr)")
        return png
    }

    func testRunAndSweepPlotsRender() throws {
        let problem = Self.packageRoot.appendingPathComponent("problems/darcy2d.toml").path
        XCTAssertEqual(try pdekit(["run", problem, "--set", "pde.grid=[40,30]", "-o", "run"]).status, 0)
        let p = try pdekit(["plot", "run"])
        XCTAssertEqual(p.status, 0, p.stderr)
        for name in ["history", "solution"] {
            let png = try render(work.appendingPathComponent("run/\(name).svg"))
            let (w, h) = try pngSize(png)
            XCTAssertEqual([w, h], [640, 420])
        }
        let svg = try String(contentsOf: work.appendingPathComponent("run/solution.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("x (40 points)") && svg.contains("data:image/png;base64,"))

        let sweep = Self.packageRoot.appendingPathComponent("problems/refinement.toml").path
        XCTAssertEqual(try pdekit(["sweep", sweep, "-o", "ref", "--set", "sweep.parameters.\"pde.grid\"=[[7,7],[15,15],[31,31]]"]).status, 0)
        XCTAssertEqual(try pdekit(["plot", "ref", "--y", "relative_l2_error"]).status, 0)
        XCTAssertEqual(try pngSize(try render(work.appendingPathComponent("ref/sweep.svg"))).0, 640)
        let bad = try pdekit(["plot", "ref", "--y", "nonsense"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("no such column"), bad.stderr)
    }
}

extension PlotCLITests {
    /// Pixels of a rendered picture near each of `colours` (hex, within 40 per channel), counted
    /// by a PNG decoder written here with zlib and NumPy (rsvg-convert writes 8-bit RGB or RGBA).
    func pixelCounts(_ png: URL, _ colours: [String]) throws -> [Int] {
        let script = """
            import sys, struct, zlib
            import numpy as np
            data = open(sys.argv[1], 'rb').read()
            pos, idat, w, h = 8, b'', 0, 0
            while pos < len(data):
                n, kind = struct.unpack('>I4s', data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
                if kind == b'IHDR':
                    w, h, depth, ctype = struct.unpack('>IIBB', body[:10]); assert depth == 8 and ctype in (2, 6), (depth, ctype)
                    bpp = 3 if ctype == 2 else 4
                elif kind == b'IDAT':
                    idat += body
            raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, 1 + bpp * w)
            out = np.zeros((h, bpp * w), dtype=np.int64); prev = np.zeros(bpp * w, dtype=np.int64)
            for r in range(h):
                f, line = raw[r, 0], raw[r, 1:].astype(np.int64)
                if f == 0: cur = line
                elif f == 2: cur = (line + prev) % 256
                elif f == 1:
                    cur = (np.cumsum(line.reshape(w, bpp), axis=0) % 256).reshape(-1)
                else:
                    cur = np.zeros(bpp * w, dtype=np.int64)
                    for i in range(bpp * w):
                        a = cur[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
                        if f == 3: pred = (a + b) // 2
                        else:
                            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                        cur[i] = (line[i] + pred) % 256
                out[r] = cur; prev = cur
            rgb = out.reshape(h, w, bpp)[:, :, :3]
            for hexcolour in sys.argv[2:]:
                target = np.array([int(hexcolour[k:k + 2], 16) for k in (0, 2, 4)])
                print(int(np.sum(np.all(np.abs(rgb - target) <= 40, axis=2))))
            """
        let (status, text) = try python(script, arguments: [png.path] + colours.map { String($0.dropFirst()) })
        XCTAssertEqual(status, 0, text)
        let counts = text.split(separator: "\n").compactMap { Int($0) }
        XCTAssertEqual(counts.count, colours.count, text)
        return counts.count == colours.count ? counts : colours.map { _ in 0 }
    }

    /// What the pictures claim is drawn: the history's log axis and its tolerance line; a
    /// one-signed field in the sequential map and a signed one in the diverging map centred at
    /// 0 (white at 0, both ends present), each with a colour bar that has ticks; a refinement
    /// study's two error columns as two series with their observed orders (2 ± 0.15, the
    /// suite's tolerance for second order) and an O(h²) reference, under the name asked for.
    /// Each picture is rendered by rsvg-convert and its pixels counted.
    func testPicturesShowWhatTheyClaim() throws {
        let darcy = Self.packageRoot.appendingPathComponent("problems/darcy2d.toml").path
        XCTAssertEqual(try pdekit(["run", darcy, "--set", "pde.grid=[40,30]", "-o", "run"]).status, 0)
        XCTAssertEqual(try pdekit(["plot", "run"]).status, 0)
        let history = try String(contentsOf: work.appendingPathComponent("run/history.svg"), encoding: .utf8)
        XCTAssertTrue(history.contains("rtol = 1e-08") && history.components(separatedBy: "class=\"guide\"").count == 2, history)
        XCTAssertTrue(history.contains(">1e-8</text>") || history.contains(">1e-9</text>"), "decade ticks on the log axis")
        XCTAssertTrue(history.contains("class=\"minor\""), "minor ticks at 2…9 × 10^k")
        let historyPixels = try pixelCounts(try render(work.appendingPathComponent("run/history.svg")), ["#1f77b4", "#555555"])
        XCTAssertGreaterThan(historyPixels[0], 200, "the residual curve")
        XCTAssertGreaterThan(historyPixels[1], 100, "the dashed tolerance line")
        let solution = try String(contentsOf: work.appendingPathComponent("run/solution.svg"), encoding: .utf8)
        XCTAssertTrue(solution.contains("data-colormap=\"sequential\""), "Darcy's solution is one-signed")
        XCTAssertGreaterThanOrEqual(solution.components(separatedBy: "<text class=\"tick\"").count - 1, 3, "colour bar ticks")
        let sequential = try pixelCounts(try render(work.appendingPathComponent("run/solution.svg")), ["#440154", "#fde725"])
        XCTAssertTrue(sequential.allSatisfy { $0 > 0 }, "viridis's ends: \(sequential)")

        let signed = try write("signed.toml", """
            [problem]
            name = "signed"
            kind = "pde"
            [pde]
            grid = [40, 40]
            rhs = "sin(2*pi*x)"
            """)
        XCTAssertEqual(try pdekit(["run", signed, "-o", "signed"]).status, 0)
        XCTAssertEqual(try pdekit(["plot", "signed"]).status, 0)
        let diverging = try String(contentsOf: work.appendingPathComponent("signed/solution.svg"), encoding: .utf8)
        XCTAssertTrue(diverging.contains("data-colormap=\"diverging\"") && diverging.contains(">0</text>"), "centred at 0, with a 0 tick")
        let ends = try pixelCounts(try render(work.appendingPathComponent("signed/solution.svg")), ["#2166ac", "#b2182b", "#ffffff"])
        XCTAssertTrue(ends[0] > 0 && ends[1] > 0 && ends[2] > 0, "blue, red and white: \(ends)")

        let refinement = Self.packageRoot.appendingPathComponent("problems/refinement.toml").path
        let grids = "sweep.parameters.\"pde.grid\"=[[7,7],[15,15],[31,31],[63,63]]"
        XCTAssertEqual(try pdekit(["sweep", refinement, "-o", "ref", "--set", grids]).status, 0)
        let p = try pdekit(["plot", "ref", "--x", "h", "--y", "relative_l2_error,max_abs_error", "-o", "convergence.svg"])
        XCTAssertEqual(p.status, 0, p.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("ref/sweep.svg").path), "only the name asked for")
        let convergence = try String(contentsOf: work.appendingPathComponent("ref/convergence.svg"), encoding: .utf8)
        XCTAssertEqual(convergence.components(separatedBy: "class=\"series\"").count - 1, 2)
        XCTAssertTrue(convergence.contains("O(h^2) reference"), convergence)
        let orders = convergence.matches(of: try Regex(#"order ([0-9.]+)\)"#)).compactMap { $0.output[1].substring.flatMap { Double($0) } }
        XCTAssertEqual(orders.count, 2, convergence)
        for order in orders { XCTAssertEqual(order, 2, accuracy: 0.15) }
        let lines = try pixelCounts(try render(work.appendingPathComponent("ref/convergence.svg")), ["#1f77b4", "#d62728"])
        // The two curves nearly coincide (the max error is about the relative L2 error here, so
        // the second hides the first): the legend's 24-pixel swatches show both colours.
        XCTAssertTrue(lines.allSatisfy { $0 > 20 }, "two series drawn: \(lines)")
        // The manifest lists the new picture: plot may replace it next time.
        XCTAssertEqual(try pdekit(["plot", "ref", "--x", "h", "-o", "convergence.svg"]).status, 0)
        for bad in ["../x.svg", "x.png", ".hidden.svg"] {
            let r = try pdekit(["plot", "ref", "-o", bad])
            XCTAssertEqual(r.status, 2, bad)
            XCTAssertTrue(r.stderr.contains("-o \(bad)"), r.stderr)
        }
        let runWithName = try pdekit(["plot", "run", "-o", "a.svg"])
        XCTAssertEqual(runWithName.status, 2)
        XCTAssertTrue(runWithName.stderr.contains("-o"), runWithName.stderr)
    }
}

extension SweepCLITests {
    /// Workers run contiguous chains in file order and say so in previous_case; a direct
    /// method carries its analysis from one case to the next when the pattern is unchanged.
    /// CHOLMOD (`direct`) and UMFPACK (`lu`, here on a convection problem whose matrix is not
    /// symmetric) refactor with the previous case's analysis along a worker's chain.
    func testChainsCarryTheFactorisationAnalysis() throws {
        for (method, extra) in [("direct", ""), ("lu", "velocity = [\"10*k\", 5]")] {
            let path = try write("c_\(method).toml", """
                [problem]
                name = "c"
                kind = "pde"
                [pde]
                grid = [20, 20]
                rhs = 1
                coefficient = "1 + k*x*y"
                \(extra)
                parameters = { k = 0 }
                [solver]
                method = "\(method)"
                [sweep.parameters]
                "pde.parameters.k" = { linear = [0, 5], count = 6 }
                """)
            let r = try pdekit(["sweep", path, "-o", "c_\(method)", "--jobs", "2"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let t = try table("c_\(method)")
            let previous = t[0].firstIndex(of: "previous_case")!
            // Six cases make chains of four and two (SweepSpec.defaultChainLength), whichever
            // worker runs them.
            XCTAssertEqual(t.dropFirst().map { $0[previous] }, ["", "0", "1", "2", "", "4"], method)
            for (i, reused) in [(0, false), (1, true), (2, true), (3, true), (4, false), (5, true)] {
                let record = try String(contentsOf: work.appendingPathComponent("c_\(method)/case-000\(i)/run.toml"), encoding: .utf8)
                XCTAssertTrue(record.contains("analysis_reused = \(reused)"), "\(method) case \(i): \(record)")
                XCTAssertTrue(record.contains("reason = \"converged_direct\""), "\(method) case \(i)")
            }
            // The refactored solution is the one a fresh factorisation gives.
            let single = try pdekit(["run", path, "--set", "pde.parameters.k=4", "-o", "k4_\(method)"])
            XCTAssertEqual(single.status, 0, single.stderr)
            let compare = try pdekit(["compare", "c_\(method)/case-0004", "k4_\(method)", "--rtol", "1e-12", "--atol", "0"])
            XCTAssertEqual(compare.status, 0, "\(method): \(compare.stdout)")
        }
    }
}

extension SweepCLITests {
    /// CG + AMG in a sweep: a worker's later cases keep the coarsening of the first (same
    /// pattern) or the whole hierarchy, by `reuse`; the results still meet the tolerance, and
    /// with `coarsening` the solution is the one a fresh setup gives (the same C/F splitting
    /// is what a fresh setup finds when the values move this little).
    func testAlgebraicMultigridHierarchyIsCarried() throws {
        for (reuse, expected) in [("coarsening", "coarsening"), ("hierarchy", "hierarchy"), ("none", "none")] {
            let path = try write("a_\(reuse).toml", """
                [problem]
                name = "a"
                kind = "pde"
                [pde]
                grid = [40, 40]
                rhs = 1
                coefficient = "1 + k*x*y"
                parameters = { k = 0 }
                [solver]
                method = "cg"
                preconditioner = "amg"
                [solver.amg]
                coarse_size = 20
                reuse = "\(reuse)"
                [sweep.parameters]
                "pde.parameters.k" = { linear = [0, 0.3], count = 4 }
                """)
            let out = "a_\(reuse)"
            let r = try pdekit(["sweep", path, "-o", out, "--jobs", "1"])
            XCTAssertEqual(r.status, 0, r.stderr)
            for i in 0..<4 {
                let record = try String(contentsOf: work.appendingPathComponent("\(out)/case-000\(i)/run.toml"), encoding: .utf8)
                XCTAssertTrue(record.contains("amg_reused = \"\(i == 0 ? "none" : expected)\""), "\(reuse) case \(i): \(record)")
                XCTAssertTrue(record.contains("reason = \"converged_rtol\""), "\(reuse) case \(i)")
            }
            let t = try table(out)
            XCTAssertTrue(t[0].contains("setup_seconds"))
        }
        let path = work.appendingPathComponent("a_coarsening.toml").path
        let single = try pdekit(["run", path, "--set", "pde.parameters.k=0.3", "-o", "k03"])
        XCTAssertEqual(single.status, 0, single.stderr)
        let compare = try pdekit(["compare", "a_coarsening/case-0003", "k03", "--rtol", "1e-10", "--atol", "0"])
        XCTAssertEqual(compare.status, 0, compare.stdout)
    }
}

extension SweepCLITests {
    /// Recycling CG in a sweep: each worker's later cases start with the Ritz vectors of the
    /// previous case (`rcg_recycled_vectors`), every case converges on its true residual, and
    /// the solution is the one a fresh solve gives (to the tolerance).
    func testRecyclingCGCarriesItsSpace() throws {
        let path = try write("r.toml", """
            [problem]
            name = "r"
            kind = "pde"
            [pde]
            grid = [30, 30]
            rhs = 1
            coefficient = "1 + 0.3*sin(3*x + k)*cos(2*y)"
            parameters = { k = 0 }
            [solver]
            method = "rcg"
            preconditioner = "none"
            rtol = 1e-10
            [solver.rcg]
            recycle = 6
            [sweep.parameters]
            "pde.parameters.k" = { linear = [0, 0.3], count = 4 }
            """)
        let r = try pdekit(["sweep", path, "-o", "r", "--jobs", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for i in 0..<4 {
            let record = try String(contentsOf: work.appendingPathComponent("r/case-000\(i)/run.toml"), encoding: .utf8)
            XCTAssertTrue(record.contains("rcg_recycled_vectors = \(i == 0 ? 0 : 6)"), "case \(i): \(record)")
            XCTAssertTrue(record.contains("reason = \"converged_rtol\""), "case \(i)")
        }
        let single = try pdekit(["run", path, "--set", "pde.parameters.k=0.3", "-o", "k3", "--set", "solver.method=cg"])
        XCTAssertEqual(single.status, 0, single.stderr)
        let compare = try pdekit(["compare", "r/case-0003", "k3", "--rtol", "1e-7", "--atol", "0"])
        XCTAssertEqual(compare.status, 0, compare.stdout)
    }
}

extension SweepCLITests {
    /// `[sweep] order = "nearest"`: a shuffled coefficient family runs as a chain of nearest
    /// neighbours (`previous_case`), and every case is in the table; `chain_length` cuts that
    /// order into chains.
    func testNearestOrderChainsSimilarCases() throws {
        let path = try write("n.toml", """
            [problem]
            name = "n"
            kind = "pde"
            [pde]
            grid = [16, 16]
            rhs = 1
            coefficient = "1 + k*x"
            parameters = { k = 0 }
            [solver]
            method = "cg"
            [sweep]
            order = "nearest"
            chain_length = 5
            [sweep.parameters]
            "pde.parameters.k" = [0.5, 0.1, 0.4, 0.2, 0.3]
            """)
        let r = try pdekit(["sweep", path, "-o", "n", "--jobs", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let t = try table("n")
        let previous = t[0].firstIndex(of: "previous_case")!, status = t[0].firstIndex(of: "status")!
        var before: [String: String] = [:]
        for row in t.dropFirst() { before[row[0]] = row[previous]; XCTAssertEqual(row[status], "ok") }
        XCTAssertEqual(before, ["0": "", "2": "0", "4": "2", "3": "4", "1": "3"])
        // Chains are cut along that order: with chain_length = 2, [0, 2], [4, 3], [1].
        let cut = try pdekit(["sweep", path, "-o", "n2", "--jobs", "1", "--set", "sweep.chain_length=2"])
        XCTAssertEqual(cut.status, 0, cut.stderr)
        var cutBefore: [String: String] = [:]
        for row in try table("n2").dropFirst() { cutBefore[row[0]] = row[previous] }
        XCTAssertEqual(cutBefore, ["0": "", "2": "0", "4": "", "3": "4", "1": ""])
        let bad = try write("b.toml", try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\"nearest\"", with: "\"closest\""))
        let e = try pdekit(["sweep", bad, "-o", "b"])
        XCTAssertEqual(e.status, 2)
        XCTAssertTrue(e.stderr.contains("sweep.order"), e.stderr)
    }
}

extension SweepCLITests {
    /// GCRO-DR in a sweep over a nonsymmetric family: later cases start with the previous case's
    /// harmonic Ritz vectors (k, or k + 1 when a complex pair is kept whole), C is recomputed
    /// with the new matrix (`gcrodr_recycle_products`), `preconditioner_reuse = "keep"` skips the
    /// Jacobi setup after the first case, and the last case's solution is the one a fresh
    /// GMRES solve gives (to the tolerance).
    func testGCRODRCarriesItsSpaceAndKeepsThePreconditioner() throws {
        let path = try write("g.toml", """
            [problem]
            name = "g"
            kind = "pde"
            [pde]
            grid = [30, 30]
            rhs = 1
            velocity = ["30*cos(angle)", "30*sin(angle)"]
            parameters = { angle = 0 }
            [solver]
            method = "gcrodr"
            preconditioner = "jacobi"
            preconditioner_reuse = "keep"
            rtol = 1e-10
            [solver.gcrodr]
            restart = 20
            recycle = 6
            [sweep.parameters]
            "pde.parameters.angle" = { linear = [0, 0.1], count = 4 }
            """)
        let r = try pdekit(["sweep", path, "-o", "g", "--jobs", "1", "--set", "solver.initial_guess=zero"])
        XCTAssertEqual(r.status, 0, r.stderr)
        for i in 0..<4 {
            let record = try String(contentsOf: work.appendingPathComponent("g/case-000\(i)/run.toml"), encoding: .utf8)
            let carried = record.split(separator: "\n").first { $0.hasPrefix("gcrodr_recycled_vectors") }
                .flatMap { Int($0.split(separator: "=")[1].trimmingCharacters(in: .whitespaces)) }
            if i == 0 { XCTAssertEqual(carried, 0) } else { XCTAssertTrue([6, 7].contains(carried ?? -1), "case \(i): \(record)") }
            XCTAssertTrue(record.contains("gcrodr_recycle_products = \(carried ?? -1)"), "case \(i): \(record)")
            XCTAssertTrue(record.contains("preconditioner_kept = \(i == 0 ? "false" : "true")"), "case \(i): \(record)")
            XCTAssertTrue(record.contains("reason = \"converged_rtol\""), "case \(i)")
        }
        let single = try pdekit(["run", path, "--set", "pde.parameters.angle=0.1", "-o", "t1", "--set", "solver.method=gmres",
                                 "--set", "solver.preconditioner_reuse=rebuild"])
        XCTAssertEqual(single.status, 0, single.stderr)
        let compare = try pdekit(["compare", "g/case-0003", "t1", "--rtol", "1e-7", "--atol", "0"])
        XCTAssertEqual(compare.status, 0, compare.stdout)

        // initial_guess = "previous": cases after the first start from the previous solution,
        // still converge on their own true residual, and need fewer iterations in total.
        let p = try pdekit(["sweep", path, "-o", "gp", "--jobs", "1", "--set", "solver.initial_guess=previous"])
        XCTAssertEqual(p.status, 0, p.stderr)
        func totalIterations(_ folder: String) throws -> Int {
            let table = try String(contentsOf: work.appendingPathComponent("\(folder)/sweep.csv"), encoding: .utf8)
            let lines = table.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            let column = lines[0].firstIndex(of: "iterations")!
            return lines.dropFirst().reduce(0) { $0 + Int($1[column])! }
        }
        for i in 0..<4 {
            let record = try String(contentsOf: work.appendingPathComponent("gp/case-000\(i)/run.toml"), encoding: .utf8)
            XCTAssertTrue(record.contains("initial_guess_used = \"\(i == 0 ? "zero" : "previous")\""), "case \(i): \(record)")
            XCTAssertTrue(record.contains("reason = \"converged_rtol\""), "case \(i)")
        }
        XCTAssertLessThan(try totalIterations("gp"), try totalIterations("g"))

        // The default for gcrodr, initial_guess = "projection": the start combines the previous
        // solutions (i of them for case i, one product each plus the start's residual), jointly
        // with U; at least as few iterations as starting from the previous solution.
        let q = try pdekit(["sweep", path, "-o", "gq", "--jobs", "1"])
        XCTAssertEqual(q.status, 0, q.stderr)
        for i in 0..<4 {
            let record = try String(contentsOf: work.appendingPathComponent("gq/case-000\(i)/run.toml"), encoding: .utf8)
            XCTAssertTrue(record.contains("initial_guess = \"projection\""), "case \(i): \(record)")
            XCTAssertTrue(record.contains("initial_guess_used = \"\(i == 0 ? "zero" : "projection")\""), "case \(i): \(record)")
            if i > 0 {
                XCTAssertTrue(record.contains("initial_guess_vectors_used = \(i)"), "case \(i): \(record)")
                XCTAssertTrue(record.contains("initial_guess_products = \(i + 1)"), "case \(i): \(record)")
            }
            XCTAssertTrue(record.contains("reason = \"converged_rtol\""), "case \(i)")
        }
        XCTAssertLessThanOrEqual(try totalIterations("gq"), try totalIterations("gp"))
    }

    /// `preconditioner_refresh`: a kept IC(0) factor from a constant coefficient serves the later
    /// cases of a sweep whose coefficient grows steeper (exp(s x), s from 0 to 7) worse and
    /// worse; with a factor of 1.5 the case after one that needed more than 1.5 times the
    /// iterations of the case that built the factor builds a new one, and the sweep needs fewer
    /// iterations in all than keeping the first factor throughout.
    func testKeptPreconditionerIsRefreshedWhenIterationsGrow() throws {
        // The example file (preconditioner_refresh = 1.5), and the same with the refresh off.
        let path = Self.packageRoot.appendingPathComponent("problems/refresh_sweep.toml").path
        func iterations(_ folder: String) throws -> [Int] {
            let (records, _) = try CSV.read(work.appendingPathComponent("\(folder)/sweep.csv"))
            let column = records[0].firstIndex(of: "iterations")!
            return records.dropFirst().map { Int($0[column])! }
        }
        let kept = try pdekit(["sweep", path, "-o", "kept", "--jobs", "1", "--set", "solver.preconditioner_refresh=0"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
        let refreshed = try pdekit(["sweep", path, "-o", "refreshed", "--jobs", "1"])
        XCTAssertEqual(refreshed.status, 0, refreshed.stderr)
        let a = try iterations("kept"), b = try iterations("refreshed")
        var rebuilt: [Int] = []
        for i in 0..<8 {
            let record = try String(contentsOf: work.appendingPathComponent("refreshed/case-000\(i)/run.toml"), encoding: .utf8)
            if record.contains("preconditioner_refreshed = true") {
                XCTAssertTrue(record.contains("preconditioner_kept = false"), "case \(i): \(record)")
                rebuilt.append(i)
            }
        }
        XCTAssertFalse(rebuilt.isEmpty, "no refresh: kept \(a), refreshed \(b)")
        // The rule: a refresh follows a case that needed more than 1.5 times its factor's first case.
        var baseline = b[0]
        for i in 1..<8 {
            if rebuilt.contains(i) {
                XCTAssertGreaterThan(Double(b[i - 1]), 1.5 * Double(baseline), "case \(i) refreshed after \(b[i - 1]) its, baseline \(baseline)")
                baseline = b[i]
            } else {
                XCTAssertLessThanOrEqual(Double(b[i - 1]), 1.5 * Double(baseline), "case \(i) not refreshed after \(b[i - 1]), baseline \(baseline)")
            }
        }
        XCTAssertLessThan(b.reduce(0, +), a.reduce(0, +), "refreshed \(b), kept \(a)")
        // The factor is checked.
        let bad = try pdekit(["check", path, "--set", "solver.preconditioner_refresh=0.5"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("preconditioner_refresh"), bad.stderr)
        // ... and refused where nothing is kept to refresh.
        let nothingKept = try pdekit(["check", path, "--set", "solver.preconditioner_reuse=rebuild"])
        XCTAssertEqual(nothingKept.status, 2)
        XCTAssertTrue(nothingKept.stderr.contains("preconditioner_refresh"), nothingKept.stderr)
        let hierarchy = try pdekit(["check", path, "--set", "solver.preconditioner_reuse=rebuild", "--set", "solver.preconditioner=amg",
                                    "--set", "solver.amg.reuse=hierarchy"])
        XCTAssertEqual(hierarchy.status, 0, hierarchy.stderr)
    }

    /// `preconditioner_reuse` and `initial_guess` are checked: an unknown value, a method
    /// without a preconditioner or one that does not start from a given vector are refused with
    /// the key named.
    func testPreconditionerReuseIsChecked() throws {
        let path = try write("pr.toml", """
            [problem]
            name = "pr"
            kind = "pde"
            [pde]
            grid = [8, 8]
            rhs = 1
            [solver]
            method = "direct"
            preconditioner_reuse = "keep"
            """)
        let r = try pdekit(["check", path])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("preconditioner_reuse"), r.stderr)
        let bad = try pdekit(["check", path, "--set", "solver.method=cg", "--set", "solver.preconditioner_reuse=sometimes"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("preconditioner_reuse"), bad.stderr)
        let guess = try pdekit(["check", path, "--set", "solver.preconditioner_reuse=rebuild", "--set", "solver.initial_guess=previous"])
        XCTAssertNotEqual(guess.status, 0)
        XCTAssertTrue(guess.stderr.contains("initial_guess"), guess.stderr)
        // initial_guess_vectors belongs to a projection, and is bounded.
        let vectors = try pdekit(["check", path, "--set", "solver.preconditioner_reuse=rebuild", "--set", "solver.method=cg",
                                  "--set", "solver.initial_guess_vectors=3"])
        XCTAssertEqual(vectors.status, 2)
        XCTAssertTrue(vectors.stderr.contains("initial_guess_vectors") && vectors.stderr.contains("projection"), vectors.stderr)
        for bad in ["0", "33", "nan"] {
            let v = try pdekit(["check", path, "--set", "solver.preconditioner_reuse=rebuild", "--set", "solver.method=cg",
                                "--set", "solver.initial_guess=projection", "--set", "solver.initial_guess_vectors=\(bad)"])
            XCTAssertEqual(v.status, 2, bad)
            XCTAssertTrue(v.stderr.contains("initial_guess_vectors"), v.stderr)
        }
    }
}

extension SweepCLITests {
    /// `[output] stack = true`: the sweep's converged cases stacked for learning — solutions and
    /// coefficients (cases, n₁, n₂) equal to each case's own files, the parameter columns of
    /// sweep.csv, the case indices — read back by NumPy itself.
    func testStackedDatasetLoadsInNumPy() throws {
        let path = Self.packageRoot.appendingPathComponent("problems/darcy_sweep.toml").path
        let r = try pdekit(["sweep", path, "-o", "ds", "--set", "pde.grid=[12,10]", "--set", "output.stack=true",
                            "--set", "pde.rhs={grf={alpha=2.5,tau=7,seed=1}}"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let script = """
            import numpy as np, csv, sys
            d = sys.argv[1]
            s = np.load(d + '/stack_solutions.npy'); c = np.load(d + '/stack_coefficients.npy'); f = np.load(d + '/stack_rhs.npy')
            p = np.load(d + '/stack_parameters.npy'); k = np.load(d + '/stack_cases.npy')
            rows = list(csv.DictReader(open(d + '/sweep.csv')))
            # The coefficient at every node the stencil reads: the unknowns and the Dirichlet boundary nodes.
            assert s.shape == (20, 12, 10) and c.shape == (20, 14, 12) and f.shape == s.shape, (s.shape, c.shape, f.shape)
            assert p.shape == (20, 2) and k.shape == (20,), (p.shape, k.shape)
            for i, case in enumerate(k.astype(int)):
                row = rows[case]
                assert np.array_equal(s[i], np.load(d + '/' + row['folder'] + '/solution.npy'))
                assert np.array_equal(c[i], np.load(d + '/' + row['folder'] + '/coefficient.npy'))
                assert np.array_equal(f[i], np.load(d + '/' + row['folder'] + '/rhs.npy'))
                assert p[i, 0] == float(row['pde.coefficient.grf.seed']) and p[i, 1] == float(row['pde.coefficient.grf.scale'])
            print('ok')
            """
        let (status, text) = try python(script, work.appendingPathComponent("ds").path)
        XCTAssertEqual(status, 0, text)
        XCTAssertTrue(text.contains("ok"), text)
        // Cases on different grids cannot be stacked: refused before any case runs.
        let refinement = Self.packageRoot.appendingPathComponent("problems/refinement.toml").path
        let refused = try pdekit(["sweep", refinement, "-o", "rf", "--set", "output.stack=true"])
        XCTAssertEqual(refused.status, 2)
        XCTAssertTrue(refused.stderr.contains("[output] stack needs every case on one grid"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("rf").path))
    }

    /// coefficient.npy holds a(x, y) at every node the stencil reads: exp(k(x + y)) for
    /// diffusion2d at the unknowns (x.npy, y.npy) and at the Dirichlet boundary nodes x = 0, 1
    /// and y = 0, 1 on the unit square; a constant coefficient writes none.
    func testCoefficientFileMatchesTheExpression() throws {
        let path = Self.packageRoot.appendingPathComponent("problems/diffusion2d.toml").path
        XCTAssertEqual(try pdekit(["run", path, "-o", "d", "--set", "pde.grid=[7,5]", "--set", "pde.parameters.k=1.5"]).status, 0)
        let a = try NPY.read(work.appendingPathComponent("d/coefficient.npy"))
        let x = try NPY.read(work.appendingPathComponent("d/x.npy")).values, y = try NPY.read(work.appendingPathComponent("d/y.npy")).values
        let record = try String(contentsOf: work.appendingPathComponent("d/run.toml"), encoding: .utf8)
        XCTAssertEqual(a.shape, [9, 7])
        XCTAssertTrue(record.contains("coefficient = \"exp(k*(x + y))\""), record)
        let k = 1.5, xn = [0] + x + [1], yn = [0] + y + [1]
        for i in 0..<9 { for j in 0..<7 { XCTAssertEqual(a.values[i * 7 + j], exp(k * (xn[i] + yn[j])), accuracy: 1e-12 * exp(k * 2)) } }
        let poisson = Self.packageRoot.appendingPathComponent("problems/poisson2d.toml").path
        XCTAssertEqual(try pdekit(["run", poisson, "-o", "p", "--set", "pde.grid=[5,5]"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: work.appendingPathComponent("p/coefficient.npy").path))
    }
}

extension SweepCLITests {
    /// Through the problem file: darcy2d's random permeability on 31² and 63² unknowns is one
    /// field — at the shared nodes log a differs by the modes the coarse grid cannot hold, whose
    /// share of the variance GaussianRandomFieldTests bounds by 5 % (RMS ratio √0.05 ≈ 0.22).
    /// Before fields refined, the same seed gave unrelated fields (RMS ratio ≈ √2).
    func testRandomCoefficientRefinesWithTheGrid() throws {
        let path = Self.packageRoot.appendingPathComponent("problems/darcy2d.toml").path
        for n in [31, 63] {
            XCTAssertEqual(try pdekit(["run", path, "-o", "g\(n)", "--set", "pde.grid=[\(n),\(n)]", "--set", "solver.method=direct"]).status, 0)
        }
        let coarse = try NPY.read(work.appendingPathComponent("g31/coefficient.npy")).values.map { log($0) }
        let fine = try NPY.read(work.appendingPathComponent("g63/coefficient.npy")).values.map { log($0) }
        var diff = 0.0, spread = 0.0
        let mean = coarse.reduce(0, +) / Double(coarse.count)
        XCTAssertEqual(coarse.count, 33 * 33)
        XCTAssertEqual(fine.count, 65 * 65)
        for i in 0..<33 { for j in 0..<33 {
            // coefficient.npy holds the nodes, boundary included: coarse node i is fine node 2i.
            let d = coarse[i * 33 + j] - fine[2 * i * 65 + 2 * j]
            diff += d * d
            spread += (coarse[i * 33 + j] - mean) * (coarse[i * 33 + j] - mean)
        }}
        XCTAssertLessThan((diff / spread).squareRoot(), 0.05.squareRoot())
    }
}
